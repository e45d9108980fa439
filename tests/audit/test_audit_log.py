"""The audit log: a chain of keyed hashes that shows an edited, removed, reordered or forged
entry, on SQLite and PostgreSQL, through the service and through `privet audit`."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from privet.audit import AuditConflict, AuditError, append_entry, verify_chain
from privet.audit.service import GENESIS_HASH, audit_key, canonical_content
from privet.cli import app
from privet.kit.db import create_database_engine, dispose, open_database, session_scope
from privet.models.audit_log import AuditEntry

SECRET = b"a long random workspace secret for the tests"
START = datetime(2026, 3, 1, 9, 0)
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PRIVET_DIR", "PRIVET_MANIFEST", "PRIVET_SECRET_KEY", "PRIVET_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'privet.db'}"
    postgres: str = request.getfixturevalue("postgres_url")
    return postgres


@pytest.fixture
def sessions(url: str) -> Iterator[sessionmaker[Session]]:
    factory = open_database(url)
    yield factory
    dispose(factory)


ACTORS = ["cli", "system", "admin:jane", "subject"]
ACTIONS = ["request.received", "request.verified", "erasure.completed", "consent.recorded"]


def fill(sessions: sessionmaker[Session], count: int = 20) -> None:
    """``count`` entries, a few per transaction, as several commands would write them."""
    for first in range(0, count, 3):
        with session_scope(sessions) as session:
            for i in range(first, min(first + 3, count)):
                append_entry(session, secret=SECRET, actor=ACTORS[i % 4],
                             action=ACTIONS[i % 4], subject_type="request",
                             subject_id=f"R-{i:04d}-é",
                             details={"rows": i, "tables": ["people", "orders"], "ratio": i / 7},
                             now=START + timedelta(minutes=i, microseconds=i * 7))


def raw(url: str, statement: str, **params: Any) -> None:
    """What someone with write access to the database, and no key, can do."""
    engine = create_database_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text(statement), params)
    finally:
        engine.dispose()


def verify(sessions: sessionmaker[Session], secret: bytes = SECRET, **options: int) -> Any:
    with session_scope(sessions) as session:
        return verify_chain(session, secret=secret, **options)


def problems(sessions: sessionmaker[Session]) -> list[tuple[int, str]]:
    report = verify(sessions)
    assert report.problem_count == len(report.problems)
    return [tuple(problem) for problem in report.problems]


# -------------------------------------------------------------------------- an intact chain


def test_twenty_entries_make_an_intact_chain(sessions: sessionmaker[Session]) -> None:
    fill(sessions)
    with session_scope(sessions) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.sequence for e in entries] == list(range(1, 21))
    assert entries[0].previous_hash == GENESIS_HASH
    assert all(later.previous_hash == earlier.entry_hash
               for earlier, later in itertools.pairwise(entries))
    assert len({e.entry_hash for e in entries}) == 20
    for options in ({}, {"batch_size": 3}):
        report = verify(sessions, **options)
        assert report.ok and report.problems == []
        assert report.entries_checked == 20
        assert report.head == (20, entries[-1].entry_hash)


def test_the_hashes_are_keyed(sessions: sessionmaker[Session]) -> None:
    fill(sessions, 5)
    report = verify(sessions, secret=b"another key")
    assert not report.ok
    assert report.no_hash_matches
    assert [p.sequence for p in report.problems] == [1, 2, 3, 4, 5]


def test_an_empty_log_is_intact(sessions: sessionmaker[Session]) -> None:
    report = verify(sessions)
    assert report.ok and report.entries_checked == 0 and report.head is None


# ------------------------------------------------------------------------------ tampering


@pytest.mark.parametrize("change", [
    "details = '{\"rows\": 99, \"tables\": [\"people\", \"orders\"], \"ratio\": 1.0}'",
    "actor = 'system'",
    "action = 'request.rejected'",
    "subject_id = 'R-9999'",
    "occurred_at = '2020-01-01 00:00:00'",
    "previous_hash = '" + "1" * 64 + "'",
])
def test_an_edited_entry_is_named(sessions: sessionmaker[Session], url: str,
                                  change: str) -> None:
    fill(sessions)
    raw(url, f"UPDATE audit_log SET {change} WHERE sequence = 7")
    found = problems(sessions)
    assert (7, "entry 7 was edited (its hash does not match its content)") in found
    # Only entry 7 is named: its own stored hash still links entry 8.
    assert {sequence for sequence, _ in found} == {7}


def test_a_removed_entry_is_named(sessions: sessionmaker[Session], url: str) -> None:
    fill(sessions)
    raw(url, "DELETE FROM audit_log WHERE sequence = 12")
    assert problems(sessions) == [(13, "entry 12 is missing (sequence jumps from 11 to 13)")]


def test_removed_runs_and_a_removed_first_entry_are_named(sessions: sessionmaker[Session],
                                                          url: str) -> None:
    fill(sessions)
    raw(url, "DELETE FROM audit_log WHERE sequence IN (1, 5, 6, 7)")
    assert problems(sessions) == [
        (2, "entry 1 is missing (the log starts at entry 2)"),
        (8, "entries 5 to 7 are missing (sequence jumps from 4 to 8)"),
    ]


def test_a_removed_entry_renumbered_to_hide_the_gap_is_found(
        sessions: sessionmaker[Session], url: str) -> None:
    fill(sessions)
    raw(url, "DELETE FROM audit_log WHERE sequence = 20")
    raw(url, "DELETE FROM audit_log WHERE sequence = 12")
    for sequence in range(13, 20):
        raw(url, "UPDATE audit_log SET sequence = :new WHERE sequence = :old",
            new=sequence - 1, old=sequence)
    found = problems(sessions)
    assert (12, "entry 12 does not follow entry 11 (previous hash differs)") in found
    assert (12, "entry 12 was edited (its hash does not match its content)") in found


def test_swapped_sequences_are_reported(sessions: sessionmaker[Session], url: str) -> None:
    fill(sessions)
    raw(url, "UPDATE audit_log SET sequence = -5 WHERE sequence = 5")
    raw(url, "UPDATE audit_log SET sequence = 5 WHERE sequence = 6")
    raw(url, "UPDATE audit_log SET sequence = 6 WHERE sequence = -5")
    found = problems(sessions)
    assert (6, "entries out of order: entry 6 was written before entry 5") in found
    assert (5, "entry 5 was edited (its hash does not match its content)") in found
    assert (6, "entry 6 was edited (its hash does not match its content)") in found


def test_rows_moved_in_the_written_order_are_reported(sessions: sessionmaker[Session],
                                                      url: str) -> None:
    """Swapping the rows' ids moves whole entries, hashes and all: only the order shows."""
    fill(sessions)
    with session_scope(sessions) as session:
        ids = {sequence: id for sequence, id in session.execute(
            select(AuditEntry.sequence, AuditEntry.id))}
    raw(url, "UPDATE audit_log SET id = -1 WHERE id = :id", id=ids[5])
    raw(url, "UPDATE audit_log SET id = :new WHERE id = :old", new=ids[5], old=ids[6])
    raw(url, "UPDATE audit_log SET id = :new WHERE id = -1", new=ids[6])
    assert problems(sessions) == [
        (6, "entries out of order: entry 6 was written before entry 5")]


