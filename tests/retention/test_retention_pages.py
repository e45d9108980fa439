"""The admin's retention page on the demo company: the rules as the policy words them, what
is due (the same counts as the plan), the runs; Run now for a privacy officer only, behind
CSRF; a run's report. And the same in a real browser against a live server whose job
runner carries the run out."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from privet.jobs.inline import InlineRunner
from privet.kit.clock import utc_naive
from privet.kit.db import session_scope
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace
from privet.models.jobs import Job
from privet.models.retention import RetentionRun
from privet.requests.engine import ConnectedDatastores
from privet.retention import service
from web_helpers import CSRF_TOKEN, LiveServer, admin_sign_in, browser_sign_in


@pytest.fixture
def admin(client: TestClient, admin_user: dict[str, str]) -> TestClient:
    client.headers["accept"] = "text/html"
    return client


def run_count(sessions: sessionmaker[Session]) -> int:
    with session_scope(sessions) as session:
        return int(session.scalar(select(func.count()).select_from(RetentionRun)) or 0)


def test_the_page_shows_the_rules_and_what_is_due(admin: TestClient,
                                                  demo_workspace: Workspace,
                                                  privet_sessions: sessionmaker[Session]) -> None:
    admin_sign_in(admin, "vic")
    page = admin.get("/admin/retention")
    assert page.status_code == 200
    assert "Browser data is kept for a maximum of 12 months." in page.text
    assert "<code>accounts.closed_at</code>" in page.text  # the `via` rule, in words

    manifest = demo_workspace.load_manifest()
    with ConnectedDatastores.open(manifest, demo_workspace.root, timeout=5,
                                  write=False) as datastores, \
            session_scope(privet_sessions) as session:
        plan = service.plan(manifest, datastores, session,
                            as_of=utc_naive())
    due = dict(re.findall(r'<tr><th scope="row">(\w+)</th><td><code>web_visits</code></td>\s*'
                          r'<td>delete</td>\s*<td>([\d,]+)</td>', page.text))
    visits = next(s for s in plan.steps if s.rule == "browser_data")
    assert visits.due > 0
    assert due == {"browser_data": f"{visits.due:,}"}
    assert "Run now" not in page.text, "a viewer is offered a button that would be refused"


def test_only_a_privacy_officer_runs_it_with_a_csrf_token(
        admin: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    admin_sign_in(admin, "vic")
    page = admin.get("/admin/retention")
    token = CSRF_TOKEN.search(page.text)
    assert token is not None
    refused = admin.post("/admin/retention/run", data={"csrf_token": token.group(1)},
                         follow_redirects=False)
    assert refused.status_code == 403
    assert run_count(privet_sessions) == 0

    admin.cookies.clear()
    admin_sign_in(admin, "olga")
    forged = admin.post("/admin/retention/run", data={"csrf_token": "0" * 64},
                        follow_redirects=False)
    assert forged.status_code == 403
    assert run_count(privet_sessions) == 0

    page = admin.get("/admin/retention")
    token = CSRF_TOKEN.search(page.text.split('action="/admin/retention/run"', 1)[1])
    assert token is not None
    started = admin.post("/admin/retention/run", data={"csrf_token": token.group(1)},
                         follow_redirects=False)
    assert started.status_code == 303
    assert started.headers["location"] == "/admin/retention?started=1"
    with session_scope(privet_sessions) as session:
        run = session.scalars(select(RetentionRun)).one()
        assert (run.trigger, run.actor, run.state) == ("admin", "admin:olga", "running")
        assert session.scalars(select(Job.kind)).all() == ["retention.run"]

    runtime = Runtime.load(demo_workspace, privet_sessions)
    InlineRunner(runtime).run_until_idle()
    report = admin.get("/admin/retention/runs/1")
    assert report.status_code == 200
    assert "Retention run #1: completed" in report.text
    with session_scope(privet_sessions) as session:
        finished = session.get(RetentionRun, 1)
        assert finished is not None and finished.rows_deleted > 0
        assert f"{finished.rows_deleted:,} rows deleted" in report.text


def test_an_unknown_run_is_a_404_page(admin: TestClient) -> None:
    admin_sign_in(admin, "vic")
    for path in ("/admin/retention/runs/99", "/admin/retention/runs/0",
                 "/admin/retention/runs/99999999999999999999"):
        answer = admin.get(path)
        assert answer.status_code in (404, 422), path
        assert "<html" in answer.text.lower()


def test_a_privacy_officer_runs_retention_from_the_page(live_server: LiveServer, page: Any,
                                                         admin_user: dict[str, str]) -> None:
    from playwright.sync_api import expect

    browser_sign_in(page, live_server.url, "olga")
    page.get_by_role("link", name="Retention").click()

    expect(page.get_by_role("heading", name="Retention", exact=True)).to_be_visible()
    due = page.locator("#due tr", has_text="browser_data")
    expect(due).to_contain_text("delete")
    page.get_by_role("button", name="Run now").click()
    expect(page.get_by_role("status")).to_contain_text("Run #1 is queued")

    link = page.locator("#runs").get_by_role("link", name="#1")
    link.click()
    heading = page.get_by_role("heading", level=1)
    for _ in range(100):  # the server's job runner carries the run out meanwhile
        if "completed" in (heading.text_content() or ""):
            break
        page.wait_for_timeout(100)
        page.reload()
    expect(heading).to_have_text("Retention run #1: completed")
    expect(page.locator("#steps tr", has_text="browser_data")).to_contain_text("done")
    with httpx.Client(base_url=live_server.url) as anonymous:
        assert anonymous.get("/admin/retention", headers={"accept": "text/html"},
                             follow_redirects=False).status_code == 303
