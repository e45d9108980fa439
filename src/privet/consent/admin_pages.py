"""The admin's consent page (``/admin/consent``): the notice versions, how people chose
on each, and the current notice's acceptance per cookie category."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from privet.auth.service import Principal
from privet.consent import service
from privet.consent.endpoints import CurrentNotice
from privet.models.accounts import Role
from privet.web.deps import DbSession
from privet.web.pages import render
from privet.web.security import page_user

router = APIRouter(prefix="/admin", include_in_schema=False)
Viewer = Annotated[Principal, Depends(page_user(Role.viewer))]


@router.get("/consent", response_class=HTMLResponse)
def consent_figures(request: Request, principal: Viewer, session: DbSession,
                    notice: CurrentNotice) -> HTMLResponse:
    """Consent figures for the privacy team (any signed-in role)."""
    return render(request, "admin/consent.html", principal=principal, notice=notice,
                  figures=service.consent_figures(session, current=notice))
