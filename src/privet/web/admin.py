"""The admin pages at ``/admin`` (the privacy team): sign in, the request queue, one request
and the decisions on it, the outbox, the request log.

Every page needs a signed-in person (``page_user``); deciding needs the privacy_officer
role or higher, and so does the outbox (its messages hold codes and download links).
Every form is CSRF-checked and answered with a redirect (post/redirect/get); a decision
the request's state does not allow re-renders the request with the reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from privet.auth.service import (
    AuthenticationError,
    AuthorizationError,
    Principal,
    authenticate,
    require_role,
)
from privet.manifest.schema import Manifest
from privet.models.accounts import Role
from privet.web.csrf import CsrfChecked
from privet.web.deps import (
    CurrentManifest,
    CurrentSettings,
    DbSession,
    Now,
    WorkspaceSecret,
    web_context,
)
from privet.web.pages import render
from privet.web.security import end_admin_session, page_principal, page_user, start_admin_session
from privet.workflow.handling import approve_request, reject_request
from privet.workflow.service import RequestNotFound, WorkflowError, queue
from privet.workflow.views import (
    MAX_OFFSET,
    Decision,
    actor_of,
    extend_to_day,
    outbox_page,
    parse_corrections,
    parse_day,
    request_detail,
    request_log_csv,
    request_log_for,
)

router = APIRouter(prefix="/admin", include_in_schema=False)

Viewer = Annotated[Principal, Depends(page_user(Role.viewer))]
Officer = Annotated[Principal, Depends(page_user(Role.privacy_officer))]

OUTBOX_PAGE_SIZE = 50
_DONE = {
    Decision.approve: "Approved: the request is queued to run.",
    Decision.reject: "Rejected: the person is told why and how to complain.",
    Decision.extend: "Extended: the person is told the new deadline and why.",
}


def _may_decide(principal: Principal) -> bool:
    try:
        require_role(principal, at_least=Role.privacy_officer)
    except AuthorizationError:
        return False
    return True


def _local_admin_path(target: str) -> str:
    """``target`` if it is a path of the admin on this site; else ``/admin`` (no open
    redirect to another site after signing in)."""
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or "\\" in target
            or not (parts.path == "/admin" or parts.path.startswith("/admin/"))):
        return "/admin"
    return target


# ---------------------------------------------------------------------------- sign-in


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, session: DbSession,
               next: Annotated[str, Query(max_length=500)] = "/admin") -> Response:
    """The sign-in form (a person already signed in goes on to the admin)."""
    if page_principal(request, session) is not None:
        return RedirectResponse(_local_admin_path(next), status_code=303)
    return render(request, "admin/login.html", next=_local_admin_path(next), username="")


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: DbSession, now: Now, _: CsrfChecked,
          username: Annotated[str, Form(max_length=320)] = "",
          password: Annotated[str, Form(max_length=1000)] = "",
          next: Annotated[str, Form(max_length=500)] = "/admin") -> Response:
    """Sign in and go on to ``next``; a refusal says the same whatever the reason. The
    refusal is caught here, so the failure count is committed like any change."""
    target = _local_admin_path(next)
    try:
        principal = authenticate(username, password, session=session, now=now)
    except AuthenticationError as refused:
        return render(request, "admin/login.html", status_code=401, next=target,
                      username=username, error=refused.message, hint=refused.hint)
    response = RedirectResponse(target, status_code=303)
    start_admin_session(request, response, principal)
    return response


@router.post("/logout")
def logout(_: CsrfChecked) -> Response:
    """Sign out: the cookie is removed."""
    response = RedirectResponse("/admin/login", status_code=303)
    end_admin_session(response)
    return response


# ------------------------------------------------------------------------------ pages


@router.get("", response_class=HTMLResponse)
def queue_page(request: Request, session: DbSession, principal: Viewer, now: Now,
               settings: CurrentSettings) -> Response:
    """The open requests, nearest deadline first."""
    return render(request, "admin/queue.html", principal=principal,
                  items=queue(session, now=now),
                  soon_within=settings.requests.reminder_days)


def _request_page(request: Request, session: Session, *, principal: Principal, reference: str,
                  now: datetime, manifest: Manifest, status_code: int = 200,
                  error: WorkflowError | None = None,
                  form: dict[str, str] | None = None) -> Response:
    detail = request_detail(session, reference=reference, now=now, manifest=manifest)
    done = request.query_params.get("done", "")
    return render(request, "admin/request.html", status_code=status_code,
                  principal=principal, detail=detail, may_decide=_may_decide(principal),
                  soon_within=web_context(request).settings.requests.reminder_days,
                  error=error, form=form or {},
                  done=_DONE.get(Decision(done)) if done in Decision.__members__ else None)


@router.get("/requests/{reference}", response_class=HTMLResponse)
def request_page(reference: str, request: Request, session: DbSession, principal: Viewer,
                 now: Now, manifest: CurrentManifest) -> Response:
    """One request: the facts, what the person wrote, the timeline, what was found and
    changed, the package, the messages, the jobs, the audit entries; the decisions."""
    return _request_page(request, session, principal=principal, reference=reference, now=now,
                         manifest=manifest)


def _decided(reference: str, decision: Decision) -> Response:
    return RedirectResponse(f"/admin/requests/{quote(reference)}?done={decision.value}",
                            status_code=303)


def _refused(request: Request, session: Session, error: WorkflowError, *,
             principal: Principal, reference: str, now: datetime, manifest: Manifest,
             form: dict[str, str]) -> Response:
    """The request again, with why the decision was refused and what was typed. Nothing of
    the refused decision is kept."""
    if isinstance(error, RequestNotFound):
        raise error
    session.rollback()
    return _request_page(request, session, principal=principal, reference=reference, now=now,
                         manifest=manifest, status_code=error.http_status, error=error,
                         form=form)


@router.post("/requests/{reference}/approve")
def approve(reference: str, request: Request, session: DbSession, principal: Officer,
            _: CsrfChecked, now: Now, manifest: CurrentManifest, secret: WorkspaceSecret,
            corrections: Annotated[str, Form(max_length=20_000)] = "") -> Response:
    """Approve the request (a rectification with its corrections): it is queued to run."""
    try:
        approve_request(session, secret=secret, reference=reference, now=now,
                        actor=actor_of(principal),
                        corrections=parse_corrections(corrections) or None)
    except WorkflowError as error:
        return _refused(request, session, error, principal=principal, reference=reference,
                        now=now, manifest=manifest, form={"corrections": corrections})
    return _decided(reference, Decision.approve)


@router.post("/requests/{reference}/reject")
def reject(reference: str, request: Request, session: DbSession, principal: Officer,
           _: CsrfChecked, now: Now, manifest: CurrentManifest, secret: WorkspaceSecret,
           reason: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Reject the request; the reason is written to the person."""
    try:
        reject_request(session, manifest=manifest, secret=secret, reference=reference,
                       reason=reason, now=now, actor=actor_of(principal))
    except WorkflowError as error:
        return _refused(request, session, error, principal=principal, reference=reference,
                        now=now, manifest=manifest, form={"reason": reason})
    return _decided(reference, Decision.reject)


