"""The GDPR Art. 30 record of processing activities, built from the manifest alone.

``controller_record`` gives the Art. 30(1) record (one processing activity per purpose the
company decides on); ``processor_record`` the Art. 30(2) record (the purposes marked
``on_behalf_of_customers``, carried out for the customers described by the ``customers``
directory). Both are plain dataclasses, read by the three exporters: ``record_html``,
``record_csv`` and ``write_record_xlsx``.

Nothing is invented: a mandatory item the manifest does not declare becomes a ``Missing``
marker, shown in every export as ``not declared in the manifest: <path>``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from privet.kit.errors import PrivetError
from privet.manifest.geography import EEA, country_name
from privet.manifest.lint import leaves_free_flow_zone
from privet.manifest.schema import (
    Contact,
    LegalBasis,
    Manifest,
    Processor,
    ProcessorRole,
    Purpose,
    Role,
    Table,
    TransferMechanism,
)
from privet.manifest.taxonomy import TaxonomyKind, overlaps

NOT_DECLARED = "not declared in the manifest: "


class RecordError(PrivetError):
    """The record asked for cannot be built from this manifest."""

    http_status = 422


class RecordRole(StrEnum):
    """Whose record: the controller's (Art. 30(1)) or the processor's (Art. 30(2))."""

    controller = "controller"
    processor = "processor"


# ---------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class Missing:
    """A mandatory item the manifest does not declare, and where it would be declared."""

    path: str

    def __str__(self) -> str:
        return NOT_DECLARED + self.path


@dataclass(frozen=True)
class NotApplicable:
    """An item the law does not require of this organisation, and why."""

    reason: str

    def __str__(self) -> str:
        return f"not applicable: {self.reason}"


@dataclass(frozen=True)
class Party:
    """A controller, processor, representative or DPO, with the contact details declared."""

    title: str
    name: str | None
    address: str | None = None
    email: str | None = None
    phone: str | None = None

    @property
    def details(self) -> tuple[str, ...]:
        return tuple(v for v in (self.address, self.email, self.phone) if v)

    def __str__(self) -> str:
        return ", ".join(v for v in (self.name, *self.details) if v)


@dataclass(frozen=True)
class Term:
    """A taxonomy key and its human name."""

    key: str
    name: str

    def __str__(self) -> str:
        return self.name if self.name == self.key else f"{self.name} ({self.key})"


@dataclass(frozen=True)
class Recipient:
    """A processor or other recipient serving a processing activity."""

    key: str
    name: str
    role: str
    country: str
    service: str

    def __str__(self) -> str:
        return f"{self.name} ({self.role}, {self.country}): {self.service}"


@dataclass(frozen=True)
class TransferOut:
    """A transfer to a third country, and the safeguard that makes it lawful."""

    recipient: str
    country: str
    safeguard: str | Missing

    def __str__(self) -> str:
        return f"{self.recipient}, {self.country}: {self.safeguard}"


@dataclass(frozen=True)
class TimeLimit:
    """An envisaged time limit for erasure, and where it comes from."""

    source: str
    text: str

    def __str__(self) -> str:
        return f"{self.source}: {self.text}"


@dataclass(frozen=True)
class Measure:
    """A technical or organisational security measure (Art. 32)."""

    name: str
    description: str | None

    def __str__(self) -> str:
        return f"{self.name}: {self.description}" if self.description else self.name


@dataclass(frozen=True)
class ControllerActivity:
    """One processing activity of the controller's record (Art. 30(1)(b)-(g))."""

    key: str
    name: str
    purposes: str
    legal_basis: str | Missing
    data_subjects: tuple[Term, ...] | Missing
    data_categories: tuple[Term, ...] | Missing
    recipients: tuple[Recipient, ...]
    transfers: tuple[TransferOut, ...]
    time_limits: tuple[TimeLimit, ...] | Missing
    security_measures: tuple[Measure, ...] | Missing


@dataclass(frozen=True)
class ProcessorActivity:
    """One category of processing carried out for the customers (Art. 30(2)(b)-(d))."""

    key: str
    name: str
    processing: str
    data_subjects: tuple[Term, ...] | Missing
    data_categories: tuple[Term, ...] | Missing
    subprocessors: tuple[Recipient, ...]
    transfers: tuple[TransferOut, ...]
    security_measures: tuple[Measure, ...] | Missing


