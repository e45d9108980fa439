"""`privet retention …`: the plan (what is due, nothing changed), a run with a progress bar
(resumed if one was interrupted), and the reports of past runs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from privet.jobs.service import worker_name
from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.clock import utc_naive
from privet.kit.db import dispose, session_scope
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace
from privet.models.retention import RetentionRun
from privet.requests.engine import ConnectedDatastores
from privet.retention import service

retention_app = typer.Typer(help="Retention: what is due, sweeps in batches, run reports.",
                            no_args_is_help=True)

Rules = Annotated[list[str] | None, typer.Option(
    "--rule", help="Only this rule (repeat for several); default: every rule.")]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="text or json.")]


@contextmanager
def _opened(dir: WorkspaceDir, *, write: bool) -> Iterator[tuple[Runtime, ConnectedDatastores]]:
    runtime = Runtime.load(Workspace.find(dir))
    try:
        with ConnectedDatastores.open(runtime.manifest, runtime.workspace.root,
                                      timeout=runtime.settings.connect_timeout,
                                      write=write) as datastores:
            yield runtime, datastores
    finally:
        dispose(runtime.sessions)


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False)


def _moment(value: datetime | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"


def _show_plan(result: service.RetentionPlan) -> None:
    table = Table(title=f"Retention plan as of {_moment(result.as_of)} UTC")
    for heading in ("rule", "table", "action", "due now", "held", "open request",
                    "next due"):
        table.add_column(heading, justify="right" if heading in {
            "due now", "held", "open request"} else "left")
    for step in result.steps:
        action = step.action + (" (held rows)" if step.held_only else "")
        if step.error:
            table.add_row(step.rule, step.table, action, "error", "", "", step.error)
            continue
        table.add_row(step.rule, step.table, action, f"{step.due:,}", f"{step.held:,}",
                      f"{step.waiting:,}", _moment(step.next_due_at))
    console.print(table)
    _say(f"{result.due:,} rows due now; nothing was changed")


@retention_app.command("plan")
@reports_errors
def plan_command(rule: Rules = None, output: FormatOption = OutputFormat.text,
                 dir: WorkspaceDir = None) -> None:
    """Per rule: rows due now, rows kept (legal hold, open request), when the next fall due.
    Reads only (datastores opened read-only)."""
    with _opened(dir, write=False) as (runtime, datastores), \
            session_scope(runtime.sessions) as session:
        result = service.plan(runtime.manifest, datastores, session, as_of=utc_naive(),
                              rules=rule)
    if output is OutputFormat.json:
        _say(json.dumps(result.as_json(), indent=2))
    else:
        _show_plan(result)
    if any(s.error for s in result.steps):
        raise typer.Exit(1)


@retention_app.command("run")
@reports_errors
def run_command(
    rule: Rules = None,
    batch_size: Annotated[int | None, typer.Option(
        "--batch-size", help="Rows changed per transaction (default: the setting "
        "`retention.batch_size`, 10,000).", show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Show the plan and change nothing.")] = False,
    output: FormatOption = OutputFormat.text,
    dir: WorkspaceDir = None,
) -> None:
    """Delete or anonymise the rows due, in batches; an interrupted run is resumed first."""
    with _opened(dir, write=not dry_run) as (runtime, datastores):
        size = service.check_batch_size(batch_size or runtime.settings.retention.batch_size)
        with session_scope(runtime.sessions) as session:
            result = service.plan(runtime.manifest, datastores, session, as_of=utc_naive(),
                                  rules=rule)
        if dry_run:
            if output is OutputFormat.json:
                _say(json.dumps(result.as_json(), indent=2))
            else:
                _show_plan(result)
            return
        with session_scope(runtime.sessions) as session:
            unfinished = service.unfinished_run(session)
            if unfinished is None:
                run_id = service.start_run(session, runtime.manifest, secret=runtime.secret,
                                           as_of=utc_naive(), rules=rule,
                                           batch_size=size, trigger="cli",
                                           actor="cli").id
            else:
                run_id = unfinished.id
                if output is OutputFormat.text:
                    _say(f"resuming run #{run_id} (started "
                         f"{_moment(unfinished.started_at)} UTC)")
        quiet = output is OutputFormat.json
        with _bars(result, hidden=quiet) as progress:
            finished = service.carry_out(
                runtime.sessions, datastores, run_id, manifest=runtime.manifest,
                secret=runtime.secret, worker=worker_name("cli"),
                lease=_lease(runtime), progress=progress)
    if output is OutputFormat.json:
        _say(json.dumps(report_json(finished), indent=2))
    else:
        _show_run(finished)
    if finished.state != "completed":
        raise typer.Exit(1)


def _lease(runtime: Runtime) -> timedelta:
    return timedelta(seconds=runtime.settings.jobs.lease_seconds)


@contextmanager
def _bars(result: service.RetentionPlan, *, hidden: bool) -> Iterator[service.Progress]:
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=hidden) as bars:
        tasks = {s.position: bars.add_task(f"{s.rule} ({s.action} {s.table})",
                                           total=max(s.due, 1)) for s in result.steps}

        def advance(position: int, done: int) -> None:
            task = tasks.get(position)
            if task is not None:
                bars.update(task, completed=done)

        yield advance


def report_json(run: RetentionRun) -> dict[str, object]:
    return {
        "run": run.id, "state": run.state, "trigger": run.trigger, "actor": run.actor,
        "as_of": run.as_of.isoformat(sep=" "), "started_at": run.started_at.isoformat(sep=" "),
        "finished_at": run.finished_at.isoformat(sep=" ") if run.finished_at else None,
        "resumed": run.resumed, "deleted": run.rows_deleted, "anonymised": run.rows_anonymised,
        "error": run.error,
        "steps": [{"rule": s.rule, "datastore": s.datastore, "table": s.table_name,
                   "action": s.action, "state": s.state, "rows": s.rows, "batches": s.batches,
                   "seconds": round(s.seconds, 3),
                   "longest_batch_seconds": round(s.longest_batch_seconds, 3),
                   "error": s.error} for s in run.steps],
    }


def _show_run(run: RetentionRun) -> None:
    table = Table(title=f"Retention run #{run.id}: {run.state}")
    for heading in ("rule", "table", "action", "rows", "batches", "seconds", "longest batch"):
        table.add_column(heading, justify="left" if heading in {"rule", "table", "action"}
                         else "right")
    for step in run.steps:
        table.add_row(step.rule, step.table_name, step.action,
                      f"{step.rows:,}" if step.state != "failed" else "failed",
                      f"{step.batches:,}", f"{step.seconds:.2f}",
                      f"{step.longest_batch_seconds:.3f}")
    console.print(table)
    _say(f"{run.rows_deleted:,} rows deleted, {run.rows_anonymised:,} anonymised")
    if run.error:
        _say(f"errors: {run.error}")


@retention_app.command("runs")
@reports_errors
def runs_command(dir: WorkspaceDir = None) -> None:
    """The latest runs, newest first."""
    runtime = Runtime.load(Workspace.find(dir))
    try:
        with session_scope(runtime.sessions) as session:
            for run in service.last_runs(session):
                _say(f"#{run.id:<5} {run.state:<10} {run.trigger:<9} "
                     f"{_moment(run.started_at)}  deleted {run.rows_deleted:,}, "
                     f"anonymised {run.rows_anonymised:,}")
    finally:
        dispose(runtime.sessions)


@retention_app.command("show")
@reports_errors
def show_command(run: Annotated[int, typer.Argument(help="The run's number.")],
                 output: FormatOption = OutputFormat.text, dir: WorkspaceDir = None) -> None:
    """One run's report: each rule's rows, batches and time."""
    runtime = Runtime.load(Workspace.find(dir))
    try:
        with session_scope(runtime.sessions) as session:
            found = service.get_run(session, run)
            if output is OutputFormat.json:
                _say(json.dumps(report_json(found), indent=2))
            else:
                _show_run(found)
    finally:
        dispose(runtime.sessions)
