"""Retention on a datastore: a rule compiled into steps, each counted (the plan) or carried
out one bounded batch at a time (the run).

A step is one pass of one rule over one table: ``delete`` the rows due, or ``anonymise``
their personal fields with the fields' erasure strategies. A row is due when its ``from``
(a column of the table, or of the row of ``via`` it refers to) is at or before the step's
cut-off and it matches ``where``. Two kinds of rows are exempt:

- rows under a legal hold (unless the rule says ``exempt_legal_holds: false``): a delete
  step leaves them, and the rule's anonymise step masks the fields no hold keeps, as an
  erasure does;
- rows of people with an open request (unless ``exempt_open_requests: false``): they are
  left for a later run, after the request is answered.

A batch reads at most ``batch_size`` due rows in primary-key order after the cursor and
changes exactly those rows; the database re-checks every condition in the statement that
changes them. Everything compared is a bound parameter: no manifest text becomes SQL.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from privet.datastores.conditions import condition_clause, moment_value
from privet.kit.durations import Duration
from privet.kit.errors import ConfigurationError
from privet.manifest.schema import (
    FieldErasure,
    Manifest,
    RetentionAction,
    RetentionRule,
    Table,
)
from privet.manifest.taxonomy import overlaps
from privet.requests.changes import HASH_PREFIX, RANDOM_PREFIX, coerce, masked_value
from privet.requests.engine import chunks
from privet.requests.graph import IdentityGraph, find_table

Key = tuple[Any, ...]
OpenKeys = Mapping[tuple[str, str], frozenset[Key]]
"""Primary keys of rows of people with an open request, by (datastore, table)."""


class StepAction(StrEnum):
    delete = "delete"
    anonymise = "anonymise"


@dataclass(frozen=True)
class StepSpec:
    """What a step does, from the manifest alone (no database needed)."""

    rule: str
    datastore: str
    table: str
    action: StepAction
    after: tuple[Duration, ...]
    """Durations from ``from`` to the row being due: period, grace, ``delete_after``."""
    held_only: bool = False
    """A delete rule's pass over the held rows it may not delete (it masks what no hold
    keeps)."""

    def cutoff(self, as_of: datetime) -> datetime:
        moment = as_of
        for duration in self.after:
            moment = duration.before(moment)
        return moment

    def due_at(self, start: datetime) -> datetime:
        moment = start
        for duration in self.after:
            moment = duration.after(moment)
        return moment


def rule_steps(manifest: Manifest, key: str, rule: RetentionRule) -> list[StepSpec]:
    """The steps of ``rule``, table by table: for each, deletes before anonymisation (a
    row about to be deleted is not anonymised first)."""
    base = (rule.period, *((rule.grace,) if rule.grace is not None else ()))
    steps: list[StepSpec] = []
    for datastore, table_name in manifest.retention_targets(rule):
        declared = manifest.datastores[datastore].tables.get(table_name)
        has_holds = declared is not None and bool(declared.legal_holds)
        if rule.action is RetentionAction.delete:
            steps.append(StepSpec(key, datastore, table_name, StepAction.delete, base))
            if has_holds and rule.exempt_legal_holds:
                steps.append(StepSpec(key, datastore, table_name, StepAction.anonymise, base,
                                      held_only=True))
        elif rule.action is RetentionAction.anonymise:
            steps.append(StepSpec(key, datastore, table_name, StepAction.anonymise, base))
        else:
            assert rule.delete_after is not None  # the schema requires it
            steps.append(StepSpec(key, datastore, table_name, StepAction.delete,
                                  (*base, rule.delete_after)))
            steps.append(StepSpec(key, datastore, table_name, StepAction.anonymise, base))
    return steps


# ---------------------------------------------------------------------------- compiled


@dataclass(frozen=True)
class CompiledStep:
    """A step bound to the reflected table: its statements' conditions, ready to run."""

    spec: StepSpec
    rule: RetentionRule
    table: sa.Table
    key_columns: tuple[str, ...]
    from_column: sa.Column[Any]
    cutoff: datetime
    due: ColumnElement[bool]
    """Due now, not exempt, and (anonymise) with something left to mask."""
    held: ColumnElement[bool]
    """Under a legal hold (false when holds do not apply)."""
    condition: ColumnElement[bool]
    """``where``, on the table or on ``via``."""
    fields: dict[str, FieldErasure]
    kept_when_held: frozenset[str]
    via: sa.Table | None
    join_on: ColumnElement[bool] | None


