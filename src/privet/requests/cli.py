"""`privet requests …` and `privet graph`: data subject requests from the command line."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table as RichTable

from privet.kit.cli import WorkspaceDir, console, err_console, reports_errors
from privet.kit.db import database_url, dispose, open_database
from privet.kit.errors import PrivetError
from privet.kit.workspace import Workspace
from privet.manifest.schema import Manifest
from privet.requests import service
from privet.requests.engine import ConnectedDatastores
from privet.requests.results import ChangeReport

requests_app = typer.Typer(help="Data subject requests: access, erasure, rectification, "
                           "restriction, objection.", no_args_is_help=True)

Email = Annotated[list[str] | None, typer.Option("--email", help="Email address (repeatable).")]
Phone = Annotated[list[str] | None, typer.Option("--phone", help="Phone number (repeatable).")]
Other = Annotated[list[str] | None, typer.Option(
    "--identity", help="Another identity the manifest declares, as TYPE=VALUE (repeatable).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would change; change nothing.")]


@dataclass(frozen=True)
class _Context:
    workspace: Workspace
    manifest: Manifest

    @property
    def secret(self) -> bytes | None:
        key = self.workspace.settings.secret_key
        return key.get_secret_value().encode() if key is not None else None


def _identities(email: list[str] | None, phone: list[str] | None,
                other: list[str] | None) -> dict[str, list[str]]:
    identities: dict[str, list[str]] = {}
    if email:
        identities["email"] = list(email)
    if phone:
        identities["phone"] = list(phone)
    for item in other or []:
        kind, separator, value = item.partition("=")
        if not separator or not kind.strip():
            raise PrivetError(f"`{item}` is not TYPE=VALUE", hint="e.g. --identity username=jdoe")
        identities.setdefault(kind.strip(), []).append(value)
    return identities


@contextmanager
def _datastores(dir: Path | None, *, write: bool) -> Iterator[tuple[_Context, ConnectedDatastores]]:
    workspace = Workspace.find(dir)
    manifest = workspace.load_manifest()
    context = _Context(workspace, manifest)
    with ConnectedDatastores.open(manifest, workspace.root,
                                  timeout=workspace.settings.connect_timeout,
                                  write=write) as datastores:
        yield context, datastores


def _print_report(report: ChangeReport) -> None:
    title = f"{report.action}{' (dry run: nothing changed)' if report.dry_run else ''}"
    table = RichTable(title=title, show_lines=False)
    for column in ("datastore", "table", "deleted", "masked", "kept (legal hold)",
                   "links cleared", "fields"):
        table.add_column(column)
    for change in report.changes:
        table.add_row(change.datastore, change.table, str(change.deleted), str(change.masked),
                      str(change.held), str(change.unlinked), ", ".join(change.fields))
    console.print(table)
    if report.completed:
        console.print(f"completed: {', '.join(report.completed)}")
    for failure in report.failures:
        err_console.print(f"not done: {failure.datastore}: {failure.message}", markup=False,
                          style="red")
    if not report.changes and not report.failures:
        console.print("nothing to change")


def _finish(report: ChangeReport) -> None:
    _print_report(report)
    if report.failures:
        raise typer.Exit(1)


@requests_app.command("access")
@reports_errors
def access(
    email: Email = None, phone: Phone = None, identity: Other = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Where to write the access package (zip).")] = None,
    dir: WorkspaceDir = None,
) -> None:
    """Find everything held about a person and write their access package."""
    from privet.requests.package import access_package_filename, build_access_package

    with _datastores(dir, write=False) as (context, datastores):
        result = service.access(datastores, _identities(email, phone, identity))
    target = out or Path(access_package_filename(result, None))
    target.write_bytes(build_access_package(result, context.manifest))
    table = RichTable(title=f"{result.row_count} rows found")
    for column in ("datastore", "table", "rows", "found through"):
        table.add_column(column)
    for found in result.found:
        table.add_row(found.datastore, found.table, str(len(found.rows)),
                      "; ".join(found.reached_by))
    console.print(table)
    console.print(f"access package: {target}")
    for failure in result.failures:
        err_console.print(f"not searched: {failure.datastore}: {failure.message}",
                          markup=False, style="red")
    if result.failures:
        raise typer.Exit(1)


@requests_app.command("erase")
@reports_errors
def erase(
    email: Email = None, phone: Phone = None, identity: Other = None,
    from_file: Annotated[Path | None, typer.Option(
        "--from-file", help="CSV of people to erase: one column per identity type "
        "(email, phone, …), one row per person.")] = None,
    dry_run: DryRun = False,
    dir: WorkspaceDir = None,
) -> None:
    """Erase a person (or every person of --from-file), as the manifest says: delete or mask
    each row, keep what legal holds require, record it in the erasure ledger."""
    with _datastores(dir, write=True) as (context, datastores):
        sessions = open_database(database_url(context.workspace.root,
                                              context.workspace.settings.database_url))
        try:
            if from_file is not None:
                people = _read_people(from_file)
                with _progress() as progress:
                    report = service.erase_batch(
                        datastores, people, secret=context.secret, ledger_sessions=sessions,
                        dry_run=dry_run, progress=progress)
                console.print(f"{len(people)} people in {from_file}")
            else:
                report = service.erase(
                    datastores, _identities(email, phone, identity), secret=context.secret,
                    ledger_sessions=sessions, dry_run=dry_run)
        finally:
            dispose(sessions)
    _finish(report)


def _read_people(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            people = [{k.strip(): (v or "").strip() for k, v in row.items() if k}
                      for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PrivetError(f"cannot read {path}: {exc}") from None
    if not people:
        raise PrivetError(f"{path} lists nobody",
                          hint="the first line names the identity types, e.g. `email,phone`")
    return people


@contextmanager
def _progress() -> Iterator[Callable[[str, int, int], None]]:
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err_console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        yield update


@requests_app.command("rectify")
@reports_errors
def rectify(
    set_: Annotated[list[str], typer.Option(
        "--set", help="table.field=value to correct (repeatable).")],
    email: Email = None, phone: Phone = None, identity: Other = None,
    dry_run: DryRun = False, dir: WorkspaceDir = None,
) -> None:
    """Correct a person's data: each value is checked against its column's type."""
    corrections: dict[str, str] = {}
    for item in set_:
        target, separator, value = item.partition("=")
        if not separator:
            raise PrivetError(f"`{item}` is not table.field=value")
        corrections[target.strip()] = value
    with _datastores(dir, write=True) as (_context, datastores):
        report = service.rectify(datastores, _identities(email, phone, identity), corrections,
                                 dry_run=dry_run)
    _finish(report)


@requests_app.command("restrict")
@reports_errors
def restrict(email: Email = None, phone: Phone = None, identity: Other = None,
             dry_run: DryRun = False, dir: WorkspaceDir = None) -> None:
    """Restrict processing of a person's data (Art. 18): set the flags the manifest names."""
    with _datastores(dir, write=True) as (_context, datastores):
        report = service.restrict(datastores, _identities(email, phone, identity),
                                  dry_run=dry_run)
    _finish(report)


