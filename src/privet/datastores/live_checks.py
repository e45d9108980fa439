"""``privet check --connect``: the manifest held against the live databases.

Each datastore is opened read-only and its schema read once. Then every table and column
the manifest names (fields, references, legal holds, retention rules) must exist, every
column that looks personal must be declared, and every column a request looks people up
by must be indexed. Each finding points at the manifest line concerned.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from privet.datastores.naming import guess_column, looks_personal
from privet.datastores.sql import DatabaseSchema, TableSchema, closest, read_schema
from privet.kit.errors import PrivetError
from privet.manifest.diagnostics import Diagnostic, Severity, sort_diagnostics
from privet.manifest.schema import (
    Datastore,
    FieldErasureStrategy,
    Manifest,
    Reference,
    RetentionRule,
    Table,
    TableErasure,
)
from privet.manifest.source import Location

UNREACHABLE = "live-unreachable"
MISSING_TABLE = "live-missing-table"
MISSING_COLUMN = "live-missing-column"
MISSING_LINK = "live-missing-foreign-key"
UNDECLARED_PERSONAL_COLUMN = "live-undeclared-personal-column"
UNINDEXED_IDENTITY = "live-unindexed-identity"
ERASURE_IMPOSSIBLE = "live-erasure-impossible"

LIVE_RULES = (UNREACHABLE, MISSING_TABLE, MISSING_COLUMN, UNDECLARED_PERSONAL_COLUMN,
              UNINDEXED_IDENTITY, ERASURE_IMPOSSIBLE)
_TEXT_TYPES = ("CHAR", "TEXT", "CLOB", "STRING")

_SHOWN = 8  # names listed in a hint when nothing is close


def live_diagnostics(
    manifest: Manifest, workspace_root: Path, *, timeout: int
) -> list[Diagnostic]:
    """Open every datastore read-only and report where the manifest and the database differ.

    ``timeout`` bounds each connection (seconds). Never raises for a datastore that cannot
    be reached: that is a ``live-unreachable`` diagnostic, and the others are still checked.
    """
    checker = _Checker(manifest)
    for key, store in manifest.datastores.items():
        try:
            checker.schemas[key] = read_schema(
                store.url, workspace_root, timeout=timeout, datastore=key,
                schemas=_schemas_named(manifest, key), query_timeout=max(60, timeout * 6),
            )
        except PrivetError as exc:
            checker.add(UNREACHABLE, Severity.error,
                        f"cannot check datastore `{key}` against its database: {exc.message}",
                        ("datastores", key, "url"), exc.hint)
    for key, store in manifest.datastores.items():
        if key in checker.schemas:
            checker.check_datastore(key, store)
    for key, rule in manifest.retention.items():
        checker.check_retention(key, rule)
    return sort_diagnostics(checker.diagnostics)


def _schemas_named(manifest: Manifest, key: str) -> set[str]:
    """Schemas other than the default that the manifest names in datastore ``key``."""
    names = list(manifest.datastores[key].tables)
    for source, _, table in manifest.tables():
        for reference in table.references:
            datastore, target_table, _ = manifest.reference_target(source, reference)
            if datastore == key:
                names.append(target_table)
    for rule in manifest.retention.values():
        if rule.table and rule.datastore in {key, None}:
            names.append(rule.table)
    return {name.rsplit(".", 1)[0] for name in names if "." in name}


def _index_hint(table: str, column: str) -> str:
    index = f"ix_{table}_{column}".replace(".", "_")
    return f"CREATE INDEX {index} ON {table} ({column});"


def _categories(categories: Iterable[str]) -> str:
    return ", ".join(categories)


class _Checker:
    def __init__(self, manifest: Manifest) -> None:
        self.manifest = manifest
        self.schemas: dict[str, DatabaseSchema] = {}
        self.diagnostics: list[Diagnostic] = []

    def add(
        self,
        rule: str,
        severity: Severity,
        message: str,
        path: tuple[str | int, ...],
        hint: str | None = None,
        *,
        key: bool = False,
    ) -> None:
        location: Location | None = self.manifest.locate(*path, key=key)
        self.diagnostics.append(Diagnostic(rule, severity, message, location, hint))

    # -------------------------------------------------------------- lookups with did-you-mean

    def table(
        self, datastore: str, name: str, path: tuple[str | int, ...], *, key: bool = False,
        what: str = "",
    ) -> TableSchema | None:
        schema = self.schemas[datastore]
        found = schema.find(name)
        if found is None:
            close = schema.suggest_table(name)
            hint = (f"did you mean `{close}`?" if close
                    else _listing("tables in the database", list(schema.tables)))
            self.add(MISSING_TABLE, Severity.error,
                     f"table `{name}`{what} does not exist in datastore `{datastore}`",
                     path, hint, key=key)
        return found

    def column(
        self, datastore: str, table: TableSchema, column: str, what: str,
        path: tuple[str | int, ...], *, key: bool = False,
    ) -> bool:
        if table.has_column(column):
            return True
        close = closest(column, table.columns)
        hint = (f"did you mean `{close}`?" if close
                else _listing(f"columns of `{table.name}`", list(table.columns)))
        self.add(MISSING_COLUMN, Severity.error,
                 f"{what}: table `{table.name}` of datastore `{datastore}` has no column "
                 f"`{column}`", path, hint, key=key)
        return False

    # -------------------------------------------------------------- datastores

    def check_datastore(self, key: str, store: Datastore) -> None:
        schema = self.schemas[key]
        declared: set[str] = set()
        for name, table in store.tables.items():
            base = ("datastores", key, "tables", name)
            real = self.table(key, name, base, key=True)
            if real is None:
                continue
            declared.add(real.name)
            for field_name, data_field in table.fields.items():
                path = (*base, "fields", field_name)
                if not self.column(key, real, field_name, "declared field", path, key=True):
                    continue
                self.check_erasure(name, table, real, field_name, path)
                if data_field.identity and not real.is_indexed(field_name):
                    self.add(UNINDEXED_IDENTITY, Severity.warning,
                             f"identity field `{name}.{field_name}` ({data_field.identity}) has "
                             "no index: finding a person's rows will read the whole table",
                             path, _index_hint(real.name, field_name), key=True)
            for position, reference in enumerate(table.references):
                self.check_reference(key, name, real, position, reference)
            for hold_name, hold in table.legal_holds.items():
                hold_path = (*base, "legal_holds", hold_name)
                what = f"legal hold `{hold_name}` on `{name}`"
                self.column(key, real, hold.from_field, what, (*hold_path, "from"))
                for column in sorted(hold.where.columns if hold.where else ()):
                    self.column(key, real, column, f"{what} (`where`)", (*hold_path, "where"))
                for position, kept in enumerate(hold.keep_fields):
                    self.column(key, real, kept, f"{what} (`keep_fields`)",
                                (*hold_path, "keep_fields", position))
            mentioned = {*table.fields, *(r.field for r in table.references),
                         *(f for h in table.legal_holds.values() for f in h.keep_fields)}
            for column in real.columns:
                guess = guess_column(name, column)
                if column in mentioned or guess is None or not looks_personal(name, column):
                    continue
                example = f"{column}: {{categories: [{guess.categories[0]}]"
                example += f", identity: {guess.identity}}}" if guess.identity else "}"
                self.add(UNDECLARED_PERSONAL_COLUMN, Severity.warning,
                         f"column `{name}.{column}` looks like personal data "
                         f"({_categories(guess.categories)}) but the manifest does not "
                         "declare it",
                         base,
                         f"declare it under datastores.{key}.tables.{name}.fields, e.g. "
                         f"`{example}`, or with `categories: []` if it holds none",
                         key=True)
        for real_name, real in schema.tables.items():
            if real_name in declared:
                continue
            personal = [c for c in real.columns if looks_personal(real_name, c)]
            if not personal:
                continue
            self.add(UNDECLARED_PERSONAL_COLUMN, Severity.warning,
                     f"table `{real_name}` of datastore `{key}` is not in the manifest, yet "
                     f"{'its columns' if len(personal) > 1 else 'its column'} "
                     f"{', '.join(f'`{c}`' for c in personal)} "
                     f"{'look' if len(personal) > 1 else 'looks'} like personal data",
                     ("datastores", key, "tables"),
                     f"declare `{real_name}` under datastores.{key}.tables with its personal "
                     f"fields (`privet init --from-db` drafts them)",
                     key=True)

    def check_erasure(self, name: str, table: Table, real: TableSchema, field_name: str,
                      path: tuple[str | int, ...]) -> None:
        """A strategy the column cannot take would make every erasure of the table fail."""
        kept = table.erasure is TableErasure.mask or bool(table.legal_holds)
        erasure = table.fields[field_name].effective_erasure
        if not kept or erasure is None:
            return
        column = real.columns[field_name]
        if erasure.strategy is FieldErasureStrategy.nullify and not column.nullable:
            self.add(ERASURE_IMPOSSIBLE, Severity.error,
                     f"`{name}.{field_name}` is erased by nullify, but the column is NOT NULL: "
                     "every erasure of this table would fail", path,
                     "give it `erasure: {strategy: fixed, value: ...}` or `hash`, or make the "
                     "table `erasure: delete_row`", key=True)
        textual = any(word in column.type.upper() for word in _TEXT_TYPES)
        if erasure.strategy in (FieldErasureStrategy.hash, FieldErasureStrategy.random) \
                and not textual:
            self.add(ERASURE_IMPOSSIBLE, Severity.error,
                     f"`{name}.{field_name}` is {column.type}: the `{erasure.strategy.value}` "
                     "strategy needs a text column", path,
                     "use `nullify` or `fixed` for numbers and dates", key=True)

    def check_reference(
        self, key: str, table_name: str, real: TableSchema, position: int, reference: Reference
    ) -> None:
        path = ("datastores", key, "tables", table_name, "references", position)
        field = reference.field
        what = f"reference from `{table_name}`"
        if self.column(key, real, field, what, (*path, "field")) and not real.is_indexed(field):
            self.add(UNINDEXED_IDENTITY, Severity.warning,
                     f"reference column `{table_name}.{field}` has no index: following the "
                     "reference will read the whole table",
                     (*path, "field"), _index_hint(real.name, field))
        datastore, table, column = self.manifest.reference_target(key, reference)
        if datastore not in self.schemas:
            return  # unknown datastore (a lint error) or unreachable (reported once)
        target = self.table(datastore, table, (*path, "to"), what=f" (target of {what})")
        if target is None:
            return
        if self.column(datastore, target, column, f"target of {what}", (*path, "to")) \
                and not target.is_indexed(column):
            self.add(UNINDEXED_IDENTITY, Severity.warning,
                     f"reference target `{table}.{column}` has no index: "
                     "following the reference will read the whole table",
                     (*path, "to"), _index_hint(target.name, column))

    # -------------------------------------------------------------- retention

    def check_retention(self, key: str, rule: RetentionRule) -> None:
        base = ("retention", key)
        what = f"retention rule `{key}`"
        for datastore, table_name in self.manifest.retention_targets(rule):
            if datastore not in self.schemas:
                continue
            if rule.table is not None:
                real = self.table(datastore, table_name, (*base, "table"), what=f" ({what})")
            else:  # a declared table: check_datastore already said if it is missing
                real = self.schemas[datastore].find(table_name)
            if real is None:
                continue
            for position, name in enumerate(rule.fields):
                self.column(datastore, real, name, f"{what} (`fields`)",
                            (*base, "fields", position))
            if rule.via is not None:
                via = self.table(datastore, rule.via, (*base, "via"), what=f" ({what}, `via`)")
                if via is None:
                    continue
                if not any(fk.referred_table == via.name for fk in real.foreign_keys):
                    self.add(MISSING_LINK, Severity.error,
                             f"{what}: `{real.name}` has no foreign key to `{via.name}`",
                             (*base, "via"), "`via` follows a foreign key of the rule's table; "
                             "add one, or count from a column of the table itself")
                    continue
                real = via
            self.column(datastore, real, rule.from_field, what, (*base, "from"))
            for column in sorted(rule.where.columns if rule.where else ()):
                self.column(datastore, real, column, f"{what} (`where`)", (*base, "where"))


def _listing(what: str, names: list[str]) -> str:
    if not names:
        return f"no {what.split(' ', 1)[0]} found"
    shown = ", ".join(f"`{n}`" for n in names[:_SHOWN])
    more = f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else ""
    return f"{what}: {shown}{more}"
