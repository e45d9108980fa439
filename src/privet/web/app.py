"""The app factory: one manifest, one database, one job runner, one error handler per
process.

Each domain adds its router here with one line. Jobs committed by a request are handed to
the in-process runner (a thread started with the app), or to Celery workers when
``PRIVET_BROKER_URL`` is set.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from privet import __version__
from privet.breaches.admin_pages import router as breaches_admin
from privet.breaches.endpoints import router as breaches_api
from privet.consent.admin_pages import router as consent_admin
from privet.consent.endpoints import publish_current_notice
from privet.consent.endpoints import router as consent_api
from privet.consent.pages import router as consent_pages
from privet.demo.shop import router as demo_shop
from privet.demo.workspace import is_demo_workspace
from privet.discovery.admin_pages import router as discovery_admin
from privet.documents.pages import router as privacy_documents
from privet.documents.versions_pages import router as document_versions
from privet.jobs.service import attach_dispatcher
from privet.kit.db import database_url, open_database
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace
from privet.retention.admin_pages import router as retention_admin
from privet.web.admin import router as admin_pages
from privet.web.csrf import add_csrf_cookie
from privet.web.errors import register_error_handlers
from privet.web.index import router as index_router
from privet.web.pages import STATIC_DIR
from privet.web.privacy_center import router as privacy_center_pages
from privet.workflow.admin_endpoints import router as admin_api
from privet.workflow.endpoints import router as requests_router

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'; form-action 'self'",
}


class PageHeaders:
    """The security headers on every response, and the CSRF cookie a page made. Plain ASGI
    rather than ``@app.middleware``, whose extra task per request every API call would pay
    for."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                add_csrf_cookie(scope, headers)
                if scope["path"] != "/docs":
                    for name, value in SECURITY_HEADERS.items():
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


def _start_jobs(app: FastAPI, workspace: Workspace, runtime: Runtime,
                run_jobs: bool) -> None:
    broker = workspace.settings.broker_url
    if broker:
        from privet.jobs.celery_app import CeleryDispatcher

        attach_dispatcher(runtime.sessions, CeleryDispatcher(broker).dispatch)
        return
    from privet.jobs.inline import InlineRunner

    runner = InlineRunner(runtime)
    attach_dispatcher(runtime.sessions, runner.dispatch)
    app.state.job_runner = runner if run_jobs else None


def create_app(workspace: Workspace, *, run_jobs: bool = True,
               sessions: sessionmaker[Session] | None = None) -> FastAPI:
    """The Privet server for ``workspace``: loads the manifest and opens Privet's database
    once; raises ``ManifestError``/``ConfigurationError`` before serving anything. With
    ``run_jobs`` false (tests), jobs are queued but the in-process runner is not started."""
    secret = workspace.secret()
    manifest = workspace.load_manifest()
    factory = sessions or open_database(
        database_url(workspace.root, workspace.settings.database_url))
    runtime = Runtime(workspace=workspace, manifest=manifest, sessions=factory,
                      secret=secret)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = getattr(app.state, "job_runner", None)
        if runner is not None:
            runner.start()
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()

    app = FastAPI(title="Privet", version=__version__,
                  description="Privacy operations: data subject requests, the privacy "
                              "center and the admin.",
                  openapi_url="/openapi.json", docs_url="/docs", redoc_url=None,
                  lifespan=lifespan)
    app.state.privet = runtime
    app.state.consent_notice = publish_current_notice(runtime)
    _start_jobs(app, workspace, runtime, run_jobs)
    register_error_handlers(app)

    app.add_middleware(PageHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(consent_api)  # first: the banner's and mailer's calls are the many
    app.include_router(index_router)
    app.include_router(requests_router)
    app.include_router(admin_api)
    app.include_router(privacy_center_pages)
    app.include_router(privacy_documents)
    app.include_router(document_versions)
    app.include_router(admin_pages)
    app.include_router(consent_pages)
    app.include_router(consent_admin)
    app.include_router(retention_admin)
    app.include_router(discovery_admin)
    app.include_router(breaches_admin)
    app.include_router(breaches_api)
    if is_demo_workspace(workspace.root):
        app.include_router(demo_shop)
    return app
