"""The request API: submit a data subject request, verify it with the emailed code, read
its state. Responses hold the reference, the state and dates, never the email or the code.

Each route calls one service of ``privet.workflow.intake``.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from privet.web.deps import CurrentManifest, CurrentSettings, DbSession, Now, WorkspaceSecret
from privet.workflow.intake import submit_request, verify_request
from privet.workflow.schemas import Channel, RequestState, RequestType
from privet.workflow.service import get_request

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
    details: str | None = Field(None, max_length=4000,
                                description="Anything the privacy team should know (for a "
                                "rectification: what is wrong and what it should be).")


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


# --------------------------------------------------------------------------------- routes


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=RequestReceived)
def create_request(payload: NewRequest, session: DbSession, manifest: CurrentManifest,
                   settings: CurrentSettings, secret: WorkspaceSecret,
                   now: Now) -> RequestReceived:
    """Submit a request. A one-time code is emailed to the address given; confirm the
    request with it at `POST /api/requests/{reference}/verify`."""
    request = submit_request(session, manifest=manifest, settings=settings, secret=secret,
                             type=payload.type, email=payload.email,
                             language=payload.language, details=payload.details,
                             channel=Channel.api, now=now)
    return RequestReceived(reference=request.reference, state=RequestState(request.state),
                           due_at=request.due_at)


@router.post("/{reference}/verify", response_model=RequestVerified)
def verify(reference: str, payload: VerificationCode, session: DbSession,
           manifest: CurrentManifest, settings: CurrentSettings, secret: WorkspaceSecret,
           now: Now) -> RequestVerified:
    """Confirm the request with the emailed code. A refused code is a 400 with the same
    message whatever the reason; after 5 wrong tries the code is dead."""
    request = verify_request(session, manifest=manifest, settings=settings, secret=secret,
                             reference=reference, code=payload.code, now=now)
    return RequestVerified(reference=request.reference, state=RequestState(request.state))


@router.get("/{reference}", response_model=RequestStatus)
def read_request(reference: str, session: DbSession) -> RequestStatus:
    """The state and deadline of a request (404 for an unknown reference)."""
    request = get_request(session, reference=reference)
    return RequestStatus(reference=request.reference, type=RequestType(request.type),
                         state=RequestState(request.state), received_at=request.received_at,
                         deadline=request.deadline)
