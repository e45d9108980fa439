"""The privacy center's pages through the app, on the demo workspace's real SQLite databases:
the form, its CSRF protection and located errors, the status link, the code and the
emailed link, and the download of the access package once the request has run."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from privet.demo.database import sample_subject_email
from privet.jobs.inline import InlineRunner
from privet.kit.db import session_scope
from privet.kit.workspace import Workspace
from privet.models.data_subject_requests import DataSubjectRequest
from privet.models.outbox import MessageKind, OutboxMessage
from privet.models.verification import VerificationChallenge
from privet.web.deps import utc_now
from privet.workflow.handling import extend_request, reject_request
from privet.workflow.intake import status_token
from privet.workflow.schemas import RequestType
from privet.workflow.service import get_request
from web_helpers import code_for, link_for, outbox

STATUS = re.compile(r"^/privacy-center/requests/(R-[0-9A-Z]{4}-[0-9A-Z]{4})\?token=([^&]+)")
DOWNLOAD = re.compile(r"(https?://\S+/package\?token=\S+)")


# ------------------------------------------------------------------------------ helpers


class _Page(HTMLParser):
    """Elements of a page by id (their attributes and text), and its form controls."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.attrs: dict[str, dict[str, str]] = {}
        self.text: dict[str, str] = {}
        self.controls: list[dict[str, str]] = []
        self.labels: set[str] = set()
        self.html_lang: str | None = None
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if tag == "html":
            self.html_lang = named.get("lang")
        if tag in ("input", "select", "textarea"):
            self.controls.append({"tag": tag, **named})
        if tag == "label" and "for" in named:
            self.labels.add(named["for"])
        if "id" in named:
            self.attrs[named["id"]] = {"tag": tag, **named}
            self.text[named["id"]] = ""
        if tag not in ("input", "meta", "link", "br", "img"):
            self._open.append((tag, named.get("id")))

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            if element_id is not None:
                self.text[element_id] += f" {data}"  # cells and terms read apart

    def says(self, element_id: str) -> str:
        return " ".join(self.text.get(element_id, "").split())


def _form_token(client: TestClient) -> str:
    page = client.get("/privacy-center")
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', page.text)
    assert found is not None
    return found.group(1)


def _submit(client: TestClient, **fields: str) -> Response:
    data = {"csrf_token": _form_token(client), "type": "access", **fields}
    response: Response = client.post("/privacy-center/requests", data=data,
                                     follow_redirects=False)
    return response


def _status_of(response: Response) -> tuple[str, str]:
    assert response.status_code == 303, response.text
    found = STATUS.match(response.headers["location"])
    assert found is not None, response.headers["location"]
    return found.group(1), parse_qs(urlsplit(response.headers["location"]).query)["token"][0]


def _open(client: TestClient, reference: str, token: str) -> _Page:
    response = client.get(f"/privacy-center/requests/{reference}", params={"token": token})
    assert response.status_code == 200, response.text
    return _Page(response.text)


def _verify(client: TestClient, reference: str, token: str, code: str) -> Response:
    response: Response = client.post(
        f"/privacy-center/requests/{reference}/verify", follow_redirects=False,
        data={"csrf_token": _form_token(client), "token": token, "code": code})
    return response


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _requests(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(DataSubjectRequest)) or 0


def _state(sessions: sessionmaker[Session], reference: str) -> str:
    with sessions() as session:
        request = session.scalars(select(DataSubjectRequest).where(
            DataSubjectRequest.reference == reference)).one()
        return request.state


def _tampered(token: str) -> str:
    """One character of the signature changed; not the last one, whose low bits are
    padding that base64 decoding ignores."""
    at = len(token) - 10
    return token[:at] + ("A" if token[at] != "A" else "B") + token[at + 1:]


def _status_token(pages: TestClient, reference: str) -> str:
    """A status link token of ``reference``, as made for the person."""
    secret: bytes = pages.app.state.privet.secret  # type: ignore[attr-defined]
    return status_token(secret, reference, datetime.now(UTC))


@pytest.fixture
def pages(client: TestClient) -> Iterator[TestClient]:
    """The client as a browser: asks for HTML, so errors are pages."""
    client.headers["accept"] = "text/html,application/xhtml+xml"
    yield client


@pytest.fixture
def person(demo_workspace: Workspace) -> str:
    """The email of a demo customer with a login, orders and invoices."""
    return sample_subject_email(demo_workspace.root / "data" / "nuage.db")


