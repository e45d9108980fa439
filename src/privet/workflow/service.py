"""The rules of a data subject request's life.

received → verified → approved → running → completed | rejected | failed. A request can be
rejected (with a reason shown to the person) until it runs; a running one completes or
fails. Every change writes a ``RequestEvent`` and an audit entry ``request.<state>`` whose
details hold the reference, the type and counts, never the person's email or identities.

Services take the session and the acting principal (``actor``: ``cli``, ``system``,
``subject`` or ``admin:<name>``) as keyword arguments, flush, and never commit.
"""

from __future__ import annotations

import secrets as random
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from privet.audit import append_entry
from privet.kit.clock import utc_naive
from privet.kit.crypto import identity_hash
from privet.kit.errors import PrivetError
from privet.manifest.schema import Manifest
from privet.models.data_subject_requests import DataSubjectRequest, RequestEvent
from privet.workflow import repository
from privet.workflow.schemas import (
    CLOSED_STATES,
    TRANSITIONS,
    Channel,
    QueueItem,
    RequestLogRow,
    RequestState,
    RequestType,
)

SUBJECT_TYPE = "data_subject_request"
_REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


class WorkflowError(PrivetError):
    """A request cannot be handled as asked."""


class RequestNotFound(WorkflowError):
    http_status = 404


class InvalidRequest(WorkflowError):
    """Something given is missing or malformed (a reason, an email, a type)."""

    http_status = 422


class InvalidTransition(WorkflowError):
    """The request's state does not allow this step."""

    http_status = 409


class ExtensionRefused(WorkflowError):
    """The deadline cannot be extended as asked."""

    http_status = 409




def normalise_email(email: str) -> str:
    """Trimmed and lower-cased: one person, one hash, however they typed it."""
    normalised = email.strip().lower()
    local, at, domain = normalised.partition("@")
    if not at or not local or "." not in domain or " " in normalised:
        raise InvalidRequest(f"{email!r} is not an email address",
                             hint="write it as name@example.com")
    return normalised


def email_hash(secret: bytes, email: str) -> str:
    """The keyed hash a request is matched by (the erasure ledger's identity hash)."""
    return identity_hash(secret, "email", normalise_email(email))


