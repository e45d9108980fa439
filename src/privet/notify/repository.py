"""Queries on the outbox (Privet's database). Queueing and delivery are in ``mailer.py``."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from privet.models.outbox import OutboxMessage


def newest_messages(session: Session, *, limit: int, offset: int) -> list[OutboxMessage]:
    """One page of the outbox, newest first."""
    return list(session.scalars(
        select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit).offset(offset)))


def count_messages(session: Session) -> int:
    """How many messages the outbox holds, whatever their status."""
    return int(session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)


def messages_about(session: Session, reference: str) -> list[OutboxMessage]:
    """The messages about one thing (a request's reference), oldest first."""
    return list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.reference == reference)
        .order_by(OutboxMessage.created_at, OutboxMessage.id)))
