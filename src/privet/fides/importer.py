"""Fides resources → a Privet manifest, with a report of what does not carry over.

``import_fides`` translates documents read by ``privet.fides.reader`` into manifest sections
(plain data, one YAML file per section as in the demo) and an ``ImportReport``; nothing is
written until the result loads as a manifest (``write_manifest``). The mapping, field by
field, is in docs/migrating-from-fides.md.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
import yaml

from privet.fides.reader import FidesDocument, FidesResource, is_dsr_policy
from privet.fides.report import ImportReport
from privet.fides.vocabulary import FIDES_IDENTITY_TYPES, LEGAL_BASES, SPECIAL_CATEGORY_CONDITIONS
from privet.kit.durations import Duration, DurationError
from privet.kit.errors import PrivetError
from privet.kit.files import write_files
from privet.manifest.diagnostics import ManifestError
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest
from privet.manifest.source import Location
from privet.manifest.taxonomy import Taxonomy, TaxonomyKind, covers, is_personal

MANIFEST_FILES = ("organization.yaml", "taxonomy.yaml", "purposes.yaml", "promises.yaml",
                  "datastores.yaml")

_KEY = re.compile(r"^[a-z][a-z0-9_]*$")

_TAXONOMY_SECTIONS = {"data_category": "data_categories", "data_use": "data_uses",
                      "data_subject": "data_subjects"}
"""Where a company's own taxonomy keys of each kind go in the manifest."""


class FidesImportError(PrivetError):
    """The Fides files cannot be turned into a manifest as given."""


@dataclass(frozen=True)
class ImportOptions:
    """What the Fides files do not say and the manifest needs."""

    datastore_urls: dict[str, str] = field(default_factory=dict)
    """Dataset fides_key → SQLAlchemy URL; the key ``""`` applies to the only dataset.
    Without one, the URL is the placeholder ``${<DATASTORE>_URL}``, read when connecting."""
    country: str | None = None
    """The organization's country, when its controller address does not end with one."""
    location: str | None = None
    """Where the datastores are hosted (default: the organization's country)."""
    erasure_policy: str | None = None
    """The key of the privacy request policy whose erasure rules become field strategies,
    when the files hold several."""
    today: date | None = None


@dataclass
class ImportResult:
    """The manifest, as sections per file, and what was not carried over."""

    sections: dict[str, dict[str, Any]]
    report: ImportReport

    def files(self) -> dict[str, str]:
        """File name → YAML text."""
        return {name: _dump(data) for name, data in self.sections.items() if data}


def _dump(data: dict[str, Any]) -> str:
    text: str = yaml.safe_dump(data, sort_keys=False, allow_unicode=True,
                               default_flow_style=False, width=100)
    return "# Imported from Fides by `privet import fides`; see the import report.\n" + text


def slug(text: str) -> str:
    """A manifest key (lower case letters, digits, underscores) for a Fides key or name."""
    cleaned = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not cleaned:
        return "imported"
    return cleaned if cleaned[0].isalpha() else f"k_{cleaned}"


def country_of(address: str | None) -> str | None:
    """The ISO alpha-2 code of the country an address ends with (`..., USA` → `US`)."""
    if not address:
        return None
    last = address.rsplit(",", 1)[-1].strip().rstrip(".")
    if not last:
        return None
    try:
        found = pycountry.countries.lookup(last)
    except LookupError:
        return None
    return str(found.alpha_2)


@dataclass(frozen=True)
class _Target:
    category: str
    strategy: dict[str, Any]
    policy: str
    location: Location


def import_fides(documents: Iterable[FidesDocument], options: ImportOptions | None = None
                 ) -> ImportResult:
    """Translate the Fides resources into manifest sections and a report."""
    return _Importer(list(documents), options or ImportOptions()).run()


