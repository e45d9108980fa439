"""Fixtures for the server, loaded by tests/conftest.py as a plugin so that every test
folder can use them: a demo workspace (manifest + a small synthetic company database), the
app, a live uvicorn server with its job runner, an admin account, and a real browser
(Playwright driving Debian's /usr/bin/chromium; never a downloaded browser).
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from privet.auth.service import create_user
from privet.demo.workspace import build_demo_workspace
from privet.kit.db import database_url, dispose, open_database, session_scope
from privet.kit.workspace import Workspace
from privet.web.app import create_app
from web_helpers import ADMIN_PASSWORD, LiveServer

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def demo_workspace(tmp_path: Path) -> Workspace:
    """A fresh demo workspace with 300 synthetic people (built in about a second)."""
    root = tmp_path / "site"
    build_demo_workspace(root, subjects=300, seed=7, now=datetime(2026, 11, 1, tzinfo=UTC))
    return Workspace.find(root)


@pytest.fixture
def privet_sessions(demo_workspace: Workspace) -> Iterator[sessionmaker[Session]]:
    sessions = open_database(database_url(demo_workspace.root,
                                          demo_workspace.settings.database_url))
    yield sessions
    dispose(sessions)


@pytest.fixture
def admin_user(privet_sessions: sessionmaker[Session]) -> dict[str, str]:
    """Accounts of each role, all with ADMIN_PASSWORD."""
    with session_scope(privet_sessions) as session:
        for name, role in (("ada", "admin"), ("olga", "privacy_officer"), ("vic", "viewer")):
            create_user(name, f"{name}@nuage.example", role, ADMIN_PASSWORD, session=session)
    return {"admin": "ada", "privacy_officer": "olga", "viewer": "vic"}


@pytest.fixture
def client(demo_workspace: Workspace,
           privet_sessions: sessionmaker[Session]) -> Iterator[TestClient]:
    """The app in-process; jobs are queued but run only when a test runs them."""
    app = create_app(demo_workspace, run_jobs=False, sessions=privet_sessions)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live_server(demo_workspace: Workspace, privet_sessions: sessionmaker[Session],
                monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """uvicorn on a free local port, with the in-process job runner, as `privet serve`."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("PRIVET_BASE_URL", url)
    monkeypatch.setenv("PRIVET_JOBS__POLL_SECONDS", "0.2")
    workspace = Workspace.find(demo_workspace.root)
    server = uvicorn.Server(uvicorn.Config(create_app(workspace, sessions=privet_sessions),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    started = threading.Event()
    for _ in range(200):
        if server.started:
            started.set()
            break
        started.wait(0.05)
    assert server.started, "the server did not start"
    yield LiveServer(url, workspace, privet_sessions)
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: run `make test` to install it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    opened = context.new_page()
    yield opened
    context.close()
