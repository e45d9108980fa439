"""`privet docs publish`, `privet docs versions`, `privet docs diff`: archive the rendered
documents as a version, list the versions, say in words what changed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from privet.documents import versions
from privet.documents.diff import ManifestDiff
from privet.documents.render import overrides_folder
from privet.kit.cli import WorkspaceDir, console, err_console, reports_errors
from privet.kit.clock import utc_naive
from privet.kit.db import dispose, session_scope
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace


class DiffFormat(StrEnum):
    text = "text"
    json = "json"


class Language(StrEnum):
    en = "en"
    fr = "fr"


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False)


def _warn(text: str) -> None:
    err_console.print(f"warning: {text}", markup=False, highlight=False, style="yellow")


@contextmanager
def _runtime(dir: WorkspaceDir) -> Iterator[Runtime]:
    runtime = Runtime.load(Workspace.find(dir))
    try:
        yield runtime
    finally:
        dispose(runtime.sessions)


def _show_changes(diff: ManifestDiff, language: str) -> None:
    for change in diff.changes:
        mark = "material" if change.material else "minor   "
        _say(f"  [{mark}] {change.sentence(language)}")


@reports_errors
def publish(dir: WorkspaceDir = None) -> None:
    """Archive the documents rendered from the manifest as version `policy.version`, with
    the manifest (content-hashed). Publishing the same content again changes nothing; a
    material change schedules the change notices (`policy.notify`)."""
    with _runtime(dir) as runtime, session_scope(runtime.sessions) as session:
        result = versions.publish(session, runtime.manifest, now=utc_naive(), actor="cli",
                                  secret=runtime.secret,
                                  overrides=overrides_folder(runtime.workspace.root))
    if not result.created:
        _say(f"version {result.label} is already published with this content "
             f"(sha256 {result.content_hash[:12]}); nothing changed")
        return
    policy = runtime.manifest.policy
    _say(f"published version {result.label} (takes effect {policy.effective_date:%Y-%m-%d}), "
         f"sha256 {result.content_hash[:12]}, at /privacy/versions/{result.label}")
    if result.previous_label is None:
        _say("the first published version: nothing to compare it with")
    else:
        _say(f"since {result.previous_label}: {result.diff.summary()}")
        _show_changes(result.diff, "en")
    if result.notices_due_at is not None:
        _say(f"change notices scheduled for {result.notices_due_at:%Y-%m-%d %H:%M} UTC "
             f"(job #{result.notice_job_id})")
    elif result.previous_label is not None and not result.material:
        _say("no material change: no change notice is sent")
    for warning in result.warnings:
        _warn(warning)


@reports_errors
def list_versions(dir: WorkspaceDir = None) -> None:
    """The published versions, newest first."""
    with _runtime(dir) as runtime, session_scope(runtime.sessions) as session:
        found = versions.list_versions(session)
        if not found:
            _say("nothing is published yet: run `privet docs publish`")
            return
        table = Table(title="Published versions")
        for heading in ("version", "takes effect", "published", "by", "material", "summary"):
            table.add_column(heading)
        for version in found:
            table.add_row(version.label, f"{version.effective_date:%Y-%m-%d}",
                          f"{version.published_at:%Y-%m-%d %H:%M}", version.published_by,
                          "yes" if version.material else "no", version.summary)
        console.print(table)


@reports_errors
def diff(
    before: Annotated[str | None, typer.Argument(
        help="A published version; default: the last published.", show_default=False)] = None,
    after: Annotated[str | None, typer.Argument(
        help="A published version; default: the manifest as it is now.",
        show_default=False)] = None,
    output: Annotated[DiffFormat, typer.Option("--format", help="text or json.")] =
    DiffFormat.text,
    lang: Annotated[Language, typer.Option("--lang", help="Language of the sentences.")] =
    Language.en,
    dir: WorkspaceDir = None,
) -> None:
    """Say in words what changed between two published versions, or from a published
    version (default: the last) to the manifest as it is now."""
    with _runtime(dir) as runtime, session_scope(runtime.sessions) as session:
        if after is not None:
            assert before is not None
            result = versions.diff_versions(session, before, after)
            base, target = before, after
        else:
            base, result = versions.diff_with_manifest(session, runtime.manifest, before)
            target = f"the manifest ({runtime.manifest.policy.version})"
    if output is DiffFormat.json:
        _say(json.dumps({"from": base, "to": after or "manifest", **result.as_json()}, indent=2,
                        ensure_ascii=False))
        return
    _say(f"from {base} to {target}: {result.summary(lang.value)}")
    _show_changes(result, lang.value)