class _Importer:
    def __init__(self, documents: list[FidesDocument], options: ImportOptions) -> None:
        self.documents = documents
        self.options = options
        self.report = ImportReport()
        self.resources = [r for d in documents for r in d.resources()]
        self.taxonomy = Taxonomy.build()
        self.custom: dict[TaxonomyKind, dict[str, dict[str, str]]] = {
            "data_category": {}, "data_use": {}, "data_subject": {}}
        self.field_overrides: dict[tuple[str, str, str], tuple[dict[str, Any], Location]] = {}
        self.read_only: set[tuple[str, str, str]] = set()

    def of_kind(self, kind: str) -> list[FidesResource]:
        return [r for r in self.resources if r.kind == kind]

    def unmapped(self, resource: FidesResource, data: dict[str, Any], handled: set[str],
                 where: tuple[str | int, ...], what: str,
                 why: str | dict[str, str] | None = None) -> None:
        """Report every key of ``data`` with a value that nothing maps."""
        for key, value in data.items():
            if key in handled or value in (None, [], {}, "", False):
                continue
            reason = why.get(key) if isinstance(why, dict) else why
            self.report.add(resource.locate(*where, key), f"{what} `{key}`",
                            reason or "the manifest has no place for it")

    # ------------------------------------------------------------------------ the whole

    def run(self) -> ImportResult:
        for document in self.documents:
            for kind in document.data:
                if kind not in {"dataset", "system", "organization", "policy", "data_category",
                                "data_use", "data_subject"}:
                    self.report.add(document.locate((kind,)), f"`{kind}` resources",
                                    "Privet imports datasets, systems, organizations, "
                                    "policies and taxonomy keys")
        self.custom_taxonomy()
        organization, policy_meta = self.organization()
        purposes = self.purposes()
        promises = self.promises()
        datastores = self.datastores(organization["country"])
        self.apply_erasure_policy(datastores)
        self.unknown_taxonomy(purposes, promises, datastores)
        taxonomy = {_TAXONOMY_SECTIONS[kind]: [{"key": k, **v} for k, v in sorted(terms.items())]
                    for kind, terms in self.custom.items() if terms}
        sections: dict[str, dict[str, Any]] = {
            "organization.yaml": {"version": 1, "organization": organization,
                                  "policy": policy_meta},
            "taxonomy.yaml": {"taxonomy": taxonomy} if taxonomy else {},
            "purposes.yaml": {"purposes": purposes} if purposes else {},
            "promises.yaml": {"promises": promises} if promises else {},
            "datastores.yaml": {"datastores": datastores} if datastores else {},
        }
        return ImportResult(sections, self.report)

    # ------------------------------------------------------------------------ taxonomy

    def custom_taxonomy(self) -> None:
        for kind in ("data_category", "data_use", "data_subject"):
            for resource in self.of_kind(kind):
                key = resource.key
                if self.taxonomy.knows(kind, key):
                    continue
                entry = {"name": str(resource.data.get("name") or key)}
                if resource.data.get("description"):
                    entry["description"] = str(resource.data["description"])
                self.custom[kind][key] = entry
                self.unmapped(resource, resource.data,
                              {"fides_key", "name", "description", "parent_key",
                               "organization_fides_key", "is_default", "active", "version_added"},
                              (), kind)

    def unknown_taxonomy(self, purposes: dict[str, Any], promises: dict[str, Any],
                         datastores: dict[str, Any]) -> None:
        """Keys the files use without defining them: declared, so the manifest loads."""
        used: list[tuple[TaxonomyKind, str]] = []
        for purpose in purposes.values():
            used.append(("data_use", purpose["data_use"]))
            used.extend(("data_category", c) for c in purpose.get("data_categories", []))
            used.extend(("data_subject", s) for s in purpose.get("data_subjects", []))
        for promise in promises.get("never_use", []):
            used.extend(("data_category", c) for c in promise["categories"])
            used.extend(("data_use", u) for u in promise["uses"])
        for store in datastores.values():
            for table in store["tables"].values():
                used.extend(("data_subject", s) for s in table.get("data_subjects", []))
                for data_field in table.get("fields", {}).values():
                    used.extend(("data_category", c) for c in data_field.get("categories", []))
        for kind, key in used:
            if not self.taxonomy.knows(kind, key) and key not in self.custom[kind]:
                self.custom[kind][key] = {
                    "name": key, "description": "Used in the Fides files; not defined there."}

    # ------------------------------------------------------------------------ organization

    def organization(self) -> tuple[dict[str, Any], dict[str, Any]]:
        found = self.of_kind("organization")
        if not found:
            raise FidesImportError(
                "no Fides organization among the files: the manifest needs the controller's "
                "name, address and contact",
                hint="add the file with `organization:` (e.g. sample_organization.yml)")
        resource = found[0]
        for extra in found[1:]:
            self.report.add(extra.locate(), f"organization `{extra.key}`",
                            f"a manifest has one organization; `{resource.key}` was imported")
        data = resource.data
        controller = data.get("controller") or {}
        address = controller.get("address")
        if not address:
            raise FidesImportError(
                f"{resource.locate()}: organization `{resource.key}` has no controller "
                "address, which the manifest needs",
                hint="add `controller: {address: ...}` to the organization")
        country = self.options.country or country_of(address)
        if country is None:
            raise FidesImportError(
                f"{resource.locate('controller', 'address')}: the country of the "
                f"controller's address `{address}` cannot be told",
                hint="pass --country with an ISO code, e.g. --country US")
        contact = _contact(controller)
        if "email" not in contact:
            raise FidesImportError(
                f"{resource.locate('controller')}: the controller has no email, which the "
                "manifest needs as the privacy contact",
                hint="add `email:` to the organization's controller")
        organization: dict[str, Any] = {"name": str(data.get("name") or resource.key),
                                        "address": str(address), "country": country,
                                        "contact": contact}
        if data.get("data_protection_officer"):
            organization["dpo"] = _contact(data["data_protection_officer"])
        if data.get("representative"):
            organization["eu_representative"] = _contact(data["representative"])
            self.report.add(resource.locate("representative"), "organization `representative`",
                            "taken as the EU representative (Art. 27 GDPR); Fides does not say "
                            "which one: move it to `uk_representative` if it is the UK's")
        organization["role"] = self.role()
        self.unmapped(resource, data, {"fides_key", "name", "controller",
                                       "data_protection_officer", "representative"},
                      (), "organization")
        today = self.options.today or date.today()
        self.report.add(resource.locate(), "policy version and effective date",
                        "Fides has none: `policy.version` and `policy.effective_date` are set to "
                        "the import date; set those of your published policy")
        return organization, {"version": today.isoformat(), "effective_date": today.isoformat()}

    def role(self) -> str:
        titles = {str(t) for r in self.of_kind("system") for t in r.data.get("responsibility")
                  or []}
        processor = bool(titles & {"Processor", "Sub-Processor"})
        if processor and "Controller" in titles:
            return "both"
        return "processor" if processor else "controller"

    # ------------------------------------------------------------------------ purposes

    def purposes(self) -> dict[str, Any]:
        purposes: dict[str, Any] = {}
        systems = self.of_kind("system")
        for resource in systems:
            system = resource.data
            if str(system.get("system_type") or "").lower().replace("_", " ") == "third party":
                self.report.add(resource.locate(), f"third-party system `{resource.key}`",
                                "a recipient, not a purpose of the company: declare it under "
                                "`processors`, with the country it processes the data in")
                continue
            self.unmapped(resource, system, {"fides_key", "name", "description",
                                             "privacy_declarations", "responsibility",
                                             "organization_fides_key"},
                          (), f"system `{resource.key}`", _system_why)
            declarations = system.get("privacy_declarations") or []
            for index, declaration in enumerate(declarations):
                # one declaration: the purpose is the system (stable through an export)
                base = slug(resource.key) if len(declarations) == 1 else slug(
                    f"{resource.key}_{declaration.get('name') or declaration['data_use']}")
                key, number = base, 2
                while key in purposes:
                    key, number = f"{base}_{number}", number + 1
                purposes[key] = self.purpose(resource, index, declaration)
        return purposes

    def purpose(self, resource: FidesResource, index: int, declaration: dict[str, Any]
                ) -> dict[str, Any]:
        system = resource.data
        where = ("privacy_declarations", index)
        name = declaration.get("name") or f"{system.get('name') or resource.key}: " \
            f"{declaration['data_use']}"
        purpose: dict[str, Any] = {"name": str(name)}
        if system.get("description"):
            purpose["description"] = str(system["description"])
        purpose["data_use"] = declaration["data_use"]
        basis = declaration.get("legal_basis_for_processing")
        if basis:
            purpose["legal_basis"] = LEGAL_BASES[str(basis)]
            if purpose["legal_basis"] == "legitimate_interest":
                self.report.add(resource.locate(*where, "legal_basis_for_processing"),
                                "the legitimate interest pursued",
                                "Fides does not name it; write it under `legitimate_interest`")
        special = declaration.get("special_category_legal_basis")
        if special:
            purpose["special_category_condition"] = SPECIAL_CATEGORY_CONDITIONS[str(special)]
        if declaration.get("data_categories"):
            purpose["data_categories"] = list(declaration["data_categories"])
        if declaration.get("data_subjects"):
            purpose["data_subjects"] = list(declaration["data_subjects"])
        retention = declaration.get("retention_period")
        if retention:
            period = _duration(str(retention))
            if period is not None:
                purpose["retention"] = period
            else:
                purpose["retention_note"] = str(retention)
                self.report.add(resource.locate(*where, "retention_period"), "retention period",
                                f"`{retention}` is not a duration: kept as `retention_note`")
        self.unmapped(resource, declaration, {
            "name", "data_use", "legal_basis_for_processing", "special_category_legal_basis",
            "data_categories", "data_subjects", "retention_period",
            "processes_special_category_data"}, where, "privacy declaration", _declaration_why)
        return purpose

    # ------------------------------------------------------------------------ promises

    def promises(self) -> dict[str, Any]:
        never_use: list[dict[str, Any]] = []
        for resource in self.of_kind("policy"):
            if is_dsr_policy(resource.data):
                continue
            for index, rule in enumerate(resource.data.get("rules") or []):
                where = ("rules", index)
                categories = rule.get("data_categories") or {}
                uses = rule.get("data_uses") or {}
                subjects = rule.get("data_subjects") or {}
                if categories.get("matches") != "ANY" or uses.get("matches") != "ANY" or \
                        not categories.get("values") or not uses.get("values"):
                    self.report.add(resource.locate(*where), f"policy rule `{rule.get('name')}`",
                                    "only rules matching ANY of some categories and ANY of some "
                                    "uses become a promise (`never_use`)")
                    continue
                promise: dict[str, Any] = {"categories": list(categories["values"]),
                                           "uses": list(uses["values"])}
                statement = rule.get("description") or rule.get("name")
                if statement:
                    promise["statement"] = str(statement)
                never_use.append(promise)
                if subjects.get("values"):
                    self.report.add(resource.locate(*where, "data_subjects"),
                                    f"policy rule `{rule.get('name')}` data subjects",
                                    "a `never_use` promise holds for every data subject: the "
                                    "promise is broader than the rule")
        return {"never_use": never_use} if never_use else {}

    # ------------------------------------------------------------------------ datastores

    def datastores(self, country: str) -> dict[str, Any]:
        datasets = self.of_kind("dataset")
        keys = {r.key: slug(r.key) for r in datasets}
        stores: dict[str, Any] = {}
        for resource in datasets:
            key = keys[resource.key]
            if key in stores:
                raise FidesImportError(
                    f"{resource.locate('fides_key')}: datasets `{resource.key}` and another "
                    f"both become datastore `{key}`", hint="give the datasets distinct keys")
            stores[key] = self.datastore(resource, key, keys, country, len(datasets))
        unused = set(self.options.datastore_urls) - set(keys) - {""}
        if unused:
            raise FidesImportError(
                f"--datastore-url names dataset(s) {', '.join(sorted(unused))}, which the "
                "files do not hold", hint=f"datasets: {', '.join(sorted(keys)) or 'none'}")
        return stores

    def datastore(self, resource: FidesResource, key: str, keys: dict[str, str], country: str,
                  count: int) -> dict[str, Any]:
        data = resource.data
        if key != resource.key:
            self.report.add(resource.locate("fides_key"), f"dataset key `{resource.key}`",
                            f"manifest keys are lower case words: the datastore is `{key}`")
        urls = self.options.datastore_urls
        url = urls.get(resource.key) or (urls.get("") if count == 1 else None) \
            or f"${{{key.upper()}_URL}}"
        store: dict[str, Any] = {}
        if data.get("name"):
            store["name"] = str(data["name"])
        if data.get("description"):
            store["description"] = str(data["description"])
        store["url"] = url
        store["location"] = self.options.location or country
        meta = data.get("fides_meta") or {}
        namespace = meta.get("namespace") or {}
        schema = namespace.get("schema") if isinstance(namespace, dict) else None
        prefix = f"{schema}." if schema and schema != "public" else ""
        self.unmapped(resource, meta, {"namespace"} if schema else set(), ("fides_meta",),
                      "dataset fides_meta", _meta_why)
        if isinstance(namespace, dict):
            self.unmapped(resource, namespace, {"schema"}, ("fides_meta", "namespace"),
                          "dataset namespace")
        self.unmapped(resource, data, {"fides_key", "name", "description", "collections",
                                       "fides_meta", "organization_fides_key"},
                      (), "dataset", "categories, uses and subjects are declared per field "
                      "(categories) and per table (subjects) in the manifest")
        skipped = {c["name"] for c in data.get("collections") or []
                   if (c.get("fides_meta") or {}).get("skip_processing")}
        tables: dict[str, Any] = {}
        for index, collection in enumerate(data.get("collections") or []):
            where: tuple[str | int, ...] = ("collections", index)
            if collection["name"] in skipped:
                self.report.add(resource.locate(*where, "fides_meta", "skip_processing"),
                                f"collection `{collection['name']}` (skip_processing)",
                                "left out of the manifest, so requests do not act on it; "
                                "Privet still follows foreign keys the database declares into it")
                continue
            tables[prefix + collection["name"]] = self.table(
                resource, key, where, collection, prefix, keys, skipped)
        store["tables"] = tables
        return store

    def table(self, resource: FidesResource, store: str, where: tuple[str | int, ...],
              collection: dict[str, Any], prefix: str, keys: dict[str, str],
              skipped: set[str]) -> dict[str, Any]:
        name = prefix + collection["name"]
        table: dict[str, Any] = {}
        if collection.get("description"):
            table["description"] = str(collection["description"])
        if collection.get("data_subjects"):
            table["data_subjects"] = list(collection["data_subjects"])
        meta = collection.get("fides_meta") or {}
        override = meta.get("masking_strategy_override") or {}
        if override.get("strategy") == "delete":
            table["erasure"] = "delete_row"
        self.unmapped(resource, meta, {"masking_strategy_override", "skip_processing"},
                      (*where, "fides_meta"), f"collection `{collection['name']}`", _meta_why)
        self.unmapped(resource, collection, {"name", "description", "data_subjects", "fields",
                                             "fides_meta"},
                      where, f"collection `{collection['name']}`",
                      "the manifest declares categories on fields, not on tables")
        fields: dict[str, Any] = {}
        references: list[dict[str, Any]] = []
        for index, raw in enumerate(collection.get("fields") or []):
            at = (*where, "fields", index)
            column = raw["name"]
            fields[column] = self.data_field(resource, store, name, at, raw)
            for number, reference in enumerate((raw.get("fides_meta") or {}).get("references")
                                               or []):
                made = self.reference(resource, (*at, "fides_meta", "references", number),
                                      column, reference, keys, prefix, skipped)
                if made is not None:
                    references.append(made)
        table["fields"] = fields
        if references:
            table["references"] = references
        return table

    def data_field(self, resource: FidesResource, store: str, table: str,
                   at: tuple[str | int, ...], raw: dict[str, Any]) -> dict[str, Any]:
        column = raw["name"]
        result: dict[str, Any] = {}
        if raw.get("data_categories"):
            result["categories"] = list(raw["data_categories"])
        meta = raw.get("fides_meta") or {}
        identity = meta.get("identity")
        if identity:
            kind = FIDES_IDENTITY_TYPES.get(str(identity), str(identity))
            if not _KEY.match(kind):
                kind = slug(kind)
                self.report.add(resource.locate(*at, "fides_meta", "identity"),
                                f"identity type `{identity}`",
                                f"manifest identity types are lower case words: `{kind}`")
            result["identity"] = kind
        if raw.get("description"):
            result["description"] = str(raw["description"])
        place = (store, table, column)
        if meta.get("read_only"):
            self.read_only.add(place)
            result["erasure"] = "keep"
        if meta.get("masking_strategy_override"):
            self.field_overrides[place] = (meta["masking_strategy_override"],
                                           resource.locate(*at, "fides_meta",
                                                           "masking_strategy_override"))
        self.unmapped(resource, meta, {"identity", "read_only", "masking_strategy_override",
                                       "references"},
                      (*at, "fides_meta"), f"field `{table}.{column}`", _meta_why)
        self.unmapped(resource, raw, {"name", "data_categories", "fides_meta", "description"},
                      at, f"field `{table}.{column}`", _field_why)
        return result

    def reference(self, resource: FidesResource, at: tuple[str | int, ...], column: str,
                  reference: dict[str, Any], keys: dict[str, str], prefix: str,
                  skipped: set[str]) -> dict[str, Any] | None:
        dataset, target = str(reference["dataset"]), str(reference["field"])
        parts = target.split(".")
        if len(parts) != 2:
            self.report.add(resource.locate(*at), f"reference to `{dataset}.{target}`",
                            "it names a nested field; manifest references join two columns")
            return None
        if dataset not in keys:
            self.report.add(resource.locate(*at), f"reference to `{dataset}.{target}`",
                            f"dataset `{dataset}` is not among the imported files")
            return None
        if dataset == resource.key:
            if parts[0] in skipped:
                self.report.add(resource.locate(*at), f"reference to `{dataset}.{target}`",
                                f"collection `{parts[0]}` is skipped (skip_processing)")
                return None
            to = f"{prefix}{target}"
        else:
            to = f"{keys[dataset]}.{target}"
        direction = reference.get("direction") or "both"
        return {"field": column, "to": to, "direction": str(direction)}

    # ------------------------------------------------------------------------ erasure

    def erasure_targets(self) -> list[_Target] | None:
        policies = [r for r in self.of_kind("policy") if is_dsr_policy(r.data)]
        erasing = [r for r in policies
                   if any(rule.get("action_type") == "erasure" for rule in r.data.get("rules")
                          or [])]
        chosen_key = self.options.erasure_policy
        if chosen_key is not None:
            chosen = [r for r in erasing if r.key == chosen_key]
            if not chosen:
                raise FidesImportError(
                    f"no privacy request policy `{chosen_key}` with erasure rules in the files",
                    hint=f"policies with erasure rules: "
                    f"{', '.join(r.key for r in erasing) or 'none'}")
        elif len(erasing) > 1:
            raise FidesImportError(
                "several privacy request policies erase data; a manifest has one erasure",
                hint=f"choose one with --erasure-policy: {', '.join(r.key for r in erasing)}")
        else:
            chosen = erasing
        for resource in policies:
            for index, rule in enumerate(resource.data.get("rules") or []):
                action = rule.get("action_type")
                if action == "erasure" and resource in chosen:
                    continue
                why = {"access": "the access package holds every declared field of the "
                       "person's rows; rule targets are not needed",
                       "erasure": "another policy's erasure was imported (--erasure-policy)"
                       }.get(str(action), "Privet has no such rule")
                self.report.add(resource.locate("rules", index),
                                f"policy `{resource.key}` {action} rule `{rule.get('name')}`", why)
        if not chosen:
            return None
        targets: list[_Target] = []
        policy = chosen[0]
        for index, rule in enumerate(policy.data.get("rules") or []):
            if rule.get("action_type") != "erasure":
                continue
            for number, target in enumerate(rule.get("targets") or []):
                targets.append(_Target(target["data_category"], rule["masking_strategy"],
                                       policy.key,
                                       policy.locate("rules", index, "targets", number)))
        return targets

    def apply_erasure_policy(self, datastores: dict[str, Any]) -> None:
        """The chosen erasure policy's targets get its masking strategy; every other
        personal field is kept, as Fides leaves what no rule targets."""
        targets = self.erasure_targets()
        if targets is None:
            datasets = self.of_kind("dataset")
            if datasets:
                self.report.add(datasets[0].locate(), "erasure",
                                "no privacy request policy with erasure rules among the files: "
                                "Privet's default applies (a person's personal fields are "
                                "nullified); add your Fides erasure policy to follow it")
            # No rule says which fields to erase: a field's own override is how it is erased.
            for (store, table, column), (own, written) in self.field_overrides.items():
                if (store, table, column) not in self.read_only:
                    datastores[store]["tables"][table]["fields"][column]["erasure"] = \
                        self.masking(own, written, f"{table}.{column}")
            return
        for store_key, store in datastores.items():
            for table_name, table in store["tables"].items():
                for column, data_field in table["fields"].items():
                    place = (store_key, table_name, column)
                    if place in self.read_only:
                        continue
                    categories = data_field.get("categories", [])
                    matched = [t for t in targets
                               if any(covers(t.category, c) for c in categories)]
                    if not matched:
                        if data_field.get("identity") or any(is_personal(c) for c in categories):
                            data_field["erasure"] = "keep"
                        continue
                    override = self.field_overrides.get(place)
                    strategy, location = (override if override is not None
                                          else (matched[0].strategy, matched[0].location))
                    if override is None and len({repr(t.strategy) for t in matched}) > 1:
                        self.report.add(location, f"field `{table_name}.{column}`",
                                        "several erasure rules target it with different "
                                        "masking strategies; the first was used")
                    data_field["erasure"] = self.masking(strategy, location,
                                                         f"{table_name}.{column}")

    def masking(self, strategy: dict[str, Any], location: Location, where: str) -> Any:
        name = str(strategy.get("strategy"))
        configuration = strategy.get("configuration") or {}
        if name == "null_rewrite":
            return "nullify"
        if name == "string_rewrite":
            value = configuration.get("rewrite_value")
            if value is None:
                return "nullify"
            return {"strategy": "fixed", "value": value}
        if name in {"hash", "hmac"}:
            if configuration:
                self.report.add(location, f"`{name}` configuration for `{where}`",
                                "Privet hashes with HMAC-SHA256 keyed by the workspace secret "
                                "(PRIVET_SECRET_KEY); algorithm, salt and format are not kept")
            return "hash"
        if name == "random_string_rewrite":
            if configuration:
                self.report.add(location, f"`{name}` configuration for `{where}`",
                                "Privet writes `erased:` and 24 random hex digits, cut to the "
                                "column's length; length and format are not kept")
            return "random"
        self.report.add(location, f"masking strategy `{name}` for `{where}`",
                        "Privet has no equivalent: the field is nullified instead")
        return "nullify"


