"""The request API: submit a data subject request, verify it with the emailed code, read
its state. Responses hold the reference, the state and dates, never the email or the code.

The two steps that combine services (``submit_request``, ``verify_request``) are written
here as functions taking the session keyword-only, so that each route calls one of them.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from privet.manifest.schema import Manifest
from privet.models.data_subject_requests import DataSubjectRequest
from privet.models.outbox import MessageKind
from privet.models.verification import Purpose
from privet.notify.mailer import queue_message
from privet.notify.messages import (
    REQUEST_TYPES,
    message_language,
    receipt_message,
    verification_message,
)
from privet.verification.service import CODE_TTL, check_code, issue_code
from privet.web.deps import CurrentManifest, DbSession, Now, WorkspaceSecret
from privet.workflow.schemas import Channel, RequestState, RequestType
from privet.workflow.service import get_request, mark_verified, receive_request

router = APIRouter(prefix="/api/requests", tags=["requests"])

_SUBJECT = "subject"


# -------------------------------------------------------------------------------- schemas


class NewRequest(BaseModel):
    """A data subject request as the person submits it."""

    model_config = ConfigDict(extra="forbid")

    type: RequestType = Field(description="What the person asks for.")
    email: str = Field(min_length=3, max_length=320,
                       description="Where the verification code is sent.")
    language: str | None = Field(None, max_length=16,
                                 description="Preferred language of messages, e.g. `fr`.")


class VerificationCode(BaseModel):
    """The one-time code from the verification email."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=64)


class RequestReceived(BaseModel):
    """The request is recorded; a code was emailed to confirm it."""

    reference: str
    state: RequestState
    due_at: datetime = Field(description="The answer is due by then (UTC).")


class RequestVerified(BaseModel):
    reference: str
    state: RequestState


class RequestStatus(BaseModel):
    """Where a request stands; no personal data."""

    reference: str
    type: RequestType
    state: RequestState
    received_at: datetime
    deadline: datetime = Field(description="The deadline in force (extended, else original), "
                                           "UTC.")


# ------------------------------------------------------------------------------- services


def submit_request(session: Session, *, manifest: Manifest, secret: bytes, payload: NewRequest,
                   now: datetime) -> DataSubjectRequest:
    """Record the request, issue a verification code and queue the email carrying it."""
    language = message_language(manifest, payload.language)
    request = receive_request(
        session, manifest=manifest, secret=secret, type=payload.type, email=payload.email,
        identities={"email": payload.email.strip().lower()}, channel=Channel.api,
        language=language, now=now, actor=_SUBJECT)
    code = issue_code(session, secret=secret, subject_ref=request.reference,
                      purpose=Purpose.verify_request, now=now)
    message = verification_message(
        manifest, expires_at=now + CODE_TTL, code=code,
        request_type=request.type if request.type in REQUEST_TYPES else None,
        reference=request.reference, language=language)
    queue_message(session, to=request.contact_email, subject=message.subject,
                  text=message.text, html=message.html, kind=MessageKind.verification,
                  reference=request.reference)
    return request


def verify_request(session: Session, *, manifest: Manifest, secret: bytes, reference: str,
                   code: str, now: datetime) -> DataSubjectRequest:
    """Accept the code (or raise ``VerificationFailed``, counted), mark the request verified
    and approved, and queue the receipt."""
    check_code(session, secret=secret, subject_ref=reference, purpose=Purpose.verify_request,
               code=code, now=now)
    request = mark_verified(session, secret=secret, reference=reference, now=now,
                            actor=_SUBJECT, requires_approval=False)
    if request.type in REQUEST_TYPES:
        message = receipt_message(manifest, request_type=request.type,
                                  reference=request.reference, deadline=request.deadline.date(),
                                  language=request.language)
        queue_message(session, to=request.contact_email, subject=message.subject,
                      text=message.text, html=message.html, kind=MessageKind.receipt,
                      reference=request.reference)
    return request


# --------------------------------------------------------------------------------- routes


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RequestReceived)
def create_request(payload: NewRequest, session: DbSession, manifest: CurrentManifest,
                   secret: WorkspaceSecret, now: Now) -> RequestReceived:
    """Submit a request. A one-time code is emailed to the address given; confirm the
    request with it at `POST /api/requests/{reference}/verify`."""
    request = submit_request(session, manifest=manifest, secret=secret, payload=payload,
                             now=now)
    return RequestReceived(reference=request.reference, state=RequestState(request.state),
                           due_at=request.due_at)


@router.post("/{reference}/verify", response_model=RequestVerified)
def verify(reference: str, payload: VerificationCode, session: DbSession,
           manifest: CurrentManifest, secret: WorkspaceSecret, now: Now) -> RequestVerified:
    """Confirm the request with the emailed code. A refused code is a 400 with the same
    message whatever the reason; after 5 wrong tries the code is dead."""
    request = verify_request(session, manifest=manifest, secret=secret, reference=reference,
                             code=payload.code, now=now)
    return RequestVerified(reference=request.reference, state=RequestState(request.state))


@router.get("/{reference}", response_model=RequestStatus)
def read_request(reference: str, session: DbSession) -> RequestStatus:
    """The state and deadline of a request (404 for an unknown reference)."""
    request = get_request(session, reference=reference)
    return RequestStatus(reference=request.reference, type=RequestType(request.type),
                         state=RequestState(request.state), received_at=request.received_at,
                         deadline=request.deadline)