@pytest.mark.parametrize("forger", ["plain SHA-256", "HMAC with the key"])
def test_a_chain_rebuilt_without_the_key_is_detected(sessions: sessionmaker[Session], url: str,
                                                     forger: str) -> None:
    """Edit entry 9 and rebuild every hash after it, knowing the format but not the key.
    The same forgery made with the key passes: the key is what the check rests on."""
    fill(sessions)
    with session_scope(sessions) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.sequence)).all()
    previous_hash = entries[7].entry_hash
    for entry in entries[8:]:
        details = {"rows": 0} if entry.sequence == 9 else entry.details
        content = canonical_content(
            sequence=entry.sequence, occurred_at=entry.occurred_at, actor=entry.actor,
            action=entry.action, subject_type=entry.subject_type, subject_id=entry.subject_id,
            details=details, previous_hash=previous_hash)
        forged = (hashlib.sha256(content).hexdigest() if forger == "plain SHA-256"
                  else hmac.new(audit_key(SECRET), content, hashlib.sha256).hexdigest())
        raw(url, "UPDATE audit_log SET details = :details, previous_hash = :previous, "
                 "entry_hash = :hash WHERE sequence = :sequence",
            details=json.dumps(details), previous=previous_hash, hash=forged,
            sequence=entry.sequence)
        previous_hash = forged
    found = problems(sessions)
    if forger == "HMAC with the key":
        assert found == []
    else:
        assert found == [(n, f"entry {n} was edited (its hash does not match its content)")
                         for n in range(9, 21)]


