"""CSRF protection for HTML forms: a signed double-submit token.

A browser gets a random ``privet_csrf`` cookie (SameSite=Strict, HttpOnly); each form
carries ``csrf_token``, an HMAC of that cookie keyed with the workspace secret. A POST from
another site cannot read the cookie, so it cannot send the matching token: it is refused
with 403 before anything changes. The JSON API is not cookie-authenticated (API keys in a
header), so it needs no token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Form, Request, Response
from starlette.datastructures import MutableHeaders
from starlette.types import Scope

from privet.kit.errors import PrivetError
from privet.web.deps import web_context

COOKIE = "privet_csrf"
FIELD = "csrf_token"


class CsrfRefused(PrivetError):
    """A form came without the token of this browser's session."""

    http_status = 403


def _browser_token(request: Request) -> str:
    token = request.cookies.get(COOKIE)
    if token is None or len(token) != 43:
        token = getattr(request.state, "csrf_cookie", None) or secrets.token_urlsafe(32)
        request.state.csrf_cookie = token  # set on the response by the middleware
    return token


def csrf_token(request: Request) -> str:
    """The token a form must send back, bound to this browser's cookie."""
    key = web_context(request).secret
    return hmac.new(key, f"privet.csrf:{_browser_token(request)}".encode(),
                    hashlib.sha256).hexdigest()


def add_csrf_cookie(scope: Scope, headers: MutableHeaders) -> None:
    """Give the browser its cookie if a page just made one (called by the middleware on
    the response's headers)."""
    token = scope.get("state", {}).get("csrf_cookie")
    if token is not None:
        carrier = Response()
        carrier.set_cookie(COOKIE, token, httponly=True, samesite="strict",
                           secure=scope.get("scheme") == "https", path="/")
        headers.append("set-cookie", carrier.headers["set-cookie"])


def check_csrf(request: Request, csrf_token_: Annotated[str, Form(alias=FIELD)] = "") -> None:
    """A dependency of every form POST: refuse a missing or wrong token."""
    cookie = request.cookies.get(COOKIE)
    if not cookie or not csrf_token_ or not hmac.compare_digest(
            csrf_token(request), csrf_token_):
        raise CsrfRefused("this form has expired or did not come from this site",
                          hint="go back, reload the page and send the form again")


CsrfChecked = Annotated[None, Depends(check_csrf)]
