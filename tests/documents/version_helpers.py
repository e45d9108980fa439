"""What the version and notice tests share: editing the demo manifest, publishing it,
reading back what Privet's database holds (imported by name: `from version_helpers import
...`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.documents import versions
from privet.kit.db import session_scope
from privet.kit.workspace import Workspace
from privet.models.audit_log import AuditEntry
from privet.models.documents import DocumentVersion, PublishedDocument
from privet.models.jobs import Job

FIRST_PUBLISHED = datetime(2025, 12, 1, 9, 0)
"""When the demo's version 2026.1 (effective 2026-01-15) is published in the tests."""

NEW_PROCESSOR = """
  acme_analytics:
    name: Acme Analytics Inc.
    service: Product analytics
    purposes: [website_analytics]
    data_categories: [user.device.ip_address]
    country: US
    transfer: {mechanism: dpf}
"""


def edit(workspace: Workspace, file: str, old: str, new: str) -> None:
    """Replace ``old`` (which must be there once) in one of the demo's manifest files."""
    path = workspace.root / "privacy" / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def relabel(workspace: Workspace, label: str, effective: str) -> None:
    """Give the policy a new version and effective date."""
    path = workspace.root / "privacy" / "organization.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("policy:\n")
    head, tail = text[:start], text[start:]
    lines = tail.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("  version:"):
            lines[index] = f'  version: "{label}"\n'
        elif line.startswith("  effective_date:"):
            lines[index] = f"  effective_date: {effective}\n"
    path.write_text(head + "".join(lines), encoding="utf-8")


def add_processor(workspace: Workspace) -> None:
    edit(workspace, "processors.yaml", "processors:\n", "processors:" + NEW_PROCESSOR)


def publish(workspace: Workspace, sessions: sessionmaker[Session], *,
            now: datetime = FIRST_PUBLISHED) -> versions.PublishResult:
    manifest = Workspace.find(workspace.root).load_manifest()
    with session_scope(sessions) as session:
        return versions.publish(session, manifest, now=now, actor="cli",
                                secret=workspace.secret())


def stored_versions(sessions: sessionmaker[Session]) -> list[tuple[str, str, bool]]:
    with session_scope(sessions) as session:
        return [(v.label, v.content_hash, v.material) for v in session.scalars(
            select(DocumentVersion).order_by(DocumentVersion.id))]


def stored_documents(sessions: sessionmaker[Session], label: str) -> dict[str, str]:
    with session_scope(sessions) as session:
        return {d.name: d.text for d in session.scalars(
            select(PublishedDocument).join(DocumentVersion)
            .where(DocumentVersion.label == label))}


def audit(sessions: sessionmaker[Session], action: str) -> list[dict[str, Any]]:
    with session_scope(sessions) as session:
        return [dict(e.details, subject=e.subject_id) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action == action)
            .order_by(AuditEntry.sequence))]


def jobs(sessions: sessionmaker[Session], kind: str) -> list[tuple[str, datetime, str]]:
    with session_scope(sessions) as session:
        return [(j.state, j.run_after, j.subject_ref or "") for j in session.scalars(
            select(Job).where(Job.kind == kind).order_by(Job.id))]