@dataclass(frozen=True)
class ControllerRecord:
    """The Art. 30(1) record: who the controller is, then each processing activity."""

    organization: str
    policy_version: str
    effective_date: date
    controller: Party | Missing
    joint_controllers: tuple[Recipient, ...]
    eu_representative: Party | Missing | NotApplicable
    uk_representative: Party | Missing | NotApplicable
    dpo: Party | Missing
    activities: tuple[ControllerActivity, ...]
    role: RecordRole = RecordRole.controller


@dataclass(frozen=True)
class ProcessorRecord:
    """The Art. 30(2) record: the processor, the controllers it acts for, each activity."""

    organization: str
    policy_version: str
    effective_date: date
    processor: Party | Missing
    controllers: str | Missing
    eu_representative: Party | Missing | NotApplicable
    uk_representative: Party | Missing | NotApplicable
    dpo: Party | Missing
    activities: tuple[ProcessorActivity, ...] | Missing
    role: RecordRole = RecordRole.processor


Record = ControllerRecord | ProcessorRecord


# ---------------------------------------------------------------------------- building

_LEGAL_BASES = {
    LegalBasis.consent: "Consent (Art. 6(1)(a))",
    LegalBasis.contract: "Performance of a contract (Art. 6(1)(b))",
    LegalBasis.legal_obligation: "Legal obligation (Art. 6(1)(c))",
    LegalBasis.vital_interest: "Vital interests (Art. 6(1)(d))",
    LegalBasis.public_task: "Public task (Art. 6(1)(e))",
    LegalBasis.legitimate_interest: "Legitimate interests (Art. 6(1)(f))",
}
_RECIPIENT_ROLES = {
    ProcessorRole.subprocessor: "processor",
    ProcessorRole.third_party_controller: "third-party controller",
    ProcessorRole.joint_controller: "joint controller",
    ProcessorRole.public_authority: "public authority",
}
_MECHANISMS = {
    TransferMechanism.adequacy: "adequacy decision (Art. 45)",
    TransferMechanism.scc: "standard contractual clauses (Art. 46(2)(c))",
    TransferMechanism.bcr: "binding corporate rules (Art. 47)",
    TransferMechanism.dpf: "EU-US Data Privacy Framework (adequacy decision, Art. 45)",
    TransferMechanism.derogation: "derogation (Art. 49)",
}


def build_record(manifest: Manifest, role: RecordRole = RecordRole.controller) -> Record:
    """The record of processing for ``role``."""
    if role is RecordRole.processor:
        return processor_record(manifest)
    return controller_record(manifest)


def controller_record(manifest: Manifest) -> ControllerRecord:
    """The controller's record (Art. 30(1)): every purpose not carried out for customers."""
    org = manifest.organization
    return ControllerRecord(
        organization=org.legal_name or org.name,
        policy_version=manifest.policy.version,
        effective_date=manifest.policy.effective_date,
        controller=_organization_party(manifest, "Controller"),
        joint_controllers=tuple(
            _recipient(manifest, key, p) for key, p in manifest.processors.items()
            if p.role is ProcessorRole.joint_controller),
        eu_representative=_eu_representative(manifest),
        uk_representative=_uk_representative(manifest),
        dpo=_party("Data protection officer", org.dpo, "organization.dpo"),
        activities=tuple(_controller_activity(manifest, key, purpose)
                         for key, purpose in manifest.purposes.items()
                         if not purpose.on_behalf_of_customers),
    )


