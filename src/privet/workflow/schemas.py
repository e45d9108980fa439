"""The workflow's vocabulary and the rows it reports (plain, typed, immutable)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class RequestType(StrEnum):
    """What the person asks for."""

    access = "access"
    erasure = "erasure"
    rectification = "rectification"
    restriction = "restriction"
    objection = "objection"
    marketing_opt_out = "marketing_opt_out"


class Channel(StrEnum):
    """Where the request came in."""

    privacy_center = "privacy_center"
    api = "api"
    cli = "cli"
    email = "email"


class RequestState(StrEnum):
    """received → verified → approved → running → completed | rejected | failed."""

    received = "received"
    verified = "verified"
    approved = "approved"
    running = "running"
    completed = "completed"
    rejected = "rejected"
    failed = "failed"


CLOSED_STATES = frozenset({RequestState.completed, RequestState.rejected, RequestState.failed})

TRANSITIONS: dict[RequestState, tuple[RequestState, ...]] = {
    RequestState.received: (RequestState.verified, RequestState.rejected),
    RequestState.verified: (RequestState.approved, RequestState.rejected),
    RequestState.approved: (RequestState.running, RequestState.rejected),
    RequestState.running: (RequestState.completed, RequestState.failed),
    RequestState.completed: (),
    RequestState.rejected: (),
    RequestState.failed: (),
}
"""The allowed next states of each state."""


class QueueItem(BaseModel):
    """An open request in the work queue."""

    model_config = ConfigDict(frozen=True)

    reference: str
    type: RequestType
    channel: Channel
    state: RequestState
    received_at: datetime
    deadline: datetime = Field(description="The deadline in force (extended, else original).")
    days_left: int = Field(description="Whole days to the deadline; negative once overdue.")


class RequestLogRow(BaseModel):
    """One line of the request log auditors ask for; no personal data."""

    model_config = ConfigDict(frozen=True)

    reference: str
    received_on: date
    type: RequestType
    channel: Channel
    responded_on: date | None = Field(
        description="When the person was answered (completed or rejected).")
    outcome: str = Field(description="completed, rejected, failed or open.")
    denial_reason: str | None
    days_taken: int | None = Field(description="Calendar days from receipt to the answer.")
    deadline: datetime
    deadline_met: bool | None = Field(
        description="Answered by the deadline in force; None while open and not yet due.")
