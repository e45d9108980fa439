"""`privet export fides`: a manifest written as Fides resources that Fides's own models
accept, with the facts a Fides user looks for, and a list of what Fides cannot hold."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from fideslang.models import Taxonomy
from typer.testing import CliRunner

import privet.demo
from privet.cli import app
from privet.fides import cli as fides_cli
from privet.fides.exporter import (
    FidesExport,
    FidesExportError,
    build_fides_export,
    export_fides,
    not_exported,
    render_not_exported,
    write_fides,
)
from privet.fides.importer import ImportOptions, check_loads, import_fides
from privet.fides.reader import read_fides
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest

DEMO_MANIFEST = Path(privet.demo.__file__).parent / "manifest"

BASE: dict[str, Any] = {
    "organization": {
        "name": "Acme", "legal_name": "Acme SAS", "address": "1 rue de la Paix, Paris",
        "country": "FR", "contact": {"name": "Privacy team", "email": "privacy@acme.test",
                                     "phone": "+33 1 23 45 67 89"},
        "dpo": {"name": "Ada Lovelace", "email": "dpo@acme.test"},
    },
    "policy": {"version": "1", "effective_date": "2026-01-01"},
    "purposes": {
        "service": {"name": "Running the shop", "description": "Take and ship orders.",
                    "data_use": "essential.service", "legal_basis": "contract",
                    "data_categories": ["user.contact.email", "user.name"],
                    "data_subjects": ["customer"], "retention": "3y",
                    "retention_note": "after the last order"},
        "health_survey": {"name": "Health survey", "data_use": "functional.service.improve",
                          "legal_basis": "consent",
                          "special_category_condition": "explicit_consent",
                          "data_categories": ["user.health_and_medical"],
                          "consent_capture": ["signup_form"]},
    },
    "processors": {
        "mailer": {"name": "Mailer Inc.", "service": "Sends our order emails.",
                   "purposes": ["service"], "data_categories": ["user.contact.email"],
                   "data_subjects": ["customer"], "country": "US",
                   "transfer": {"mechanism": "scc", "scc_module": 2},
                   "dpa": "https://mailer.test/dpa"},
    },
    "datastores": {
        "shop": {
            "name": "Shop database", "url": "sqlite:///shop.db", "location": "FR",
            "tables": {
                "customers": {
                    "description": "People who ordered.", "data_subjects": ["customer"],
                    "erasure": "delete_row",
                    "fields": {
                        "email": {"categories": ["user.contact.email"], "identity": "email"},
                        "name": {"categories": ["user.name"], "erasure": "hash"},
                        "phone": {"categories": ["user.contact.phone_number"],
                                  "identity": "phone"},
                    },
                },
                "orders": {
                    "fields": {
                        "ship_to": {"categories": ["user.contact.address"],
                                    "erasure": {"strategy": "fixed", "value": "-"}},
                        "invoice_no": {"categories": ["user.unique_id"], "erasure": "keep"},
                        "status": {"on_objection": "stopped"},
                    },
                    "references": [
                        {"field": "customer_id", "to": "customers.id"},
                        {"field": "address_id", "to": "addresses.id", "direction": "to"},
                        {"field": "contact_email", "to": "crm.leads.email",
                         "direction": "both", "description": "Leads who became customers."},
                    ],
                    "legal_holds": {"tax": {"reason": "Tax law", "period": "10y",
                                            "from": "created_at"}},
                },
            },
        },
        "crm": {"url": "sqlite:///crm.db", "location": "FR",
                "tables": {"leads": {"fields": {"email": {"categories": ["user.contact.email"],
                                                          "identity": "email"}}}}},
    },
    "promises": {
        "never_use": [{"categories": ["user.contact"], "uses": ["marketing.advertising"],
                       "statement": "We never use your contact details for advertising."}],
        "never_store": [{"values": ["payment_card"]}],
    },
    "retention": {"orders": {"table": "orders", "period": "10y", "from": "created_at"}},
    "cookies": [{"name": "sid", "category": "necessary", "purpose": "Session.",
                 "lifetime": "session"}],
}


def manifest(**changes: Any) -> Manifest:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return Manifest.model_validate(data)


def resources(files: dict[str, str], file: str, kind: str) -> list[dict[str, Any]]:
    loaded = yaml.safe_load(files[file])
    assert list(loaded) == [kind]
    items: list[dict[str, Any]] = loaded[kind]
    return items


def by_name(items: list[dict[str, Any]], name: str, key: str = "name") -> dict[str, Any]:
    return next(item for item in items if item[key] == name)


def test_the_demo_manifest_exports_as_resources_fides_accepts() -> None:
    files = export_fides(load_manifest(DEMO_MANIFEST))

    assert set(files) == {"datasets.yml", "systems.yml", "organization.yml", "policies.yml",
                          "data_categories.yml", "data_subjects.yml"}
    merged: dict[str, list[Any]] = {}
    for text in files.values():
        for kind, items in yaml.safe_load(text).items():
            merged.setdefault(kind, []).extend(items)
    # fideslang's own model of a whole Fides project: every resource must validate.
    taxonomy = Taxonomy.model_validate(merged)
    assert [d.fides_key for d in taxonomy.dataset] == ["app"]
    tables = {c.name for c in taxonomy.dataset[0].collections}
    assert {"accounts", "contacts", "invoices", "email_messages"} <= tables
    assert {s.fides_key for s in taxonomy.system} >= {"newsletter", "ovhcloud", "stripe"}
    # The demo's own categories are exported as Fides taxonomy, so Fides knows every key.
    assert "user.content.customer_database" in {c.fides_key for c in taxonomy.data_category}


def test_a_datastore_becomes_a_dataset_with_identities_references_and_erasure() -> None:
    datasets = resources(export_fides(manifest()), "datasets.yml", "dataset")

    shop = by_name(datasets, "shop", key="fides_key")
    assert shop["name"] == "Shop database"
    customers = by_name(shop["collections"], "customers")
    assert customers["data_subjects"] == ["customer"]
    # A table erased by deleting rows: Fides's collection-level delete override.
    assert customers["fides_meta"] == {"masking_strategy_override": {"strategy": "delete"}}
    email = by_name(customers["fields"], "email")
    assert email["data_categories"] == ["user.contact.email"]
    assert email["fides_meta"] == {"identity": "email"}
    # Fides's built-in identity type for a phone number.
    assert by_name(customers["fields"], "phone")["fides_meta"] == {"identity": "phone_number"}
    assert by_name(customers["fields"], "name")["fides_meta"] == {
        "masking_strategy_override": {"strategy": "hash"}}

    orders = by_name(shop["collections"], "orders")
    assert "fides_meta" not in orders  # masked, Fides's default
    assert by_name(orders["fields"], "ship_to")["fides_meta"] == {
        "masking_strategy_override": {"strategy": "string_rewrite",
                                      "configuration": {"rewrite_value": "-"}}}
    assert by_name(orders["fields"], "invoice_no")["fides_meta"] == {"read_only": True}
    # References sit on the referring field, even one the manifest lists no categories for.
    assert by_name(orders["fields"], "customer_id")["fides_meta"]["references"] == [
        {"dataset": "shop", "field": "customers.id", "direction": "from"}]
    assert by_name(orders["fields"], "address_id")["fides_meta"]["references"] == [
        {"dataset": "shop", "field": "addresses.id", "direction": "to"}]
    # Across datastores the other dataset is named; `both` is Fides's undirected reference.
    assert by_name(orders["fields"], "contact_email")["fides_meta"]["references"] == [
        {"dataset": "crm", "field": "leads.email"}]
    assert [d["fides_key"] for d in datasets] == ["shop", "crm"]


def test_a_purpose_becomes_a_system_with_its_privacy_declaration() -> None:
    systems = resources(export_fides(manifest()), "systems.yml", "system")

    service = by_name(systems, "service", key="fides_key")
    assert service["name"] == "Running the shop"
    assert service["responsibility"] == ["Controller"]
    assert service["egress"] == [{"fides_key": "mailer", "type": "system",
                                  "data_categories": ["user.contact.email"]}]
    [declaration] = service["privacy_declarations"]
    assert declaration == {
        "name": "Running the shop",
        "data_use": "essential.service",
        "data_categories": ["user.contact.email", "user.name"],
        "data_subjects": ["customer"],
        "legal_basis_for_processing": "Contract",
        "retention_period": "3y",
        "data_shared_with_third_parties": True,
        "third_parties": "Mailer Inc.",
        "shared_categories": ["user.contact.email"],
        "egress": ["mailer"],
    }
    [survey] = by_name(systems, "health_survey", key="fides_key")["privacy_declarations"]
    assert survey["legal_basis_for_processing"] == "Consent"
    assert survey["processes_special_category_data"] is True
    assert survey["special_category_legal_basis"] == "Explicit consent"


def test_a_processor_becomes_a_third_party_system() -> None:
    systems = resources(export_fides(manifest()), "systems.yml", "system")

    mailer = by_name(systems, "mailer", key="fides_key")
    assert mailer["system_type"] == "Third Party"
    assert mailer["legal_name"] == "Mailer Inc."
    assert mailer["description"] == "Sends our order emails."
    # `responsibility` is the organization's role for a system's data, not the recipient's.
    assert "responsibility" not in mailer
    assert mailer["does_international_transfers"] is True
    assert mailer["legal_basis_for_transfers"] == ["SCCs"]
    assert mailer["dpa_location"] == "https://mailer.test/dpa"
    assert mailer["privacy_declarations"] == [{
        "name": "Running the shop", "data_use": "essential.service",
        "data_categories": ["user.contact.email"], "data_subjects": ["customer"]}]


def test_the_organization_and_the_promises_fides_can_evaluate() -> None:
    files = export_fides(manifest())

    [organization] = resources(files, "organization.yml", "organization")
    assert organization["name"] == "Acme"
    assert organization["controller"] == {"name": "Privacy team",
                                          "address": "1 rue de la Paix, Paris",
                                          "email": "privacy@acme.test",
                                          "phone": "+33 1 23 45 67 89"}
    assert organization["data_protection_officer"] == {"name": "Ada Lovelace",
                                                       "email": "dpo@acme.test"}
    [policy] = resources(files, "policies.yml", "policy")
    assert policy["rules"] == [{
        "name": "We never use your contact details for advertising.",
        "data_categories": {"matches": "ANY", "values": ["user.contact"]},
        "data_uses": {"matches": "ANY", "values": ["marketing.advertising"]},
        "data_subjects": {"matches": "NONE", "values": []},
    }]


def test_a_manifest_without_promises_or_purposes_writes_no_empty_file() -> None:
    files = export_fides(manifest(purposes={}, processors={}, promises={}))

    assert set(files) == {"datasets.yml", "organization.yml"}


def test_what_fides_cannot_hold_is_listed_not_dropped() -> None:
    gaps = {g.where: g.reason for g in not_exported(manifest())}

    assert "legal holds" in gaps["datastores.shop.tables.orders.legal_holds.tax"]
    assert "datastores.shop.tables.orders.fields.status.on_objection" in gaps
    assert "datastores.shop.tables.orders.references[2].description" in gaps
    assert "datastores.shop.url" in gaps
    assert "retention" in gaps
    assert "cookies" in gaps
    assert "promises.never_store[0]" in gaps
    assert "purposes.service.retention_note" in gaps
    assert "purposes.health_survey.consent_capture" in gaps
    assert "processors.mailer.country" in gaps
    assert "processors.mailer.transfer" in gaps  # the SCC module
    assert "organization.legal_name" in gaps
    # What maps is not listed.
    assert not any(where.startswith("purposes.service.legal_basis") for where in gaps)
    report = render_not_exported(not_exported(manifest()))
    assert report.startswith(f"{len(gaps)} things not exported")
    assert "  datastores.shop.tables.orders.legal_holds.tax: Fides has no legal holds" in report


def test_write_fides_writes_every_file(tmp_path: Path) -> None:
    out = tmp_path / "fides"

    written = write_fides(manifest(), out)

    assert sorted(p.name for p in written) == ["datasets.yml", "organization.yml",
                                               "policies.yml", "systems.yml"]
    assert yaml.safe_load((out / "datasets.yml").read_text())["dataset"][0]["fides_key"] == "shop"


def test_write_fides_onto_a_file_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "fides"
    out.write_text("not a folder")

    with pytest.raises(FidesExportError, match="is a file, not a folder"):
        write_fides(manifest(), out)
    assert out.read_text() == "not a folder"
    assert sorted(tmp_path.iterdir()) == [out]


# ---------------------------------------------------------------------------- round trips

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "fides-sample"
SAMPLE_FILES = [SAMPLE / name for name in (
    "postgres_example_test_dataset.yml", "sample_systems.yml", "sample_organization.yml",
    "sample_policy.yml")] + [Path(__file__).parent / "data" / "erasure_policy.yml"]
SAMPLE_STORE = "postgres_example_test_dataset"
OPTIONS = ImportOptions(
    datastore_urls={SAMPLE_STORE: "postgresql+psycopg://postgres@127.0.0.1/fides_sample"},
    today=date(2026, 3, 1))


def imported(paths: list[Path], options: ImportOptions = OPTIONS) -> Manifest:
    return check_loads(import_fides(read_fides(paths), options).files())


def exported_then_imported(source: Manifest, folder: Path,
                           options: ImportOptions = OPTIONS) -> Manifest:
    write_fides(source, folder)
    return imported([folder], options)


@pytest.mark.usefixtures("fides_sample")
def test_the_fides_sample_round_trips_import_export_import(tmp_path: Path) -> None:
    first = imported(SAMPLE_FILES)
    # The import carried real content, so the comparison below means something.
    customer = first.datastores[SAMPLE_STORE].tables["customer"]
    assert customer.fields["email"].identity == "email"
    assert customer.references[0].direction.value == "to"
    assert len(first.purposes) == 6 and first.promises.never_use

    again = exported_then_imported(first, tmp_path / "fides")

    assert again.model_dump(mode="json") == first.model_dump(mode="json")
    assert again == first


@pytest.mark.usefixtures("fides_sample")
def test_a_second_export_writes_the_same_fides_files(tmp_path: Path) -> None:
    first = imported(SAMPLE_FILES)
    files = export_fides(first)

    assert export_fides(exported_then_imported(first, tmp_path / "fides")) == files


def test_the_demo_manifest_round_trips_as_far_as_fides_maps(tmp_path: Path) -> None:
    demo = load_manifest(DEMO_MANIFEST)
    options = ImportOptions(datastore_urls={"app": demo.datastores["app"].url},
                            today=date(2026, 3, 1))

    again = exported_then_imported(demo, tmp_path / "fides", options)

    # Datastores: every declared field keeps its categories, identity, erasure and
    # description (not what restriction and objection set); every table its subjects,
    # erasure and references (less their descriptions).
    before, after = demo.datastores["app"], again.datastores["app"]
    assert (after.name, after.description, after.url, after.location) == (
        before.name, before.description, before.url, before.location)
    assert set(after.tables) == set(before.tables)
    for name, table in before.tables.items():
        other = after.tables[name]
        assert (other.description, other.data_subjects, other.erasure) == (
            table.description, table.data_subjects, table.erasure), name
        assert {c: f for c, f in other.fields.items() if c in table.fields} == {
            c: f.model_copy(update={"on_restriction": None, "on_objection": None})
            for c, f in table.fields.items()}
        assert other.references == [r.model_copy(update={"description": None})
                                    for r in table.references]
    # Purposes: what a privacy declaration says.
    carried = ("name", "description", "data_use", "legal_basis", "special_category_condition",
               "data_categories", "data_subjects", "retention")
    assert set(again.purposes) == set(demo.purposes)
    for key, purpose in demo.purposes.items():
        assert {n: getattr(again.purposes[key], n) for n in carried} == {
            n: getattr(purpose, n) for n in carried}, key
    # The custom taxonomy keys (the importer lists them by key).
    for section in ("data_categories", "data_uses", "data_subjects"):
        assert sorted(getattr(again.taxonomy, section), key=lambda e: e.key) == sorted(
            getattr(demo.taxonomy, section), key=lambda e: e.key)
    assert again.promises.never_use == demo.promises.never_use
    organization = again.organization
    assert (organization.name, organization.address, organization.country, organization.dpo) \
        == (demo.organization.name, demo.organization.address, demo.organization.country,
            demo.organization.dpo)
    assert (organization.contact.name, organization.contact.email) == (
        demo.organization.contact.name, demo.organization.contact.email)
    assert organization.role == demo.organization.role  # `both`, from the systems
    # What does not map, and the export report says so.
    gaps = {g.where for g in not_exported(demo)}
    assert again.processors == {} and "processors.ovhcloud.country" in gaps
    assert not again.datastores["app"].tables["invoices"].legal_holds
    assert "datastores.app.tables.invoices.legal_holds.tax_records" in gaps
    assert again.retention == {} and "retention" in gaps
    assert again.cookies == [] and "cookies" in gaps


def test_privet_export_fides_writes_the_files_from_the_workspace(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builds: list[Manifest] = []

    def counted(manifest: Manifest) -> FidesExport:
        builds.append(manifest)
        return build_fides_export(manifest)

    monkeypatch.setattr(fides_cli, "build_fides_export", counted)
    workspace = tmp_path / "workspace"
    (workspace / "privacy").mkdir(parents=True)
    (workspace / "privacy" / "manifest.yaml").write_text(
        yaml.safe_dump(json_ready(BASE)), encoding="utf-8")
    out = tmp_path / "fides"

    result = CliRunner().invoke(app, ["export", "fides", "--dir", str(workspace),
                                      "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert len(builds) == 1  # built once, for the files and the report
    assert f"wrote {out / 'datasets.yml'}" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["datasets.yml", "organization.yml",
                                                     "policies.yml", "systems.yml"]
    # and it says what Fides has no place for
    assert "things not exported (Fides has no place for them)" in result.output
    assert "datastores.shop.tables.orders.legal_holds.tax: Fides has no legal holds" in (
        result.output)


def test_privet_export_fides_onto_a_file_fails_cleanly(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "privacy").mkdir(parents=True)
    (workspace / "privacy" / "manifest.yaml").write_text(
        yaml.safe_dump(json_ready(BASE)), encoding="utf-8")
    out = tmp_path / "fides.yml"
    out.write_text("keep me")

    result = CliRunner().invoke(app, ["export", "fides", "--dir", str(workspace),
                                      "--out", str(out)])

    assert result.exit_code == 1
    assert "is a file, not a folder" in result.output
    assert "Traceback" not in result.output
    assert out.read_text() == "keep me"


def json_ready(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = Manifest.model_validate(data).model_dump(
        mode="json", by_alias=True, exclude_defaults=True)
    return result