def processor_record(manifest: Manifest) -> ProcessorRecord:
    """The processor's record (Art. 30(2)): the purposes marked ``on_behalf_of_customers``.

    A manifest whose organisation is a controller only has no processor record: asking for
    one is an error that says what to declare.
    """
    org = manifest.organization
    if org.role is Role.controller:
        raise RecordError(
            f"{org.name} is declared a controller only (organization.role: controller), so it "
            "keeps no processor's record (Art. 30(2))",
            hint="if you process personal data on your customers' behalf, set `role: both` "
            "(or `processor`) under `organization:` and mark those purposes with "
            "`on_behalf_of_customers: true`")
    activities = tuple(_processor_activity(manifest, key, purpose)
                       for key, purpose in manifest.purposes.items()
                       if purpose.on_behalf_of_customers)
    return ProcessorRecord(
        organization=org.legal_name or org.name,
        policy_version=manifest.policy.version,
        effective_date=manifest.policy.effective_date,
        processor=_organization_party(manifest, "Processor"),
        controllers=_controllers(manifest),
        eu_representative=_eu_representative(manifest),
        uk_representative=_uk_representative(manifest),
        dpo=_party("Data protection officer", org.dpo, "organization.dpo"),
        activities=activities or Missing("purposes.<purpose>.on_behalf_of_customers"),
    )


def _organization_party(manifest: Manifest, title: str) -> Party | Missing:
    org = manifest.organization
    contact = org.contact
    if not (contact.email or contact.phone or contact.address):
        return Missing("organization.contact.email")
    return Party(title, org.legal_name or org.name, address=contact.address or org.address,
                 email=contact.email, phone=contact.phone)


def _party(title: str, contact: Contact | None, path: str) -> Party | Missing:
    if contact is None or not (contact.name or contact.email or contact.phone
                               or contact.address):
        return Missing(path)
    if not (contact.email or contact.phone or contact.address):
        return Missing(f"{path}.email")
    return Party(title, contact.name, contact.address, contact.email, contact.phone)


def _eu_representative(manifest: Manifest) -> Party | Missing | NotApplicable:
    org = manifest.organization
    if org.eu_representative is None and org.country in EEA:
        return NotApplicable(f"established in {country_name(org.country)}, in the EEA")
    return _party("EU representative", org.eu_representative, "organization.eu_representative")


def _uk_representative(manifest: Manifest) -> Party | Missing | NotApplicable:
    org = manifest.organization
    if org.uk_representative is None and ("uk_gdpr" not in org.jurisdictions
                                          or org.country == "GB"):
        return NotApplicable("not under the UK GDPR" if org.country != "GB"
                             else "established in the United Kingdom")
    return _party("UK representative", org.uk_representative, "organization.uk_representative")


def _controllers(manifest: Manifest) -> str | Missing:
    directory = manifest.customers
    if directory is None:
        return Missing("customers")
    store = manifest.datastores.get(directory.datastore)
    where = f"{(store.name if store and store.name else directory.datastore)}, table " \
        f"`{directory.table}`"
    said = [f"name in `{directory.name}`" if directory.name else None,
            f"contact email in `{directory.email}`" if directory.email else None,
            f"webhook in `{directory.webhook_url}`" if directory.webhook_url else None]
    details = "; ".join(s for s in said if s)
    return f"Each customer (controller) listed in {where}" + (f" ({details})" if details else "")


def _terms(manifest: Manifest, kind: TaxonomyKind, keys: list[str],
           path: str) -> tuple[Term, ...] | Missing:
    if not keys:
        return Missing(path)
    index = manifest.taxonomy_index
    return tuple(Term(key, index.name(kind, key)) for key in keys)


def _recipient(manifest: Manifest, key: str, processor: Processor) -> Recipient:
    return Recipient(key, processor.name, _RECIPIENT_ROLES[processor.role],
                     country_name(processor.country), processor.service)


def _serving(manifest: Manifest, purpose_key: str) -> list[tuple[str, Processor]]:
    return [(k, p) for k, p in manifest.processors.items() if purpose_key in p.purposes]


def _transfers(manifest: Manifest, serving: list[tuple[str, Processor]]
               ) -> tuple[TransferOut, ...]:
    found: list[TransferOut] = []
    for key, processor in serving:
        if not leaves_free_flow_zone(manifest, processor.country):
            continue
        transfer = processor.transfer
        safeguard: str | Missing
        if transfer is None:
            safeguard = Missing(f"processors.{key}.transfer")
        else:
            safeguard = _MECHANISMS[transfer.mechanism]
            if transfer.scc_module is not None:
                safeguard += f", module {transfer.scc_module}"
            if transfer.derogation:
                safeguard += f": {transfer.derogation}"
            if transfer.note:
                safeguard += f" ({transfer.note})"
        found.append(TransferOut(processor.name, country_name(processor.country), safeguard))
    return tuple(found)


