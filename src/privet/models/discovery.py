"""Discovery scans: what each scan of the datastores found, and the findings it held
against the manifest, kept so the admin can show the latest and a DPO can compare.
Examples in findings are masked; no scanned value is stored whole. Times are UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from privet.kit.db import Base


class DiscoveryScan(Base):
    """One scan: its scope, its figures and its findings (as the report shows them)."""

    __tablename__ = "discovery_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    seconds: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(200))
    sample_rows: Mapped[int | None] = mapped_column(Integer)
    """Rows read per table; None for a full scan."""
    full: Mapped[bool] = mapped_column(Boolean)
    columns_scanned: Mapped[int] = mapped_column(Integer)
    values_scanned: Mapped[int] = mapped_column(BigInteger)
    bytes_scanned: Mapped[int] = mapped_column(BigInteger)
    broken_promises: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The whole result as JSON: columns with the types found, and the findings."""
