"""The demo company's synthetic database: shape, integrity, dates, determinism, plants."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from privet.demo.database import (
    INDEXES,
    PLANTED_VIOLATIONS,
    SPECIAL_CATEGORY_WORDS,
    TABLES,
    TEST_CARD_NUMBERS,
    DemoDatabaseSummary,
    build_demo_database,
    planted_count,
)

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
SUBJECTS = 500
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
CARD_LIKE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
SPECIAL = re.compile(r"\b(" + "|".join(SPECIAL_CATEGORY_WORDS) + r")\b", re.IGNORECASE)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_numbers(text: str) -> list[str]:
    found = []
    for match in CARD_LIKE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            found.append(digits)
    return found


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with sqlite3.connect(path) as db:
        for table in TABLES:
            for row in db.execute(f"SELECT * FROM {table} ORDER BY id"):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DemoDatabaseSummary:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    return build_demo_database(path, subjects=SUBJECTS, seed=42, now=NOW)


@pytest.fixture
def db(built: DemoDatabaseSummary) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(built.path)
    yield connection
    connection.close()


def count(db: sqlite3.Connection, sql: str, *params: object) -> int:
    value = db.execute(sql, params).fetchone()[0]
    assert isinstance(value, int)
    return value


# ----------------------------------------------------------------------------- shape


def test_summary_matches_the_file(built: DemoDatabaseSummary, db: sqlite3.Connection) -> None:
    assert built.subjects == SUBJECTS
    assert built.path.is_file()
    assert built.seconds > 0
    assert set(built.row_counts) == set(TABLES)
    for table in TABLES:
        assert built.row_counts[table] == count(db, f"SELECT count(*) FROM {table}"), table
        assert built.row_counts[table] > 0, table
    assert built.row_counts["contacts"] == SUBJECTS
    assert built.total_rows == sum(built.row_counts.values())


def test_tables_have_the_named_columns(db: sqlite3.Connection) -> None:
    required = {
        "accounts": {"id", "company_name", "vat_number", "billing_email", "country",
                     "address", "created_at", "status", "closed_at"},
        "contacts": {"id", "account_id", "email", "first_name", "last_name", "phone",
                     "job_title", "street", "city", "postal_code", "country", "created_at"},
        "users": {"id", "contact_id", "account_id", "username", "email", "password_hash",
                  "language", "last_login_at", "created_at"},
        "subscriptions": {"id", "account_id", "plan", "status", "started_at", "cancelled_at"},
        "tenant_databases": {"id", "account_id", "subscription_id", "name", "status", "kind",
                             "created_at", "cancelled_at", "last_upgrade_at", "hosting_region"},
        "orders": {"id", "account_id", "contact_id", "created_at", "amount_cents", "currency",
                   "status"},
        "invoices": {"id", "order_id", "account_id", "issued_at", "amount_cents", "vat_cents",
                     "billing_name", "billing_address", "billing_email"},
        "support_tickets": {"id", "contact_id", "subject", "status", "created_at", "closed_at"},
        "ticket_messages": {"id", "ticket_id", "author_contact_id", "body", "created_at"},
        "job_applications": {"id", "email", "first_name", "last_name", "phone", "cv_text",
                             "status", "applied_at", "decided_at"},
        "web_sessions": {"id", "user_id", "session_token", "ip_address", "user_agent",
                         "created_at", "last_used_at"},
        "web_visits": {"id", "contact_id", "cookie_id", "ip_address", "user_agent", "referrer",
                       "path", "visited_at"},
        "newsletter_subscriptions": {"id", "contact_id", "list_name", "status",
                                     "consent_source", "subscribed_at", "unsubscribed_at"},
        "email_messages": {"id", "account_id", "recipient_email", "subject", "body", "sent_at"},
        "email_events": {"id", "message_id", "recipient_email", "event", "ip_address",
                         "user_agent", "occurred_at"},
        "event_registrations": {"id", "contact_id", "event_name", "registered_at", "attended"},
    }
    assert set(required) == set(TABLES)
    for table, columns in required.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        assert columns <= present, (table, columns - present)


def test_file_is_left_a_normal_database(built: DemoDatabaseSummary) -> None:
    with sqlite3.connect(built.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        names = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert {statement.split(" ON ")[0].split()[-1] for statement in INDEXES} <= names
    assert not Path(f"{built.path}-journal").exists()
    assert not Path(f"{built.path}-wal").exists()


# ----------------------------------------------------------------------------- integrity


def test_foreign_keys_are_declared_and_hold(db: sqlite3.Connection) -> None:
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    declared = {
        (table, row[3], row[2])
        for table in TABLES
        for row in db.execute(f"PRAGMA foreign_key_list({table})")
    }
    for expected in [
        ("contacts", "account_id", "accounts"),
        ("users", "contact_id", "contacts"),
        ("users", "account_id", "accounts"),
        ("tenant_databases", "subscription_id", "subscriptions"),
        ("invoices", "order_id", "orders"),
        ("support_tickets", "contact_id", "contacts"),
        ("ticket_messages", "ticket_id", "support_tickets"),
        ("ticket_messages", "author_contact_id", "contacts"),
        ("web_sessions", "user_id", "users"),
        ("web_visits", "contact_id", "contacts"),
        ("newsletter_subscriptions", "contact_id", "contacts"),
        ("email_events", "message_id", "email_messages"),
        ("event_registrations", "contact_id", "contacts"),
    ]:
        assert expected in declared, expected


def test_emails_are_unique_per_person(db: sqlite3.Connection) -> None:
    assert count(db, "SELECT count(DISTINCT email) FROM contacts") == SUBJECTS
    people = count(
        db, "SELECT count(*) FROM (SELECT email FROM contacts UNION ALL "
        "SELECT email FROM job_applications)"
    )
    distinct = count(
        db, "SELECT count(*) FROM (SELECT email FROM contacts UNION "
        "SELECT email FROM job_applications)"
    )
    assert people == distinct
    assert count(db, "SELECT count(*) FROM users") == count(
        db, "SELECT count(DISTINCT email) FROM users"
    )
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO contacts (email, first_name, last_name, created_at) "
            "SELECT email, 'x', 'y', created_at FROM contacts LIMIT 1"
        )


def test_relations_are_consistent(db: sqlite3.Connection) -> None:
    # a user is the same person as its contact, in the same account
    assert count(
        db, "SELECT count(*) FROM users u JOIN contacts c ON c.id = u.contact_id "
        "WHERE c.email != u.email OR c.account_id != u.account_id"
    ) == 0
    # every account has at least one contact; some contacts are prospects
    assert count(
        db, "SELECT count(*) FROM accounts WHERE id NOT IN "
        "(SELECT account_id FROM contacts WHERE account_id IS NOT NULL)"
    ) == 0
    assert count(db, "SELECT count(*) FROM contacts WHERE account_id IS NULL") > 0
    # an invoice belongs to the account of its order
    assert count(
        db, "SELECT count(*) FROM invoices i JOIN orders o ON o.id = i.order_id "
        "WHERE o.account_id != i.account_id OR o.amount_cents != i.amount_cents"
    ) == 0
    # a hosted database belongs to the account of its subscription
    assert count(
        db, "SELECT count(*) FROM tenant_databases d JOIN subscriptions s "
        "ON s.id = d.subscription_id WHERE s.account_id != d.account_id"
    ) == 0
    # email events repeat the recipient of their message
    assert count(
        db, "SELECT count(*) FROM email_events e JOIN email_messages m ON m.id = e.message_id "
        "WHERE e.recipient_email != m.recipient_email"
    ) == 0


def test_lifecycle_columns_agree_with_status(db: sqlite3.Connection) -> None:
    for sql in [
        "SELECT count(*) FROM accounts WHERE (status = 'closed') != (closed_at IS NOT NULL)",
        "SELECT count(*) FROM subscriptions "
        "WHERE (status = 'cancelled') != (cancelled_at IS NOT NULL)",
        "SELECT count(*) FROM accounts a JOIN subscriptions s ON s.account_id = a.id "
        "WHERE a.status = 'closed' AND s.status != 'cancelled'",
        "SELECT count(*) FROM job_applications "
        "WHERE (status IN ('rejected', 'hired')) != (decided_at IS NOT NULL)",
        "SELECT count(*) FROM newsletter_subscriptions "
        "WHERE (status = 'unsubscribed') != (unsubscribed_at IS NOT NULL)",
        "SELECT count(*) FROM support_tickets "
        "WHERE (status = 'closed') != (closed_at IS NOT NULL)",
        "SELECT count(*) FROM tenant_databases d JOIN subscriptions s "
        "ON s.id = d.subscription_id WHERE s.status = 'cancelled' AND d.status = 'active'",
        "SELECT count(*) FROM accounts WHERE closed_at < created_at",
        "SELECT count(*) FROM web_sessions WHERE last_used_at < created_at",
        "SELECT count(*) FROM job_applications WHERE decided_at < applied_at",
        "SELECT count(*) FROM email_events e JOIN email_messages m ON m.id = e.message_id "
        "WHERE e.occurred_at < m.sent_at",
    ]:
        assert count(db, sql) == 0, sql
    assert count(db, "SELECT count(*) FROM accounts WHERE status = 'closed'") > 0
    statuses = {row[0] for row in db.execute("SELECT DISTINCT status FROM tenant_databases")}
    assert statuses == {"active", "disabled", "destroyed"}
    kinds = {row[0] for row in db.execute("SELECT DISTINCT kind FROM tenant_databases")}
    assert kinds == {"production", "upgrade", "staging"}


def test_browser_data_mixes_ipv4_and_ipv6(db: sqlite3.Connection) -> None:
    versions = [
        ipaddress.ip_address(row[0]).version
        for row in db.execute("SELECT ip_address FROM web_visits")
    ]
    assert versions.count(4) > versions.count(6) > 0
    assert count(db, "SELECT count(*) FROM web_visits WHERE contact_id IS NULL") > 0
    assert count(db, "SELECT count(*) FROM web_visits WHERE contact_id IS NOT NULL") > 0


# ----------------------------------------------------------------------------- scale


def test_row_counts_scale_with_subjects(tmp_path: Path) -> None:
    # above the floors that keep small builds usable (e.g. 10 job applications)
    single = build_demo_database(tmp_path / "single.db", subjects=2_000, now=NOW)
    double = build_demo_database(tmp_path / "double.db", subjects=4_000, now=NOW)
    assert single.row_counts["contacts"] == 2_000
    assert double.row_counts["contacts"] == 4_000
    for table in TABLES:
        ratio = double.row_counts[table] / single.row_counts[table]
        assert 1.6 < ratio < 2.4, (table, ratio)
    for summary in (single, double):
        assert 8 < summary.total_rows / summary.subjects < 11


def test_too_few_subjects_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least"):
        build_demo_database(tmp_path / "tiny.db", subjects=10, now=NOW)
    assert not (tmp_path / "tiny.db").exists()


# ----------------------------------------------------------------------------- dates


def date_columns(db: sqlite3.Connection) -> list[tuple[str, str]]:
    return [
        (table, row[1])
        for table in TABLES
        for row in db.execute(f"PRAGMA table_info({table})")
        if row[2] == "DATETIME"
    ]


def test_dates_are_sqlite_text_within_five_years(db: sqlite3.Connection) -> None:
    columns = date_columns(db)
    assert len(columns) >= 25
    earliest = stamp(NOW - timedelta(days=5 * 365 + 1))
    latest = stamp(NOW)
    for table, column in columns:
        values = [row[0] for row in db.execute(f"SELECT {column} FROM {table}")]
        present = [value for value in values if value is not None]
        assert present, (table, column)
        assert all(STAMP.match(value) for value in present), (table, column)
        assert min(present) >= earliest, (table, column)
        assert max(present) <= latest, (table, column)


def test_dates_span_several_years(db: sqlite3.Connection) -> None:
    oldest = min(
        db.execute(f"SELECT min({column}) FROM {table}").fetchone()[0]
        for table, column in date_columns(db)
    )
    assert oldest < stamp(NOW - timedelta(days=4 * 365 + 180))
    for table, column in [
        ("contacts", "created_at"),
        ("web_visits", "visited_at"),
        ("email_events", "occurred_at"),
        ("email_messages", "sent_at"),
        ("web_sessions", "created_at"),
    ]:
        total = count(db, f"SELECT count(*) FROM {table}")
        for days in (396, 3 * 365):  # 13 months, 3 years
            older = count(
                db, f"SELECT count(*) FROM {table} WHERE {column} < ?",
                stamp(NOW - timedelta(days=days)),
            )
            assert 0 < older < total, (table, column, days)


def test_retention_rules_have_expired_rows_to_work_on(db: sqlite3.Connection) -> None:
    def before(**delta: float) -> str:
        return stamp(NOW - timedelta(**delta))

    cases = {
        # browser data kept 12 months (another policy: 2 months)
        "visits over 12 months": (
            "SELECT count(*) FROM web_visits WHERE visited_at < ?", before(days=365)),
        "visits within 2 months": (
            "SELECT count(*) FROM web_visits WHERE visited_at >= ?", before(days=61)),
        # session data: 3 months when used, 7 days when never used
        "used sessions idle 3 months": (
            "SELECT count(*) FROM web_sessions WHERE last_used_at < ?", before(days=90)),
        "used sessions recent": (
            "SELECT count(*) FROM web_sessions WHERE last_used_at >= ?", before(days=90)),
        "unused sessions over 7 days": (
            "SELECT count(*) FROM web_sessions WHERE last_used_at IS NULL AND created_at < ?",
            before(days=7)),
        # rejected applicants kept 3 years (another policy: 2) after the decision
        "rejected applications over 3 years": (
            "SELECT count(*) FROM job_applications WHERE status = 'rejected' "
            "AND decided_at < ?", before(days=3 * 365)),
        # cancelled hosting: disabled 3 weeks, then destroyed
        "disabled past the grace period": (
            "SELECT count(*) FROM tenant_databases WHERE status = 'disabled' "
            "AND cancelled_at < ?", before(weeks=3)),
        # upgrade databases: 4 months after the last upgrade
        "upgrade databases past 4 months": (
            "SELECT count(*) FROM tenant_databases WHERE kind = 'upgrade' "
            "AND status != 'destroyed' AND last_upgrade_at < ?", before(days=122)),
        # message content 6 days, event data 13 months
        "message bodies over 6 days": (
            "SELECT count(*) FROM email_messages WHERE sent_at < ?", before(days=6)),
        "message bodies within 6 days": (
            "SELECT count(*) FROM email_messages WHERE sent_at >= ?", before(days=6)),
        "events over 13 months": (
            "SELECT count(*) FROM email_events WHERE occurred_at < ?", before(days=396)),
        # closed accounts: 3 months
        "accounts closed over 3 months": (
            "SELECT count(*) FROM accounts WHERE closed_at < ?", before(days=92)),
    }
    for name, (sql, threshold) in cases.items():
        assert count(db, sql, threshold) > 0, name


# ----------------------------------------------------------------------------- determinism


def test_same_seed_and_now_give_the_same_content(
    built: DemoDatabaseSummary, tmp_path: Path
) -> None:
    again = build_demo_database(tmp_path / "again.db", subjects=SUBJECTS, seed=42, now=NOW)
    assert checksum(again.path) == checksum(built.path)
    assert again.row_counts == built.row_counts
    assert again.planted == built.planted


def test_another_seed_or_now_gives_other_content(
    built: DemoDatabaseSummary, tmp_path: Path
) -> None:
    other_seed = build_demo_database(tmp_path / "seed.db", subjects=SUBJECTS, seed=7, now=NOW)
    other_now = build_demo_database(
        tmp_path / "now.db", subjects=SUBJECTS, seed=42, now=NOW + timedelta(days=1)
    )
    assert checksum(other_seed.path) != checksum(built.path)
    assert checksum(other_now.path) != checksum(built.path)


CHECKSUM_SCRIPT = """
import hashlib, sqlite3, sys
from datetime import datetime
from pathlib import Path
from privet.demo.database import TABLES, build_demo_database
path = Path(sys.argv[1])
build_demo_database(path, subjects=300, seed=42, now=datetime.fromisoformat(sys.argv[2]))
digest = hashlib.sha256()
with sqlite3.connect(path) as db:
    for table in TABLES:
        for row in db.execute(f"SELECT * FROM {table} ORDER BY id"):
            digest.update(repr(row).encode())
