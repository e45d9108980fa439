"""The admin in a real browser (Debian Chromium through Playwright) against a live server
with its job runner: a privacy officer signs in, finds a request in the queue, rejects it
with a reason, and sees the new state and the email to the person in the outbox."""

from __future__ import annotations

import re
from typing import Any

import httpx

from web_helpers import ADMIN_PASSWORD, LiveServer, code_for

EMAIL = "jules.bernard@example.org"


def _waiting_rectification(server: LiveServer, details: str) -> str:
    """A rectification submitted and verified through the API: it waits for the privacy
    team, whatever the settings."""
    with httpx.Client(base_url=server.url, timeout=10) as api:
        submitted = api.post("/api/requests", json={"type": "rectification", "email": EMAIL,
                                                    "details": details})
        assert submitted.status_code == 202, submitted.text
        reference: str = submitted.json()["reference"]
        verified = api.post(f"/api/requests/{reference}/verify",
                            json={"code": code_for(server.sessions, reference)})
        assert verified.json()["state"] == "verified", verified.text
    return reference


def test_a_privacy_officer_rejects_a_request_and_finds_the_email_in_the_outbox(
        live_server: LiveServer, page: Any, admin_user: dict[str, str]) -> None:
    from playwright.sync_api import expect

    details = "My birth date is wrong: it should be 12 March 1990."
    reference = _waiting_rectification(live_server, details)
    reason = "We could not match this address to an account; write from your account's address."

    page.goto(f"{live_server.url}/admin")
    expect(page).to_have_url(re.compile(r"/admin/login\?next=/admin$"))
    page.get_by_label("Username").fill("olga")
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Request queue")).to_be_visible()
    row = page.locator(f'tr[data-reference="{reference}"]')
    expect(row).to_contain_text("rectification")
    expect(row).to_contain_text("verified")
    expect(row).to_contain_text("days left")
    row.get_by_role("link", name=reference).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.get_by_text(details)).to_be_visible()
    reject = page.locator("form.decision", has=page.get_by_role("heading", name="Reject"))
    reject.get_by_label("Reason").fill(reason)
    reject.get_by_role("button", name="Reject").click()

    expect(page.locator("#state")).to_have_text("rejected")
    expect(page.get_by_role("status")).to_contain_text("Rejected")
    expect(page.locator("#rejection-reason")).to_have_text(reason)
    expect(page.locator("form.decision")).to_have_count(0)

    page.get_by_role("link", name="Outbox").click()
    message = page.locator("tr.kind-rejection", has_text=reference)
    expect(message).to_contain_text(EMAIL)
    message.locator("summary").click()
    expect(message.locator("pre.body")).to_contain_text(reason)
    expect(message.locator("pre.body")).to_contain_text("supervisory authority")

    page.get_by_role("link", name="Queue").click()
    expect(page.locator(f'tr[data-reference="{reference}"]')).to_have_count(0)
