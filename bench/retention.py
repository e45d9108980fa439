"""Benchmark: a retention sweep against one raw ``DELETE … WHERE`` of the same rows.

The demo workspace (``--subjects`` people, default 2,000) is built, then its ``web_visits``
table is refilled with ``--rows`` expired visits (default 1,000,000: 13 to 25 months old,
past the demo rule ``browser_data``'s 12 months) and a tenth as many recent ones (under 6
months old) that must be kept; the two are shuffled together over the primary keys, and
the other columns are filled as the demo fills them (a random cookie and address, 60% with
a contact). The table keeps the demo's indexes (cookie_id, contact_id); visited_at has
none, as in the demo.

For each engine (SQLite, and PostgreSQL: a copy of the SQLite build, indexes included),
``--runs`` times, alternating which goes first, each on a fresh copy of the loaded
database (SQLite: a file copy; PostgreSQL: ``CREATE DATABASE … TEMPLATE``, then a
``CHECKPOINT`` so neither pays for the other's dirty pages):

- the floor: one ``DELETE FROM web_visits WHERE visited_at <= ?`` with the run's cut-off,
  in one transaction, on a raw DB-API connection (sqlite3, psycopg), committed; the
  connection is opened before the clock starts;
- Privet: a run of the rule ``browser_data`` (``retention.service.start_run``, before the
  clock), then ``carry_out`` timed from call to return: the lease, the open-request check,
  every batch (``--batch-size``, default the product's 10,000 rows: a SELECT of the
  batch's last due key, then a DELETE of the due rows of that key range, in its own
  datastore transaction, with one write to Privet's database per batch: the lease, the
  previous batch counted, this one pending), the audit entries and the report. The
  datastore is opened (connect, reflect, identity graph) before the clock starts; that time
  is printed apart. Privet's own database is SQLite
  (WAL) in a temporary folder for the SQLite target, a PostgreSQL database on the same
  server for the PostgreSQL one, each created once per engine.

SQLite runs the floor and Privet with the same file settings: the demo file's
``journal_mode`` (DELETE), the default ``synchronous`` (FULL) and page cache, and
``foreign_keys=ON`` (as Privet opens SQLite datastores). The settings read are printed.

Every run is checked: the rows each deleted must equal the expired rows, and the rows left
the recent ones (their count and the sum of their ids); Privet's run must complete. A
mismatch prints MISMATCH and the exit status is 1.

Targets: Privet's median at most 1.3x the floor's; its longest single transaction (the
longest batch, as the run records it) under 1 s. A missed target prints MISSED; the exit
status stays 0.

The loaded SQLite build is kept in ``--workdir``/privet-bench-retention-<rows> and reused
for 30 days (the output says which); the PostgreSQL databases (``privet_bench_retention_*``)
are dropped at the end unless ``--keep-pg``.

    .venv/bin/python bench/retention.py
    .venv/bin/python bench/retention.py --quick
    .venv/bin/python bench/retention.py --rows 200000 --runs 5 --engines sqlite
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
from privet.demo.database import INDEXES
from privet.demo.workspace import DATABASE_PATH, build_demo_workspace
from privet.jobs.service import worker_name
from privet.kit.clock import utc_naive
from privet.kit.db import dispose, open_database, session_scope
from privet.kit.workspace import Workspace
from privet.manifest.schema import Manifest
from privet.models.retention import RunState
from privet.requests.engine import ConnectedDatastores
from privet.retention import service
from privet.retention.sweep import rule_steps

TARGET_RATIO = 1.3
TARGET_TRANSACTION = 1.0
"""Seconds: Privet's longest single transaction."""
RULE = "browser_data"
TABLE = "web_visits"
LIVE_SHARE = 0.1
"""Recent (kept) rows, as a share of the expired ones."""
REUSE_DAYS = 30
"""A build is reused this long: its recent rows (< 6 months) stay recent, the expired
ones expired."""
DAY = 86_400
PREFIX = "privet_bench_retention"


