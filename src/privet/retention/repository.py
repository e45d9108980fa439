"""Queries on retention runs and their steps (Privet's database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from privet.models.retention import RetentionRun, RetentionStep, RunState


def add_run(session: Session, run: RetentionRun) -> None:
    session.add(run)
    session.flush()


def get_run(session: Session, run_id: int, *, lock: bool = False) -> RetentionRun | None:
    query = select(RetentionRun).where(RetentionRun.id == run_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def get_step(session: Session, run_id: int, position: int) -> RetentionStep:
    return session.scalars(select(RetentionStep).where(
        RetentionStep.run_id == run_id, RetentionStep.position == position)).one()


def step_by_id(session: Session, step_id: int) -> RetentionStep:
    step = session.get(RetentionStep, step_id)
    assert step is not None, f"retention step {step_id} vanished"
    return step


def record_batch(session: Session, step_id: int, *, counted: tuple[int, list[Any], float] | None,
                 pending: dict[str, Any] | None) -> None:
    """One statement per batch: count a batch the datastore committed (rows, its last key
    as JSON, seconds), and set (or clear) the batch now pending."""
    values: dict[str, Any] = {"pending": pending}
    if counted is not None:
        rows, last, seconds = counted
        longest = RetentionStep.longest_batch_seconds
        values.update(rows=RetentionStep.rows + rows, batches=RetentionStep.batches + 1,
                      cursor=last, seconds=RetentionStep.seconds + seconds,
                      longest_batch_seconds=case((longest < seconds, seconds), else_=longest))
    session.execute(update(RetentionStep).where(RetentionStep.id == step_id).values(values))


def renew_lease(session: Session, run_id: int, *, worker: str, until: datetime) -> bool:
    """Extend the run's lease if ``worker`` still holds it."""
    result = session.execute(update(RetentionRun).where(
        RetentionRun.id == run_id, RetentionRun.claimed_by == worker,
        RetentionRun.state == RunState.running.value).values(lease_until=until))
    return bool(getattr(result, "rowcount", 0) == 1)


def latest_unfinished(session: Session) -> RetentionRun | None:
    return session.scalars(select(RetentionRun)
                           .where(RetentionRun.state == RunState.running.value)
                           .order_by(RetentionRun.id.desc()).limit(1)).first()


def recent_runs(session: Session, limit: int) -> Sequence[RetentionRun]:
    return session.scalars(select(RetentionRun).order_by(RetentionRun.id.desc())
                           .limit(limit)).all()


def latest_scheduled(session: Session) -> RetentionRun | None:
    return session.scalars(select(RetentionRun).where(RetentionRun.trigger == "schedule")
                           .order_by(RetentionRun.as_of.desc()).limit(1)).first()
