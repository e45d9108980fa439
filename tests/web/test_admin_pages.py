"""The admin pages, in-process on a real SQLite database: signing in (with lockout), the
queue, a request and the decisions on it, the outbox, the request log. Each decision is
checked where the person would notice it: the state, and the email queued to them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from privet.kit.db import session_scope
from privet.kit.workspace import Workspace
from privet.models.outbox import MessageKind
from privet.workflow.intake import submit_request, verify_request
from privet.workflow.schemas import Channel
from privet.workflow.service import get_request
from web_helpers import ADMIN_PASSWORD, code_for, outbox

EMAIL = "camille.martin@example.org"
_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
_ROW = re.compile(r'<tr data-reference="(R-[0-9A-Z-]+)">(.*?)</tr>', re.S)


@pytest.fixture(autouse=True)
def approval_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verified requests wait for a privacy officer (set before the workspace is read)."""
    monkeypatch.setenv("PRIVET_REQUESTS__REQUIRE_APPROVAL", "true")


@pytest.fixture
def browser_client(client: TestClient, admin_user: dict[str, str]) -> TestClient:
    """The app as a browser asks for pages (errors are pages, 401 is the sign-in page)."""
    client.headers["accept"] = "text/html"
    return client


def token(client: TestClient, path: str = "/admin/login") -> str:
    found = _TOKEN.search(client.get(path).text)
    assert found is not None, f"no form with a CSRF token on {path}"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = ADMIN_PASSWORD,
            next: str | None = None) -> httpx.Response:
    form = {"csrf_token": token(client), "username": username, "password": password}
    if next is not None:
        form["next"] = next
    return client.post("/admin/login", data=form, follow_redirects=False)


def new_request(workspace: Workspace, sessions: sessionmaker[Session], type: str = "access",
                *, received: datetime | None = None, details: str | None = None) -> str:
    """A request submitted and verified (by its emailed code) at ``received``: it waits
    for a decision."""
    moment = received or datetime.now(UTC)
    manifest, secret = workspace.load_manifest(), workspace.secret()
    with session_scope(sessions) as session:
        reference = submit_request(session, manifest=manifest, settings=workspace.settings,
                                   secret=secret, type=type, email=EMAIL, language="en",
                                   channel=Channel.privacy_center, now=moment,
                                   details=details).reference
    with session_scope(sessions) as session:
        verify_request(session, manifest=manifest, settings=workspace.settings, secret=secret,
                       reference=reference, code=code_for(sessions, reference), now=moment)
    return reference


def state_of(sessions: sessionmaker[Session], reference: str) -> str:
    with sessions() as session:
        return get_request(session, reference=reference).state


def decide(client: TestClient, reference: str, decision: str,
           **form: str) -> httpx.Response:
    csrf = token(client, f"/admin/requests/{reference}")
    return client.post(f"/admin/requests/{reference}/{decision}",
                       data={"csrf_token": csrf, **form}, follow_redirects=False)


# -------------------------------------------------------------------------------- sign-in