@router.post("/requests/{reference}/extend")
def extend(reference: str, request: Request, session: DbSession, principal: Officer,
           _: CsrfChecked, now: Now, manifest: CurrentManifest, secret: WorkspaceSecret,
           until: Annotated[str, Form(max_length=32)] = "",
           reason: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Extend the deadline to a day; the new date and the reason are written to the
    person."""
    try:
        extend_to_day(session, manifest=manifest, secret=secret, reference=reference,
                      reason=reason, day=parse_day(until, what="the new deadline"), now=now,
                      actor=actor_of(principal))
    except WorkflowError as error:
        return _refused(request, session, error, principal=principal, reference=reference,
                        now=now, manifest=manifest,
                        form={"until": until, "extension_reason": reason})
    return _decided(reference, Decision.extend)


@router.get("/outbox", response_class=HTMLResponse)
def outbox(request: Request, session: DbSession, principal: Officer,
           offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0) -> Response:
    """Every message Privet wrote, newest first, with its text: the demo's mailbox."""
    return render(request, "admin/outbox.html", principal=principal,
                  page=outbox_page(session, limit=OUTBOX_PAGE_SIZE, offset=offset))


def _day(text: str | None, what: str) -> date | None:
    return parse_day(text, what=what) if text and text.strip() else None


@router.get("/log", response_class=HTMLResponse)
def log(request: Request, session: DbSession, principal: Viewer, now: Now,
        since: Annotated[str | None, Query(max_length=32)] = None,
        until: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    """The request log of a period (by default the last 12 months)."""
    period = request_log_for(session, first_day=_day(since, "the first day"),
                             last_day=_day(until, "the last day"), today=now.date())
    return render(request, "admin/log.html", principal=principal, log=period)


@router.get("/log.csv")
def log_csv(session: DbSession, principal: Viewer, now: Now,
            since: Annotated[str | None, Query(max_length=32)] = None,
            until: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    """The request log of a period as a CSV download."""
    period = request_log_for(session, first_day=_day(since, "the first day"),
                             last_day=_day(until, "the last day"), today=now.date())
    name = f"request-log-{period.first_day}-to-{period.last_day}.csv"
    return Response(request_log_csv(period), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