def seconds_list(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


# ---------------------------------------------------------------------------- the build


@dataclass(frozen=True)
class Loaded:
    """The loaded demo workspace: what its web_visits holds."""

    root: Path
    database: Path
    expired: int
    live: int
    live_id_sum: int
    origin: str


_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
)
_PATHS = ("/", "/pricing", "/features", "/blog", "/docs", "/signup", "/login", "/contact")
_REFERRERS = (None, None, "https://www.google.com/", "https://duckduckgo.com/",
              "https://www.linkedin.com/")


def _visits(expired: int, live: int, subjects: int, seed: int,
            now: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of web_visits, in chunks: ``expired`` 13 to 25 months old and ``live``
    under 6 months old, shuffled over the ids."""
    rng = random.Random(seed)
    kinds = [True] * live + [False] * expired
    rng.shuffle(kinds)
    r, rb, b64 = rng.random, rng.randbytes, base64.urlsafe_b64encode
    stamp = time.gmtime
    for lo in range(0, len(kinds), 50_000):
        rows: list[tuple[Any, ...]] = []
        for number in range(lo, min(len(kinds), lo + 50_000)):
            age = (r() * 180 if kinds[number] else 395 + r() * 365) * DAY
            x = int(r() * 4_294_967_296)
            rows.append((
                number + 1, int(r() * subjects) + 1 if r() < 0.6 else None,
                b64(rb(15)).decode(),
                f"{(x >> 24) % 223 + 1}.{x >> 16 & 255}.{x >> 8 & 255}.{x & 255}",
                _AGENTS[x % len(_AGENTS)], _REFERRERS[x % len(_REFERRERS)],
                _PATHS[(x >> 3) % len(_PATHS)],
                time.strftime("%Y-%m-%d %H:%M:%S", stamp(now - int(age)))))
        yield rows


def loaded_workspace(workdir: Path, rows: int, subjects: int, seed: int) -> Loaded:
    """The demo workspace with web_visits refilled; built once, reused for REUSE_DAYS."""
    root = workdir / f"privet-bench-retention-{rows}"
    marker = root / "bench-built.json"
    database = root / DATABASE_PATH
    live = round(rows * LIVE_SHARE)
    wanted = {"rows": rows, "live": live, "subjects": subjects, "seed": seed}
    if marker.exists() and database.exists():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            built = json.loads(marker.read_text())
            age = time.time() - float(built.pop("built_at"))
            live_id_sum = int(built.pop("live_id_sum"))
            if built == wanted and age < REUSE_DAYS * DAY:
                return Loaded(root, database, rows, live, live_id_sum,
                              f"reused from {root}, built {age / DAY:.0f} days ago")
    say(f"building the demo workspace ({subjects:,} subjects) in {root}")
    marker.unlink(missing_ok=True)
    started = time.perf_counter()
    build_demo_workspace(root, subjects=subjects, seed=seed)
    say(f"filling {TABLE} with {rows:,} expired and {live:,} recent visits")
    indexes = [s for s in INDEXES if f" ON {TABLE} " in s]
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")
        connection.execute("BEGIN")
        for statement in indexes:
            connection.execute("DROP INDEX " + statement.split(" ON ")[0].split()[-1])
        connection.execute(f"DELETE FROM {TABLE}")
        for chunk in _visits(rows, live, subjects, seed, int(time.time())):
            connection.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", chunk)
        for statement in indexes:
            connection.execute(statement)
        connection.execute("COMMIT")
        live_id_sum = connection.execute(
            f"SELECT coalesce(sum(id), 0) FROM {TABLE} WHERE visited_at > ?",
            (_sqlite_moment(datetime.now(UTC) - timedelta(days=365)),)).fetchone()[0]
        connection.execute("ANALYZE")
        connection.execute("VACUUM")
        connection.execute("PRAGMA journal_mode=DELETE")  # as the demo build leaves it
    finally:
        connection.close()
    marker.write_text(json.dumps({**wanted, "live_id_sum": live_id_sum,
                                  "built_at": time.time()}))
    return Loaded(root, database, rows, live, int(live_id_sum),
                  f"built in {time.perf_counter() - started:.0f} s into {root}")


def _sqlite_moment(moment: datetime) -> str:
    """A moment as the demo keeps dates in SQLite (UTC text)."""
    return utc_naive(moment).strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------------------- engines


@dataclass
class Target:
    """One engine: fresh copies of the loaded database, raw connections, Privet's DB."""

    label: str
    dialect: str
    make_copy: Callable[[], str]
    """A fresh copy of the loaded database; returns its URL."""
    drop_copy: Callable[[], None]
    connect: Callable[[str], Any]
    """A raw DB-API connection (sqlite3 in autocommit mode, or psycopg) on a URL."""
    settle: Callable[[], None]
    """Called just before a clock starts (PostgreSQL: a checkpoint)."""
    privet_db: str
    """The URL of Privet's own database for this engine's runs."""
    size: str
    settings: str
    close: Callable[[], None] = lambda: None


def sqlite_connect(url: str) -> sqlite3.Connection:
    path = url.removeprefix("sqlite:///")
    connection = sqlite3.connect(f"file:{quote(path)}?mode=rw", uri=True, isolation_level=None,
                                 timeout=30)
    connection.execute("PRAGMA foreign_keys=ON")  # as Privet opens SQLite datastores
    return connection


def sqlite_target(loaded: Loaded, scratch: Path) -> Target:
    copy = scratch / "copy.db"

    def make_copy() -> str:
        drop_copy()
        shutil.copyfile(loaded.database, copy)
        # on disk before any clock starts: else the first commit timed would flush the copy
        with open(copy, "rb+") as written:
            os.fsync(written.fileno())
        return sqlite_url(copy)

    def drop_copy() -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)

    with contextlib.closing(sqlite_connect(sqlite_url(loaded.database))) as connection:
        journal = connection.execute("PRAGMA journal_mode").fetchone()[0]
        synchronous = connection.execute("PRAGMA synchronous").fetchone()[0]
        cache = connection.execute("PRAGMA cache_size").fetchone()[0]
        foreign = connection.execute("PRAGMA foreign_keys").fetchone()[0]
    named = {0: "off", 1: "normal", 2: "full", 3: "extra"}.get(synchronous, synchronous)
    cache_text = f"{-cache} KiB" if cache < 0 else f"{cache} pages"
    settings = (f"journal_mode={journal}, synchronous={named}, cache_size={cache_text}, "
                f"foreign_keys={'on' if foreign else 'off'}, for Privet and the floor alike; "
                "Privet's own DB: SQLite (WAL) in a temporary folder")
    return Target("SQLite", "sqlite", make_copy, drop_copy, sqlite_connect, lambda: None,
                  sqlite_url(scratch / "privet.db"),
                  f"{loaded.database.stat().st_size / 1e9:.2f} GB", settings)