def _contact(details: dict[str, Any]) -> dict[str, str]:
    return {k: str(details[k]) for k in ("name", "email", "phone", "address") if details.get(k)}


def _duration(text: str) -> str | None:
    candidate = f"{text.strip()}d" if text.strip().isdigit() else text
    try:
        Duration.parse(candidate)
    except DurationError:
        return None
    return candidate.strip()


_system_why = {
    "egress": "data flows between systems have no place; recipients outside the company go "
              "under `processors`",
    "ingress": "data flows between systems have no place; recipients outside the company go "
               "under `processors`",
    "system_type": "the manifest describes purposes, not systems",
    "administrating_department": "the manifest describes purposes, not systems",
}
_declaration_why = ("purposes do not list datasets, flows, features or third parties; "
                    "declare recipients under `processors` (they need a country)")
_meta_why = {
    "primary_key": "Privet reads the primary key from the database",
    "data_type": "Privet reads column types from the database",
    "length": "Privet reads column lengths from the database (masked values are cut to fit)",
    "after": "Privet orders a request's queries itself, following the identity graph",
    "erase_after": "Privet orders erasures itself: updates first, then deletes, children "
                   "before parents",
}
_field_why = ("Privet declares columns flat, with categories only: nested fields, uses and "
              "subjects of a field have no place")


