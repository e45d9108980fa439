"""The identity graph: how a person's rows are found from their identities.

Nodes are tables (live, reflected). Links say "rows of *target* are found from rows of
*source* where target.columns = source.columns":

- every foreign key, child from parent (a row that points at a person's row is theirs),
  unless the parent table is declared ``propagate: false`` (a row shared by many people);
- every reference the manifest declares, in its direction (``from``: this table's rows from
  the target's; ``to``: the target's rows from this table's — a person's address).

Seeds are the declared identity fields. Cycles are fine: the finder visits each row once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import sqlalchemy as sa

from privet.kit.errors import ConfigurationError
from privet.manifest.schema import Manifest, ReferenceDirection, Table

NodeKey = tuple[str, str]
"""(datastore key, table name as the manifest or the database names it)."""


def node_name(node: NodeKey) -> str:
    return f"{node[0]}.{node[1]}"


@dataclass(frozen=True)
class Link:
    """Rows of ``target`` whose ``target_columns`` equal ``source_columns`` of found rows."""

    source: NodeKey
    source_columns: tuple[str, ...]
    target: NodeKey
    target_columns: tuple[str, ...]
    kind: Literal["foreign key", "reference"]

    def describe(self) -> str:
        target = f"{node_name(self.target)}({', '.join(self.target_columns)})"
        source = f"{node_name(self.source)}({', '.join(self.source_columns)})"
        return f"{self.kind} {target} ← {source}"


@dataclass(frozen=True)
class IdentitySeed:
    node: NodeKey
    column: str
    identity: str


@dataclass
class IdentityGraph:
    tables: dict[NodeKey, sa.Table]
    declared: dict[NodeKey, Table]
    links: tuple[Link, ...]
    seeds: tuple[IdentitySeed, ...]
    outgoing: dict[NodeKey, list[Link]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        grouped: dict[NodeKey, list[Link]] = defaultdict(list)
        for link in self.links:
            grouped[link.source].append(link)
        self.outgoing = dict(grouped)

    @property
    def identity_types(self) -> set[str]:
        return {seed.identity for seed in self.seeds}

    def key_columns(self, node: NodeKey) -> tuple[str, ...]:
        """The primary key, or every column for a table without one."""
        table = self.tables[node]
        primary = tuple(c.name for c in table.primary_key.columns)
        return primary or tuple(c.name for c in table.columns)

    def reachable(self) -> set[NodeKey]:
        """Tables a request can reach from some identity."""
        seen = {seed.node for seed in self.seeds}
        stack = list(seen)
        while stack:
            for link in self.outgoing.get(stack.pop(), []):
                if link.target not in seen:
                    seen.add(link.target)
                    stack.append(link.target)
        return seen

    def to_text(self) -> str:
        reachable = self.reachable()
        lines = ["Identities:"]
        for seed in self.seeds:
            lines.append(f"  {seed.identity:<12} {node_name(seed.node)}.{seed.column}")
        lines.append("Links (rows of the left table found from rows of the right):")
        for link in self.links:
            lines.append(f"  {link.describe()}")
        unreached = sorted(node_name(n) for n in self.tables if n not in reachable)
        if unreached:
            lines.append("Not reachable from any identity (requests never touch them):")
            lines.extend(f"  {name}" for name in unreached)
        return "\n".join(lines) + "\n"

    def to_dot(self) -> str:
        reachable = self.reachable()
        lines = ["digraph identity_graph {", "  rankdir=LR;", '  node [shape=box, fontsize=10];']
        for node in sorted(self.tables):
            style = "" if node in reachable else ", style=dashed, color=gray"
            lines.append(f'  "{node_name(node)}" [label="{node_name(node)}"{style}];')
        for seed in self.seeds:
            identity = f"identity:{seed.identity}"
            lines.append(f'  "{identity}" [shape=ellipse, style=filled, fillcolor=lightblue];')
            lines.append(f'  "{identity}" -> "{node_name(seed.node)}" [label="{seed.column}"];')
        for link in self.links:
            style = "solid" if link.kind == "foreign key" else "dashed"
            label = ",".join(link.target_columns)
            lines.append(f'  "{node_name(link.source)}" -> "{node_name(link.target)}" '
                         f'[label="{label}", style={style}];')
        lines.append("}")
        return "\n".join(lines) + "\n"


def find_table(metadata: sa.MetaData, name: str) -> sa.Table | None:
    """The reflected table a manifest name means (``orders`` or ``public.orders``)."""
    if name in metadata.tables:
        return metadata.tables[name]
    short = name.rsplit(".", 1)[-1]
    return metadata.tables.get(short) if "." in name else None


def build_graph(manifest: Manifest, metadata: dict[str, sa.MetaData]) -> IdentityGraph:
    """The graph of every datastore in ``metadata`` (reflected), with the manifest's rules."""
    tables: dict[NodeKey, sa.Table] = {}
    declared: dict[NodeKey, Table] = {}
    by_table: dict[tuple[str, sa.Table], NodeKey] = {}
    for datastore, reflected in metadata.items():
        store = manifest.datastores[datastore]
        for name, table in store.tables.items():
            live = find_table(reflected, name)
            if live is None:
                raise ConfigurationError(
                    f"table `{name}` of datastore `{datastore}` does not exist in the database",
                    hint="run `privet check --connect` to see every difference",
                )
            tables[(datastore, name)] = live
            declared[(datastore, name)] = table
            by_table[(datastore, live)] = (datastore, name)
        for live in reflected.tables.values():
            if (datastore, live) not in by_table:
                node = (datastore, live.key)
                tables[node] = live
                by_table[(datastore, live)] = node
    links: list[Link] = []
    for (datastore, live), node in by_table.items():
        for constraint in live.foreign_key_constraints:
            parent = by_table.get((datastore, constraint.referred_table))
            if parent is None:
                continue
            parent_rules = declared.get(parent)
            if parent_rules is not None and not parent_rules.propagate:
                continue
            links.append(Link(
                source=parent,
                source_columns=tuple(e.column.name for e in constraint.elements),
                target=node,
                target_columns=tuple(e.parent.name for e in constraint.elements),
                kind="foreign key",
            ))
    for (datastore, name), table in declared.items():
        for reference in table.references:
            target_store, target_table, column = manifest.reference_target(datastore, reference)
            target = (target_store, target_table)
            if target_store not in metadata:
                continue  # that datastore is not connected (down): reported by the caller
            if target not in tables:
                raise ConfigurationError(
                    f"`{name}.{reference.field}` refers to `{reference.to}`, which is not "
                    "a declared table of a connected datastore",
                    hint="declare the table, or fix the reference",
                )
            here = (datastore, name)
            if reference.direction in (ReferenceDirection.from_, ReferenceDirection.both):
                links.append(Link(target, (column,), here, (reference.field,), "reference"))
            if reference.direction in (ReferenceDirection.to, ReferenceDirection.both):
                links.append(Link(here, (reference.field,), target, (column,), "reference"))
    seeds = tuple(
        IdentitySeed(node, column, field_.identity)
        for node, table in declared.items()
        for column, field_ in table.fields.items()
        if field_.identity is not None
    )
    _check_columns(tables, links, seeds)
    return IdentityGraph(tables, declared, tuple(_unique(links)), seeds)


def _unique(links: Iterable[Link]) -> list[Link]:
    seen: set[Link] = set()
    result: list[Link] = []
    for link in links:
        if link not in seen:
            seen.add(link)
            result.append(link)
    return result


def _check_columns(tables: dict[NodeKey, sa.Table], links: list[Link],
                   seeds: tuple[IdentitySeed, ...]) -> None:
    for link in links:
        for node, columns in ((link.source, link.source_columns),
                              (link.target, link.target_columns)):
            missing = [c for c in columns if c not in tables[node].c]
            if missing:
                raise ConfigurationError(
                    f"{link.describe()}: `{node_name(node)}` has no column {', '.join(missing)}",
                    hint="run `privet check --connect` to see every difference",
                )
    for seed in seeds:
        if seed.column not in tables[seed.node].c:
            raise ConfigurationError(
                f"identity field `{node_name(seed.node)}.{seed.column}` does not exist",
                hint="run `privet check --connect` to see every difference",
            )
