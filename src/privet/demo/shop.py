"""The demo shop page (``/demo/shop``): a company page carrying the consent banner and
scripts that stay blocked until their category is granted. Served for demo workspaces
only."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from privet.web.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/demo/shop", response_class=HTMLResponse)
def shop(request: Request) -> HTMLResponse:
    """Nuage Cloud's pricing page, with the banner and a blocked analytics script."""
    return render(request, "demo/shop.html")