def _completed_access(pages: TestClient, sessions: sessionmaker[Session],
                      email: str) -> tuple[str, str]:
    """An access request made, confirmed and run: its reference and the emailed link."""
    reference, token = _status_of(_submit(pages, email=email))
    assert _verify(pages, reference, token, code_for(sessions, reference)).status_code == 303
    InlineRunner(pages.app.state.privet).run_until_idle()  # type: ignore[attr-defined]
    assert _state(sessions, reference) == "completed"
    messages = outbox(sessions, reference, MessageKind.completion)
    assert len(messages) == 1
    found = DOWNLOAD.search(messages[0].text_body)
    assert found is not None, messages[0].text_body
    link = urlsplit(found.group(1))
    return reference, f"{link.path}?{link.query}"


# ------------------------------------------------------------------------------- form


def test_the_form_offers_every_request_type_with_labels_and_a_csrf_token(
        pages: TestClient) -> None:
    response = pages.get("/privacy-center")
    assert response.status_code == 200
    page = _Page(response.text)
    assert page.html_lang == "en"
    radios = [c for c in page.controls if c.get("type") == "radio"]
    assert [radio["value"] for radio in radios] == [kind.value for kind in RequestType]
    assert all(radio["name"] == "type" for radio in radios)
    named = [c for c in page.controls if c.get("type") not in ("hidden",)]
    assert {c["id"] for c in named} <= page.labels, "every control has a label"
    assert page.attrs["language"]["tag"] == "select"
    assert re.search(r'<option value="fr" lang="fr"', response.text)
    assert "what is wrong and what it should be" in page.says("details-hint")
    hidden = [c for c in page.controls if c.get("name") == "csrf_token"]
    assert len(hidden) == 1 and len(hidden[0]["value"]) == 64
    assert page.attrs["main"]["tag"] == "main"
    assert "mailto:privacy@nuage.example" in response.text


def test_a_form_without_the_csrf_token_is_refused_and_nothing_is_recorded(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    _form_token(pages)  # the browser has its cookie
    for token in ("", "0" * 64):
        response = pages.post("/privacy-center/requests", follow_redirects=False,
                              data={"csrf_token": token, "type": "access", "email": person})
        assert response.status_code == 403
        assert "did not come from this site" in response.text
    assert _requests(privet_sessions) == 0
    assert outbox(privet_sessions) == []


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"email": "not an email"}, "email", "Enter an email address like name@example.com"),
    ({"email": ""}, "email", "Enter your email address"),
    ({"email": "a" * 320 + "@example.org"}, "email", "at most 320 characters"),
    ({"type": "portability"}, "type", "Choose what you are asking for"),
    ({"language": "xx"}, "language", "Choose one of the languages"),
    ({"details": "x" * 4001}, "details", "Write at most 4000 characters"),
    ({"type": "rectification"}, "details", "Say what is wrong and what it should be"),
])
def test_a_bad_form_comes_back_with_the_error_next_to_its_field(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str,
        fields: dict[str, str], field: str, message: str) -> None:
    response = _submit(pages, **{"email": person, **fields})
    assert response.status_code == 422
    page = _Page(response.text)
    assert message in page.says(f"{field}-error")
    assert message in page.says("error-summary")
    assert page.attrs["error-summary"]["role"] == "alert"
    if field == "type":
        assert page.attrs[f"{field}-error"]["tag"] == "p"
        assert "Error:" in response.text.split("<title>")[1]
    else:
        control = page.attrs[field]
        assert control["aria-invalid"] == "true"
        assert f"{field}-error" in control["aria-describedby"].split()
    if field != "email":  # what was typed is kept
        assert page.attrs["email"]["value"] == person
    assert _requests(privet_sessions) == 0
    assert outbox(privet_sessions) == []


