"""Email: request messages in English and French from the demo manifest; the outbox
queued in Privet's database and delivered to a real SMTP server (aiosmtpd on 127.0.0.1);
stored without a server; failed and retried when the server is down; never sent twice;
header injection refused; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from pydantic import ValidationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from privet.config import Settings, SmtpSettings
from privet.kit.db import dispose, open_database, session_scope
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest
from privet.models.outbox import MessageKind, MessageStatus, OutboxMessage
from privet.notify.errors import InvalidMessageError
from privet.notify.mailer import (
    MAX_ATTEMPTS,
    DeliveryReport,
    deliver_pending,
    queue_message,
    requeue_message,
)
from privet.notify.messages import (
    RenderedMessage,
    completion_message,
    extension_message,
    message_language,
    receipt_message,
    rejection_message,
    verification_message,
)

DEMO_MANIFEST = Path(__file__).resolve().parents[2] / "src" / "privet" / "demo" / "manifest"
HOSTILE = '<script>alert("owned")</script> & <b>bold</b>'
DEADLINE = date(2026, 4, 1)
DEADLINE_WORDS = {"en": "1 April 2026", "fr": "1er avril 2026"}
SENDER = "privacy@nuage.example"


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    folder = tmp_path_factory.mktemp("privacy")
    for path in DEMO_MANIFEST.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return load_manifest(folder)


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    factory = open_database(f"sqlite:///{tmp_path / 'privet.db'}")
    yield factory
    dispose(factory)


@dataclass
class Inbox:
    """aiosmtpd handler: keeps every message it accepts; can refuse or stall on cue."""

    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    stall_seconds: float = 0.0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        if self.stall_seconds:  # the message is taken; the reply is late
            await asyncio.sleep(self.stall_seconds)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class MailServer:
    """A real SMTP server on 127.0.0.1 that can be started and stopped on one port."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self, *, timeout: float = 5.0) -> Settings:
        return Settings(smtp=SmtpSettings(host="127.0.0.1", port=self.port, starttls=False,
                                          timeout=timeout, sender=SENDER,
                                          sender_name="Nuage Cloud privacy team"))


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def down_server() -> Iterator[MailServer]:
    """A port nothing listens on (yet): the test starts the server when it wants it up."""
    server = MailServer()
    yield server
    server.stop()


def _queue(sessions: sessionmaker[Session], manifest: Manifest, *, to: str = "ana@example.org",
           reference: str = "REQ-2026-0042") -> int:
    subject, text, html = receipt_message(manifest, request_type="access",
                                          reference=reference, deadline=DEADLINE)
    with session_scope(sessions) as session:
        message = queue_message(session, to=to, subject=subject, text=text, html=html,
                                kind=MessageKind.receipt, reference=reference)
        return message.id


def _row(sessions: sessionmaker[Session], message_id: int) -> OutboxMessage:
    with session_scope(sessions) as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


# ------------------------------------------------------------------------------ messages


def _all_messages(manifest: Manifest, language: str) -> dict[str, RenderedMessage]:
    return {
        "verification": verification_message(
            manifest, code="482913", link="https://nuage.example/verify?t=abc&r=1",
            expires_at=datetime(2026, 3, 2, 14, 5), request_type="access",
            reference="REQ-2026-0042", language=language),
        "receipt": receipt_message(manifest, request_type="erasure", reference="REQ-2026-0042",
                                   deadline=DEADLINE, language=language),
        "extension": extension_message(manifest, request_type="access",
                                       reference="REQ-2026-0042", new_deadline=DEADLINE,
                                       reason="Many records in archived systems.",
                                       language=language),
        "completion": completion_message(manifest, request_type="access",
                                         reference="REQ-2026-0042",
                                         download_link="https://nuage.example/d/tok?x=1&y=2",
                                         link_expires_at=DEADLINE_AS_MOMENT,
                                         language=language),
        "rejection": rejection_message(manifest, request_type="erasure",
                                       reference="REQ-2026-0042",
                                       reason="Invoices must be kept ten years.",
                                       language=language),
    }


