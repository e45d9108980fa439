"""Requests executed through the job runner, end to end on the demo company: access
packages sealed at rest and downloaded through their link, manual approval, rectification
with the team's corrections, processor mode (the customer told by email and by a signed
webhook), retries then failure when a datastore is down, deadline reminders."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.jobs.inline import InlineRunner
from privet.jobs.service import run_due
from privet.kit.db import session_scope
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace
from privet.models.access_packages import AccessPackage
from privet.models.data_subject_requests import DataSubjectRequest
from privet.models.jobs import Job
from privet.models.outbox import MessageKind, MessageStatus
from privet.notify.webhooks import SIGNATURE_HEADER, verify_signature
from privet.web.app import create_app
from privet.workflow.handling import approve_request
from privet.workflow.service import InvalidRequest, receive_request
from privet.workflow.tasks import remind_deadlines
from web_helpers import code_for, outbox

DB = Path("data") / "nuage.db"


def _nuage(workspace: Workspace) -> sqlite3.Connection:
    return sqlite3.connect(workspace.root / DB)


def _recipient(workspace: Workspace) -> tuple[str, int]:
    """An email recipient of a customer's campaigns, and that customer's account id."""
    with _nuage(workspace) as db:
        email, account = db.execute(
            "SELECT recipient_email, min(account_id) FROM email_messages "
            "GROUP BY recipient_email HAVING count(DISTINCT account_id) = 1 "
            "ORDER BY recipient_email LIMIT 1").fetchone()
    return email, account


def _contact(workspace: Workspace) -> tuple[str, str]:
    with _nuage(workspace) as db:
        email, first = db.execute(
            "SELECT email, first_name FROM contacts ORDER BY id LIMIT 1").fetchone()
    return email, first


def _submit_and_verify(client: TestClient, sessions: sessionmaker[Session], kind: str,
                       email: str, **extra: str) -> str:
    response = client.post("/api/requests", json={"type": kind, "email": email, **extra})
    assert response.status_code == 202, response.text
    reference: str = response.json()["reference"]
    verified = client.post(f"/api/requests/{reference}/verify",
                           json={"code": code_for(sessions, reference)})
    assert verified.status_code == 200, verified.text
    return reference


def _run_jobs(client: TestClient, now: datetime | None = None) -> int:
    return InlineRunner(client.app.state.privet).run_until_idle(now)  # type: ignore[attr-defined]


def _request(sessions: sessionmaker[Session], reference: str) -> DataSubjectRequest:
    with sessions() as session:
        return session.scalars(select(DataSubjectRequest).where(
            DataSubjectRequest.reference == reference)).one()


def test_an_access_request_is_answered_with_a_sealed_package(
        client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    email, first_name = _contact(demo_workspace)
    reference = _submit_and_verify(client, privet_sessions, "access", email)
    assert client.get(f"/api/requests/{reference}").json()["state"] == "approved"

    assert _run_jobs(client) == 1
    request = _request(privet_sessions, reference)
    assert request.state == "completed"
    assert request.outcome_summary is not None and request.outcome_summary["rows_found"] > 1

    with privet_sessions() as session:
        package = session.scalars(select(AccessPackage)).one()
    sealed = (demo_workspace.root / package.stored_as).read_bytes()
    assert not sealed.startswith(b"PK") and email.encode() not in sealed  # encrypted at rest

    [answer] = outbox(privet_sessions, reference, MessageKind.completion)
    link = re.search(r"(http\S+/package\?token=\S+)", answer.text_body)
    assert link is not None, answer.text_body
    download = client.get(link.group(1).replace("http://127.0.0.1:8000", ""))
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        data = json.loads(archive.read("data.json"))
    assert email in json.dumps(data) and first_name in json.dumps(data)


def test_manual_approval_holds_a_verified_request_until_approved(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVET_REQUESTS__REQUIRE_APPROVAL", "true")
    workspace = Workspace.find(demo_workspace.root)
    app = create_app(workspace, run_jobs=False, sessions=privet_sessions)
    with TestClient(app) as client:
        email, _ = _contact(workspace)
        reference = _submit_and_verify(client, privet_sessions, "erasure", email)
        assert client.get(f"/api/requests/{reference}").json()["state"] == "verified"
        assert _run_jobs(client) == 0  # nothing queued: it waits for the privacy team
        with _nuage(workspace) as db:
            assert db.execute("SELECT count(*) FROM contacts WHERE email = ?",
                              (email,)).fetchone()[0] == 1
        with session_scope(privet_sessions) as session:
            approve_request(session, secret=workspace.secret(), reference=reference,
                            now=datetime.now(UTC), actor="admin:olga")
        assert _run_jobs(client) == 1
        assert client.get(f"/api/requests/{reference}").json()["state"] == "completed"
        with _nuage(workspace) as db:
            assert db.execute("SELECT count(*) FROM contacts WHERE email = ?",
                              (email,)).fetchone()[0] == 0


def test_a_rectification_runs_with_the_corrections_the_team_approved(
        client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    email, _ = _contact(demo_workspace)
    reference = _submit_and_verify(client, privet_sessions, "rectification", email,
                                   details="My job title is wrong: I am CTO")
    assert client.get(f"/api/requests/{reference}").json()["state"] == "verified"
    secret = demo_workspace.secret()
    with pytest.raises(InvalidRequest, match="say what to correct"), \
            session_scope(privet_sessions) as session:
        approve_request(session, secret=secret, reference=reference, now=datetime.now(UTC),
                        actor="admin:olga")
    with session_scope(privet_sessions) as session:
        approve_request(session, secret=secret, reference=reference, now=datetime.now(UTC),
                        actor="admin:olga", corrections={"contacts.job_title": "CTO"})
    assert _run_jobs(client) == 1
    assert _request(privet_sessions, reference).state == "completed"
    with _nuage(demo_workspace) as db:
        assert db.execute("SELECT job_title FROM contacts WHERE email = ?",
                          (email,)).fetchone()[0] == "CTO"


@pytest.fixture
def webhook_server() -> Iterator[tuple[str, list[tuple[bytes, dict[str, str]]]]]:
    """A local endpoint that records each call it receives and answers 204."""
    received: list[tuple[bytes, dict[str, str]]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, dict(self.headers)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/privet", received
    server.shutdown()
    thread.join()


def test_processor_mode_tells_the_customer_by_email_and_signed_webhook(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session],
        webhook_server: tuple[str, list[tuple[bytes, dict[str, str]]]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    url, received = webhook_server
    email, account = _recipient(demo_workspace)
    with _nuage(demo_workspace) as db:
        db.execute("ALTER TABLE accounts ADD COLUMN webhook_url TEXT")
        db.execute("UPDATE accounts SET webhook_url = ? WHERE id = ?", (url, account))
        billing = db.execute("SELECT billing_email FROM accounts WHERE id = ?",
                             (account,)).fetchone()[0]
    organization = demo_workspace.root / "privacy" / "organization.yaml"
    organization.write_text(organization.read_text().replace(
        "  name: company_name\n  email: billing_email\n",
        "  name: company_name\n  email: billing_email\n  webhook_url: webhook_url\n", 1))
    monkeypatch.setenv("PRIVET_WEBHOOK_SECRET", "customer webhook secret")
    workspace = Workspace.find(demo_workspace.root)
    app = create_app(workspace, run_jobs=False, sessions=privet_sessions)
    with TestClient(app) as client:
        reference = _submit_and_verify(client, privet_sessions, "erasure", email)
        assert _run_jobs(client) == 2  # the erasure, then the webhook it queued
    request = _request(privet_sessions, reference)
    assert request.state == "completed" and request.customers == [str(account)]
    with _nuage(demo_workspace) as db:
        assert db.execute("SELECT count(*) FROM email_messages WHERE recipient_email = ?",
                          (email,)).fetchone()[0] == 0
    [notice] = outbox(privet_sessions, reference, MessageKind.customer_notice)
    assert notice.to_address == billing and email in notice.text_body
    [(body, headers)] = received
    assert verify_signature(b"customer webhook secret", body, headers[SIGNATURE_HEADER],
                            now=datetime.now(UTC))
    assert not verify_signature(b"another secret", body, headers[SIGNATURE_HEADER],
                                now=datetime.now(UTC))
    event = json.loads(body)
    assert event["reference"] == reference and event["contact"] == email
    assert event["customer"] == str(account) and event["type"] == "erasure"


def test_an_unreachable_datastore_is_retried_then_the_request_fails(
        client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    email, _ = _contact(demo_workspace)
    reference = _submit_and_verify(client, privet_sessions, "access", email)
    (demo_workspace.root / DB).rename(demo_workspace.root / "data" / "moved.db")
    runtime: Runtime = client.app.state.privet  # type: ignore[attr-defined]
    moment = datetime.now(UTC)
    for attempt in range(1, 6):
        assert run_due(runtime, worker="test", now=moment) == 1, attempt
        moment += timedelta(hours=2)  # past the back-off
    with privet_sessions() as session:
        job = session.scalars(select(Job).where(Job.subject_ref == reference)).one()
        assert job.state == "failed" and job.attempts == 5
        assert "not every datastore answered" in (job.last_error or "")
    request = _request(privet_sessions, reference)
    assert request.state == "failed"
    assert "app" in (request.failure_reason or "")


def test_the_privacy_team_is_reminded_of_deadlines_once_a_day(
        client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    runtime: Runtime = client.app.state.privet  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with session_scope(privet_sessions) as session:
        due = receive_request(session, manifest=runtime.manifest, secret=runtime.secret,
                              type="access", email="late@example.org",
                              identities={"email": "late@example.org"}, channel="email",
                              language="en", now=now - timedelta(days=26), actor="cli")
        later = receive_request(session, manifest=runtime.manifest, secret=runtime.secret,
                                type="access", email="fresh@example.org",
                                identities={"email": "fresh@example.org"}, channel="email",
                                language="en", now=now, actor="cli")
        due_reference, later_reference = due.reference, later.reference
    remind_deadlines(runtime, now.replace(tzinfo=None))
    [reminder] = outbox(privet_sessions, kind=MessageKind.reminder)
    assert reminder.to_address == runtime.manifest.organization.contact.email
    assert due_reference in reminder.text_body and later_reference not in reminder.text_body
    assert "4 days left" in reminder.text_body
    remind_deadlines(runtime, now.replace(tzinfo=None) + timedelta(hours=2))
    assert len(outbox(privet_sessions, kind=MessageKind.reminder)) == 1
    remind_deadlines(runtime, now.replace(tzinfo=None) + timedelta(days=1, hours=1))
    assert len(outbox(privet_sessions, kind=MessageKind.reminder)) == 2


def test_without_a_mail_server_messages_are_kept_in_the_outbox(
        client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    email, _ = _contact(demo_workspace)
    response = client.post("/api/requests", json={"type": "access", "email": email})
    reference = response.json()["reference"]
    runner = InlineRunner(client.app.state.privet)  # type: ignore[attr-defined]
    assert "deliver_outbox" in runner.clock.run_due(runner.runtime)
    [message] = outbox(privet_sessions, reference, MessageKind.verification)
    assert message.status == MessageStatus.stored
