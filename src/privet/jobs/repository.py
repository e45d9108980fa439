"""Queries on the job table. Claims are single conditional UPDATEs, so two workers can
never both hold a job, whatever the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from privet.models.jobs import Job, JobState


def add(session: Session, job: Job) -> Job:
    session.add(job)
    session.flush()
    return job


def by_dedupe_key(session: Session, key: str) -> Job | None:
    return session.scalars(select(Job).where(Job.dedupe_key == key)).one_or_none()


def get(session: Session, job_id: int) -> Job | None:
    return session.get(Job, job_id)


def _claimable(now: datetime) -> object:
    return or_(
        and_(Job.state == JobState.queued.value, Job.run_after <= now),
        and_(Job.state == JobState.running.value, Job.lease_until < now),
    )


def claim(session: Session, job_id: int, *, worker: str, now: datetime,
          lease_until: datetime) -> bool:
    """Take the job if it is due, or its last worker's lease ran out."""
    result = session.execute(
        update(Job).where(Job.id == job_id, _claimable(now))  # type: ignore[arg-type]
        .values(state=JobState.running.value, claimed_by=worker, lease_until=lease_until,
                attempts=Job.attempts + 1)
        .execution_options(synchronize_session=False))
    return getattr(result, "rowcount", 0) == 1


def renew(session: Session, job_id: int, *, worker: str, lease_until: datetime) -> bool:
    result = session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.running.value,
                          Job.claimed_by == worker)
        .values(lease_until=lease_until).execution_options(synchronize_session=False))
    return getattr(result, "rowcount", 0) == 1


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    """Jobs a runner may claim now, oldest first."""
    return list(session.scalars(
        select(Job.id).where(_claimable(now))  # type: ignore[arg-type]
        .order_by(Job.run_after, Job.id).limit(limit)))


def abandoned(session: Session, now: datetime) -> list[Job]:
    """Running jobs whose worker stopped renewing its lease."""
    return list(session.scalars(
        select(Job).where(Job.state == JobState.running.value, Job.lease_until < now)
        .order_by(Job.id)))


def recent(session: Session, limit: int) -> list[Job]:
    return list(session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)))


def for_subject(session: Session, subject_ref: str) -> list[Job]:
    return list(session.scalars(
        select(Job).where(Job.subject_ref == subject_ref).order_by(Job.id)))