DEADLINE_AS_MOMENT = datetime(2026, 4, 1, 9, 30)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_request_message_renders_in_the_manifests_languages(
        manifest: Manifest, language: str) -> None:
    greeting = {"en": "Hello,", "fr": "Bonjour,"}[language]
    for name, (subject, text, html) in _all_messages(manifest, language).items():
        assert "\n" not in subject, name
        assert greeting in text and greeting in html, name
        assert f'<html lang="{language}">' in html, name
        # Organisation and contact from the manifest, in both parts.
        for part in (text, html):
            assert "Nuage Cloud" in part and "privacy@nuage.example" in part, name
            assert "dpo@nuage.example" in part, name
            assert "REQ-2026-0042" in part, name
        if name != "verification":
            assert "REQ-2026-0042" in subject, name
        if name in ("receipt", "extension", "completion"):  # a deadline or an expiry date
            assert DEADLINE_WORDS[language] in text and DEADLINE_WORDS[language] in html, name

    rendered = _all_messages(manifest, language)
    assert "482913" in rendered["verification"].text
    assert "https://nuage.example/verify?t=abc&r=1" in rendered["verification"].text
    assert 'href="https://nuage.example/verify?t=abc&amp;r=1"' in rendered["verification"].html
    assert {"en": "14:05 UTC", "fr": "14 h 05 UTC"}[language] in rendered["verification"].text
    assert "https://nuage.example/d/tok?x=1&y=2" in rendered["completion"].text
    assert {"en": "30 days", "fr": "30 jours"}[language] in rendered["receipt"].text
    assert {"en": "Article 12(3)", "fr": "article 12, paragraphe 3"}[language] \
        in rendered["extension"].text
    assert "Many records in archived systems." in rendered["extension"].html
    # The right to complain, naming the manifest's supervisory authority.
    rejection = rendered["rejection"]
    assert "CNIL" in rejection.text and "CNIL" in rejection.html
    assert {"en": "lodge a complaint", "fr": "introduire une réclamation"}[language] \
        in rejection.text
    assert "Invoices must be kept ten years." in rejection.text


def test_english_and_french_differ(manifest: Manifest) -> None:
    english = receipt_message(manifest, request_type="access", reference="R-1",
                              deadline=DEADLINE, language="en")
    french = receipt_message(manifest, request_type="access", reference="R-1",
                             deadline=DEADLINE, language="fr")
    assert english.subject == "We received your request R-1"
    assert french.subject == "Nous avons bien reçu votre demande R-1"
    assert "accès à vos données personnelles" in french.text


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_html_escapes_a_hostile_reason(manifest: Manifest, language: str) -> None:
    extension = extension_message(manifest, request_type="access", reference="R-1",
                                  new_deadline=DEADLINE, reason=HOSTILE, language=language)
    rejection = rejection_message(manifest, request_type="access", reference="R-1",
                                  reason=HOSTILE, language=language)
    for subject, text, html in (extension, rejection):
        assert "<script>" not in html and "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; &amp; &lt;b&gt;" in html
        assert HOSTILE in text  # plain text is not markup: the words are shown as written
        assert "<script>" not in subject


def test_the_language_falls_back(manifest: Manifest) -> None:
    assert message_language(manifest, "fr") == "fr"
    assert message_language(manifest, "fr-FR") == "fr"
    assert message_language(manifest, "FR") == "fr"
    assert message_language(manifest, "de") == "en"
    assert message_language(manifest, None) == "en"
    german = receipt_message(manifest, request_type="access", reference="R-1",
                             deadline=DEADLINE, language="de")
    assert german.subject == "We received your request R-1"
    french_only = manifest.model_copy(update={
        "policy": manifest.policy.model_copy(update={"languages": ["fr"]})})
    assert message_language(french_only, "en") == "fr"  # the company publishes in French only


def test_bad_message_inputs_are_refused(manifest: Manifest) -> None:
    with pytest.raises(InvalidMessageError, match="code or a link"):
        verification_message(manifest, expires_at=DEADLINE_AS_MOMENT)
    with pytest.raises(InvalidMessageError, match="not a web link"):
        verification_message(manifest, expires_at=DEADLINE_AS_MOMENT,
                             link="javascript:alert(1)")
    with pytest.raises(InvalidMessageError, match="needs a reason"):
        rejection_message(manifest, request_type="erasure", reference="R-1", reason="  ")
    with pytest.raises(InvalidMessageError, match="unknown request type"):
        receipt_message(manifest, request_type="deletion", reference="R-1", deadline=DEADLINE)
    with pytest.raises(InvalidMessageError, match="expiry"):
        completion_message(manifest, request_type="access", reference="R-1",
                           download_link="https://nuage.example/d/x")


# ------------------------------------------------------------------------------ delivery


