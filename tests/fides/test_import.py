"""`privet import fides`: Fides resources become a manifest that loads, what cannot be
carried over is reported with its Fides file:line, and bad input changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sample_helpers import require_sample
from typer.testing import CliRunner

from privet.cli import app
from privet.fides.reader import read_document
from privet.manifest.loader import load_manifest
from privet.manifest.schema import FieldErasureStrategy, ReferenceDirection, TableErasure

ORGANIZATION = """\
organization:
  - fides_key: acme
    name: Acme
    controller:
      name: Privacy office
      address: 1 rue de la Paix, 75002 Paris, France
      email: privacy@acme.test
"""

DATASET = """\
dataset:
  - fides_key: shop-db
    name: Shop
    collections:
      - name: users
        fides_meta:
          erase_after: [shop-db.sessions]
        fields:
          - name: id
            data_categories: [user.unique_id]
            fides_meta: {primary_key: true}
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email}
          - name: mobile
            data_categories: [user.contact.phone_number]
            fides_meta: {identity: phone_number}
          - name: full_name
            data_categories: [user.name]
            fides_meta:
              masking_strategy_override:
                strategy: string_rewrite
                configuration: {rewrite_value: REDACTED}
          - name: nickname
            data_categories: [user.name]
          - name: signup_ip
            data_categories: [user.device.ip_address]
            fides_meta: {read_only: true}
          - name: bio
            data_categories: [user.biometric]
      - name: sessions
        fides_meta:
          masking_strategy_override: {strategy: delete}
        fields:
          - name: user_id
            data_categories: [user.unique_id]
            fides_meta:
              references:
                - {dataset: shop-db, field: users.id, direction: from}
          - name: token
            data_categories: [user.name]
      - name: audit
        fides_meta: {skip_processing: true}
        fields:
          - name: user_id
            data_categories: [user.unique_id]
"""

POLICY = """\
policy:
  - key: erase_names
    name: Erase names
    rules:
      - key: names
        name: Names
        action_type: erasure
        masking_strategy: {strategy: hash, configuration: {algorithm: SHA-512}}
        targets:
          - data_category: user.name
      - key: bios
        name: Bios
        action_type: erasure
        masking_strategy: {strategy: aes_encrypt}
        targets:
          - data_category: user.biometric
"""

SYSTEM = """\
system:
  - fides_key: shop
    name: Shop
    description: The web shop.
    system_type: Application
    responsibility: [Controller, Processor]
    egress:
      - {fides_key: mailer, type: system}
    privacy_declarations:
      - name: Selling
        data_use: essential.service
        data_categories: [user.contact.email]
        data_subjects: [customer]
        legal_basis_for_processing: Contract
        retention_period: "730"
        third_parties: payment processors
      - name: Health offers
        data_use: marketing.advertising.first_party.targeted
        data_categories: [user.health_and_medical]
        legal_basis_for_processing: Consent
        special_category_legal_basis: Explicit consent
        retention_period: until the account is closed
