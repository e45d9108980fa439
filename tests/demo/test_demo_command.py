"""`privet demo --no-serve` builds a workspace that passes `privet check`, live included;
`privet demo` also serves it, with a generated admin password."""

from __future__ import annotations

import contextlib
import os
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


def test_demo_serves_the_site_with_a_generated_admin_password(tmp_path: Path) -> None:
    import re
    import signal
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "privet.cli", "demo", "--dir", str(tmp_path / "site"),
             "--subjects", "200", "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "COLUMNS": "200"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:  # wait for the server to answer (bounded), not for a fixed time
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                index = httpx.get(f"{base}/", timeout=2)
                break
            except httpx.TransportError:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    server.wait(timeout=0.3)
        assert index.status_code == 200
        for place in ("/privacy-center", "/admin", "/docs"):
            assert f'href="{place}"' in index.text
        printed = log.read_text()
        for place in ("/privacy-center", "/admin", "/docs"):
            assert f"{base}{place}" in printed
        found = re.search(r"user admin, password (\S+)", printed)
        assert found is not None, printed
        password = found.group(1)
        with sqlite3.connect(tmp_path / "site" / "data" / "privet.db") as db:
            stored = db.execute("SELECT password_hash FROM admin_users "
                                "WHERE username = 'admin'").fetchone()[0]
        assert stored.startswith("$argon2id$") and password not in stored
        with httpx.Client(base_url=base) as browser:
            form = browser.get("/admin/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert token is not None, form.text
            signed_in = browser.post("/admin/login", data={
                "username": "admin", "password": password, "csrf_token": token.group(1)})
            assert signed_in.status_code == 303
            assert browser.get("/admin").status_code == 200
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
