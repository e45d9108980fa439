"""The people a breach concerns, found through the identity graph of data subject requests.

A request finds a person's rows by walking the graph forward from their identities: rows
of their identity tables, then every row linked to those (foreign keys, declared
references). A breach asks the converse: whose rows are in the tables involved? The walk
goes backward from every row of those tables, along the same links, to the identity
tables, and reads the identities there (emails, phones, usernames…). So a person is
counted exactly when an access request of theirs would return a row of an involved table.

Read-only, a few batched queries per table (keys travel as bound parameters in IN lists
of at most ``CHUNK`` values); only the columns the walk needs are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from privet.kit.errors import DatastoreError
from privet.requests.engine import ConnectedDatastores, chunks, datastore_error, in_values, where_in
from privet.requests.graph import Link, NodeKey


@dataclass
class AffectedPeople:
    """Identities of the people whose rows are in the tables involved."""

    identities: dict[str, set[str]] = field(default_factory=dict)
    """Identity type → the distinct values found (e.g. ``email`` → addresses)."""
    tables: list[str] = field(default_factory=list)
    """The tables searched (``datastore.table``)."""

    @property
    def emails(self) -> list[str]:
        """Addresses to write to, one per person (case-insensitively distinct), sorted."""
        unique: dict[str, str] = {}
        for address in self.identities.get("email", set()):
            unique.setdefault(address.strip().lower(), address.strip())
        return sorted(unique.values(), key=str.lower)

    def counts(self) -> dict[str, int]:
        """How many distinct identities of each type (never the values)."""
        result = {kind: len(values) for kind, values in sorted(self.identities.items())}
        if "email" in result:
            result["email"] = len(self.emails)
        return result


def involved_tables(datastores: ConnectedDatastores, systems: Iterable[str]) -> list[NodeKey]:
    """The tables ``systems`` name: ``app`` (every declared table of the datastore) or
    ``app.contacts``."""
    manifest = datastores.manifest
    nodes: list[NodeKey] = []
    for system in systems:
        if system in manifest.datastores:
            nodes += [(system, table) for table in manifest.datastores[system].tables]
            continue
        store, _, table = system.partition(".")
        nodes.append((store, table))
    return list(dict.fromkeys(nodes))


def find_affected_people(datastores: ConnectedDatastores,
                         systems: Iterable[str]) -> AffectedPeople:
    """Everyone with a row in the tables ``systems`` name (see the module's notes).
    ``DatastoreError`` when a datastore involved cannot be reached or read."""
    graph = datastores.graph
    starts = involved_tables(datastores, systems)
    for store in dict.fromkeys(node[0] for node in starts):
        if store in datastores.failures:
            raise DatastoreError(
                f"cannot search datastore `{store}`: {datastores.failures[store]}",
                hint="the people affected are found in the datastores involved; fix the "
                     "connection (`privet check --connect`) and try again")
    incoming: dict[NodeKey, list[Link]] = defaultdict(list)
    for link in graph.links:
        incoming[link.target].append(link)
    identity_columns: dict[NodeKey, list[tuple[str, str]]] = defaultdict(list)
    for seed in graph.seeds:
        identity_columns[seed.node].append((seed.column, seed.identity))

    def needed(node: NodeKey) -> tuple[str, ...]:
        columns = list(graph.key_columns(node))
        columns += [column for column, _ in identity_columns.get(node, [])]
        for link in incoming.get(node, []):
            columns += link.target_columns
        return tuple(dict.fromkeys(columns))

    found = AffectedPeople(tables=[f"{d}.{t}" for d, t in starts])
    identities: dict[str, set[str]] = defaultdict(set)
    seen: dict[NodeKey, set[tuple[Any, ...]]] = defaultdict(set)
    frontier: list[tuple[NodeKey, list[Mapping[str, Any]]]] = []

    def add(node: NodeKey, rows: Iterable[Mapping[str, Any]]) -> None:
        keys = graph.key_columns(node)
        fresh = []
        for row in rows:
            key = tuple(row[c] for c in keys)
            if key in seen[node]:
                continue
            seen[node].add(key)
            fresh.append(row)
            for column, kind in identity_columns.get(node, []):
                value = row[column]
                if value is not None and str(value).strip():
                    identities[kind].add(str(value))
        if fresh:
            frontier.append((node, fresh))

    with ExitStack() as stack:
        connections: dict[str, Connection] = {}

        def connection(store: str) -> Connection | None:
            if store not in connections and store in datastores.engines:
                connections[store] = stack.enter_context(datastores.engines[store].connect())
            return connections.get(store)

        store = ""
        try:
            for node in starts:
                table = graph.tables[node]
                store = node[0]
                opened = connection(store)
                if opened is not None:
                    columns = [table.c[c] for c in needed(node)]
                    add(node, (dict(row) for row in opened.execute(sa.select(*columns)).mappings()))
            while frontier:
                node, rows = frontier.pop()
                for link in incoming.get(node, []):
                    store = link.source[0]
                    opened = connection(store)
                    if opened is not None:
                        add(link.source, _linked(opened, graph.tables[link.source],
                                                 needed(link.source), link, rows))
        except SQLAlchemyError as exc:
            raise DatastoreError(datastore_error(store, exc),
                                 hint="nothing was changed; try again once the datastore "
                                      "answers") from exc
    found.identities = dict(identities)
    return found


def _linked(connection: Connection, table: sa.Table, columns: tuple[str, ...], link: Link,
            rows: list[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    """Rows of ``link.source`` whose ``source_columns`` equal ``target_columns`` of
    ``rows`` (exactly: a case-folding collation's extra matches are dropped)."""
    wanted = {tuple(row[c] for c in link.target_columns) for row in rows}
    wanted = {value for value in wanted if all(v is not None for v in value)}
    if not wanted:
        return
    selected = [table.c[c] for c in dict.fromkeys(columns + link.source_columns)]
    statement = sa.select(*selected).where(where_in(table, link.source_columns))
    ordered = sorted(wanted, key=repr)
    for part in chunks(ordered):
        result = connection.execute(statement, {
            "values": in_values(link.source_columns, part)}).mappings()
        for row in result:
            if tuple(row[c] for c in link.source_columns) in wanted:
                yield dict(row)
