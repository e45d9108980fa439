"""Outgoing email: the outbox.

Every message Privet sends is a row here first (``privet.notify.mailer.queue_message``),
then delivered by ``deliver_pending``. Without a mail server the rows stay ``stored``: the
demo's outbox, read in the admin. The row holds what the message says and nothing more:
no server settings, no credentials.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privet.kit.db import Base


class MessageKind(StrEnum):
    """What a message is about."""

    verification = "verification"
    receipt = "receipt"
    extension = "extension"
    completion = "completion"
    rejection = "rejection"
    reminder = "reminder"
    customer_notice = "customer_notice"
    change_notice = "change_notice"
    preferences = "preferences"
    """A link to a person's consent and marketing preferences."""
    breach_notice = "breach_notice"
    """Art. 34: a person told of a personal data breach that concerns them."""
    other = "other"


class MessageStatus(StrEnum):
    """Where a message is in its delivery.

    ``pending`` waits for delivery; ``sending`` is being handed to the mail server (a row
    left in ``sending`` means a delivery was interrupted: it may or may not have gone out,
    and is never resent on its own); ``sent`` was accepted by the server; ``failed`` was
    refused or could not reach the server (retried while ``attempts`` is below the limit);
    ``stored`` was kept in the outbox because no mail server is configured.
    """

    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    stored = "stored"


def _enum(kind: type[StrEnum]) -> Enum:
    # A VARCHAR holding the value, with no CHECK constraint or PostgreSQL enum type: a new
    # kind or status is then a code change, not a migration.
    return Enum(kind, native_enum=False, create_constraint=False, length=16,
                values_callable=lambda members: [m.value for m in members])


class OutboxMessage(Base):
    """One email, from queued to sent (or kept, or failed)."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    """UTC, stored without a zone so every database compares it the same way."""
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(500))
    text_body: Mapped[str] = mapped_column(Text())
    html_body: Mapped[str | None] = mapped_column(Text())
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind))
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    """What the message is about, e.g. a request's reference."""
    status: Mapped[MessageStatus] = mapped_column(_enum(MessageStatus), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime())
    """UTC: when delivery was last tried (a ``sending`` row: since when)."""
    sent_at: Mapped[datetime | None] = mapped_column(DateTime())
    """UTC: when the mail server accepted the message."""