def test_unreadable_values_are_reported_not_raised(tmp_path: Path) -> None:
    """SQLite keeps any text in any column; verifying still answers."""
    url = f"sqlite:///{tmp_path / 'privet.db'}"
    sessions = open_database(url)
    try:
        fill(sessions)
        raw(url, "UPDATE audit_log SET actor = X'00ff' WHERE sequence = 3")
        raw(url, "UPDATE audit_log SET details = '{\"rows\": NaN}' WHERE sequence = 4")
        raw(url, "UPDATE audit_log SET details = 'not json' WHERE sequence = 9")
        raw(url, "UPDATE audit_log SET occurred_at = 'yesterday' WHERE sequence = 15")
        raw(url, "UPDATE audit_log SET sequence = 'x' WHERE sequence = 20")
        report = verify(sessions)
    finally:
        dispose(sessions)
    assert not report.ok
    assert report.entries_checked == 20
    edited = [(n, f"entry {n} was edited (its hash does not match its content)")
              for n in (3, 4, 9, 15)]
    assert [tuple(problem) for problem in report.problems] == [
        *edited, (20, "an entry after entry 19 was edited (its sequence is not of its type)")]


# --------------------------------------------------------------------------- what is written


def test_an_entry_holds_exactly_what_it_was_given(sessions: sessionmaker[Session],
                                                  url: str) -> None:
    paris = timezone(timedelta(hours=2))
    given = {"request": "R-0001", "datastores": ("app", "crm"), "rows": 3}
    with session_scope(sessions) as session:
        entry = append_entry(session, secret=SECRET, actor="admin:jane",
                             action="erasure.completed", subject_type="request",
                             subject_id="R-0001", details=given,
                             now=datetime(2026, 3, 1, 14, 30, 5, 123456, tzinfo=paris))
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            row = connection.execute(sa.text("SELECT * FROM audit_log")).mappings().one()
    finally:
        engine.dispose()
    stored = dict(row)
    details = stored.pop("details")
    assert (json.loads(details) if isinstance(details, str) else details) == {
        "request": "R-0001", "datastores": ["app", "crm"], "rows": 3}
    occurred_at = stored.pop("occurred_at")
    assert str(occurred_at).replace("T", " ") == "2026-03-01 12:30:05.123456"  # UTC
    assert stored == {"id": entry.id, "sequence": 1, "actor": "admin:jane",
                      "action": "erasure.completed", "subject_type": "request",
                      "subject_id": "R-0001", "previous_hash": GENESIS_HASH,
                      "entry_hash": entry.entry_hash}
    assert len(entry.entry_hash) == 64 and int(entry.entry_hash, 16) >= 0
    text = json.dumps({k: str(v) for k, v in row.items()})
    assert SECRET.decode() not in text


class Person:
    def __repr__(self) -> str:
        return "Person(email='jane@example.com')"


