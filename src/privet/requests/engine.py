"""Finding a person's rows across the connected datastores.

``ConnectedDatastores`` opens every datastore of the manifest once (read-only for access,
read-write for changes), reflects its tables and builds the identity graph. ``find_rows``
walks the graph from the person's identities: a handful of indexed, batched queries per
table — identities and linked keys always travel as bound parameters in IN lists of at most
``CHUNK`` values — never a query per row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import RowMapping, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from privet.datastores.sql import open_engine, resolve_url
from privet.kit.errors import PrivetError
from privet.manifest.schema import Manifest
from privet.requests.graph import (
    IdentityGraph,
    IdentitySeed,
    Link,
    NodeKey,
    build_graph,
    find_table,
)

CHUNK = 500
MAX_IDENTITY_LENGTH = 16_384
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ().\-]{4,32}$")


class IdentityError(PrivetError):
    """An identity that cannot be used to look a person up."""

    http_status = 422


Identities = Mapping[str, Sequence[str]]


def clean_identities(identities: Identities, known: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Check identities before any query: known types, sane values; never changes their text."""
    known_types = set(known)
    cleaned: dict[str, tuple[str, ...]] = {}
    for kind, values in identities.items():
        if kind not in known_types:
            raise IdentityError(
                f"no datastore declares an identity of type `{kind}`",
                hint=f"identity types in the manifest: {', '.join(sorted(known_types))}",
            )
        kept: list[str] = []
        for raw in values:
            value = raw.strip()
            if not value:
                raise IdentityError(f"an empty {kind} cannot identify anyone")
            if "\x00" in value:
                raise IdentityError(f"the {kind} contains a NUL character")
            if len(value) > MAX_IDENTITY_LENGTH:
                raise IdentityError(
                    f"the {kind} is {len(value)} characters long; at most "
                    f"{MAX_IDENTITY_LENGTH} are accepted")
            if kind == "email" and not _EMAIL.match(value):
                raise IdentityError(f"`{value[:80]}` is not an email address")
            if kind == "phone" and not _PHONE.match(value):
                raise IdentityError(f"`{value[:80]}` is not a phone number",
                                    hint="digits, spaces, + ( ) . - only")
            kept.append(value)
        if kept:
            cleaned[kind] = tuple(dict.fromkeys(kept))
    if not cleaned:
        raise IdentityError("give at least one identity (e.g. --email)")
    return cleaned


@dataclass
class FoundTable:
    """Rows of one table that belong to the person, keyed by primary key."""

    node: NodeKey
    table: sa.Table
    key_columns: tuple[str, ...]
    rows: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    reached_by: list[str] = field(default_factory=list)


Found = dict[NodeKey, FoundTable]


@dataclass
class ConnectedDatastores:
    """Engines, reflected tables and the identity graph of a manifest's datastores."""

    manifest: Manifest
    engines: dict[str, Engine]
    graph: IdentityGraph
    failures: dict[str, str]

    @classmethod
    def open(cls, manifest: Manifest, workspace_root: Path, *, timeout: int,
             write: bool, only: Iterable[str] | None = None) -> ConnectedDatastores:
        """Connect to each datastore; one that cannot be reached is recorded, not raised."""
        engines: dict[str, Engine] = {}
        metadata: dict[str, sa.MetaData] = {}
        failures: dict[str, str] = {}
        wanted = set(only) if only is not None else set(manifest.datastores)
        for key, store in manifest.datastores.items():
            if key not in wanted:
                continue
            try:
                url = resolve_url(store.url, workspace_root, datastore=key)
                engine = open_engine(url, timeout=timeout, read_only=not write, create=False)
                if engine.dialect.name == "sqlite":
                    event.listen(engine, "connect", _sqlite_foreign_keys)
                    engine.dispose()  # reconnect with the listener in place
                reflected = sa.MetaData()
                reflected.reflect(bind=engine)
                for schema in _schemas(manifest, key):
                    reflected.reflect(bind=engine, schema=schema)
            except PrivetError as exc:
                failures[key] = exc.message
                continue
            except SQLAlchemyError as exc:
                failures[key] = f"cannot read the schema: {_short(exc)}"
                continue
            missing = [name for name in store.tables if find_table(reflected, name) is None]
            if missing:
                engine.dispose()
                failures[key] = (f"table(s) {', '.join(missing)} declared in the manifest do "
                                 "not exist in the database (run `privet check --connect`)")
                continue
            engines[key] = engine
            metadata[key] = reflected
        graph = build_graph(manifest, metadata)
        return cls(manifest, engines, graph, failures)

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()

    def __enter__(self) -> ConnectedDatastores:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _schemas(manifest: Manifest, datastore: str) -> set[str]:
    names = [n for n in manifest.datastores[datastore].tables if "." in n]
    return {n.rsplit(".", 1)[0] for n in names} - {"public", "main"}


