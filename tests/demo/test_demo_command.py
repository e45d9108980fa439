"""`privet demo --no-serve` builds a workspace that passes `privet check`, live included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from privet.cli import app
from privet.demo.workspace import DATABASE_PATH

runner = CliRunner()


def test_demo_builds_a_workspace_that_checks_clean(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--no-serve", "--dir", str(target), "--subjects", "300"])
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output
    assert sorted(p.name for p in (target / "privacy").iterdir()) == [
        "cookies.yaml", "datastores.yaml", "organization.yaml", "processors.yaml",
        "purposes.yaml", "retention.yaml"]
    with sqlite3.connect(target / DATABASE_PATH) as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 300
    # Every table, column and identity the manifest names exists (and is indexed) in the
    # database the demo built.
    checked = runner.invoke(app, ["check", "--dir", str(target), "--connect"])
    assert checked.exit_code == 0, checked.output
    assert "0 error(s), 0 warning(s)" in checked.output


def test_rerunning_rebuilds_cleanly(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    runner.invoke(app, ["demo", "--no-serve", "--dir", str(target), "--subjects", "200"])
    (target / "privacy" / "stale.yaml").write_text("purposes: {broken: {}}\n")
    result = runner.invoke(app, ["demo", "--no-serve", "--dir", str(target), "--subjects", "400"])
    assert result.exit_code == 0, result.output
    assert not (target / "privacy" / "stale.yaml").exists()
    with sqlite3.connect(target / DATABASE_PATH) as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone()[0] == 400


def test_refuses_to_overwrite_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["demo", "--no-serve", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "refusing to overwrite" in result.output
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert not (tmp_path / "privacy").exists()
