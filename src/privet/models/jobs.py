"""Durable jobs: work that must survive a restart is a row here first.

A job is written in the same transaction as the state change that calls for it (a request
approved → ``execute_request``), so the two happen together or not at all. A runner (the
in-process one, or Celery workers) claims a job by taking a lease on it; a worker that
vanishes stops renewing its lease, and the sweep puts the job back in the queue. ``phase``
records how far a job got, so that a job run again resumes instead of starting over.
Times are UTC, stored without a zone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from privet.kit.db import Base


class JobState(StrEnum):
    """queued → running → done | failed (a running job whose lease ran out is queued again)."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Job(Base):
    """One unit of background work, named by ``kind`` and the thing it acts on."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "state", "run_after"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject_ref: Mapped[str | None] = mapped_column(String(64), index=True)
    """What the job acts on, e.g. a request's reference."""
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    """At most one job per key (one execution per request), however often it is asked for."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16))
    phase: Mapped[str | None] = mapped_column(String(64))
    """The last step the job finished; a job run again starts after it."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(DateTime())
    run_after: Mapped[datetime] = mapped_column(DateTime())
    """Not before then (a retry waits)."""
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime())
    """A running job's worker renews this; once it passes, the worker is taken as gone."""
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())
    last_error: Mapped[str | None] = mapped_column(Text())
