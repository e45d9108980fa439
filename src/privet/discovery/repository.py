"""Queries on discovery scans (Privet's database)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from privet.models.discovery import DiscoveryScan


def add_scan(session: Session, scan: DiscoveryScan) -> None:
    session.add(scan)
    session.flush()


def get_scan(session: Session, scan_id: int) -> DiscoveryScan | None:
    return session.get(DiscoveryScan, scan_id)


def latest_scans(session: Session, limit: int) -> Sequence[DiscoveryScan]:
    return session.scalars(select(DiscoveryScan).order_by(DiscoveryScan.id.desc())
                           .limit(limit)).all()