def write_manifest(result: ImportResult, out: Path, *, force: bool = False) -> list[Path]:
    """Write the manifest files into ``out`` (a ``privacy`` folder) once they load as a
    manifest; nothing is written when they do not, or when ``out`` already holds a manifest
    and ``force`` is false."""
    files = result.files()
    existing = sorted(p for p in out.glob("*") if p.suffix in {".yaml", ".yml"}) \
        if out.is_dir() else []
    if existing and not force:
        raise FidesImportError(f"{out} already holds a manifest ({existing[0].name}...)",
                               hint="choose another --out, or pass --force to replace it")
    check_loads(files)
    for path in existing:
        path.unlink()
    return write_files(out, files, error=FidesImportError)


def check_loads(files: dict[str, str]) -> Manifest:
    """Load the files as a manifest from a scratch folder; a failure is an import error."""
    folder = Path(tempfile.mkdtemp(prefix="privet-fides-"))
    try:
        write_files(folder, files, error=FidesImportError)
        try:
            return load_manifest(folder, root=folder)
        except ManifestError as exc:
            details = "\n".join(d.render() for d in exc.diagnostics)
            raise FidesImportError(
                f"the imported manifest does not load:\n{details}",
                hint="the Fides files hold something Privet cannot take as is; the lines "
                "above name it in the manifest that would have been written") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
