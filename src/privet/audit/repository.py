"""Queries on the audit log (Privet's database). The rules are in ``service.py``."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import String, Text, func, select, type_coerce
from sqlalchemy.orm import Session

from privet.models.audit_log import AuditEntry


class StoredEntry(NamedTuple):
    """One row as stored, read without the ORM's identity map (verification streams them)."""

    id: int
    sequence: int
    occurred_at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    details: Any
    previous_hash: str
    entry_hash: str


# One number for "the audit chain" among PostgreSQL's advisory locks (the first 8 bytes of
# SHA-256("privet.audit_log"), as a signed bigint).
CHAIN_LOCK = int.from_bytes(hashlib.sha256(b"privet.audit_log").digest()[:8], "big",
                            signed=True)


def lock_chain(session: Session) -> None:
    """On PostgreSQL, take the chain's transaction-level advisory lock: a second appender
    waits here until the first transaction ends, and its next statement then sees the entry
    the first one added. SQLite has no such lock (and one writer at a time)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK)))


def last_entry(session: Session, *, lock: bool) -> AuditEntry | None:
    """The entry with the highest sequence; with ``lock``, read ``FOR UPDATE`` where the
    database supports it (PostgreSQL; SQLite ignores it)."""
    statement = select(AuditEntry).order_by(AuditEntry.sequence.desc()).limit(1)
    if lock:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def add_entry(session: Session, entry: AuditEntry) -> None:
    session.add(entry)


class Unreadable:
    """A stored value that is not what its column declares (SQLite keeps any text in any
    column): it hashes to nothing, so the entry shows as edited."""

    def __repr__(self) -> str:
        return "<unreadable>"


UNREADABLE = Unreadable()


def stream_entries(session: Session, *, batch_size: int) -> Iterator[StoredEntry]:
    """Every entry in sequence order, fetched ``batch_size`` rows at a time (a server-side
    cursor on PostgreSQL), so memory does not grow with the log.

    On SQLite the time and the details are read as text and decoded here, row by row: a
    value that does not decode is one edited entry, not an error that ends the stream.
    PostgreSQL refuses such values when they are written.
    """
    as_text = session.get_bind().dialect.name == "sqlite"
    occurred_at = (type_coerce(AuditEntry.occurred_at, String) if as_text
                   else AuditEntry.occurred_at)
    details = type_coerce(AuditEntry.details, Text) if as_text else AuditEntry.details
    columns = [AuditEntry.id, AuditEntry.sequence, occurred_at, AuditEntry.actor,
               AuditEntry.action, AuditEntry.subject_type, AuditEntry.subject_id,
               details, AuditEntry.previous_hash, AuditEntry.entry_hash]
    statement = (select(*columns).order_by(AuditEntry.sequence, AuditEntry.id)
                 .execution_options(yield_per=batch_size))
    for row in session.execute(statement):
        entry = StoredEntry._make(row)
        if as_text:
            entry = entry._replace(occurred_at=_datetime(entry.occurred_at),
                                   details=_json(entry.details))
        yield entry


def _datetime(value: Any) -> Any:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        return UNREADABLE


def _json(value: Any) -> Any:
    try:
        return json.loads(value) if isinstance(value, str) else UNREADABLE
    except ValueError:
        return UNREADABLE


def latest_entries(session: Session, *, limit: int) -> list[AuditEntry]:
    """The ``limit`` entries with the highest sequences, oldest first."""
    newest_first = session.scalars(
        select(AuditEntry).order_by(AuditEntry.sequence.desc()).limit(limit)).all()
    return list(reversed(newest_first))


def entries_about(session: Session, *, subject_type: str, subject_id: str) -> list[AuditEntry]:
    """The entries about one thing (e.g. one request), in the order they were written."""
    return list(session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.sequence)))