def _security(manifest: Manifest) -> tuple[Measure, ...] | Missing:
    measures = tuple(Measure(m.name, m.description) for m in manifest.security_measures)
    return measures or Missing("security_measures")


def _holds_purpose_data(table: Table, purpose: Purpose) -> bool:
    """A table holds a purpose's data: a category in common, and (when both say whose
    data it is) a data subject in common."""
    if not any(overlaps(c, held) for c in purpose.data_categories for held in table.categories):
        return False
    if table.data_subjects and purpose.data_subjects:
        return any(overlaps(s, t) for s in purpose.data_subjects for t in table.data_subjects)
    return True


def _time_limits(manifest: Manifest, purpose_key: str,
                 purpose: Purpose) -> tuple[TimeLimit, ...] | Missing:
    limits: list[TimeLimit] = []
    if purpose.retention is not None:
        text = purpose.retention.describe()
        limits.append(TimeLimit("purpose", f"{text}, {purpose.retention_note}"
                                if purpose.retention_note else text))
    tables = {(ds, name) for ds, name, table in manifest.tables()
              if _holds_purpose_data(table, purpose)}
    for rule_key, rule in manifest.retention.items():
        by_category = any(overlaps(c, p) for c in rule.categories
                          for p in purpose.data_categories)
        targets = [t for t in manifest.retention_targets(rule) if t in tables]
        if not (by_category or targets):
            continue
        what = rule.table or ", ".join(rule.categories)
        text = f"{what}: {rule.period.describe()} from `{rule.from_field}`"
        if rule.via:
            text += f" of `{rule.via}`"
        if rule.where is not None:
            text += f" where {rule.where}"
        if rule.grace is not None:
            text += f", plus {rule.grace.describe()} grace"
        text += f", then {rule.action.value.replace('_', ' ')}"
        if rule.statement:
            text += f" ({rule.statement.strip()})"
        limits.append(TimeLimit(f"retention rule `{rule_key}`", text))
    for ds, name in sorted(tables):
        for hold_key, hold in manifest.datastores[ds].tables[name].legal_holds.items():
            text = (f"{name}: kept {hold.period.describe()} from `{hold.from_field}`: "
                    f"{hold.reason}")
            if hold.law:
                text += f" ({hold.law})"
            limits.append(TimeLimit(f"legal hold `{hold_key}`", text))
    if purpose.retention is None and not limits:
        return Missing(f"purposes.{purpose_key}.retention")
    return tuple(limits)


def _legal_basis(key: str, purpose: Purpose) -> str | Missing:
    if purpose.legal_basis is None:
        return Missing(f"purposes.{key}.legal_basis")
    text = _LEGAL_BASES[purpose.legal_basis]
    if purpose.legal_basis is LegalBasis.legitimate_interest:
        text += f": {purpose.legitimate_interest}" if purpose.legitimate_interest else \
            f"; {Missing(f'purposes.{key}.legitimate_interest')}"
    if purpose.special_category_condition is not None:
        condition = purpose.special_category_condition.value.replace("_", " ")
        text += f"; special categories: {condition} (Art. 9(2))"
    return text


def _purposes_text(manifest: Manifest, purpose: Purpose) -> str:
    use = manifest.taxonomy_index.name("data_use", purpose.data_use)
    described = f"{purpose.name}: {purpose.description}" if purpose.description else purpose.name
    return f"{described} [{use}]"


def _controller_activity(manifest: Manifest, key: str, purpose: Purpose) -> ControllerActivity:
    serving = _serving(manifest, key)
    return ControllerActivity(
        key=key,
        name=purpose.name,
        purposes=_purposes_text(manifest, purpose),
        legal_basis=_legal_basis(key, purpose),
        data_subjects=_terms(manifest, "data_subject", purpose.data_subjects,
                             f"purposes.{key}.data_subjects"),
        data_categories=_terms(manifest, "data_category", purpose.data_categories,
                               f"purposes.{key}.data_categories"),
        recipients=tuple(_recipient(manifest, k, p) for k, p in serving),
        transfers=_transfers(manifest, serving),
        time_limits=_time_limits(manifest, key, purpose),
        security_measures=_security(manifest),
    )