print(digest.hexdigest())
"""


def test_content_does_not_depend_on_the_string_hash_seed(tmp_path: Path) -> None:
    digests = set()
    for hash_seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", CHECKSUM_SCRIPT, str(tmp_path / f"h{hash_seed}.db"),
             NOW.isoformat()],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True, text=True, check=True,
        )
        digests.add(result.stdout.strip())
    build_demo_database(tmp_path / "here.db", subjects=300, seed=42, now=NOW)
    digests.add(checksum(tmp_path / "here.db"))
    assert len(digests) == 1


def test_rebuild_replaces_an_existing_file(built: DemoDatabaseSummary, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    path.write_bytes(b"not a database at all" * 100)
    Path(f"{path}-journal").write_bytes(b"stale journal")
    first = build_demo_database(path, subjects=SUBJECTS, seed=42, now=NOW)
    assert not Path(f"{path}-journal").exists()
    assert checksum(path) == checksum(built.path)
    second = build_demo_database(path, subjects=SUBJECTS, seed=42, now=NOW)
    assert second.row_counts == first.row_counts
    assert checksum(path) == checksum(built.path)


def test_progress_reports_every_stage(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    build_demo_database(
        tmp_path / "p.db", subjects=200, now=NOW,
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    stages = [stage for stage, _, _ in calls]
    assert stages[0] == "accounts"
    assert stages[-1] == "indexes"
    assert calls[-1][1] == calls[-1][2] == len(INDEXES)
    assert {"contacts", "support_tickets", "email_messages"} <= set(stages)
    for stage, done, total in calls:
        assert 0 < done <= total, stage


# ----------------------------------------------------------------------------- planted


def test_planted_violations_are_listed_and_present(
    built: DemoDatabaseSummary, db: sqlite3.Connection
) -> None:
    assert set(built.planted) == set(PLANTED_VIOLATIONS)
    kinds = {(v.table, v.column, v.kind) for v in PLANTED_VIOLATIONS}
    assert ("ticket_messages", "body", "payment_card") in kinds
    assert ("ticket_messages", "body", "health") in kinds
    assert ("job_applications", "cv_text", "religion") in kinds
    for violation, ids in built.planted.items():
        if violation.table == "ticket_messages":
            assert len(ids) == planted_count(SUBJECTS) >= 3, violation
        else:
            assert len(ids) >= 1, violation
        for row_id in ids:
            text = db.execute(
                f"SELECT {violation.column} FROM {violation.table} WHERE id = ?", (row_id,)
            ).fetchone()[0]
            if violation.kind == "payment_card":
                assert card_numbers(text), text
            else:
                assert SPECIAL.search(text), text
    planted_messages = [
        i for v, ids in built.planted.items() if v.table == "ticket_messages" for i in ids
    ]
    assert count(
        db, f"SELECT count(*) FROM ticket_messages WHERE author_contact_id IS NULL "
        f"AND id IN ({','.join(map(str, planted_messages))})"
    ) == 0


def test_nothing_but_the_plants_looks_like_a_violation(
    built: DemoDatabaseSummary, db: sqlite3.Connection
) -> None:
    cards = {v: ids for v, ids in built.planted.items() if v.kind == "payment_card"}
    expected_cards = {(v.table, i) for v, ids in cards.items() for i in ids}
    found_cards = set()
    for table in TABLES:
        text_columns = [
            row[1] for row in db.execute(f"PRAGMA table_info({table})") if row[2] == "TEXT"
        ]
        for row in db.execute(f"SELECT id, {', '.join(text_columns)} FROM {table}"):
            if any(card_numbers(value) for value in row[1:] if value):
                found_cards.add((table, row[0]))
    assert found_cards == expected_cards

    special = {v: ids for v, ids in built.planted.items() if v.kind != "payment_card"}
    expected_special = {(v.table, i) for v, ids in special.items() for i in ids}
    found_special = {
        ("ticket_messages", row[0])
        for row in db.execute("SELECT id, body FROM ticket_messages")
        if SPECIAL.search(row[1])
    } | {
        ("job_applications", row[0])
        for row in db.execute("SELECT id, cv_text FROM job_applications")
        if SPECIAL.search(row[1])
    }
    assert found_special == expected_special


def test_test_card_numbers_are_luhn_valid() -> None:
    for number in TEST_CARD_NUMBERS:
        assert card_numbers(number) == [re.sub(r"\D", "", number)], number
    assert not card_numbers("4111 1111 1111 1112")
    assert planted_count(500) == 3
    assert planted_count(1_000_000) > planted_count(10_000) > 3
