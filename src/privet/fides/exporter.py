"""Export a manifest as Fides resources (``privet export fides``), so a team can compare
with Fides or go back to it.

What maps (docs/migrating-from-fides.md, "Export"):

- each datastore is a Fides dataset (``fides_key`` = the datastore key), its tables the
  collections, its declared fields the fields with their ``data_categories`` and a
  ``fides_meta`` holding the identity, the references (with their direction) and the
  erasure strategy as ``masking_strategy_override`` (``keep`` as ``read_only``); a table
  erased by deleting rows gets the collection-level ``masking_strategy_override: delete``;
- each purpose is a Fides system with one privacy declaration (data use, categories,
  subjects, legal basis, special-category basis, retention, the processors it shares data
  with as third parties and egress);
- each processor is a Fides system of type ``Third Party``;
- the organization is a Fides organization; the promises that say "these categories never
  for these uses" (``never_use``, ``never_collect``) are rules of a Fides policy.

What Fides has no place for (legal holds, retention rules, cookies, datastore URLs...) is
listed by ``not_exported``, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from privet.fides.vocabulary import IDENTITY_TYPES, LEGAL_BASIS, SPECIAL_CATEGORY_BASIS
from privet.kit.errors import PrivetError
from privet.kit.files import write_files
from privet.manifest.schema import (
    ConsentSettings,
    Contact,
    DataField,
    FieldErasureStrategy,
    Manifest,
    ProcessorRole,
    Purpose,
    Reference,
    ReferenceDirection,
    Role,
    Table,
    TableErasure,
    TransferMechanism,
)

ORGANIZATION_KEY = "default_organization"
"""Fides resources all belong to an organization; Fides names the default one so."""
PROMISES_POLICY_KEY = "privet_promises"
THIRD_PARTY_SYSTEM_TYPE = "Third Party"
PURPOSE_SYSTEM_TYPE = "Application"

TRANSFER_BASIS: dict[TransferMechanism, str] = {
    TransferMechanism.adequacy: "Adequacy Decision",
    # The EU-US Data Privacy Framework is an adequacy decision (Art. 45).
    TransferMechanism.dpf: "Adequacy Decision",
    TransferMechanism.scc: "SCCs",
    TransferMechanism.bcr: "BCRs",
    TransferMechanism.derogation: "Other",
}
"""Privet's transfer mechanisms and fideslang's ``legal_basis_for_transfers`` values."""

FIELD_MASKING: dict[FieldErasureStrategy, str] = {
    FieldErasureStrategy.nullify: "null_rewrite",
    FieldErasureStrategy.fixed: "string_rewrite",
    FieldErasureStrategy.hash: "hash",
    FieldErasureStrategy.random: "random_string_rewrite",
}
"""Privet's field erasure strategies and the Fides masking strategies that do the same
(``keep`` is Fides's ``read_only``)."""

class FidesExportError(PrivetError):
    """The manifest cannot be written as Fides resources, or not where asked."""


@dataclass(frozen=True)
class NotExported:
    """A fact of the manifest Fides has no place for."""

    where: str
    """Path in the manifest, e.g. ``datastores.app.tables.invoices.legal_holds.tax_records``."""
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass
class FidesExport:
    """The Fides YAML files (name → text) and what could not be carried over."""

    files: dict[str, str]
    not_exported: list[NotExported] = field(default_factory=list)


def export_fides(manifest: Manifest) -> dict[str, str]:
    """The manifest as Fides YAML: file name → text (``datasets.yml``, ``systems.yml``,
    ``organization.yml``, ``policies.yml``, and ``data_categories.yml``, ``data_uses.yml``,
    ``data_subjects.yml`` for the keys the manifest adds to the taxonomy; a file only where
    the manifest has the facts)."""
    return build_fides_export(manifest).files


def not_exported(manifest: Manifest) -> list[NotExported]:
    """What the manifest says that Fides resources cannot hold."""
    return build_fides_export(manifest).not_exported


def render_not_exported(gaps: list[NotExported]) -> str:
    """The "not exported" report, as the CLI prints it."""
    if not gaps:
        return "everything was exported\n"
    count = len(gaps)
    lines = [f"{count} thing{'s' if count != 1 else ''} not exported (Fides has no place "
             "for them):"]
    lines.extend(f"  {gap}" for gap in gaps)
    return "\n".join(lines) + "\n"


def write_fides(manifest: Manifest, out: Path) -> list[Path]:
    """Write the Fides YAML files into ``out`` (created if needed); the paths written.

    Everything is built and validated first: a manifest that cannot be exported, or an
    ``out`` that is not a folder, writes nothing.
    """
    return write_export(build_fides_export(manifest), out)


def write_export(export: FidesExport, out: Path) -> list[Path]:
    """Write the files of an export already built into ``out`` (see :func:`write_fides`)."""
    return write_files(out, export.files, error=FidesExportError)


def build_fides_export(manifest: Manifest) -> FidesExport:
    """Every Fides resource the manifest yields, validated with fideslang's models."""
    gaps: list[NotExported] = []
    resources: dict[str, tuple[str, list[dict[str, Any]]]] = {
        "datasets.yml": ("dataset", _datasets(manifest, gaps)),
        "systems.yml": ("system", _systems(manifest, gaps)),
        "organization.yml": ("organization", [_organization(manifest, gaps)]),
        "policies.yml": ("policy", _policies(manifest, gaps)),
    }
    resources.update(_taxonomy(manifest))
    _unmapped_sections(manifest, gaps)
    files: dict[str, str] = {}
    for name, (kind, items) in resources.items():
        if not items:
            continue
        _validate(kind, items)
        files[name] = yaml.dump({kind: items}, Dumper=_Dumper, sort_keys=False,
                                allow_unicode=True, width=100)
    return FidesExport(files, gaps)


# ---------------------------------------------------------------------------- datasets


def _datasets(manifest: Manifest, gaps: list[NotExported]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for key, store in manifest.datastores.items():
        where = f"datastores.{key}"
        dataset: dict[str, Any] = {"fides_key": key}
        _put(dataset, "name", store.name)
        _put(dataset, "description", store.description)
        dataset["collections"] = [
            _collection(manifest, key, name, table, f"{where}.tables.{name}", gaps)
            for name, table in store.tables.items()
        ]
        result.append(dataset)
        gaps.append(NotExported(f"{where}.url", "a Fides dataset does not hold its "
                                "connection: configure it as a Fides connection"))
        gaps.append(NotExported(f"{where}.location", "a Fides dataset has no hosting country"))
        if store.hosted_by is not None:
            gaps.append(NotExported(f"{where}.hosted_by", "a Fides dataset names no host; "
                                    "the processor is exported as a system"))
        if store.backup_retention is not None:
            gaps.append(NotExported(f"{where}.backup_retention",
                                    "Fides keeps no erasure ledger for backups"))
    return result


def _collection(manifest: Manifest, datastore: str, name: str, table: Table, where: str,
                gaps: list[NotExported]) -> dict[str, Any]:
    collection: dict[str, Any] = {"name": name}
    _put(collection, "description", table.description)
    _put(collection, "data_subjects", list(table.data_subjects))
    references: dict[str, list[dict[str, Any]]] = {}
    for index, reference in enumerate(table.references):
        ref_where = f"{where}.references[{index}]"
        references.setdefault(reference.field, []).append(
            _reference(manifest, datastore, reference))
        if reference.description:
            gaps.append(NotExported(f"{ref_where}.description",
                                    "a Fides reference has no description"))
    fields: list[dict[str, Any]] = []
    for column, data_field in table.fields.items():
        fields.append(_field(column, data_field, references.pop(column, []),
                             f"{where}.fields.{column}", gaps))
    # A reference on a column the manifest does not list: Fides needs the field to carry it.
    for column, refs in references.items():
        fields.append({"name": column, "fides_meta": {"references": refs}})
    collection["fields"] = fields
    if table.erasure is TableErasure.delete_row:
        collection["fides_meta"] = {"masking_strategy_override": {"strategy": "delete"}}
    if not table.propagate:
        gaps.append(NotExported(f"{where}.propagate", "Fides always follows the foreign keys "
                                "it is told about; declare fewer references instead"))
    for hold in table.legal_holds:
        gaps.append(NotExported(f"{where}.legal_holds.{hold}",
                                "Fides has no legal holds: its erasure would not keep these rows"))
    if table.on_behalf_of is not None:
        gaps.append(NotExported(f"{where}.on_behalf_of", "Fides has no processor mode"))
    return collection


def _reference(manifest: Manifest, datastore: str, reference: Reference) -> dict[str, Any]:
    target_store, target_table, target_column = manifest.reference_target(datastore, reference)
    result: dict[str, Any] = {"dataset": target_store, "field": f"{target_table}.{target_column}"}
    # Fides: no direction means the link is followed both ways.
    if reference.direction is not ReferenceDirection.both:
        result["direction"] = reference.direction.value
    return result


def _field(column: str, data_field: DataField, references: list[dict[str, Any]], where: str,
           gaps: list[NotExported]) -> dict[str, Any]:
    result: dict[str, Any] = {"name": column}
    _put(result, "description", data_field.description)
    _put(result, "data_categories", list(data_field.categories))
    meta: dict[str, Any] = {}
    if data_field.identity is not None:
        meta["identity"] = IDENTITY_TYPES.get(data_field.identity, data_field.identity)
    _put(meta, "references", references)
    erasure = data_field.erasure
    if erasure is not None:
        if erasure.strategy is FieldErasureStrategy.keep:
            meta["read_only"] = True
        else:
            override: dict[str, Any] = {"strategy": FIELD_MASKING[erasure.strategy]}
            if erasure.strategy is FieldErasureStrategy.fixed:
                override["configuration"] = {"rewrite_value": erasure.value}
            meta["masking_strategy_override"] = override
    _put(result, "fides_meta", meta)
    for name in ("on_restriction", "on_objection"):
        if getattr(data_field, name) is not None:
            gaps.append(NotExported(f"{where}.{name}",
                                    "Fides has no restriction or objection requests"))
    return result


# ---------------------------------------------------------------------------- systems


def _systems(manifest: Manifest, gaps: list[NotExported]) -> list[dict[str, Any]]:
    systems = [_purpose_system(manifest, key, purpose, gaps)
               for key, purpose in manifest.purposes.items()]
    systems.extend(_processor_system(manifest, key, gaps) for key in manifest.processors)
    return systems


def _purpose_system(manifest: Manifest, key: str, purpose: Purpose,
                    gaps: list[NotExported]) -> dict[str, Any]:
    where = f"purposes.{key}"
    recipients = {k: p for k, p in manifest.processors.items() if key in p.purposes}
    declaration: dict[str, Any] = {
        "name": purpose.name,
        "data_use": purpose.data_use,
        "data_categories": list(purpose.data_categories),
        "data_subjects": list(purpose.data_subjects),
    }
    if purpose.legal_basis is not None:
        declaration["legal_basis_for_processing"] = LEGAL_BASIS[purpose.legal_basis]
    if purpose.special_category_condition is not None:
        declaration["processes_special_category_data"] = True
        declaration["special_category_legal_basis"] = SPECIAL_CATEGORY_BASIS[
            purpose.special_category_condition]
    if purpose.retention is not None:
        declaration["retention_period"] = str(purpose.retention)
    if recipients:
        declaration["data_shared_with_third_parties"] = True
        declaration["third_parties"] = ", ".join(p.name for p in recipients.values())
        declaration["shared_categories"] = sorted(
            {c for p in recipients.values() for c in p.data_categories})
        declaration["egress"] = list(recipients)
    system: dict[str, Any] = {"fides_key": key, "name": purpose.name}
    _put(system, "description", purpose.description)
    system["system_type"] = PURPOSE_SYSTEM_TYPE
    # Fides's `responsibility` is the organization's role for the system's data: a
    # processor for what it does on its customers' behalf, else what the organization is.
    processor = purpose.on_behalf_of_customers or manifest.organization.role is Role.processor
    system["responsibility"] = ["Processor" if processor else "Controller"]
    if recipients:
        system["egress"] = [
            {"fides_key": k, "type": "system", **_some("data_categories", p.data_categories)}
            for k, p in recipients.items()
        ]
    system["privacy_declarations"] = [declaration]
    if purpose.legitimate_interest:
        gaps.append(NotExported(f"{where}.legitimate_interest", "a Fides declaration names "
                                "the basis, not the interest pursued"))
    if purpose.retention_note:
        gaps.append(NotExported(f"{where}.retention_note", "Fides keeps the retention "
                                "period only, not when it starts"))
    if purpose.consent_capture:
        gaps.append(NotExported(f"{where}.consent_capture", "a Fides declaration does not "
                                "say where consent is asked (Fides notices do)"))
    return system


def _processor_system(manifest: Manifest, key: str, gaps: list[NotExported]) -> dict[str, Any]:
    processor = manifest.processors[key]
    where = f"processors.{key}"
    declarations: list[dict[str, Any]] = []
    for purpose_key in processor.purposes:
        purpose = manifest.purposes.get(purpose_key)
        if purpose is None:
            continue  # a dangling name: `privet check` reports it
        declarations.append({
            "name": purpose.name,
            "data_use": purpose.data_use,
            "data_categories": list(processor.data_categories),
            "data_subjects": list(processor.data_subjects),
        })
    system: dict[str, Any] = {
        "fides_key": key,
        "name": processor.name,
        "description": processor.service,
        "system_type": THIRD_PARTY_SYSTEM_TYPE,
        "legal_name": processor.name,
    }
    if processor.role is ProcessorRole.joint_controller:
        system["joint_controller_info"] = manifest.organization.legal_name or \
            manifest.organization.name
    if processor.transfer is not None:
        system["does_international_transfers"] = True
        system["legal_basis_for_transfers"] = [TRANSFER_BASIS[processor.transfer.mechanism]]
    _put(system, "privacy_policy", processor.website)
    _put(system, "dpa_location", processor.dpa)
    system["privacy_declarations"] = declarations
    gaps.append(NotExported(f"{where}.country", "a Fides system has no country"))
    if processor.transfer is not None and (
        processor.transfer.mechanism is TransferMechanism.dpf
        or processor.transfer.scc_module is not None or processor.transfer.derogation
    ):
        gaps.append(NotExported(f"{where}.transfer", "Fides names the kind of mechanism "
                                "only (DPF as `Adequacy Decision`; no SCC module, no "
                                "derogation ground)"))
    if processor.role is not ProcessorRole.subprocessor:
        # A system's `responsibility` is the organization's role, not the recipient's.
        gaps.append(NotExported(f"{where}.role", "a Fides system does not say whether a "
                                "recipient is a processor or a controller (a joint "
                                "controller is named in `joint_controller_info`)"))
    return system


# ---------------------------------------------------------------------------- organization


def _contact(contact: Contact, address: str | None = None) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in (("name", contact.name), ("address", contact.address or address),
                        ("email", contact.email), ("phone", contact.phone)):
        _put(result, name, value)
    return result


def _organization(manifest: Manifest, gaps: list[NotExported]) -> dict[str, Any]:
    org = manifest.organization
    result: dict[str, Any] = {"fides_key": ORGANIZATION_KEY, "name": org.name}
    # The controller's contact: the privacy contact, at the registered address.
    result["controller"] = _contact(org.contact.model_copy(update={"address": None}),
                                    org.address)
    if org.dpo is not None:
        result["data_protection_officer"] = _contact(org.dpo)
    if org.eu_representative is not None:
        result["representative"] = _contact(org.eu_representative)
    if org.contact.address and org.contact.address != org.address:
        gaps.append(NotExported("organization.contact.address", "Fides has one controller "
                                "address: the registered address is exported"))
    for name in ("legal_name", "website", "uk_representative", "supervisory_authority"):
        if getattr(org, name) is not None:
            gaps.append(NotExported(f"organization.{name}", "a Fides organization has no "
                                    "such field"))
    gaps.append(NotExported("organization.country", "a Fides organization has no country"))
    gaps.append(NotExported("organization.jurisdictions",
                            "Fides sets jurisdictions in its privacy experiences, not here"))
    for name in ("response_deadline", "extension_limit"):
        gaps.append(NotExported(f"organization.{name}", "Fides sets request deadlines in "
                                "its privacy center configuration"))
    titles = {purpose.on_behalf_of_customers or org.role is Role.processor
              for purpose in manifest.purposes.values()}
    carried = {frozenset({False}): Role.controller, frozenset({True}): Role.processor,
               frozenset({False, True}): Role.both}.get(frozenset(titles))
    if carried is not org.role:
        gaps.append(NotExported("organization.role", "Fides says it only through each "
                                "system's `responsibility`, which the purposes do not make "
                                f"`{org.role.value}`"))
    return result


# ---------------------------------------------------------------------------- policies


def _policies(manifest: Manifest, gaps: list[NotExported]) -> list[dict[str, Any]]:
    promises = manifest.promises
    rules: list[dict[str, Any]] = []
    # NONE of nothing: matches every declaration.
    every: dict[str, Any] = {"matches": "NONE", "values": []}
    for never_use in promises.never_use:
        rules.append({
            "name": never_use.statement or f"never use {', '.join(never_use.categories)} for "
                                           f"{', '.join(never_use.uses)}",
            "data_categories": _any(never_use.categories),
            "data_uses": _any(never_use.uses),
            "data_subjects": every,
        })
    for never_collect in promises.never_collect:
        rules.append({
            "name": never_collect.statement or f"never collect "
                                               f"{', '.join(never_collect.categories)}",
            "data_categories": _any(never_collect.categories),
            "data_uses": every,
            "data_subjects": _any(never_collect.subjects) if never_collect.subjects else every,
        })
    for index, _ in enumerate(promises.never_store):
        gaps.append(NotExported(f"promises.never_store[{index}]", "Fides policies speak of "
                                "categories, not of kinds of values found by a scan"))
    for index, _ in enumerate(promises.data_residency):
        gaps.append(NotExported(f"promises.data_residency[{index}]",
                                "Fides policies have no locations"))
    if not rules:
        return []
    return [{
        "fides_key": PROMISES_POLICY_KEY,
        "name": f"{manifest.organization.name} privacy promises",
        "description": "Categories never collected, and never used for some data uses: a "
                       "declaration matching a rule violates the policy.",
        "rules": rules,
    }]


def _any(values: list[str]) -> dict[str, Any]:
    return {"matches": "ANY", "values": list(values)}


# ---------------------------------------------------------------------------- taxonomy


def _taxonomy(manifest: Manifest) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """The keys the manifest adds to fideslang's vocabulary, as Fides taxonomy resources."""
    sections = (("data_categories.yml", "data_category", manifest.taxonomy.data_categories),
                ("data_uses.yml", "data_use", manifest.taxonomy.data_uses),
                ("data_subjects.yml", "data_subject", manifest.taxonomy.data_subjects))
    result: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for name, kind, entries in sections:
        items: list[dict[str, Any]] = []
        for entry in entries:
            item: dict[str, Any] = {"fides_key": entry.key, "name": entry.name}
            _put(item, "description", entry.description or None)
            if kind != "data_subject" and "." in entry.key:
                item["parent_key"] = entry.key.rsplit(".", 1)[0]
            items.append(item)
        result[name] = (kind, items)
    return result


# ---------------------------------------------------------------------------- the rest


class _Dumper(yaml.SafeDumper):
    """Writes a value shared by two places twice, never as an anchor and alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _unmapped_sections(manifest: Manifest, gaps: list[NotExported]) -> None:
    sections: list[tuple[str, int, str]] = [
        ("retention", len(manifest.retention),
         "Fides does not run retention rules (only a declaration's period is exported)"),
        ("cookies", len(manifest.cookies), "Fides keeps cookies in its own consent "
         "configuration, not in these resources"),
        ("security_measures", len(manifest.security_measures),
         "Fides has one free-text field per system"),
        ("automated_decisions", len(manifest.automated_decisions),
         "Fides records profiling per system, without the logic and consequences"),
    ]
    for name, count, reason in sections:
        if count:
            gaps.append(NotExported(name, f"{count} entr{'ies' if count != 1 else 'y'}: "
                                    f"{reason}"))
    if manifest.consent != ConsentSettings():
        gaps.append(NotExported("consent", "Fides configures its banner in its privacy "
                                "experiences"))
    if manifest.customers is not None:
        gaps.append(NotExported("customers", "Fides has no processor mode"))
    gaps.append(NotExported("policy", "Fides does not version the published policy"))


def _validate(kind: str, items: list[dict[str, Any]]) -> None:
    """Hold each resource against fideslang's model: what we write, Fides must read."""
    from fideslang.models import (
        DataCategory,
        Dataset,
        DataSubject,
        DataUse,
        Organization,
        Policy,
        System,
    )

    models: dict[str, type[BaseModel]] = {
        "dataset": Dataset, "system": System, "organization": Organization, "policy": Policy,
        "data_category": DataCategory, "data_use": DataUse, "data_subject": DataSubject,
    }
    for item in items:
        try:
            models[kind].model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            place = ".".join(str(p) for p in first["loc"])
            raise FidesExportError(
                f"the Fides {kind} `{item.get('fides_key')}` would not be valid: {place}: "
                f"{first['msg']}",
                hint="run `privet check`; if the manifest is clean, this is a Privet bug",
            ) from None


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set only what has a value, so the YAML says what the manifest says."""
    if value is not None and value != [] and value != {}:
        target[key] = value


def _some(key: str, value: list[str]) -> dict[str, Any]:
    return {key: list(value)} if value else {}
