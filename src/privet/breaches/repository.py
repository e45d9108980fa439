"""Queries on the breach register (Privet's database)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from privet.models.breaches import Breach, BreachDecision, BreachNotification, BreachStatus


def add(session: Session, record: Breach | BreachDecision | BreachNotification) -> None:
    session.add(record)
    session.flush()


def by_reference(session: Session, reference: str, *, lock: bool = False) -> Breach | None:
    query = (select(Breach).where(Breach.reference == reference)
             .options(selectinload(Breach.decisions), selectinload(Breach.notifications)))
    if lock:
        # Locked, the row is read afresh: what an earlier unlocked read loaded may be stale.
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).one_or_none()


def last_number(session: Session, prefix: str) -> int:
    """The highest number of the references ``prefix`` starts (``BR-2026-`` → 41 for
    ``BR-2026-0041``); 0 when there is none. Longer references are larger numbers."""
    last = session.scalar(select(Breach.reference)
                          .where(Breach.reference.startswith(prefix))
                          .order_by(func.length(Breach.reference).desc(),
                                    Breach.reference.desc()).limit(1))
    suffix = (last or "").removeprefix(prefix)
    return int(suffix) if suffix.isdigit() else 0


def register(session: Session, *, include_closed: bool = True,
             limit: int = 500) -> Sequence[Breach]:
    """The breaches, open ones first, then the most recently discovered."""
    query = select(Breach).options(selectinload(Breach.decisions),
                                   selectinload(Breach.notifications))
    if not include_closed:
        query = query.where(Breach.status != BreachStatus.closed.value)
    closed_last = (Breach.status == BreachStatus.closed.value)
    return session.scalars(query.order_by(closed_last, Breach.discovered_at.desc(),
                                          Breach.id.desc()).limit(limit)).all()