def compile_step(spec: StepSpec, rule: RetentionRule, graph: IdentityGraph, *,
                 as_of: datetime, open_keys: OpenKeys) -> CompiledStep:
    """The step's conditions on the reflected tables; a column or link the database lacks
    is a ``ConfigurationError`` naming the rule."""
    table = graph.tables.get((spec.datastore, spec.table))
    if table is None:
        raise ConfigurationError(
            f"retention rule `{spec.rule}`: table `{spec.table}` does not exist in datastore "
            f"`{spec.datastore}`", hint="run `privet check --connect` to see every difference")
    key_columns = tuple(c.name for c in table.primary_key.columns)
    if not key_columns:
        raise ConfigurationError(
            f"retention rule `{spec.rule}`: table `{spec.table}` has no primary key",
            hint="retention works in batches ordered by the primary key; add one")
    declared = graph.declared.get((spec.datastore, spec.table))
    via, join_on = _via(spec, rule, graph, table)
    origin = via if via is not None else table
    from_column = _column(origin, rule.from_field, spec.rule, "from")
    cutoff = spec.cutoff(as_of)
    condition = (condition_clause(rule.where, origin) if rule.where is not None
                 else sa.true())
    due = _past(from_column, cutoff, condition, join_on)
    held = _held(table, declared, as_of) if rule.exempt_legal_holds else sa.false()
    kept = frozenset(f for h in (declared.legal_holds.values() if declared else ())
                     for f in h.keep_fields) if rule.exempt_legal_holds else frozenset()
    fields = _fields(spec, rule, declared)
    exempt = _open_rows(table, key_columns, open_keys.get((spec.datastore, spec.table)))
    if rule.exempt_open_requests and exempt is not None:
        due = sa.and_(due, sa.not_(exempt))
    if spec.action is StepAction.delete:
        due = sa.and_(due, sa.not_(held))
    else:
        free = _needs_masking(table, fields)
        under_hold = _needs_masking(table, {n: e for n, e in fields.items() if n not in kept})
        if spec.held_only:
            due = sa.and_(due, held, under_hold)
        else:
            due = sa.and_(due, sa.or_(sa.and_(held, under_hold), sa.and_(sa.not_(held), free)))
    return CompiledStep(spec, rule, table, key_columns, from_column, cutoff, due, held,
                        condition, fields, kept, via, join_on)


def _past(column: sa.Column[Any], cutoff: datetime, condition: ColumnElement[bool],
          join_on: ColumnElement[bool] | None) -> ColumnElement[bool]:
    """Rows past their time (exempt or not): ``from`` at or before the cut-off, and
    ``where``; on the row ``via`` points at when there is one."""
    when = column <= moment_value(column, cutoff)
    if join_on is not None:
        return sa.exists().where(join_on, when, condition)
    return sa.and_(when, condition)


def _column(table: sa.Table, name: str, rule: str, what: str) -> sa.Column[Any]:
    if name not in table.c:
        raise ConfigurationError(
            f"retention rule `{rule}`: `{what}` names column `{name}`, which table "
            f"`{table.name}` does not have", hint=f"columns: {', '.join(table.c.keys())}")
    column: sa.Column[Any] = table.c[name]
    return column


def _via(spec: StepSpec, rule: RetentionRule, graph: IdentityGraph,
         table: sa.Table) -> tuple[sa.Table | None, ColumnElement[bool] | None]:
    if rule.via is None:
        return None, None
    parent = graph.tables.get((spec.datastore, rule.via))
    if parent is None:
        parent = find_table(table.metadata, rule.via)
    links = [fk for fk in table.foreign_key_constraints if fk.referred_table is parent]
    if parent is None or not links:
        raise ConfigurationError(
            f"retention rule `{spec.rule}`: `{spec.table}` has no foreign key to `{rule.via}`",
            hint="`via` follows a foreign key of the rule's table")
    on = sa.and_(*(element.column == element.parent for element in links[0].elements))
    return parent, on


def _held(table: sa.Table, declared: Table | None, as_of: datetime) -> ColumnElement[bool]:
    """Rows under one of the table's legal holds; a NULL anywhere counts as not held."""
    if declared is None or not declared.legal_holds:
        return sa.false()
    parts = []
    for hold in declared.legal_holds.values():
        column = table.c[hold.from_field]
        part = column > moment_value(column, hold.period.before(as_of))
        if hold.where is not None:
            part = sa.and_(part, condition_clause(hold.where, table))
        parts.append(part)
    return sa.case((sa.or_(*parts), 1), else_=0) == 1


