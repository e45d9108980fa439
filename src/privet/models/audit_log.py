"""The hash-chained audit log: one row per state change of Privet, never updated or deleted.

Each entry carries the hash of the one before it and its own hash, an HMAC keyed with the
workspace secret over its content (see ``privet.audit.service``). ``sequence`` numbers the
entries 1, 2, 3… without gaps; it is unique, so two writers racing to append the same
number cannot both succeed (the chain cannot fork). ``details`` holds ids and counts, never
a person's data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from privet.kit.db import Base


class AuditEntry(Base):
    """One recorded state change: who did what to which thing, chained to the entry before."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, unique=True)
    """1, 2, 3… in the order the entries were written; no gaps."""
    occurred_at: Mapped[datetime] = mapped_column(DateTime())
    """UTC, stored without a zone so every database compares it the same way."""
    actor: Mapped[str] = mapped_column(String(200))
    """``cli``, ``system``, ``subject`` or ``admin:<name>``."""
    action: Mapped[str] = mapped_column(String(100))
    """What happened, e.g. ``request.received``, ``erasure.completed``."""
    subject_type: Mapped[str] = mapped_column(String(64))
    """What it is about, e.g. ``request``."""
    subject_id: Mapped[str] = mapped_column(String(200))
    """Which one, e.g. a request's reference."""
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Ids and counts; never personal values."""
    previous_hash: Mapped[str] = mapped_column(String(64))
    """The entry before's ``entry_hash`` (64 zeros for the first entry)."""
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """HMAC-SHA256 (hex) of this entry's content and ``previous_hash``."""
