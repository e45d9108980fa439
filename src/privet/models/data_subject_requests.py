"""Data subject requests and their events.

A request is found by its ``reference`` (``R-7F3K-2QXD``: random, holds no personal data)
and matched to a person by ``email_hash``, a keyed HMAC of the normalised email (the same
keyed hash as the erasure ledger's identities). The email itself is stored only as
``contact_email``, to write to the person about their request; ``identities`` holds the
identities they gave, needed to execute the request. Both are personal data and are erased
with the request; the audit log never holds them.

Times are UTC, stored without a zone so every database compares them the same way.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privet.kit.db import Base


class DataSubjectRequest(Base):
    """One request from one person: access, erasure, rectification, restriction, objection
    or marketing opt-out, and where it stands."""

    __tablename__ = "data_subject_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    """Keyed HMAC-SHA256 of the normalised email: matches a person without naming them."""
    contact_email: Mapped[str] = mapped_column(String(320))
    """For correspondence about this request only."""
    identities: Mapped[dict[str, str]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime())
    approved_at: Mapped[datetime | None] = mapped_column(DateTime())
    started_at: Mapped[datetime | None] = mapped_column(DateTime())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime())
    """When the person was answered: the request completed or was rejected."""
    due_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    extended_until: Mapped[datetime | None] = mapped_column(DateTime())
    extension_reason: Mapped[str | None] = mapped_column(Text())
    rejection_reason: Mapped[str | None] = mapped_column(Text())
    failure_reason: Mapped[str | None] = mapped_column(Text())
    details: Mapped[str | None] = mapped_column(Text())
    """What the person wrote with the request (what is wrong, for a rectification)."""
    corrections: Mapped[dict[str, str] | None] = mapped_column(JSON)
    """A rectification's changes, ``table.field`` → value, set by the privacy team."""
    customers: Mapped[list[str] | None] = mapped_column(JSON)
    """Processor mode: the customers whose data the request touched (their keys)."""
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime())
    """When the privacy team was last reminded of the deadline."""
    outcome_summary: Mapped[dict[str, int] | None] = mapped_column(JSON)
    """Counts only (rows found, erased, …), never values."""
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )

    @property
    def deadline(self) -> datetime:
        """The deadline in force: the extended one, else the original."""
        return self.extended_until or self.due_at


class RequestEvent(Base):
    """One step of a request's life: a change of state, or an extension (same state)."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_subject_requests.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime())
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text())
    request: Mapped[DataSubjectRequest] = relationship(back_populates="events")
