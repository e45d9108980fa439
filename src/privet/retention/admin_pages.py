"""The admin's retention page (``/admin/retention``): the rules as the policy words them,
what is due now (counted live, read-only), the last runs; a run's report; Run now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from privet.auth.service import Principal
from privet.kit.clock import utc_naive
from privet.models.accounts import Role
from privet.requests.engine import ConnectedDatastores
from privet.retention import service
from privet.retention.tasks import request_run
from privet.web.csrf import CsrfChecked
from privet.web.deps import DbSession, Now, web_context
from privet.web.pages import render
from privet.web.security import page_user
from privet.workflow.views import actor_of

router = APIRouter(prefix="/admin", include_in_schema=False)
Viewer = Annotated[Principal, Depends(page_user(Role.viewer))]
Officer = Annotated[Principal, Depends(page_user(Role.privacy_officer))]


@router.get("/retention", response_class=HTMLResponse)
def retention_page(request: Request, principal: Viewer, session: DbSession,
                   now: Now) -> HTMLResponse:
    """The rules, what is due now and the last runs (any signed-in role)."""
    runtime = web_context(request)
    plan = None
    if runtime.manifest.retention:
        with ConnectedDatastores.open(runtime.manifest, runtime.workspace.root,
                                      timeout=runtime.settings.connect_timeout,
                                      write=False) as datastores:
            plan = service.plan(runtime.manifest, datastores, session, as_of=now)
    return render(request, "admin/retention.html", principal=principal,
                  rules=runtime.manifest.retention, plan=plan,
                  runs=service.last_runs(session), unfinished=service.unfinished_run(session),
                  schedule_hours=runtime.settings.retention.schedule_hours,
                  batch_size=runtime.settings.retention.batch_size,
                  may_run=principal.role.value != Role.viewer.value,
                  started=request.query_params.get("started"))


@router.get("/retention/runs/{run_id}", response_class=HTMLResponse)
def run_page(run_id: int, request: Request, principal: Viewer,
             session: DbSession) -> HTMLResponse:
    """One run's report: each step's rows, batches and time."""
    return render(request, "admin/retention_run.html", principal=principal,
                  run=service.get_run(session, run_id))


@router.post("/retention/run")
def run_now(request: Request, principal: Officer, session: DbSession, _: CsrfChecked,
            now: Now) -> Response:
    """Start a run of every rule now (a job carries it out); the unfinished one if any."""
    run = request_run(session, web_context(request), now=utc_naive(now), trigger="admin",
                      actor=actor_of(principal))
    return RedirectResponse(f"/admin/retention?started={run.id}", status_code=303)
