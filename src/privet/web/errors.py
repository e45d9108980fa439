"""One place turns errors into responses: JSON ``{"error": {"code", "message", "hint"}}``
for the API (``/api``, ``/openapi.json``), an HTML page for the pages a person browses; an
admin page reached without signing in sends the browser to the sign-in page.

Domain errors (``PrivetError``) keep their message, hint and HTTP status; a malformed
payload is a 422 naming where each problem is (never echoing what was sent, which may be
personal data); anything unexpected is a 500 without a traceback.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from privet.kit.errors import PrivetError

log = logging.getLogger(__name__)

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def error_code(error: PrivetError) -> str:
    """``VerificationFailed`` → ``verification_failed``."""
    return _CAMEL.sub("_", type(error).__name__).lower()


def error_response(status: int, code: str, message: str,
                   hint: str | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "hint": hint}},
                        status_code=status)


def _located(error: dict[str, object]) -> str:
    location = error.get("loc") or ()
    where = ".".join(str(part) for part in location) if isinstance(location, tuple | list) \
        else str(location)
    return f"{where}: {error.get('msg', 'invalid')}"


def _wants_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api") or path.endswith(".json")) and \
        "text/html" in request.headers.get("accept", "")


def _page(request: Request, status: int, message: str, hint: str | None) -> Response:
    from privet.web.pages import render  # templates load only where pages are served

    titles = {401: "Please sign in", 403: "Not allowed", 404: "Not found",
              410: "No longer available", 429: "Too many attempts"}
    title = titles.get(status, "Something went wrong" if status >= 500 else "Please check")
    return render(request, "error.html", status_code=status, title=title, message=message,
                  hint=hint, back=request.headers.get("referer") or "/")


async def _privet_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PrivetError)
    if _wants_page(request):
        if exc.http_status == 401 and request.url.path.startswith("/admin"):
            return RedirectResponse(f"/admin/login?next={request.url.path}", status_code=303)
        return _page(request, exc.http_status, exc.message, exc.hint)
    return error_response(exc.http_status, error_code(exc), exc.message, exc.hint)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [_located(dict(error)) for error in exc.errors()]
    if _wants_page(request):
        return _page(request, 422, "; ".join(problems) or "the form is incomplete",
                     "go back and complete the form")
    return error_response(422, "invalid_payload", "; ".join(problems) or "invalid payload",
                          "see /docs for the expected JSON body")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if _wants_page(request):
        return _page(request, exc.status_code, str(exc.detail), None)
    return error_response(exc.status_code, f"http_{exc.status_code}", str(exc.detail))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    message, hint = "Privet failed to handle this request", "the server log has the details"
    if _wants_page(request):
        return _page(request, 500, message, hint)
    return error_response(500, "internal_error", message, hint)


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PrivetError, _privet_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
