"""The admin API: the privacy team's side of requests, for machines with API keys.

Every route needs an API key (``Authorization: Bearer pk_…`` or ``X-API-Key``) of a high
enough role with the route's scope: 401 without a valid key, 403 when the role is too low
or the scope missing. Reading needs ``requests:read`` (viewer or higher), deciding
``requests:write`` (privacy_officer or higher), the outbox ``outbox:read``
(privacy_officer or higher). Responses never hold a message's text (a verification code,
a download link), only what the message is and where its delivery stands.

Each route calls one service of ``privet.workflow``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from privet.auth.service import Principal
from privet.models.accounts import Role
from privet.models.jobs import JobState
from privet.models.outbox import MessageKind, MessageStatus
from privet.web.deps import CurrentManifest, DbSession, Now, WorkspaceSecret
from privet.web.security import API_KEY_SCHEMES, api_caller
from privet.workflow.handling import approve_request, reject_request
from privet.workflow.schemas import Channel, QueueItem, RequestLogRow, RequestState, RequestType
from privet.workflow.service import queue
from privet.workflow.views import (
    MAX_OFFSET,
    MAX_PAGE,
    Decision,
    RequestDetail,
    actor_of,
    extend_to_day,
    outbox_page,
    request_detail,
    request_log_for,
)

# Declared so that /docs offers to send a key; ``api_caller`` does the checking.
router = APIRouter(prefix="/api", tags=["admin"],
                   dependencies=API_KEY_SCHEMES)

Reader = Annotated[Principal, Depends(api_caller(Role.viewer, "requests:read"))]
Decider = Annotated[Principal, Depends(api_caller(Role.privacy_officer, "requests:write"))]
OutboxReader = Annotated[Principal, Depends(api_caller(Role.privacy_officer, "outbox:read"))]


# -------------------------------------------------------------------------------- schemas


class ApiErrorBody(BaseModel):
    code: str = Field(description="What went wrong, for programs: e.g. `invalid_transition`.")
    message: str = Field(description="What went wrong, for people.")
    hint: str | None = Field(description="What to do about it.")


class ApiError(BaseModel):
    """Every error of the API."""

    error: ApiErrorBody


_AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ApiError, "description": "No API key, or one that is malformed, unknown "
                                            "or revoked."},
    403: {"model": ApiError, "description": "The key's role is too low, or it lacks the "
                                            "scope."},
}
_REQUEST_ERRORS: dict[int | str, dict[str, Any]] = {
    **_AUTH_ERRORS,
    404: {"model": ApiError, "description": "No request has this reference."},
}
_DECISION_ERRORS: dict[int | str, dict[str, Any]] = {
    **_REQUEST_ERRORS,
    409: {"model": ApiError, "description": "The request's state does not allow this "
                                            "decision, or the extension is refused."},
    422: {"model": ApiError, "description": "Something is missing or malformed (a reason, "
                                            "a rectification's corrections)."},
}


class RequestEventOut(BaseModel):
    """One step of a request's life."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime = Field(description="When (UTC).")
    from_state: RequestState | None = Field(description="The state before (none: received).")
    to_state: RequestState = Field(description="The state after (the same for an extension).")
    actor: str = Field(description="Who: `subject`, `system`, `cli`, `admin:<user>` or "
                                   "`admin:api-key:<key name>#<key id>`.")
    note: str | None = Field(description="A reason given with the step.")


class AuditEntryOut(BaseModel):
    """An entry of the hash-chained audit log about the request (ids and counts only)."""

    model_config = ConfigDict(from_attributes=True)

    sequence: int = Field(description="Its place in the audit log.")
    occurred_at: datetime = Field(description="When (UTC).")
    actor: str
    action: str = Field(description="e.g. `request.approved`.")
    details: dict[str, Any]


class MessageOut(BaseModel):
    """A message in the outbox: what it is and where its delivery stands, never its text."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime = Field(description="When it was written (UTC).")
    to_address: str = Field(description="The recipient.")
    subject: str
    kind: MessageKind
    reference: str | None = Field(description="The request it is about.")
    status: MessageStatus = Field(description="pending, sending, sent, failed, or stored "
                                              "(kept: no mail server is configured).")
    attempts: int = Field(description="Delivery attempts so far.")
    last_error: str | None = Field(description="The mail server's last refusal.")
    sent_at: datetime | None = Field(description="When the mail server accepted it (UTC).")


class JobOut(BaseModel):
    """Background work done for the request."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str = Field(description="e.g. `execute_request`.")
    state: JobState
    phase: str | None = Field(description="The last step it finished.")
    attempts: int
    max_attempts: int
    created_at: datetime
    finished_at: datetime | None
    last_error: str | None