"""


def write(folder: Path, **files: str) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        (folder / f"{name}.yml").write_text(text, encoding="utf-8")
        paths.append(str(folder / f"{name}.yml"))
    return paths


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line of ``text`` holding ``needle``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["import", "fides", *args])
    return result.exit_code, result.output


def test_datasets_map_identities_references_and_erasure(tmp_path: Path) -> None:
    files = write(tmp_path / "fides", organization=ORGANIZATION, dataset=DATASET, policy=POLICY)
    code, output = run(*files, "--out", str(tmp_path / "ws"),
                       "--datastore-url", "sqlite:///shop.db")
    assert code == 0, output
    manifest = load_manifest(tmp_path / "ws" / "privacy")
    store = manifest.datastores["shop_db"]
    assert store.url == "sqlite:///shop.db" and store.location == "FR"
    users = store.tables["users"].fields
    assert users["email"].identity == "email"
    assert users["mobile"].identity == "phone"  # Fides's phone_number is Privet's phone
    # the erasure policy targets user.name (hash) and user.biometric (aes_encrypt):
    assert users["nickname"].erasure is not None
    assert users["nickname"].erasure.strategy is FieldErasureStrategy.hash
    assert users["full_name"].erasure is not None  # the field's override wins
    assert users["full_name"].erasure.strategy is FieldErasureStrategy.fixed
    assert users["full_name"].erasure.value == "REDACTED"
    assert users["bio"].erasure is not None
    assert users["bio"].erasure.strategy is FieldErasureStrategy.nullify
    # what no rule targets is kept, as in Fides; read_only fields are never changed
    assert users["email"].effective_erasure is None
    assert users["signup_ip"].effective_erasure is None
    sessions = store.tables["sessions"]
    assert sessions.erasure is TableErasure.delete_row
    assert [(r.field, r.to, r.direction) for r in sessions.references] == [
        ("user_id", "users.id", ReferenceDirection.from_)]
    assert "audit" not in store.tables
    report = output.replace("\n", " ")
    dataset_file = files[1]
    assert (f"{dataset_file}:{line_of(DATASET, 'erase_after')}: collection `users` "
            "`erase_after`") in report
    assert f"{dataset_file}:11: field `users.id` `primary_key`" in report
    assert (f"{dataset_file}:{line_of(DATASET, 'skip_processing')}: collection `audit` "
            "(skip_processing)") in report
    assert "masking strategy `aes_encrypt` for `users.bio`" in report
    assert "`hash` configuration for `users.nickname`" in report
    assert "dataset key `shop-db`" in report


def test_systems_become_purposes_and_the_organization_its_role(tmp_path: Path) -> None:
    files = write(tmp_path / "fides", organization=ORGANIZATION, system=SYSTEM)
    report_file = tmp_path / "report.txt"
    code, output = run(*files, "--out", str(tmp_path / "ws"), "--report", str(report_file))
    assert code == 0, output
    manifest = load_manifest(tmp_path / "ws" / "privacy")
    assert manifest.organization.name == "Acme"
    assert manifest.organization.country == "FR"
    assert manifest.organization.contact.email == "privacy@acme.test"
    assert manifest.organization.role.value == "both"
    selling = manifest.purposes["shop_selling"]
    assert (selling.data_use, selling.legal_basis, str(selling.retention)) == (
        "essential.service", "contract", "730d")
    assert selling.data_subjects == ["customer"]
    offers = manifest.purposes["shop_health_offers"]
    assert offers.legal_basis == "consent"
    assert offers.special_category_condition == "explicit_consent"
    assert offers.retention is None and offers.retention_note == "until the account is closed"
    report = report_file.read_text(encoding="utf-8")
    system_file = files[1]
    assert f"{system_file}:{line_of(SYSTEM, 'egress')}: system `shop` `egress`" in report
    assert (f"{system_file}:{line_of(SYSTEM, 'third_parties')}: privacy declaration "
            "`third_parties`") in report
    assert "retention period: `until the account is closed` is not a duration" in report


def test_an_evaluation_policy_rule_becomes_a_promise(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parents[3] / "shared/datasets/fides-sample/sample_policy.yml"
    files = write(tmp_path / "fides", organization=ORGANIZATION)
    code, output = run(*files, str(sample), "--out", str(tmp_path / "ws"))
    assert code == 0, output
    manifest = load_manifest(tmp_path / "ws" / "privacy")
    [promise] = manifest.promises.never_use
    assert promise.categories == ["user.contact"]
    assert promise.uses == ["marketing.advertising.third_party"]
    assert "the promise is broader than the rule" in output


def test_an_invalid_fides_file_is_located_and_nothing_is_written(tmp_path: Path) -> None:
    broken = DATASET.replace("direction: from", "direction: sideways")
    files = write(tmp_path / "fides", organization=ORGANIZATION, dataset=broken)
    code, output = run(*files, "--out", str(tmp_path / "ws"))
    assert code == 1
    # the reference's line in the dataset file, with its column
    assert f"{files[1]}:{line_of(broken, 'sideways')}:" in output and "direction" in output
    assert not (tmp_path / "ws").exists()


def test_a_yaml_syntax_error_is_located_and_nothing_is_written(tmp_path: Path) -> None:
    files = write(tmp_path / "fides", organization=ORGANIZATION,
                  dataset="dataset:\n  - fides_key: x\n    collections: [\n")
    code, output = run(*files, "--out", str(tmp_path / "ws"))
    assert code == 1
    assert f"{files[1]}:4:1: error[fides]: YAML syntax error" in output
    assert not (tmp_path / "ws").exists()


def test_a_missing_country_is_asked_for_and_nothing_is_written(tmp_path: Path) -> None:
    vague = ORGANIZATION.replace("75002 Paris, France", "somewhere")
    files = write(tmp_path / "fides", organization=vague, dataset=DATASET)
    code, output = run(*files, "--out", str(tmp_path / "ws"))
    assert code == 1
    assert "cannot be told" in output and "--country" in output
    assert not (tmp_path / "ws").exists()
    code, output = run(*files, "--out", str(tmp_path / "ws"), "--country", "BE")
    assert code == 0, output
    manifest = load_manifest(tmp_path / "ws" / "privacy")
    assert manifest.organization.country == "BE"
    assert manifest.datastores["shop_db"].url == "${SHOP_DB_URL}"


def test_an_existing_manifest_is_not_replaced_without_force(tmp_path: Path) -> None:
    files = write(tmp_path / "fides", organization=ORGANIZATION, dataset=DATASET)
    target = tmp_path / "ws" / "privacy"
    target.mkdir(parents=True)
    (target / "manifest.yaml").write_text("# mine\n", encoding="utf-8")
    code, output = run(*files, "--out", str(tmp_path / "ws"))
    assert code == 1 and "already holds a manifest" in output
    assert (target / "manifest.yaml").read_text(encoding="utf-8") == "# mine\n"
    code, output = run(*files, "--out", str(tmp_path / "ws"), "--force")
    assert code == 0, output
    assert not (target / "manifest.yaml").exists()
    assert load_manifest(target).datastores["shop_db"].tables["users"].fields


def test_several_erasure_policies_need_a_choice(tmp_path: Path) -> None:
    second = POLICY.replace("key: erase_names", "key: erase_all")
    files = write(tmp_path / "fides", organization=ORGANIZATION, dataset=DATASET,
                  policy=POLICY, other=second)
    code, output = run(*files, "--out", str(tmp_path / "ws"))
    assert code == 1 and "--erasure-policy" in output and "erase_all" in output
    assert not (tmp_path / "ws").exists()
    code, output = run(*files, "--out", str(tmp_path / "ws"), "--erasure-policy", "erase_all")
    assert code == 0, output
    assert "another policy's erasure was imported" in output


def test_without_an_erasure_policy_a_field_override_is_its_erasure(tmp_path: Path) -> None:
    files = write(tmp_path / "fides", organization=ORGANIZATION, dataset=DATASET)
    code, output = run(*files, "--out", str(tmp_path / "ws"))
    assert code == 0, output
    users = load_manifest(tmp_path / "ws" / "privacy").datastores["shop_db"].tables["users"]
    full_name = users.fields["full_name"].erasure
    assert full_name is not None and full_name.strategy is FieldErasureStrategy.fixed
    # no rule to follow: the other personal fields get Privet's default (nullify)
    assert users.fields["nickname"].erasure is None
    assert "no privacy request policy with erasure rules" in output


def test_yaml_merge_keys_are_read_as_fides_reads_them() -> None:
    text = """\
x-contact: &contact
  name: Privacy office
  address: 1 rue de la Paix, 75002 Paris, France
organization:
  - fides_key: acme
    name: Acme
    controller:
      <<: *contact
      email: privacy@acme.test
"""
    document, problems = read_document(text, "org.yml")
    assert problems == [] and document is not None
    assert document.data == yaml.safe_load(text)
    assert document.locate(("organization", 0, "controller", "email")).line == 9


def test_the_fides_sample_is_required_in_ci(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    absent = tmp_path / "fides-sample"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="required in CI"):
        require_sample(absent)
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        require_sample(absent)
    absent.mkdir()
    assert require_sample(absent) == absent
