"""The `privet` command: each domain mounts its commands here."""

from __future__ import annotations

import typer

from privet.audit.cli import audit_app
from privet.auth.cli import users_app
from privet.breaches.cli import breaches_app
from privet.consent.cli import consent_app
from privet.datastores.cli import init
from privet.demo.cli import demo
from privet.discovery.cli import scan
from privet.documents.cli import docs_app
from privet.fides.cli import export_app, import_app
from privet.jobs.cli import jobs_app, worker
from privet.manifest.cli import check, manifest_app
from privet.models.cli import db_app
from privet.requests.cli import graph, requests_app
from privet.retention.cli import retention_app
from privet.web.cli import serve

app = typer.Typer(
    name="privet",
    help="Privet: privacy operations as code. Declare, check, publish, verify, serve.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command("check")(check)
app.command("scan")(scan)
app.command("init")(init)
app.command("demo")(demo)
app.command("graph")(graph)
app.command("serve")(serve)
app.command("worker")(worker)
app.add_typer(manifest_app, name="manifest")
app.add_typer(requests_app, name="requests")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(jobs_app, name="jobs")
app.add_typer(consent_app, name="consent")
app.add_typer(retention_app, name="retention")
app.add_typer(breaches_app, name="breaches")
app.add_typer(docs_app, name="docs")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")


if __name__ == "__main__":
    app()