class PackageOut(BaseModel):
    """The access package built for the request (its link is only in the person's email)."""

    model_config = ConfigDict(from_attributes=True)

    filename: str
    size: int = Field(description="Bytes of the zip.")
    created_at: datetime
    expires_at: datetime = Field(description="The download link works until then (UTC).")
    downloads: int
    last_downloaded_at: datetime | None


class RequestDetailOut(BaseModel):
    """One request and everything that happened to it."""

    reference: str
    type: RequestType
    channel: Channel
    state: RequestState
    contact_email: str = Field(description="Where the person is written to.")
    language: str = Field(description="The language of the messages.")
    details: str | None = Field(description="What the person wrote with the request.")
    received_at: datetime
    verified_at: datetime | None
    approved_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None = Field(description="When the person was answered.")
    due_at: datetime = Field(description="The original deadline (UTC).")
    extended_until: datetime | None = Field(description="The extended deadline, if extended.")
    deadline: datetime = Field(description="The deadline in force.")
    days_left: int | None = Field(description="Whole days to the deadline (negative: "
                                              "overdue); none once closed.")
    extension_reason: str | None
    rejection_reason: str | None
    failure_reason: str | None
    corrections: dict[str, str] | None = Field(
        description="A rectification's corrections, `table.field` → value.")
    customers: list[str] | None = Field(
        description="Processor mode: the customers whose data the request touched.")
    outcome_summary: dict[str, int] | None = Field(
        description="Counts of what was found and changed (never values).")
    decisions: list[Decision] = Field(description="The decisions its state allows now.")
    latest_extension: datetime | None = Field(
        description="The latest deadline an extension may set.")
    events: list[RequestEventOut] = Field(description="The timeline, oldest first.")
    audit_entries: list[AuditEntryOut]
    messages: list[MessageOut] = Field(description="What was written to the person.")
    jobs: list[JobOut]
    package: PackageOut | None

    @classmethod
    def of(cls, detail: RequestDetail) -> RequestDetailOut:
        request = detail.request
        return cls(
            reference=request.reference, type=RequestType(request.type),
            channel=Channel(request.channel), state=RequestState(request.state),
            contact_email=request.contact_email, language=request.language,
            details=request.details, received_at=request.received_at,
            verified_at=request.verified_at, approved_at=request.approved_at,
            started_at=request.started_at, completed_at=request.completed_at,
            due_at=request.due_at, extended_until=request.extended_until,
            deadline=request.deadline, days_left=detail.days_left,
            extension_reason=request.extension_reason,
            rejection_reason=request.rejection_reason, failure_reason=request.failure_reason,
            corrections=request.corrections, customers=request.customers,
            outcome_summary=request.outcome_summary,
            decisions=sorted(detail.decisions), latest_extension=detail.latest_extension,
            events=[RequestEventOut.model_validate(event) for event in detail.events],
            audit_entries=[AuditEntryOut.model_validate(e) for e in detail.audit_entries],
            messages=[MessageOut.model_validate(message) for message in detail.messages],
            jobs=[JobOut.model_validate(job) for job in detail.jobs],
            package=PackageOut.model_validate(detail.package) if detail.package else None)


class Approval(BaseModel):
    """Approve the request: it is queued to run."""

    model_config = ConfigDict(extra="forbid")

    corrections: dict[str, str] | None = Field(
        None, description="Required for a rectification: `table.field` (or "
                          "`datastore.table.field`) → the corrected value.",
        examples=[{"customers.last_name": "Martin"}])


