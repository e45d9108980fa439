"""The admin API, in-process on a real SQLite database: who may call each route (API keys,
roles, scopes), the decisions, a request's detail, the outbox and the request log."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from privet.auth.service import create_api_key, revoke_api_key
from privet.kit.db import session_scope
from privet.models.outbox import MessageKind
from privet.workflow.service import get_request
from web_helpers import code_for, outbox

EMAIL = "noor.haddad@example.org"
ALL_SCOPES = ("requests:read", "requests:write", "outbox:read")


@pytest.fixture(autouse=True)
def approval_required(monkeypatch: pytest.MonkeyPatch) -> None:
    """Verified requests wait for a decision (set before the workspace is read)."""
    monkeypatch.setenv("PRIVET_REQUESTS__REQUIRE_APPROVAL", "true")


@dataclass(frozen=True)
class Keys:
    officer: str
    """privacy_officer with every scope: may do everything here."""
    viewer: str
    """viewer with every scope: may read requests, not decide or read the outbox."""
    unscoped: str
    """admin with an unrelated scope only."""
    revoked: str
    """admin with every scope, revoked."""


@pytest.fixture
def keys(privet_sessions: sessionmaker[Session]) -> Keys:
    with session_scope(privet_sessions) as session:
        made = Keys(
            officer=create_api_key("dpo-tooling", "privacy_officer", ALL_SCOPES,
                                   session=session).key,
            viewer=create_api_key("dashboard", "viewer", ALL_SCOPES, session=session).key,
            unscoped=create_api_key("consent-sync", "admin", ["consent:read"],
                                    session=session).key,
            revoked=create_api_key("old-export", "admin", ALL_SCOPES, session=session).key)
        revoke_api_key(made.revoked, session=session)
    return made


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_request(client: TestClient, sessions: sessionmaker[Session], type: str = "access",
                details: str | None = None) -> str:
    """A request submitted through the API and verified with its emailed code."""
    submitted = client.post("/api/requests", json={"type": type, "email": EMAIL,
                                                   "details": details})
    assert submitted.status_code == 202, submitted.text
    reference: str = submitted.json()["reference"]
    verified = client.post(f"/api/requests/{reference}/verify",
                           json={"code": code_for(sessions, reference)})
    assert verified.json()["state"] == "verified", verified.text
    return reference


def due_of(sessions: sessionmaker[Session], reference: str) -> datetime:
    with sessions() as session:
        return get_request(session, reference=reference).due_at


Body = Callable[[sessionmaker[Session], str], dict[str, Any] | None]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: Body
    deciding: bool = False
    """Needs requests:write and privacy_officer."""
    outbox: bool = False
    """Needs outbox:read and privacy_officer."""

    def url(self, reference: str) -> str:
        return self.path.format(reference=reference)


def _none(_sessions: sessionmaker[Session], _reference: str) -> None:
    return None


def _extension(sessions: sessionmaker[Session], reference: str) -> dict[str, Any]:
    until = (due_of(sessions, reference) + timedelta(days=10)).date()
    return {"until": until.isoformat(), "reason": "Archived systems to search."}


ROUTES = [
    Route("GET", "/api/requests", _none),
    Route("GET", "/api/requests/{reference}/detail", _none),
    Route("GET", "/api/request-log", _none),
    Route("GET", "/api/outbox", _none, outbox=True),
    Route("POST", "/api/requests/{reference}/approve", lambda *_: {}, deciding=True),
    Route("POST", "/api/requests/{reference}/reject", lambda *_: {"reason": "Duplicate."},
          deciding=True),
    Route("POST", "/api/requests/{reference}/extend", _extension, deciding=True),
]
ROUTE_IDS = [f"{route.method} {route.path}" for route in ROUTES]


def call(client: TestClient, sessions: sessionmaker[Session], route: Route, reference: str,
         headers: dict[str, str]) -> Any:
    return client.request(route.method, route.url(reference), headers=headers,
                          json=route.body(sessions, reference))


# ---------------------------------------------------------------------------- who may call


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_admin_route_refuses_a_caller_without_a_valid_key(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys,
        route: Route) -> None:
    reference = new_request(client, privet_sessions)
    unknown = "pk_abcdefgh_" + "A" * 40
    for headers in ({}, bearer("not-a-key"), bearer(unknown), bearer(keys.revoked),
                    {"X-API-Key": keys.revoked}):
        response = call(client, privet_sessions, route, reference, headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["error"]["code"] == "authentication_error"
    assert get_state(privet_sessions, reference) == "verified"


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_admin_route_refuses_a_key_without_the_role_or_the_scope(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys,
        route: Route) -> None:
    reference = new_request(client, privet_sessions)
    too_low = [keys.viewer] if route.deciding or route.outbox else []
    for key in [keys.unscoped, *too_low]:
        response = call(client, privet_sessions, route, reference, bearer(key))
        assert response.status_code == 403, response.text
        error = response.json()["error"]
        assert error["code"] == "authorization_error"
        assert error["hint"]
    assert get_state(privet_sessions, reference) == "verified"


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_admin_route_answers_the_right_key(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys,
        route: Route) -> None:
    reference = new_request(client, privet_sessions)
    allowed = [keys.officer] if route.deciding or route.outbox else [keys.viewer, keys.officer]
    for key in allowed:
        response = call(client, privet_sessions, route, reference, {"X-API-Key": key})
        assert response.status_code == 200, response.text


def get_state(sessions: sessionmaker[Session], reference: str) -> str:
    with sessions() as session:
        return get_request(session, reference=reference).state


# ------------------------------------------------------------------------------ decisions


def test_approving_through_the_api_queues_the_request(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys) -> None:
    reference = new_request(client, privet_sessions)

    approved = client.post(f"/api/requests/{reference}/approve", json={},
                           headers=bearer(keys.officer))

    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"
    detail = client.get(f"/api/requests/{reference}/detail", headers=bearer(keys.officer))
    assert [job["kind"] for job in detail.json()["jobs"]] == ["execute_request"]
    assert detail.json()["events"][-1]["actor"].startswith("admin:api-key:dpo-tooling#")

    twice = client.post(f"/api/requests/{reference}/approve", json={},
                        headers=bearer(keys.officer))
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "invalid_transition"
    assert "cannot become approved" in twice.json()["error"]["message"]


def test_rejecting_through_the_api_writes_the_reason_to_the_person(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys) -> None:
    reference = new_request(client, privet_sessions, "erasure")

    empty = client.post(f"/api/requests/{reference}/reject", json={"reason": ""},
                        headers=bearer(keys.officer))
    assert empty.status_code == 422
    blank = client.post(f"/api/requests/{reference}/reject", json={"reason": "  "},
                        headers=bearer(keys.officer))
    assert blank.status_code == 422
    assert get_state(privet_sessions, reference) == "verified"

    rejected = client.post(f"/api/requests/{reference}/reject",
                           json={"reason": "This address has no account with us."},
                           headers=bearer(keys.officer))

    assert rejected.status_code == 200
    assert rejected.json()["state"] == "rejected"
    [message] = outbox(privet_sessions, reference, MessageKind.rejection)
    assert message.to_address == EMAIL
    assert "This address has no account with us." in message.text_body


def test_extending_through_the_api_tells_the_person_the_new_date(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys) -> None:
    reference = new_request(client, privet_sessions)
    due = due_of(privet_sessions, reference)
    new_day = (due + timedelta(days=14)).date()

    extended = client.post(f"/api/requests/{reference}/extend",
                           json={"until": new_day.isoformat(), "reason": "Many archives."},
                           headers=bearer(keys.officer))

    assert extended.status_code == 200, extended.text
    assert extended.json()["deadline"].startswith(new_day.isoformat())
    [message] = outbox(privet_sessions, reference, MessageKind.extension)
    assert f"{new_day.day} {new_day:%B} {new_day.year}" in message.text_body
    assert "Many archives." in message.text_body

    beyond = client.post(f"/api/requests/{reference}/extend",
                         json={"until": (new_day + timedelta(days=1)).isoformat(),
                               "reason": "Again."}, headers=bearer(keys.officer))
    assert beyond.status_code == 409
    assert beyond.json()["error"]["code"] == "extension_refused"


def test_a_rectification_is_approved_through_the_api_with_its_corrections(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys) -> None:
    reference = new_request(client, privet_sessions, "rectification",
                            details="My city is Lyon, not Lille.")

    without = client.post(f"/api/requests/{reference}/approve", json={},
                          headers=bearer(keys.officer))
    assert without.status_code == 422
    assert without.json()["error"]["code"] == "invalid_request"
    assert "table.field=value" in without.json()["error"]["hint"]

    approved = client.post(f"/api/requests/{reference}/approve",
                           json={"corrections": {"customers.city": "Lyon"}},
                           headers=bearer(keys.officer))
    assert approved.status_code == 200
    detail = client.get(f"/api/requests/{reference}/detail", headers=bearer(keys.viewer))
    assert detail.json()["corrections"] == {"customers.city": "Lyon"}


# ------------------------------------------------------------------------ reading requests


def test_the_queue_holds_open_requests_nearest_deadline_first(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys) -> None:
    first = new_request(client, privet_sessions)
    second = new_request(client, privet_sessions, "erasure")
    closed = new_request(client, privet_sessions)
    client.post(f"/api/requests/{closed}/reject", json={"reason": "Duplicate."},
                headers=bearer(keys.officer))
    client.post(f"/api/requests/{first}/extend",
                json={"until": (due_of(privet_sessions, first) + timedelta(days=5))
                      .date().isoformat(), "reason": "Archives."},
                headers=bearer(keys.officer))

    queue = client.get("/api/requests", headers=bearer(keys.viewer)).json()

    assert [item["reference"] for item in queue] == [second, first]
    assert queue[0]["type"] == "erasure" and queue[0]["state"] == "verified"
    assert queue[0]["days_left"] == 29
    assert queue[1]["days_left"] == 34


def test_a_request_detail_tells_its_whole_story_without_any_code(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys) -> None:
    reference = new_request(client, privet_sessions, "erasure", details="Close my account.")
    code = code_for(privet_sessions, reference)
    client.post(f"/api/requests/{reference}/reject", json={"reason": "Duplicate request."},
                headers=bearer(keys.officer))

    response = client.get(f"/api/requests/{reference}/detail", headers=bearer(keys.viewer))

    assert response.status_code == 200
    detail = response.json()
    assert detail["reference"] == reference
    assert detail["type"] == "erasure" and detail["state"] == "rejected"
    assert detail["contact_email"] == EMAIL
    assert detail["details"] == "Close my account."
    assert detail["rejection_reason"] == "Duplicate request."
    assert detail["days_left"] is None and detail["decisions"] == []
    assert [(e["from_state"], e["to_state"]) for e in detail["events"]] == [
        (None, "received"), ("received", "verified"), ("verified", "rejected")]
    assert detail["events"][-1]["actor"].startswith("admin:api-key:dpo-tooling#")
    assert detail["events"][-1]["note"] == "Duplicate request."
    actions = [entry["action"] for entry in detail["audit_entries"]]
    assert actions[-3:] == ["request.received", "request.verified", "request.rejected"]
    assert all(entry["details"]["reference"] == reference
               for entry in detail["audit_entries"] if entry["action"].startswith("request."))
    assert [m["kind"] for m in detail["messages"]] == ["verification", "receipt", "rejection"]
    assert all(m["to_address"] == EMAIL for m in detail["messages"])
    assert detail["jobs"] == [] and detail["package"] is None
    assert code not in response.text
    assert "text" not in json.dumps(detail["messages"])

    missing = client.get("/api/requests/R-0000-0000/detail", headers=bearer(keys.viewer))
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "request_not_found"


def test_an_open_request_says_what_may_be_decided(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys) -> None:
    reference = new_request(client, privet_sessions)

    detail = client.get(f"/api/requests/{reference}/detail",
                        headers=bearer(keys.viewer)).json()

    assert detail["decisions"] == ["approve", "extend", "reject"]
    assert detail["days_left"] == 29
    latest = datetime.fromisoformat(detail["latest_extension"])
    assert latest > datetime.fromisoformat(detail["due_at"]) + timedelta(days=55)


def test_the_outbox_lists_messages_newest_first_without_their_text(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys) -> None:
    references = [new_request(client, privet_sessions) for _ in range(2)]
    codes = [code_for(privet_sessions, reference) for reference in references]

    first = client.get("/api/outbox", params={"limit": 3}, headers=bearer(keys.officer))

    assert first.status_code == 200
    page = first.json()
    assert page["total"] == 4 and page["next_offset"] == 3
    assert [m["reference"] for m in page["messages"]] == [references[1], references[1],
                                                          references[0]]
    assert page["messages"][0]["kind"] == "receipt"
    assert page["messages"][0]["status"] == "pending"
    assert not any(code in first.text for code in codes)
    rest = client.get("/api/outbox", params={"limit": 3, "offset": 3},
                      headers=bearer(keys.officer)).json()
    assert [m["kind"] for m in rest["messages"]] == ["verification"]
    assert rest["next_offset"] is None
    for params in ({"limit": 1000}, {"offset": 2**63}, {"offset": -1}):
        refused = client.get("/api/outbox", params=params, headers=bearer(keys.officer))
        assert refused.status_code == 422, params
        assert refused.json()["error"]["code"] == "invalid_payload"


def test_the_request_log_covers_the_period_asked_for(
        client: TestClient, privet_sessions: sessionmaker[Session], keys: Keys) -> None:
    answered = new_request(client, privet_sessions)
    waiting = new_request(client, privet_sessions, "erasure")
    client.post(f"/api/requests/{answered}/reject", json={"reason": "Duplicate."},
                headers=bearer(keys.officer))
    today = datetime.now(UTC).date()

    log = client.get("/api/request-log", headers=bearer(keys.viewer)).json()

    assert log["until"] == today.isoformat()
    a_year = today - date.fromisoformat(log["since"])
    assert a_year.days in (365, 366)
    rows = {row["reference"]: row for row in log["rows"]}
    assert set(rows) == {answered, waiting}
    assert rows[answered]["outcome"] == "rejected"
    assert rows[answered]["denial_reason"] == "Duplicate."
    assert rows[answered]["days_taken"] == 0 and rows[answered]["deadline_met"] is True
    assert rows[waiting]["outcome"] == "open" and rows[waiting]["deadline_met"] is None

    earlier = client.get("/api/request-log", params={"since": "2020-01-01",
                                                     "until": "2020-12-31"},
                         headers=bearer(keys.viewer)).json()
    assert earlier["rows"] == []
    backwards = client.get("/api/request-log", params={"since": "2021-01-01",
                                                       "until": "2020-01-01"},
                           headers=bearer(keys.viewer))
    assert backwards.status_code == 422
    assert "before it starts" in backwards.json()["error"]["message"]
    for far in ({"since": "0001-01-01"}, {"until": "9999-12-31"}):
        out_of_range = client.get("/api/request-log", params=far, headers=bearer(keys.viewer))
        assert out_of_range.status_code == 422, far
        assert "outside the days the log covers" in out_of_range.json()["error"]["message"]


def test_the_admin_api_is_documented(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()

    paths = schema["paths"]
    for path in ("/api/requests", "/api/requests/{reference}/detail",
                 "/api/requests/{reference}/approve", "/api/requests/{reference}/reject",
                 "/api/requests/{reference}/extend", "/api/outbox", "/api/request-log"):
        assert path in paths, path
    assert "get" in paths["/api/requests"] and "post" in paths["/api/requests"]
    assert "get" in paths["/api/requests/{reference}"]  # the public status is untouched
    detail = paths["/api/requests/{reference}/detail"]["get"]
    assert "requests:read" in detail["description"]
    assert {"401", "403", "404"} <= set(detail["responses"])
    assert {"bearer", "x-api-key"} <= set(schema["components"]["securitySchemes"])
    properties = schema["components"]["schemas"]["RequestDetailOut"]["properties"]
    assert properties["days_left"]["description"]
