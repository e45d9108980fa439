"""The breach register's API, under ``/api/admin/breaches``, for machines with API keys.

The same keys as the rest of the admin API (``Authorization: Bearer pk_…`` or
``X-API-Key``): reading needs ``breaches:read`` (viewer or higher), recording, deciding
and notifying ``breaches:write`` (privacy_officer or higher). 401 without a valid key, 403
for a role too low or a scope missing; a malformed payload is a 422 naming each field.
Each route calls one service of ``privet.breaches``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer
from pydantic import BaseModel, Field

from privet.auth.service import Principal
from privet.breaches import service
from privet.breaches.people import find_affected_people
from privet.breaches.schemas import (
    BreachChanges,
    BreachFacts,
    ClosingFacts,
    DecisionFacts,
    NotificationFacts,
)
from privet.models.accounts import Role
from privet.models.breaches import Breach
from privet.requests.engine import ConnectedDatastores
from privet.web.deps import CurrentManifest, DbSession, Now, WorkspaceSecret, web_context
from privet.web.security import api_caller
from privet.workflow.views import actor_of

_BEARER = HTTPBearer(auto_error=False, scheme_name="bearer",
                     description="An API key, `Authorization: Bearer pk_…` "
                                 "(`privet users api-key`).")
_HEADER = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="x-api-key",
                       description="The same API key, in the X-API-Key header.")

router = APIRouter(prefix="/api/admin/breaches", tags=["breaches"],
                   dependencies=[Security(_BEARER), Security(_HEADER)])

Reader = Annotated[Principal, Depends(api_caller(Role.viewer, "breaches:read"))]
Writer = Annotated[Principal, Depends(api_caller(Role.privacy_officer, "breaches:write"))]


class ErrorBody(BaseModel):
    code: str = Field(description="e.g. `breach_invalid`, `breach_not_found`.")
    message: str = Field(description="What went wrong, each problem at its field.")
    hint: str | None


class ErrorOut(BaseModel):
    error: ErrorBody


_AUTH: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No API key, or an unknown or revoked one."},
    403: {"model": ErrorOut, "description": "The key's role is too low, or it lacks the "
                                            "scope."},
}
_ONE: dict[int | str, dict[str, Any]] = {
    **_AUTH, 404: {"model": ErrorOut, "description": "No breach has this reference."}}
_CHANGE: dict[int | str, dict[str, Any]] = {
    **_ONE,
    409: {"model": ErrorOut, "description": "The breach's state does not allow it (closed, "
                                            "already notified, a decision that the risk "
                                            "level rules out)."},
    422: {"model": ErrorOut, "description": "A fact missing or wrong, named by field; "
                                            "nothing was recorded."},
}


class ClockOut(BaseModel):
    """Where the breach stands against the 72 hours of Art. 33(1)."""

    deadline: datetime = Field(description="Discovery + 72 hours (UTC).")
    state: service.ClockState
    hours_left: float = Field(description="Hours to the deadline; negative: late.")
    summary: str = Field(description="In words, e.g. `70 h 05 min left`.")

    @classmethod
    def of(cls, clock: service.BreachClock) -> ClockOut:
        return cls(deadline=clock.deadline, state=clock.state,
                   hours_left=round(clock.time_left.total_seconds() / 3600, 2),
                   summary=clock.summary)


class DecisionOut(BaseModel):
    question: str
    notify: bool
    reason: str
    exception: str | None
    decided_at: datetime
    decided_by: str


class NotificationOut(BaseModel):
    audience: str
    phase: str
    sent_at: datetime
    recorded_by: str
    authority_reference: str | None
    delay_reasons: str | None
    recipients: int | None = Field(description="To the people: messages queued.")
    content: str = Field(description="What was sent.")


class DraftsOut(BaseModel):
    authority_phase: str = Field(description="The phase the authority's draft is for.")
    authority: str = Field(description="To the supervisory authority (Art. 33(3)).")
    people: str = Field(description="To each person affected (Art. 34(2)).")


class BreachSummaryOut(BaseModel):
    reference: str
    title: str
    status: str
    risk: str
    discovered_at: datetime
    clock: ClockOut


class BreachOut(BreachSummaryOut):
    """A breach: its facts, clock, decisions, notifications and drafts."""

    description: str
    nature: list[str]
    occurred_at: datetime | None
    recorded_at: datetime
    recorded_by: str
    data_categories: list[str]
    subject_categories: list[str]
    systems: list[str]
    people_affected: int | None
    records_affected: int | None
    consequences: str
    measures: str
    advice: str | None
    contact_point: str | None
    closed_at: datetime | None
    closing_note: str | None
    decisions: list[DecisionOut]
    notifications: list[NotificationOut]
    drafts: DraftsOut | None = Field(description="None once closed.")


class AffectedPeopleOut(BaseModel):
    """How many people the tables involved hold, by identity type (never the values)."""

    tables: list[str]
    identities: dict[str, int]


def _summary(breach: Breach, now: datetime) -> BreachSummaryOut:
    return BreachSummaryOut(reference=breach.reference, title=breach.title,
                            status=breach.status, risk=breach.risk,
                            discovered_at=breach.discovered_at,
                            clock=ClockOut.of(service.clock_of(breach, now)))


def _full(breach: Breach, manifest: Any, now: datetime) -> BreachOut:
    drafts = (None if breach.status == "closed"
              else service.drafts(breach, manifest, now=now))
    return BreachOut(
        **_summary(breach, now).model_dump(), description=breach.description,
        nature=breach.nature, occurred_at=breach.occurred_at,
        recorded_at=breach.recorded_at, recorded_by=breach.recorded_by,
        data_categories=breach.data_categories, subject_categories=breach.subject_categories,
        systems=breach.systems, people_affected=breach.people_affected,
        records_affected=breach.records_affected, consequences=breach.consequences,
        measures=breach.measures, advice=breach.advice, contact_point=breach.contact_point,
        closed_at=breach.closed_at, closing_note=breach.closing_note,
        decisions=[DecisionOut(question=d.question, notify=d.notify, reason=d.reason,
                               exception=d.exception, decided_at=d.decided_at,
                               decided_by=d.decided_by) for d in breach.decisions],
        notifications=[NotificationOut(
            audience=n.audience, phase=n.phase, sent_at=n.sent_at, recorded_by=n.recorded_by,
            authority_reference=n.authority_reference, delay_reasons=n.delay_reasons,
            recipients=n.recipients, content=n.content) for n in breach.notifications],
        drafts=None if drafts is None else DraftsOut(
            authority_phase=drafts.authority_phase.value, authority=drafts.authority,
            people=drafts.people))


@router.get("", response_model=list[BreachSummaryOut], responses=_AUTH)
def list_breaches(session: DbSession, _: Reader, now: Now) -> list[BreachSummaryOut]:
    """The register, open breaches first, each with its 72-hour clock. Scope
    `breaches:read`."""
    return [_summary(b, now) for b in service.register(session)]


@router.post("", response_model=BreachOut, status_code=201, responses=_CHANGE)
def record_breach(payload: BreachFacts, session: DbSession, caller: Writer, now: Now,
                  manifest: CurrentManifest, secret: WorkspaceSecret) -> BreachOut:
    """Record a breach (Art. 33(5)); its clock starts at `discovered_at`. Scope
    `breaches:write`, role privacy_officer or higher."""
    breach = service.record_breach(session, manifest, payload, secret=secret,
                                   actor=actor_of(caller), now=now)
    return _full(breach, manifest, now)


@router.get("/{reference}", response_model=BreachOut, responses=_ONE)
def read_breach(reference: str, session: DbSession, _: Reader, now: Now,
                manifest: CurrentManifest) -> BreachOut:
    """One breach: facts, clock, decisions, notifications and the drafts of its notices.
    Scope `breaches:read`."""
    return _full(service.get_breach(session, reference), manifest, now)


@router.patch("/{reference}", response_model=BreachOut, responses=_CHANGE)
def update_breach(reference: str, payload: BreachChanges, session: DbSession, caller: Writer,
                  now: Now, manifest: CurrentManifest, secret: WorkspaceSecret) -> BreachOut:
    """Complete or correct the facts as the investigation goes on (only the fields given).
    Scope `breaches:write`."""
    breach = service.update_breach(session, manifest, reference, payload, secret=secret,
                                   actor=actor_of(caller), now=now)
    return _full(breach, manifest, now)


@router.get("/{reference}/people", response_model=AffectedPeopleOut, responses=_ONE)
def count_affected_people(reference: str, request: Request, session: DbSession, _: Reader,
                          manifest: CurrentManifest) -> AffectedPeopleOut:
    """How many people the datastores and tables involved hold, by identity type, found
    through the identity graph (read-only). Scope `breaches:read`."""
    breach = service.get_breach(session, reference)
    runtime = web_context(request)
    with ConnectedDatastores.open(manifest, runtime.workspace.root,
                                  timeout=runtime.settings.connect_timeout,
                                  write=False) as datastores:
        found = find_affected_people(datastores, breach.systems)
    return AffectedPeopleOut(tables=found.tables, identities=found.counts())


@router.post("/{reference}/decisions", response_model=BreachOut, responses=_CHANGE)
def decide(reference: str, payload: DecisionFacts, request: Request, session: DbSession,
           caller: Writer, now: Now, manifest: CurrentManifest,
           secret: WorkspaceSecret) -> BreachOut:
    """Record a decision: notify the authority or not, tell the people or not, and why. It
    supersedes an earlier one on the same question. Deciding to tell the people writes to
    each of them through the outbox. Scope `breaches:write`."""
    runtime = web_context(request)
    with ConnectedDatastores.open(manifest, runtime.workspace.root,
                                  timeout=runtime.settings.connect_timeout, write=False,
                                  only=_stores(session, reference, payload)) as datastores:
        outcome = service.decide(session, manifest, reference, payload, secret=secret,
                                 actor=actor_of(caller), now=now, datastores=datastores)
    return _full(outcome.decision.breach, manifest, now)


def _stores(session: Any, reference: str, payload: DecisionFacts) -> list[str]:
    """The datastores to open: none unless the people are to be told."""
    if payload.question.value != "people" or not payload.notify:
        return []
    return list(dict.fromkeys(s.partition(".")[0]
                              for s in service.get_breach(session, reference).systems))


@router.post("/{reference}/notifications", response_model=BreachOut, responses=_CHANGE)
def notify(reference: str, payload: NotificationFacts, session: DbSession, caller: Writer,
           now: Now, manifest: CurrentManifest, secret: WorkspaceSecret) -> BreachOut:
    """Record a notification made to the authority (initial, follow_up, final; reasons for
    the delay after 72 hours) or a public communication. Scope `breaches:write`."""
    notification = service.notify(session, manifest, reference, payload, secret=secret,
                                  actor=actor_of(caller), now=now)
    return _full(notification.breach, manifest, now)


@router.post("/{reference}/close", response_model=BreachOut, responses=_CHANGE)
def close(reference: str, payload: ClosingFacts, session: DbSession, caller: Writer,
          now: Now, manifest: CurrentManifest, secret: WorkspaceSecret) -> BreachOut:
    """Close the breach once the authority question is settled (and, at high risk, the
    people's). Scope `breaches:write`."""
    breach = service.close_breach(session, reference, payload, secret=secret,
                                  actor=actor_of(caller), now=now)
    return _full(breach, manifest, now)
