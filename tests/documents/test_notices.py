"""Change notices on the demo company: a material change schedules a durable job for the
notice period before it takes effect (30 days, as email-marketing-tool.txt promises);
when the job is due it queues one outbox message per person named by `policy.notify`,
once however often it runs, in each person's language; a non-material change sends
nothing; a notice period that cannot be kept is said."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner
from version_helpers import add_processor, audit, edit, jobs, publish, relabel

from privet.cli import app
from privet.documents.notices import (
    SEND_CHANGE_NOTICES,
    NoticeError,
    queue_change_notices,
    read_recipients,
)
from privet.jobs.inline import InlineRunner
from privet.kit.db import session_scope
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace
from privet.manifest.lint import lint
from privet.models.documents import DocumentVersion
from privet.models.outbox import MessageKind, OutboxMessage

PUBLISHED = datetime(2026, 12, 1, 10, 0)
"""When version 2026.2 (effective 2027-03-01) is published: its notices are due on
2027-01-30, 30 days before."""
DUE = datetime(2027, 1, 30)


def recipients_by_sql(workspace: Workspace) -> dict[str, str]:
    """Who `policy.notify` names in the demo, read with plain SQL: every user (with their
    language) and the billing contact of each active account."""
    with sqlite3.connect(workspace.root / "data" / "nuage.db") as connection:
        found = {email.lower(): language[:2] for email, language in connection.execute(
            "SELECT email, language FROM users")}
        for (email,) in connection.execute(
                "SELECT billing_email FROM accounts WHERE status = 'active'"):
            found.setdefault(email.lower(), "en")
    connection.close()
    return found


def notices(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with session_scope(sessions) as session:
        found = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.change_notice).order_by(OutboxMessage.id)))
        session.expunge_all()
        return found


def publish_material_change(workspace: Workspace, sessions: sessionmaker[Session]) -> None:
    publish(workspace, sessions)                              # 2026.1, the first version
    add_processor(workspace)
    relabel(workspace, "2026.2", "2027-03-01")
    result = publish(workspace, sessions, now=PUBLISHED)
    assert result.material and result.warnings == []
    assert result.notices_due_at == DUE


def test_a_material_change_schedules_the_notices_for_the_notice_period(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session]) -> None:
    publish_material_change(demo_workspace, privet_sessions)
    assert jobs(privet_sessions, SEND_CHANGE_NOTICES) == [("queued", DUE, "policy:2026.2")]
    with session_scope(privet_sessions) as session:
        version = session.scalars(select(DocumentVersion).where(
            DocumentVersion.label == "2026.2")).one()
        assert (version.material, version.notices_due_at, version.notice_warning) == (
            True, DUE, None)
    [entry] = [e for e in audit(privet_sessions, "documents.version_published")
               if e["subject"] == "2026.2"]
    assert entry["material"] is True and entry["notices_due_at"] == "2027-01-30 00:00:00"
    assert notices(privet_sessions) == []


def test_the_due_job_tells_each_person_once_in_their_language(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session]) -> None:
    publish_material_change(demo_workspace, privet_sessions)
    runtime = Runtime.load(Workspace.find(demo_workspace.root), privet_sessions)
    runner = InlineRunner(runtime)
    runner.run_until_idle(now=DUE - timedelta(minutes=1))
    assert notices(privet_sessions) == [], "sent before the notice period began"

    runner.run_until_idle(now=DUE + timedelta(minutes=1))
    expected = recipients_by_sql(demo_workspace)
    sent = notices(privet_sessions)
    assert sorted(m.to_address for m in sent) == sorted(expected)
    assert len(sent) > 50
    assert jobs(privet_sessions, SEND_CHANGE_NOTICES)[0][0] == "done"

    french = next(m for m in sent if expected[m.to_address] == "fr")
    english = next(m for m in sent if expected[m.to_address] == "en")
    german = next(m for m in sent if expected[m.to_address] == "de")   # no German: English
    assert french.subject == "Notre politique de confidentialité change le 1er mars 2027"
    assert english.subject == german.subject == "Our privacy policy changes on 1 March 2027"
    assert "New recipient: Acme Analytics Inc. (Product analytics), country: United " \
           "States (US)" in english.text_body
    assert "Nouveau destinataire : Acme Analytics Inc." in french.text_body
    base = runtime.settings.base_url
    assert f"Read the new version: {base}/privacy/versions/2026.2" in english.text_body
    assert f"The version in force until then: {base}/privacy/versions/2026.1" in \
        english.text_body
    assert f'href="{base}/privacy/versions/2026.2"' in (english.html_body or "")
    assert {m.reference for m in sent} == {"policy:2026.2"}

    # Run again (a retry after a crash, or by hand): nobody is told twice.
    report = queue_change_notices(privet_sessions, _version_id(privet_sessions, "2026.2"),
                                  workspace_root=demo_workspace.root, timeout=5,
                                  base_url=base, secret=demo_workspace.secret())
    assert (report.queued, report.already_told) == (0, len(expected))
    assert len(notices(privet_sessions)) == len(expected)
    queued = audit(privet_sessions, "documents.change_notices_queued")
    assert [(e["queued"], e["already_told"]) for e in queued] == [
        (len(expected), 0), (0, len(expected))]


def _version_id(sessions: sessionmaker[Session], label: str) -> int:
    with session_scope(sessions) as session:
        return session.scalars(select(DocumentVersion.id).where(
            DocumentVersion.label == label)).one()


def test_a_job_cut_short_tells_only_those_not_yet_told(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session],
        monkeypatch: pytest.MonkeyPatch) -> None:
    publish_material_change(demo_workspace, privet_sessions)
    import privet.documents.notices as module

    monkeypatch.setattr(module, "BATCH", 10)
    version_id = _version_id(privet_sessions, "2026.2")
    calls = {"batches": 0}
    real_scope = module.session_scope

    def failing_scope(sessions: sessionmaker[Session]):  # type: ignore[no-untyped-def]
        calls["batches"] += 1
        if calls["batches"] == 4:     # the version read, two batches done, the third fails
            raise RuntimeError("the worker died")
        return real_scope(sessions)

    monkeypatch.setattr(module, "session_scope", failing_scope)
    with pytest.raises(RuntimeError):
        queue_change_notices(privet_sessions, version_id, workspace_root=demo_workspace.root,
                             timeout=5, base_url="https://nuage.example",
                             secret=demo_workspace.secret())
    assert len(notices(privet_sessions)) == 20
    monkeypatch.setattr(module, "session_scope", real_scope)
    report = queue_change_notices(privet_sessions, version_id,
                                  workspace_root=demo_workspace.root, timeout=5,
                                  base_url="https://nuage.example",
                                  secret=demo_workspace.secret())
    everyone = recipients_by_sql(demo_workspace)
    assert (report.queued, report.already_told) == (len(everyone) - 20, 20)
    assert sorted(m.to_address for m in notices(privet_sessions)) == sorted(everyone)


def test_a_change_that_is_not_material_schedules_nothing(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session]) -> None:
    publish(demo_workspace, privet_sessions)
    edit(demo_workspace, "organization.yaml", "security_measures:\n",
         "security_measures:\n  - name: Yearly penetration test\n")
    relabel(demo_workspace, "2026.2", "2027-03-01")
    result = publish(demo_workspace, privet_sessions, now=PUBLISHED)
    assert result.created and not result.material
    assert [c.en for c in result.diff.changes] == [
        "New security measure: Yearly penetration test."]
    assert result.notices_due_at is None and result.warnings == []
    assert jobs(privet_sessions, SEND_CHANGE_NOTICES) == []
    runtime = Runtime.load(Workspace.find(demo_workspace.root), privet_sessions)
    InlineRunner(runtime).run_until_idle(now=datetime(2027, 3, 1))
    assert notices(privet_sessions) == []


def test_a_notice_period_that_cannot_be_kept_is_said_and_the_notices_go_at_once(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session]) -> None:
    publish(demo_workspace, privet_sessions)
    add_processor(demo_workspace)
    relabel(demo_workspace, "2026.2", "2027-03-01")
    late = datetime(2027, 2, 20, 8, 30)              # 8 days and a half before it applies
    result = publish(demo_workspace, privet_sessions, now=late)
    warning = ("the notice period of 30 days is not respected: version 2026.2 takes effect "
               "on 2027-03-01, in 8 days; the notices go out at once")
    assert result.warnings == [warning]
    assert result.notices_due_at == late
    assert jobs(privet_sessions, SEND_CHANGE_NOTICES) == [("queued", late, "policy:2026.2")]
    [entry] = [e for e in audit(privet_sessions, "documents.version_published")
               if e["subject"] == "2026.2"]
    assert entry["warning"] == warning


def test_publish_says_when_the_notices_go_and_warns_when_late(
        demo_workspace: Workspace, privet_sessions: sessionmaker[Session]) -> None:
    runner = CliRunner()
    where = ["--dir", str(demo_workspace.root)]
    assert runner.invoke(app, ["docs", "publish", *where]).exit_code == 0
    add_processor(demo_workspace)
    relabel(demo_workspace, "2026.2", "2020-06-01")   # before 2026.1: refused
    refused = runner.invoke(app, ["docs", "publish", *where])
    assert refused.exit_code == 1 and "after 2026-01-15" in refused.output
    relabel(demo_workspace, "2026.2", (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d"))
    late = runner.invoke(app, ["docs", "publish", *where])
    assert late.exit_code == 0, late.output
    assert "change notices scheduled for" in late.output
    assert "warning: the notice period of 30 days is not respected" in late.output


def test_recipients_naming_what_does_not_exist_are_a_located_error(
        demo_workspace: Workspace) -> None:
    edit(demo_workspace, "organization.yaml", "    - table: accounts\n",
         "    - table: customers\n")
    manifest = Workspace.find(demo_workspace.root).load_manifest()
    [found] = [d for d in lint(manifest) if d.rule == "notice-recipients-unknown"]
    assert found.message == "change notices go to table `customers`, which is not declared"
    assert found.location is not None and found.location.file.endswith("organization.yaml")
    with pytest.raises(NoticeError, match="table `customers` does not exist"):
        read_recipients(manifest, demo_workspace.root, timeout=5)


def test_a_where_condition_on_a_missing_column_is_a_clear_error(
        demo_workspace: Workspace) -> None:
    edit(demo_workspace, "organization.yaml", "where: status = 'active'",
         "where: state = 'active'")
    manifest = Workspace.find(demo_workspace.root).load_manifest()
    with pytest.raises(NoticeError, match=r"names column\(s\) state that table `accounts` "
                       r"does not have"):
        read_recipients(manifest, demo_workspace.root, timeout=5)

