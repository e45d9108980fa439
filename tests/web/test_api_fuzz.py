"""schemathesis against the OpenAPI spec: whatever the payload, path or key, the API
answers with a 2xx or a 4xx carrying a JSON error, never a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings

from privet.auth.service import create_api_key
from privet.demo.workspace import build_demo_workspace
from privet.kit.db import database_url, dispose, open_database, session_scope
from privet.kit.workspace import Workspace
from privet.web.app import create_app

SCOPES = ["requests:read", "requests:write", "outbox:read", "consent:read", "consent:write"]


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    root: Path = tmp_path_factory.mktemp("fuzz") / "site"
    build_demo_workspace(root, subjects=100, seed=3, now=datetime(2026, 11, 1, tzinfo=UTC))
    workspace = Workspace.find(root)
    sessions = open_database(database_url(root, workspace.settings.database_url))
    with session_scope(sessions) as session:
        key = create_api_key("fuzzer", "admin", SCOPES, session=session).key
    yield create_app(workspace, run_jobs=False, sessions=sessions), key
    dispose(sessions)


def test_no_payload_makes_the_api_fail(fuzzed_app: tuple[FastAPI, str]) -> None:
    app, key = fuzzed_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    tried: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        tried.append(f"{operation.method.upper()} {operation.path}")

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def answers_without_failing(case: Any) -> None:
            for headers in ({}, {"Authorization": f"Bearer {key}"}):
                response = case.call(headers=headers)
                assert response.status_code < 500, (case.method, case.path, response.text)
                if response.status_code >= 400:
                    assert "error" in response.json(), response.text

        answers_without_failing()
    assert "POST /api/requests" in tried and "POST /api/consent/receipts" in tried, tried
