"""One place turns errors into JSON: ``{"error": {"code", "message", "hint"}}``.

Domain errors (``PrivetError``) keep their message, hint and HTTP status; a malformed
payload is a 422 naming where each problem is (never echoing what was sent, which may be
personal data); anything unexpected is a 500 without a traceback.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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


async def _privet_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PrivetError)
    return error_response(exc.http_status, error_code(exc), exc.message, exc.hint)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = [_located(dict(error)) for error in exc.errors()]
    return error_response(422, "invalid_payload", "; ".join(problems) or "invalid payload",
                          "see /docs for the expected JSON body")


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(exc.status_code, f"http_{exc.status_code}", str(exc.detail))


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return error_response(500, "internal_error", "Privet failed to handle this request",
                          "the server log has the details")


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PrivetError, _privet_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
