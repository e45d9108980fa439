"""The breach register's API, under ``/api/admin/breaches``, for machines with API keys.

The same keys as the rest of the admin API (``Authorization: Bearer pk_…`` or
``X-API-Key``): reading needs ``breaches:read`` (viewer or higher), recording, deciding
and notifying ``breaches:write`` (privacy_officer or higher). 401 without a valid key, 403
for a role too low or a scope missing; a malformed payload is a 422 naming each field.
Each route calls one service of ``privet.breaches``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from privet.auth.service import Principal
from privet.breaches import service
from privet.breaches.schemas import (
    BreachChanges,
    BreachFacts,
    ClosingFacts,
    DecisionFacts,
    NotificationFacts,
)
from privet.breaches.views import (
    AffectedPeopleOut,
    BreachOut,
    BreachSummaryOut,
    breach_out,
    summary_out,
)
from privet.manifest.schema import Manifest
from privet.models.accounts import Role
from privet.web.deps import CurrentManifest, DbSession, Now, WorkspaceSecret, web_context
from privet.web.security import API_KEY_SCHEMES, api_caller
from privet.workflow.views import actor_of

router = APIRouter(prefix="/api/admin/breaches", tags=["breaches"],
                   dependencies=API_KEY_SCHEMES)

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


@router.get("", response_model=list[BreachSummaryOut], responses=_AUTH)
def list_breaches(session: DbSession, _: Reader, now: Now) -> list[BreachSummaryOut]:
    """The register, open breaches first, each with its 72-hour clock. Scope
    `breaches:read`."""
    return [summary_out(b, now) for b in service.register(session)]


@router.post("", response_model=BreachOut, status_code=201, responses=_CHANGE)
def record_breach(payload: BreachFacts, session: DbSession, caller: Writer, now: Now,
                  manifest: CurrentManifest, secret: WorkspaceSecret) -> BreachOut:
    """Record a breach (Art. 33(5)); its clock starts at `discovered_at`. Scope
    `breaches:write`, role privacy_officer or higher."""
    breach = service.record_breach(session, manifest, payload, secret=secret,
                                   actor=actor_of(caller), now=now)
    return breach_out(breach, manifest, now)


@router.get("/{reference}", response_model=BreachOut, responses=_ONE)
def read_breach(reference: str, session: DbSession, _: Reader, now: Now,
                manifest: CurrentManifest) -> BreachOut:
    """One breach: facts, clock, decisions, notifications and the drafts of its notices.
    Scope `breaches:read`."""
    return breach_out(service.get_breach(session, reference), manifest, now)


@router.patch("/{reference}", response_model=BreachOut, responses=_CHANGE)
def update_breach(reference: str, payload: BreachChanges, session: DbSession, caller: Writer,
                  now: Now, manifest: CurrentManifest, secret: WorkspaceSecret) -> BreachOut:
    """Complete or correct the facts as the investigation goes on (only the fields given).
    Scope `breaches:write`."""
    breach = service.update_breach(session, manifest, reference, payload, secret=secret,
                                   actor=actor_of(caller), now=now)
    return breach_out(breach, manifest, now)


@router.get("/{reference}/people", response_model=AffectedPeopleOut, responses=_ONE)
def count_affected_people(reference: str, request: Request, session: DbSession, _: Reader,
                          manifest: CurrentManifest) -> AffectedPeopleOut:
    """How many people the datastores and tables involved hold, by identity type, found
    through the identity graph (read-only). Scope `breaches:read`."""
    found = service.affected_people(session, reference, finder=_finder(request, manifest))
    return AffectedPeopleOut.of(found)


@router.post("/{reference}/decisions", response_model=BreachOut, responses=_CHANGE)
def decide(reference: str, payload: DecisionFacts, request: Request, session: DbSession,
           caller: Writer, now: Now, manifest: CurrentManifest,
           secret: WorkspaceSecret) -> BreachOut:
    """Record a decision: notify the authority or not, tell the people or not, and why. It
    supersedes an earlier one on the same question. Deciding to tell the people writes to
    each of them through the outbox. Scope `breaches:write`."""
    outcome = service.decide(session, manifest, reference, payload, secret=secret,
                             actor=actor_of(caller), now=now,
                             finder=_finder(request, manifest))
    return breach_out(outcome.decision.breach, manifest, now)


def _finder(request: Request, manifest: Manifest) -> service.PeopleFinder:
    runtime = web_context(request)
    return service.PeopleFinder(manifest, runtime.workspace.root,
                                runtime.settings.connect_timeout)


@router.post("/{reference}/notifications", response_model=BreachOut, responses=_CHANGE)
def notify(reference: str, payload: NotificationFacts, session: DbSession, caller: Writer,
           now: Now, manifest: CurrentManifest, secret: WorkspaceSecret) -> BreachOut:
    """Record a notification made to the authority (initial, follow_up, final; reasons for
    the delay after 72 hours) or a public communication. Scope `breaches:write`."""
    notification = service.notify(session, manifest, reference, payload, secret=secret,
                                  actor=actor_of(caller), now=now)
    return breach_out(notification.breach, manifest, now)


@router.post("/{reference}/close", response_model=BreachOut, responses=_CHANGE)
def close(reference: str, payload: ClosingFacts, session: DbSession, caller: Writer,
          now: Now, manifest: CurrentManifest, secret: WorkspaceSecret) -> BreachOut:
    """Close the breach once the authority question is settled (and, at high risk, the
    people's). Scope `breaches:write`."""
    breach = service.close_breach(session, reference, payload, secret=secret,
                                  actor=actor_of(caller), now=now)
    return breach_out(breach, manifest, now)
