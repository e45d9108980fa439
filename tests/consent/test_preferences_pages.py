"""The preference center and unsubscribe pages as a person uses them: an emailed link to
their preferences, the history of their choices, changes recorded as receipts, the
unsubscribe link of a marketing email and the RFC 8058 one-click POST; and a person's
receipts in their access package."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.consent import links
from privet.jobs.inline import InlineRunner
from privet.kit.workspace import Workspace
from privet.models.consent import ConsentReceipt
from privet.models.outbox import MessageKind
from privet.web.deps import utc_now
from web_helpers import ADMIN_PASSWORD, code_for, outbox

EMAIL = "lea.petit@example.org"
LINK = re.compile(r"open this link: (\S+)")


class _Csrf(HTMLParser):
    token: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("name") == "csrf_token":
            self.token = values.get("value")


def csrf(page: str) -> str:
    parser = _Csrf()
    parser.feed(page)
    assert parser.token, "the page has no CSRF token"
    return parser.token


def receipts(sessions: sessionmaker[Session]) -> list[ConsentReceipt]:
    with sessions() as session:
        return list(session.scalars(select(ConsentReceipt).order_by(ConsentReceipt.id)))


def preferences_link(client: TestClient, sessions: sessionmaker[Session],
                     email: str = EMAIL) -> str:
    page = client.get("/privacy-center/preferences")
    assert page.status_code == 200
    sent = client.post("/privacy-center/preferences",
                       data={"csrf_token": csrf(page.text), "email": email})
    assert sent.status_code == 200 and "Check your email" in sent.text
    [message] = outbox(sessions, kind=MessageKind.preferences)
    assert message.to_address == email
    found = LINK.search(message.text_body)
    assert found is not None, message.text_body
    return found.group(1).replace("http://127.0.0.1:8000", "")


def test_a_person_sees_and_changes_their_consents_from_the_emailed_link(
        client: TestClient, privet_sessions: sessionmaker[Session]) -> None:
    link = preferences_link(client, privet_sessions)
    page = client.get(link)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Newsletter and product news" in page.text and "No choice recorded yet" in page.text
    assert 'name="purpose"' in page.text and "checked" not in page.text
    token = link.split("token=", 1)[1]

    saved = client.post("/privacy-center/preferences/manage", data={
        "csrf_token": csrf(page.text), "token": token, "purpose": ["newsletter",
                                                                   "ux_recordings"]},
        follow_redirects=False)
    assert saved.status_code == 303
    [first] = receipts(privet_sessions)
    assert first.source == "preference_center" and first.action == "custom"
    assert first.purposes == {"newsletter": True, "ux_recordings": True,
                              "website_analytics": False, "advertising": False}

    page = client.get(saved.headers["location"])
    assert "Your choices are saved" in page.text
    assert page.text.count("checked") == 2 and first.receipt_id in page.text

    client.post("/privacy-center/preferences/manage", data={
        "csrf_token": csrf(page.text), "token": token, "purpose": ["newsletter"]})
    second = receipts(privet_sessions)[-1]
    assert second.action == "withdraw" and second.purposes == {"ux_recordings": False}

    client.post("/privacy-center/preferences/manage", data={
        "csrf_token": csrf(page.text), "token": token, "purpose": ["newsletter"]})
    assert len(receipts(privet_sessions)) == 2  # nothing changed: nothing recorded

    client.post("/privacy-center/preferences/manage", headers={"Sec-GPC": "1"}, data={
        "csrf_token": csrf(page.text), "token": token, "purpose": ["newsletter",
                                                                   "advertising"]})
    third = receipts(privet_sessions)[-1]  # GPC: advertising stays refused
    assert third.gpc is True and third.purposes == {"advertising": False}


def test_the_preferences_page_needs_a_genuine_current_link(
        client: TestClient, privet_sessions: sessionmaker[Session]) -> None:
    link = preferences_link(client, privet_sessions)
    token = link.split("token=", 1)[1]
    assert client.get(f"/privacy-center/preferences/manage?token={token[:-4]}AAAA")\
        .status_code == 403
    assert client.get("/privacy-center/preferences/manage").status_code == 403
    client.app.dependency_overrides[utc_now] = (  # type: ignore[attr-defined]
        lambda: datetime.now(UTC) + timedelta(hours=25))
    try:
        assert client.get(link).status_code == 410
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    page = client.get("/privacy-center/preferences")
    refused = client.post("/privacy-center/preferences/manage",
                          data={"csrf_token": csrf(page.text), "token": "forged",
                                "purpose": ["newsletter"]})
    assert refused.status_code == 403 and receipts(privet_sessions) == []


def test_the_link_form_refuses_a_bad_address_and_a_missing_csrf_token(
        client: TestClient, privet_sessions: sessionmaker[Session]) -> None:
    page = client.get("/privacy-center/preferences")
    bad = client.post("/privacy-center/preferences",
                      data={"csrf_token": csrf(page.text), "email": "nobody"})
    assert bad.status_code == 422 and "like name@example.com" in bad.text
    assert client.post("/privacy-center/preferences",
                       data={"email": EMAIL}).status_code == 403
    assert outbox(privet_sessions, kind=MessageKind.preferences) == []


def unsubscribe_url(client: TestClient) -> str:
    secret: bytes = client.app.state.privet.secret  # type: ignore[attr-defined]
    token = links.unsubscribe_token(secret, email=EMAIL, purpose="newsletter")
    return f"/consent/unsubscribe?token={token}"


def test_the_unsubscribe_link_opens_a_page_that_changes_nothing_until_confirmed(
        client: TestClient, privet_sessions: sessionmaker[Session]) -> None:
    url = unsubscribe_url(client)
    page = client.get(url)
    assert page.status_code == 200
    assert "Newsletter and product news" in page.text and "l\u2022\u2022\u2022@example.org" \
        in page.text and EMAIL not in page.text
    assert receipts(privet_sessions) == []
    done = client.post(url)
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    [receipt] = receipts(privet_sessions)
    assert (receipt.action, receipt.source, receipt.purposes) == (
        "withdraw", "email_link", {"newsletter": False})


def test_one_click_unsubscribe_answers_a_mail_client_once(
        client: TestClient, privet_sessions: sessionmaker[Session]) -> None:
    url = unsubscribe_url(client)
    for _ in range(2):
        response = client.post(url, data={"List-Unsubscribe": "One-Click"},
                               headers={"User-Agent": "Gmail one-click"})
        assert response.status_code == 200 and response.text == "unsubscribed\n"
    [receipt] = receipts(privet_sessions)
    assert receipt.user_agent == "Gmail one-click"
    tampered = url[:-5] + ("x" if url[-5] != "x" else "y") + url[-4:]
    assert client.post(tampered, data={"List-Unsubscribe": "One-Click"}).status_code == 403
    assert len(receipts(privet_sessions)) == 1


def test_an_access_package_holds_the_persons_consent_receipts(
        client: TestClient, demo_workspace: Workspace,
        privet_sessions: sessionmaker[Session]) -> None:
    with sqlite3.connect(demo_workspace.root / Path("data") / "nuage.db") as db:
        (email,) = db.execute("SELECT email FROM contacts ORDER BY id LIMIT 1").fetchone()
    secret: bytes = client.app.state.privet.secret  # type: ignore[attr-defined]
    token = links.unsubscribe_token(secret, email=email, purpose="newsletter")
    client.post(f"/consent/unsubscribe?token={token}",
                data={"List-Unsubscribe": "One-Click"})
    [receipt] = receipts(privet_sessions)

    created = client.post("/api/requests", json={"type": "access", "email": email})
    reference = created.json()["reference"]
    client.post(f"/api/requests/{reference}/verify",
                json={"code": code_for(privet_sessions, reference)})
    InlineRunner(client.app.state.privet).run_until_idle()  # type: ignore[attr-defined]
    [answer] = outbox(privet_sessions, reference, MessageKind.completion)
    link = re.search(r"(http\S+/package\?token=\S+)", answer.text_body)
    assert link is not None
    download = client.get(link.group(1).replace("http://127.0.0.1:8000", ""))
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        held: dict[str, Any] = json.loads(archive.read("consent_receipts.json"))
        readme = archive.read("README.txt").decode()
    [packaged] = held["consent_receipts"]
    assert packaged["receipt_id"] == receipt.receipt_id
    assert packaged["purposes"] == {"newsletter": False} and packaged["source"] == "email_link"
    assert "consent_receipts.json" in readme


@pytest.mark.parametrize("path", ["/privacy-center", "/privacy-center/preferences"])
def test_the_privacy_center_links_to_the_preferences(client: TestClient, path: str) -> None:
    assert 'href="/privacy-center/preferences"' in client.get(path).text


def test_the_admin_sees_consent_figures_per_notice_version(
        client: TestClient, privet_sessions: sessionmaker[Session],
        admin_user: dict[str, str]) -> None:
    notice = client.get("/api/consent/notice").json()
    for n, action in enumerate(("accept_all", "reject_all", "reject_all")):
        client.post("/api/consent/receipts", json={
            "device_id": f"d-{n:020d}", "notice_version": notice["version"], "action": action})
    assert client.get("/admin/consent", headers={"Accept": "text/html"},
                      follow_redirects=False).status_code == 303
    login = client.get("/admin/login")
    signed_in = client.post("/admin/login", data={
        "csrf_token": csrf(login.text), "username": admin_user["viewer"],
        "password": ADMIN_PASSWORD}, follow_redirects=False)
    assert signed_in.status_code == 303
    page = client.get("/admin/consent")
    assert page.status_code == 200
    rows = re.findall(r"<tr><th scope=\"row\">(\w+)</th><td>(\d+)</td><td>(\d+)</td>",
                      page.text)
    assert ("analytics", "1", "3") in rows and ("marketing", "1", "3") in rows
    assert notice["text_hash"] in page.text
    assert "banner: 3" in page.text


def test_the_link_form_cannot_flood_a_mailbox(
        client: TestClient, privet_sessions: sessionmaker[Session]) -> None:
    page = client.get("/privacy-center/preferences")
    answers = [client.post("/privacy-center/preferences",
                           data={"csrf_token": csrf(page.text), "email": EMAIL}).status_code
               for _ in range(links.PREFERENCES_LINKS_PER_HOUR + 1)]
    assert answers == [200] * links.PREFERENCES_LINKS_PER_HOUR + [429]
    assert len(outbox(privet_sessions, kind=MessageKind.preferences)) == \
        links.PREFERENCES_LINKS_PER_HOUR