class Rejection(BaseModel):
    """Reject the request; the reason is written to the person."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=4000,
                        description="Why, as the person will read it.")


class Extension(BaseModel):
    """Extend the deadline once, before it passes, within the manifest's limit; the new date
    and the reason are written to the person."""

    model_config = ConfigDict(extra="forbid")

    until: date = Field(description="The new deadline's day; the time of day stays the "
                                    "original deadline's.")
    reason: str = Field(min_length=1, max_length=4000,
                        description="Why, as the person will read it.")


class DecisionOut(BaseModel):
    """Where the request stands after the decision."""

    reference: str
    state: RequestState
    deadline: datetime = Field(description="The deadline in force (UTC).")


class OutboxPageOut(BaseModel):
    """A page of the outbox, newest message first."""

    messages: list[MessageOut]
    total: int = Field(description="Messages in the outbox.")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page, if any.")


class RequestLogOut(BaseModel):
    """The requests received in a period: what auditors ask for."""

    since: date = Field(description="The first day (included).")
    until: date = Field(description="The last day (included).")
    rows: list[RequestLogRow]


# --------------------------------------------------------------------------------- routes


@router.get("/requests", response_model=list[QueueItem], responses=_AUTH_ERRORS)
def list_open_requests(session: DbSession, _: Reader, now: Now) -> list[QueueItem]:
    """The open requests, nearest deadline first, with whole days left (negative: overdue).
    Scope `requests:read`."""
    return queue(session, now=now)


@router.get("/requests/{reference}/detail", response_model=RequestDetailOut,
            responses=_REQUEST_ERRORS)
def read_request_detail(reference: str, session: DbSession, _: Reader, now: Now,
                        manifest: CurrentManifest) -> RequestDetailOut:
    """One request: facts, timeline, audit entries, messages (without their text), jobs and
    access package. Scope `requests:read`."""
    return RequestDetailOut.of(
        request_detail(session, reference=reference, now=now, manifest=manifest))


@router.post("/requests/{reference}/approve", response_model=DecisionOut,
             responses=_DECISION_ERRORS)
def approve_request_by_key(reference: str, payload: Approval, session: DbSession,
                           caller: Decider, secret: WorkspaceSecret,
                           now: Now) -> DecisionOut:
    """Approve a verified request; it is queued to run. A rectification needs its
    corrections. Scope `requests:write`, role privacy_officer or higher."""
    request = approve_request(session, secret=secret, reference=reference, now=now,
                              actor=actor_of(caller), corrections=payload.corrections)
    return DecisionOut(reference=request.reference, state=RequestState(request.state),
                       deadline=request.deadline)


@router.post("/requests/{reference}/reject", response_model=DecisionOut,
             responses=_DECISION_ERRORS)
def reject_request_by_key(reference: str, payload: Rejection, session: DbSession,
                          caller: Decider, manifest: CurrentManifest,
                          secret: WorkspaceSecret, now: Now) -> DecisionOut:
    """Reject a request that has not run; the person is told the reason and how to
    complain. Scope `requests:write`, role privacy_officer or higher."""
    request = reject_request(session, manifest=manifest, secret=secret, reference=reference,
                             reason=payload.reason, now=now, actor=actor_of(caller))
    return DecisionOut(reference=request.reference, state=RequestState(request.state),
                       deadline=request.deadline)


@router.post("/requests/{reference}/extend", response_model=DecisionOut,
             responses=_DECISION_ERRORS)
def extend_request_by_key(reference: str, payload: Extension, session: DbSession,
                          caller: Decider, manifest: CurrentManifest,
                          secret: WorkspaceSecret, now: Now) -> DecisionOut:
    """Extend an open request's deadline (once, before it passes, within the manifest's
    limit); the person is told the new date and the reason. Scope `requests:write`, role
    privacy_officer or higher."""
    request = extend_to_day(session, manifest=manifest, secret=secret, reference=reference,
                            reason=payload.reason, day=payload.until, now=now,
                            actor=actor_of(caller))
    return DecisionOut(reference=request.reference, state=RequestState(request.state),
                       deadline=request.deadline)


@router.get("/outbox", response_model=OutboxPageOut, responses=_AUTH_ERRORS)
def read_outbox(session: DbSession, _: OutboxReader,
                limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
                offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> OutboxPageOut:
    """The outbox, newest first: recipients, subjects, kinds and delivery status (never the
    text). Scope `outbox:read`, role privacy_officer or higher."""
    page = outbox_page(session, limit=limit, offset=offset)
    return OutboxPageOut(messages=[MessageOut.model_validate(m) for m in page.messages],
                         total=page.total, limit=page.limit, offset=page.offset,
                         next_offset=page.next_offset)


@router.get("/request-log", response_model=RequestLogOut, responses=_AUTH_ERRORS)
def read_request_log(session: DbSession, _: Reader, now: Now,
                     since: Annotated[date | None, Query(
                         description="The first day (included); default: 12 months "
                                     "before `until`.")] = None,
                     until: Annotated[date | None, Query(
                         description="The last day (included); default: today (UTC).")]
                     = None) -> RequestLogOut:
    """The requests received from `since` to `until` (both included): received and answered
    dates, outcome, refusal reason, days taken, deadline met. Scope `requests:read`."""
    log = request_log_for(session, first_day=since, last_day=until, today=now.date())
    return RequestLogOut(since=log.first_day, until=log.last_day, rows=list(log.rows))
