"""Time as Privet stores it: UTC wall-clock time without a zone, so every database
compares it the same way."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_naive(moment: datetime | None = None) -> datetime:
    """``moment`` (default: now) in UTC without a zone; a naive one is taken as UTC
    already."""
    value = moment if moment is not None else datetime.now(UTC)
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def utc_aware(moment: datetime) -> datetime:
    """``moment`` with its zone; a naive one is taken as UTC already (as Privet stores
    times)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