def new_reference() -> str:
    """``R-XXXX-XXXX``: random, easy to read aloud, no personal data."""
    chars = "".join(random.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"R-{chars[:4]}-{chars[4:]}"


def _required(text: str | None, what: str) -> str:
    if text is None or not text.strip():
        raise InvalidRequest(f"{what} is required", hint="write it as the person will read it")
    return text.strip()


def _get(session: Session, reference: str) -> DataSubjectRequest:
    request = repository.by_reference(session, reference)
    if request is None:
        raise RequestNotFound(f"no request {reference}", hint="check the reference, R-XXXX-XXXX")
    return request


def _record(session: Session, request: DataSubjectRequest, *, secret: bytes, actor: str,
            action: str, from_state: str | None, note: str | None, now: datetime,
            extra: Mapping[str, Any] | None = None) -> None:
    """The event and the audit entry of one step; the audit details never hold the email,
    the identities or any free text (a reason may name the person)."""
    repository.add_event(session, RequestEvent(
        request=request, at=now, from_state=from_state, to_state=request.state,
        actor=actor, note=note))
    details: dict[str, Any] = {"reference": request.reference, "type": request.type}
    if extra:
        details.update(extra)
    append_entry(session, secret=secret, actor=actor, action=f"request.{action}",
                 subject_type=SUBJECT_TYPE, subject_id=request.reference, details=details,
                 now=now)


# The moment each state is reached is also kept on the request (completed_at is the date
# the person was answered: a rejection answers them too).
_STAMPED = {
    RequestState.verified: "verified_at",
    RequestState.approved: "approved_at",
    RequestState.running: "started_at",
    RequestState.completed: "completed_at",
    RequestState.rejected: "completed_at",
}


def _move(session: Session, request: DataSubjectRequest, target: RequestState, *,
          secret: bytes, actor: str, now: datetime, note: str | None = None,
          extra: Mapping[str, Any] | None = None) -> None:
    current = RequestState(request.state)
    allowed = TRANSITIONS[current]
    if target not in allowed:
        nexts = ", ".join(allowed) if allowed else "none: the request is closed"
        raise InvalidTransition(
            f"request {request.reference} is {current}; it cannot become {target} "
            f"(allowed next: {nexts})")
    request.state = target
    if target in _STAMPED:
        setattr(request, _STAMPED[target], now)
    _record(session, request, secret=secret, actor=actor, action=target.value,
            from_state=current.value, note=note, now=now, extra=extra)


def receive_request(
    session: Session, *, manifest: Manifest, secret: bytes, type: RequestType | str,
    email: str, identities: Mapping[str, str], channel: Channel | str, language: str,
    now: datetime, actor: str,
) -> DataSubjectRequest:
    """Record a new request; its deadline is receipt + the organization's response deadline."""
    try:
        request_type, request_channel = RequestType(type), Channel(channel)
    except ValueError as exc:
        raise InvalidRequest(str(exc), hint=f"types: {', '.join(RequestType)}; "
                                            f"channels: {', '.join(Channel)}") from exc
    contact = normalise_email(email)
    received = utc_naive(now)
    reference = new_reference()
    while repository.reference_taken(session, reference):
        reference = new_reference()
    request = DataSubjectRequest(
        reference=reference, type=request_type.value, channel=request_channel.value,
        state=RequestState.received.value, email_hash=email_hash(secret, contact),
        contact_email=contact, identities=dict(identities), language=language,
        received_at=received,
        due_at=manifest.organization.response_deadline.after(received))
    repository.add_request(session, request)
    _record(session, request, secret=secret, actor=actor, action="received", from_state=None,
            note=None, now=received, extra={"channel": request.channel})
    session.flush()
    return request


def get_request(session: Session, *, reference: str) -> DataSubjectRequest:
    """The request with this reference, or ``RequestNotFound``."""
    return _get(session, reference)


def mark_verified(session: Session, *, secret: bytes, reference: str, now: datetime,
                  actor: str, requires_approval: bool = True) -> DataSubjectRequest:
    """The person proved who they are. Without ``requires_approval`` the request is
    approved at once (two events)."""
    request = _get(session, reference)
    moment = utc_naive(now)
    _move(session, request, RequestState.verified, secret=secret, actor=actor, now=moment)
    if not requires_approval:
        _move(session, request, RequestState.approved, secret=secret, actor=actor, now=moment,
              note="no approval required")
    session.flush()
    return request


def approve(session: Session, *, secret: bytes, reference: str, now: datetime,
            actor: str) -> DataSubjectRequest:
    """A privacy officer allows the request to run."""
    request = _get(session, reference)
    moment = utc_naive(now)
    _move(session, request, RequestState.approved, secret=secret, actor=actor, now=moment)
    session.flush()
    return request


def start(session: Session, *, secret: bytes, reference: str, now: datetime,
          actor: str) -> DataSubjectRequest:
    """Execution begins."""
    request = _get(session, reference)
    moment = utc_naive(now)
    _move(session, request, RequestState.running, secret=secret, actor=actor, now=moment)
    session.flush()
    return request


def complete(session: Session, *, secret: bytes, reference: str,
             outcome_summary: Mapping[str, int], now: datetime,
             actor: str) -> DataSubjectRequest:
    """Execution finished; ``outcome_summary`` holds counts only (rows found, erased, …)."""
    counts = dict(outcome_summary)
    for key, value in counts.items():
        if not isinstance(key, str) or isinstance(value, bool) or not isinstance(value, int):
            raise InvalidRequest(f"the outcome summary holds counts only, not {key!r}: {value!r}")
    request = _get(session, reference)
    moment = utc_naive(now)
    _move(session, request, RequestState.completed, secret=secret, actor=actor, now=moment,
          extra={"counts": counts})
    request.outcome_summary = counts
    session.flush()
    return request


def fail(session: Session, *, secret: bytes, reference: str, reason: str, now: datetime,
         actor: str) -> DataSubjectRequest:
    """Execution failed; the reason is kept for the privacy team."""
    text = _required(reason, "the reason the request failed")
    request = _get(session, reference)
    moment = utc_naive(now)
    _move(session, request, RequestState.failed, secret=secret, actor=actor, now=moment,
          note=text)
    request.failure_reason = text
    session.flush()
    return request


def reject(session: Session, *, secret: bytes, reference: str, reason: str, now: datetime,
           actor: str) -> DataSubjectRequest:
    """Refuse the request; the reason is required and is shown to the person."""
    text = _required(reason, "the reason for rejecting the request")
    request = _get(session, reference)
    moment = utc_naive(now)
    _move(session, request, RequestState.rejected, secret=secret, actor=actor, now=moment,
          note=text)
    request.rejection_reason = text
    session.flush()
    return request


def extend(session: Session, *, manifest: Manifest, secret: bytes, reference: str,
           reason: str, until: datetime, now: datetime, actor: str) -> DataSubjectRequest:
    """Extend the deadline once, before it passes, to at most receipt + response deadline
    + extension limit (GDPR Art. 12(3)); the reason is required and is told to the person."""
    text = _required(reason, "the reason for extending the deadline")
    request = _get(session, reference)
    moment, new_deadline = utc_naive(now), utc_naive(until)
    organization = manifest.organization
    if RequestState(request.state) in CLOSED_STATES:
        raise ExtensionRefused(f"request {request.reference} is {request.state}: it is closed")
    if request.extended_until is not None:
        raise ExtensionRefused(
            f"request {request.reference} was already extended to "
            f"{request.extended_until:%Y-%m-%d}; a deadline is extended once only")
    if moment >= request.due_at:
        raise ExtensionRefused(
            f"request {request.reference} was due {request.due_at:%Y-%m-%d %H:%M}; "
            "an extension must be decided before the deadline")
    if new_deadline <= request.due_at:
        raise ExtensionRefused(
            f"{new_deadline:%Y-%m-%d} is not later than the deadline "
            f"{request.due_at:%Y-%m-%d}")
    latest = organization.extension_limit.after(
        organization.response_deadline.after(request.received_at))
    if new_deadline > latest:
        raise ExtensionRefused(
            f"{new_deadline:%Y-%m-%d} is beyond the longest extension "
            f"({organization.extension_limit.describe()}): {latest:%Y-%m-%d %H:%M} at the latest")
    request.extended_until = new_deadline
    request.extension_reason = text
    _record(session, request, secret=secret, actor=actor, action="extended",
            from_state=request.state, note=text, now=moment)
    session.flush()
    return request


def _days_left(deadline: datetime, now: datetime) -> int:
    return (deadline - now).days


def queue(session: Session, *, now: datetime) -> list[QueueItem]:
    """Open requests, nearest deadline first, with whole days left (negative: overdue)."""
    moment = utc_naive(now)
    return [_queue_item(request, moment) for request in repository.open_by_deadline(session)]


def due_soon(session: Session, *, now: datetime, within: timedelta) -> list[QueueItem]:
    """Open requests whose deadline in force falls within ``within`` of ``now`` (overdue
    ones included), nearest deadline first: what reminders are sent about."""
    moment = utc_naive(now)
    return [_queue_item(request, moment)
            for request in repository.open_due_by(session, moment + within)]


def _queue_item(request: DataSubjectRequest, now: datetime) -> QueueItem:
    return QueueItem(
        reference=request.reference, type=RequestType(request.type),
        channel=Channel(request.channel), state=RequestState(request.state),
        received_at=request.received_at, deadline=request.deadline,
        days_left=_days_left(request.deadline, now))


def request_log(session: Session, *, since: datetime, until: datetime) -> list[RequestLogRow]:
    """The requests received in ``[since, until)``: what auditors ask for. An open (or
    failed) request missed its deadline when the deadline fell before ``until``."""
    start_, end = utc_naive(since), utc_naive(until)
    rows: list[RequestLogRow] = []
    for request in repository.received_between(session, start_, end):
        state = RequestState(request.state)
        answered = request.completed_at
        deadline = request.deadline
        if answered is not None:
            met: bool | None = answered <= deadline
        else:
            met = False if deadline < end else None
        outcome = state.value if state in CLOSED_STATES else "open"
        rows.append(RequestLogRow(
            reference=request.reference, received_on=request.received_at.date(),
            type=RequestType(request.type), channel=Channel(request.channel),
            responded_on=answered.date() if answered else None, outcome=outcome,
            denial_reason=request.rejection_reason,
            days_taken=(answered.date() - request.received_at.date()).days if answered else None,
            deadline=deadline, deadline_met=met))
    return rows