def pg_target(loaded: Loaded, args: argparse.Namespace) -> Target:
    import psycopg

    name = f"{PREFIX}_{loaded.expired}"
    copy_name, ledger_name = f"{PREFIX}_copy", f"{PREFIX}_privet"
    admin_url = pg_database_url(args.pg_url, "postgres")
    built_at = json.loads((loaded.root / "bench-built.json").read_text())["built_at"]
    tag = f"privet-bench-retention rows={loaded.expired} built_at={built_at} complete"

    def admin() -> psycopg.Connection[Any]:
        return psycopg.connect(admin_url, autocommit=True)

    with admin() as connection:
        row = connection.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                 "WHERE datname = %s", (name,)).fetchone()
        if row is not None and row[0] == tag:
            origin = f"reused PostgreSQL database {name}"
        else:
            say(f"copying the loaded demo database into PostgreSQL {name}")
            started = time.perf_counter()
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
            copy_into_postgres(loaded.database, pg_database_url(args.pg_url, name), freeze=True)
            connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{tag}'")
            origin = f"copied into PostgreSQL {name} in {time.perf_counter() - started:.0f} s"
        connection.execute(f'DROP DATABASE IF EXISTS "{ledger_name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{ledger_name}"')
        size = connection.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
        settings: dict[str, str] = dict(connection.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('fsync', "
            "'synchronous_commit', 'shared_buffers', 'full_page_writes', 'autovacuum')"
        ).fetchall())
        version = connection.execute("SHOW server_version").fetchone()

    def make_copy() -> str:
        with admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}" '
                               "STRATEGY FILE_COPY")
        return pg_database_url(args.pg_url, copy_name)

    def drop_copy() -> None:
        with admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)')

    def settle() -> None:
        with admin() as connection:
            connection.execute("CHECKPOINT")

    def close() -> None:
        with admin() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{ledger_name}" WITH (FORCE)')
            if not args.keep_pg:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def connect(url: str) -> psycopg.Connection[Any]:
        return psycopg.connect(url)

    shared = int(settings.get("shared_buffers", "0")) * 8 // 1024
    return Target(
        "PostgreSQL", "postgresql", make_copy, drop_copy, connect, settle,
        pg_database_url(args.pg_url, ledger_name),
        f"{(size[0] if size else 0) / 1e9:.2f} GB ({origin})",
        f"server {version[0] if version else '?'}, fsync={settings.get('fsync')}, "
        f"synchronous_commit={settings.get('synchronous_commit')}, "
        f"full_page_writes={settings.get('full_page_writes')}, shared_buffers={shared} MiB, "
        f"autovacuum={settings.get('autovacuum')}; Privet's own DB: {ledger_name} on the "
        "same server", close)