def _processor_activity(manifest: Manifest, key: str, purpose: Purpose) -> ProcessorActivity:
    serving = _serving(manifest, key)
    return ProcessorActivity(
        key=key,
        name=purpose.name,
        processing=_purposes_text(manifest, purpose),
        data_subjects=_terms(manifest, "data_subject", purpose.data_subjects,
                             f"purposes.{key}.data_subjects"),
        data_categories=_terms(manifest, "data_category", purpose.data_categories,
                               f"purposes.{key}.data_categories"),
        subprocessors=tuple(_recipient(manifest, k, p) for k, p in serving),
        transfers=_transfers(manifest, serving),
        security_measures=_security(manifest),
    )


# ---------------------------------------------------------------------------- columns

Value = str | Missing | NotApplicable | Party | Sequence[object]


@dataclass(frozen=True)
class Column:
    """A column of the tabular exports, named after its Art. 30 item."""

    heading: str
    empty: str = "none"
    """What an empty list means (e.g. no recipient at all)."""


CONTROLLER_COLUMNS = (
    Column("Processing activity"),
    Column("Controller (Art. 30(1)(a))"),
    Column("Joint controllers (Art. 30(1)(a))"),
    Column("Representative (Art. 30(1)(a))"),
    Column("Data protection officer (Art. 30(1)(a))"),
    Column("Purposes of the processing (Art. 30(1)(b))"),
    Column("Legal basis (Art. 6)"),
    Column("Categories of data subjects (Art. 30(1)(c))"),
    Column("Categories of personal data (Art. 30(1)(c))"),
    Column("Categories of recipients (Art. 30(1)(d))", "none declared"),
    Column("Transfers to third countries and safeguards (Art. 30(1)(e))",
           "none: no recipient outside the EEA"),
    Column("Time limits for erasure (Art. 30(1)(f))"),
    Column("Technical and organisational security measures (Art. 30(1)(g))"),
)
PROCESSOR_COLUMNS = (
    Column("Processing activity"),
    Column("Processor (Art. 30(2)(a))"),
    Column("Controllers on whose behalf the processor acts (Art. 30(2)(a))"),
    Column("Representative (Art. 30(2)(a))"),
    Column("Data protection officer (Art. 30(2)(a))"),
    Column("Categories of processing (Art. 30(2)(b))"),
    Column("Categories of data subjects"),
    Column("Categories of personal data"),
    Column("Sub-processors", "none declared"),
    Column("Transfers to third countries and safeguards (Art. 30(2)(c))",
           "none: no sub-processor outside the EEA"),
    Column("Technical and organisational security measures (Art. 30(2)(d))"),
)


def columns(record: Record) -> tuple[Column, ...]:
    return CONTROLLER_COLUMNS if isinstance(record, ControllerRecord) else PROCESSOR_COLUMNS


def _representatives(record: Record) -> list[object]:
    return [r for r in (record.eu_representative, record.uk_representative)
            if not isinstance(r, NotApplicable)] or [record.eu_representative]


def rows(record: Record) -> list[list[Value]]:
    """One row of values per processing activity, in the order of ``columns(record)``."""
    if isinstance(record, ControllerRecord):
        return [[a.name, record.controller, record.joint_controllers, _representatives(record),
                 record.dpo, a.purposes, a.legal_basis, a.data_subjects, a.data_categories,
                 a.recipients, a.transfers, a.time_limits, a.security_measures]
                for a in record.activities]
    if isinstance(record.activities, Missing):
        return [[str(record.activities), record.processor, record.controllers,
                 _representatives(record), record.dpo, record.activities, record.activities,
                 record.activities, (), (), record.activities]]
    return [[a.name, record.processor, record.controllers, _representatives(record),
             record.dpo, a.processing, a.data_subjects, a.data_categories, a.subprocessors,
             a.transfers, a.security_measures]
            for a in record.activities]


