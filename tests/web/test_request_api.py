"""The request API, end to end on a real SQLite database: submit, verify with the code
from the outbox, read the state; errors are JSON a person can act on."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from privet.kit.db import database_url, dispose, open_database
from privet.kit.workspace import Workspace
from privet.models.outbox import MessageKind, OutboxMessage
from privet.models.verification import VerificationChallenge
from privet.web.app import create_app

EMAIL = "Camille.Martin@example.org"
_CODE = re.compile(r"enter this code: (\d{6})")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    manifest = tmp_path / "privacy"
    manifest.mkdir()
    for entry in (resources.files("privet.demo") / "manifest").iterdir():
        if entry.name.endswith(".yaml"):
            with resources.as_file(entry) as source:
                shutil.copy(source, manifest / entry.name)
    (tmp_path / "privet.toml").write_text('secret_key = "web test secret, long enough"\n',
                                          encoding="utf-8")
    return Workspace.find(tmp_path)


@pytest.fixture
def client(workspace: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(workspace, run_jobs=False),
                    raise_server_exceptions=False) as test_client:
        yield test_client


def _outbox(workspace: Workspace) -> list[OutboxMessage]:
    sessions = open_database(database_url(workspace.root, workspace.settings.database_url))
    try:
        with sessions() as session:
            return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    finally:
        dispose(sessions)


def _submit(client: TestClient, **overrides: str) -> str:
    response = client.post("/api/requests", json={"type": "access", "email": EMAIL,
                                                  **overrides})
    assert response.status_code == 202, response.text
    reference: str = response.json()["reference"]
    return reference


def _code_for(workspace: Workspace, reference: str) -> str:
    messages = [m for m in _outbox(workspace)
                if m.reference == reference and m.kind == MessageKind.verification]
    assert len(messages) == 1
    found = _CODE.search(messages[0].text_body)
    assert found is not None, messages[0].text_body
    return found.group(1)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_submit_verify_and_read_a_request(client: TestClient, workspace: Workspace) -> None:
    response = client.post("/api/requests",
                           json={"type": "erasure", "email": EMAIL, "language": "fr-FR"})
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"reference", "state", "due_at"}
    assert body["state"] == "received"
    reference = body["reference"]
    assert re.fullmatch(r"R-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)

    [message] = _outbox(workspace)
    assert message.to_address == EMAIL.lower()
    assert message.kind == MessageKind.verification
    code = re.search(r"\b(\d{6})\b", message.text_body)
    assert code is not None

    verified = client.post(f"/api/requests/{reference}/verify", json={"code": code.group(1)})
    assert verified.status_code == 200, verified.text
    assert verified.json() == {"reference": reference, "state": "approved"}
    assert [m.kind for m in _outbox(workspace)] == [MessageKind.verification,
                                                     MessageKind.receipt]

    status = client.get(f"/api/requests/{reference}")
    assert status.status_code == 200
    assert status.json()["state"] == "approved"
    assert status.json()["type"] == "erasure"
    assert status.json()["deadline"] == body["due_at"]

    again = client.post(f"/api/requests/{reference}/verify", json={"code": code.group(1)})
    assert again.status_code == 400  # a code works once


def test_responses_never_hold_the_code_or_the_email(client: TestClient,
                                                    workspace: Workspace) -> None:
    created = client.post("/api/requests", json={"type": "access", "email": EMAIL})
    reference = created.json()["reference"]
    code = _code_for(workspace, reference)
    responses = [
        created,
        client.post(f"/api/requests/{reference}/verify", json={"code": _wrong(code)}),
        client.get(f"/api/requests/{reference}"),
        client.post(f"/api/requests/{reference}/verify", json={"code": code}),
        client.get(f"/api/requests/{reference}"),
    ]
    for response in responses:
        assert code not in response.text
        assert EMAIL.lower() not in response.text.lower()
        assert "example.org" not in response.text


def test_a_wrong_code_is_refused_and_counted(client: TestClient, workspace: Workspace) -> None:
    reference = _submit(client)
    code = _code_for(workspace, reference)
    for _ in range(5):
        refused = client.post(f"/api/requests/{reference}/verify", json={"code": _wrong(code)})
        assert refused.status_code == 400
        error = refused.json()["error"]
        assert error["code"] == "verification_failed"
        assert error["message"] == "this code is not valid"
        assert error["hint"]

    sessions = open_database(database_url(workspace.root, None))
    try:
        with sessions() as session:
            challenge = session.scalars(select(VerificationChallenge).where(
                VerificationChallenge.kind == "code")).one()
            assert challenge.attempts == 5
    finally:
        dispose(sessions)

    # the right code, after 5 wrong ones: refused with the same message
    late = client.post(f"/api/requests/{reference}/verify", json={"code": code})
    assert late.status_code == 400
    assert late.json()["error"]["message"] == "this code is not valid"
    assert client.get(f"/api/requests/{reference}").json()["state"] == "received"


def test_an_unknown_reference_is_404(client: TestClient) -> None:
    response = client.get("/api/requests/R-0000-0000")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "request_not_found"
    # verifying an unknown request says no more than a wrong code does
    refused = client.post("/api/requests/R-0000-0000/verify", json={"code": "123456"})
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "this code is not valid"


@pytest.mark.parametrize(("payload", "where"), [
    ({"type": "access"}, "body.email"),
    ({"type": "teleport", "email": EMAIL}, "body.type"),
    ({"type": "access", "email": EMAIL, "extra": "x"}, "body.extra"),
])
def test_malformed_payloads_are_422_json(client: TestClient, payload: dict[str, str],
                                         where: str) -> None:
    response = client.post("/api/requests", json=payload)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_payload"
    assert where in error["message"]
    assert "Traceback" not in response.text
    assert EMAIL not in response.text  # what was sent is not echoed


def test_a_body_that_is_not_json_is_422(client: TestClient) -> None:
    response = client.post("/api/requests", content=b"{not json",
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_payload"
    assert "Traceback" not in response.text


def test_an_email_that_is_not_an_address_is_a_domain_422(client: TestClient,
                                                         workspace: Workspace) -> None:
    response = client.post("/api/requests", json={"type": "access", "email": "not an email"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"
    assert response.json()["error"]["hint"]
    assert _outbox(workspace) == []  # nothing half-done was committed


def test_openapi_lists_the_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/requests", "/api/requests/{reference}/verify",
            "/api/requests/{reference}"} <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/requests"]
    assert client.get("/docs").status_code == 200


def test_serve_refuses_a_workspace_without_a_secret(workspace: Workspace) -> None:
    from typer.testing import CliRunner

    from privet.cli import app

    (workspace.root / "privet.toml").write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, ["serve", "--dir", str(workspace.root)],
                                env={"PRIVET_SECRET_KEY": ""})
    assert result.exit_code == 1
    assert "secret" in result.output
    assert "Traceback" not in result.output
    assert "--port" in CliRunner().invoke(app, ["serve", "--help"]).output