def test_a_request_goes_to_its_status_page_and_a_code_is_emailed(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    response = _submit(pages, email=person, language="fr", details="Mon compte client")
    reference, token = _status_of(response)
    page = _open(pages, reference, token)
    assert page.says("state") == "Waiting for you to confirm"
    assert reference in page.says("main")
    assert "Get a copy of my data" in page.says("progress")
    assert page.attrs["code"]["autocomplete"] == "one-time-code"
    [message] = outbox(privet_sessions, reference, MessageKind.verification)
    assert message.to_address == person.lower()
    assert "code" in message.text_body.lower() and "Mon compte" not in message.text_body
    with privet_sessions() as session:
        stored = session.scalars(select(DataSubjectRequest)).one()
        assert (stored.channel, stored.language, stored.details) == (
            "privacy_center", "fr", "Mon compte client")


# ----------------------------------------------------------------------- status link


def test_the_status_page_needs_the_request_s_own_genuine_link(
        pages: TestClient, person: str) -> None:
    reference, token = _status_of(_submit(pages, email=person))
    other, other_token = _status_of(_submit(pages, email="someone.else@example.org",
                                            type="erasure"))
    url = f"/privacy-center/requests/{reference}"
    for params in ({}, {"token": other_token}, {"token": _tampered(token)},
                   {"token": token[:-10]}):
        response = pages.get(url, params=params)
        assert response.status_code == 403, params
        assert reference not in response.text and "Not allowed" in response.text
    assert pages.get(url, params={"token": token}).status_code == 200
    assert pages.get(f"/privacy-center/requests/{other}",
                     params={"token": other_token}).status_code == 200


def test_codes_cannot_be_tried_without_the_status_link(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, _ = _status_of(_submit(pages, email=person))
    _, other_token = _status_of(_submit(pages, email="someone.else@example.org"))
    response = _verify(pages, reference, other_token, code_for(privet_sessions, reference))
    assert response.status_code == 403
    assert _state(privet_sessions, reference) == "received"


# ----------------------------------------------------------------------------- codes


def test_a_wrong_code_is_shown_as_an_error_and_counted(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, token = _status_of(_submit(pages, email=person))
    code = code_for(privet_sessions, reference)
    response = _verify(pages, reference, token, _wrong(code))
    assert response.status_code == 400
    page = _Page(response.text)
    assert "This code is not valid." in page.says("code-error")
    assert page.attrs["code-error"]["role"] == "alert"
    assert "code-error" in page.attrs["code"]["aria-describedby"].split()
    assert page.says("state") == "Waiting for you to confirm"
    with privet_sessions() as session:
        challenge = session.scalars(select(VerificationChallenge).where(
            VerificationChallenge.subject_ref == reference,
            VerificationChallenge.kind == "code")).one()
        assert challenge.attempts == 1
    for _ in range(4):
        assert _verify(pages, reference, token, _wrong(code)).status_code == 400
    after_five = _verify(pages, reference, token, code)
    assert after_five.status_code == 400
    assert "This code is not valid." in _Page(after_five.text).says("code-error")
    assert _state(privet_sessions, reference) == "received"


def test_something_that_is_not_a_code_is_not_counted(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, token = _status_of(_submit(pages, email=person))
    for typed in ("", "abcdef", "12"):
        response = _verify(pages, reference, token, typed)
        assert response.status_code == 422
        assert "code" in _Page(response.text).says("code-error").lower()
    response = _verify(pages, reference, token, code_for(privet_sessions, reference))
    assert response.status_code == 303


def test_the_right_code_confirms_the_request(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, token = _status_of(_submit(pages, email=person))
    response = _verify(pages, reference, token, code_for(privet_sessions, reference))
    assert _status_of(response) == (reference, token)
    assert "notice=confirmed" in response.headers["location"]
    page = _Page(pages.get(response.headers["location"]).text)
    assert "your request is confirmed" in page.says("main")
    assert page.says("state") == "Confirmed, about to be carried out"
    assert "code" not in page.attrs, "no code form once confirmed"
    assert _state(privet_sessions, reference) == "approved"
    assert outbox(privet_sessions, reference, MessageKind.receipt)


def test_a_rectification_waits_for_the_privacy_team(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, token = _status_of(_submit(
        pages, email=person, type="rectification",
        details="My city is Lyon, not Paris."))
    _verify(pages, reference, token, code_for(privet_sessions, reference))
    page = _open(pages, reference, token)
    assert page.says("state") == "Confirmed, waiting for our privacy team"
    assert "Correct my data" in page.says("progress")


def test_the_status_page_tells_an_extension_and_a_rejection_with_their_reasons(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, token = _status_of(_submit(
        pages, email=person, type="rectification", details="My city is Lyon, not Paris."))
    _verify(pages, reference, token, code_for(privet_sessions, reference))
    context = pages.app.state.privet  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    with session_scope(privet_sessions) as session:
        due = get_request(session, reference=reference).due_at
        extend_request(session, manifest=context.manifest, secret=context.secret,
                       reference=reference, reason="Your records are in three systems.",
                       until=due + timedelta(days=20), now=now, actor="admin:olga")
    page = _open(pages, reference, token)
    extended = due + timedelta(days=20)
    assert f"We extended the deadline to {extended.day} {extended:%B %Y}" in \
        page.says("progress")
    assert "Why: Your records are in three systems." in page.says("progress")
    assert f"Answer due by {extended.day} {extended:%B %Y}" in page.says("progress")

    with session_scope(privet_sessions) as session:
        reject_request(session, manifest=context.manifest, secret=context.secret,
                       reference=reference, reason="We hold no address for you.", now=now,
                       actor="admin:olga")
    page = _open(pages, reference, token)
    assert page.says("state") == "Rejected"
    assert "Why: We hold no address for you." in page.says("progress")
    assert "supervisory authority (CNIL)" in page.says("progress")
    assert "We extended the deadline" not in page.says("progress")


def test_a_new_code_replaces_the_old_one(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, token = _status_of(_submit(pages, email=person))
    first = code_for(privet_sessions, reference)
    response = pages.post(f"/privacy-center/requests/{reference}/resend",
                          data={"csrf_token": _form_token(pages), "token": token},
                          follow_redirects=False)
    assert _status_of(response) == (reference, token)
    assert "We sent you a new code" in _Page(pages.get(response.headers["location"]).text
                                              ).says("main")
    second = code_for(privet_sessions, reference)
    assert len(outbox(privet_sessions, reference, MessageKind.verification)) == 2
    if first != second:
        assert _verify(pages, reference, token, first).status_code == 400
    assert _verify(pages, reference, token, second).status_code == 303


def test_too_many_new_codes_is_a_page_saying_so(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, token = _status_of(_submit(pages, email=person))
    statuses = [pages.post(f"/privacy-center/requests/{reference}/resend",
                           data={"csrf_token": _form_token(pages), "token": token},
                           follow_redirects=False).status_code for _ in range(5)]
    assert statuses == [303, 303, 303, 303, 429]
    assert len(outbox(privet_sessions, reference, MessageKind.verification)) == 5


# ------------------------------------------------------------------------- the link


def test_the_emailed_link_confirms_only_when_the_button_is_pressed_and_once(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, _ = _status_of(_submit(pages, email=person))
    link = urlsplit(link_for(privet_sessions, reference))
    assert link.path == f"/privacy-center/requests/{reference}/confirm"
    opened = pages.get(f"{link.path}?{link.query}")  # as a mail scanner would
    assert opened.status_code == 200
    page = _Page(opened.text)
    assert "Confirm my request" in opened.text
    assert _state(privet_sessions, reference) == "received"
    link_token = parse_qs(link.query)["token"][0]
    assert [c["value"] for c in page.controls if c.get("name") == "token"] == [link_token]

    def press() -> Response:
        response: Response = pages.post(link.path, follow_redirects=False, data={
            "csrf_token": _form_token(pages), "token": link_token})
        return response

    confirmed = press()
    status_reference, followed = _status_of(confirmed)
    assert status_reference == reference
    assert _state(privet_sessions, reference) == "approved"
    assert _open(pages, reference, followed).says("state") == \
        "Confirmed, about to be carried out"
    again = press()
    assert again.status_code == 410
    assert "already been used" in again.text


def test_the_confirmation_button_needs_the_csrf_token(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, _ = _status_of(_submit(pages, email=person))
    link = urlsplit(link_for(privet_sessions, reference))
    response = pages.post(link.path, data={"token": parse_qs(link.query)["token"][0]},
                          follow_redirects=False)
    assert response.status_code == 403
    assert _state(privet_sessions, reference) == "received"


# ------------------------------------------------------------------------- download


def test_a_completed_access_request_is_downloaded_through_its_link(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, link = _completed_access(pages, privet_sessions, person)
    response = pages.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    with zipfile.ZipFile(io.BytesIO(response.content)) as package:
        data = json.loads(package.read("data.json"))
        assert "tables/app.contacts.csv" in package.namelist()
    [contact] = data["datastores"]["app"]["contacts"]["rows"]
    assert contact["email"]["value"] == person

    page = _open(pages, reference, _status_token(pages, reference))
    assert page.says("state") == "Completed"
    button = page.attrs["download"]
    assert button["href"] == link
    assert pages.get(button["href"]).content == response.content


def test_a_download_link_opens_only_its_own_request_s_package_until_it_expires(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, link = _completed_access(pages, privet_sessions, person)
    other, other_link = _completed_access(pages, privet_sessions, "noone@example.org")
    other_token = parse_qs(urlsplit(other_link).query)["token"][0]
    token = parse_qs(urlsplit(link).query)["token"][0]
    package = f"/privacy-center/requests/{reference}/package"

    refused = pages.get(package, params={"token": other_token})
    assert refused.status_code == 403
    assert "another request" in refused.text
    assert pages.get(package, params={"token": _tampered(token)}).status_code == 403
    assert pages.get(package).status_code == 403
    assert pages.get(f"/privacy-center/requests/{other}/package",
                     params={"token": other_token}).status_code == 200

    later = datetime.now(UTC) + timedelta(days=8)
    pages.app.dependency_overrides[utc_now] = lambda: later  # type: ignore[attr-defined]
    try:
        expired = pages.get(link)
    finally:
        pages.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert expired.status_code == 410
    assert "expired" in expired.text and "No longer available" in expired.text
    assert pages.get(link).status_code == 200


def test_no_download_before_the_request_is_completed(
        pages: TestClient, privet_sessions: sessionmaker[Session], person: str) -> None:
    reference, token = _status_of(_submit(pages, email=person))
    assert "download" not in _open(pages, reference, token).attrs
    with privet_sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == MessageKind.completion)) == 0