def _fields(spec: StepSpec, rule: RetentionRule, declared: Table | None) -> dict[str, FieldErasure]:
    """The fields an anonymise step masks, with their strategies."""
    if spec.action is StepAction.delete or declared is None:
        return {}
    erasable = {n: e for n, f in declared.fields.items()
                if (e := f.effective_erasure) is not None}
    if rule.fields:
        return {n: erasable[n] for n in rule.fields if n in erasable}
    if rule.categories:
        return {n: e for n, e in erasable.items()
                if any(overlaps(w, c) for w in rule.categories
                       for c in declared.fields[n].categories)}
    return erasable


def _needs_masking(table: sa.Table, fields: Mapping[str, FieldErasure]) -> ColumnElement[bool]:
    """Rows where masking one of ``fields`` would change something: the SQL twin of
    ``masked_value`` leaving a value alone."""
    parts: list[ColumnElement[bool]] = []
    for name, erasure in fields.items():
        column = table.c[name]
        strategy = erasure.strategy.value
        if strategy == "nullify":
            parts.append(column.is_not(None))
        elif strategy == "fixed":
            value = coerce(column, erasure.value)
            parts.append(column.is_not(None) if value is None
                         else sa.or_(column.is_(None), column != value))
        else:
            prefix = HASH_PREFIX if strategy == "hash" else RANDOM_PREFIX
            parts.append(sa.and_(column.is_not(None), sa.not_(column.startswith(prefix))))
    return sa.or_(*parts) if parts else sa.false()


def _open_rows(table: sa.Table, key_columns: tuple[str, ...],
               keys: frozenset[Key] | None) -> ColumnElement[bool] | None:
    if not keys:
        return None
    result: ColumnElement[bool] = _key(table, key_columns).in_(sa.bindparam(
        "open_rows", [k[0] if len(key_columns) == 1 else k for k in sorted(keys, key=repr)],
        expanding=True))
    return result


def _key(table: sa.Table, key_columns: tuple[str, ...]) -> Any:
    columns = [table.c[c] for c in key_columns]
    return columns[0] if len(columns) == 1 else sa.tuple_(*columns)


def _after(step: CompiledStep, cursor: Key | None) -> ColumnElement[bool]:
    if cursor is None:
        return sa.true()
    result: ColumnElement[bool] = _key(step.table, step.key_columns) > (
        cursor[0] if len(cursor) == 1 else sa.tuple_(*cursor))
    return result


def _up_to(step: CompiledStep, last: Key) -> ColumnElement[bool]:
    result: ColumnElement[bool] = _key(step.table, step.key_columns) <= (
        last[0] if len(last) == 1 else sa.tuple_(*last))
    return result


# ---------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class StepCounts:
    due: int
    """Rows the step would change now."""
    held: int
    """Rows past their time kept under a legal hold (a delete step)."""
    waiting: int
    """Rows past their time left for after a person's open request."""
    next_due_at: datetime | None
    """When the next row not yet due falls due."""


def count_step(connection: Connection, step: CompiledStep, *,
               open_keys: OpenKeys) -> StepCounts:
    """What the step would do now, by counting; changes nothing."""
    table = step.table
    due = connection.execute(sa.select(sa.func.count()).select_from(table)
                             .where(step.due)).scalar_one()
    past = _past(step.from_column, step.cutoff, step.condition, step.join_on)
    held = 0
    if step.spec.action is StepAction.delete:
        held = connection.execute(sa.select(sa.func.count()).select_from(table)
                                  .where(past, step.held)).scalar_one()
    waiting = 0
    exempt = _open_rows(table, step.key_columns,
                        open_keys.get((step.spec.datastore, step.spec.table)))
    if exempt is not None and step.rule.exempt_open_requests:
        waiting = connection.execute(sa.select(sa.func.count()).select_from(table)
                                     .where(past, exempt)).scalar_one()
    return StepCounts(int(due), int(held), int(waiting), _next_due(connection, step))


def _next_due(connection: Connection, step: CompiledStep) -> datetime | None:
    column = step.from_column
    later = column > moment_value(column, step.cutoff)
    if step.via is not None:
        assert step.join_on is not None
        query = (sa.select(sa.func.min(column)).select_from(step.table.join(step.via,
                                                                             step.join_on))
                 .where(later, step.condition))
    else:
        query = sa.select(sa.func.min(column)).where(later, step.condition)
    earliest = _as_datetime(connection.execute(query).scalar())
    return None if earliest is None else step.spec.due_at(earliest)


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


# ---------------------------------------------------------------------------- run


@dataclass(frozen=True)
class Batch:
    """One batch's work: the rows changed and the key range covered (``after``, ``last``]."""

    rows: int
    after: Key | None
    last: Key


