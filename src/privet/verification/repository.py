"""Queries on verification challenges (Privet's database)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from privet.models.verification import VerificationChallenge


def add_challenge(session: Session, challenge: VerificationChallenge) -> VerificationChallenge:
    session.add(challenge)
    session.flush()
    return challenge


def newest_challenge(
    session: Session, *, subject_ref: str, purpose: str, kind: str
) -> VerificationChallenge | None:
    """The live challenge of ``kind`` for (subject_ref, purpose): the newest one; older
    ones are superseded whether consumed or not."""
    return session.scalar(
        select(VerificationChallenge)
        .where(VerificationChallenge.subject_ref == subject_ref,
               VerificationChallenge.purpose == purpose,
               VerificationChallenge.kind == kind)
        .order_by(VerificationChallenge.id.desc())
        .limit(1))


def issued_since(
    session: Session, *, subject_ref: str, kind: str, since: datetime
) -> tuple[int, datetime | None]:
    """How many challenges of ``kind`` were issued for ``subject_ref`` (any purpose) after
    ``since``, and when the oldest of them was."""
    count, oldest = session.execute(
        select(func.count(VerificationChallenge.id), func.min(VerificationChallenge.created_at))
        .where(VerificationChallenge.subject_ref == subject_ref,
               VerificationChallenge.kind == kind,
               VerificationChallenge.created_at > since)).one()
    return int(count), oldest


def reserve_attempt(session: Session, challenge: VerificationChallenge) -> bool:
    """Count one check against ``challenge``, if it is unconsumed and has attempts left.
    The database does the test and the increment in one statement, so that guesses made
    at the same moment cannot together exceed ``max_attempts``."""
    reserved = session.execute(
        update(VerificationChallenge)
        .where(VerificationChallenge.id == challenge.id,
               VerificationChallenge.consumed_at.is_(None),
               VerificationChallenge.attempts < VerificationChallenge.max_attempts)
        .values(attempts=VerificationChallenge.attempts + 1)
        .execution_options(synchronize_session=False))
    session.expire(challenge)
    return _changed(reserved) == 1


def consume(session: Session, challenge: VerificationChallenge, now: datetime) -> bool:
    """Mark ``challenge`` used, if nobody has yet (one statement: two checks at the same
    moment cannot both succeed)."""
    consumed = session.execute(
        update(VerificationChallenge)
        .where(VerificationChallenge.id == challenge.id,
               VerificationChallenge.consumed_at.is_(None))
        .values(consumed_at=now)
        .execution_options(synchronize_session=False))
    session.expire(challenge)
    return _changed(consumed) == 1


def _changed(result: object) -> int:
    rowcount: int = result.rowcount  # type: ignore[attr-defined]
    return rowcount