def cell(value: Value, column: Column, *, separator: str = "\n") -> str:
    """A value as the text of one spreadsheet cell; list items on their own lines."""
    if isinstance(value, str | Missing | NotApplicable | Party):
        return str(value)
    items = [str(v) for v in value]
    return separator.join(items) if items else column.empty


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """``text`` that a spreadsheet shows rather than runs: one starting like a formula
    (``=HYPERLINK(...)``, ``+``, ``-``, ``@``) gets a leading single quote."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def table(record: Record) -> tuple[list[str], list[list[str]]]:
    """Headings and text rows: what CSV and XLSX hold, formulas made inert."""
    heads = columns(record)
    return ([c.heading for c in heads],
            [[inert(cell(v, c)) for v, c in zip(row, heads, strict=True)]
             for row in rows(record)])


def title(record: Record) -> str:
    if isinstance(record, ControllerRecord):
        return f"Record of processing activities (Art. 30(1) GDPR): {record.organization}"
    return f"Record of processing activities as processor (Art. 30(2) GDPR): " \
        f"{record.organization}"


def missing_items(record: Record) -> list[Missing]:
    """Every mandatory item the manifest does not declare, once each."""
    found: dict[str, Missing] = {}

    def visit(value: object) -> None:
        if isinstance(value, Missing):
            found.setdefault(value.path, value)
        elif isinstance(value, TransferOut):
            visit(value.safeguard)
        elif isinstance(value, str):
            if NOT_DECLARED in value:  # a Missing folded into a longer text
                path = value.split(NOT_DECLARED, 1)[1].split(";")[0].strip()
                found.setdefault(path, Missing(path))
        elif isinstance(value, Iterable) and not isinstance(value, Party):
            for item in value:
                visit(item)

    for row in rows(record):
        visit(row)
    return list(found.values())


# ---------------------------------------------------------------------------- exporters


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("privet.documents", "templates"),
        autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True)
    environment.tests["missing"] = lambda value: isinstance(value, Missing)
    environment.tests["not_applicable"] = lambda value: isinstance(value, NotApplicable)
    environment.tests["party"] = lambda value: isinstance(value, Party)
    environment.tests["text"] = lambda value: isinstance(value, str)
    return environment


def record_html(record: Record) -> str:
    """The record as a standalone HTML page (template ``documents/templates/record.html``)."""
    template = _environment().get_template("record.html")
    return template.render(record=record, title=title(record),
                           is_controller=isinstance(record, ControllerRecord),
                           columns=columns(record), rows=rows(record),
                           missing=missing_items(record), not_declared=NOT_DECLARED)


def record_csv(record: Record) -> str:
    """The record as CSV: a heading row, then one row per processing activity."""
    headings, text_rows = table(record)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows(text_rows)
    return buffer.getvalue()


_SHEET_TITLES = {RecordRole.controller: "Controller record",
                 RecordRole.processor: "Processor record"}


def write_record_xlsx(records: Sequence[Record], path: Path) -> None:
    """Write an Excel workbook with one sheet per record (per role): a bold heading row,
    one row per processing activity, set column widths and wrapped text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for record in records:
        sheet = workbook.create_sheet(_SHEET_TITLES[record.role])
        headings, text_rows = table(record)
        sheet.append(headings)
        for row in text_rows:
            sheet.append(row)
        for cell_ in sheet[1]:
            cell_.font = Font(bold=True)
        wrap = Alignment(wrap_text=True, vertical="top")
        for line in sheet.iter_rows(min_row=1):
            for cell_ in line:
                cell_.alignment = wrap
        for index, heading in enumerate(headings, start=1):
            longest = max([len(heading), *(max((len(part) for part in row[index - 1]
                                                .split("\n")), default=0)
                                           for row in text_rows)])
            sheet.column_dimensions[get_column_letter(index)].width = min(max(longest, 12),
                                                                          60) + 2
        sheet.freeze_panes = "B2"
    workbook.properties.title = title(records[0]) if records else "Record of processing"
    try:
        workbook.save(path)
    except OSError as exc:
        raise RecordError(f"cannot write {path}: {exc.strerror or exc}",
                          hint="choose a file in a folder that exists and that you can "
                          "write to") from exc
