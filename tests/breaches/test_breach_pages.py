"""The admin's breach pages on the demo company: signed-in people only, recording for a
privacy officer behind CSRF, a refused form showing each problem at its field with nothing
recorded, the breach page's clock, drafts and people found, a decision that writes to
them. And a breach recorded through the form in a real browser, its clock on screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Register
from privet.models.outbox import MessageKind
from web_helpers import CSRF_TOKEN, LiveServer, admin_sign_in, browser_sign_in, outbox


@pytest.fixture
def admin(client: TestClient, admin_user: dict[str, str]) -> TestClient:
    client.headers["accept"] = "text/html"
    return client


def token(page: str, action: str) -> str:
    found = CSRF_TOKEN.search(page.split(f'action="{action}"', 1)[1])
    assert found is not None
    return found.group(1)


def form(**changes: Any) -> dict[str, Any]:
    discovered = datetime.now(UTC) - timedelta(hours=3)
    values: dict[str, Any] = {
        "title": "Newsletter list exposed", "description": "A public link to the export.",
        "nature": ["confidentiality"], "discovered_at": f"{discovered:%Y-%m-%dT%H:%M}",
        "data_categories": "user.contact.email\nuser.name", "subject_categories": "customer",
        "systems": ["app.newsletter_subscriptions"], "people_affected": "150",
        "records_affected": "", "consequences": "Spam.", "measures": "Link revoked.",
        "risk": "high"}
    values.update(changes)
    return values


def test_the_pages_need_a_signed_in_person_and_recording_an_officer(
        admin: TestClient, register: Register) -> None:
    answer = admin.get("/admin/breaches", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/admin/login")

    admin_sign_in(admin, "vic")
    page = admin.get("/admin/breaches")
    assert page.status_code == 200
    assert "No breach recorded." in page.text
    assert "Record a breach" not in page.text
    assert admin.get("/admin/breaches/new").status_code == 403
    csrf = CSRF_TOKEN.search(page.text)
    assert csrf is not None
    refused = admin.post("/admin/breaches", data={**form(), "csrf_token": csrf.group(1)},
                         follow_redirects=False)
    assert refused.status_code == 403
    assert register.counts()["Breach"] == 0

    admin.cookies.clear()
    admin_sign_in(admin, "olga")
    forged = admin.post("/admin/breaches", data={**form(), "csrf_token": "0" * 64},
                        follow_redirects=False)
    assert forged.status_code == 403
    assert register.counts()["Breach"] == 0


def test_a_refused_form_shows_each_problem_and_records_nothing(admin: TestClient,
                                                               register: Register) -> None:
    admin_sign_in(admin, "olga")
    page = admin.get("/admin/breaches/new").text
    future = datetime.now(UTC) + timedelta(days=2)
    answer = admin.post("/admin/breaches", data={
        **form(discovered_at=f"{future:%Y-%m-%dT%H:%M}",
               data_categories="user.contact.email\nuser.nmae", people_affected="-3",
               consequences=""),
        "csrf_token": token(page, "/admin/breaches")})
    assert answer.status_code == 422
    text = answer.text
    assert "Nothing was recorded" in text
    assert re.search(r'id="people_affected-error">.*greater than or equal to 0', text)
    assert 'id="consequences-error"' in text
    assert "Newsletter list exposed" in text  # what was typed is kept
    assert register.counts()["Breach"] == 0

    answer = admin.post("/admin/breaches", data={
        **form(discovered_at=f"{future:%Y-%m-%dT%H:%M}",
               data_categories="user.contact.email\nuser.nmae"),
        "csrf_token": token(page, "/admin/breaches")})
    assert answer.status_code == 422
    assert re.search(r'id="discovered_at-error">.*is in the future', answer.text)
    assert re.search(r'id="data_categories-error">.*\[1\]: `user.nmae`', answer.text)
    assert register.counts()["Breach"] == 0


def test_an_officer_records_a_breach_and_tells_the_people(admin: TestClient,
                                                         register: Register) -> None:
    admin_sign_in(admin, "olga")
    page = admin.get("/admin/breaches/new").text
    answer = admin.post("/admin/breaches", data={**form(),
                                                 "csrf_token": token(page, "/admin/breaches")},
                        follow_redirects=False)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    reference = location.split("/")[-1].split("?")[0]
    shown = admin.get(location).text
    assert "Recorded. The clock runs from the discovery." in shown
    assert re.search(r'id="clock"[^>]*data-state="on_time">(68|69) h \d\d min left', shown)
    assert "To: CNIL" in shown and "about 150 people" in shown
    # The tables involved are searched only when asked: the page shows a link instead.
    assert 'id="people-count"' not in shown
    assert 'id="count-people" href="?people=count#people-found"' in shown
    counted = admin.get(f"/admin/breaches/{reference}?people=count").text
    found = re.search(r'id="people-count">([\d,]+) email addresses', counted)
    assert found is not None
    people = int(found.group(1).replace(",", ""))
    assert people > 0

    answer = admin.post(f"/admin/breaches/{reference}/decide", data={
        "question": "people", "notify": "yes", "reason": "high risk: spam and phishing",
        "exception": "", "csrf_token": token(shown, f"/admin/breaches/{reference}/decide")},
        follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert len(outbox(register.sessions, reference, MessageKind.breach_notice)) == people
    after = admin.get(answer.headers["location"]).text
    assert "a message to each person found is queued" in after
    assert f"{people:,} messages queued" in after
    assert '<option value="public"' in after  # a public communication is recorded here too

    late = admin.post(f"/admin/breaches/{reference}/notify", data={
        "phase": "follow_up", "csrf_token": token(after, f"/admin/breaches/{reference}/notify")})
    assert late.status_code == 409
    assert "Nothing was recorded: the authority has no initial notification" in late.text
    assert register.counts()["BreachNotification"] == 1


def test_a_breach_recorded_in_the_browser_shows_its_clock(live_server: LiveServer, page: Any,
                                                          admin_user: dict[str, str]) -> None:
    from playwright.sync_api import expect

    browser_sign_in(page, live_server.url, "olga")
    page.get_by_role("link", name="Breaches").click()
    expect(page.get_by_role("heading", name="Breaches", exact=True)).to_be_visible()
    page.get_by_role("link", name="Record a breach").click()

    discovered = datetime.now(UTC) - timedelta(hours=60)
    page.get_by_label("Title").fill("Backup bucket left public")
    page.get_by_label("What happened").fill("A backup of the contacts table was public.")
    page.get_by_label("Discovered at (UTC)").fill(f"{discovered:%Y-%m-%dT%H:%M}")
    page.get_by_label("Data concerned").fill("user.contact.email, user.name")
    page.get_by_label("Datastores and tables involved").select_option(["app.contacts"])
    page.get_by_label("Likely consequences for the people").fill("Spam and phishing.")
    page.get_by_label("Measures taken or proposed").fill("Bucket made private.")
    page.get_by_label("A risk: notify the authority").check()
    page.get_by_role("button", name="Record the breach").click()

    expect(page.get_by_role("status")).to_contain_text("Recorded.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Backup bucket left public")
    clock = page.locator("#clock")
    expect(clock).to_have_attribute("data-state", "due_soon")
    expect(clock).to_have_text(re.compile(r"^1[12] h \d\d min left$"))
    expect(page.locator("#authority-draft")).to_contain_text("A backup of the contacts table")
    expect(page.locator("#people-count")).to_have_count(0)
    page.get_by_role("link", name="Count the people affected").click()
    expect(page.locator("#people-count")).to_contain_text("email addresses")

    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Breaches").click()
    row = page.locator("#register tr", has_text="Backup bucket left public")
    expect(row).to_contain_text("left")
    expect(row.locator(".clock")).to_have_class(re.compile("soon"))
