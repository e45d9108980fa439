"""Retention runs: one sweep of every rule, and the progress of each of its steps.

A run is fixed at its start (``as_of``: the moment the periods count back from), so a run
resumed after a crash acts on exactly the rows it would have acted on. Each step (a rule's
delete or anonymise pass over one table) keeps its cursor: the last primary key it
finished. A batch is written as ``pending`` in Privet's database before the datastore
commits it; a resumed run checks whether that batch's rows are gone, so no batch is ever
counted twice or lost from the report. Times are UTC, stored without a zone.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privet.kit.db import Base


class RunState(StrEnum):
    """running → completed | failed; a running run whose lease ran out can be resumed."""

    running = "running"
    completed = "completed"
    failed = "failed"


class StepState(StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"


class RetentionRun(Base):
    """One sweep of the retention rules."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    trigger: Mapped[str] = mapped_column(String(16))
    """`cli`, `schedule` or `admin`."""
    actor: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[datetime] = mapped_column(DateTime())
    """Periods count back from this moment, for the whole run, resumed or not."""
    batch_size: Mapped[int] = mapped_column(Integer)
    rules: Mapped[list[str]] = mapped_column(JSON)
    """The rule ids the run covers (all, or those asked for)."""
    started_at: Mapped[datetime] = mapped_column(DateTime())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime())
    """The process running it renews this after each batch; once past, another may resume."""
    resumed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text())
    steps: Mapped[list[RetentionStep]] = relationship(
        back_populates="run", order_by="RetentionStep.position", cascade="all, delete-orphan")

    @property
    def rows_deleted(self) -> int:
        return sum(s.rows for s in self.steps if s.action == "delete")

    @property
    def rows_anonymised(self) -> int:
        return sum(s.rows for s in self.steps if s.action == "anonymise")


class RetentionStep(Base):
    """One pass of one rule over one table: delete, or anonymise, the rows due."""

    __tablename__ = "retention_steps"
    __table_args__ = (UniqueConstraint("run_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("retention_runs.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(200))
    datastore: Mapped[str] = mapped_column(String(200))
    table_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))
    """`delete` or `anonymise`."""
    cutoff: Mapped[datetime] = mapped_column(DateTime())
    """Rows whose `from` is at or before this are due."""
    state: Mapped[str] = mapped_column(String(16))
    cursor: Mapped[list[Any] | None] = mapped_column(JSON)
    """The primary key of the last row of the last finished batch."""
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """A batch sent to the datastore whose commit is not yet recorded here."""
    rows: Mapped[int] = mapped_column(Integer, default=0)
    batches: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    longest_batch_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    started_at: Mapped[datetime | None] = mapped_column(DateTime())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime())
    error: Mapped[str | None] = mapped_column(Text())
    run: Mapped[RetentionRun] = relationship(back_populates="steps")