@requests_app.command("object")
@reports_errors
def object_(email: Email = None, phone: Phone = None, identity: Other = None,
            dry_run: DryRun = False, dir: WorkspaceDir = None) -> None:
    """Record a person's objection (Art. 21): set the values the manifest names."""
    with _datastores(dir, write=True) as (_context, datastores):
        report = service.object_to_processing(datastores, _identities(email, phone, identity),
                                              dry_run=dry_run)
    _finish(report)


@requests_app.command("replay-erasures")
@reports_errors
def replay_erasures(
    since: Annotated[datetime, typer.Option(
        "--since", help="Replay erasures recorded since this date (the backup's date).")],
    dry_run: DryRun = False, dir: WorkspaceDir = None,
) -> None:
    """After restoring a backup, apply again every erasure recorded since it was taken."""
    moment = since if since.tzinfo else since.replace(tzinfo=UTC)
    with _datastores(dir, write=True) as (context, datastores):
        sessions = open_database(database_url(context.workspace.root,
                                              context.workspace.settings.database_url))
        try:
            report = service.replay_erasures(datastores, sessions, since=moment,
                                             secret=context.secret, dry_run=dry_run)
        finally:
            dispose(sessions)
    _finish(report)


class GraphFormat(StrEnum):
    text = "text"
    dot = "dot"
    json = "json"


@reports_errors
def graph(
    output: Annotated[GraphFormat, typer.Option("--format", help="text, dot or json.")] =
    GraphFormat.text,
    dir: WorkspaceDir = None,
) -> None:
    """Print the identity graph: how requests find a person's rows."""
    with _datastores(dir, write=False) as (_context, datastores):
        identity_graph = datastores.graph
        failures = dict(datastores.failures)
    if output is GraphFormat.dot:
        print(identity_graph.to_dot(), end="")
    elif output is GraphFormat.json:
        print(json.dumps({
            "identities": [{"datastore": s.node[0], "table": s.node[1], "column": s.column,
                            "type": s.identity} for s in identity_graph.seeds],
            "links": [{"kind": link.kind, "from": list(link.source),
                       "from_columns": list(link.source_columns), "to": list(link.target),
                       "to_columns": list(link.target_columns)}
                      for link in identity_graph.links],
        }, indent=2))
    else:
        print(identity_graph.to_text(), end="")
    for key, message in failures.items():
        err_console.print(f"not connected: {key}: {message}", markup=False, style="red")
    if failures:
        raise typer.Exit(1)
