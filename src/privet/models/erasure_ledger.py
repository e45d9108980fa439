"""The erasure ledger: what every erasure changed, never the values it erased.

After a datastore is restored from a backup (the reference policies keep backups 12
months), ``privet requests replay-erasures --since DATE`` applies every erasure recorded
since then again. Identities are kept only as keyed hashes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from privet.kit.db import Base


class ErasureRecord(Base):
    """One erasure request (one person, or one batch of people)."""

    __tablename__ = "erasure_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    """UTC, stored without a zone so every database compares it the same way."""
    subjects: Mapped[int] = mapped_column(Integer)
    identity_hashes: Mapped[list[str]] = mapped_column(JSON)
    entries: Mapped[list[ErasureLedgerEntry]] = relationship(
        back_populates="record", order_by="ErasureLedgerEntry.id", cascade="all, delete-orphan"
    )


class ErasureLedgerEntry(Base):
    """Rows of one table deleted, or masked with the listed strategies."""

    __tablename__ = "erasure_ledger"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("erasure_records.id"), index=True)
    datastore: Mapped[str] = mapped_column(String(200))
    table_name: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(16))
    key_columns: Mapped[list[str]] = mapped_column(JSON)
    keys: Mapped[list[list[Any]]] = mapped_column(JSON)
    strategies: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON)
    record: Mapped[ErasureRecord] = relationship(back_populates="entries")
