"""Benchmark: data subject requests (access, erasure, batch erasure) against hand-written SQL.

On the demo company (``--subjects`` people on SQLite, default 1,000,000; ``--pg-subjects`` on
PostgreSQL, default 100,000) this times ``--requests`` access requests and as many erasures,
each for one random person (seeded), and beside them, in the same run, the floor: the
minimal hand-written indexed SQL, on a raw DB-API connection, that returns the same rows
(access) or makes the same changes (erasure: the same deletes, masks and keyed hashes, the
same legal holds, one committed transaction). Then ``--batch`` people at once with
``erase_batch``, beside a set-based floor (the people in a temporary table, one statement
per table). Medians and p95 per request, the ratio to the floor, and tracemalloc peaks
(measured in a separate pass: tracemalloc slows Python down) are printed per engine.

Before anything is timed, the floor is checked against Privet: the rows found, table by
table, for every timed access and for the erasure check subjects; and the database after
``--verify`` erasures one by one and one batch (the floor runs in a transaction that is
rolled back, then Privet's erasure is committed, and every row either touched is compared).
A mismatch is printed loudly and the exit status is 1. A floor statement that scans a
whole demo table instead of using an index is refused the same way (PostgreSQL's batch
statements excepted: it rightly hash-joins a large set of people with whole tables).

Datastores are opened (connected, reflected, identity graph built) once per process, as
the server and the CLI do: the time is printed, not counted per request. Erasures run on a
copy of the database made for this run (SQLite: a file copy; PostgreSQL: ``CREATE DATABASE
… TEMPLATE``); their ledger goes to a temporary privet.db.

Demo databases are built once into ``--workdir``/privet-bench-<N> and reused by later runs
(the output says which). PostgreSQL (``--pg-url``, trust authentication) gets a copy of the
SQLite build of ``--pg-subjects`` people, indexes included, in ``privet_bench_<N>``; it is
dropped at the end unless ``--keep-pg``.

Targets: median within 2x the floor; access median under 20 ms on SQLite at 1M subjects;
batch erasure at least 5,000 subjects/s; per-request memory not growing with table size
(access peak at ``--subjects`` against ``--memory-subjects``). The exit status is 0 even
when a target is missed: MISSED is printed.

    .venv/bin/python bench/dsr.py
    .venv/bin/python bench/dsr.py --subjects 20000 --pg-subjects 5000 --memory-subjects 5000 \
        --requests 50 --batch 500
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import hashlib
import hmac
import json
import math
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from _shared import (
    Mismatch,
    copy_into_postgres,
    demo_url,
    pg_database_url,
    say,
    sqlite_url,
    verdict,
)
from privet.demo.database import TABLES
from privet.demo.workspace import DATABASE_PATH, build_demo_workspace
from privet.kit.db import dispose, open_database
from privet.kit.workspace import Workspace
from privet.requests import service
from privet.requests.engine import ConnectedDatastores
from privet.requests.results import AccessResult, ChangeReport

TARGET_RATIO = 2.0
TARGET_ACCESS_MS = 20.0
"""Access median on SQLite at TARGET_ACCESS_AT subjects."""
TARGET_ACCESS_AT = 1_000_000
TARGET_BATCH_RATE = 5_000.0
MEMORY_TOLERANCE = 1.25
"""Per-request peak at the larger table may be this much above the smaller's (noise)."""
MEMORY_SLACK = 64 * 1024
WARM_UP = 5
MEMORY_REQUESTS = 20
BATCH_CHECK = 100
"""People in the batch whose erasure is compared with the floor's before timing."""


# ---------------------------------------------------------------------------- figures


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def size(nbytes: float) -> str:
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{nbytes:.0f} B"


@dataclass
class Peaks:
    """tracemalloc peaks, each above the memory in use when its call began."""

    values: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def largest(self) -> int:
        return max(self.values)


