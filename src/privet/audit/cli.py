"""`privet audit …`: read and verify the audit log."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from privet.audit import service
from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.db import database_url, dispose, open_database, session_scope
from privet.kit.errors import ConfigurationError
from privet.kit.workspace import Workspace
from privet.models.audit_log import AuditEntry

audit_app = typer.Typer(help="The audit log: every state change, hash-chained.",
                        no_args_is_help=True)

# A wrong key makes every entry a problem; a person reads the first ones.
_SHOWN_PROBLEMS = 50


class LogFormat(StrEnum):
    text = "text"
    json = "json"


def _secret(workspace: Workspace) -> bytes:
    key = workspace.settings.secret_key
    if key is None or not key.get_secret_value():
        raise ConfigurationError(
            "the workspace secret is not set: the audit log's hashes are keyed with it",
            hint="set PRIVET_SECRET_KEY (or secret_key in privet.toml) to the key that "
                 "wrote the log")
    return key.get_secret_value().encode()


@contextmanager
def _session(workspace: Workspace) -> Iterator[Session]:
    sessions = open_database(database_url(workspace.root, workspace.settings.database_url))
    try:
        with session_scope(sessions) as session:
            yield session
    finally:
        dispose(sessions)


def _count(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@audit_app.command("verify")
@reports_errors
def verify(dir: WorkspaceDir = None) -> None:
    """Check that no entry of the audit log was edited, removed or reordered (exit 1 if one
    was)."""
    workspace = Workspace.find(dir)
    secret = _secret(workspace)
    with _session(workspace) as session:
        report = service.verify_chain(session, secret=secret)
    entries = _count(report.entries_checked, "entry", "entries")
    if report.ok:
        head = "" if report.head is None else (
            f" (last: entry {report.head.sequence}, hash {report.head.entry_hash})")
        console.print(f"{entries}, chain intact{head}", markup=False, highlight=False)
        return
    for problem in report.problems[:_SHOWN_PROBLEMS]:
        console.print(problem.what, markup=False, highlight=False)
    hidden = report.problem_count - min(len(report.problems), _SHOWN_PROBLEMS)
    if hidden:
        console.print(f"… and {_count(hidden, 'more problem', 'more problems')}", markup=False,
                      highlight=False)
    console.print(f"{entries}, chain broken: {_count(report.problem_count, 'problem', 'problems')}",
                  style="bold red", markup=False, highlight=False)
    if report.no_hash_matches:
        console.print("hint: no entry matches its hash; is PRIVET_SECRET_KEY the key that "
                      "wrote the log?", markup=False, highlight=False)
    raise typer.Exit(1)


def _as_json(entry: AuditEntry) -> dict[str, Any]:
    return {"sequence": entry.sequence, "occurred_at": entry.occurred_at.isoformat() + "Z",
            "actor": entry.actor, "action": entry.action, "subject_type": entry.subject_type,
            "subject_id": entry.subject_id, "details": entry.details,
            "previous_hash": entry.previous_hash, "entry_hash": entry.entry_hash}


@audit_app.command("log")
@reports_errors
def log(
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many entries to show.")]
    = 20,
    output: Annotated[LogFormat, typer.Option("--format", help="text or json.")]
    = LogFormat.text,
    dir: WorkspaceDir = None,
) -> None:
    """Show the latest entries of the audit log, oldest first."""
    workspace = Workspace.find(dir)
    with _session(workspace) as session:
        entries = service.latest_entries(session, limit=limit)
    if output is LogFormat.json:
        print(json.dumps([_as_json(entry) for entry in entries], indent=2,
                         ensure_ascii=False))
        return
    if not entries:
        console.print("the audit log is empty")
        return
    for entry in entries:
        details = json.dumps(entry.details, ensure_ascii=False, separators=(",", ":"),
                             sort_keys=True)
        console.print(f"{entry.sequence:>6}  {entry.occurred_at.isoformat(' ', 'seconds')}Z  "
                      f"{entry.actor:<16} {entry.action:<24} "
                      f"{entry.subject_type} {entry.subject_id}  {details}",
                      markup=False, highlight=False)

