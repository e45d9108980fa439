"""`privet check` and `privet manifest schema` as an engineer and CI use them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privet.cli import app

runner = CliRunner()


@pytest.fixture
def demo_workspace(tmp_path: Path) -> Path:
    """A workspace holding the demo manifest (no database: lint does not need one)."""
    folder = tmp_path / "privacy"
    folder.mkdir()
    source = resources.files("privet.demo") / "manifest"
    for entry in source.iterdir():
        if entry.name.endswith(".yaml"):
            (folder / entry.name).write_text(entry.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_demo_manifest_passes(demo_workspace: Path) -> None:
    result = runner.invoke(app, ["check", "--dir", str(demo_workspace)])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_an_error_exits_1_and_names_the_place(demo_workspace: Path) -> None:
    purposes = demo_workspace / "privacy" / "purposes.yaml"
    text = purposes.read_text()
    purposes.write_text(text.replace("    legal_basis: consent\n    consent_capture: [banner]\n",
                                     "    legal_basis: consent\n", 1))
    result = runner.invoke(app, ["check", "--dir", str(demo_workspace)])
    assert result.exit_code == 1
    assert "privacy/purposes.yaml:" in result.output
    assert "consent-not-captured" in result.output


def test_json_output_for_ci(demo_workspace: Path) -> None:
    purposes = demo_workspace / "privacy" / "purposes.yaml"
    purposes.write_text(purposes.read_text().replace("    legal_basis: legal_obligation\n", "", 1))
    result = runner.invoke(app, ["check", "--dir", str(demo_workspace), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    [finding] = [d for d in report["diagnostics"] if d["rule"] == "purpose-no-legal-basis"]
    assert finding["file"] == "privacy/purposes.yaml" and finding["line"] > 0
    assert "billing" in finding["message"]


def test_ignore_skips_a_rule(demo_workspace: Path) -> None:
    purposes = demo_workspace / "privacy" / "purposes.yaml"
    purposes.write_text(purposes.read_text().replace("    legal_basis: legal_obligation\n", "", 1))
    result = runner.invoke(app, ["check", "--dir", str(demo_workspace),
                                 "--ignore", "purpose-no-legal-basis"])
    assert result.exit_code == 0, result.output


def test_loader_errors_are_reported_not_raised(demo_workspace: Path) -> None:
    (demo_workspace / "privacy" / "extra.yaml").write_text("purposes:\n  billing: {}\n")
    result = runner.invoke(app, ["check", "--dir", str(demo_workspace)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "privacy/extra.yaml:2:3" in result.output
    assert "defined in two manifest files" in result.output


def test_workspace_from_environment(demo_workspace: Path) -> None:
    result = runner.invoke(app, ["check"], env={"PRIVET_DIR": str(demo_workspace)})
    assert result.exit_code == 0, result.output


def test_missing_workspace_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", "--dir", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_rules_are_listed() -> None:
    result = runner.invoke(app, ["check", "--rules"])
    assert result.exit_code == 0
    assert "transfer-no-mechanism" in result.output


def test_json_schema_validates_the_manifest_shape(demo_workspace: Path) -> None:
    result = runner.invoke(app, ["manifest", "schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "Privet manifest"
    assert {"organization", "purposes", "datastores", "retention", "processors", "cookies",
            "promises", "policy"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    retention_rule = schema["$defs"]["RetentionRule"]["properties"]
    assert "from" in retention_rule  # the YAML spelling, not the Python one


def test_console_script_is_installed(demo_workspace: Path) -> None:
    executable = shutil.which("privet", path=str(Path(sys.executable).parent))
    assert executable is not None
    completed = subprocess.run([executable, "check", "--dir", str(demo_workspace)],
                               capture_output=True, text=True, timeout=60, check=False)
    assert completed.returncode == 0, completed.stderr


def test_editors_can_validate_with_the_schema(demo_workspace: Path) -> None:
    import jsonschema
    import yaml

    schema = json.loads(runner.invoke(app, ["manifest", "schema"]).stdout)
    validator = jsonschema.Draft202012Validator(schema)
    text = (demo_workspace / "privacy" / "purposes.yaml").read_text()
    organization = yaml.safe_load((demo_workspace / "privacy" / "organization.yaml").read_text())
    document = {**organization, **yaml.safe_load(text)}
    document["policy"]["effective_date"] = str(document["policy"]["effective_date"])
    assert list(validator.iter_errors(document)) == []
    document["purposes"]["billing"]["retension"] = "3y"
    errors = list(validator.iter_errors(document))
    assert errors and "retension" in errors[0].message
