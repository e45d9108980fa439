"""``privet worker`` and ``privet jobs …``: run and inspect background jobs."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table as RichTable

from privet.jobs.service import recent_jobs, sweep
from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.db import dispose, session_scope
from privet.kit.errors import ConfigurationError
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace

jobs_app = typer.Typer(help="Background jobs: list, sweep.", no_args_is_help=True)


@reports_errors
def worker(
    dir: WorkspaceDir = None,
    celery: Annotated[bool, typer.Option(
        "--celery", help="Run a Celery worker on PRIVET_BROKER_URL (Redis) with its beat "
        "(the sweep and periodic work); default: the in-process runner.")] = False,
    once: Annotated[bool, typer.Option(
        "--once", help="In-process runner: run every due job, then exit.")] = False,
    concurrency: Annotated[int, typer.Option(help="Celery: worker processes.")] = 1,
) -> None:
    """Run background jobs (request execution, email, webhooks) until stopped."""
    workspace = Workspace.find(dir)
    if celery:
        broker = workspace.settings.broker_url
        if not broker:
            raise ConfigurationError("`privet worker --celery` needs a broker",
                                     hint="set PRIVET_BROKER_URL=redis://127.0.0.1:6379/0")
        from privet.jobs.celery_app import make_celery

        os.environ["PRIVET_DIR"] = str(workspace.root)
        Runtime.load(workspace)  # refuse a broken workspace before taking any job
        pool = "solo" if concurrency == 1 else "prefork"
        make_celery(broker).worker_main([
            "worker", "--beat", "--loglevel=INFO", f"--pool={pool}",
            f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
            f"--schedule={workspace.root / 'data' / 'celerybeat-schedule'}"])
        return
    from privet.jobs.inline import InlineRunner

    runtime = Runtime.load(workspace)
    runner = InlineRunner(runtime)
    try:
        if once:
            ran = runner.run_until_idle()
            console.print(f"{ran} job(s) run")
            return
        console.print("Privet worker (in-process runner): Ctrl-C to stop")
        runner.start()
        runner.wait()
    except KeyboardInterrupt:
        runner.stop()
    finally:
        dispose(runtime.sessions)


@jobs_app.command("list")
@reports_errors
def list_jobs(
    dir: WorkspaceDir = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 30,
) -> None:
    """The newest jobs and where each stands."""
    runtime = Runtime.load(Workspace.find(dir))
    try:
        with session_scope(runtime.sessions) as session:
            table = RichTable()
            for column in ("id", "kind", "about", "state", "phase", "tries", "error"):
                table.add_column(column)
            for job in recent_jobs(session, limit=limit):
                table.add_row(str(job.id), job.kind, job.subject_ref or "", job.state,
                              job.phase or "", f"{job.attempts}/{job.max_attempts}",
                              (job.last_error or "")[:80])
            console.print(table)
    finally:
        dispose(runtime.sessions)


@jobs_app.command("sweep")
@reports_errors
def sweep_jobs(dir: WorkspaceDir = None) -> None:
    """Queue again the jobs whose worker vanished (their lease ran out)."""
    runtime = Runtime.load(Workspace.find(dir))
    try:
        ids = sweep(runtime.sessions)
        console.print(f"{len(ids)} job(s) queued again" + (f": {ids}" if ids else ""))
    finally:
        dispose(runtime.sessions)
