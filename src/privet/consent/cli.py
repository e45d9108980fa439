"""`privet consent …`: publish the notice, answer "may I email?", read a person's history,
verify every receipt's signature, make unsubscribe links."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from privet.consent import links, notices, repository, service
from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.clock import utc_naive
from privet.kit.db import dispose, session_scope
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace

consent_app = typer.Typer(help="Consent: notices, receipts, preferences, unsubscribe links.",
                          no_args_is_help=True)

Email = Annotated[str, typer.Option("--email", help="The person's email address.")]
PurposeKey = Annotated[str, typer.Option("--purpose", help="A purpose key of the manifest.")]


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


@contextmanager
def _runtime(dir: WorkspaceDir) -> Iterator[tuple[Runtime, Session]]:
    runtime = Runtime.load(Workspace.find(dir))
    try:
        with session_scope(runtime.sessions) as session:
            yield runtime, session
    finally:
        dispose(runtime.sessions)


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False)


@consent_app.command("publish")
@reports_errors
def publish(dir: WorkspaceDir = None) -> None:
    """Publish the consent notice the manifest gives (a new version only if its words
    changed; `privet serve` does the same when it starts)."""
    with _runtime(dir) as (runtime, session):
        before = repository.latest_notice(session)
        notice = notices.publish_notice(session, manifest=runtime.manifest,
                                        secret=runtime.secret, actor="cli", now=utc_naive())
    fresh = before is None or before.version != notice.version
    _say(f"notice version {notice.version} ({'published' if fresh else 'unchanged'}), "
         f"text hash {notice.text_hash}")


@consent_app.command("notices")
@reports_errors
def list_notices(dir: WorkspaceDir = None) -> None:
    """Every notice version, oldest first."""
    with _runtime(dir) as (_, session):
        for row in repository.notices(session):
            _say(f"{row.version:>4}  {row.published_at.isoformat(' ', 'seconds')}Z  "
                 f"{row.text_hash}")


@consent_app.command("check")
@reports_errors
def check(email: Email, purpose: PurposeKey, dir: WorkspaceDir = None) -> None:
    """May the company email this person for this purpose? Exit 0 if yes, 1 if not."""
    with _runtime(dir) as (runtime, session):
        answer = service.may_contact(session, secret=runtime.secret,
                                     manifest=runtime.manifest, email=email, purpose=purpose,
                                     now=utc_naive())
    receipt = f" (receipt {answer.receipt_id})" if answer.receipt_id else ""
    _say(f"{'yes' if answer.allowed else 'no'}: {answer.reason}{receipt}")
    if not answer.allowed:
        raise typer.Exit(1)


@consent_app.command("history")
@reports_errors
def history(email: Email, output: Annotated[OutputFormat, typer.Option(
        "--format", help="text or json.")] = OutputFormat.text,
        dir: WorkspaceDir = None) -> None:
    """A person's consent receipts, oldest first, and where each purpose stands."""
    with _runtime(dir) as (runtime, session):
        found = service.subject_consent(session, secret=runtime.secret,
                                        manifest=runtime.manifest, email=email,
                                        now=utc_naive())
        receipts = [service.receipt_fields(r) for r in found.receipts]
    if output is OutputFormat.json:
        print(json.dumps({"receipts": receipts, "purposes": {
            key: {"granted": d.granted, "in_force": d.in_force, "receipt_id": d.receipt_id}
            for key, d in found.current.purposes.items()}}, indent=2, ensure_ascii=False))
        return
    if not receipts:
        _say("no consent recorded for this person")
    for receipt in receipts:
        decided = ", ".join(f"{k}={'yes' if v else 'no'}"
                            for k, v in {**receipt["purposes"], **receipt["categories"]}.items())
        _say(f"{receipt['recorded_at']}  {receipt['action']:<10} {receipt['source']:<17} "
             f"v{receipt['notice_version']}  {decided}  {receipt['receipt_id']}")
    for key, decision in sorted(found.current.purposes.items()):
        state = "given" if decision.in_force else "expired" if decision.expired else "refused"
        _say(f"{key}: {state}")


@consent_app.command("verify")
@reports_errors
def verify(dir: WorkspaceDir = None) -> None:
    """Check every receipt's signature: exit 1 if one was changed in the database."""
    with _runtime(dir) as (runtime, session):
        report = service.verify_receipts(session, secret=runtime.secret)
    for receipt_id in report.altered[:50]:
        _say(f"receipt {receipt_id} was altered: its signature no longer matches")
    _say(f"{report.checked} receipt(s) checked, {len(report.altered)} altered")
    if report.altered:
        raise typer.Exit(1)


@consent_app.command("unsubscribe-link")
@reports_errors
def unsubscribe_link(email: Email, purpose: PurposeKey, dir: WorkspaceDir = None) -> None:
    """The unsubscribe link of one person for one purpose, and its RFC 8058 headers."""
    workspace = Workspace.find(dir)
    url = links.unsubscribe_url(workspace.settings.base_url, workspace.secret(),
                                  email=email, purpose=purpose,
                                  manifest=workspace.load_manifest())
    _say(url)
    _say(f"List-Unsubscribe: <{url}>")
    _say("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
