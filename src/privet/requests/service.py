"""Data subject requests, executed: access, erasure, rectification, restriction, objection.

Each function takes connected datastores (``ConnectedDatastores``) and the person's
identities, finds their rows, and acts in one transaction per datastore. A datastore that
is down, or fails half-way, is rolled back and named in the result; the others complete.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from privet.kit.db import session_scope
from privet.kit.errors import ConfigurationError, PrivetError
from privet.manifest.schema import (
    CustomerDirectory,
    FieldErasure,
    FieldErasureStrategy,
    Manifest,
)
from privet.requests import ledger
from privet.requests.changes import (
    ChangePlanError,
    TablePlan,
    apply_plans,
    coerce,
    flag_values,
    masked_value,
    plan_erasure,
    plan_field_updates,
)
from privet.requests.engine import (
    ConnectedDatastores,
    Found,
    Identities,
    chunks,
    clean_identities,
    datastore_error,
    find_rows,
    select_rows,
)
from privet.requests.graph import NodeKey, node_name
from privet.requests.results import (
    AccessResult,
    ChangeReport,
    CustomerContact,
    DatastoreFailure,
    FoundRows,
    TableChange,
)

Progress = Callable[[str, int, int], None]
BATCH_TABLE = "privet_batch_identities"


@contextmanager
def _connections(datastores: ConnectedDatastores) -> Iterator[dict[str, Connection]]:
    with ExitStack() as stack:
        connections: dict[str, Connection] = {}
        for key, engine in datastores.engines.items():
            connections[key] = stack.enter_context(engine.connect())
        yield connections


def _failures(datastores: ConnectedDatastores) -> list[DatastoreFailure]:
    return [DatastoreFailure(k, message) for k, message in datastores.failures.items()]


# ---------------------------------------------------------------------------- access


def access(datastores: ConnectedDatastores, identities: Identities) -> AccessResult:
    """Every row of the person: declared fields (with categories), keys and links."""
    graph = datastores.graph
    cleaned = clean_identities(identities, graph.identity_types)
    failures = _failures(datastores)
    broken: dict[str, str] = {}
    with _connections(datastores) as connections:
        found: Found = {}
        try:
            found = find_rows(graph, connections, cleaned, failures=broken)
        finally:
            for connection in connections.values():
                connection.rollback()
    failures.extend(DatastoreFailure(k, message) for k, message in broken.items())
    results: list[FoundRows] = []
    for node in sorted(found):
        entry = found[node]
        declared = graph.declared.get(node)
        links = {e.parent.name for fk in entry.table.foreign_key_constraints
                 for e in fk.elements}
        owner = [declared.on_behalf_of] if declared and declared.on_behalf_of else []
        columns = list(dict.fromkeys([*entry.key_columns, *sorted(links), *owner,
                                      *(declared.fields if declared else [])]))
        categories = {name: tuple(f.categories) for name, f in
                      (declared.fields.items() if declared else []) if f.categories}
        rows = tuple(tuple(row[c] for c in columns) for row in entry.rows.values())
        results.append(FoundRows(node[0], node[1], entry.key_columns, tuple(columns), rows,
                                 categories, tuple(entry.reached_by)))
    return AccessResult(
        identities=cleaned,
        found=tuple(results),
        completed=tuple(sorted(set(datastores.engines) - set(broken))),
        failures=tuple(failures),
        generated_at=datetime.now(UTC),
    )


# ---------------------------------------------------------------------------- changes


Finder = Callable[[dict[str, Connection], dict[str, str]], Found]


def _run_changes(
    datastores: ConnectedDatastores,
    action: str,
    find: Finder,
    plan: Callable[[Connection, str, Found], list[TablePlan]],
    *,
    dry_run: bool,
    on_planned: Callable[[str, list[TablePlan]], Callable[[bool], None]] | None = None,
    progress: Progress | None = None,
    cleanup: Callable[[dict[str, Connection]], None] | None = None,
) -> ChangeReport:
    """Find, then per datastore: plan, apply, commit — or roll back and report why."""
    changes: list[TableChange] = []
    completed: list[str] = []
    failures = _failures(datastores)
    with _connections(datastores) as connections:
        for connection in connections.values():
            connection.begin()
        broken: dict[str, str] = {}
        found = find(connections, broken)
        total = len(connections)
        for number, (key, connection) in enumerate(sorted(connections.items()), start=1):
            done: Callable[[bool], None] | None = None
            if key in broken:
                connection.rollback()
                failures.append(DatastoreFailure(key, broken[key]))
                continue
            try:
                plans = plan(connection, key, found)
                if not dry_run:
                    if on_planned is not None:
                        done = on_planned(key, plans)
                    apply_plans(connection, plans)
                    connection.commit()
                    if done is not None:
                        done(True)
                else:
                    connection.rollback()
            except Exception as exc:  # a datastore's failure must not stop the others
                connection.rollback()
                if done is not None:
                    done(False)
                failures.append(DatastoreFailure(key, datastore_error(key, exc)))
                continue
            completed.append(key)
            changes.extend(_table_changes(key, plans))
            if progress is not None:
                progress(f"{action} {key}", number, total)
        if cleanup is not None:
            cleanup(connections)
    return ChangeReport(action=action, dry_run=dry_run, changes=tuple(changes),
                        completed=tuple(completed), failures=tuple(failures),
                        finished_at=datetime.now(UTC))


def _table_changes(datastore: str, plans: list[TablePlan]) -> list[TableChange]:
    result: list[TableChange] = []
    for plan in plans:
        if plan.is_empty:
            continue
        fields = sorted({name for changes in plan.updates.values() for name in changes})
        result.append(TableChange(
            datastore=datastore, table=plan.node[1], deleted=len(plan.delete),
            masked=len(plan.masked - plan.held), held=len(plan.held & set(plan.updates)),
            unlinked=len(plan.unlinked - plan.masked), fields=tuple(fields)))
    return result


def _secret(secret: bytes | None) -> bytes:
    if not secret:
        raise ConfigurationError(
            "erasure needs a secret key: identities are kept in the erasure ledger only as "
            "keyed hashes", hint="set PRIVET_SECRET_KEY to a long random string")
    return secret


def erase(
    datastores: ConnectedDatastores,
    identities: Identities,
    *,
    secret: bytes | None,
    ledger_sessions: sessionmaker[Session] | None,
    dry_run: bool = False,
    reference: str | None = None,
    now: datetime | None = None,
) -> ChangeReport:
    """Erase the person: delete or mask each row as the manifest says, legal holds kept."""
    graph = datastores.graph
    cleaned = clean_identities(identities, graph.identity_types)
    key = _secret(secret)
    moment = now or datetime.now(UTC)
    return _run_changes(
        datastores, "erasure",
        lambda connections, broken: find_rows(graph, connections, cleaned, failures=broken),
        lambda connection, store, found: plan_erasure(graph, connection, store, found,
                                                      secret=key, now=moment),
        dry_run=dry_run,
        on_planned=_ledger_writer(ledger_sessions, reference or _reference(), cleaned, 1, key,
                                  moment),
    )


def erase_batch(
    datastores: ConnectedDatastores,
    people: Sequence[Mapping[str, str]],
    *,
    secret: bytes | None,
    ledger_sessions: sessionmaker[Session] | None,
    dry_run: bool = False,
    reference: str | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> ChangeReport:
    """Erase many people at once, set-based: their identities are loaded into a temporary
    table that each identity column is joined with."""
    graph = datastores.graph
    merged: dict[str, list[str]] = {}
    for person in people:
        for kind, value in person.items():
            if value and value.strip():
                merged.setdefault(kind, []).append(value)
    cleaned = clean_identities(merged, graph.identity_types)
    key = _secret(secret)
    moment = now or datetime.now(UTC)

    batch = _BatchIdentities(cleaned)

    def find(connections: dict[str, Connection], broken: dict[str, str]) -> Found:
        if progress is not None:
            progress("finding", 0, 1)
        found = find_rows(graph, connections, cleaned, seed=batch.table_for, failures=broken)
        if progress is not None:
            progress("finding", 1, 1)
        return found

    return _run_changes(
        datastores, "erasure", find,
        lambda connection, store, found: plan_erasure(graph, connection, store, found,
                                                      secret=key, now=moment),
        dry_run=dry_run,
        on_planned=_ledger_writer(ledger_sessions, reference or _reference(), cleaned,
                                  len(people), key, moment),
        progress=progress,
        cleanup=batch.drop,
    )


class _BatchIdentities:
    """A batch's identities, loaded once per connection into a temporary table of its own
    (a fresh name per batch: pooled connections outlive a request), dropped at the end."""

    def __init__(self, identities: Mapping[str, Sequence[str]]) -> None:
        self.identities = identities
        self.name = f"{BATCH_TABLE}_{uuid.uuid4().hex[:12]}"
        self.tables: dict[int, tuple[Connection, sa.Table]] = {}

    def table_for(self, connection: Connection) -> sa.Table:
        known = self.tables.get(id(connection))
        if known is not None:
            return known[1]
        table = sa.Table(self.name, sa.MetaData(), sa.Column("kind", sa.String(64)),
                         sa.Column("value", sa.Text()), prefixes=["TEMPORARY"])
        table.create(connection)
        rows = [{"kind": kind, "value": value}
                for kind, values in self.identities.items() for value in values]
        for part in chunks(rows, 5_000):
            connection.execute(table.insert(), list(part))
        self.tables[id(connection)] = (connection, table)
        return table

    def drop(self, _connections: dict[str, Connection]) -> None:
        for connection, table in self.tables.values():
            try:
                if connection.in_transaction():
                    connection.rollback()
                table.drop(connection, checkfirst=True)
                connection.commit()
            except SQLAlchemyError:
                connection.rollback()  # a temporary table goes with its session anyway


def _reference() -> str:
    return f"erasure-{uuid.uuid4().hex[:16]}"


def _ledger_writer(
    sessions: sessionmaker[Session] | None, reference: str, identities: Identities,
    subjects: int, secret: bytes, moment: datetime,
) -> Callable[[str, list[TablePlan]], Callable[[bool], None]] | None:
    """Record a datastore's erasure before it commits; forget it if the commit fails."""
    if sessions is None:
        return None

    def before_commit(datastore: str, plans: list[TablePlan]) -> Callable[[bool], None]:
        with session_scope(sessions) as session:
            record_id = ledger.record_erasure(
                session, reference=reference, recorded_at=moment, identities=identities,
                subjects=subjects, secret=secret, datastore=datastore, plans=plans)

        def after(committed: bool) -> None:
            if committed or record_id is None:
                return
            with session_scope(sessions) as session:
                ledger.discard_entries(session, record_id, datastore)

        return after

    return before_commit


