"""The app factory: one manifest, one database, one error handler per process.

Each domain adds its router here with one line.
"""

from __future__ import annotations

from fastapi import FastAPI

from privet import __version__
from privet.kit.db import database_url, open_database
from privet.kit.errors import ConfigurationError
from privet.kit.workspace import Workspace
from privet.web.deps import WebContext
from privet.web.errors import register_error_handlers
from privet.workflow.endpoints import router as requests_router


def _secret(workspace: Workspace) -> bytes:
    key = workspace.settings.secret_key
    if key is None or not key.get_secret_value():
        raise ConfigurationError(
            "the workspace secret is not set: request hashes and verification codes are "
            "keyed with it",
            hint="set PRIVET_SECRET_KEY (or secret_key in privet.toml)")
    return key.get_secret_value().encode()


def create_app(workspace: Workspace) -> FastAPI:
    """The Privet server for ``workspace``: loads the manifest and opens Privet's database
    once; raises ``ManifestError``/``ConfigurationError`` before serving anything."""
    secret = _secret(workspace)
    manifest = workspace.load_manifest()
    sessions = open_database(database_url(workspace.root, workspace.settings.database_url))
    app = FastAPI(title="Privet", version=__version__,
                  description="Privacy operations: data subject requests.",
                  openapi_url="/openapi.json", docs_url="/docs", redoc_url=None)
    app.state.privet = WebContext(manifest=manifest, sessions=sessions, secret=secret)
    register_error_handlers(app)
    app.include_router(requests_router)
    return app
