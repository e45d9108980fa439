"""``privet serve``: the web server (uvicorn) on a workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.workspace import Workspace


@reports_errors
def serve(
    directory: WorkspaceDir = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API (OpenAPI at /docs) for the workspace."""
    import uvicorn

    from privet.web.app import create_app  # FastAPI is loaded only to serve

    app = create_app(Workspace.find(directory))
    console.print(f"Privet serving on http://{host}:{port} (API docs at /docs)")
    uvicorn.run(app, host=host, port=port)