def run_batch(connection: Connection, step: CompiledStep, cursor: Key | None, *,
              batch_size: int, secret: bytes | None) -> Batch | None:
    """Change the next due rows after ``cursor`` (at most ``batch_size``) in the
    connection's transaction; None when none is left. The caller commits."""
    keys = [step.table.c[c] for c in step.key_columns]
    if step.spec.action is StepAction.delete:
        last = _batch_end(connection, step, cursor, batch_size)
        if last is None:
            return None
        result = connection.execute(sa.delete(step.table).where(
            _after(step, cursor), _up_to(step, last), step.due))
        return Batch(result.rowcount, cursor, last)
    names = list(step.fields)
    held = step.held.label("privet_held")
    rows = connection.execute(
        sa.select(*keys, *(step.table.c[n] for n in names), held)
        .where(_after(step, cursor), step.due).order_by(*keys).limit(batch_size)).all()
    if not rows:
        return None
    width = len(keys)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        kept = step.kept_when_held if row[-1] else frozenset()
        changes: dict[str, Any] = {}
        for position, name in enumerate(names):
            if name in kept:
                continue
            current = row[width + position]
            target = masked_value(step.table.c[name], step.fields[name], current, secret=secret)
            if target != current:
                changes[name] = target
        if changes:
            parameters = {f"key_{i}": row[i] for i in range(width)}
            parameters.update({f"new_{n}": v for n, v in changes.items()})
            groups[tuple(sorted(changes))].append(parameters)
    for columns, group in groups.items():
        statement = (sa.update(step.table)
                     .where(*(step.table.c[c] == sa.bindparam(f"key_{i}")
                              for i, c in enumerate(step.key_columns)))
                     .values({c: sa.bindparam(f"new_{c}") for c in columns}))
        for part in chunks(group, 5_000):
            connection.execute(statement, list(part))
    return Batch(sum(len(g) for g in groups.values()), cursor, tuple(rows[-1][:width]))


def _batch_end(connection: Connection, step: CompiledStep, cursor: Key | None,
               batch_size: int) -> Key | None:
    """The last key of the next delete batch (None when no row is due after ``cursor``):
    the DELETE then takes the key range and re-checks each row, so only a key comes back.

    An integer key: the first due key plus ``batch_size - 1``: such a range holds at most
    ``batch_size`` rows, and finding its start reads one due row. Other keys: the
    ``batch_size``-th due key (or the last one)."""
    keys = [step.table.c[c] for c in step.key_columns]
    due = sa.select(*keys).where(_after(step, cursor), step.due)
    if len(keys) == 1 and _is_integer(keys[0]):
        first = connection.execute(due.order_by(keys[0]).limit(1)).scalar()
        return None if first is None else (int(first) + batch_size - 1,)
    found = connection.execute(due.order_by(*keys).offset(batch_size - 1).limit(1)).first()
    if found is None:
        found = connection.execute(due.order_by(*(k.desc() for k in keys)).limit(1)).first()
    return None if found is None else tuple(found)


def _is_integer(column: sa.Column[Any]) -> bool:
    try:
        return column.type.python_type is int
    except NotImplementedError:
        return False


def remaining_in(connection: Connection, step: CompiledStep, after: Key | None,
                 last: Key) -> int:
    """Due rows left in the key range (``after``, ``last``]: 0 once a batch over it
    committed (how a resumed run tells a committed batch from a lost one)."""
    return int(connection.execute(
        sa.select(sa.func.count()).select_from(step.table)
        .where(_after(step, after), _up_to(step, last), step.due)).scalar_one())


def sweep_step(connection_factory: Callable[[], Any], step: CompiledStep,
               cursor: Key | None, *, batch_size: int, secret: bytes | None,
               before_commit: Callable[[Batch], None],
               after_commit: Callable[[Batch, float], None]) -> None:
    """Batches until the step is done, each in its own transaction: ``before_commit``
    records the batch as pending, the datastore commits, ``after_commit`` is told (with the
    seconds the transaction took)."""
    while True:
        started = time.perf_counter()
        with connection_factory() as connection, connection.begin():
            batch = run_batch(connection, step, cursor, batch_size=batch_size, secret=secret)
            if batch is None:
                return
            before_commit(batch)
        after_commit(batch, time.perf_counter() - started)
        cursor = batch.last


# ---------------------------------------------------------------------------- keys as JSON


def key_to_json(key: Key) -> list[Any]:
    """A primary key as JSON the cursor can hold (dates as ISO text, decimals as text)."""
    return [v.isoformat() if isinstance(v, (date, datetime))
            else str(v) if isinstance(v, Decimal) else v for v in key]


def key_from_json(step: CompiledStep, values: Sequence[Any] | None) -> Key | None:
    if values is None:
        return None
    return tuple(coerce(step.table.c[c], v) for c, v in zip(step.key_columns, values,
                                                             strict=True))
