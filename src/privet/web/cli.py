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
    """Serve the workspace: the privacy center, the admin and the API (OpenAPI at /docs);
    jobs run in this process unless PRIVET_BROKER_URL sends them to Celery workers."""
    import uvicorn

    from privet.web.app import create_app  # FastAPI is loaded only to serve

    app = create_app(Workspace.find(directory))
    base = f"http://{host}:{port}"
    console.print(f"Privet serving on {base}: privacy center {base}/privacy-center, admin "
                  f"{base}/admin, API {base}/docs", highlight=False)
    uvicorn.run(app, host=host, port=port)
