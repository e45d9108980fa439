"""The loader reports every problem with its file and line, and a fix where it can guess one."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from privet.kit.durations import Duration
from privet.manifest.diagnostics import Diagnostic, ManifestError
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest

BASE = """\
organization:
  name: Acme
  address: 1 rue de la Paix, Paris
  country: FR
  contact: {email: privacy@acme.test}
policy:
  version: "1"
  effective_date: 2026-01-01
purposes:
  service:
    name: Service
    data_use: essential.service
    legal_basis: contract
    data_categories: [user.contact.email]
    retention: 3y
datastores:
  app:
    url: sqlite:///app.db
    location: FR
    tables:
      users:
        fields:
          email: {categories: [user.contact.email], identity: email}
retention:
  users:
    table: users
    period: 3y
    from: created_at
    where: "status = 'closed'"
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    """1-based line of the first line containing ``marker``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in the test manifest")


def load_errors(path: Path, environ: dict[str, str] | None = None) -> list[Diagnostic]:
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, root=path.parent, environ=environ or {})
    return caught.value.diagnostics


def only_error(path: Path, environ: dict[str, str] | None = None) -> Diagnostic:
    errors = load_errors(path, environ)
    assert len(errors) == 1, [e.render() for e in errors]
    return errors[0]


def test_base_manifest_loads(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, "m.yaml", BASE), environ={})
    assert isinstance(manifest, Manifest)
    assert manifest.retention["users"].period == Duration(months=36)
    assert manifest.retention["users"].where is not None
    assert manifest.retention["users"].where.columns == {"status"}
    location = manifest.locate("purposes", "service", "legal_basis")
    assert location is not None and location.line == line_of(BASE, "legal_basis")


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    text = BASE.replace("    name: Service\n", "    name: [Service\n")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert error.location is not None and error.location.file == "m.yaml"
    assert "YAML syntax error" in error.message
    assert error.location.line in {line_of(text, "[Service"), line_of(text, "[Service") + 1}


def test_duplicate_key_names_both_places(tmp_path: Path) -> None:
    text = BASE.replace("    legal_basis: contract\n",
                        "    legal_basis: contract\n    legal_basis: consent\n")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert error.location is not None
    assert error.location.line == line_of(text, "legal_basis: consent")
    assert "defined twice" in error.message
    first = f"m.yaml:{line_of(text, 'legal_basis: contract')}"
    assert error.hint is not None and first in error.hint


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    text = BASE.replace("    retention: 3y\n", "    retension: 3y\n")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert error.location is not None
    assert (error.location.line, error.location.column) == (line_of(text, "retension"), 5)
    assert "unknown key `retension`" in error.message
    assert error.hint == "did you mean `retention`?"


def test_unknown_top_level_section_suggests(tmp_path: Path) -> None:
    text = BASE + "procesors: {}\n"
    error = only_error(write(tmp_path, "m.yaml", text))
    assert error.hint == "did you mean `processors`?"
    assert error.location is not None and error.location.line == line_of(text, "procesors")


def test_missing_required_key_points_at_its_parent(tmp_path: Path) -> None:
    text = BASE.replace("    data_use: essential.service\n", "")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert "missing required key `data_use`" in error.message
    assert error.location is not None
    assert error.location.line == line_of(text, "name: Service")  # first line of the purpose


def test_enum_value_suggests_the_closest(tmp_path: Path) -> None:
    text = BASE.replace("legal_basis: contract", "legal_basis: contrat")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert error.location is not None and error.location.line == line_of(text, "contrat")
    assert "`contrat` is not allowed" in error.message
    assert error.hint == "did you mean `contract`?"


def test_bad_duration_says_what_is_accepted(tmp_path: Path) -> None:
    text = BASE.replace("    retention: 3y\n", "    retention: 3 decades\n")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert error.location is not None and error.location.line == line_of(text, "3 decades")
    assert "unknown unit `decades`" in error.message


def test_duration_without_unit(tmp_path: Path) -> None:
    text = BASE.replace("    period: 3y\n", "    period: 36\n")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert error.location is not None and error.location.line == line_of(text, "period: 36")
    assert "no unit" in error.message


def test_bad_condition_is_rejected_and_located(tmp_path: Path) -> None:
    text = BASE.replace("\"status = 'closed'\"", "\"status = 'closed'; DROP TABLE users\"")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert error.location is not None and error.location.line == line_of(text, "DROP TABLE")
    assert "unexpected `;`" in error.message


def test_unknown_taxonomy_key_suggests(tmp_path: Path) -> None:
    text = BASE.replace("data_categories: [user.contact.email]",
                        "data_categories: [user.contact.emial]")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert error.location is not None and error.location.line == line_of(text, "emial")
    assert error.message == "unknown data category `user.contact.emial`"
    assert error.hint == "did you mean `user.contact.email`?"


def test_custom_taxonomy_key_is_accepted(tmp_path: Path) -> None:
    text = BASE.replace("data_categories: [user.contact.email]",
                        "data_categories: [user.contact.email, user.tenant_database]")
    text += "taxonomy:\n  data_categories:\n    - {key: user.tenant_database, name: Tenant DB}\n"
    manifest = load_manifest(write(tmp_path, "m.yaml", text), environ={})
    assert manifest.taxonomy_index.knows("data_category", "user.tenant_database")


def test_custom_taxonomy_key_needs_a_known_parent(tmp_path: Path) -> None:
    text = BASE + "taxonomy:\n  data_categories:\n    - {key: nowhere.tenant_db, name: X}\n"
    error = only_error(write(tmp_path, "m.yaml", text))
    assert "`nowhere` which is not" in error.message.replace(",", "")
    assert error.location is not None and error.location.line == line_of(text, "nowhere")


def test_unset_environment_variable(tmp_path: Path) -> None:
    text = BASE.replace("name: Acme", "name: ${COMPANY_NAME}")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert error.location is not None and error.location.line == line_of(text, "COMPANY_NAME")
    assert "`COMPANY_NAME` is not set" in error.message


def test_environment_interpolation_and_default(tmp_path: Path) -> None:
    text = BASE.replace("name: Acme", "name: ${COMPANY_NAME}").replace(
        "address: 1 rue", "address: ${STREET_NO:-7} rue")
    manifest = load_manifest(write(tmp_path, "m.yaml", text),
                             environ={"COMPANY_NAME": "Acme SAS"})
    assert manifest.organization.name == "Acme SAS"
    assert manifest.organization.address.startswith("7 rue")


def test_datastore_url_keeps_its_variable_until_connection(tmp_path: Path) -> None:
    text = BASE.replace("url: sqlite:///app.db", "url: ${APP_DATABASE_URL}")
    manifest = load_manifest(write(tmp_path, "m.yaml", text), environ={})
    assert manifest.datastores["app"].url == "${APP_DATABASE_URL}"


def test_model_rule_violation_is_located(tmp_path: Path) -> None:
    text = BASE.replace("    table: users\n",
                        "    table: users\n    categories: [user.contact.email]\n")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert "either `table` or `categories`" in error.message
    assert error.location is not None
    assert error.location.line == line_of(text, "    table: users") - 1  # the rule's own line


def test_wrong_type_is_located(tmp_path: Path) -> None:
    text = BASE.replace("data_categories: [user.contact.email]",
                        "data_categories: user.contact.email")
    errors = load_errors(write(tmp_path, "m.yaml", text))
    assert any("valid list" in e.message and e.location is not None
               and e.location.line == line_of(text, "data_categories: user") for e in errors)


def test_bad_country_code(tmp_path: Path) -> None:
    text = BASE.replace("  country: FR", "  country: XX")
    error = only_error(write(tmp_path, "m.yaml", text))
    assert "`XX` is not an ISO 3166-1 alpha-2 country code" in error.message
    assert error.location is not None and error.location.line == line_of(text, "country: XX")


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    text = (BASE.replace("legal_basis: contract", "legal_basis: contrat")
            .replace("    retention: 3y\n", "    retention: 3 decades\n")
            .replace("identity: email", "identity: email, erasure: nulify"))
    errors = load_errors(write(tmp_path, "m.yaml", text))
    lines = sorted(e.location.line for e in errors if e.location)
    assert lines == sorted([line_of(text, "contrat"), line_of(text, "decades"),
                            line_of(text, "nulify")])


def test_folder_of_files_is_merged(tmp_path: Path) -> None:
    folder = tmp_path / "privacy"
    folder.mkdir()
    head, tail = BASE.split("datastores:\n")
    write(folder, "a.yaml", head)
    write(folder, "b.yaml", "datastores:\n" + tail)
    manifest = load_manifest(folder, root=tmp_path, environ={})
    assert list(manifest.datastores) == ["app"]
    location = manifest.locate("datastores", "app", "location")
    assert location is not None and location.file == "privacy/b.yaml"


def test_entity_defined_in_two_files_names_both(tmp_path: Path) -> None:
    folder = tmp_path / "privacy"
    folder.mkdir()
    write(folder, "a.yaml", BASE)
    write(folder, "b.yaml", "purposes:\n  service:\n    name: Again\n    data_use: essential\n")
    errors = load_errors(folder)
    assert len(errors) == 1
    assert errors[0].location is not None and errors[0].location.file == "privacy/b.yaml"
    assert errors[0].hint is not None and "privacy/a.yaml:10" in errors[0].hint


def test_lists_from_several_files_are_joined(tmp_path: Path) -> None:
    folder = tmp_path / "privacy"
    folder.mkdir()
    write(folder, "a.yaml", BASE + "cookies:\n  - {name: a, category: necessary, purpose: x, "
          "lifetime: session}\n")
    write(folder, "b.yaml", "cookies:\n  - {name: b, category: necessary, purpose: y, "
          "lifetime: 1d}\n")
    manifest = load_manifest(folder, root=tmp_path, environ={})
    assert [c.name for c in manifest.cookies] == ["a", "b"]
    location = manifest.locate("cookies", 1)
    assert location is not None and location.file == "privacy/b.yaml"


def test_missing_manifest_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no manifest at"):
        load_manifest(tmp_path / "absent")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ManifestError, match=r"holds no \.yaml file"):
        load_manifest(tmp_path / "empty")


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    error = only_error(write(tmp_path, "m.yaml", "- just\n- a list\n"))
    assert "must be a mapping" in error.message
    assert error.location is not None and error.location.line == 1


def test_norway_is_a_country_not_a_boolean(tmp_path: Path) -> None:
    text = BASE.replace("    location: FR\n", "    location: NO\n")
    manifest = load_manifest(write(tmp_path, "m.yaml", text), environ={})
    assert manifest.datastores["app"].location == "NO"