def test_the_admin_asks_for_sign_in_and_returns_to_the_page_asked_for(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions)

    asked = browser_client.get(f"/admin/requests/{reference}", follow_redirects=False)
    assert asked.status_code == 303
    assert asked.headers["location"] == f"/admin/login?next=/admin/requests/{reference}"
    login = browser_client.get(asked.headers["location"])
    assert login.status_code == 200
    assert 'type="password"' in login.text

    signed_in = sign_in(browser_client, "ada", next=f"/admin/requests/{reference}")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == f"/admin/requests/{reference}"
    page = browser_client.get(signed_in.headers["location"])
    assert page.status_code == 200
    assert reference in page.text and "Sign out" in page.text

    out = browser_client.post("/admin/logout", data={"csrf_token": token(browser_client, "/admin")},
                              follow_redirects=False)
    assert out.status_code == 303
    again = browser_client.get("/admin", follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"].startswith("/admin/login")


@pytest.mark.parametrize("elsewhere", ["https://evil.example/admin", "//evil.example/admin",
                                       "/privacy-center", "/\\evil.example"])
def test_signing_in_never_sends_the_browser_off_the_admin(browser_client: TestClient,
                                                          elsewhere: str) -> None:
    response = sign_in(browser_client, "ada", next=elsewhere)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"


def test_a_refused_sign_in_says_the_same_whatever_went_wrong(
        browser_client: TestClient) -> None:
    wrong_password = sign_in(browser_client, "ada", "Not-the-password-1")
    unknown_user = sign_in(browser_client, "nobody", ADMIN_PASSWORD)

    for refused in (wrong_password, unknown_user):
        assert refused.status_code == 401
        assert "Wrong username or password." in refused.text
        assert "privet_admin" not in refused.headers.get("set-cookie", "")
    assert "nobody" not in unknown_user.text.split("Wrong username")[1].split("</div>")[0]
    assert browser_client.get("/admin", follow_redirects=False).status_code == 303


def test_repeated_failures_lock_the_account_even_with_the_right_password(
        browser_client: TestClient) -> None:
    for _ in range(5):
        assert sign_in(browser_client, "olga", "Guessing-wrong-7").status_code == 401

    locked = sign_in(browser_client, "olga", ADMIN_PASSWORD)
    assert locked.status_code == 401
    assert "Wrong username or password." in locked.text
    assert browser_client.get("/admin", follow_redirects=False).status_code == 303
    # Another account is not affected.
    assert sign_in(browser_client, "ada").status_code == 303


# ---------------------------------------------------------------------------- who may do it


def test_a_viewer_sees_the_queue_but_cannot_decide(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions)
    sign_in(browser_client, "vic")

    queue = browser_client.get("/admin")
    assert queue.status_code == 200
    assert reference in queue.text
    detail = browser_client.get(f"/admin/requests/{reference}")
    assert detail.status_code == 200
    assert "/approve" not in detail.text and "/reject" not in detail.text

    refused = decide(browser_client, reference, "approve")
    assert refused.status_code == 403
    assert "privacy_officer role" in refused.text
    assert state_of(privet_sessions, reference) == "verified"
    assert browser_client.get("/admin/outbox").status_code == 403


def test_a_form_without_its_csrf_token_changes_nothing(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions)
    sign_in(browser_client, "olga")

    for form in ({"reason": "no"}, {"reason": "no", "csrf_token": "0" * 64}):
        forged = browser_client.post(f"/admin/requests/{reference}/reject", data=form,
                                     follow_redirects=False)
        assert forged.status_code == 403
        assert "did not come from this site" in forged.text
    assert state_of(privet_sessions, reference) == "verified"
    assert outbox(privet_sessions, reference, MessageKind.rejection) == []


# ---------------------------------------------------------------------------------- queue


def test_the_queue_lists_open_requests_nearest_deadline_first(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    now = datetime.now(UTC)
    fresh = new_request(demo_workspace, privet_sessions, received=now - timedelta(hours=1))
    overdue = new_request(demo_workspace, privet_sessions, "erasure",
                          received=now - timedelta(days=33, hours=-12))
    soon = new_request(demo_workspace, privet_sessions, "rectification",
                       received=now - timedelta(days=27, hours=-12))
    closed = new_request(demo_workspace, privet_sessions)
    sign_in(browser_client, "olga")
    decide(browser_client, closed, "reject", reason="Duplicate of an earlier request.")

    rows = _ROW.findall(browser_client.get("/admin").text)

    assert [reference for reference, _ in rows] == [overdue, soon, fresh]
    cells = dict(rows)
    assert 'class="overdue">overdue by 3 days' in cells[overdue]
    assert 'class="soon">3 days left' in cells[soon]
    assert "29 days left" in cells[fresh] and "overdue" not in cells[fresh]
    assert "erasure" in cells[overdue] and "privacy center" in cells[overdue]
    assert "verified" in cells[soon]


# ------------------------------------------------------------------------------ decisions


def test_approving_queues_the_request_to_run(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions)
    sign_in(browser_client, "olga")
    written_before = len(outbox(privet_sessions, reference))

    approved = decide(browser_client, reference, "approve")

    assert approved.status_code == 303
    assert approved.headers["location"] == f"/admin/requests/{reference}?done=approve"
    assert state_of(privet_sessions, reference) == "approved"
    page = browser_client.get(approved.headers["location"]).text
    assert "Approved: the request is queued to run." in page
    assert "execute request" in page and "queued" in page
    assert "verified → approved" in page and "admin:olga" in page
    assert "request.approved" in page
    assert len(outbox(privet_sessions, reference)) == written_before  # no email yet


def test_rejecting_writes_the_reason_to_the_person(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions, "erasure")
    sign_in(browser_client, "olga")
    reason = "We hold no account for this address; write from the address you signed up with."

    rejected = decide(browser_client, reference, "reject", reason=reason)

    assert rejected.status_code == 303
    assert state_of(privet_sessions, reference) == "rejected"
    [message] = outbox(privet_sessions, reference, MessageKind.rejection)
    assert message.to_address == EMAIL
    assert reference in message.subject
    assert reason in message.text_body
    assert "supervisory authority" in message.text_body
    page = browser_client.get(f"/admin/requests/{reference}").text
    assert reason in page and "/reject" not in page  # closed: nothing left to decide
    assert reference not in browser_client.get("/admin").text


def test_a_rejection_needs_a_reason(browser_client: TestClient, demo_workspace: Workspace,
                                    privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions)
    sign_in(browser_client, "olga")

    refused = decide(browser_client, reference, "reject", reason="   ")

    assert refused.status_code == 422
    assert "the reason for rejecting the request is required" in refused.text
    assert state_of(privet_sessions, reference) == "verified"
    assert outbox(privet_sessions, reference, MessageKind.rejection) == []


def test_extending_tells_the_person_the_new_date_and_why(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions, "access")
    sign_in(browser_client, "olga")
    with privet_sessions() as session:
        due = get_request(session, reference=reference).due_at
    new_day = (due + timedelta(days=20)).date()
    reason = "Your data is spread over three archived systems."

    extended = decide(browser_client, reference, "extend", until=new_day.isoformat(),
                      reason=reason)

    assert extended.status_code == 303
    with privet_sessions() as session:
        request = get_request(session, reference=reference)
        assert request.state == "verified"
        assert request.extended_until == datetime.combine(new_day, due.time())
    [message] = outbox(privet_sessions, reference, MessageKind.extension)
    assert message.to_address == EMAIL
    assert f"{new_day.day} {new_day:%B} {new_day.year}" in message.text_body
    assert reason in message.text_body

    again = decide(browser_client, reference, "extend",
                   until=(new_day + timedelta(days=1)).isoformat(), reason="More time.")
    assert again.status_code == 409
    assert "extended once only" in again.text
    assert len(outbox(privet_sessions, reference, MessageKind.extension)) == 1


def test_an_extension_beyond_the_limit_is_refused_and_the_form_kept(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions)
    sign_in(browser_client, "olga")
    too_late = (datetime.now(UTC) + timedelta(days=200)).date().isoformat()

    refused = decide(browser_client, reference, "extend", until=too_late,
                     reason="A very long investigation.")

    assert refused.status_code == 409
    assert "beyond the longest extension" in refused.text
    assert "A very long investigation." in refused.text  # what was typed is kept
    assert outbox(privet_sessions, reference, MessageKind.extension) == []


def test_a_rectification_cannot_be_approved_without_corrections(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions, "rectification",
                            details="My surname is Martin, not Martine.")
    sign_in(browser_client, "olga")
    page = browser_client.get(f"/admin/requests/{reference}").text
    assert "My surname is Martin, not Martine." in page
    assert 'name="corrections"' in page

    refused = decide(browser_client, reference, "approve", corrections="")
    assert refused.status_code == 422
    assert "say what to correct" in refused.text
    malformed = decide(browser_client, reference, "approve", corrections="Martin")
    assert malformed.status_code == 422
    assert "not table.field=value" in malformed.text
    assert state_of(privet_sessions, reference) == "verified"

    approved = decide(browser_client, reference, "approve",
                      corrections="customers.last_name = Martin\n")
    assert approved.status_code == 303
    with privet_sessions() as session:
        request = get_request(session, reference=reference)
        assert request.state == "approved"
        assert request.corrections == {"customers.last_name": "Martin"}
    assert "customers.last_name" in browser_client.get(f"/admin/requests/{reference}").text


def test_a_decision_the_state_does_not_allow_is_refused_with_the_reason(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions)
    sign_in(browser_client, "olga")
    decide(browser_client, reference, "reject", reason="Duplicate request.")

    # The form is gone from the page; a stale tab may still send it.
    csrf = token(browser_client, "/admin")
    refused = browser_client.post(f"/admin/requests/{reference}/approve",
                                  data={"csrf_token": csrf}, follow_redirects=False)

    assert refused.status_code == 409
    assert "it cannot become approved" in refused.text
    assert state_of(privet_sessions, reference) == "rejected"
    missing = browser_client.post("/admin/requests/R-0000-0000/approve",
                                  data={"csrf_token": csrf}, follow_redirects=False)
    assert missing.status_code == 404


# ------------------------------------------------------------------------ outbox and log


def test_the_outbox_page_shows_the_messages_with_their_text(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    reference = new_request(demo_workspace, privet_sessions)
    sign_in(browser_client, "olga")

    page = browser_client.get("/admin/outbox")

    assert page.status_code == 200
    for message in outbox(privet_sessions, reference):
        assert f'id="message-{message.id}"' in page.text
        assert message.subject in page.text
    assert EMAIL in page.text
    assert code_for(privet_sessions, reference) in page.text  # the demo's mailbox
    assert "verification" in page.text and "receipt" in page.text


def test_the_request_log_lists_the_period_and_downloads_as_csv(
        browser_client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    answered = new_request(demo_workspace, privet_sessions)
    waiting = new_request(demo_workspace, privet_sessions, "erasure")
    sign_in(browser_client, "olga")
    decide(browser_client, answered, "reject", reason="=HYPERLINK(\"http://x\") is not a reason")

    page = browser_client.get("/admin/log")
    assert page.status_code == 200
    assert answered in page.text and waiting in page.text
    assert "2 requests received" in page.text

    download = browser_client.get("/admin/log.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = {row["reference"]: row for row in csv.DictReader(io.StringIO(download.text))}
    assert rows[answered]["outcome"] == "rejected"
    assert rows[answered]["denial_reason"].startswith("'=HYPERLINK")  # not run as a formula
    assert rows[answered]["deadline_met"] == "yes"
    assert rows[waiting]["outcome"] == "open"

    last_year = browser_client.get("/admin/log", params={"since": "2020-01-01",
                                                         "until": "2020-12-31"})
    assert answered not in last_year.text and "0 requests received" in last_year.text
    backwards = browser_client.get("/admin/log", params={"since": "2021-01-01",
                                                         "until": "2020-01-01"})
    assert backwards.status_code == 422
    assert "before it starts" in backwards.text
