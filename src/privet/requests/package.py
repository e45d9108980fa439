"""The access package: a copy of a person's data (GDPR Art. 15), portable (Art. 20).

One ZIP holds the same data three ways and says what each is:

- ``data.json``: every row found, each declared field with its categories and the purposes
  it serves (machine-readable, for portability);
- ``tables/<datastore>.<table>.csv``: one spreadsheet per table;
- ``summary.html``: a page a person can read: who the controller is, what was found, why,
  how long, who receives it, their rights;
- ``README.txt``: what each file is.

Values come from the company's databases and are treated as hostile: the page escapes them
(Jinja2 autoescape) and the CSV files neutralise spreadsheet formulas. The ZIP is
deterministic: the same result and manifest give the same bytes.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from privet.manifest.geography import EEA, country_name
from privet.manifest.schema import (
    LegalBasis,
    Manifest,
    Processor,
    ProcessorRole,
    Purpose,
    Transfer,
    TransferMechanism,
)
from privet.manifest.taxonomy import overlaps
from privet.requests.results import AccessResult, FoundRows

FORMAT = "privet-access-package/1"
HTML_ROW_LIMIT = 500
"""Rows shown per table in ``summary.html``; the CSV and JSON files always hold them all."""

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.$-]+")
_SURROGATE = re.compile("[\ud800-\udfff]")

LEGAL_BASIS_WORDS: dict[LegalBasis, str] = {
    LegalBasis.consent: "your consent (GDPR Art. 6(1)(a))",
    LegalBasis.contract: "performance of a contract (GDPR Art. 6(1)(b))",
    LegalBasis.legal_obligation: "compliance with a legal obligation (GDPR Art. 6(1)(c))",
    LegalBasis.vital_interest: "protection of vital interests (GDPR Art. 6(1)(d))",
    LegalBasis.public_task: "a task carried out in the public interest (GDPR Art. 6(1)(e))",
    LegalBasis.legitimate_interest: "our legitimate interests (GDPR Art. 6(1)(f))",
}
_ROLE_WORDS: dict[ProcessorRole, str] = {
    ProcessorRole.subprocessor: "processes it on our behalf",
    ProcessorRole.third_party_controller: "independent controller",
    ProcessorRole.joint_controller: "joint controller with us",
    ProcessorRole.public_authority: "public authority",
}
_MECHANISM_WORDS: dict[TransferMechanism, str] = {
    TransferMechanism.adequacy: "European Commission adequacy decision (GDPR Art. 45)",
    TransferMechanism.scc: "standard contractual clauses (GDPR Art. 46)",
    TransferMechanism.bcr: "binding corporate rules (GDPR Art. 47)",
    TransferMechanism.dpf: "EU-US Data Privacy Framework (GDPR Art. 45)",
    TransferMechanism.derogation: "derogation for a specific situation (GDPR Art. 49)",
}


CONSENT_MEMBER = "consent_receipts.json"

# ------------------------------------------------------------------------------- public


def build_access_package(
    result: AccessResult, manifest: Manifest, *, request_id: str | None = None,
    consent_receipts: Sequence[Mapping[str, Any]] | None = None,
) -> bytes:
    """The ZIP a person receives in answer to an access or portability request; with
    ``consent_receipts`` (from Privet's own database), their consent history too."""
    tables = _merge(result.found, manifest)
    receipts = list(consent_receipts) if consent_receipts is not None else None
    members: list[tuple[str, bytes]] = [
        ("README.txt",
         _readme(result, manifest, tables, request_id, receipts).encode("utf-8")),
        ("summary.html", _summary_html(result, manifest, tables, request_id).encode("utf-8")),
        ("data.json", _json_bytes(_data(result, manifest, tables, request_id))),
    ]
    members.extend((_csv_member_name(t), _csv_bytes(t)) for t in tables)
    if receipts is not None:
        members.append((CONSENT_MEMBER, _json_bytes({"consent_receipts": receipts})))
    return _zip(members, result.generated_at)


def access_package_data(
    result: AccessResult, manifest: Manifest, *, request_id: str | None = None
) -> dict[str, Any]:
    """The content of ``data.json``, JSON-safe (for an API that returns it directly)."""
    return _data(result, manifest, _merge(result.found, manifest), request_id)


def access_package_filename(result: AccessResult, request_id: str | None = None) -> str:
    """A file name for the package: ``access-package-<request>-<YYYYMMDD>.zip``."""
    stamp = _utc(result.generated_at).strftime("%Y%m%d")
    if request_id:
        safe = _SAFE_NAME.sub("_", request_id).strip("._-")[:64]
        if safe:
            return f"access-package-{safe}-{stamp}.zip"
    return f"access-package-{stamp}.zip"


def json_value(value: Any) -> Any:
    """A database value as JSON allows it.

    datetime, date, time → ISO 8601; Decimal → string (no float rounding); bytes →
    ``{"base64": ...}``; non-finite floats → string; arrays and JSON columns recursively;
    anything else unknown → its text.
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return _clean_text(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return json_value(value.value)
    if isinstance(value, Mapping):
        return {_clean_text(str(k)): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    return _clean_text(str(value))


def csv_cell(value: Any) -> str:
    """A database value as one CSV cell: as in JSON, flat; NULL empty; formulas neutralised.

    Numbers stay numbers (``-3.50`` from a NUMERIC column is no formula); text that starts
    with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``.
    """
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _flat(value)
    return _neutralise(_flat(value))


# ------------------------------------------------------------------------------- merging


@dataclass
class _Table:
    """The rows found in one table, merged when the executor reached it by several paths."""

    datastore: str
    table: str
    columns: list[str]
    rows: list[dict[str, Any]]
    reached_by: list[str]
    categories: dict[str, tuple[str, ...]]
    purposes: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _merge(found: Sequence[FoundRows], manifest: Manifest) -> list[_Table]:
    merged: dict[tuple[str, str], _Table] = {}
    for rows in found:
        key = (rows.datastore, rows.table)
        table = merged.get(key)
        if table is None:
            table = merged[key] = _Table(rows.datastore, rows.table, [], [], [], {})
        for column in rows.columns:
            if column not in table.columns:
                table.columns.append(column)
        if table.rows:  # reached again by another path: add only the rows not yet there
            seen = {_row_key(r) for r in table.rows}
            table.rows.extend(r for r in rows.records() if _row_key(r) not in seen)
        else:
            table.rows.extend(rows.records())
        table.reached_by.extend(r for r in rows.reached_by if r not in table.reached_by)
        for column in rows.columns:
            declared = tuple(rows.categories.get(column, ())) or _declared(manifest, key, column)
            table.categories[column] = tuple(dict.fromkeys(
                (*table.categories.get(column, ()), *declared)
            ))
    for table in merged.values():
        subjects = _table_subjects(manifest, table.datastore, table.table)
        table.purposes = {
            column: _purposes_serving(manifest, categories, subjects)
            for column, categories in table.categories.items()
        }
    order = _manifest_order(manifest)
    return sorted(merged.values(),
                  key=lambda t: (order.get((t.datastore, t.table), len(order)),
                                 t.datastore, t.table))


def _row_key(record: Mapping[str, Any]) -> str:
    return json.dumps(json_value(dict(record)), sort_keys=True)


def _declared(manifest: Manifest, key: tuple[str, str], column: str) -> tuple[str, ...]:
    store = manifest.datastores.get(key[0])
    table = store.tables.get(key[1]) if store else None
    data_field = table.fields.get(column) if table else None
    return tuple(data_field.categories) if data_field else ()


def _table_subjects(manifest: Manifest, datastore: str, table: str) -> list[str]:
    store = manifest.datastores.get(datastore)
    declared = store.tables.get(table) if store else None
    return list(declared.data_subjects) if declared else []


def _subjects_meet(a: Sequence[str], b: Sequence[str]) -> bool:
    # Undeclared subjects on either side do not exclude: only a declared mismatch does
    # (a contacts table of customers and prospects is not used for recruitment).
    return not a or not b or any(overlaps(x, y) for x in a for y in b)


def _purposes_serving(
    manifest: Manifest, categories: Sequence[str], subjects: Sequence[str]
) -> tuple[str, ...]:
    """Purposes (by key, manifest order) whose categories overlap one of ``categories``."""
    return tuple(
        key for key, purpose in manifest.purposes.items()
        if any(overlaps(p, c) for p in purpose.data_categories for c in categories)
        and _subjects_meet(purpose.data_subjects, subjects)
    )


def _manifest_order(manifest: Manifest) -> dict[tuple[str, str], int]:
    return {(d, t): i for i, (d, t, _) in enumerate(manifest.tables())}


# ------------------------------------------------------------------------------- data.json


def _data(
    result: AccessResult, manifest: Manifest, tables: list[_Table], request_id: str | None
) -> dict[str, Any]:
    organization = manifest.organization
    datastores: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    for table in tables:
        rows = [
            {
                column: {
                    "value": json_value(record.get(column)),
                    "categories": list(table.categories.get(column, ())),
                    "purposes": list(table.purposes.get(column, ())),
                }
                for column in table.columns
            }
            for record in table.rows
        ]
        used.update(p for purposes in table.purposes.values() for p in purposes)
        datastores.setdefault(table.datastore, {})[table.table] = {
            "reached_by": list(table.reached_by),
            "rows": rows,
        }
    return {
        "format": FORMAT,
        "generated_at": result.generated_at.isoformat(),
        "controller": {
            "name": organization.name,
            "legal_name": organization.legal_name,
            "address": organization.address,
            "contact_email": organization.contact.email,
            "dpo_email": organization.dpo.email if organization.dpo else None,
        },
        "request_id": request_id,
        "identities": {kind: list(values) for kind, values in result.identities.items()},
        "datastores": datastores,
        "purposes": {
            key: {
                "name": purpose.name,
                "legal_basis": purpose.legal_basis.value if purpose.legal_basis else None,
                "retention": str(purpose.retention) if purpose.retention else None,
            }
            for key, purpose in manifest.purposes.items() if key in used
        },
        "incomplete": [
            {"datastore": f.datastore, "message": f.message} for f in result.failures
        ],
    }


def _json_bytes(data: Mapping[str, Any]) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def _clean_text(text: str) -> str:
    # A lone surrogate cannot be written as UTF-8: replace it rather than fail the package.
    return _SURROGATE.sub("\ufffd", text)


# ------------------------------------------------------------------------------- CSV


def _flat(value: Any) -> str:
    converted = json_value(value)
    if converted is None:
        return ""
    if isinstance(converted, str):
        return converted
    if isinstance(converted, bool):
        return "true" if converted else "false"
    if isinstance(value, bytes | bytearray | memoryview):
        return "base64:" + str(converted["base64"])
    if isinstance(converted, dict | list):
        return json.dumps(converted, ensure_ascii=False)
    return str(converted)


def _neutralise(text: str) -> str:
    """Keep a spreadsheet from running a cell as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def _csv_member_name(table: _Table) -> str:
    name = f"{table.datastore}.{table.table}"
    return f"tables/{_SAFE_NAME.sub('_', name).strip('.') or 'table'}.csv"


def _csv_bytes(table: _Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([_neutralise(c) for c in table.columns])
    for record in table.rows:
        writer.writerow([csv_cell(record.get(c)) for c in table.columns])
    return buffer.getvalue().encode("utf-8-sig")


# ------------------------------------------------------------------------------- ZIP


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment


def _zip(members: Iterable[tuple[str, bytes]], moment: datetime) -> bytes:
    stamp = _utc(moment)
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day,
                 stamp.hour, stamp.minute, stamp.second)
    buffer = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            unique, n = name, 1
            while unique in used:  # two tables whose names differ only in odd characters
                n += 1
                stem, dot, ext = name.rpartition(".")
                unique = f"{stem}-{n}{dot}{ext}"
            used.add(unique)
            info = zipfile.ZipInfo(unique, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


# ------------------------------------------------------------------------------- summary.html


@dataclass(frozen=True)
class _CategoryView:
    key: str
    name: str
    records: int
    tables: list[str]
    purposes: list[str]


@dataclass(frozen=True)
class _PurposeView:
    key: str
    name: str
    description: str | None
    legal_basis: str | None
    legitimate_interest: str | None
    retention: str | None
    retention_note: str | None
    categories: list[str]


@dataclass(frozen=True)
class _RecipientView:
    name: str
    role: str
    service: str
    purposes: list[str]
    categories: list[str]
    country: str
    transfer: str


@dataclass(frozen=True)
class _TableView:
    title: str
    description: str | None
    reached_by: list[str]
    columns: list[str]
    rows: list[list[str]]
    total: int
    csv_name: str


@cache
def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("privet.requests", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _summary_html(
    result: AccessResult, manifest: Manifest, tables: list[_Table], request_id: str | None
) -> str:
    taxonomy = manifest.taxonomy_index

    def category_name(key: str) -> str:
        return taxonomy.name("data_category", key)

    # What is held: categories with at least one value, and the purposes those values serve.
    held: dict[str, dict[str, Any]] = {}
    for table in tables:
        where = _table_title(manifest, table)
        for column in table.columns:
            for category in table.categories.get(column, ()):
                entry = held.setdefault(category, {"rows": {}, "tables": [], "purposes": []})
                for index, record in enumerate(table.rows):
                    if record.get(column) is not None:
                        entry["rows"][(table.datastore, table.table, index)] = True
                        if where not in entry["tables"]:
                            entry["tables"].append(where)
                        entry["purposes"].extend(p for p in table.purposes[column]
                                                 if p not in entry["purposes"])
    held = {k: v for k, v in held.items() if v["rows"]}
    purpose_keys = [k for k in manifest.purposes
                    if any(k in v["purposes"] for v in held.values())]

    categories = [
        _CategoryView(key, category_name(key), len(v["rows"]), v["tables"],
                      [manifest.purposes[p].name for p in purpose_keys if p in v["purposes"]])
        for key, v in held.items()
    ]
    purposes = [
        _purpose_view(key, manifest.purposes[key],
                      [category_name(c) for c, v in held.items() if key in v["purposes"]])
        for key in purpose_keys
    ]
    recipients = []
    for processor in manifest.processors.values():
        shared = [p for p in processor.purposes if p in purpose_keys]
        received = [
            c for c, v in held.items()
            if any(overlaps(pc, c) for pc in processor.data_categories)
            and any(p in v["purposes"] for p in shared)
        ]
        if received:
            serving = [p for p in shared if any(p in held[c]["purposes"] for c in received)]
            recipients.append(_recipient_view(
                processor, [manifest.purposes[p].name for p in serving],
                [category_name(c) for c in received],
            ))
    relevant = [manifest.purposes[k] for k in purpose_keys]
    organization = manifest.organization
    return _templates().get_template("access_summary.html").render(
        organization=organization,
        generated_at=result.generated_at.strftime("%Y-%m-%d %H:%M")
        + (" UTC" if result.generated_at.utcoffset() == timedelta(0) else ""),
        request_id=request_id,
        identities=[(kind, list(values)) for kind, values in result.identities.items()],
        row_count=sum(len(t.rows) for t in tables),
        categories=categories,
        purposes=purposes,
        recipients=recipients,
        tables=[_table_view(manifest, t) for t in tables],
        failures=[(_datastore_name(manifest, f.datastore), f.message) for f in result.failures],
        consent_based=any(p.legal_basis is LegalBasis.consent for p in relevant),
        interest_based=any(p.legal_basis is LegalBasis.legitimate_interest for p in relevant),
        response_deadline=organization.response_deadline.describe(),
        extension_limit=organization.extension_limit.describe(),
        row_limit=HTML_ROW_LIMIT,
    )


def _purpose_view(key: str, purpose: Purpose, categories: list[str]) -> _PurposeView:
    return _PurposeView(
        key=key,
        name=purpose.name,
        description=purpose.description,
        legal_basis=LEGAL_BASIS_WORDS[purpose.legal_basis] if purpose.legal_basis else None,
        legitimate_interest=purpose.legitimate_interest
        if purpose.legal_basis is LegalBasis.legitimate_interest else None,
        retention=purpose.retention.describe() if purpose.retention else None,
        retention_note=purpose.retention_note,
        categories=categories,
    )


def _recipient_view(
    processor: Processor, purposes: list[str], categories: list[str]
) -> _RecipientView:
    return _RecipientView(
        name=processor.name,
        role=_ROLE_WORDS[processor.role],
        service=processor.service,
        purposes=purposes,
        categories=categories,
        country=country_name(processor.country),
        transfer=_transfer_words(processor.country, processor.transfer),
    )


def _transfer_words(country: str, transfer: Transfer | None) -> str:
    if transfer is None:
        return "inside the EEA" if country in EEA else "not stated"
    words = _MECHANISM_WORDS[transfer.mechanism]
    if transfer.mechanism is TransferMechanism.scc and transfer.scc_module:
        words = f"standard contractual clauses, module {transfer.scc_module} (GDPR Art. 46)"
    if transfer.derogation:
        words += f": {transfer.derogation}"
    if transfer.note:
        words += f". {transfer.note}"
    return words


def _datastore_name(manifest: Manifest, datastore: str) -> str:
    store = manifest.datastores.get(datastore)
    return store.name if store and store.name else datastore


def _table_title(manifest: Manifest, table: _Table) -> str:
    return f"{table.table} ({_datastore_name(manifest, table.datastore)})"


def _table_view(manifest: Manifest, table: _Table) -> _TableView:
    store = manifest.datastores.get(table.datastore)
    declared = store.tables.get(table.table) if store else None
    return _TableView(
        title=_table_title(manifest, table),
        description=declared.description if declared else None,
        reached_by=table.reached_by,
        columns=table.columns,
        rows=[[_html_cell(r.get(c)) for c in table.columns]
              for r in table.rows[:HTML_ROW_LIMIT]],
        total=len(table.rows),
        csv_name=_csv_member_name(table),
    )


def _html_cell(value: Any) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return f"(binary data, {len(bytes(value))} bytes)"
    return _flat(value)


# ------------------------------------------------------------------------------- README.txt


def _readme(
    result: AccessResult, manifest: Manifest, tables: list[_Table], request_id: str | None,
    receipts: list[Mapping[str, Any]] | None = None,
) -> str:
    organization = manifest.organization
    lines = [
        f"A copy of your personal data held by {organization.name}",
        f"Generated {result.generated_at.isoformat()}"
        + (f" for request {request_id}" if request_id else "") + ".",
        "",
        "summary.html",
        "    Start here. A page to read in any web browser: what we found, why we use it,",
        "    how long we keep it, who receives it, and your rights.",
        "data.json",
        f"    Everything we found, machine-readable ({FORMAT}), for moving it to another",
        "    service (GDPR Art. 20). Every field carries its data categories and the purposes",
        "    it serves; dates are ISO 8601, exact numbers are text, binary data is base64.",
        "tables/",
        "    One CSV file per table in which we found you (UTF-8, opens in a spreadsheet).",
        "    Empty cells are empty values. Text starting with = + - or @ is prefixed with '",
        "    so that a spreadsheet does not run it as a formula.",
    ]
    lines.extend(f"    {_csv_member_name(t)}: {len(t.rows)} row(s)" for t in tables)
    if receipts is not None:
        lines += [CONSENT_MEMBER,
                  f"    Every consent choice we recorded for you ({len(receipts)}): when, what "
                  "you were shown",
                  "    (notice version and the hash of its text), what you decided, and where."]
    lines.append("README.txt")
    lines.append("    This file.")
    if result.failures:
        lines += ["", "Some databases could not be searched, so this copy may be incomplete:"]
        lines.extend(f"    {_datastore_name(manifest, f.datastore)}" for f in result.failures)
    contact = organization.contact.email
    if contact:
        lines += ["", f"Questions: {contact}"]
    return "\n".join(lines) + "\n"
