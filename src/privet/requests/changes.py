"""What a request changes in a datastore: erasure, rectification, restriction, objection.

A change is planned from the rows found (``engine.find_rows``) and then applied inside the
datastore's transaction: updates first (masks, cleared links), then deletes, children
before parents, so foreign keys hold at every statement. Plans are pure data; applying one
twice changes nothing the second time (a masked value is recognised and left alone).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from privet.datastores.conditions import condition_clause, moment_value
from privet.kit.errors import PrivetError
from privet.manifest.schema import (
    DataField,
    FieldErasure,
    FieldErasureStrategy,
    Table,
    TableErasure,
)
from privet.requests.engine import (
    Found,
    FoundTable,
    chunks,
    delete_where_in,
    in_values,
    where_in,
)
from privet.requests.graph import IdentityGraph, NodeKey

DELETE_CHUNK = 2_000
HASH_PREFIX = "hmac:"
RANDOM_PREFIX = "erased:"
NOW = "now"


class ChangePlanError(PrivetError):
    """A change the manifest asks for that the database cannot take as declared."""

    http_status = 409


Key = tuple[Any, ...]


@dataclass
class TablePlan:
    node: NodeKey
    table: sa.Table
    key_columns: tuple[str, ...]
    rows: dict[Key, dict[str, Any]] = field(default_factory=dict)
    """The found rows, as read (for links and the ledger)."""
    declared_fields: dict[str, DataField] = field(default_factory=dict)
    delete: list[Key] = field(default_factory=list)
    updates: dict[Key, dict[str, Any]] = field(default_factory=dict)
    masked: set[Key] = field(default_factory=set)
    held: set[Key] = field(default_factory=set)
    unlinked: set[Key] = field(default_factory=set)
    strategies: dict[str, str] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not self.delete and not self.updates


# ---------------------------------------------------------------------------- masking


def masked_value(column: sa.Column[Any], erasure: FieldErasure, current: Any, *,
                 secret: bytes | None) -> Any:
    """The value ``current`` becomes; ``current`` itself when it is already erased."""
    strategy = erasure.strategy
    where = f"`{column.table.name}.{column.name}`"
    if strategy is FieldErasureStrategy.nullify:
        if not column.nullable:
            raise ChangePlanError(
                f"{where} cannot be nullified: the column is NOT NULL",
                hint="give it `erasure: {strategy: fixed, value: ...}` or `hash`, or make the "
                "table `erasure: delete_row`")
        return None
    if strategy is FieldErasureStrategy.fixed:
        return coerce(column, erasure.value)
    if current is None:
        return None
    if not _is_text(column):
        raise ChangePlanError(
            f"{where} is not a text column: `{strategy.value}` cannot be applied",
            hint="use `nullify` or `fixed` for numbers and dates")
    text = str(current)
    if strategy is FieldErasureStrategy.hash:
        if text.startswith(HASH_PREFIX):
            return current
        if secret is None:
            raise ChangePlanError(
                f"{where} is erased with a keyed hash, but no secret key is set",
                hint="set PRIVET_SECRET_KEY (a long random string) in the environment")
        digest = hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()
        return _fit(column, HASH_PREFIX + digest)
    if text.startswith(RANDOM_PREFIX):
        return current
    return _fit(column, RANDOM_PREFIX + secrets.token_hex(12))


def _is_text(column: sa.Column[Any]) -> bool:
    try:
        return column.type.python_type is str
    except NotImplementedError:
        return False


def _fit(column: sa.Column[Any], value: str) -> str:
    length = getattr(column.type, "length", None)
    return value[:length] if isinstance(length, int) and length > 0 else value


def coerce(column: sa.Column[Any], value: Any) -> Any:
    """``value`` as the column's type, or a ``ChangePlanError`` saying why it cannot be."""
    where = f"`{column.table.name}.{column.name}`"
    if value is None:
        if not column.nullable:
            raise ChangePlanError(f"{where} cannot be empty (NOT NULL)")
        return None
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    try:
        if isinstance(value, python_type) and not (python_type is int and isinstance(value, bool)):
            result: Any = value
        elif python_type is bool:
            result = _boolean(value)
        elif python_type is int:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            result = int(str(value).strip()) if isinstance(value, str) else int(value)
        elif python_type is float:
            result = float(value)
        elif python_type is Decimal:
            result = Decimal(str(value))
        elif python_type is datetime:
            result = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        elif python_type is date:
            result = date.fromisoformat(str(value))
        elif python_type is str:
            result = str(value)
        else:
            result = python_type(value)
    except (TypeError, ValueError, InvalidOperation):
        raise ChangePlanError(
            f"{where} expects {python_type.__name__}, and `{str(value)[:80]}` is not one"
        ) from None
    length = getattr(column.type, "length", None)
    if isinstance(result, str) and isinstance(length, int) and len(result) > length:
        raise ChangePlanError(f"{where} holds at most {length} characters")
    return result


