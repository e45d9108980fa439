"""Queries on the outbox (Privet's database). Queueing and delivery are in ``mailer.py``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from privet.models.outbox import MessageKind, OutboxMessage


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


def recent_count(session: Session, *, to: str, kind: MessageKind, since: datetime) -> int:
    """How many messages of ``kind`` were written to ``to`` since ``since`` (rate limits)."""
    return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.to_address == to, OutboxMessage.kind == kind,
        OutboxMessage.created_at >= since)) or 0)
