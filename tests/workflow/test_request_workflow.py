"""The request workflow on SQLite and PostgreSQL: states, events, audit entries, deadlines
from the demo manifest (30 days, extension 2 months), reminders and the request log."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

import privet.demo
from privet.audit import verify_chain
from privet.kit.db import dispose, open_database
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest
from privet.models.audit_log import AuditEntry
from privet.models.data_subject_requests import DataSubjectRequest, RequestEvent
from privet.workflow import (
    ExtensionRefused,
    InvalidRequest,
    InvalidTransition,
    RequestLogRow,
    approve,
    complete,
    due_soon,
    email_hash,
    extend,
    fail,
    mark_verified,
    queue,
    receive_request,
    reject,
    request_log,
    start,
)

SECRET = b"workflow test secret"
EMAIL = "Jeanne.Dupont@Example.org"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def session(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Session]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'privet.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    factory = open_database(url)
    with factory() as opened:
        yield opened
        opened.rollback()
    dispose(factory)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    folder = tmp_path_factory.mktemp("manifest")
    for source in (Path(privet.demo.__file__).parent / "manifest").glob("*.yaml"):
        shutil.copy(source, folder / source.name)
    return load_manifest(folder)


def _receive(session: Session, manifest: Manifest, *, at: datetime = T0,
             type: str = "erasure") -> DataSubjectRequest:
    return receive_request(
        session, manifest=manifest, secret=SECRET, type=type, email=EMAIL,
        identities={"email": EMAIL, "customer_id": "C-1042"}, channel="privacy_center",
        language="fr", now=at, actor="subject")


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def test_the_happy_path_writes_events_and_audit_entries_in_order(
        session: Session, manifest: Manifest) -> None:
    request = _receive(session, manifest)
    assert request.reference[:2] == "R-" and len(request.reference) == 11
    assert request.due_at == _naive(T0 + timedelta(days=30))
    assert request.contact_email == "jeanne.dupont@example.org"
    assert request.email_hash == email_hash(SECRET, "  jeanne.dupont@EXAMPLE.org ")
    ref = request.reference
    mark_verified(session, secret=SECRET, reference=ref, now=T0 + timedelta(hours=1),
                  actor="subject")
    approve(session, secret=SECRET, reference=ref, now=T0 + timedelta(days=1),
            actor="admin:camille")
    start(session, secret=SECRET, reference=ref, now=T0 + timedelta(days=1, hours=1),
          actor="system")
    done = complete(session, secret=SECRET, reference=ref,
                    outcome_summary={"rows_erased": 12, "tables": 3},
                    now=T0 + timedelta(days=2), actor="system")
    assert done.state == "completed" and done.outcome_summary == {"rows_erased": 12, "tables": 3}
    assert done.completed_at == _naive(T0 + timedelta(days=2))

    events = session.scalars(sa.select(RequestEvent).order_by(RequestEvent.id)).all()
    assert [(e.from_state, e.to_state, e.actor) for e in events] == [
        (None, "received", "subject"), ("received", "verified", "subject"),
        ("verified", "approved", "admin:camille"), ("approved", "running", "system"),
        ("running", "completed", "system")]
    entries = session.scalars(sa.select(AuditEntry).order_by(AuditEntry.sequence)).all()
    assert [e.action for e in entries] == [
        "request.received", "request.verified", "request.approved", "request.running",
        "request.completed"]
    assert {e.subject_id for e in entries} == {ref}
    assert entries[-1].details == {"reference": ref, "type": "erasure",
                                   "counts": {"rows_erased": 12, "tables": 3}}
    assert verify_chain(session, secret=SECRET).ok


def test_without_approval_verification_approves_at_once(
        session: Session, manifest: Manifest) -> None:
    ref = _receive(session, manifest).reference
    request = mark_verified(session, secret=SECRET, reference=ref, now=T0, actor="subject",
                            requires_approval=False)
    assert request.state == "approved" and request.approved_at == _naive(T0)
    assert [e.to_state for e in request.events] == ["received", "verified", "approved"]


def test_illegal_transitions_are_refused_with_the_allowed_ones(
        session: Session, manifest: Manifest) -> None:
    ref = _receive(session, manifest).reference
    steps: dict[str, Callable[[], object]] = {
        "approve": lambda: approve(session, secret=SECRET, reference=ref, now=T0, actor="cli"),
        "start": lambda: start(session, secret=SECRET, reference=ref, now=T0, actor="cli"),
        "complete": lambda: complete(session, secret=SECRET, reference=ref,
                                     outcome_summary={}, now=T0, actor="cli"),
        "fail": lambda: fail(session, secret=SECRET, reference=ref, reason="x", now=T0,
                             actor="cli"),
    }
    for name, step in steps.items():
        with pytest.raises(InvalidTransition) as refused:
            step()
        assert refused.value.http_status == 409
        assert "is received" in refused.value.message, name
        assert "allowed next: verified, rejected" in refused.value.message
    mark_verified(session, secret=SECRET, reference=ref, now=T0, actor="cli")
    with pytest.raises(InvalidTransition, match="is verified"):
        mark_verified(session, secret=SECRET, reference=ref, now=T0, actor="cli")
    with pytest.raises(InvalidTransition, match="allowed next: approved, rejected"):
        start(session, secret=SECRET, reference=ref, now=T0, actor="cli")
    approve(session, secret=SECRET, reference=ref, now=T0, actor="cli")
    start(session, secret=SECRET, reference=ref, now=T0, actor="cli")
    with pytest.raises(InvalidTransition, match="allowed next: completed, failed"):
        reject(session, secret=SECRET, reference=ref, reason="no", now=T0, actor="cli")
    fail(session, secret=SECRET, reference=ref, reason="datastore app unreachable", now=T0,
         actor="system")
    with pytest.raises(InvalidTransition, match="none: the request is closed"):
        complete(session, secret=SECRET, reference=ref, outcome_summary={}, now=T0,
                 actor="cli")
    # refused steps left no trace
    assert session.scalar(sa.select(sa.func.count()).select_from(RequestEvent)) == 5
    assert verify_chain(session, secret=SECRET).ok


def test_a_rejection_needs_a_reason_that_is_kept_for_the_person(
        session: Session, manifest: Manifest) -> None:
    ref = _receive(session, manifest).reference
    for blank in ("", "   "):
        with pytest.raises(InvalidRequest, match="reason") as refused:
            reject(session, secret=SECRET, reference=ref, reason=blank, now=T0, actor="cli")
        assert refused.value.http_status == 422
    request = reject(session, secret=SECRET, reference=ref,
                     reason="We could not verify your identity.", now=T0 + timedelta(days=3),
                     actor="admin:camille")
    assert request.state == "rejected"
    assert request.rejection_reason == "We could not verify your identity."
    assert request.events[-1].note == "We could not verify your identity."


def test_extension_limits(session: Session, manifest: Manifest) -> None:
    ref = _receive(session, manifest).reference
    due = T0 + timedelta(days=30)
    latest = datetime(2026, 5, 31, 9, 0, tzinfo=UTC)  # 1 March + 30 days + 2 months

    def ask(until: datetime, *, now: datetime = T0 + timedelta(days=10),
            reason: str = "Many systems to search") -> DataSubjectRequest:
        return extend(session, manifest=manifest, secret=SECRET, reference=ref, reason=reason,
                      until=until, now=now, actor="admin:camille")

    with pytest.raises(InvalidRequest, match="reason"):
        ask(latest, reason=" ")
    with pytest.raises(ExtensionRefused, match="before the deadline"):
        ask(latest, now=due)
    with pytest.raises(ExtensionRefused, match="longest extension"):
        ask(latest + timedelta(minutes=1))
    with pytest.raises(ExtensionRefused, match="not later"):
        ask(due)
    extended = ask(latest)
    assert extended.extended_until == _naive(latest)
    assert extended.deadline == _naive(latest)
    assert extended.events[-1].to_state == extended.events[-1].from_state == "received"
    with pytest.raises(ExtensionRefused, match="extended once only"):
        ask(latest - timedelta(days=1))
    actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.sequence)).all()
    assert actions == ["request.received", "request.extended"]


def test_due_soon_lists_open_requests_by_deadline(session: Session, manifest: Manifest) -> None:
    late = _receive(session, manifest, at=T0 + timedelta(days=5)).reference
    early = _receive(session, manifest, at=T0).reference
    far = _receive(session, manifest, at=T0 + timedelta(days=20)).reference
    closed = _receive(session, manifest, at=T0 + timedelta(days=1)).reference
    reject(session, secret=SECRET, reference=closed, reason="duplicate", now=T0,
           actor="cli")
    now = T0 + timedelta(days=27)  # `early` due in 3 days, `late` in 8, `far` in 23
    soon = due_soon(session, now=now, within=timedelta(days=10))
    assert [(item.reference, item.days_left) for item in soon] == [(early, 3), (late, 8)]
    assert [item.reference for item in queue(session, now=now)] == [early, late, far]
    overdue = due_soon(session, now=T0 + timedelta(days=32), within=timedelta(days=1))
    assert [(item.reference, item.days_left) for item in overdue] == [(early, -2)]


def test_the_request_log(session: Session, manifest: Manifest) -> None:
    on_time = _receive(session, manifest, at=T0).reference
    for step in (mark_verified, approve, start):
        step(session, secret=SECRET, reference=on_time, now=T0 + timedelta(days=1),
             actor="cli")
    complete(session, secret=SECRET, reference=on_time, outcome_summary={"rows": 4},
             now=T0 + timedelta(days=12), actor="system")
    denied = _receive(session, manifest, at=T0 + timedelta(days=1), type="access").reference
    reject(session, secret=SECRET, reference=denied, reason="Manifestly unfounded",
           now=T0 + timedelta(days=40), actor="admin:camille")
    still_open = _receive(session, manifest, at=T0 + timedelta(days=2)).reference
    _receive(session, manifest, at=T0 + timedelta(days=90))  # outside the period

    rows = request_log(session, since=T0, until=T0 + timedelta(days=60))
    assert [row.reference for row in rows] == [on_time, denied, still_open]
    first, second, third = rows
    assert first == RequestLogRow(
        reference=on_time, received_on=T0.date(), type="erasure", channel="privacy_center",
        responded_on=(T0 + timedelta(days=12)).date(), outcome="completed", denial_reason=None,
        days_taken=12, deadline=_naive(T0 + timedelta(days=30)), deadline_met=True)
    assert (second.outcome, second.denial_reason, second.days_taken, second.deadline_met) == (
        "rejected", "Manifestly unfounded", 39, False)
    assert (third.outcome, third.responded_on, third.deadline_met) == ("open", None, False)
    early = request_log(session, since=T0, until=T0 + timedelta(days=10))
    assert early[-1].reference == still_open and early[-1].deadline_met is None


def test_the_email_never_reaches_the_audit_log(session: Session, manifest: Manifest) -> None:
    ref = _receive(session, manifest).reference
    mark_verified(session, secret=SECRET, reference=ref, now=T0, actor="subject",
                  requires_approval=False)
    reject(session, secret=SECRET, reference=ref, reason=f"Write again from {EMAIL}", now=T0,
           actor="cli")
    extend_ref = _receive(session, manifest).reference
    extend(session, manifest=manifest, secret=SECRET, reference=extend_ref,
           reason=f"asked by {EMAIL}", until=T0 + timedelta(days=40), now=T0, actor="cli")
    session.flush()
    rows = session.execute(sa.text("SELECT * FROM audit_log")).all()
    assert rows
    dumped = repr(rows).lower()
    for secret_text in ("jeanne", "dupont", "example.org", "c-1042"):
        assert secret_text not in dumped


def test_a_malformed_email_or_type_is_refused(session: Session, manifest: Manifest) -> None:
    with pytest.raises(InvalidRequest, match="not an email"):
        receive_request(session, manifest=manifest, secret=SECRET, type="access",
                        email="nobody", identities={}, channel="api", language="en", now=T0,
                        actor="cli")
    with pytest.raises(InvalidRequest, match="types: access"):
        receive_request(session, manifest=manifest, secret=SECRET, type="deletion",
                        email=EMAIL, identities={}, channel="api", language="en", now=T0,
                        actor="cli")