def _boolean(value: Any) -> bool:
    text = str(value).strip().lower()
    if text in {"1", "true", "yes"}:
        return True
    if text in {"0", "false", "no"}:
        return False
    raise ValueError(value)


# ---------------------------------------------------------------------------- planning


def plan_erasure(graph: IdentityGraph, connection: Connection, datastore: str, found: Found,
                 *, secret: bytes | None, now: datetime) -> list[TablePlan]:
    """What erasing the found rows of ``datastore`` does, table by table."""
    plans: dict[NodeKey, TablePlan] = {}
    for node, entry in found.items():
        if node[0] != datastore:
            continue
        declared = graph.declared.get(node)
        plan = TablePlan(node, entry.table, entry.key_columns, entry.rows,
                         dict(declared.fields) if declared else {})
        plans[node] = plan
        if declared is None:
            continue  # no personal field declared: only its links may need clearing
        plan.held = _held_keys(connection, entry, declared, now)
        keep_when_held = {f for hold in declared.legal_holds.values() for f in hold.keep_fields}
        for key, row in entry.rows.items():
            held = key in plan.held
            if declared.erasure is TableErasure.delete_row and not held:
                plan.delete.append(key)
                continue
            changes: dict[str, Any] = {}
            for name, field_ in declared.fields.items():
                erasure = field_.effective_erasure
                if erasure is None or (held and name in keep_when_held):
                    continue
                column = entry.table.c[name]
                target = masked_value(column, erasure, row[name], secret=secret)
                plan.strategies[name] = erasure.strategy.value
                if target != row[name]:
                    changes[name] = target
            if changes:
                plan.updates[key] = changes
                plan.masked.add(key)
    _clear_links_to_deleted(plans)
    return [p for p in plans.values()]


def _held_keys(connection: Connection, entry: FoundTable, declared: Table,
               now: datetime) -> set[Key]:
    """Found rows under one of the table's legal holds (checked by the database itself)."""
    if not declared.legal_holds or not entry.rows:
        return set()
    table = entry.table
    keys = [table.c[c] for c in entry.key_columns]
    held: set[Key] = set()
    for hold in declared.legal_holds.values():
        condition = table.c[hold.from_field] > moment_value(
            table.c[hold.from_field], hold.period.before(now))
        if hold.where is not None:
            condition = sa.and_(condition, condition_clause(hold.where, table))
        query = sa.select(*keys).where(where_in(table, entry.key_columns), condition)
        for part in chunks(list(entry.rows)):
            parameters = {"values": in_values(entry.key_columns, part)}
            held.update(tuple(row) for row in connection.execute(query, parameters))
    return held


def _clear_links_to_deleted(plans: dict[NodeKey, TablePlan]) -> None:
    """Kept rows that point at deleted rows lose the link (or the plan says why it can't)."""
    deleted: dict[str, set[Key]] = {}
    by_table: dict[str, TablePlan] = {}
    for plan in plans.values():
        by_table[plan.table.fullname] = plan
        if plan.delete:
            deleted[plan.table.fullname] = set(plan.delete)
    if not deleted:
        return
    for plan in plans.values():
        entry_rows = plan.rows
        gone = set(plan.delete)
        for constraint in plan.table.foreign_key_constraints:
            parent = constraint.referred_table.fullname
            if parent not in deleted:
                continue
            parent_plan = by_table[parent]
            referred = [e.column.name for e in constraint.elements]
            parent_keys = parent_plan.rows
            targets = {tuple(parent_keys[k][c] for c in referred) for k in deleted[parent]}
            columns = [e.parent for e in constraint.elements]
            for key, row in entry_rows.items():
                if key in gone or tuple(row[c.name] for c in columns) not in targets:
                    continue
                blocking = [c.name for c in columns if not c.nullable]
                if blocking:
                    raise ChangePlanError(
                        f"erasing deletes rows of `{parent}`, but a kept row of "
                        f"`{plan.table.fullname}` refers to them through NOT NULL "
                        f"{', '.join(blocking)}",
                        hint=f"declare `{plan.table.fullname}` with `erasure: delete_row`, or "
                        f"`{parent}` with `erasure: mask`")
                plan.updates.setdefault(key, {}).update({c.name: None for c in columns})
                plan.unlinked.add(key)


# ---------------------------------------------------------------------------- applying


