"""Server-rendered pages: one Jinja2 environment, one layout, CSRF on every form.

Pages work without JavaScript: every action is a plain HTML form that POSTs and redirects
(post/redirect/get). Each form carries the CSRF token of ``privet.web.csrf``; a POST
without the right token is refused before anything changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from privet.web.csrf import csrf_token
from privet.web.deps import web_context

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
"""Autoescaped HTML templates (``.html``): text a person wrote cannot inject markup."""

STATIC_DIR = Path(__file__).parent / "static"


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    """``template`` with the organisation, the CSRF token and ``context``."""
    manifest = web_context(request).manifest
    response = TEMPLATES.TemplateResponse(
        request, template,
        {"organization": manifest.organization, "csrf_token": csrf_token(request), **context},
        status_code=status_code)
    return response