def measure_peaks(call: Callable[[Any], object], items: Sequence[Any]) -> Peaks:
    peaks = Peaks()
    gc.collect()
    tracemalloc.start()
    try:
        for item in items:
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            call(item)
            peaks.values.append(tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()
    return peaks


# ---------------------------------------------------------------------------- demo builds


def demo_workspace(workdir: Path, subjects: int, seed: int) -> tuple[Path, str]:
    """The demo workspace of ``subjects`` people, built once and reused by later runs."""
    root = workdir / f"privet-bench-{subjects}"
    marker = root / "bench-built.json"
    wanted = {"subjects": subjects, "seed": seed}
    if marker.exists() and (root / DATABASE_PATH).exists():
        with contextlib.suppress(ValueError):
            if json.loads(marker.read_text()) == wanted:
                return root, f"reused from {root}"
    say(f"building the demo company with {subjects:,} subjects in {root}")
    marker.unlink(missing_ok=True)
    started = time.perf_counter()
    build_demo_workspace(root, subjects=subjects, seed=seed)
    marker.write_text(json.dumps(wanted))
    return root, f"built in {time.perf_counter() - started:.0f} s into {root}"


# ---------------------------------------------------------------------------- the floor


def _statements(match: Callable[[str], str], hash_of: Callable[[str, str], str],
                union: bool) -> tuple[dict[str, str], str, list[tuple[str, str]]]:
    """The floor's SQL. ``match(column)`` is the identity condition (``= :e``, or the batch
    table); ``hash_of(table, column)`` the keyed hash of the column's value, computed in
    Python beforehand.

    Returns (access SELECT per table, the SELECT of invoices to hash, erasure statements
    in order). Each follows the demo manifest: contacts and users by email and their rows by
    foreign key, the accounts and invoices of a billing email, marketing email by
    recipient. Rows are deleted children first; invoices (tax records under a legal hold)
    keep their billing name and address and have the billing email hashed; email messages
    are masked; orders lose the link to the deleted contact.

    A table found two ways is read with ``a OR b`` where the database combines the two
    indexes (SQLite); with ``union``, as ``id IN (… UNION ALL …)``, since PostgreSQL reads
    the whole table for ``a OR x IN (subquery)``."""

    def either(table: str, first: str, second: str) -> str:
        if not union:
            return f"{first} OR {second}"
        return (f"id IN (SELECT id FROM {table} WHERE {first} "
                f"UNION ALL SELECT id FROM {table} WHERE {second})")

    contacts = f"(SELECT id FROM contacts WHERE {match('email')})"
    by_contact = f"contact_id IN {contacts}"
    users = f"(SELECT id FROM users WHERE {either('users', match('email'), by_contact)})"
    tickets = f"(SELECT id FROM support_tickets WHERE contact_id IN {contacts})"
    orders = f"(SELECT id FROM orders WHERE contact_id IN {contacts})"
    messages = f"(SELECT id FROM email_messages WHERE {match('recipient_email')})"
    where = {
        "accounts": match("billing_email"),
        "contacts": match("email"),
        "users": either("users", match("email"), f"contact_id IN {contacts}"),
        "web_sessions": f"user_id IN {users}",
        "orders": f"contact_id IN {contacts}",
        # the billing email found on an account is the identity itself
        "invoices": either("invoices", f"order_id IN {orders}", match("billing_email")),
        "support_tickets": f"contact_id IN {contacts}",
        "ticket_messages": either("ticket_messages", f"ticket_id IN {tickets}",
                                  f"author_contact_id IN {contacts}"),
        "job_applications": match("email"),
        "web_visits": f"contact_id IN {contacts}",
        "newsletter_subscriptions": f"contact_id IN {contacts}",
        "email_messages": match("recipient_email"),
        "email_events": either("email_events", f"message_id IN {messages}",
                               match("recipient_email")),
        "event_registrations": f"contact_id IN {contacts}",
    }
    access = {table: f"SELECT * FROM {table} WHERE {condition}"
              for table, condition in where.items()}
    invoices = f"SELECT id, billing_email FROM invoices WHERE {where['invoices']}"
    erase = [
        ("email_events", f"DELETE FROM email_events WHERE {where['email_events']}"),
        ("email_messages",
         f"UPDATE email_messages SET recipient_email = "
         f"{hash_of('email_messages', 'recipient_email')}, subject = '[erased]', "
         f"body = '[erased]' WHERE {where['email_messages']}"),
        ("web_sessions", f"DELETE FROM web_sessions WHERE {where['web_sessions']}"),
        ("users", f"DELETE FROM users WHERE {where['users']}"),
        ("ticket_messages", f"DELETE FROM ticket_messages WHERE {where['ticket_messages']}"),
        ("support_tickets", f"DELETE FROM support_tickets WHERE {where['support_tickets']}"),
        ("invoices", ""),  # the hashes selected first, written here by id
        ("orders", f"UPDATE orders SET contact_id = NULL WHERE {where['orders']}"),
        ("web_visits", f"DELETE FROM web_visits WHERE {where['web_visits']}"),
        ("newsletter_subscriptions",
         f"DELETE FROM newsletter_subscriptions WHERE {where['newsletter_subscriptions']}"),
        ("event_registrations",
         f"DELETE FROM event_registrations WHERE {where['event_registrations']}"),
        ("job_applications", f"DELETE FROM job_applications WHERE {where['job_applications']}"),
        ("accounts",
         f"UPDATE accounts SET billing_email = {hash_of('accounts', 'billing_email')}, "
         f"address = '-' WHERE {where['accounts']}"),
        ("contacts", f"DELETE FROM contacts WHERE {where['contacts']}"),
    ]
    return access, invoices, erase


INVOICE_UPDATE = (
    "UPDATE invoices SET billing_email = :h, "
    "billing_name = CASE WHEN issued_at > :cut THEN billing_name ELSE 'Erased customer' END, "
    "billing_address = CASE WHEN issued_at > :cut THEN billing_address ELSE '-' END "
    "WHERE id = :id"
)
BATCH_TABLE = "bench_batch"


class Floor:
    """Hand-written SQL on one raw DB-API connection (sqlite3 or psycopg)."""

    def __init__(self, connection: Any, dialect: str, secret: bytes, cutoff: datetime) -> None:
        self.connection = connection
        self.dialect = dialect
        self.secret = secret
        # the legal hold's cut-off as the column holds it (SQLite keeps dates as text)
        self.cutoff: Any = (cutoff.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite"
                            else cutoff)
        union = dialect != "sqlite"
        one = _statements(lambda column: f"{column} = :e", lambda _table, _column: ":h", union)
        batch = _statements(
            lambda column: f"{column} IN (SELECT email FROM {BATCH_TABLE})",
            lambda table, column: (f"(SELECT hash FROM {BATCH_TABLE} "
                                   f"WHERE {BATCH_TABLE}.email = {table}.{column})"), union)
        self.access_sql = {t: self.sql(q) for t, q in one[0].items()}
        self.invoices_sql, self.batch_invoices_sql = self.sql(one[1]), self.sql(batch[1])
        self.erase_sql = [(t, self.sql(q)) for t, q in one[2]]
        self.batch_erase_sql = [(t, self.sql(q)) for t, q in batch[2]]
        self.invoice_update = self.sql(INVOICE_UPDATE)
        self.plan_problems: list[str] = []
        self.large = set(TABLES)
        """Tables a plan must not read whole (PostgreSQL rightly scans a small table)."""
        if dialect != "sqlite":
            self.large = {str(row[0]) for row in connection.execute(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples > 20000")}
            connection.rollback()

    def sql(self, text: str) -> str:
        return text if self.dialect == "sqlite" else re.sub(r":(\w+)", r"%(\1)s", text)

    def hash(self, value: str) -> str:
        if value.startswith("hmac:"):
            return value  # already erased
        return "hmac:" + hmac.new(self.secret, value.encode("utf-8"), hashlib.sha256).hexdigest()

    # -------------------------------------------------------------- transactions

    def begin(self) -> None:
        if self.dialect == "sqlite":
            self.connection.execute("BEGIN")

    def commit(self) -> None:
        if self.dialect == "sqlite":
            self.connection.execute("COMMIT")
        else:
            self.connection.commit()

    def rollback(self) -> None:
        if self.dialect == "sqlite":
            if self.connection.in_transaction:
                self.connection.execute("ROLLBACK")
        else:
            self.connection.rollback()

    def execute(self, sql: str, params: dict[str, Any] | Sequence[Any] | None = None) -> Any:
        return self.connection.execute(sql, params or {})

    def executemany(self, sql: str, rows: list[dict[str, Any]]) -> None:
        if self.dialect == "sqlite":
            self.connection.executemany(sql, rows)
        else:
            with self.connection.cursor() as cursor:
                cursor.executemany(sql, rows)

    def check_plan(self, sql: str, params: dict[str, Any]) -> None:
        """Record a statement that reads a whole demo table instead of an index."""
        if self.dialect == "sqlite":
            lines = [str(row[-1]) for row in self.execute("EXPLAIN QUERY PLAN " + sql, params)]
            scans = [m.group(1) for line in lines
                     if (m := re.match(r"SCAN (\w+)", line)) and m.group(1) in self.large]
        else:
            lines = [str(row[0]) for row in self.execute("EXPLAIN " + sql, params)]
            scans = [m.group(1) for line in lines
                     if (m := re.search(r"Seq Scan on (\w+)", line)) and m.group(1) in self.large]
        if scans:
            self.plan_problems.append(f"{' '.join(sql.split())[:160]} … scans {scans}")

    # -------------------------------------------------------------- requests

    def access(self, email: str) -> dict[str, list[tuple[Any, ...]]]:
        params = {"e": email}
        found = {table: self.execute(sql, params).fetchall()
                 for table, sql in self.access_sql.items()}
        if self.dialect != "sqlite":
            self.connection.rollback()  # end the read transaction, as Privet does
        return found

    def erase(self, email: str, *, finish: str = "commit", check: bool = False) -> dict[str, int]:
        """Erase one person; ``finish``: commit, rollback, or open (the caller ends it)."""
        params = {"e": email, "h": self.hash(email)}
        self.begin()
        counts = self._erase(params, self.invoices_sql, self.erase_sql, check=check)
        self.finish(finish)
        return counts

    def finish(self, how: str) -> None:
        if how == "commit":
            self.commit()
        elif how == "rollback":
            self.rollback()

    def erase_batch(self, emails: Sequence[str], *, finish: str = "commit",
                    check: bool = False) -> dict[str, int]:
        rows = [(email, self.hash(email)) for email in dict.fromkeys(emails)]
        self.begin()
        if self.dialect == "sqlite":
            self.execute(f"CREATE TEMP TABLE {BATCH_TABLE} "
                         "(email TEXT PRIMARY KEY, hash TEXT NOT NULL)")
            self.connection.executemany(f"INSERT INTO {BATCH_TABLE} VALUES (?, ?)", rows)
        else:
            self.execute(f"CREATE TEMP TABLE {BATCH_TABLE} "
                         "(email TEXT PRIMARY KEY, hash TEXT NOT NULL) ON COMMIT DROP")
            with self.connection.cursor() as cursor, cursor.copy(
                    f"COPY {BATCH_TABLE} (email, hash) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            self.execute(f"ANALYZE {BATCH_TABLE}")
        counts = self._erase({}, self.batch_invoices_sql, self.batch_erase_sql, check=check)
        if self.dialect == "sqlite":
            self.execute(f"DROP TABLE {BATCH_TABLE}")
        self.finish(finish)
        return counts

    def _erase(self, params: dict[str, Any], invoices_sql: str,
               statements: list[tuple[str, str]], *, check: bool) -> dict[str, int]:
        counts: dict[str, int] = {}
        try:
            # invoices are found through the orders, which lose their contact below
            if check:
                self.check_plan(invoices_sql, params)
            invoices = self.execute(invoices_sql, params).fetchall()
            for table, sql in statements:
                if table == "invoices":
                    if invoices:
                        self.executemany(self.invoice_update, [
                            {"id": key, "h": self.hash(value), "cut": self.cutoff}
                            for key, value in invoices])
                    counts[table] = len(invoices)
                    continue
                if check:
                    self.check_plan(sql, params)
                counts[table] = counts.get(table, 0) + self.execute(sql, params).rowcount
        except BaseException:
            self.rollback()
            raise
        return counts

    def read(self, keys: dict[str, set[Any]]) -> dict[str, list[tuple[Any, ...]]]:
        """The rows of these ids, as they are now (a deleted row is absent)."""
        rows: dict[str, list[tuple[Any, ...]]] = {}
        mark = "?" if self.dialect == "sqlite" else "%s"
        for table, ids in sorted(keys.items()):
            ordered = sorted(ids)
            found: list[tuple[Any, ...]] = []
            for start in range(0, len(ordered), 500):
                part = ordered[start:start + 500]
                sql = f"SELECT * FROM {table} WHERE id IN ({', '.join([mark] * len(part))})"
                found.extend(tuple(row) for row in self.connection.execute(sql, part))
            rows[table] = sorted(found)
        return rows


def floor_keys(found: dict[str, list[tuple[Any, ...]]]) -> dict[str, set[Any]]:
    return {table: {row[0] for row in rows} for table, rows in found.items() if rows}


def privet_keys(result: AccessResult) -> dict[str, set[Any]]:
    keys: dict[str, set[Any]] = {}
    for found in result.found:
        if found.rows:
            keys.setdefault(found.table, set()).update(row[0] for row in found.rows)
    return keys


def compare(what: str, privet: dict[str, Any], floor: dict[str, Any]) -> None:
    if privet == floor:
        return
    lines = [f"MISMATCH: {what}"]
    for table in sorted(set(privet) | set(floor)):
        mine, theirs = privet.get(table), floor.get(table)
        if mine != theirs:
            def count(value: Any) -> str:
                return "—" if value is None else str(len(value))
            lines.append(f"    {table}: Privet {count(mine)} rows, floor {count(theirs)} rows")
            if isinstance(mine, list) and isinstance(theirs, list):
                extra = [row for row in mine if row not in theirs][:2]
                missing = [row for row in theirs if row not in mine][:2]
                lines.append(f"      only after Privet: {extra}")
                lines.append(f"      only after floor:  {missing}")
    raise Mismatch("\n".join(lines))


def checked(report: ChangeReport | AccessResult, what: str) -> None:
    if report.failures:
        raise Mismatch(f"Privet failed on {what}: "
                       + "; ".join(f.message for f in report.failures))


# ---------------------------------------------------------------------------- a target


@dataclass
class Target:
    """One engine: where the database to read is, and how to make a copy to erase."""

    label: str
    dialect: str
    subjects: int
    root: Path
    origin: str
    read_url: str
    connect: Callable[[str, bool], Any]
    """(url, write) → a raw DB-API connection."""
    make_copy: Callable[[], str]
    """A fresh copy of the database for the erasures; returns its URL."""
    drop_copy: Callable[[], None]
    size: str
    durability: str
    """The settings that make a commit cost what it costs."""


@dataclass
class Result:
    label: str
    lines: list[str]
    access_peak: Peaks | None = None


def pick_subjects(floor: Floor, subjects: int, needs: dict[str, int],
                  seed: int) -> dict[str, list[str]]:
    """Disjoint samples of contacts' emails, seeded."""
    total = sum(needs.values())
    if total > subjects:
        raise SystemExit(f"{total:,} subjects are needed and the database has "
                         f"{subjects:,}: lower --requests or --batch")
    ids = random.Random(seed).sample(range(1, subjects + 1), total)
    emails: dict[int, str] = {}
    mark = "?" if floor.dialect == "sqlite" else "%s"
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        sql = f"SELECT id, email FROM contacts WHERE id IN ({', '.join([mark] * len(part))})"
        emails.update((int(row[0]), str(row[1])) for row in floor.execute(sql, part))
    if floor.dialect != "sqlite":
        floor.connection.rollback()
    chosen = [emails[i] for i in ids]
    picked: dict[str, list[str]] = {}
    at = 0
    for name, count in needs.items():
        picked[name] = chosen[at:at + count]
        at += count
    return picked


def run_target(target: Target, args: argparse.Namespace, now: datetime) -> Result:
    workspace = Workspace.find(target.root)
    manifest = workspace.load_manifest()
    key = workspace.settings.secret_key
    if key is None:
        raise SystemExit(f"{target.root} has no secret key (privet.toml)")
    secret = key.get_secret_value().encode()
    hold = manifest.datastores["app"].tables["invoices"].legal_holds["tax_records"]
    cutoff = hold.period.before(now).astimezone(UTC).replace(tzinfo=None)
    requests: int = args.requests
    batch: int = args.batch
    runs: int = args.batch_runs
    timeout = 30
    lines = [f"{target.label}: {target.subjects:,} subjects, database {target.size} "
             f"({target.origin}); {target.durability}"]

    # ----------------------------------------------------------------- access
    raw = target.connect(target.read_url, False)
    floor = Floor(raw, target.dialect, secret, cutoff)
    fixed = {"access": requests + WARM_UP, "verify": args.verify,
             "erase": requests + WARM_UP, "erase_floor": requests + WARM_UP,
             "erase_memory": MEMORY_REQUESTS, "batch_check": BATCH_CHECK}
    spare = target.subjects - sum(fixed.values())
    batch_runs = max(1, min(runs, (spare // batch - 1) // 2)) if spare >= 3 * batch else 0
    if batch_runs == 0:
        raise SystemExit(f"--batch {batch:,} is too large for {target.subjects:,} subjects")
    if batch_runs < runs:
        lines.append(f"  (batch runs lowered to {batch_runs}: not enough people for {runs})")
    needs = {**fixed, **{f"batch_{i}": batch for i in range(2 * batch_runs)},
             "batch_memory": batch}
    people = pick_subjects(floor, target.subjects, needs, args.seed)

    say(f"{target.label}: opening the datastore")
    with demo_url(target.read_url):
        started = time.perf_counter()
        datastores = ConnectedDatastores.open(manifest, target.root, timeout=timeout,
                                              write=False)
        opened = time.perf_counter() - started
    if datastores.failures:
        raise Mismatch(f"cannot open {target.read_url}: {datastores.failures}")
    lines.append(f"  datastore opened (connect, reflect, identity graph) in {opened * 1000:.0f} ms"
                 " — once per process, not counted per request")

    say(f"{target.label}: timing {requests} access requests")
    access_people = people["access"]
    for email in access_people[:WARM_UP]:
        service.access(datastores, {"email": [email]})
        floor.access(email)
    privet_times, floor_times = Timing(), Timing()
    rows_found: list[int] = []
    for number, email in enumerate(access_people[WARM_UP:]):
        def mine(email: str = email) -> AccessResult:
            started = time.perf_counter()
            result = service.access(datastores, {"email": [email]})
            privet_times.seconds.append(time.perf_counter() - started)
            return result

        def theirs(email: str = email) -> dict[str, list[tuple[Any, ...]]]:
            started = time.perf_counter()
            found = floor.access(email)
            floor_times.seconds.append(time.perf_counter() - started)
            return found

        # alternate who goes first: the second finds the pages cached
        if number % 2:
            result, found = mine(), theirs()
        else:
            found, result = theirs(), mine()
        checked(result, f"access {email}")
        compare(f"access {email}: rows found per table (ids)", privet_keys(result),
                floor_keys(found))
        rows_found.append(result.row_count)
    for sql in floor.access_sql.values():
        floor.check_plan(sql, {"e": access_people[0]})
    if target.dialect != "sqlite":
        raw.rollback()
    if floor.plan_problems:
        raise Mismatch("the floor scans whole tables:\n    " + "\n    ".join(floor.plan_problems))

    say(f"{target.label}: access memory")
    access_peak = measure_peaks(lambda email: service.access(datastores, {"email": [email]}),
                                access_people[WARM_UP:WARM_UP + MEMORY_REQUESTS])
    datastores.close()
    raw.close()
    ratio = privet_times.median / floor_times.median
    access_targets = [f"≤{TARGET_RATIO:g}x floor: {verdict(ratio <= TARGET_RATIO)}"]
    if target.dialect == "sqlite" and target.subjects >= TARGET_ACCESS_AT:
        access_targets.append(f"< {TARGET_ACCESS_MS:g} ms: "
                              f"{verdict(privet_times.median * 1000 < TARGET_ACCESS_MS)}")
    lines.append(
        f"  access   median {ms(privet_times.median)}  p95 {ms(privet_times.p95)} | "
        f"floor median {ms(floor_times.median)}  p95 {ms(floor_times.p95)} | "
        f"ratio {ratio:5.2f}x | {'; '.join(access_targets)}")
    lines.append(f"           {len(privet_times.seconds)} requests, rows found per person: "
                 f"median {statistics.median(rows_found):.0f}, max {max(rows_found)}; "
                 f"same rows as the floor for every one")

    # ----------------------------------------------------------------- erasure
    say(f"{target.label}: copying the database for the erasures")
    started = time.perf_counter()
    copy_url = target.make_copy()
    lines.append(f"  erasures run on a fresh copy ({time.perf_counter() - started:.1f} s to "
                 "make); ledger in a temporary privet.db")
    try:
        with tempfile.TemporaryDirectory(prefix="privet-dsr-ledger-") as ledger_dir:
            ledger = open_database(f"sqlite:///{ledger_dir}/privet.db")
            try:
                lines.extend(erasures(target, copy_url, manifest, secret, cutoff, now, ledger,
                                      people, batch_runs, timeout))
            finally:
                dispose(ledger)
    finally:
        target.drop_copy()
    lines.append(
        f"  memory   access peak per request (tracemalloc): median {size(access_peak.median)}, "
        f"max {size(access_peak.largest)}")
    return Result(target.label, lines, access_peak)


def erasures(target: Target, copy_url: str, manifest: Any, secret: bytes, cutoff: datetime,
             now: datetime, ledger: Any, people: dict[str, list[str]], batch_runs: int,
             timeout: int) -> list[str]:
    lines: list[str] = []
    raw = target.connect(copy_url, True)
    floor = Floor(raw, target.dialect, secret, cutoff)

    def open_datastores() -> ConnectedDatastores:
        with demo_url(copy_url):
            datastores = ConnectedDatastores.open(manifest, target.root, timeout=timeout,
                                                  write=True)
        if datastores.failures:
            raise Mismatch(f"cannot open {copy_url}: {datastores.failures}")
        return datastores

    def erase(datastores: ConnectedDatastores, email: str) -> ChangeReport:
        return service.erase(datastores, {"email": [email]}, secret=secret,
                             ledger_sessions=ledger, now=now)

    def erase_batch(datastores: ConnectedDatastores, emails: Sequence[str]) -> ChangeReport:
        # Each batch is given freshly opened datastores (opened before the clock starts):
        # erase_batch keeps its identity table on the pooled connection (connection.info),
        # so a second batch on the same connection would match the first batch's people.
        with datastores:
            return service.erase_batch(datastores, [{"email": e} for e in emails],
                                       secret=secret, ledger_sessions=ledger, now=now)

    datastores = open_datastores()
    try:
        say(f"{target.label}: checking {len(people['verify'])} erasures against the floor")
        for number, email in enumerate(people["verify"]):
            result = service.access(datastores, {"email": [email]})
            found = floor.access(email)
            compare(f"erasure check {email}: rows found", privet_keys(result), floor_keys(found))
            keys = floor_keys(found)
            floor.erase(email, finish="open", check=number == 0)
            after_floor = floor.read(keys)
            floor.rollback()
            report = erase(datastores, email)
            checked(report, f"erase {email}")
            after_privet = floor.read(keys)
            floor.rollback()  # end the read (PostgreSQL)
            compare(f"erase {email}: rows after the erasure (Privet vs floor)",
                    after_privet, after_floor)
        if floor.plan_problems:
            raise Mismatch("the floor scans whole tables:\n    "
                           + "\n    ".join(floor.plan_problems))

        say(f"{target.label}: timing {len(people['erase']) - WARM_UP} erasures")
        mine, theirs = people["erase"], people["erase_floor"]
        for email, other in zip(mine[:WARM_UP], theirs[:WARM_UP], strict=True):
            checked(erase(datastores, email), f"erase {email}")
            floor.erase(other)
        privet_times, floor_times = Timing(), Timing()
        changed: list[int] = []
        for number, (email, other) in enumerate(zip(mine[WARM_UP:], theirs[WARM_UP:],
                                                    strict=True)):
            def privet_erase(email: str = email) -> None:
                started = time.perf_counter()
                report = erase(datastores, email)
                privet_times.seconds.append(time.perf_counter() - started)
                checked(report, f"erase {email}")
                changed.append(report.rows_changed)

            def floor_erase(other: str = other) -> None:
                started = time.perf_counter()
                floor.erase(other)
                floor_times.seconds.append(time.perf_counter() - started)

            if number % 2:
                privet_erase()
                floor_erase()
            else:
                floor_erase()
                privet_erase()
        ratio = privet_times.median / floor_times.median
        lines.append(
            f"  erase    median {ms(privet_times.median)}  p95 {ms(privet_times.p95)} | "
            f"floor median {ms(floor_times.median)}  p95 {ms(floor_times.p95)} | "
            f"ratio {ratio:5.2f}x | ≤{TARGET_RATIO:g}x floor: {verdict(ratio <= TARGET_RATIO)}")
        lines.append(f"           {len(privet_times.seconds)} requests (each its own person), "
                     f"rows changed per person: median {statistics.median(changed):.0f}, "
                     f"max {max(changed)}; one commit each (+ the ledger's, for Privet)")

        say(f"{target.label}: erasure memory")
        erase_peak = measure_peaks(lambda email: erase(datastores, email),
                                   people["erase_memory"])
    finally:
        datastores.close()

    # ----------------------------------------------------------------- batch
    say(f"{target.label}: checking a batch of {len(people['batch_check'])} against the floor")
    check_people = people["batch_check"]
    batch_keys: dict[str, set[Any]] = {}
    for email in check_people:
        for table, ids in floor_keys(floor.access(email)).items():
            batch_keys.setdefault(table, set()).update(ids)
    # PostgreSQL rightly hash-joins a set of people with whole tables: plans are checked on
    # the one-person statements there, on every statement for SQLite
    floor.erase_batch(check_people, finish="open", check=target.dialect == "sqlite")
    after_floor = floor.read(batch_keys)
    floor.rollback()
    report = erase_batch(open_datastores(), check_people)
    checked(report, "erase_batch")
    after_privet = floor.read(batch_keys)
    floor.rollback()
    compare(f"erase_batch of {len(check_people)}: rows after the erasure (Privet vs floor)",
            after_privet, after_floor)
    if floor.plan_problems:
        raise Mismatch("the batch floor scans whole tables:\n    "
                       + "\n    ".join(floor.plan_problems))

    batch = len(people["batch_0"])
    say(f"{target.label}: timing {batch_runs} batch erasures of {batch:,}")
    privet_batch, floor_batch = Timing(), Timing()
    batch_rows: list[int] = []
    for run in range(batch_runs):
        emails, others = people[f"batch_{2 * run}"], people[f"batch_{2 * run + 1}"]
        fresh = open_datastores()
        started = time.perf_counter()
        report = erase_batch(fresh, emails)
        privet_batch.seconds.append(time.perf_counter() - started)
        checked(report, "erase_batch")
        batch_rows.append(report.rows_changed)
        started = time.perf_counter()
        floor.erase_batch(others)
        floor_batch.seconds.append(time.perf_counter() - started)
    rate, floor_rate = batch / privet_batch.median, batch / floor_batch.median
    ratio = privet_batch.median / floor_batch.median
    lines.append(
        f"  batch    {batch:,} people: median {privet_batch.median:6.2f} s = {rate:8,.0f}/s | "
        f"floor {floor_batch.median:6.2f} s = {floor_rate:8,.0f}/s | ratio {ratio:5.2f}x | "
        f"≥{TARGET_BATCH_RATE:,.0f}/s: {verdict(rate >= TARGET_BATCH_RATE)}; "
        f"≤{TARGET_RATIO:g}x floor: {verdict(ratio <= TARGET_RATIO)}")
    erased = sum(len(v) for k, v in people.items() if k != "access")
    lines.append(f"           median of {batch_runs} runs (each its own people; Privet's time "
                 f"includes its ledger, not opening the datastore); rows changed per batch: "
                 f"median {statistics.median(batch_rows):,.0f}; by the end {erased:,} people "
                 f"({erased / target.subjects:.0%}) are erased from the copy")

    say(f"{target.label}: batch memory")
    fresh = open_datastores()
    batch_peak = measure_peaks(lambda emails: erase_batch(fresh, emails),
                               [people["batch_memory"]])
    raw.close()
    lines.append(
        f"  memory   erase peak per request: median {size(erase_peak.median)}, "
        f"max {size(erase_peak.largest)}; batch of {batch:,}: {size(batch_peak.largest)} "
        f"({size(batch_peak.largest / batch)} per person)")
    return lines


# ---------------------------------------------------------------------------- engines


def sqlite_connect(url: str, write: bool) -> sqlite3.Connection:
    path = url.removeprefix("sqlite:///")
    if write:
        connection = sqlite3.connect(path, isolation_level=None)
    else:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True,
                                     isolation_level=None)
    connection.execute("PRAGMA foreign_keys=ON")  # as Privet opens SQLite datastores
    return connection


def sqlite_target(args: argparse.Namespace, subjects: int) -> Target:
    root, origin = demo_workspace(Path(args.workdir), subjects, args.seed)
    database = root / DATABASE_PATH
    copy = root / "data" / "erase-copy.db"

    def make_copy() -> str:
        shutil.copyfile(database, copy)
        return sqlite_url(copy)

    def drop_copy() -> None:
        copy.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)

    with contextlib.closing(sqlite_connect(sqlite_url(database), False)) as connection:
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = connection.execute("PRAGMA synchronous").fetchone()[0]
    durability = (f"journal_mode={journal}, synchronous="
                  f"{ {0: 'off', 1: 'normal', 2: 'full', 3: 'extra'}.get(synchronous)}, "
                  "default page cache, for Privet and the floor alike")
    return Target("SQLite", "sqlite", subjects, root, origin, sqlite_url(database),
                  sqlite_connect, make_copy, drop_copy,
                  f"{database.stat().st_size / 1e9:.2f} GB", durability)


def pg_target(args: argparse.Namespace, subjects: int) -> Target:
    import psycopg

    root, built = demo_workspace(Path(args.workdir), subjects, args.seed)
    name = f"privet_bench_{subjects}"
    copy_name = f"{name}_erase"
    admin_url = pg_database_url(args.pg_url, "postgres")
    tag = f"privet-bench subjects={subjects} seed={args.seed} complete"

    with psycopg.connect(admin_url, autocommit=True) as admin:
        row = admin.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                            "WHERE datname = %s", (name,)).fetchone()
        if row is not None and row[0] == tag:
            origin = f"reused PostgreSQL database {name}"
        else:
            say(f"copying the {subjects:,}-subject demo database into PostgreSQL {name}")
            started = time.perf_counter()
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
            copy_into_postgres(root / DATABASE_PATH, pg_database_url(args.pg_url, name))
            admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{tag}'")
            origin = (f"copied into PostgreSQL {name} in {time.perf_counter() - started:.0f} s "
                      f"from the SQLite build {built}")
        size_bytes = admin.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
        settings: dict[str, str] = dict(admin.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('fsync', 'synchronous_commit', 'shared_buffers')").fetchall())
        version = admin.execute("SHOW server_version").fetchone()

    def make_copy() -> str:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}"')
        return pg_database_url(args.pg_url, copy_name)

    def drop_copy() -> None:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')

    def connect(url: str, write: bool) -> Any:
        options = "" if write else "-c default_transaction_read_only=on"
        return psycopg.connect(url, options=options) if options else psycopg.connect(url)

    return Target("PostgreSQL", "postgresql", subjects, root, origin,
                  pg_database_url(args.pg_url, name), connect, make_copy, drop_copy,
                  f"{(size_bytes[0] if size_bytes else 0) / 1e9:.2f} GB",
                  f"server {version[0] if version else '?'} at "
                  f"{args.pg_url.split('@')[-1].rsplit('/', 1)[0]}, "
                  f"fsync={settings.get('fsync')}, "
                  f"synchronous_commit={settings.get('synchronous_commit')}")


def access_memory_at(args: argparse.Namespace, subjects: int) -> tuple[Peaks, str]:
    """Access peaks per request on the SQLite build of ``subjects`` (same seed, same sample)."""
    root, origin = demo_workspace(Path(args.workdir), subjects, args.seed)
    url = sqlite_url(root / DATABASE_PATH)
    manifest = Workspace.find(root).load_manifest()
    raw = sqlite_connect(url, False)
    count = WARM_UP + MEMORY_REQUESTS
    ids = random.Random(args.seed).sample(range(1, subjects + 1), count)
    emails = [row[0] for row in raw.execute(
        f"SELECT email FROM contacts WHERE id IN ({', '.join('?' * count)})", ids)]
    raw.close()
    with demo_url(url):
        datastores = ConnectedDatastores.open(manifest, root, timeout=30, write=False)
    try:
        for email in emails[:WARM_UP]:
            service.access(datastores, {"email": [email]})
        peaks = measure_peaks(lambda email: service.access(datastores, {"email": [email]}),
                              emails[WARM_UP:])
    finally:
        datastores.close()
    return peaks, origin


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--subjects", type=int, default=1_000_000,
                        help="people in the SQLite demo database")
    parser.add_argument("--pg-subjects", type=int, default=100_000,
                        help="people in the PostgreSQL demo database")
    parser.add_argument("--memory-subjects", type=int, default=100_000,
                        help="the smaller SQLite build the access memory is compared with")
    parser.add_argument("--requests", type=int, default=200,
                        help="access requests, and erasures, timed per engine")
    parser.add_argument("--verify", type=int, default=20,
                        help="erasures compared row by row with the floor's before timing")
    parser.add_argument("--batch", type=int, default=10_000, help="people per batch erasure")
    parser.add_argument("--batch-runs", type=int, default=3, help="timed batches per engine")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", default=tempfile.gettempdir(),
                        help="where demo builds are kept and reused (privet-bench-<N>)")
    parser.add_argument("--skip-pg", action="store_true", help="SQLite only")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where databases can be created")
    parser.add_argument("--keep-pg", action="store_true",
                        help="keep privet_bench_<N> for the next run instead of dropping it")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    now = datetime.now(UTC)
    results: list[Result] = []
    try:
        target = sqlite_target(args, args.subjects)
        sqlite_result = run_target(target, args, now)
        results.append(sqlite_result)
        print("\n".join(sqlite_result.lines), flush=True)

        if args.memory_subjects != args.subjects and sqlite_result.access_peak is not None:
            say(f"access memory at {args.memory_subjects:,} subjects")
            small, origin = access_memory_at(args, args.memory_subjects)
            big = sqlite_result.access_peak
            ok = big.median <= MEMORY_TOLERANCE * small.median + MEMORY_SLACK
            print(f"  memory   access peak per request at {args.memory_subjects:,} subjects "
                  f"({origin}): median {size(small.median)}, max {size(small.largest)}; "
                  f"at {args.subjects:,}: median {size(big.median)} — "
                  f"{big.median / small.median:.2f}x for {args.subjects / args.memory_subjects:g}x"
                  f" the rows | does not grow with table size: {verdict(ok)}", flush=True)

        if not args.skip_pg:
            pg = pg_target(args, args.pg_subjects)
            try:
                pg_result = run_target(pg, args, now)
            finally:
                if not args.keep_pg:
                    drop_pg(args, args.pg_subjects)
            results.append(pg_result)
            print("\n".join(pg_result.lines), flush=True)
    except Mismatch as exc:
        print(f"\n!!! {exc}\n!!! the figures would compare different work: fix the floor "
              "or Privet first", file=sys.stderr)
        return 1
    print(f"total {time.perf_counter() - started:.0f} s", flush=True)
    return 0


def drop_pg(args: argparse.Namespace, subjects: int) -> None:
    import psycopg

    with psycopg.connect(pg_database_url(args.pg_url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "privet_bench_{subjects}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