def rectify(
    datastores: ConnectedDatastores,
    identities: Identities,
    corrections: Mapping[str, Any],
    *,
    dry_run: bool = False,
) -> ChangeReport:
    """Set ``corrections`` (``table.field`` or ``datastore.table.field`` → value) on the
    person's rows; every value is checked against its column's type first."""
    graph = datastores.graph
    cleaned = clean_identities(identities, graph.identity_types)
    values = _corrections_by_table(datastores, corrections)
    moment = datetime.now(UTC)
    return _run_changes(
        datastores, "rectification",
        lambda connections, broken: find_rows(graph, connections, cleaned, failures=broken),
        lambda _connection, store, found: plan_field_updates(graph, found, store, values,
                                                             now=moment),
        dry_run=dry_run,
    )


def _corrections_by_table(datastores: ConnectedDatastores,
                          corrections: Mapping[str, Any]) -> dict[NodeKey, dict[str, Any]]:
    graph = datastores.graph
    result: dict[NodeKey, dict[str, Any]] = {}
    for target, value in corrections.items():
        *table_parts, column = target.split(".")
        table_name = ".".join(table_parts)
        # `datastore.table.field` names one table; `table.field` may be in any datastore.
        candidates = [node for node in graph.declared
                      if node_name(node) == table_name or node[1] == table_name]
        if len(candidates) > 1 and any(node_name(n) == table_name for n in candidates):
            candidates = [n for n in candidates if node_name(n) == table_name]
        if not table_parts or not candidates:
            raise ChangePlanError(
                f"`{target}` names no declared table",
                hint="write table.field, as declared under datastores: in the manifest")
        if len(candidates) > 1:
            raise ChangePlanError(f"`{target}` is ambiguous: prefix it with the datastore")
        node = candidates[0]
        declared = graph.declared[node]
        if column not in declared.fields:
            raise ChangePlanError(
                f"`{column}` is not a declared field of `{node_name(node)}`",
                hint=f"declared fields: {', '.join(declared.fields)}")
        coerce(graph.tables[node].c[column], value)  # a bad value fails before any change
        result.setdefault(node, {})[column] = value
    if not result:
        raise ChangePlanError("nothing to rectify", hint="give --set table.field=value")
    return result


