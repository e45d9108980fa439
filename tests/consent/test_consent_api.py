"""The consent API as the banner and the company's systems use it: the notice, receipts
(public for a browser, API key for a person), GPC, "may I email?", a person's history, and
receipts that nobody can change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from privet.auth.service import create_api_key
from privet.consent.service import receipt_is_genuine
from privet.kit.db import session_scope
from privet.models.consent import ConsentReceipt, ReceiptsAreFinal

DEVICE = "d-0f1e2d3c4b5a69788796a5b4"
EMAIL = "Ines.Moreau@Example.org"


@dataclass(frozen=True)
class Keys:
    writer: str
    reader: str
    other_scope: str


@pytest.fixture
def keys(privet_sessions: sessionmaker[Session]) -> Keys:
    with session_scope(privet_sessions) as session:
        return Keys(
            writer=create_api_key("signup", "privacy_officer", ["consent:write", "consent:read"],
                                  session=session).key,
            reader=create_api_key("mailer", "viewer", ["consent:read"], session=session).key,
            other_scope=create_api_key("queue", "admin", ["requests:read"],
                                       session=session).key)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def notice(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/consent/notice")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def banner_choice(notice: dict[str, Any], **decisions: bool) -> dict[str, Any]:
    optional = [c["key"] for c in notice["categories"] if not c["required"]]
    return {"device_id": DEVICE, "notice_version": notice["version"],
            "notice_hash": notice["text_hash"], "action": "custom", "source": "banner",
            "categories": {key: decisions.get(key, False) for key in optional}}


def receipt_count(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(ConsentReceipt)) or 0)


# ----------------------------------------------------------------------------- notice


def test_the_notice_lists_the_manifests_cookie_categories_and_consent_purposes(
        notice: dict[str, Any], client: TestClient) -> None:
    categories = {c["key"]: c for c in notice["categories"]}
    assert list(categories) == ["necessary", "preferences", "functional", "analytics",
                                "marketing"]
    assert categories["necessary"]["required"] is True
    assert {c["name"] or c["pattern"] for c in categories["analytics"]["cookies"]} == {
        "utm_*", "fs_uid", "_ga", "_gid", "_ga_*"}
    assert categories["analytics"]["label"]["fr"] == "Mesure d\u2019audience"
    purposes = {p["key"] for p in notice["purposes"]}
    assert purposes == {"website_analytics", "ux_recordings", "advertising", "newsletter"}
    assert notice["texts"]["en"]["reject_all"] == "Reject all"
    assert notice["texts"]["fr"]["reject_all"] == "Tout refuser"
    assert notice["gpc_categories"] == ["marketing"]
    assert notice["gpc_purposes"] == ["advertising"]
    assert (notice["refusal_days"], notice["consent_days"]) == (182, 395)
    again = client.get(f"/api/consent/notices/{notice['version']}").json()
    assert again == notice
    assert client.get("/api/consent/notice").headers["access-control-allow-origin"] == "*"


def test_an_unknown_notice_version_is_404(client: TestClient) -> None:
    response = client.get("/api/consent/notices/999")
    assert response.status_code == 404
    assert "no consent notice version 999" in response.json()["error"]["message"]


@pytest.mark.parametrize("version", ["0", "-1", "9223372036854775808", "x"])
def test_a_version_that_cannot_be_one_is_refused(client: TestClient, version: str) -> None:
    response = client.get(f"/api/consent/notices/{version}")  # found by schemathesis
    assert response.status_code == 422
    assert "version" in response.json()["error"]["message"]


# ---------------------------------------------------------------------------- receipts


def test_a_banner_choice_is_recorded_as_a_signed_receipt(
        client: TestClient, notice: dict[str, Any],
        privet_sessions: sessionmaker[Session]) -> None:
    response = client.post("/api/consent/receipts",
                           json=banner_choice(notice, analytics=True, preferences=True),
                           headers={"User-Agent": "Firefox/140", "X-Forwarded-For": "1.2.3.4"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["categories"] == {"preferences": True, "functional": False, "analytics": True,
                                  "marketing": False}
    assert body["notice_hash"] == notice["text_hash"]
    with privet_sessions() as session:
        stored = session.scalars(select(ConsentReceipt)).one()
        assert stored.receipt_id == body["receipt_id"]
        assert stored.device_id == DEVICE and stored.subject_hash is None
        assert stored.user_agent == "Firefox/140"
        assert stored.ip_truncated is None  # the test client's address is not an IP
        assert receipt_is_genuine(client.app.state.privet.secret, stored)  # type: ignore[attr-defined]


def test_accept_all_without_decisions_grants_every_optional_category(
        client: TestClient, notice: dict[str, Any]) -> None:
    response = client.post("/api/consent/receipts", json={
        "device_id": DEVICE, "notice_version": notice["version"], "action": "accept_all"})
    assert response.status_code == 201, response.text
    assert set(response.json()["categories"].values()) == {True}
    assert len(response.json()["categories"]) == 4


@pytest.mark.parametrize(("change", "field"), [
    ({"notice_version": 0}, "notice_version"),
    ({"notice_version": 42}, "no consent notice version 42"),
    ({"notice_hash": "0" * 64}, "notice_hash"),
    ({"device_id": "x"}, "device_id"),
    ({"device_id": "d-0f1e2d3c4b5a6978<script>"}, "device_id"),
    ({"device_id": None}, "device_id"),
    ({"action": "maybe"}, "action"),
    ({"categories": {"analytics": "yes please"}}, "categories"),
    ({"categories": {"necessary": False, "analytics": True, "marketing": False,
                     "preferences": False, "functional": False}}, "cannot be refused"),
    ({"categories": {"astrology": True}}, "astrology"),
    ({"categories": {"analytics": True}}, "not decided"),
    ({"action": "accept_all"}, "use the action `custom`"),
    ({"action": "withdraw", "categories": {"analytics": True}}, "withdraw cannot grant"),
    ({"unexpected": 1}, "unexpected"),
    ({"jurisdiction": "Mars"}, "jurisdiction"),
])
def test_a_malformed_receipt_gets_a_located_error_and_stores_nothing(
        client: TestClient, notice: dict[str, Any], privet_sessions: sessionmaker[Session],
        change: dict[str, Any], field: str) -> None:
    payload = {**banner_choice(notice, analytics=True), **change}
    response = client.post("/api/consent/receipts", json=payload)
    assert response.status_code in (404, 422), response.text
    error = response.json()["error"]
    assert field in f"{error['message']} {error['hint']}", error
    assert receipt_count(privet_sessions) == 0


def test_a_body_that_is_not_json_is_refused(client: TestClient,
                                            privet_sessions: sessionmaker[Session]) -> None:
    response = client.post("/api/consent/receipts", content=b"{not json",
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert receipt_count(privet_sessions) == 0


def test_receipts_cannot_be_changed_or_removed(
        client: TestClient, notice: dict[str, Any],
        privet_sessions: sessionmaker[Session]) -> None:
    receipt_id = client.post("/api/consent/receipts",
                             json=banner_choice(notice, analytics=True)).json()["receipt_id"]
    for method in ("PUT", "PATCH", "DELETE"):
        assert client.request(method, "/api/consent/receipts").status_code == 405
        assert client.request(method, f"/api/consent/receipts/{receipt_id}").status_code \
            in (404, 405)
    with privet_sessions() as session:
        stored = session.scalars(select(ConsentReceipt)).one()
        stored.categories = {"analytics": False}
        with pytest.raises(ReceiptsAreFinal):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(ConsentReceipt)).one())
        with pytest.raises(ReceiptsAreFinal):
            session.flush()


def test_a_receipt_edited_in_the_database_no_longer_verifies(
        client: TestClient, notice: dict[str, Any],
        privet_sessions: sessionmaker[Session]) -> None:
    client.post("/api/consent/receipts", json=banner_choice(notice, analytics=False))
    with privet_sessions() as session:
        session.execute(ConsentReceipt.__table__.update().values(  # type: ignore[attr-defined]
            categories={"preferences": True, "functional": True, "analytics": True,
                        "marketing": True}))
        session.commit()
        stored = session.scalars(select(ConsentReceipt)).one()
        assert not receipt_is_genuine(client.app.state.privet.secret, stored)  # type: ignore[attr-defined]


# -------------------------------------------------------------------------------- GPC


def test_a_gpc_header_refuses_advertising_whatever_the_banner_sent(
        client: TestClient, notice: dict[str, Any]) -> None:
    response = client.post("/api/consent/receipts",
                           json=banner_choice(notice, analytics=True, marketing=True),
                           headers={"Sec-GPC": "1"})
    assert response.status_code == 201
    body = response.json()
    assert body["gpc"] is True
    assert body["categories"]["marketing"] is False
    assert body["categories"]["analytics"] is True


def test_gpc_is_advertised_at_the_well_known_address(client: TestClient) -> None:
    response = client.get("/.well-known/gpc.json")
    assert response.status_code == 200
    assert response.json()["gpc"] is True


# ------------------------------------------------------------------- a person, by email


def test_recording_a_persons_consent_needs_an_api_key_with_consent_write(
        client: TestClient, notice: dict[str, Any], keys: Keys,
        privet_sessions: sessionmaker[Session]) -> None:
    choice = {"email": EMAIL, "notice_version": notice["version"], "action": "custom",
              "source": "api", "purposes": {"newsletter": True}}
    assert client.post("/api/consent/receipts", json=choice).status_code == 401
    assert client.post("/api/consent/receipts", json=choice,
                       headers=bearer(keys.reader)).status_code == 403
    assert client.post("/api/consent/receipts", json={**choice, "source": "banner"},
                       headers=bearer(keys.other_scope)).status_code == 403
    assert receipt_count(privet_sessions) == 0
    response = client.post("/api/consent/receipts", json=choice, headers=bearer(keys.writer))
    assert response.status_code == 201, response.text
    with privet_sessions() as session:
        stored = session.scalars(select(ConsentReceipt)).one()
        assert stored.subject_hash and EMAIL.lower() not in json.dumps(
            {c.name: str(getattr(stored, c.name)) for c in ConsentReceipt.__table__.columns})


def check(client: TestClient, key: str, email: str, purpose: str) -> dict[str, Any]:
    response = client.post("/api/consent/check", json={"email": email, "purpose": purpose},
                           headers=bearer(key))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def record(client: TestClient, key: str, notice: dict[str, Any], action: str,
           purposes: dict[str, bool], email: str = EMAIL) -> dict[str, Any]:
    response = client.post("/api/consent/receipts", headers=bearer(key), json={
        "email": email, "notice_version": notice["version"], "action": action,
        "source": "api", "purposes": purposes})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_may_i_email_follows_the_persons_latest_choice(
        client: TestClient, notice: dict[str, Any], keys: Keys) -> None:
    assert check(client, keys.reader, EMAIL, "newsletter") | {"decided_at": None} == {
        "allowed": False, "purpose": "newsletter", "legal_basis": "consent",
        "reason": "no consent recorded", "receipt_id": None, "decided_at": None}
    given = record(client, keys.writer, notice, "custom", {"newsletter": True})
    answer = check(client, keys.reader, "ines.moreau@example.org ", "newsletter")
    assert answer["allowed"] is True and answer["receipt_id"] == given["receipt_id"]
    assert check(client, keys.reader, "someone.else@example.org", "newsletter")["allowed"] \
        is False
    withdrawn = record(client, keys.writer, notice, "withdraw", {"newsletter": False})
    answer = check(client, keys.reader, EMAIL, "newsletter")
    assert answer["allowed"] is False and answer["receipt_id"] == withdrawn["receipt_id"]
    assert "withdrawn" in answer["reason"]


def test_may_i_email_for_a_purpose_on_another_basis_holds_until_an_objection(
        client: TestClient, keys: Keys) -> None:
    answer = check(client, keys.reader, EMAIL, "events")
    assert answer["allowed"] is True and answer["legal_basis"] == "contract"


def test_may_i_email_refuses_unknown_purposes_and_bad_addresses(
        client: TestClient, keys: Keys) -> None:
    response = client.post("/api/consent/check", headers=bearer(keys.reader),
                           json={"email": EMAIL, "purpose": "astrology"})
    assert response.status_code == 404
    assert "newsletter" in response.json()["error"]["hint"]
    response = client.post("/api/consent/check", headers=bearer(keys.reader),
                           json={"email": "not an address' OR 1=1 --", "purpose": "newsletter"})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("email:")
    assert client.post("/api/consent/check",
                       json={"email": EMAIL, "purpose": "newsletter"}).status_code == 401


def test_a_persons_history_lists_every_receipt_and_their_current_consent(
        client: TestClient, notice: dict[str, Any], keys: Keys) -> None:
    record(client, keys.writer, notice, "custom", {"newsletter": True, "ux_recordings": True})
    record(client, keys.writer, notice, "withdraw", {"ux_recordings": False})
    response = client.post("/api/consent/subjects", json={"email": EMAIL},
                           headers=bearer(keys.reader))
    assert response.status_code == 200
    body = response.json()
    assert [r["action"] for r in body["receipts"]] == ["custom", "withdraw"]
    assert body["purposes"]["newsletter"]["in_force"] is True
    assert body["purposes"]["ux_recordings"]["granted"] is False


def test_unsubscribe_links_come_with_rfc_8058_headers(
        client: TestClient, keys: Keys) -> None:
    response = client.post("/api/consent/unsubscribe-links", headers=bearer(keys.writer),
                           json={"email": EMAIL, "purpose": "newsletter"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert body["headers"]["List-Unsubscribe"] == f"<{body['one_click_url']}>"
    assert body["url"].startswith("http") and "ines" not in body["url"].lower()
    refused = client.post("/api/consent/unsubscribe-links", headers=bearer(keys.writer),
                          json={"email": EMAIL, "purpose": "billing"})
    assert refused.status_code == 404

