"""The outbox: queue a message in Privet's database, deliver it by SMTP later.

``queue_message`` writes a ``pending`` row in the caller's transaction (it flushes; the
outer edge commits), so a message exists exactly when the change that caused it does.
``deliver_pending`` runs outside any request, with its own sessions:

- No mail server configured (``settings.smtp`` is None): pending messages become
  ``stored`` and stay in the outbox, where the admin shows them (the demo works this way).
  A stored message is not sent when a server is configured later (a week-old
  verification code helps nobody); ``requeue_message`` sends one on purpose.
- A mail server configured: each due message (``pending``, or ``failed`` with fewer than
  ``MAX_ATTEMPTS`` attempts) is sent with smtplib, with the configured timeout and TLS,
  and marked ``sent`` or ``failed`` with the server's error.

**Never sent twice, at the price of maybe never sent.** Before a message is handed to the
server it is marked ``sending`` (attempts + 1) in its own committed transaction, by an
``UPDATE … WHERE status IN (due)`` that only one deliverer can win. If Privet stops, or
the connection breaks, after the server may have accepted the message but before it is
marked ``sent``, the row stays ``sending`` with the reason, and no later run touches it:
an operator looks (the mail server's log says whether it went out) and calls
``requeue_message`` if it did not. The other choice, resending what is unconfirmed,
would send a second verification code or a second copy of someone's data link without
anyone knowing. A definite refusal from the server (an SMTP error code) is ``failed``
and retried; a server that cannot be reached fails the due messages without trying them.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from privet.config import Settings, SmtpSettings
from privet.kit.db import session_scope
from privet.models.outbox import MessageKind, MessageStatus, OutboxMessage
from privet.notify.errors import InvalidMessageError, MailServerError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
"""A failed message is tried again until it has been tried this many times."""

_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\\\"]+@[^@\s<>()\[\],;:\\\"]+\.[^@\s<>()\[\],;:\\\"]+")
_LINE_BREAKS = ("\r", "\n", "\x00", "\u2028", "\u2029", "\x85")
_MAX_SUBJECT = 500
_MAX_ERROR = 1000


@dataclass(frozen=True)
class DeliveryReport:
    """What one ``deliver_pending`` run did."""

    sent: int = 0
    failed: int = 0
    stored: int = 0
    interrupted: int = 0
    """Left ``sending``: the server may have accepted them; they are not retried."""
    error: str | None = None
    """Why the run stopped early (the mail server could not be reached), if it did."""


# ------------------------------------------------------------------------------ queueing


def check_address(address: str) -> str:
    """``address`` if it is one plain email address (``name@example.com``); else
    ``InvalidMessageError``. A line break is refused first: in a header it would start a
    new header (header injection)."""
    _refuse_line_breaks(address, "the recipient address")
    candidate = address.strip()
    if len(candidate) > 320 or not _ADDRESS.fullmatch(candidate):
        raise InvalidMessageError(f"`{candidate}` is not an email address",
                                  hint="give one address such as name@example.com")
    return candidate


def check_subject(subject: str) -> str:
    """``subject`` if it is one line of at most 500 characters; else
    ``InvalidMessageError``."""
    _refuse_line_breaks(subject, "the subject")
    candidate = subject.strip()
    if not candidate:
        raise InvalidMessageError("the message has no subject")
    if len(candidate) > _MAX_SUBJECT:
        raise InvalidMessageError(
            f"the subject has {len(candidate)} characters; at most {_MAX_SUBJECT}")
    return candidate


def _refuse_line_breaks(value: str, what: str) -> None:
    if any(mark in value for mark in _LINE_BREAKS):
        raise InvalidMessageError(
            f"{what} contains a line break: refused, it could add headers to the email "
            f"(header injection): {value!r}",
            hint="a header is one line; remove the line break")


def queue_message(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    kind: MessageKind | str = MessageKind.other,
    reference: str | None = None,
) -> OutboxMessage:
    """Put a message in the outbox (``pending``), in the caller's transaction (flushed,
    not committed). ``InvalidMessageError`` for a bad address, a subject that is not one
    line, an empty body, an unknown kind."""
    address = check_address(to)
    title = check_subject(subject)
    if not text.strip():
        raise InvalidMessageError("the message has no text")
    try:
        message_kind = MessageKind(kind)
    except ValueError:
        raise InvalidMessageError(
            f"unknown message kind `{kind}`",
            hint=f"one of: {', '.join(k.value for k in MessageKind)}") from None
    if reference is not None:
        _refuse_line_breaks(reference, "the reference")
        if len(reference) > 64:
            raise InvalidMessageError("the reference is longer than 64 characters")
    message = OutboxMessage(
        created_at=_utcnow(), to_address=address, subject=title, text_body=text,
        html_body=html or None, kind=message_kind, reference=reference,
        status=MessageStatus.pending, attempts=0,
    )
    session.add(message)
    session.flush()
    return message


def requeue_message(session: Session, message_id: int) -> OutboxMessage:
    """Send a ``stored``, ``failed`` or interrupted (``sending``) message on the next
    delivery, on an operator's decision (flushes). A sent message is refused: queue a new
    one to send it again."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise InvalidMessageError(f"no message {message_id} in the outbox")
    if message.status == MessageStatus.sent:
        when = f" on {message.sent_at:%Y-%m-%d %H:%M} UTC" if message.sent_at else ""
        raise InvalidMessageError(f"message {message_id} was sent{when}",
                                  hint="queue a new message to send it again")
    message.status = MessageStatus.pending
    session.flush()
    return message


