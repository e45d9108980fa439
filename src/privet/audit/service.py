"""The audit log's rules: appending a chained entry, and verifying the chain.

Each entry's hash is an HMAC-SHA256 over its canonical content (sequence, time, actor,
action, subject, details) and the previous entry's hash. The HMAC key is derived from the
workspace secret (``PRIVET_SECRET_KEY``), so someone who can write to the database but does
not hold the key cannot rewrite an entry and rebuild a chain that verifies.

What the chain detects: an edited entry (its hash no longer matches its content), a removed
entry (a gap in ``sequence``, or a broken link), entries put in another order, an entry
whose hash was recomputed without the key. What it cannot detect on its own: the newest
entries removed from the end (or the whole log emptied). ``verify_chain`` reports the
head (last sequence and hash) so an operator can record it elsewhere and compare later.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from privet.audit import repository
from privet.kit.clock import utc_naive
from privet.kit.errors import ConfigurationError, PrivetError
from privet.models.audit_log import AuditEntry

GENESIS_HASH = "0" * 64
"""The ``previous_hash`` of the first entry."""

# The workspace secret also keys the erasure ledger's identity hashes; the audit log uses a
# key derived from it for this one purpose, so a hash made for one can never pass as the other.
_KEY_PURPOSE = b"privet audit log v1"

_ACTOR = re.compile(r"(cli|system|subject|admin:\S+)")
_ACTION = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
_LIMITS = {"actor": 200, "action": 100, "subject_type": 64, "subject_id": 200}


class AuditError(PrivetError):
    """An audit entry cannot be written as asked (a programming error in the caller)."""

    http_status = 500


class AuditConflict(AuditError):
    """Another transaction appended to the audit log at the same moment."""

    http_status = 409


class ChainProblem(NamedTuple):
    """One thing wrong with the chain, at the entry numbered ``sequence``."""

    sequence: int
    what: str


class ChainHead(NamedTuple):
    """The last entry: record it outside Privet to detect later truncation of the log."""

    sequence: int
    entry_hash: str


@dataclass(frozen=True)
class ChainReport:
    """The result of ``verify_chain``."""

    entries_checked: int
    problems: list[ChainProblem] = field(default_factory=list)
    """The first problems found, in sequence order (at most ``max_problems``)."""
    problem_count: int = 0
    """Every problem found, including those not listed."""
    hash_mismatches: int = 0
    head: ChainHead | None = None

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def no_hash_matches(self) -> bool:
        """Every entry fails its hash check: most likely not the key that wrote the log."""
        return self.entries_checked > 0 and self.hash_mismatches == self.entries_checked


def audit_key(secret: bytes) -> bytes:
    """The HMAC key of the audit log, derived from the workspace secret."""
    if not secret:
        raise ConfigurationError("the audit log needs the workspace secret to hash entries",
                                 hint="set PRIVET_SECRET_KEY (or secret_key in privet.toml)")
    return hmac.new(secret, _KEY_PURPOSE, hashlib.sha256).digest()


def canonical_content(*, sequence: int, occurred_at: datetime, actor: str, action: str,
                      subject_type: str, subject_id: str, details: Any,
                      previous_hash: str) -> bytes:
    """The bytes an entry's hash covers: sorted-key compact JSON, UTF-8, ISO time."""
    return json.dumps(
        {"sequence": sequence, "occurred_at": occurred_at.isoformat(), "actor": actor,
         "action": action, "subject_type": subject_type, "subject_id": subject_id,
         "details": details, "previous_hash": previous_hash},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False,
    ).encode("utf-8")


def _hash(key: bytes, **content: Any) -> str:
    return hmac.new(key, canonical_content(**content), hashlib.sha256).hexdigest()




def _stored_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """``details`` exactly as the database will give them back (JSON types, text keys), so
    the hash computed now is the hash recomputed when verifying."""
    if details is None:
        return {}
    if not isinstance(details, Mapping):
        raise AuditError(f"audit details must be a mapping, not {type(details).__name__}")
    try:
        text = json.dumps(dict(details), ensure_ascii=False, allow_nan=False)
        text.encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise AuditError(f"audit details must be plain JSON (ids and counts): {exc}") from exc
    stored: dict[str, Any] = json.loads(text)
    return stored


def _check_fields(**fields: str) -> None:
    for name, value in fields.items():
        if not isinstance(value, str) or not value:
            raise AuditError(f"audit entry {name} must be non-empty text, not {value!r}")
        if len(value) > _LIMITS[name]:
            raise AuditError(f"audit entry {name} is longer than {_LIMITS[name]} characters")
    if not _ACTOR.fullmatch(fields["actor"]):
        raise AuditError(f"unknown audit actor {fields['actor']!r}",
                         hint="cli, system, subject or admin:<name>")
    if not _ACTION.fullmatch(fields["action"]):
        raise AuditError(f"audit action {fields['action']!r} is not dotted lowercase",
                         hint="e.g. request.received, erasure.completed")