@pytest.mark.parametrize("details", [
    {"person": Person()},
    {"when": datetime(2026, 1, 1, tzinfo=UTC)},
    {"ratio": float("nan")},
])
def test_details_that_are_not_plain_json_are_refused_not_stringified(
        sessions: sessionmaker[Session], details: dict[str, Any]) -> None:
    with pytest.raises(AuditError, match="plain JSON"), session_scope(sessions) as session:
        append_entry(session, secret=SECRET, actor="system", action="request.received",
                     subject_type="request", subject_id="R-1", details=details)
    with session_scope(sessions) as session:
        assert session.scalars(select(AuditEntry)).all() == []


@pytest.mark.parametrize(("field", "value"), [
    ("actor", "root"), ("actor", "admin:"), ("actor", ""),
    ("action", "Request Received"), ("action", "received"),
    ("subject_id", ""), ("subject_type", "x" * 65),
])
def test_malformed_entries_are_refused(sessions: sessionmaker[Session], field: str,
                                       value: str) -> None:
    fields = {"actor": "cli", "action": "request.received", "subject_type": "request",
              "subject_id": "R-1", field: value}
    with pytest.raises(AuditError), session_scope(sessions) as session:
        append_entry(session, secret=SECRET, **fields)


def test_append_never_commits(sessions: sessionmaker[Session]) -> None:
    session = sessions()
    try:
        append_entry(session, secret=SECRET, actor="cli", action="request.received",
                     subject_type="request", subject_id="R-1")
        session.rollback()
    finally:
        session.close()
    with session_scope(sessions) as session:
        assert session.scalars(select(AuditEntry)).all() == []


# ------------------------------------------------------------------------------ concurrency


def test_racing_appenders_never_fork_the_chain(sessions: sessionmaker[Session],
                                               url: str) -> None:
    """A second appender that read the last entry while the first was not yet committed:
    on PostgreSQL it waits for the chain's lock and appends after the first; on SQLite it
    fails with AuditConflict (the unique sequence). Never two entries 4."""
    fill(sessions, 3)
    engine = sessions.kw["bind"]
    assert isinstance(engine, sa.Engine)
    read_last = threading.Event()

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM audit_log" in statement and threading.current_thread().name == "second":
            read_last.set()

    event.listen(engine, "after_cursor_execute", on_execute)
    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            with session_scope(sessions) as session:
                append_entry(session, secret=SECRET, actor="system",
                             action="request.verified", subject_type="request",
                             subject_id="R-second")
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    first = sessions()
    try:
        append_entry(first, secret=SECRET, actor="cli", action="request.received",
                     subject_type="request", subject_id="R-first")
        racer = threading.Thread(target=second, name="second")
        racer.start()
        if engine.dialect.name == "postgresql":
            _wait_until_blocked(url)  # on the chain's lock
        else:
            assert read_last.wait(5)  # it read entry 3 as the last; its insert now waits
            time.sleep(0.2)
        first.commit()
    finally:
        first.close()
    racer.join(15)
    event.remove(engine, "after_cursor_execute", on_execute)
    with session_scope(sessions) as session:
        written = session.execute(select(AuditEntry.sequence, AuditEntry.subject_id)
                                  .where(AuditEntry.sequence > 3)
                                  .order_by(AuditEntry.sequence)).all()
    if engine.dialect.name == "postgresql":
        assert outcome == [None]
        assert [tuple(row) for row in written] == [(4, "R-first"), (5, "R-second")]
    else:
        assert len(outcome) == 1 and isinstance(outcome[0], AuditConflict), outcome
        assert [tuple(row) for row in written] == [(4, "R-first")]
    assert verify(sessions).ok


def test_a_stale_snapshot_fails_instead_of_forking(postgres_url: str) -> None:
    """REPEATABLE READ keeps the snapshot from before the other append: the lock cannot help,
    the unique sequence refuses the second entry 4."""
    sessions = open_database(postgres_url)
    try:
        fill(sessions, 3)
        stale = sessions()
        try:
            stale.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            assert stale.scalar(select(sa.func.count()).select_from(AuditEntry)) == 3
            with session_scope(sessions) as session:
                append_entry(session, secret=SECRET, actor="cli", action="request.received",
                             subject_type="request", subject_id="R-first")
            with pytest.raises(AuditConflict, match="at the same time"):
                append_entry(stale, secret=SECRET, actor="system", action="request.verified",
                             subject_type="request", subject_id="R-stale")
            stale.rollback()
        finally:
            stale.close()
        report = verify(sessions)
        assert report.ok and report.entries_checked == 4
    finally:
        dispose(sessions)


