"""Consent notices and consent receipts: what a person was shown, and what they chose.

A notice is one version of what the banner, the preference center and the consent API
present, generated from the manifest; ``text_hash`` is the SHA-256 of its exact content, so
a receipt proves which words were shown. A receipt is one choice, written once: rows of
``consent_receipts`` are never updated nor deleted (the mapper refuses both, and no route
offers either). A person is named by a keyed hash of their email, a browser by the random
device id the banner keeps in its cookie; the IP address only truncated. Times are UTC,
stored without a zone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from privet.kit.db import Base


class ConsentAction(StrEnum):
    """What the person did."""

    accept_all = "accept_all"
    reject_all = "reject_all"
    custom = "custom"
    withdraw = "withdraw"
    gpc = "gpc"
    """A Global Privacy Control signal, recorded as an opt-out of sale, sharing and
    targeted advertising."""


class ConsentSource(StrEnum):
    """Where the choice was made."""

    banner = "banner"
    preference_center = "preference_center"
    api = "api"
    email_link = "email_link"


class ConsentNotice(Base):
    """One version of the consent notice. Versions only grow; earlier ones stay."""

    __tablename__ = "consent_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    text_hash: Mapped[str] = mapped_column(String(64), index=True)
    """SHA-256 (hex) of the canonical JSON of ``content``."""
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(DateTime())


class ConsentReceipt(Base):
    """One choice, as recorded: append-only."""

    __tablename__ = "consent_receipts"
    __table_args__ = (
        Index("ix_consent_receipts_subject", "subject_hash", "id"),
        Index("ix_consent_receipts_device", "device_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receipt_id: Mapped[str] = mapped_column(String(40), unique=True)
    """The public id given back to whoever recorded it (``cr_…``)."""
    subject_hash: Mapped[str | None] = mapped_column(String(64))
    """Keyed hash of the person's normalised email, when the choice is a known person's."""
    device_id: Mapped[str | None] = mapped_column(String(64))
    """The banner's random browser id, when the choice is a browser's."""
    recorded_at: Mapped[datetime] = mapped_column(DateTime())
    notice_version: Mapped[int] = mapped_column(ForeignKey("consent_notices.version"))
    notice_hash: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(24))
    categories: Mapped[dict[str, bool]] = mapped_column(JSON)
    """Cookie category → granted, for the categories this choice decided."""
    purposes: Mapped[dict[str, bool]] = mapped_column(JSON)
    """Purpose key → granted, for the purposes this choice decided."""
    gpc: Mapped[bool] = mapped_column(Boolean)
    """Whether the browser sent a Global Privacy Control signal with it."""
    jurisdiction: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    ip_truncated: Mapped[str | None] = mapped_column(String(64))
    """IPv4 with its last octet zeroed, IPv6 cut to its /48; never the whole address."""
    signature: Mapped[str] = mapped_column(String(64))
    """HMAC-SHA256 of the receipt's content under a key derived from the workspace secret."""


class ReceiptsAreFinal(Exception):
    """Something tried to change or remove a consent receipt."""


def _refuse(_mapper: Mapper[Any], _connection: Any, target: ConsentReceipt) -> None:
    raise ReceiptsAreFinal(f"consent receipt {target.receipt_id} cannot be changed or "
                           "removed: record a new choice instead")


event.listen(ConsentReceipt, "before_update", _refuse)
event.listen(ConsentReceipt, "before_delete", _refuse)