def apply_plans(connection: Connection, plans: list[TablePlan]) -> None:
    """Run the plans in the connection's transaction: updates, then deletes child-first.

    Rows about to be deleted that refer to each other (a self-reference, two tables
    pointing at each other) first lose those links where the columns allow NULL, so no
    order of deletes is refused — InnoDB checks foreign keys row by row.
    """
    for plan in plans:
        _apply_updates(connection, plan)
    pending = {p.table.fullname: p for p in plans if p.delete}
    cyclic = _cyclic_links(pending)
    for plan, constraint in cyclic:
        columns = {e.parent.name: None for e in constraint.elements}
        unlink = (sa.update(plan.table)
                  .where(where_in(plan.table, plan.key_columns)).values(columns))
        for part in chunks(plan.delete, DELETE_CHUNK):
            connection.execute(unlink, {"values": in_values(plan.key_columns, part)})
    for plan in _delete_order(pending, {id(c) for _, c in cyclic}):
        statement = delete_where_in(plan.table, plan.key_columns)
        for part in chunks(plan.delete, DELETE_CHUNK):
            connection.execute(statement, {"values": in_values(plan.key_columns, part)})


def _cyclic_links(pending: dict[str, TablePlan]
                  ) -> list[tuple[TablePlan, sa.ForeignKeyConstraint]]:
    """Nullable foreign keys between tables with deletes that lie on a cycle."""
    edges = {name: {fk.referred_table.fullname for fk in plan.table.foreign_key_constraints
                    if fk.referred_table.fullname in pending}
             for name, plan in pending.items()}

    def reaches(start: str, goal: str) -> bool:
        seen, stack = {start}, [start]
        while stack:
            for following in edges[stack.pop()]:
                if following == goal:
                    return True
                if following not in seen:
                    seen.add(following)
                    stack.append(following)
        return False

    found: list[tuple[TablePlan, sa.ForeignKeyConstraint]] = []
    for name, plan in pending.items():
        for constraint in plan.table.foreign_key_constraints:
            parent = constraint.referred_table.fullname
            if parent in pending and (parent == name or reaches(parent, name)) and all(
                    e.parent.nullable for e in constraint.elements):
                found.append((plan, constraint))
    return found


def _apply_updates(connection: Connection, plan: TablePlan) -> None:
    groups: dict[tuple[str, ...], list[tuple[Key, dict[str, Any]]]] = defaultdict(list)
    for key, changes in plan.updates.items():
        groups[tuple(sorted(changes))].append((key, changes))
    for columns, items in groups.items():
        statement = sa.update(plan.table).where(*(
            plan.table.c[c] == sa.bindparam(f"key_{i}") for i, c in enumerate(plan.key_columns)
        )).values({c: sa.bindparam(f"new_{c}") for c in columns})
        parameters = [
            {**{f"key_{i}": k for i, k in enumerate(key)},
             **{f"new_{c}": changes[c] for c in columns}}
            for key, changes in items
        ]
        for part in chunks(parameters, 5_000):
            connection.execute(statement, list(part))


def _delete_order(pending: dict[str, TablePlan], cleared: set[int]) -> list[TablePlan]:
    """Tables with deletions, each after every table that still refers to it."""
    left = dict(pending)
    ordered: list[TablePlan] = []
    while left:
        referred = {
            fk.referred_table.fullname
            for p in left.values()
            for fk in p.table.foreign_key_constraints
            if fk.referred_table.fullname != p.table.fullname and id(fk) not in cleared
        }
        ready = [name for name in left if name not in referred] or [next(iter(left))]
        for name in sorted(ready):
            ordered.append(left.pop(name))
    return ordered


# ---------------------------------------------------------------------------- other rights


def plan_field_updates(graph: IdentityGraph, found: Found, datastore: str,
                       values: dict[NodeKey, dict[str, Any]], *, now: datetime) -> list[TablePlan]:
    """Set ``values`` (table → field → value, `now` for the current time) on found rows."""
    plans: list[TablePlan] = []
    for node, fields in values.items():
        entry = found.get(node)
        if node[0] != datastore or entry is None:
            continue
        plan = TablePlan(node, entry.table, entry.key_columns, entry.rows)
        typed = {name: coerce(entry.table.c[name], _resolve_now(value, now))
                 for name, value in fields.items()}
        for key, row in entry.rows.items():
            changes = {n: v for n, v in typed.items() if row[n] != v}
            if changes:
                plan.updates[key] = changes
                plan.masked.add(key)
        plans.append(plan)
    return plans


def _resolve_now(value: Any, now: datetime) -> Any:
    return now.astimezone(UTC).replace(tzinfo=None) if value == NOW else value


def flag_values(graph: IdentityGraph, attribute: str) -> dict[NodeKey, dict[str, Any]]:
    """Declared ``on_restriction`` / ``on_objection`` values, by table."""
    result: dict[NodeKey, dict[str, Any]] = {}
    for node, table in graph.declared.items():
        fields = {name: getattr(f, attribute) for name, f in table.fields.items()
                  if getattr(f, attribute) is not None}
        if fields:
            result[node] = fields
    return result