def test_a_queued_message_is_delivered_to_the_smtp_server(
        manifest: Manifest, sessions: sessionmaker[Session], mail_server: MailServer) -> None:
    message_id = _queue(sessions, manifest)
    assert _row(sessions, message_id).status == MessageStatus.pending

    report = deliver_pending(sessions, mail_server.settings())

    assert report == DeliveryReport(sent=1)
    row = _row(sessions, message_id)
    assert row.status == MessageStatus.sent and row.attempts == 1
    assert row.sent_at is not None and row.last_error is None
    [(mail_from, recipients, email)] = mail_server.inbox.received
    assert mail_from == SENDER and recipients == ["ana@example.org"]
    assert email["From"] == f"Nuage Cloud privacy team <{SENDER}>"
    assert email["To"] == "ana@example.org"
    assert email["Subject"] == "We received your request REQ-2026-0042"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Message-ID"].startswith(f"<privet.{message_id}.")
    text_part = email.get_body(preferencelist=("plain",))
    html_part = email.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    text, html = text_part.get_content(), html_part.get_content()
    assert "REQ-2026-0042" in text and "1 April 2026" in text and "<p>" not in text
    assert "<strong>REQ-2026-0042</strong>" in html and "1 April 2026" in html

    assert deliver_pending(sessions, mail_server.settings()) == DeliveryReport()
    assert len(mail_server.inbox.received) == 1  # a sent message is never sent again


def test_without_smtp_messages_are_stored_not_sent(
        manifest: Manifest, sessions: sessionmaker[Session], mail_server: MailServer) -> None:
    message_id = _queue(sessions, manifest)

    assert deliver_pending(sessions, Settings(smtp=None)) == DeliveryReport(stored=1)
    row = _row(sessions, message_id)
    assert row.status == MessageStatus.stored and row.attempts == 0
    assert row.text_body.startswith("Hello,")  # the outbox shows what would have been sent

    # A server configured later does not send old stored messages by itself...
    assert deliver_pending(sessions, mail_server.settings()) == DeliveryReport()
    assert mail_server.inbox.received == []
    # ...an operator can.
    with session_scope(sessions) as session:
        requeue_message(session, message_id)
    assert deliver_pending(sessions, mail_server.settings()) == DeliveryReport(sent=1)
    assert len(mail_server.inbox.received) == 1


def test_a_down_server_fails_the_message_then_it_is_delivered(
        manifest: Manifest, sessions: sessionmaker[Session], down_server: MailServer) -> None:
    message_id = _queue(sessions, manifest)

    report = deliver_pending(sessions, down_server.settings())

    assert report.failed == 1 and report.sent == 0
    assert report.error is not None
    assert f"cannot reach the mail server at 127.0.0.1:{down_server.port}" in report.error
    row = _row(sessions, message_id)
    assert row.status == MessageStatus.failed and row.attempts == 1
    assert row.last_error == report.error and "refused" in row.last_error.lower()

    down_server.start()
    assert deliver_pending(sessions, down_server.settings()) == DeliveryReport(sent=1)
    row = _row(sessions, message_id)
    assert row.status == MessageStatus.sent and row.attempts == 2 and row.last_error is None
    assert len(down_server.inbox.received) == 1


def test_a_failing_message_is_tried_at_most_five_times(
        manifest: Manifest, sessions: sessionmaker[Session], down_server: MailServer) -> None:
    message_id = _queue(sessions, manifest)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert deliver_pending(sessions, down_server.settings()).failed == 1
        assert _row(sessions, message_id).attempts == attempt
    assert MAX_ATTEMPTS == 5
    down_server.start()
    assert deliver_pending(sessions, down_server.settings()) == DeliveryReport()
    assert _row(sessions, message_id).status == MessageStatus.failed
    assert down_server.inbox.received == []


def test_a_refused_recipient_fails_only_that_message(
        manifest: Manifest, sessions: sessionmaker[Session], mail_server: MailServer) -> None:
    mail_server.inbox.refuse.add("gone@example.org")
    refused = _queue(sessions, manifest, to="gone@example.org")
    accepted = _queue(sessions, manifest, to="ana@example.org")

    assert deliver_pending(sessions, mail_server.settings()) == DeliveryReport(sent=1, failed=1)

    row = _row(sessions, refused)
    assert row.status == MessageStatus.failed and row.attempts == 1
    assert row.last_error is not None and "550 5.1.1 no such mailbox" in row.last_error
    assert _row(sessions, accepted).status == MessageStatus.sent
    assert [r for _, r, _ in mail_server.inbox.received] == [["ana@example.org"]]


def test_an_interrupted_delivery_is_left_sending_and_not_resent(
        manifest: Manifest, sessions: sessionmaker[Session], mail_server: MailServer) -> None:
    # The server takes the whole message, then answers after the client stopped waiting:
    # it did accept it, and the client cannot know.
    mail_server.inbox.stall_seconds = 1.5
    first = _queue(sessions, manifest)
    second = _queue(sessions, manifest, to="ben@example.org")

    report = deliver_pending(sessions, mail_server.settings(timeout=0.5))

    assert report.interrupted == 1 and report.sent == 0
    assert report.error is not None and "may have accepted" in report.error
    row = _row(sessions, first)
    assert row.status == MessageStatus.sending and row.attempts == 1
    assert row.last_error is not None and "requeue" in row.last_error
    assert _row(sessions, second).status == MessageStatus.pending  # the run stopped there

    mail_server.inbox.stall_seconds = 0
    assert deliver_pending(sessions, mail_server.settings()) == DeliveryReport(sent=1)
    assert _row(sessions, first).status == MessageStatus.sending  # never resent silently
    assert [r for _, r, _ in mail_server.inbox.received] == [["ana@example.org"],
                                                             ["ben@example.org"]]


