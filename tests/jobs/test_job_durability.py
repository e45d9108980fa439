"""Durable execution: a worker killed in the middle of an erasure, then another started,
completes the request exactly once, on the in-process runner and on Celery with Redis.

The kill is real: ``PRIVET_FAILPOINTS=erasure.applied`` makes the worker SIGKILL itself
right after the datastore committed the erasure and before the request is completed (no
cleanup runs, as in a crash). The job's lease then runs out; the sweep (called here with a
clock past the lease rather than waiting for it) queues the job again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from privet.demo.workspace import build_demo_workspace
from privet.jobs.service import attach_dispatcher, sweep
from privet.kit.db import dispose, open_database, session_scope
from privet.kit.workspace import Workspace
from privet.models.audit_log import AuditEntry
from privet.models.data_subject_requests import DataSubjectRequest, RequestEvent
from privet.models.erasure_ledger import ErasureRecord
from privet.models.jobs import Job
from privet.models.outbox import MessageKind, OutboxMessage
from privet.workflow.intake import submit_request, verify_request
from privet.workflow.schemas import Channel

LEASE = 5
PRIVET = [sys.executable, "-m", "privet.cli"]


@pytest.fixture(params=["sqlite", "postgresql"])
def privet_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'privet.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def site(tmp_path: Path, privet_database: str,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    root = tmp_path / "site"
    build_demo_workspace(root, subjects=300, seed=11, now=datetime(2026, 11, 1, tzinfo=UTC))
    monkeypatch.setenv("PRIVET_DATABASE_URL", privet_database)
    monkeypatch.setenv("PRIVET_JOBS__LEASE_SECONDS", str(LEASE))
    monkeypatch.setenv("PRIVET_JOBS__POLL_SECONDS", "0.2")
    yield Workspace.find(root)


def _person(workspace: Workspace) -> tuple[str, int]:
    """A contact with orders, visits and tickets, and how many rows are theirs."""
    with sqlite3.connect(workspace.root / "data" / "nuage.db") as db:
        email, contact = db.execute(
            "SELECT c.email, c.id FROM contacts c JOIN web_visits v ON v.contact_id = c.id "
            "GROUP BY c.id ORDER BY count(*) DESC LIMIT 1").fetchone()
        visits = db.execute("SELECT count(*) FROM web_visits WHERE contact_id = ?",
                            (contact,)).fetchone()[0]
    return email, visits


def _approved_erasure(workspace: Workspace, sessions: sessionmaker[Session],
                      email: str) -> str:
    manifest, secret = workspace.load_manifest(), workspace.secret()
    now = datetime.now(UTC)
    with session_scope(sessions) as session:
        request = submit_request(session, manifest=manifest, settings=workspace.settings,
                                 secret=secret, type="erasure", email=email, language="en",
                                 channel=Channel.privacy_center, now=now)
        reference = request.reference
    with session_scope(sessions) as session:
        code = _code(session, reference)
        verify_request(session, manifest=manifest, settings=workspace.settings, secret=secret,
                       reference=reference, code=code, now=now)
    return reference


def _code(session: Session, reference: str) -> str:
    import re

    body = session.scalars(select(OutboxMessage.text_body).where(
        OutboxMessage.reference == reference,
        OutboxMessage.kind == MessageKind.verification)).one()
    found = re.search(r"enter this code: (\d{6})", body)
    assert found is not None
    return found.group(1)


def _visits_left(workspace: Workspace, email: str) -> int:
    with sqlite3.connect(workspace.root / "data" / "nuage.db") as db:
        return int(db.execute(
            "SELECT count(*) FROM web_visits v JOIN contacts c ON c.id = v.contact_id "
            "WHERE c.email = ?", (email,)).fetchone()[0])


def _contact_rows(workspace: Workspace, email: str) -> int:
    with sqlite3.connect(workspace.root / "data" / "nuage.db") as db:
        return int(db.execute("SELECT count(*) FROM contacts WHERE email = ?",
                              (email,)).fetchone()[0])


def _state(sessions: sessionmaker[Session], reference: str) -> tuple[str, str]:
    with sessions() as session:
        request = session.scalars(select(DataSubjectRequest).where(
            DataSubjectRequest.reference == reference)).one()
        job = session.scalars(select(Job).where(Job.subject_ref == reference)).one()
        return request.state, job.state


def _assert_completed_once(sessions: sessionmaker[Session], reference: str,
                           visits: int) -> None:
    with sessions() as session:
        request = session.scalars(select(DataSubjectRequest).where(
            DataSubjectRequest.reference == reference)).one()
        assert request.state == "completed"
        completed_events = session.scalar(select(func.count()).select_from(RequestEvent).where(
            RequestEvent.request_id == request.id, RequestEvent.to_state == "completed"))
        assert completed_events == 1
        audit = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.subject_id == reference, AuditEntry.action == "request.completed"))
        assert audit == 1
        mails = session.scalars(select(OutboxMessage).where(
            OutboxMessage.reference == reference,
            OutboxMessage.kind == MessageKind.completion)).all()
        assert len(mails) == 1
        assert session.scalar(select(func.count()).select_from(ErasureRecord).where(
            ErasureRecord.reference == reference)) == 1
        # Each row is counted once although the erasure ran twice.
        summary = request.outcome_summary or {}
        assert summary["rows_deleted"] >= visits + 1  # the visits and the contact row


def _worker(workspace: Workspace, *extra: str, failpoint: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    environment = {**os.environ, **(env or {})}
    environment.pop("PRIVET_FAILPOINTS", None)
    if failpoint:
        environment["PRIVET_FAILPOINTS"] = failpoint
    log = (workspace.root / f"worker-{len(list(workspace.root.glob('worker-*')))}.log").open("wb")
    # Its own process group: Celery's embedded beat is a child that outlives a killed
    # worker, and is stopped with the group at the end of the test.
    return subprocess.Popen([*PRIVET, "worker", "--dir", str(workspace.root), *extra],
                            env=environment, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _output(workspace: Workspace) -> str:
    return "\n".join(path.read_text(errors="replace")[-3000:]
                     for path in sorted(workspace.root.glob("worker-*.log")))


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        try:
            os.killpg(worker.pid, signal.SIGTERM)
        except ProcessLookupError:
            continue
    for worker in workers:
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)


def _after_the_lease() -> datetime:
    return datetime.now(UTC) + timedelta(seconds=LEASE + 1)


def test_inline_worker_killed_mid_erasure_completes_exactly_once(site: Workspace) -> None:
    sessions = open_database(site.settings.database_url or "")
    try:
        email, visits = _person(site)
        assert visits > 0
        reference = _approved_erasure(site, sessions, email)

        killed = _worker(site, "--once", failpoint="erasure.applied")
        assert killed.wait(timeout=120) == -signal.SIGKILL, _output(site)
        # Killed in the middle: the datastore is erased, the request is not answered.
        assert _visits_left(site, email) == 0 and _contact_rows(site, email) == 0
        assert _state(sessions, reference) == ("running", "running")

        assert sweep(sessions) == []  # the lease still runs: the worker may be alive
        assert len(sweep(sessions, now=_after_the_lease())) == 1
        assert _state(sessions, reference) == ("running", "queued")

        second = _worker(site, "--once")
        assert second.wait(timeout=120) == 0, _output(site)
        assert _state(sessions, reference) == ("completed", "done")
        _assert_completed_once(sessions, reference, visits)
    finally:
        dispose(sessions)


def test_celery_worker_killed_mid_erasure_completes_exactly_once(
        site: Workspace, redis_url: str) -> None:
    from privet.jobs.celery_app import CeleryDispatcher

    broker = {"PRIVET_BROKER_URL": redis_url}
    sessions = open_database(site.settings.database_url or "")
    dispatcher = CeleryDispatcher(redis_url)
    attach_dispatcher(sessions, dispatcher.dispatch)  # as the server does with a broker
    workers: list[subprocess.Popen[bytes]] = []
    try:
        email, visits = _person(site)
        reference = _approved_erasure(site, sessions, email)  # the commit sends the job

        killed = _worker(site, "--celery", failpoint="erasure.applied", env=broker)
        workers.append(killed)
        assert killed.wait(timeout=120) == -signal.SIGKILL, _output(site)
        assert _visits_left(site, email) == 0
        assert _state(sessions, reference) == ("running", "running")

        requeued = sweep(sessions, now=_after_the_lease())
        assert len(requeued) == 1
        dispatcher.dispatch(requeued)  # what the sweep task does on a worker's beat

        second = _worker(site, "--celery", env=broker)
        workers.append(second)
        deadline = datetime.now(UTC) + timedelta(seconds=90)
        while _state(sessions, reference) != ("completed", "done"):
            assert second.poll() is None, _output(site)
            assert datetime.now(UTC) < deadline, "the second worker did not finish the job"
            with contextlib.suppress(subprocess.TimeoutExpired):
                second.wait(timeout=0.5)  # returns early only if the worker died
        _assert_completed_once(sessions, reference, visits)
    finally:
        _stop(workers)
        dispose(sessions)
