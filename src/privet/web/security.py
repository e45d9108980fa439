"""Who is calling: an API key (machines) or a signed-in person (admin pages).

The JSON API takes ``Authorization: Bearer pk_…`` (or ``X-API-Key``) and nothing else: a
cookie never authorises an API call, so the API needs no CSRF token. Admin pages take the
``privet_admin`` cookie set at sign-in: signed with the workspace secret, HttpOnly,
SameSite=Strict, valid for ``SESSION_HOURS``; its account is read again on every page, so a
disabled account is out at once.

``api_caller(role, scope)`` and ``page_user(role)`` make the dependency a route
declares: 401 without valid credentials, 403 when the role is too low or the key lacks
the scope.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi import Request, Response, Security
from fastapi.security import APIKeyHeader, HTTPBearer
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from privet.auth import repository as accounts
from privet.auth.service import (
    AuthenticationError,
    Principal,
    authenticate_api_key,
    require_role,
    require_scope,
)
from privet.models.accounts import Role
from privet.web.deps import DbSession, Now, web_context

SESSION_COOKIE = "privet_admin"
SESSION_HOURS = 8
_SALT = "privet.admin.session"


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(web_context(request).secret, salt=_SALT)


def start_admin_session(request: Request, response: Response, principal: Principal) -> None:
    """Set the sign-in cookie for ``principal`` (a person)."""
    token = _serializer(request).dumps({"u": principal.id})
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/",
                        max_age=int(timedelta(hours=SESSION_HOURS).total_seconds()))


def end_admin_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("x-api-key") or None


def api_principal(request: Request, session: Session, now: Any) -> Principal | None:
    """The API key's principal; None without a key; AuthenticationError for a bad one."""
    key = _api_key(request)
    return None if key is None else authenticate_api_key(key, session=session, now=now)


def page_principal(request: Request, session: Session) -> Principal | None:
    """The signed-in person, or None (no cookie, expired, tampered, account disabled)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        claim = _serializer(request).loads(
            token, max_age=int(timedelta(hours=SESSION_HOURS).total_seconds()))
    except BadData:
        return None
    user = accounts.user_by_id(session, claim.get("u")) if isinstance(claim, dict) else None
    if user is None or user.disabled:
        return None
    return Principal(kind="user", id=user.id, name=user.username, role=Role(user.role))


def api_caller(at_least: Role, scope: str) -> Callable[..., Principal]:
    """Dependency of an API route: an API key of role ``at_least`` with ``scope``. Use as
    ``Annotated[Principal, Depends(api_caller(Role.viewer, "requests:read"))]``."""

    def dependency(request: Request, session: DbSession, now: Now) -> Principal:
        return authorise_api(request, session, now, at_least=at_least, scope=scope)

    return dependency


def authorise_api(request: Request, session: Session, now: Any, *, at_least: Role,
                  scope: str) -> Principal:
    """The API key's principal if it has role ``at_least`` and ``scope``; 401/403 else. For
    a hot route that authorises inside its own unit of work rather than a dependency."""
    principal = require_role(api_principal(request, session, now), at_least=at_least)
    return require_scope(principal, scope)


def page_user(at_least: Role) -> Callable[..., Principal]:
    """Dependency of an admin page: a signed-in person of role ``at_least``; without one,
    AuthenticationError (the page handler sends the browser to the sign-in page)."""

    def dependency(request: Request, session: DbSession) -> Principal:
        principal = page_principal(request, session)
        if principal is None:
            raise AuthenticationError("sign in first", hint="sign in with your account")
        return require_role(principal, at_least=at_least)

    return dependency


# Declared on the API routers so that /docs offers to send a key; ``api_caller`` checks it.
API_KEY_SCHEMES = [
    Security(HTTPBearer(auto_error=False, scheme_name="bearer",
                        description="An API key, `Authorization: Bearer pk_…` "
                                    "(`privet users api-key`).")),
    Security(APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="x-api-key",
                          description="The same API key, in the X-API-Key header.")),
]
