"""``/``: where everything is."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from privet.web.pages import render

router = APIRouter(include_in_schema=False)

PLACES = (
    ("/privacy-center", "Privacy center",
     "Ask for a copy of your data, its correction or erasure, or stop marketing."),
    ("/admin", "Admin", "The privacy team's request queue, decisions and outbox."),
    ("/docs", "API documentation", "The REST API (OpenAPI at /openapi.json)."),
)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """The start page: links to the privacy center, the admin and the API."""
    return render(request, "index.html", places=PLACES)
