"""`privet demo`: build the Nuage Cloud demo workspace and show where to go next."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from privet.demo.database import sample_subject_email
from privet.demo.workspace import build_demo_workspace
from privet.kit.cli import console, reports_errors
from privet.kit.workspace import Workspace
from privet.manifest.diagnostics import Severity
from privet.manifest.lint import lint

DEFAULT_DIR = Path("privet-demo")


@reports_errors
def demo(
    dir: Annotated[Path, typer.Option("--dir", envvar="PRIVET_DIR",
                                      help="Where to build the demo workspace.")] = DEFAULT_DIR,
    subjects: Annotated[int, typer.Option("--subjects", min=10, max=5_000_000,
                                          help="People in the synthetic database.")] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed builds the same data.")]
    = 42,
    no_serve: Annotated[bool, typer.Option("--no-serve",
                                           help="Only build the workspace (for scripts).")]
    = False,
    port: Annotated[int, typer.Option(help="Port the demo server listens on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address the demo server listens on.")]
    = "127.0.0.1",
) -> None:
    """Build a demo workspace (a SaaS company's manifest and its synthetic database), then
    serve it: the privacy center, the admin (with a generated password) and the API."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(f"building {table}", total=total)
            bar.update(tasks[table], completed=done)

        built = build_demo_workspace(dir, subjects=subjects, seed=seed, progress=progress)
    workspace = Workspace.find(built.root)
    diagnostics = lint(workspace.load_manifest())
    errors = sum(d.severity is Severity.error for d in diagnostics)
    rows = sum(built.database.row_counts.values())
    console.print(f"[bold green]Demo workspace ready[/] in {built.root}")
    console.print(f"  manifest   {built.root / 'privacy'} ({len(built.manifest_files)} files)")
    console.print(f"  database   {built.database.path} ({subjects:,} people, {rows:,} rows in "
                  f"{len(built.database.row_counts)} tables, {built.database.seconds:.1f} s)")
    console.print(f"  check      {errors} error(s), {len(diagnostics) - errors} other finding(s)")
    shown = built.root if dir.is_absolute() else dir
    email = sample_subject_email(built.database.path)
    console.print(f"""
[bold]A five-minute tour[/]
  privet check --dir {shown}               lint the manifest (exit 1 on errors)
  privet check --dir {shown} --connect     also hold it against the live database
  privet check --dir {shown} --format json for CI
  privet manifest schema > privet.schema.json   JSON Schema for your editor
  privet init --from-db sqlite:///{built.database.path}   scaffold a datastore section
  privet graph --dir {shown}               how a person's rows are found
  privet requests access --dir {shown} --email {email} --out access.zip
  privet requests erase --dir {shown} --email {email} --dry-run
  privet retention plan --dir {shown}      what the retention rules would delete now
  privet scan --dir {shown} --full         find the personal data, and the broken promises
Open {shown}/privacy/*.yaml: each promise of the policy is a line you can change; break one
(delete a `legal_basis:`) and run `privet check` again.""", highlight=False)
    if no_serve:
        return
    _serve(workspace, host=host, port=port)


def _demo_password() -> str:
    """Random, and within the password rule (a letter, a digit, a special character)."""
    return f"{secrets.token_urlsafe(12)}-{secrets.randbelow(10)}q"


def _serve(workspace: Workspace, *, host: str, port: int) -> None:
    import uvicorn

    from privet.auth.service import create_user
    from privet.kit.db import database_url, open_database, session_scope
    from privet.web.app import create_app

    base = f"http://{host}:{port}"
    os.environ.setdefault("PRIVET_BASE_URL", base)
    workspace = Workspace.find(workspace.root)  # settings with the base URL
    password = _demo_password()
    sessions = open_database(database_url(workspace.root, workspace.settings.database_url))
    with session_scope(sessions) as session:
        create_user("admin", "admin@nuage.example", "admin", password, session=session)
    app = create_app(workspace, sessions=sessions)
    console.print(f"""
[bold]Privet is serving the demo[/] (Ctrl-C to stop)
  {base}/                 where everything is
  {base}/privacy-center   make a request as a person would (emails land in the outbox)
  {base}/demo/shop        a company page with the consent banner and a blocked analytics script
  {base}/privacy-center/preferences   a person's consents, subscriptions and their history
  {base}/admin            the privacy team: user [bold]admin[/], password [bold]{password}[/]
  {base}/admin/outbox     the demo's mailbox: verification codes and answers
  {base}/admin/consent    consent figures per notice version
  {base}/admin/retention  the retention rules, what is due, Run now and the reports
  {base}/admin/discovery  the latest scan's findings (run `privet scan` first)
  {base}/docs             the API (OpenAPI)
The password is stored only as an argon2 hash: note it now.""", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")
