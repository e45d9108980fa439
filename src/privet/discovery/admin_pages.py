"""The admin's discovery page (``/admin/discovery``): the latest scan's findings, the
scans before it, and each scan's full report (the same page `privet scan --format html`
writes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from privet.auth.service import Principal
from privet.discovery import service
from privet.discovery.report import render_html
from privet.models.accounts import Role
from privet.web.deps import CurrentManifest, DbSession
from privet.web.pages import render
from privet.web.security import page_user

router = APIRouter(prefix="/admin", include_in_schema=False)
Viewer = Annotated[Principal, Depends(page_user(Role.viewer))]


@router.get("/discovery", response_class=HTMLResponse)
def discovery_page(request: Request, principal: Viewer, session: DbSession) -> HTMLResponse:
    """The latest scan's findings and the scans before it (any signed-in role)."""
    scans = service.latest_scans(session)
    return render(request, "admin/discovery.html", principal=principal, scans=scans,
                  latest=scans[0] if scans else None)


@router.get("/discovery/{scan_id}", response_class=HTMLResponse)
def scan_report(scan_id: int, principal: Viewer, session: DbSession,
                manifest: CurrentManifest) -> HTMLResponse:
    """One scan's full report."""
    stored = service.get_scan(session, scan_id)
    return HTMLResponse(render_html(stored.report, organization=manifest.organization.name))