def _flag_request(datastores: ConnectedDatastores, identities: Identities, attribute: str,
                  action: str, *, dry_run: bool) -> ChangeReport:
    graph = datastores.graph
    cleaned = clean_identities(identities, graph.identity_types)
    values = flag_values(graph, attribute)
    if not values:
        raise ChangePlanError(
            f"the manifest names no field to set for {action}",
            hint=f"declare `{attribute}:` on the fields that record it (e.g. a flag column)")
    moment = datetime.now(UTC)
    return _run_changes(
        datastores, action,
        lambda connections, broken: find_rows(graph, connections, cleaned, failures=broken),
        lambda _connection, store, found: plan_field_updates(graph, found, store, values,
                                                             now=moment),
        dry_run=dry_run,
    )


def restrict(datastores: ConnectedDatastores, identities: Identities, *,
             dry_run: bool = False) -> ChangeReport:
    """Art. 18: set the restriction flags the manifest names on the person's rows."""
    return _flag_request(datastores, identities, "on_restriction", "restriction",
                         dry_run=dry_run)


def object_to_processing(datastores: ConnectedDatastores, identities: Identities, *,
                         dry_run: bool = False) -> ChangeReport:
    """Art. 21: set the objection values the manifest names (e.g. unsubscribe)."""
    return _flag_request(datastores, identities, "on_objection", "objection", dry_run=dry_run)