# ---------------------------------------------------------------------------- one engine


@dataclass
class Figures:
    privet: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)
    opened: list[float] = field(default_factory=list)
    longest: list[float] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)
    privet_written: list[int] = field(default_factory=list)
    floor_written: list[int] = field(default_factory=list)


def bytes_written() -> int | None:
    """Bytes this process has caused to be written to storage (Linux), else None: SQLite
    writes from this process; PostgreSQL's server does its own."""
    try:
        with open("/proc/self/io") as io:
            for line in io:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


@contextlib.contextmanager
def counting_writes(into: list[int]) -> Iterator[None]:
    before = bytes_written()
    yield
    after = bytes_written()
    if before is not None and after is not None:
        into.append(after - before)


def check_table(target: Target, url: str, loaded: Loaded, cutoff: Any, what: str) -> None:
    """The rows left must be exactly the recent ones."""
    connection = target.connect(url)
    try:
        mark = "?" if target.dialect == "sqlite" else "%s"
        row = connection.execute(
            f"SELECT count(*), coalesce(sum(id), 0), "
            f"coalesce(sum(CASE WHEN visited_at <= {mark} THEN 1 ELSE 0 END), 0) "
            f"FROM {TABLE}", (cutoff,)).fetchone()
    finally:
        connection.close()
    left, id_sum, due = (int(v) for v in row)
    if (left, id_sum, due) != (loaded.live, loaded.live_id_sum, 0):
        raise Mismatch(f"{target.label}, {what}: {left:,} rows left (expected {loaded.live:,}), "
                       f"sum of ids {id_sum:,} (expected {loaded.live_id_sum:,}), "
                       f"{due:,} still due (expected 0)")