def append_entry(
    session: Session,
    *,
    secret: bytes,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    details: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain in the caller's transaction; flushes, never commits.

    ``details`` must hold ids and counts, never a person's data: the log is kept for years
    and is not erased with the person. Values that are not plain JSON are refused, never
    turned into text.

    Concurrent appenders: on PostgreSQL the chain's advisory lock is taken first, so a
    second appender waits until the first transaction ends and then appends after its
    entry (the last entry is also read ``FOR UPDATE``; on its own that would not do, since
    under READ COMMITTED the waiting reader is handed the old last entry again). The lock is
    held until the caller commits: keep the transaction short after appending. SQLite has
    one writer at a time. Whatever slips through (two SQLite connections that read the same
    last entry, a REPEATABLE READ transaction, a writer that bypasses this function) meets
    the unique constraint on ``sequence``: the second writer fails with ``AuditConflict``,
    its whole transaction is rolled back, and the chain never forks.
    """
    key = audit_key(secret)
    _check_fields(actor=actor, action=action, subject_type=subject_type, subject_id=subject_id)
    stored_details = _stored_details(details)
    occurred_at = utc_naive(now or datetime.now(UTC))
    # The caller's own pending changes first: their errors are theirs, not a conflict here.
    session.flush()
    repository.lock_chain(session)
    last = repository.last_entry(session, lock=True)
    sequence = 1 if last is None else last.sequence + 1
    previous_hash = GENESIS_HASH if last is None else last.entry_hash
    content: dict[str, Any] = {
        "sequence": sequence, "occurred_at": occurred_at, "actor": actor, "action": action,
        "subject_type": subject_type, "subject_id": subject_id, "details": stored_details,
        "previous_hash": previous_hash,
    }
    entry = AuditEntry(**content, entry_hash=_hash(key, **content))
    repository.add_entry(session, entry)
    try:
        session.flush()
    except IntegrityError as exc:
        raise AuditConflict(
            f"another change was written to the audit log at the same time (entry {sequence})",
            hint="nothing was saved; run the operation again") from exc
    return entry


def verify_chain(session: Session, *, secret: bytes, batch_size: int = 1000,
                 max_problems: int = 1000) -> ChainReport:
    """Check every entry's hash and its link to the one before, in sequence order.

    Entries are streamed ``batch_size`` at a time; memory stays flat however long the log
    (the problems listed are capped at ``max_problems``; ``problem_count`` has them all).
    """
    key = audit_key(secret)
    problems: list[ChainProblem] = []
    count = 0
    mismatches = 0

    def report(sequence: int, what: str) -> None:
        nonlocal count
        count += 1
        if len(problems) < max_problems:
            problems.append(ChainProblem(sequence, what))

    checked = 0
    previous: repository.StoredEntry | None = None
    entries = repository.stream_entries(session, batch_size=batch_size)
    while True:
        after = 0 if previous is None else previous.sequence
        try:
            entry = next(entries)
        except StopIteration:
            break
        except (SQLAlchemyError, ValueError, TypeError) as exc:
            # A value the database cannot give back as stored (SQLite keeps any text in any
            # column): the stream cannot go on past it.
            report(after + 1, f"the log cannot be read after entry {after} "
                              f"({type(exc).__name__}: {exc})")
            break
        checked += 1
        unreadable = _unreadable_field(entry)
        if unreadable:
            report(after + 1, f"an entry after entry {after} was edited (its {unreadable} "
                              "is not of its type)")
            mismatches += 1
            continue
        number = entry.sequence
        if not hmac.compare_digest(_stored_hash(key, entry), entry.entry_hash):
            mismatches += 1
            report(number, f"entry {number} was edited (its hash does not match its content)")
        if previous is None:
            if number > 1:
                missing = "entry 1 is" if number == 2 else f"entries 1 to {number - 1} are"
                report(number, f"{missing} missing (the log starts at entry {number})")
            elif number < 1:
                report(number, f"entries out of order: the log starts at entry {number}, not 1")
            elif entry.previous_hash != GENESIS_HASH:
                report(number, "entry 1 does not start the chain (its previous hash is not "
                               "zeros)")
        else:
            before = previous.sequence
            if entry.id < previous.id:
                report(number, f"entries out of order: entry {number} was written before "
                               f"entry {before}")
            if number == before:
                report(number, f"entry {number} appears more than once")
            elif number > before + 1:
                missing = (f"entry {before + 1} is" if number == before + 2
                           else f"entries {before + 1} to {number - 1} are")
                report(number, f"{missing} missing (sequence jumps from {before} to {number})")
            elif entry.previous_hash != previous.entry_hash:
                report(number, f"entry {number} does not follow entry {before} "
                               "(previous hash differs)")
        previous = entry
    head = None if previous is None else ChainHead(previous.sequence, previous.entry_hash)
    return ChainReport(entries_checked=checked, problems=problems, problem_count=count,
                       hash_mismatches=mismatches, head=head)


# Fields the checks of order and links rest on; any other value that is not of its type
# (SQLite keeps anything anywhere) fails the hash check like any other edit.
_FIELD_TYPES: dict[str, type] = {
    "id": int, "sequence": int, "previous_hash": str, "entry_hash": str,
}


def _unreadable_field(entry: repository.StoredEntry) -> str | None:
    for name, kind in _FIELD_TYPES.items():
        value = getattr(entry, name)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return name
    return None


def _stored_hash(key: bytes, entry: repository.StoredEntry) -> str:
    """The hash ``entry`` should carry; an empty string when its content cannot be hashed
    (details that are not plain JSON), which matches no stored hash."""
    try:
        return _hash(key, sequence=entry.sequence, occurred_at=entry.occurred_at,
                     actor=entry.actor, action=entry.action, subject_type=entry.subject_type,
                     subject_id=entry.subject_id, details=entry.details,
                     previous_hash=entry.previous_hash)
    except (TypeError, ValueError, AttributeError):
        return ""


def latest_entries(session: Session, *, limit: int = 20) -> list[AuditEntry]:
    """The newest ``limit`` entries, oldest first (as ``tail`` shows a file)."""
    if limit < 1:
        raise AuditError(f"the number of entries to show must be at least 1, not {limit}")
    return repository.latest_entries(session, limit=limit)