def _wait_until_blocked(url: str) -> None:
    engine = create_database_engine(url)
    try:
        for _ in range(100):
            with engine.connect() as connection:
                waiting = connection.scalar(sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'"))
            if waiting:
                return
            time.sleep(0.05)
        raise AssertionError("the second appender never waited for the first")
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------- the CLI


@pytest.fixture
def workspace(tmp_path: Path, url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    monkeypatch.setenv("PRIVET_DATABASE_URL", url)
    monkeypatch.setenv("PRIVET_SECRET_KEY", SECRET.decode())
    return root


def test_audit_verify_exit_codes(workspace: Path, sessions: sessionmaker[Session],
                                 url: str) -> None:
    fill(sessions)
    intact = runner.invoke(app, ["audit", "verify", "--dir", str(workspace)])
    assert intact.exit_code == 0, intact.output
    assert intact.stdout.startswith("20 entries, chain intact (last: entry 20, hash ")
    raw(url, "DELETE FROM audit_log WHERE sequence = 8")
    raw(url, "UPDATE audit_log SET subject_id = 'R-x' WHERE sequence = 15")
    broken = runner.invoke(app, ["audit", "verify", "--dir", str(workspace)])
    assert broken.exit_code == 1, broken.output
    assert broken.stdout.splitlines() == [
        "entry 8 is missing (sequence jumps from 7 to 9)",
        "entry 15 was edited (its hash does not match its content)",
        "19 entries, chain broken: 2 problems",
    ]


def test_audit_verify_with_another_key_says_so(workspace: Path, sessions: sessionmaker[Session],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fill(sessions, 2)
    monkeypatch.setenv("PRIVET_SECRET_KEY", "not the key")
    result = runner.invoke(app, ["audit", "verify", "--dir", str(workspace)])
    assert result.exit_code == 1
    assert "is PRIVET_SECRET_KEY the key that wrote the log?" in result.stdout


def test_audit_verify_without_a_secret_explains(workspace: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PRIVET_SECRET_KEY")
    result = runner.invoke(app, ["audit", "verify", "--dir", str(workspace)])
    assert result.exit_code == 1
    assert "error: the workspace secret is not set" in result.output
    assert "hint: set PRIVET_SECRET_KEY" in result.output
    assert "Traceback" not in result.output


def test_audit_log_shows_the_latest_entries(workspace: Path,
                                            sessions: sessionmaker[Session]) -> None:
    fill(sessions)
    text = runner.invoke(app, ["audit", "log", "--limit", "3", "--dir", str(workspace)])
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["18", "19", "20"]
    assert "system" in lines[0] and "request.verified" in lines[0]
    assert "admin:jane" in lines[1] and "request R-0018-é" in lines[1]
    as_json = runner.invoke(app, ["audit", "log", "--format", "json", "--dir", str(workspace)])
    assert as_json.exit_code == 0, as_json.output
    entries = json.loads(as_json.stdout)
    assert [e["sequence"] for e in entries] == list(range(1, 21))
    assert entries[0]["occurred_at"] == "2026-03-01T09:00:00Z"
    assert entries[19]["details"] == {"rows": 19, "tables": ["people", "orders"],
                                      "ratio": 19 / 7}
    assert entries[19]["previous_hash"] == entries[18]["entry_hash"]
    assert entries[0]["previous_hash"] == GENESIS_HASH
    every = runner.invoke(app, ["audit", "log", "--format", "json", "--limit", "25",
                                "--dir", str(workspace)])
    assert len(json.loads(every.stdout)) == 20
