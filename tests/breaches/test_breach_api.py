"""The breach API on the demo company: who may call it, a breach recorded, read, decided
and notified over JSON, and malformed or wrong payloads answered 422 at their field with
nothing recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from conftest import Register
from privet.auth.service import create_api_key
from privet.kit.db import session_scope
from privet.models.outbox import MessageKind
from web_helpers import outbox

BASE = "/api/admin/breaches"


@pytest.fixture
def keys(privet_sessions: sessionmaker[Session]) -> dict[str, str]:
    with session_scope(privet_sessions) as session:
        return {
            "officer": create_api_key("dpo-tooling", "privacy_officer",
                                      ["breaches:read", "breaches:write"], session=session).key,
            "viewer": create_api_key("dashboard", "viewer", ["breaches:read",
                                                             "breaches:write"],
                                     session=session).key,
            "unscoped": create_api_key("requests-only", "admin", ["requests:read"],
                                       session=session).key,
        }


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def payload(**changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    body: dict[str, object] = {
        "title": "Laptop stolen", "nature": ["confidentiality", "availability"],
        "description": "An unencrypted laptop with a job applicants export was stolen.",
        "discovered_at": (now - timedelta(hours=5)).isoformat(),
        "data_categories": ["user.name", "user.contact.email"],
        "subject_categories": ["job_applicant"], "systems": ["app.job_applications"],
        "people_affected": 80, "records_affected": 80,
        "consequences": "Identity theft.", "measures": "Police report; remote wipe asked.",
        "risk": "high"}
    body.update(changes)
    return body


def test_the_api_needs_a_key_with_the_scope_and_role(client: TestClient,
                                                     keys: dict[str, str],
                                                     register: Register) -> None:
    assert client.get(BASE).status_code == 401
    assert client.get(BASE, headers=bearer(keys["unscoped"])).status_code == 403
    assert client.get(BASE, headers=bearer(keys["viewer"])).json() == []
    refused = client.post(BASE, json=payload(), headers=bearer(keys["viewer"]))
    assert refused.status_code == 403
    assert register.counts()["Breach"] == 0


def test_a_breach_round_trip(client: TestClient, keys: dict[str, str],
                             register: Register) -> None:
    officer = bearer(keys["officer"])
    created = client.post(BASE, json=payload(), headers=officer)
    assert created.status_code == 201, created.text
    body = created.json()
    reference = body["reference"]
    assert body["clock"]["state"] == "on_time"
    assert 66.9 < body["clock"]["hours_left"] <= 67
    assert body["recorded_by"] == "admin:api-key:dpo-tooling#1"
    assert "Identity theft." in body["drafts"]["authority"]
    assert "about 80 people" in body["drafts"]["authority"]

    listed = client.get(BASE, headers=bearer(keys["viewer"])).json()
    assert [b["reference"] for b in listed] == [reference]

    people = client.get(f"{BASE}/{reference}/people", headers=officer)
    assert people.status_code == 200
    applicants = people.json()["identities"]["email"]
    assert applicants > 0

    told = client.post(f"{BASE}/{reference}/decisions", headers=officer, json={
        "question": "people", "notify": True, "reason": "high risk: identity theft"})
    assert told.status_code == 200, told.text
    assert told.json()["notifications"][0]["recipients"] == applicants
    assert len(outbox(register.sessions, reference, MessageKind.breach_notice)) == applicants

    notified = client.post(f"{BASE}/{reference}/notifications", headers=officer, json={
        "phase": "initial", "authority_reference": "CNIL-2026-01234"})
    assert notified.status_code == 200, notified.text
    read = client.get(f"{BASE}/{reference}", headers=bearer(keys["viewer"])).json()
    assert read["status"] == "notified"
    assert read["clock"]["state"] == "notified_on_time"
    assert [(n["audience"], n["phase"]) for n in read["notifications"]] == [
        ("people", "initial"), ("authority", "initial")]
    assert read["drafts"]["authority_phase"] == "follow_up"

    closed = client.post(f"{BASE}/{reference}/close", headers=officer,
                         json={"note": "Laptop wiped remotely."})
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    again = client.post(f"{BASE}/{reference}/notifications", headers=officer,
                        json={"phase": "follow_up"})
    assert again.status_code == 409
    assert "is closed" in again.json()["error"]["message"]


@pytest.mark.parametrize(("changes", "where"), [
    ({"people_affected": -5}, "body.people_affected"),
    ({"nature": []}, "body.nature"),
    ({"discovered_at": "yesterday"}, "body.discovered_at"),
    ({"title": "   "}, "body.title"),
    ({"risk": "medium"}, "body.risk"),
    ({"colour": "red"}, "body.colour"),
])
def test_a_malformed_payload_is_a_422_at_its_field(client: TestClient, keys: dict[str, str],
                                                   register: Register,
                                                   changes: dict[str, object],
                                                   where: str) -> None:
    answer = client.post(BASE, json=payload(**changes), headers=bearer(keys["officer"]))
    assert answer.status_code == 422
    assert answer.json()["error"]["message"].startswith(where), answer.text
    assert register.counts()["Breach"] == 0


def test_facts_the_manifest_refutes_are_a_422_at_their_field(client: TestClient,
                                                             keys: dict[str, str],
                                                             register: Register) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    answer = client.post(BASE, headers=bearer(keys["officer"]), json=payload(
        discovered_at=future, systems=["app.job_applications", "app.candidates"]))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "breach_invalid"
    assert "discovered_at: " in error["message"] and "is in the future" in error["message"]
    assert "systems[1]: `app.candidates`" in error["message"]
    assert register.counts()["Breach"] == 0
    assert client.get(f"{BASE}/BR-1999-0001", headers=bearer(keys["officer"])).status_code == 404