def run_floor(target: Target, loaded: Loaded, cutoff: Any, figures: Figures) -> float:
    url = target.make_copy()
    try:
        connection = target.connect(url)
        try:
            mark = "?" if target.dialect == "sqlite" else "%s"
            target.settle()
            with counting_writes(figures.floor_written):
                started = time.perf_counter()
                if target.dialect == "sqlite":
                    connection.execute("BEGIN")
                deleted = connection.execute(f"DELETE FROM {TABLE} WHERE visited_at <= {mark}",
                                             (cutoff,)).rowcount
                if target.dialect == "sqlite":
                    connection.execute("COMMIT")
                else:
                    connection.commit()
                seconds = time.perf_counter() - started
        finally:
            connection.close()
        if deleted != loaded.expired:
            raise Mismatch(f"{target.label}: the floor deleted {deleted:,} rows, "
                           f"expected {loaded.expired:,}")
        check_table(target, url, loaded, cutoff, "after the floor")
    finally:
        target.drop_copy()
    return seconds


def run_privet(target: Target, loaded: Loaded, manifest: Manifest, secret: bytes,
               sessions: Any, as_of: datetime, cutoff: Any, figures: Figures,
               batch_size: int) -> float:
    url = target.make_copy()
    try:
        with demo_url(url):
            started = time.perf_counter()
            datastores = ConnectedDatastores.open(manifest, loaded.root, timeout=30,
                                                  write=True, only=["app"])
            figures.opened.append(time.perf_counter() - started)
        try:
            if datastores.failures:
                raise Mismatch(f"{target.label}: cannot open the copy: {datastores.failures}")
            with session_scope(sessions) as session:
                run_id = service.start_run(session, manifest, secret=secret, as_of=as_of,
                                           rules=[RULE], batch_size=batch_size,
                                           trigger="cli", actor="cli").id
            target.settle()
            with counting_writes(figures.privet_written):
                started = time.perf_counter()
                run = service.carry_out(sessions, datastores, run_id, manifest=manifest,
                                        secret=secret, worker=worker_name("bench"))
                seconds = time.perf_counter() - started
        finally:
            datastores.close()
        if run.state != RunState.completed.value:
            raise Mismatch(f"{target.label}: Privet's run ended {run.state}: {run.error}")
        if run.rows_deleted != loaded.expired:
            raise Mismatch(f"{target.label}: Privet deleted {run.rows_deleted:,} rows, "
                           f"expected {loaded.expired:,}")
        figures.longest.append(max(s.longest_batch_seconds for s in run.steps))
        figures.batches.append(sum(s.batches for s in run.steps))
        check_table(target, url, loaded, cutoff, "after Privet's run")
    finally:
        target.drop_copy()
    return seconds


