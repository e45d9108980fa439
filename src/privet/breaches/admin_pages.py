"""The admin's breach register (``/admin/breaches``): every breach with its 72-hour clock,
the form to record one, and a breach's page with the drafts of its notices, the people
found in the tables involved, its decisions and notifications, and the forms to record
them.

Any signed-in role reads; recording, deciding, notifying and closing need the
privacy_officer role or higher. Every form is CSRF-checked and answered with a redirect;
a refused one shows the page again with each problem at its field, nothing recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from privet.auth.service import AuthorizationError, Principal, require_role
from privet.breaches import service
from privet.breaches.people import AffectedPeople
from privet.breaches.schemas import (
    BreachFacts,
    ClosingFacts,
    DecisionFacts,
    NotificationFacts,
)
from privet.kit.errors import PrivetError
from privet.manifest.schema import Manifest
from privet.models.accounts import Role
from privet.models.breaches import (
    BreachNature,
    DecisionQuestion,
    NotificationPhase,
    PeopleException,
    RiskLevel,
)
from privet.web.csrf import CsrfChecked
from privet.web.deps import CurrentManifest, DbSession, Now, WorkspaceSecret, web_context
from privet.web.pages import render
from privet.web.security import page_user
from privet.workflow.views import actor_of

router = APIRouter(prefix="/admin", include_in_schema=False)
Viewer = Annotated[Principal, Depends(page_user(Role.viewer))]
Officer = Annotated[Principal, Depends(page_user(Role.privacy_officer))]
Text = Annotated[str, Form(max_length=20_000)]
Short = Annotated[str, Form(max_length=2_000)]

_DONE = {
    "recorded": "Recorded. The clock runs from the discovery.",
    "decided": "Decision recorded.",
    "told": "Decision recorded; a message to each person found is queued in the outbox.",
    "notified": "Notification recorded.",
    "closed": "Closed.",
}


def _may_act(principal: Principal) -> bool:
    try:
        require_role(principal, at_least=Role.privacy_officer)
    except AuthorizationError:
        return False
    return True


def _by_field(problems: dict[str, str]) -> dict[str, str]:
    """``systems[1]: …`` shown at the ``systems`` field."""
    shown: dict[str, str] = {}
    for where, message in problems.items():
        field = where.split("[", 1)[0].split(".", 1)[0]
        prefix = where[len(field):]
        shown.setdefault(field, (f"{prefix.strip('.')}: " if prefix else "") + message)
    return shown


def _lines(text: str) -> list[str]:
    return [part.strip() for line in text.splitlines() for part in line.split(",")
            if part.strip()]


# ---------------------------------------------------------------------------- register


@router.get("/breaches", response_class=HTMLResponse)
def register_page(request: Request, principal: Viewer, session: DbSession,
                  now: Now) -> HTMLResponse:
    """Every breach, open ones first, with its clock (any signed-in role)."""
    rows = [(b, service.clock_of(b, now)) for b in service.register(session)]
    return render(request, "admin/breaches.html", principal=principal, rows=rows,
                  may_act=_may_act(principal))


def _form_page(request: Request, principal: Principal, manifest: Manifest, *,
               values: dict[str, Any], errors: dict[str, str],
               status_code: int = 200) -> HTMLResponse:
    systems = [key for key in manifest.datastores] + [
        f"{d}.{t}" for d, store in manifest.datastores.items() for t in store.tables]
    held = sorted({c for _, _, table in manifest.tables() for c in table.categories})
    return render(request, "admin/breach_new.html", status_code=status_code,
                  principal=principal, values=values, errors=errors, systems=systems,
                  held_categories=held, natures=list(BreachNature), risks=list(RiskLevel))


@router.get("/breaches/new", response_class=HTMLResponse)
def new_breach_page(request: Request, principal: Officer,
                    manifest: CurrentManifest) -> HTMLResponse:
    """The form to record a breach."""
    return _form_page(request, principal, manifest, values={"nature": ["confidentiality"]},
                      errors={})


@router.post("/breaches", response_class=HTMLResponse)
def record(request: Request, principal: Officer, session: DbSession, _: CsrfChecked,
           now: Now, manifest: CurrentManifest, secret: WorkspaceSecret,
           title: Short = "", description: Text = "",
           nature: Annotated[list[str] | None, Form(max_length=10)] = None,
           occurred_at: Short = "", discovered_at: Short = "",
           data_categories: Text = "", subject_categories: Text = "",
           systems: Annotated[list[str] | None, Form(max_length=500)] = None,
           people_affected: Short = "", records_affected: Short = "",
           consequences: Text = "", measures: Text = "", advice: Text = "",
           risk: Short = "", contact_point: Short = "") -> Response:
    """Record the breach; the form again, with each problem at its field, if refused."""
    values: dict[str, Any] = {
        "title": title, "description": description, "nature": nature or [],
        "occurred_at": occurred_at or None, "discovered_at": discovered_at or None,
        "data_categories": _lines(data_categories),
        "subject_categories": _lines(subject_categories), "systems": systems or [],
        "people_affected": people_affected.strip() or None,
        "records_affected": records_affected.strip() or None,
        "consequences": consequences, "measures": measures, "advice": advice or None,
        "risk": risk or None, "contact_point": contact_point or None}
    try:
        facts = service.checked(BreachFacts, values)
        breach = service.record_breach(session, manifest, facts, secret=secret,
                                       actor=actor_of(principal), now=now)
    except service.BreachInvalid as refused:
        shown = {**values, "data_categories": data_categories,
                 "subject_categories": subject_categories, "occurred_at": occurred_at,
                 "discovered_at": discovered_at, "people_affected": people_affected,
                 "records_affected": records_affected}
        return _form_page(request, principal, manifest, values=shown,
                          errors=_by_field(refused.problems), status_code=422)
    return RedirectResponse(f"/admin/breaches/{quote(breach.reference)}?done=recorded",
                            status_code=303)


# ---------------------------------------------------------------------------- one breach


def _finder(request: Request, manifest: Manifest) -> service.PeopleFinder:
    runtime = web_context(request)
    return service.PeopleFinder(manifest, runtime.workspace.root,
                                runtime.settings.connect_timeout)


def _people(request: Request, session: Session, manifest: Manifest,
            reference: str) -> tuple[AffectedPeople | None, str | None]:
    try:
        return service.affected_people(session, reference,
                                       finder=_finder(request, manifest)), None
    except PrivetError as exc:
        return None, exc.message


def _breach_page(request: Request, session: Session, *, principal: Principal,
                 reference: str, now: datetime, manifest: Manifest, status_code: int = 200,
                 error: PrivetError | None = None, errors: dict[str, str] | None = None,
                 form: dict[str, str] | None = None) -> HTMLResponse:
    breach = service.get_breach(session, reference)
    closed = breach.status == "closed"
    # Searching every table involved is a scan: only when asked (?people=count).
    counting = (not closed and bool(breach.systems)
                and request.query_params.get("people") == "count")
    people, people_error = (_people(request, session, manifest, breach.reference)
                            if counting else (None, None))
    done = request.query_params.get("done", "")
    return render(
        request, "admin/breach.html", status_code=status_code, principal=principal,
        breach=breach, clock=service.clock_of(breach, now),
        drafts=None if closed else service.drafts(breach, manifest, now=now),
        people=people, people_error=people_error, may_act=_may_act(principal) and not closed,
        authority_decision=service.in_force(breach, DecisionQuestion.authority),
        people_decision=service.in_force(breach, DecisionQuestion.people),
        lapsed=service.lapsed(breach),
        exception_words=service.exception_words, exceptions=list(PeopleException),
        phases=list(NotificationPhase), error=error, errors=errors or {}, form=form or {},
        done=_DONE.get(done))


@router.get("/breaches/{reference}", response_class=HTMLResponse)
def breach_page(reference: str, request: Request, principal: Viewer, session: DbSession,
                now: Now, manifest: CurrentManifest) -> HTMLResponse:
    """One breach: the clock, the facts, the people found, the drafts, the decisions and
    notifications; the forms to record them."""
    return _breach_page(request, session, principal=principal, reference=reference, now=now,
                        manifest=manifest)


def _refused(request: Request, session: Session, error: PrivetError, *,
             principal: Principal, reference: str, now: datetime, manifest: Manifest,
             form: dict[str, str]) -> HTMLResponse:
    """The breach again, with why nothing was recorded and what was typed."""
    if isinstance(error, service.BreachNotFound):
        raise error
    session.rollback()
    errors = _by_field(error.problems) if isinstance(error, service.BreachInvalid) else {}
    return _breach_page(request, session, principal=principal, reference=reference, now=now,
                        manifest=manifest, status_code=error.http_status, error=error,
                        errors=errors, form=form)


def _done(reference: str, what: str) -> Response:
    return RedirectResponse(f"/admin/breaches/{quote(reference)}?done={what}", status_code=303)


@router.post("/breaches/{reference}/decide", response_class=HTMLResponse)
def decide(reference: str, request: Request, principal: Officer, session: DbSession,
           _: CsrfChecked, now: Now, manifest: CurrentManifest, secret: WorkspaceSecret,
           question: Short = "", notify: Short = "", reason: Text = "",
           exception: Short = "") -> Response:
    """Record a decision; telling the people queues a message to each of them."""
    form = {"question": question, "notify": notify, "reason": reason, "exception": exception}
    try:
        facts = service.checked(DecisionFacts, {
            "question": question or None, "notify": {"yes": True, "no": False}.get(notify),
            "reason": reason, "exception": exception or None})
        outcome = service.decide(session, manifest, reference, facts, secret=secret,
                                 actor=actor_of(principal), now=now,
                                 finder=_finder(request, manifest))
    except PrivetError as error:
        return _refused(request, session, error, principal=principal, reference=reference,
                        now=now, manifest=manifest, form=form)
    return _done(reference, "told" if outcome.notification is not None else "decided")


@router.post("/breaches/{reference}/notify", response_class=HTMLResponse)
def notify(reference: str, request: Request, principal: Officer, session: DbSession,
           _: CsrfChecked, now: Now, manifest: CurrentManifest, secret: WorkspaceSecret,
           audience: Short = "authority", phase: Short = "", sent_at: Short = "",
           authority_reference: Short = "", delay_reasons: Text = "") -> Response:
    """Record a notification made to the authority (or to the public)."""
    form = {"audience": audience, "phase": phase, "sent_at": sent_at,
            "authority_reference": authority_reference, "delay_reasons": delay_reasons}
    try:
        facts = service.checked(NotificationFacts, {
            "audience": audience or None, "phase": phase or None, "sent_at": sent_at or None,
            "authority_reference": authority_reference or None,
            "delay_reasons": delay_reasons or None})
        service.notify(session, manifest, reference, facts, secret=secret,
                       actor=actor_of(principal), now=now)
    except PrivetError as error:
        return _refused(request, session, error, principal=principal, reference=reference,
                        now=now, manifest=manifest, form=form)
    return _done(reference, "notified")


@router.post("/breaches/{reference}/close", response_class=HTMLResponse)
def close(reference: str, request: Request, principal: Officer, session: DbSession,
          _: CsrfChecked, now: Now, manifest: CurrentManifest, secret: WorkspaceSecret,
          note: Text = "") -> Response:
    """Close the breach."""
    try:
        service.close_breach(session, reference, service.checked(ClosingFacts, {"note": note}),
                             secret=secret, actor=actor_of(principal), now=now)
    except PrivetError as error:
        return _refused(request, session, error, principal=principal, reference=reference,
                        now=now, manifest=manifest, form={"note": note})
    return _done(reference, "closed")
