"""Request-scoped dependencies, used as ``Annotated`` types in routes.

``DbSession`` is the outer edge of a request (``privet.kit.db.session_scope``): it commits
when the route returns and rolls back when it raises, except for a domain error that
``keeps_changes`` (a wrong code, a failed sign-in), committed so that the attempt counts.
It ends before the response is sent (``scope="function"``): a failed commit is an error
response, never a success that did not happen.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from privet.config import Settings
from privet.kit.db import session_scope
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace
from privet.manifest.schema import Manifest


def web_context(request: Request) -> Runtime:
    """What the app loaded once: the workspace, its manifest, the database, the secret."""
    return cast(Runtime, request.app.state.privet)


def request_session(request: Request) -> Iterator[Session]:
    with session_scope(web_context(request).sessions) as session:
        yield session


async def _manifest(request: Request) -> Manifest:
    return web_context(request).manifest


async def _secret(request: Request) -> bytes:
    return web_context(request).secret


async def _settings(request: Request) -> Settings:
    return web_context(request).settings


async def _workspace(request: Request) -> Workspace:
    return web_context(request).workspace


async def utc_now() -> datetime:
    return datetime.now(UTC)


# The small dependencies below are coroutines: FastAPI runs a plain function dependency in
# the thread pool, a hop that would cost every request more than the work itself.
DbSession = Annotated[Session, Depends(request_session, scope="function")]
CurrentManifest = Annotated[Manifest, Depends(_manifest)]
WorkspaceSecret = Annotated[bytes, Depends(_secret)]
CurrentSettings = Annotated[Settings, Depends(_settings)]
CurrentWorkspace = Annotated[Workspace, Depends(_workspace)]
Now = Annotated[datetime, Depends(utc_now)]
