"""The privacy team's decisions on a request, each with what must follow it: approving
queues the execution job (in the same transaction), rejecting and extending write to the
person. Services flush; the edge commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from privet.jobs.service import enqueue
from privet.manifest.schema import Manifest
from privet.models.data_subject_requests import DataSubjectRequest
from privet.models.jobs import Job
from privet.models.outbox import MessageKind
from privet.notify.mailer import queue_message
from privet.notify.messages import extension_message, rejection_message
from privet.workflow.schemas import RequestType
from privet.workflow.service import InvalidRequest, approve, extend, get_request, reject

EXECUTE_REQUEST = "execute_request"


def queue_execution(session: Session, *, request: DataSubjectRequest, now: datetime) -> Job:
    """The job that executes ``request``: one per request, however often it is asked."""
    return enqueue(session, kind=EXECUTE_REQUEST, subject_ref=request.reference,
                   dedupe_key=f"{EXECUTE_REQUEST}:{request.reference}", now=now)


def _corrections(raw: Mapping[str, str] | None) -> dict[str, str] | None:
    if not raw:
        return None
    cleaned = {key.strip(): value for key, value in raw.items() if key.strip()}
    for key in cleaned:
        if key.count(".") not in (1, 2):
            raise InvalidRequest(f"{key!r} does not name a field",
                                 hint="write table.field=value (or datastore.table.field)")
    return cleaned


def approve_request(session: Session, *, secret: bytes, reference: str, now: datetime,
                    actor: str, corrections: Mapping[str, str] | None = None
                    ) -> DataSubjectRequest:
    """Allow the request to run and queue it. A rectification needs its ``corrections``
    (``table.field`` → value), checked against the columns when it runs."""
    request = get_request(session, reference=reference)
    chosen = _corrections(corrections)
    if request.type == RequestType.rectification.value:
        if not chosen and not request.corrections:
            raise InvalidRequest(
                f"request {reference} is a rectification: say what to correct",
                hint="give the corrections as table.field=value, one per line")
        if chosen:
            request.corrections = chosen
    approve(session, secret=secret, reference=reference, now=now, actor=actor)
    queue_execution(session, request=request, now=now)
    return request


def reject_request(session: Session, *, manifest: Manifest, secret: bytes, reference: str,
                   reason: str, now: datetime, actor: str) -> DataSubjectRequest:
    """Refuse the request and tell the person why and how to complain (Art. 12(4))."""
    request = reject(session, secret=secret, reference=reference, reason=reason, now=now,
                     actor=actor)
    message = rejection_message(manifest, request_type=request.type,
                                reference=request.reference, reason=request.rejection_reason
                                or reason, language=request.language)
    queue_message(session, to=request.contact_email, subject=message.subject, text=message.text,
                  html=message.html, kind=MessageKind.rejection, reference=request.reference)
    return request


def extend_request(session: Session, *, manifest: Manifest, secret: bytes, reference: str,
                   reason: str, until: datetime, now: datetime,
                   actor: str) -> DataSubjectRequest:
    """Extend the deadline (once, within the manifest's limit) and tell the person the new
    date and the reason (Art. 12(3))."""
    request = extend(session, manifest=manifest, secret=secret, reference=reference,
                     reason=reason, until=until, now=now, actor=actor)
    message = extension_message(manifest, request_type=request.type,
                                reference=request.reference,
                                new_deadline=request.deadline.date(),
                                reason=request.extension_reason or reason,
                                language=request.language)
    queue_message(session, to=request.contact_email, subject=message.subject, text=message.text,
                  html=message.html, kind=MessageKind.extension, reference=request.reference)
    return request