def test_a_message_claimed_elsewhere_is_not_sent(
        manifest: Manifest, sessions: sessionmaker[Session], mail_server: MailServer) -> None:
    # What another deliverer (or one that crashed after sending) leaves behind.
    message_id = _queue(sessions, manifest)
    with session_scope(sessions) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(status=MessageStatus.sending, attempts=1))
    assert deliver_pending(sessions, mail_server.settings()) == DeliveryReport()
    assert mail_server.inbox.received == []


# ------------------------------------------------------------------------- header injection


@pytest.mark.parametrize("to, subject, complaint", [
    ("ana@example.org\nBcc: all@example.org", "Hello", "recipient address contains a line"),
    ("ana@example.org\r\nBcc: all@example.org", "Hello", "header injection"),
    ("ana@example.org", "Hello\r\nBcc: all@example.org", "subject contains a line break"),
    ("ana@example.org", "Hello\nBcc: all@example.org", "header injection"),
    ("ana@example.org, all@example.org", "Hello", "is not an email address"),
    ("Ana <ana@example.org>", "Hello", "is not an email address"),
    ("not-an-address", "Hello", "is not an email address"),
    ("ana@example.org", "   ", "no subject"),
])
def test_header_injection_and_bad_addresses_are_refused(
        sessions: sessionmaker[Session], to: str, subject: str, complaint: str) -> None:
    with pytest.raises(InvalidMessageError, match=complaint), session_scope(sessions) as session:
        queue_message(session, to=to, subject=subject, text="Hi", kind="other")
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_an_unknown_kind_is_refused(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(InvalidMessageError, match="unknown message kind `fax`"), \
            session_scope(sessions) as session:
        queue_message(session, to="ana@example.org", subject="Hi", text="Hi", kind="fax")


def test_queue_message_flushes_and_leaves_the_commit_to_the_caller(
        sessions: sessionmaker[Session]) -> None:
    session = sessions()
    try:
        message = queue_message(session, to=" ana@example.org ", subject="Hi", text="Hi",
                                kind="reminder", reference="REQ-1")
        assert message.id is not None and message.to_address == "ana@example.org"
        assert message.kind == MessageKind.reminder
        session.rollback()
    finally:
        session.close()
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# ------------------------------------------------------------------------------ settings


def test_smtp_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRIVET_SMTP__HOST", "smtp.example.com")
    monkeypatch.setenv("PRIVET_SMTP__SENDER", "privacy@example.com")
    monkeypatch.setenv("PRIVET_SMTP__PASSWORD", "s3cret")
    smtp = Settings().smtp
    assert smtp is not None and smtp.host == "smtp.example.com"
    assert smtp.server_port == 587 and smtp.uses_starttls and not smtp.ssl
    assert "s3cret" not in repr(smtp)
    monkeypatch.setenv("PRIVET_SMTP__SSL", "true")
    smtp = Settings().smtp
    assert smtp is not None and smtp.server_port == 465 and not smtp.uses_starttls
    monkeypatch.setenv("PRIVET_SMTP__STARTTLS", "true")
    with pytest.raises(ValidationError, match="not both"):
        Settings()


def test_no_smtp_section_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HOST", "SENDER", "PORT", "SSL", "STARTTLS"):
        monkeypatch.delenv(f"PRIVET_SMTP__{name}", raising=False)
    assert Settings().smtp is None


# ------------------------------------------------------------------------------ PostgreSQL


def test_the_outbox_on_postgresql(manifest: Manifest, postgres_url: str,
                                  mail_server: MailServer) -> None:
    sessions = open_database(postgres_url)
    try:
        stored = _queue(sessions, manifest, reference="REQ-STORED")
        assert deliver_pending(sessions, Settings(smtp=None)) == DeliveryReport(stored=1)
        sent = _queue(sessions, manifest, reference="REQ-SENT")
        assert deliver_pending(sessions, mail_server.settings()) == DeliveryReport(sent=1)
        assert _row(sessions, stored).status == MessageStatus.stored
        row = _row(sessions, sent)
        assert row.status == MessageStatus.sent and row.kind == MessageKind.receipt
        assert row.reference == "REQ-SENT"
        [(_, _, email)] = mail_server.inbox.received
        assert email["Subject"] == "We received your request REQ-SENT"
    finally:
        dispose(sessions)