# ------------------------------------------------------------------------------ delivery


def deliver_pending(
    session_factory: sessionmaker[Session], settings: Settings, *, limit: int = 100
) -> DeliveryReport:
    """Deliver the due messages, oldest first, at most ``limit`` (see the module's notes).

    Opens and commits its own sessions: run it from a job or a command, not inside a
    request's transaction."""
    smtp = settings.smtp
    if smtp is None:
        return DeliveryReport(stored=_store_pending(session_factory))
    due = _due_ids(session_factory, limit)
    if not due:
        return DeliveryReport()
    try:
        client = _connect(smtp)
    except MailServerError as exc:
        log.warning("outbox: %s", exc.message)
        failed = _fail_unsent(session_factory, due, exc.message)
        return DeliveryReport(failed=failed, error=exc.message)

    sent = failed = interrupted = 0
    stopped: str | None = None
    try:
        for message_id in due:
            if client.sock is None:  # smtplib closed it (the server said 421, goodbye)
                stopped = "the mail server closed the connection; the rest waits for the next run"
                break
            message = _claim(session_factory, message_id)
            if message is None:  # another deliverer took it, or it was changed meanwhile
                continue
            outcome, error = _send(client, message, smtp)
            _finish(session_factory, message_id, outcome, error)
            if outcome == MessageStatus.sent:
                sent += 1
            elif outcome == MessageStatus.failed:
                failed += 1
            else:
                interrupted += 1
                stopped = error
                log.warning("outbox: message %s interrupted: %s", message_id, error)
                break
    finally:
        _close(client)
    return DeliveryReport(sent=sent, failed=failed, interrupted=interrupted, error=stopped)


def _store_pending(session_factory: sessionmaker[Session]) -> int:
    with session_scope(session_factory) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == MessageStatus.pending)
            .values(status=MessageStatus.stored)
        )
        return _rowcount(result)


def _due_condition() -> Any:
    return or_(
        OutboxMessage.status == MessageStatus.pending,
        and_(OutboxMessage.status == MessageStatus.failed,
             OutboxMessage.attempts < MAX_ATTEMPTS),
    )


def _due_ids(session_factory: sessionmaker[Session], limit: int) -> list[int]:
    with session_scope(session_factory) as session:
        return list(session.scalars(
            select(OutboxMessage.id).where(_due_condition())
            .order_by(OutboxMessage.id).limit(limit)
        ))


def _fail_unsent(session_factory: sessionmaker[Session], ids: Sequence[int],
                 error: str) -> int:
    """The server could not be reached: nothing was sent; count an attempt for each."""
    with session_scope(session_factory) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), _due_condition())
            .values(status=MessageStatus.failed, attempts=OutboxMessage.attempts + 1,
                    last_error=error[:_MAX_ERROR], last_attempt_at=_utcnow())
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result)


def _claim(session_factory: sessionmaker[Session], message_id: int) -> OutboxMessage | None:
    """Mark the message ``sending`` and commit, if it is still due; None if it is not."""
    with session_scope(session_factory) as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _due_condition())
            .values(status=MessageStatus.sending, attempts=OutboxMessage.attempts + 1,
                    last_attempt_at=_utcnow())
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) != 1:
            return None
        return session.scalars(
            select(OutboxMessage).where(OutboxMessage.id == message_id)
            .execution_options(populate_existing=True)
        ).one()