# ----------------------------------------------------------------------- processor mode


def processor_tables(manifest: Manifest) -> dict[tuple[str, str], str]:
    """Processor mode: the tables held for customers, and their ``on_behalf_of`` column."""
    return {(store, name): table.on_behalf_of for store, name, table in manifest.tables()
            if table.on_behalf_of}


def customers_touched(manifest: Manifest, found: AccessResult) -> list[str]:
    """The keys of the customers whose rows ``found`` holds (processor mode)."""
    owners = processor_tables(manifest)
    keys: set[str] = set()
    for rows in found.found:
        column = owners.get((rows.datastore, rows.table))
        if column is None or column not in rows.columns:
            continue
        at = rows.columns.index(column)
        keys.update(str(row[at]) for row in rows.rows if row[at] is not None)
    return sorted(keys)


def customer_contacts(datastores: ConnectedDatastores, directory: CustomerDirectory | None,
                      keys: Sequence[str]) -> list[CustomerContact]:
    """The customers' names and contacts, read from the customers table."""
    if not keys:
        return []
    if directory is None or directory.datastore not in datastores.engines:
        return [CustomerContact(key, None, None, None) for key in keys]
    columns = [directory.key, directory.name, directory.email, directory.webhook_url]
    schema, _, name = directory.table.rpartition(".")
    table = sa.table(name, *[sa.column(c) for c in columns if c], schema=schema or None)
    query = sa.select(*[table.c[c] for c in columns if c]).where(
        sa.cast(table.c[directory.key], sa.String).in_(list(keys)))
    with datastores.engines[directory.datastore].connect() as connection:
        rows = {str(row[0]): row._mapping for row in connection.execute(query)}

    def value(row: Any, column: str | None) -> str | None:
        return str(row[column]) if row is not None and column and row[column] else None

    return [CustomerContact(key, value(rows.get(key), directory.name),
                            value(rows.get(key), directory.email),
                            value(rows.get(key), directory.webhook_url)) for key in keys]


# ---------------------------------------------------------------------------- replay


def replay_erasures(
    datastores: ConnectedDatastores,
    sessions: sessionmaker[Session],
    *,
    since: datetime,
    secret: bytes | None,
    dry_run: bool = False,
) -> ChangeReport:
    """Apply again every erasure recorded since ``since`` (after a backup restore)."""
    key = _secret(secret)
    with session_scope(sessions) as session:
        entries = [(e.datastore, e.table_name, e.action, list(e.key_columns),
                    [tuple(k) for k in e.keys], dict(e.strategies))
                   for e in ledger.entries_since(session, since)]
    graph = datastores.graph
    by_name = {(node[0], table.fullname): node for node, table in graph.tables.items()}

    def plan(connection: Connection, store: str, _found: Found) -> list[TablePlan]:
        # One plan per table, so that deletes run child-first across all replayed erasures.
        plans: dict[NodeKey, TablePlan] = {}
        for datastore, table_name, action, key_columns, keys, strategies in entries:
            node = by_name.get((datastore, table_name))
            if datastore != store:
                continue
            if node is None:
                raise PrivetError(f"the ledger names table `{table_name}`, which datastore "
                                  f"`{store}` no longer has")
            table = graph.tables[node]
            current = _current_rows(connection, table, key_columns, keys)
            step = plans.setdefault(node, TablePlan(node, table, tuple(key_columns)))
            step.rows.update(current)
            if action == "delete":
                step.delete.extend(typed for typed in (_typed(table, key_columns, k)
                                                       for k in keys) if typed in current)
            else:
                for raw in keys:
                    typed = _typed(table, key_columns, raw)
                    row = current.get(typed)
                    if row is None:
                        continue
                    changes: dict[str, Any] = {}
                    for name, spec in strategies.items():
                        erasure = FieldErasure(strategy=FieldErasureStrategy(spec["strategy"]),
                                               value=spec.get("value"))
                        target = masked_value(table.c[name], erasure, row[name], secret=key)
                        if target != row[name]:
                            changes[name] = target
                    if changes:
                        step.updates.setdefault(typed, {}).update(changes)
                        step.masked.add(typed)
        return list(plans.values())

    return _run_changes(datastores, "replay", lambda _connections, _broken: {}, plan,
                        dry_run=dry_run)


def _typed(table: sa.Table, key_columns: list[str], raw: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(coerce(table.c[c], v) for c, v in zip(key_columns, raw, strict=True))


def _current_rows(connection: Connection, table: sa.Table, key_columns: list[str],
                  keys: list[tuple[Any, ...]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    typed = [_typed(table, key_columns, k) for k in keys]
    return {tuple(row[c] for c in key_columns): dict(row)
            for row in select_rows(connection, table, tuple(key_columns), typed)}