def run_target(target: Target, loaded: Loaded, runs: int, batch_size: int) -> list[str]:
    workspace = Workspace.find(loaded.root)
    manifest = workspace.load_manifest()
    key = workspace.settings.secret_key
    if key is None:
        raise SystemExit(f"{loaded.root} has no secret key (privet.toml)")
    secret = key.get_secret_value().encode()
    as_of = utc_naive()
    steps = rule_steps(manifest, RULE, manifest.retention[RULE])
    if len(steps) != 1:
        raise Mismatch(f"rule {RULE} has {len(steps)} steps; this benchmark expects one delete")
    moment = steps[0].cutoff(as_of)
    cutoff: Any = _sqlite_moment(moment) if target.dialect == "sqlite" else moment
    lines = [f"{target.label}: {TABLE} {loaded.expired:,} expired + {loaded.live:,} recent "
             f"rows, database {target.size}; {target.settings}"]
    sessions = open_database(target.privet_db)
    figures = Figures()
    try:
        for number in range(runs):
            say(f"{target.label}: run {number + 1} of {runs}")
            order = ["floor", "privet"] if number % 2 == 0 else ["privet", "floor"]
            for who in order:
                if who == "floor":
                    figures.floor.append(run_floor(target, loaded, cutoff, figures))
                else:
                    figures.privet.append(run_privet(target, loaded, manifest, secret,
                                                     sessions, as_of, moment, figures,
                                                     batch_size))
                say(f"{target.label}: {who} {getattr(figures, who)[-1]:.2f} s")
    finally:
        dispose(sessions)
    privet, floor = statistics.median(figures.privet), statistics.median(figures.floor)
    ratio = privet / floor
    longest = statistics.median(figures.longest)
    lines += [
        f"  datastore opened (connect, reflect, identity graph) in "
        f"{statistics.median(figures.opened) * 1000:.0f} ms (median) — before the clock starts",
        f"  delete   Privet median {privet:7.2f} s = {loaded.expired / privet:9,.0f} rows/s | "
        f"floor median {floor:7.2f} s = {loaded.expired / floor:9,.0f} rows/s | "
        f"ratio {ratio:5.2f}x | ≤{TARGET_RATIO:g}x floor: {verdict(ratio <= TARGET_RATIO)}",
        f"           runs (s): Privet {seconds_list(figures.privet)}; floor "
        f"{seconds_list(figures.floor)} (each on a fresh copy, alternating who goes first)",
        f"  longest  transaction: Privet median {longest:.3f} s (max {max(figures.longest):.3f} "
        f"s) over {statistics.median(figures.batches):,.0f} batches of ≤"
        f"{batch_size:,} | < {TARGET_TRANSACTION:g} s: "
        f"{verdict(max(figures.longest) < TARGET_TRANSACTION)}; the floor's one transaction: "
        f"{floor:.2f} s",
        f"  rows     deleted {loaded.expired:,} by each, every run; {loaded.live:,} recent rows "
        f"left, the same ids",
    ]
    if target.dialect == "sqlite" and figures.privet_written and figures.floor_written:
        mine = statistics.median(figures.privet_written)
        theirs = statistics.median(figures.floor_written)
        lines.append(
            f"  written  to storage (median, this process: the datastore's pages and journal, and "
            f"Privet's own DB): Privet {mine / 1e9:.2f} GB, floor {theirs / 1e9:.2f} GB "
            f"({mine / max(theirs, 1):.1f}x)")
    return lines


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000,
                        help="expired rows in web_visits (and a tenth as many recent ones)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each, per engine")
    parser.add_argument("--engines", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql")
    parser.add_argument("--subjects", type=int, default=2_000,
                        help="people in the demo database (the rest of it)")
    parser.add_argument("--quick", action="store_true",
                        help="100,000 rows, one run (a smoke test, not a figure)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", default=tempfile.gettempdir(),
                        help="where the loaded build is kept and reused")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where databases can be created")
    parser.add_argument("--batch-size", type=int, default=service.DEFAULT_BATCH_SIZE,
                        help="rows per transaction of Privet's run (the product's default)")
    parser.add_argument("--keep-pg", action="store_true",
                        help="keep the loaded PostgreSQL database for the next run")
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.runs = 100_000, 1
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - {"sqlite", "postgresql"}
    if unknown or not engines:
        parser.error(f"--engines: sqlite and/or postgresql, not {', '.join(unknown) or '∅'}")
    started = time.perf_counter()
    try:
        loaded = loaded_workspace(Path(args.workdir), args.rows, args.subjects, args.seed)
        print(f"demo workspace: {loaded.origin}", flush=True)
        for engine in engines:
            with tempfile.TemporaryDirectory(prefix="privet-bench-retention-") as scratch:
                target = (sqlite_target(loaded, Path(scratch)) if engine == "sqlite"
                          else pg_target(loaded, args))
                try:
                    lines = run_target(target, loaded, args.runs, args.batch_size)
                finally:
                    target.close()
            print("\n".join(lines), flush=True)
    except Mismatch as exc:
        print(f"\n!!! MISMATCH: {exc}\n!!! the figures would compare different work",
              file=sys.stderr)
        return 1
    print(f"total {time.perf_counter() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
