"""What a scan means for the manifest: personal data in a column the manifest does not
declare, a declared category that is not what the column holds, a broken promise (card
numbers where the manifest promises none; special-category data with no Art. 9
condition), rows past their retention period. Each finding says where, how many, two
masked examples, and what change (to the manifest or the data) resolves it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from privet.discovery.scanner import ColumnScan, ScanResult, TypeFound
from privet.manifest.schema import Manifest, Table
from privet.manifest.taxonomy import overlaps
from privet.retention.service import RetentionPlan

HOLDS_TYPE = 0.5
"""A structured column holds a type when at least this share of its values are of it."""


class FindingKind(StrEnum):
    undeclared = "undeclared-personal-data"
    category_mismatch = "category-mismatch"
    broken_promise = "broken-promise"
    retention_overdue = "retention-overdue"


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    severity: str
    """`error` (a broken promise: `privet scan` exits 1) or `warning`."""
    datastore: str
    table: str
    column: str | None
    count: int
    message: str
    resolution: str
    examples: tuple[str, ...] = ()
    value_type: str | None = None
    category: str | None = None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["examples"] = list(self.examples)
        return data


def holds(column: ColumnScan, found: TypeFound) -> bool:
    """The column is made of this type (not a value here and there in free text)."""
    return not column.free_text and found.share >= HOLDS_TYPE


def _undeclared(column: ColumnScan, declared: Table | None) -> bool:
    """The manifest does not declare the column at all: personal data in it is a finding
    even in free text, a value here and there (a declared notes column may hold them)."""
    return declared is None or column.column not in declared.fields


def hold_against(manifest: Manifest, result: ScanResult,
                 overdue: RetentionPlan | None = None) -> list[Finding]:
    """Every finding, broken promises first."""
    findings: list[Finding] = []
    for column in result.columns:
        declared = _declared_table(manifest, column)
        for found in column.found:
            promise = _broken_promise(manifest, column, found, declared)
            if promise is not None:
                findings.append(promise)
            elif holds(column, found) or _undeclared(column, declared):
                findings.extend(_declaration(manifest, column, found, declared))
    if overdue is not None:
        findings.extend(_overdue(overdue))
    order = {"error": 0, "warning": 1}
    return sorted(findings, key=lambda f: (order.get(f.severity, 2), f.kind.value,
                                           f.datastore, f.table, f.column or ""))


def _declared_table(manifest: Manifest, column: ColumnScan) -> Table | None:
    store = manifest.datastores.get(column.datastore)
    if store is None:
        return None
    return store.tables.get(column.table) or next(
        (t for name, t in store.tables.items() if name.rsplit(".", 1)[-1] == column.table), None)


def _where(column: ColumnScan) -> str:
    return f"`{column.table}.{column.column}`"


def _broken_promise(manifest: Manifest, column: ColumnScan, found: TypeFound,
                    declared: Table | None) -> Finding | None:
    for promise in manifest.promises.never_store:
        if found.value_type in {v.value for v in promise.values}:
            said = f" (\"{promise.statement.strip()}\")" if promise.statement else ""
            return _promise_finding(
                column, found, f"{_where(column)} holds {found.rows:,} "
                f"{_label(found)} value(s); the manifest promises never to store them{said}",
                "remove them from the data (mask such values where they come in), or change the "
                "promise under `promises.never_store` if it is no longer true")
    subjects = declared.data_subjects if declared is not None else []
    for never in manifest.promises.never_collect:
        about_them = not never.subjects or not subjects or any(
            overlaps(a, b) for a in never.subjects for b in subjects)
        if about_them and any(overlaps(found.category, c) for c in never.categories):
            said = f" (\"{never.statement.strip()}\")" if never.statement else ""
            return _promise_finding(
                column, found, f"{_where(column)} holds {_label(found)} data in {found.rows:,} "
                f"row(s); the manifest promises never to collect it{said}",
                "erase these values and stop them coming in, or change "
                "`promises.never_collect`")
    if found.special and not _art9_condition(manifest, found.category):
        return _promise_finding(
            column, found, f"{_where(column)} holds special-category data ({_label(found)}) in "
            f"{found.rows:,} row(s), and no purpose declares an Art. 9 condition for "
            f"{found.category}",
            "erase these values, or declare the purpose that needs them with "
            "`special_category_condition:` and the category in its `data_categories`")
    return None


def _art9_condition(manifest: Manifest, category: str) -> bool:
    return any(p.special_category_condition is not None
               and any(overlaps(category, c) for c in p.data_categories)
               for p in manifest.purposes.values())


def _promise_finding(column: ColumnScan, found: TypeFound, message: str,
                     resolution: str) -> Finding:
    return _column_finding(FindingKind.broken_promise, "error", column, found, message,
                           resolution)


def _column_finding(kind: FindingKind, severity: str, column: ColumnScan, found: TypeFound,
                    message: str, resolution: str) -> Finding:
    return Finding(kind, severity, column.datastore, column.table, column.column, found.rows,
                   message, resolution, found.examples, found.value_type, found.category)


def _declaration(manifest: Manifest, column: ColumnScan, found: TypeFound,
                 declared: Table | None) -> list[Finding]:
    field = declared.fields.get(column.column) if declared is not None else None
    base = f"datastores.{column.datastore}.tables.{column.table}.fields.{column.column}"
    if field is None:
        return [_column_finding(
            FindingKind.undeclared, "warning", column, found,
            f"{_where(column)} holds {_label(found)} ({found.share:.0%} of the values read) "
            "but the manifest does not declare it",
            f"declare it: {base}: {{categories: [{found.category}]}} "
            "(`privet scan --suggest FILE` writes it)")]
    if field.categories and not any(overlaps(c, found.category) for c in field.categories):
        return [_column_finding(
            FindingKind.category_mismatch, "warning", column, found,
            f"{_where(column)} is declared as {', '.join(field.categories)} but holds "
            f"{_label(found)} ({found.share:.0%} of the values read)",
            f"add {found.category} to {base}.categories, or fix the data")]
    return []


def _overdue(plan: RetentionPlan) -> list[Finding]:
    findings = []
    for step in plan.steps:
        if step.due <= 0:
            continue
        verb = "deleted" if step.action == "delete" else "anonymised"
        findings.append(Finding(
            FindingKind.retention_overdue, "warning", step.datastore, step.table, None,
            step.due, f"{step.due:,} row(s) of `{step.table}` are past the period of "
            f"retention rule `{step.rule}` and not yet {verb}",
            "run `privet retention run` (or let the schedule run it)"))
    return findings


def _label(found: TypeFound) -> str:
    return found.detector.replace("_", " ")


def suggestions(findings: list[Finding]) -> dict[str, Any]:
    """The manifest fields the undeclared findings call for, as a manifest fragment."""
    tables: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for finding in findings:
        if finding.kind is FindingKind.undeclared and finding.column and finding.category:
            tables[(finding.datastore, finding.table)][finding.column].add(finding.category)
    stores: dict[str, Any] = {}
    for (datastore, table), columns in sorted(tables.items()):
        fields = {name: {"categories": sorted(categories)}
                  for name, categories in sorted(columns.items())}
        stores.setdefault(datastore, {"tables": {}})["tables"][table] = {"fields": fields}
    return {"datastores": stores} if stores else {}
