"""The breach register (GDPR Art. 33(5)): each personal data breach, the decisions taken on
it and the notifications made.

A breach's facts may be completed as the investigation goes on (``breach.updated`` in the
audit log). Decisions and notifications are the record the law expects: they are never
edited or removed (the ORM refuses it); a later decision supersedes an earlier one on the
same question, and a follow-up notification adds to the initial one (Art. 33(4)). Times are
UTC, stored without a zone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privet.kit.db import Base


class BreachStatus(StrEnum):
    """open → notified (the authority or the people were told) → closed."""

    open = "open"
    notified = "notified"
    closed = "closed"


class BreachNature(StrEnum):
    """What the breach did to the data (the usual classification of breaches)."""

    confidentiality = "confidentiality"
    """Disclosed to, or accessed by, someone who should not have it."""
    integrity = "integrity"
    """Altered without authority."""
    availability = "availability"
    """Lost, or destroyed, or out of reach."""


class RiskLevel(StrEnum):
    """The risk to people's rights and freedoms: none (Art. 33(1): no notification to the
    authority needed), a risk (notify the authority), a high risk (tell the people too,
    Art. 34(1))."""

    none = "none"
    risk = "risk"
    high = "high"


class Audience(StrEnum):
    """Who is told: the supervisory authority (Art. 33), each person affected (Art. 34), or
    the public instead of each person (Art. 34(3)(c))."""

    authority = "authority"
    people = "people"
    public = "public"


class NotificationPhase(StrEnum):
    """Art. 33(4): information may be given in phases; the first notice is the initial
    one, later ones follow up, the last is final."""

    initial = "initial"
    follow_up = "follow_up"
    final = "final"


class DecisionQuestion(StrEnum):
    """What is decided: whether to notify the authority, whether to tell the people."""

    authority = "authority"
    people = "people"


class PeopleException(StrEnum):
    """Art. 34(3): why the people need not be told one by one although the risk is high."""

    encrypted = "encrypted"
    """(a) the data was unintelligible to anyone not allowed to read it (encrypted)."""
    measures_taken = "measures_taken"
    """(b) measures taken since mean the high risk is no longer likely to materialise."""
    disproportionate_effort = "disproportionate_effort"
    """(c) it would take disproportionate effort: a public communication instead."""


class Breach(Base):
    """One personal data breach: what happened, to whose data, and what was done."""

    __tablename__ = "breaches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    """``BR-<year recorded>-<number>``, e.g. ``BR-2026-0001``."""
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text())
    """What happened, in words the authority and the people can follow."""
    nature: Mapped[list[str]] = mapped_column(JSON)
    """``BreachNature`` values."""
    occurred_at: Mapped[datetime | None] = mapped_column(DateTime())
    """When it happened, if known."""
    discovered_at: Mapped[datetime] = mapped_column(DateTime())
    """When the organisation became aware of it: the 72-hour clock starts here."""
    recorded_at: Mapped[datetime] = mapped_column(DateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime())
    data_categories: Mapped[list[str]] = mapped_column(JSON)
    """Taxonomy keys of the data concerned."""
    subject_categories: Mapped[list[str]] = mapped_column(JSON)
    """Taxonomy keys of the people concerned (customers, employees…)."""
    systems: Mapped[list[str]] = mapped_column(JSON)
    """Datastores (``app``) or tables (``app.contacts``) of the manifest involved."""
    people_affected: Mapped[int | None] = mapped_column(BigInteger())
    """Approximate number of people concerned."""
    records_affected: Mapped[int | None] = mapped_column(BigInteger())
    """Approximate number of personal data records concerned."""
    consequences: Mapped[str] = mapped_column(Text())
    """The likely consequences for the people."""
    measures: Mapped[str] = mapped_column(Text())
    """Measures taken or proposed, including to mitigate its effects."""
    advice: Mapped[str | None] = mapped_column(Text())
    """What the people can do to protect themselves (written to them)."""
    risk: Mapped[str] = mapped_column(String(16))
    """A ``RiskLevel`` value."""
    contact_point: Mapped[str | None] = mapped_column(Text())
    """Who answers questions about it; none: the manifest's DPO, else its privacy contact."""
    status: Mapped[str] = mapped_column(String(16), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime())
    closed_by: Mapped[str | None] = mapped_column(String(200))
    closing_note: Mapped[str | None] = mapped_column(Text())
    decisions: Mapped[list[BreachDecision]] = relationship(
        back_populates="breach", order_by="BreachDecision.id", cascade="all")
    notifications: Mapped[list[BreachNotification]] = relationship(
        back_populates="breach", order_by="BreachNotification.id", cascade="all")


class BreachDecision(Base):
    """A decision on whether to notify the authority or tell the people, and why. Never
    changed: a later decision on the same question supersedes it."""

    __tablename__ = "breach_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    breach_id: Mapped[int] = mapped_column(ForeignKey("breaches.id"), index=True)
    question: Mapped[str] = mapped_column(String(16))
    """A ``DecisionQuestion`` value."""
    notify: Mapped[bool] = mapped_column(Boolean())
    reason: Mapped[str] = mapped_column(Text())
    exception: Mapped[str | None] = mapped_column(String(32))
    """A ``PeopleException`` value: why people at high risk are not told one by one."""
    decided_at: Mapped[datetime] = mapped_column(DateTime())
    decided_by: Mapped[str] = mapped_column(String(200))
    breach: Mapped[Breach] = relationship(back_populates="decisions")


class BreachNotification(Base):
    """A notification made: to the authority (in phases), to the people, or to the public.
    Never changed."""

    __tablename__ = "breach_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    breach_id: Mapped[int] = mapped_column(ForeignKey("breaches.id"), index=True)
    audience: Mapped[str] = mapped_column(String(16))
    """An ``Audience`` value."""
    phase: Mapped[str] = mapped_column(String(16))
    """A ``NotificationPhase`` value."""
    sent_at: Mapped[datetime] = mapped_column(DateTime())
    recorded_at: Mapped[datetime] = mapped_column(DateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))
    authority_reference: Mapped[str | None] = mapped_column(String(200))
    """The authority's case number, once it gave one."""
    delay_reasons: Mapped[str | None] = mapped_column(Text())
    """Art. 33(1): why the authority was notified after 72 hours."""
    recipients: Mapped[int | None] = mapped_column(Integer())
    """To the people: how many messages were queued in the outbox."""
    content: Mapped[str] = mapped_column(Text())
    """What was sent, as sent."""
    breach: Mapped[Breach] = relationship(back_populates="notifications")


class RecordIsFinal(Exception):
    """A decision or a notification was about to be changed or removed (a bug)."""


def _refuse_change(_mapper: Any, _connection: Any, target: object) -> None:
    raise RecordIsFinal(f"{type(target).__name__} rows are never changed or removed: "
                        "record a new one")


for _model in (BreachDecision, BreachNotification):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
