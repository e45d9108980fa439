"""Queries on consent notices and receipts (Privet's own database)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.orm import Session

from privet.models.consent import ConsentNotice, ConsentReceipt

_RECEIPTS = cast(Table, ConsentReceipt.__table__)
_INSERT_RECEIPT = insert(_RECEIPTS)
"""Built once: with the values passed as parameters, SQLAlchemy reuses its compiled form."""


def add_receipt(session: Session, receipt: ConsentReceipt) -> None:
    """Write a receipt with one INSERT (Core, not the unit of work: a receipt is written once
    and this session never reads it back, and a banner on a busy site writes many)."""
    session.connection().execute(_INSERT_RECEIPT, {column.key: getattr(receipt, column.key)
                                                   for column in _RECEIPTS.columns
                                                   if column.key != "id"})


def latest_notice(session: Session) -> ConsentNotice | None:
    return session.scalars(
        select(ConsentNotice).order_by(ConsentNotice.version.desc()).limit(1)).first()


def notice_by_version(session: Session, version: int) -> ConsentNotice | None:
    return session.scalars(
        select(ConsentNotice).where(ConsentNotice.version == version)).first()


def notices(session: Session) -> Sequence[ConsentNotice]:
    return session.scalars(select(ConsentNotice).order_by(ConsentNotice.version)).all()


def receipts_of_subject(session: Session, subject_hash: str) -> Sequence[ConsentReceipt]:
    """A person's receipts, oldest first."""
    return session.scalars(select(ConsentReceipt)
                           .where(ConsentReceipt.subject_hash == subject_hash)
                           .order_by(ConsentReceipt.id)).all()


_DECISIONS = (select(_RECEIPTS.c.recorded_at, _RECEIPTS.c.receipt_id, _RECEIPTS.c.source,
                     _RECEIPTS.c.action, _RECEIPTS.c.categories, _RECEIPTS.c.purposes)
              .where(_RECEIPTS.c.subject_hash == bindparam("subject_hash"))
              .order_by(_RECEIPTS.c.id))


def decisions_of_subject(session: Session, subject_hash: str) -> Sequence[Any]:
    """What a person's receipts decided, oldest first, as plain rows (the hot path of "may I
    email?": no objects are built)."""
    return session.connection().execute(_DECISIONS, {"subject_hash": subject_hash}).all()


def all_receipts(session: Session) -> Iterator[ConsentReceipt]:
    """Every receipt in order, streamed (a server-side cursor on PostgreSQL)."""
    yield from session.scalars(
        select(ConsentReceipt).order_by(ConsentReceipt.id).execution_options(yield_per=1000))


def receipt_counts(session: Session) -> list[tuple[int, str, str, int]]:
    """(notice version, source, action, count) over every receipt."""
    rows = session.execute(
        select(ConsentReceipt.notice_version, ConsentReceipt.source, ConsentReceipt.action,
               func.count())
        .group_by(ConsentReceipt.notice_version, ConsentReceipt.source,
                  ConsentReceipt.action)
        .order_by(ConsentReceipt.notice_version, ConsentReceipt.source,
                  ConsentReceipt.action)).all()
    return [(int(v), str(s), str(a), int(n)) for v, s, a, n in rows]


def category_grants(session: Session, version: int) -> dict[str, tuple[int, int]]:
    """For one notice version's receipts: category → (granted, decided). Streamed: the
    JSON decisions are counted here rather than with each engine's own JSON functions."""
    totals: dict[str, tuple[int, int]] = {}
    for categories in session.scalars(
            select(ConsentReceipt.categories).where(ConsentReceipt.notice_version == version)
            .execution_options(yield_per=2000)):
        for key, granted in (categories or {}).items():
            yes, all_ = totals.get(key, (0, 0))
            totals[key] = (yes + bool(granted), all_ + 1)
    return totals
