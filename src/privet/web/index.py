"""``/``: where everything is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from privet.demo.workspace import is_demo_workspace
from privet.web.deps import web_context
from privet.web.pages import render

router = APIRouter(include_in_schema=False)

PLACES = (
    ("/privacy-center", "Privacy center",
     "Ask for a copy of your data, its correction or erasure, or stop marketing."),
    ("/privacy-center/preferences", "Consents and subscriptions",
     "See and change what you agreed to, and the history of your choices."),
    ("/privacy", "Privacy policy",
     "The current privacy policy, its cookie table and subprocessor list."),
    ("/admin", "Admin", "The privacy team's request queue, decisions, outbox and consent "
     "figures."),
    ("/docs", "API documentation", "The REST API (OpenAPI at /openapi.json)."),
)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """The start page: links to the privacy center, the admin and the API (and the demo
    shop, in a demo workspace)."""
    places: tuple[tuple[str, str, str], ...] = PLACES
    if is_demo_workspace(web_context(request).workspace.root):
        places = (*PLACES, ("/demo/shop", "Demo shop page",
                            "A company page carrying the consent banner."))
    return render(request, "index.html", places=places)