def _sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _short(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return " ".join(str(orig if orig is not None else exc).split())[:300]


@lru_cache(maxsize=4096)
def where_in(table: sa.Table, columns: tuple[str, ...]) -> sa.ColumnElement[bool]:
    selected = [table.c[c] for c in columns]
    target: Any = selected[0] if len(selected) == 1 else sa.tuple_(*selected)
    result: sa.ColumnElement[bool] = target.in_(sa.bindparam("values", expanding=True))
    return result


@lru_cache(maxsize=4096)
def select_where_in(table: sa.Table, columns: tuple[str, ...]) -> sa.Select[Any]:
    """``SELECT * FROM table WHERE columns IN :values``, built once per table and columns so
    SQLAlchemy compiles it once; run it with ``{"values": in_values(...)}``."""
    return sa.select(table).where(where_in(table, columns))


@lru_cache(maxsize=4096)
def select_where_equal(table: sa.Table, columns: tuple[str, ...]) -> sa.Select[Any]:
    """``SELECT * FROM table WHERE c1 = :v0 AND …``: the common one-value lookup, without
    the cost of expanding an IN list at every execution."""
    return sa.select(table).where(*(table.c[c] == sa.bindparam(f"v{i}")
                                    for i, c in enumerate(columns)))


def select_rows(connection: Connection, table: sa.Table, columns: tuple[str, ...],
                keys: Sequence[tuple[Any, ...]]) -> Iterator[RowMapping]:
    """Rows whose ``columns`` equal one of ``keys``, at most ``CHUNK`` keys a statement."""
    if len(keys) == 1:
        parameters = {f"v{i}": value for i, value in enumerate(keys[0])}
        yield from connection.execute(select_where_equal(table, columns), parameters).mappings()
        return
    statement = select_where_in(table, columns)
    for part in chunks(keys):
        yield from connection.execute(statement, {"values": in_values(columns, part)}).mappings()


@lru_cache(maxsize=4096)
def delete_where_in(table: sa.Table, columns: tuple[str, ...]) -> sa.Delete:
    """``DELETE FROM table WHERE columns IN :values``, built once."""
    return sa.delete(table).where(where_in(table, columns))


def in_values(columns: tuple[str, ...], keys: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Parameters for ``*_where_in``: scalars for one column, tuples for several."""
    return [k[0] for k in keys] if len(columns) == 1 else [tuple(k) for k in keys]


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _coerce(column: sa.Column[Any], value: str) -> Any:
    """The identity as the column's Python type, or None when it cannot be one."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is str:
        return value
    try:
        return python_type(value)
    except (TypeError, ValueError):
        return None


SeedTable = Callable[[Connection], sa.Table]


def find_rows(
    graph: IdentityGraph,
    connections: Mapping[str, Connection],
    identities: Mapping[str, Sequence[str]],
    *,
    seed: SeedTable | None = None,
    failures: dict[str, str] | None = None,
) -> Found:
    """Every row of the person in the connected datastores, following the graph to the end.

    Identities are matched with IN lists; with ``seed`` (a batch of people), each identity
    column is joined with the temporary table ``seed`` returns (columns ``kind``, ``value``).
    Matches are exact whatever the column's collation (MariaDB's default one folds case,
    accents and emoji): the database narrows with its index, Python keeps equal values only.

    A datastore that fails while being searched is recorded in ``failures`` (it must then
    be treated as not searched: its rows are dropped) and the others are still searched;
    without ``failures`` the error propagates.
    """
    found: Found = {}
    frontier: dict[NodeKey, list[dict[str, Any]]] = {}
    broken: dict[str, str] = failures if failures is not None else {}

    def add(node: NodeKey, rows: Iterable[RowMapping], how: str,
            columns: tuple[str, ...], wanted: set[tuple[Any, ...]] | None) -> None:
        entry = found.get(node)
        fresh: list[dict[str, Any]] = []
        for row in rows:
            record = dict(row)
            if wanted is not None and tuple(record[c] for c in columns) not in wanted:
                continue  # equal under the collation only
            if entry is None:
                entry = found[node] = FoundTable(node, graph.tables[node],
                                                 graph.key_columns(node))
            key = tuple(record[c] for c in entry.key_columns)
            if key not in entry.rows:
                entry.rows[key] = record
                fresh.append(record)
        if fresh and entry is not None:
            if how not in entry.reached_by:
                entry.reached_by.append(how)
            frontier.setdefault(node, []).extend(fresh)

    def search(datastore: str, work: Callable[[Connection], None]) -> None:
        connection = connections.get(datastore)
        if connection is None or datastore in broken:
            return
        try:
            work(connection)
        except SQLAlchemyError as exc:
            if failures is None:
                raise
            broken[datastore] = datastore_error(datastore, exc)

    for identity in graph.seeds:
        values = identities.get(identity.identity)
        if not values:
            continue
        table = graph.tables[identity.node]
        column = table.c[identity.column]
        how = f"identity {identity.identity}"
        columns = (identity.column,)

        def seed_identity(connection: Connection, identity: IdentitySeed = identity,
                          table: sa.Table = table, column: sa.Column[Any] = column,
                          values: Sequence[str] = values, how: str = how,
                          columns: tuple[str, ...] = columns) -> None:
            if seed is not None:
                batch = seed(connection)
                query = sa.select(table).join(batch, sa.and_(
                    batch.c.kind == identity.identity,
                    column == sa.cast(batch.c.value, column.type)))
                wanted = {(_coerce(column, v),) for v in identities[identity.identity]}
                add(identity.node, connection.execute(query).mappings(), how, columns, wanted)
                return
            typed = [(v,) for v in (_coerce(column, value) for value in values)
                     if v is not None]
            add(identity.node, select_rows(connection, table, columns, typed), how, columns,
                set(typed))

        search(identity.node[0], seed_identity)

    while frontier:
        node, rows = frontier.popitem()
        for link in graph.outgoing.get(node, []):
            def follow(connection: Connection, link: Link = link,
                       rows: list[dict[str, Any]] = rows) -> None:
                _follow(graph, connection, link, rows, add)

            search(link.target[0], follow)
    for datastore in broken:
        for node in [n for n in found if n[0] == datastore]:
            del found[node]
    return found


def _follow(graph: IdentityGraph, connection: Connection, link: Link,
            rows: list[dict[str, Any]],
            add: Callable[[NodeKey, Iterable[RowMapping], str, tuple[str, ...],
                           set[tuple[Any, ...]] | None], None]) -> None:
    values = list({tuple(row[c] for c in link.source_columns) for row in rows
                   if all(row[c] is not None for c in link.source_columns)})
    if values:
        result = select_rows(connection, graph.tables[link.target], link.target_columns, values)
        add(link.target, result, link.describe(), link.target_columns, set(values))


def datastore_error(datastore: str, exc: Exception) -> str:
    if isinstance(exc, PrivetError):
        return f"{exc.message} (fix: {exc.hint})" if exc.hint else exc.message
    if isinstance(exc, SQLAlchemyError):
        return f"datastore `{datastore}`: {_short(exc)}"
    return f"datastore `{datastore}`: {exc}"