def _finish(session_factory: sessionmaker[Session], message_id: int,
            status: MessageStatus, error: str | None) -> None:
    values: dict[str, Any] = {"status": status, "last_error": error[:_MAX_ERROR] if error
                              else None}
    if status == MessageStatus.sent:
        values["sent_at"] = _utcnow()
    with session_scope(session_factory) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id,
                   OutboxMessage.status == MessageStatus.sending)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


# ---------------------------------------------------------------------------------- SMTP


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    """A connection, upgraded and logged in as configured; ``MailServerError`` if not."""
    where = f"{smtp.host}:{smtp.server_port}"
    context = ssl.create_default_context()
    client: smtplib.SMTP | None = None
    try:
        if smtp.ssl:
            client = smtplib.SMTP_SSL(smtp.host, smtp.server_port, timeout=smtp.timeout,
                                      context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.server_port, timeout=smtp.timeout)
        client.ehlo()
        if smtp.uses_starttls:
            client.starttls(context=context)
            client.ehlo()
        if smtp.username:
            password = smtp.password.get_secret_value() if smtp.password else ""
            client.login(smtp.username, password)
    except smtplib.SMTPNotSupportedError as exc:
        _close(client)
        raise MailServerError(
            f"the mail server at {where} does not support {_unsupported(smtp)}: {exc}",
            hint="check PRIVET_SMTP__STARTTLS / PRIVET_SMTP__SSL and the port") from exc
    except smtplib.SMTPAuthenticationError as exc:
        _close(client)
        raise MailServerError(
            f"the mail server at {where} refused the login of `{smtp.username}`: "
            f"{_describe(exc)}",
            hint="check PRIVET_SMTP__USERNAME and PRIVET_SMTP__PASSWORD") from exc
    except (smtplib.SMTPException, OSError) as exc:  # refused, timeout, TLS, DNS
        _close(client)
        raise MailServerError(
            f"cannot reach the mail server at {where}: {_describe(exc)}",
            hint="check PRIVET_SMTP__HOST, PRIVET_SMTP__PORT and that the server is up; "
                 f"the timeout is {smtp.timeout:g} s") from exc
    return client


def _unsupported(smtp: SmtpSettings) -> str:
    return "STARTTLS" if smtp.uses_starttls else "login (AUTH)"


def _send(client: smtplib.SMTP, message: OutboxMessage,
          smtp: SmtpSettings) -> tuple[MessageStatus, str | None]:
    """Hand one claimed message to the server: sent, failed (a definite refusal), or
    still sending (the outcome is unknown)."""
    try:
        email = _email(message, smtp)
    except InvalidMessageError as exc:  # a row written around queue_message's checks
        return MessageStatus.failed, exc.message
    try:
        refused = client.send_message(email, from_addr=smtp.sender,
                                      to_addrs=[message.to_address])
    except smtplib.SMTPRecipientsRefused as exc:
        return MessageStatus.failed, "the server refused the recipient: " + "; ".join(
            f"{address}: {_describe_reply(code, text)}"
            for address, (code, text) in exc.recipients.items())
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, etc.
        return MessageStatus.failed, f"the server refused the message: {_describe(exc)}"
    except (smtplib.SMTPException, OSError) as exc:
        return MessageStatus.sending, (
            f"delivery interrupted ({_describe(exc)}); the server may have accepted the "
            "message, so it is not resent: check the mail server's log, then requeue it "
            "if it did not go out")
    if refused:
        return MessageStatus.failed, f"the server refused the recipient: {refused}"
    return MessageStatus.sent, None


def _email(message: OutboxMessage, smtp: SmtpSettings) -> EmailMessage:
    to = check_address(message.to_address)
    email = EmailMessage()
    email["From"] = Address(display_name=smtp.sender_name or "", addr_spec=smtp.sender)
    email["To"] = Address(addr_spec=to)
    email["Subject"] = check_subject(message.subject)
    email["Date"] = format_datetime(datetime.now(UTC))
    # Stable per outbox row: a message sent again after a requeue is the same message to
    # mail clients, which then show it once.
    domain = smtp.sender.rsplit("@", 1)[1]
    stamp = message.created_at.strftime("%Y%m%d%H%M%S%f")
    email["Message-ID"] = f"<privet.{message.id}.{stamp}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    email.set_content(message.text_body)
    if message.html_body:
        email.add_alternative(message.html_body, subtype="html")
    return email


def _close(client: smtplib.SMTP | None) -> None:
    if client is None:
        return
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _describe_reply(exc.smtp_code, exc.smtp_error)
    return str(exc) or type(exc).__name__


def _describe_reply(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}"


def _rowcount(result: object) -> int:
    return cast(CursorResult[Any], result).rowcount


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
