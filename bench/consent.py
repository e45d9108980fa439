"""Benchmark: consent receipts and "may I email?" checks through the HTTP API, against a bare
FastAPI floor.

On a demo workspace built in a temporary folder, for each engine (SQLite: the workspace's
privet.db; PostgreSQL: a fresh database on ``--pg-url``, dropped at the end) this starts two
servers, each one uvicorn process with one worker (log level warning, no access log, the
same HTTP and event-loop implementations):

- Privet: ``create_app`` on the workspace, as ``privet serve`` runs it (middleware, job
  runner thread and all);
- the floor: a bare FastAPI app (no middleware) with the same two paths on the same
  database, through the same engine options (``privet.kit.db.open_database``), each a
  plain function answering a ``JSONResponse`` (one trip to the thread pool, no response
  model): ``POST /api/consent/receipts`` takes the same JSON body as a plain dict and
  inserts the same row into ``consent_receipts`` (a receipt id, the device id, the time,
  the notice version and hash, the action, the source, the categories and purposes as
  JSON, gpc, the language, the user agent, the truncated IP and a signature string; no
  HMAC is computed) with one SQLAlchemy Core insert and commit; ``POST /api/consent/check``
  runs the SELECT Privet runs (its columns of ``consent_receipts`` ``WHERE subject_hash =
  :h ORDER BY id``) and answers a JSON boolean (the newest decision on the purpose),
  without authentication.

One client in this process (asyncio, ``--concurrency`` kept-alive HTTP/1.1 connections,
a few lines of its own: ``httpx.AsyncClient`` spent about 2 ms of CPU per request on the
2-core machine this was written on, more than the floor's server, and capped the floor)
sends ``--requests`` requests per run and times each; throughput is requests over wall
time. Receipts are banner choices from distinct device ids (action ``custom``,
every optional category decided, the notice's version and hash from
``GET /api/consent/notice``); checks ask about the purpose ``newsletter`` for people whose
receipts were seeded beforehand through Privet's service (``--subjects`` people, one to
three receipts each; one ask in ten is about someone unknown), with an API key holding
``consent:read`` (sent to the floor too, which ignores it). After a warm-up, each measure
runs ``--runs`` times, Privet and the floor alternating (which goes first alternates too);
the figures are the medians of the runs. The CPU time of each server process (from
/proc) is printed per request: on a small shared machine it is steadier than throughput.

Before anything is timed, Privet and the floor are checked against each other: a receipt
from each, their rows filled in the same columns; the check's answer from each, for
``--verify`` people. During every receipt run, the rows of ``consent_receipts`` must grow
by exactly the number of requests answered 201 (and every request must be): a mismatch
is printed loudly and the exit status is 1.

Target: Privet's throughput at least 0.8 of the floor's. The exit status is 0 even when it
is missed: MISSED is printed.

    .venv/bin/python bench/consent.py
    .venv/bin/python bench/consent.py --quick
    .venv/bin/python bench/consent.py --requests 3000 --concurrency 16 --engines sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import importlib.util
import json
import math
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, Table, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from privet.auth.service import authenticate_api_key, create_api_key
from privet.consent import notices, service
from privet.demo.workspace import build_demo_workspace
from privet.kit.db import database_url, dispose, open_database, session_scope
from privet.kit.workspace import Workspace
from privet.models.accounts import Role
from privet.models.consent import ConsentAction, ConsentReceipt, ConsentSource

TARGET_RATIO = 0.8
PURPOSE = "newsletter"
RECEIPTS_PATH = "/api/consent/receipts"
CHECK_PATH = "/api/consent/check"
FLOOR_SIGNATURE = "0" * 64
"""The floor stores a signature string of the same length; it computes no HMAC."""
DECIDED_COLUMNS = ("recorded_at", "receipt_id", "source", "action", "categories", "purposes")
"""The columns Privet's check reads (``repository.decisions_of_subject``); the floor too."""
UNKNOWN_SHARE = 0.1
"""Share of checks about someone who has no receipt."""
PG_DATABASE = f"privet_bench_consent_{os.getpid()}"
"""Its own name: another run at the same time (``make bench`` elsewhere) drops only its own."""
READY_SECONDS = 60.0
USER_AGENT = "privet-bench-consent/1"


class Mismatch(Exception):
    """The floor and Privet disagree, or Privet failed: the figures would mean nothing."""


def say(message: str) -> None:
    """Progress, on stderr: the results block on stdout stays clean."""
    print(f"  … {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- servers


def floor_app(url: str, secret: bytes) -> FastAPI:
    """The floor: a bare FastAPI app (no middleware) doing only the database work."""
    sessions = open_database(url)  # Privet's engine options (SQLite pragmas, psycopg)
    engine = cast(Engine, sessions.kw["bind"])
    table = cast(Table, ConsentReceipt.__table__)
    decided = [table.c[name] for name in DECIDED_COLUMNS]
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/ping")
    def ping() -> bool:
        return True

    @app.post(RECEIPTS_PATH, status_code=201)
    def receipt(body: dict[str, Any], request: Request) -> JSONResponse:
        host = request.client.host if request.client else ""
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        row = {
            "receipt_id": f"cr_{secrets.token_urlsafe(18)}", "subject_hash": None,
            "device_id": body.get("device_id"), "recorded_at": now,
            "notice_version": body["notice_version"], "notice_hash": body["notice_hash"],
            "action": body["action"], "source": body.get("source", "banner"),
            "categories": body.get("categories", {}), "purposes": body.get("purposes", {}),
            "gpc": bool(body.get("gpc")), "jurisdiction": body.get("jurisdiction"),
            "language": body.get("language"),
            "user_agent": (request.headers.get("user-agent") or "")[:512] or None,
            "ip_truncated": host.rsplit(".", 1)[0] + ".0" if host else None,
            "signature": FLOOR_SIGNATURE,
        }
        with engine.begin() as connection:
            connection.execute(insert(table), row)
        return JSONResponse({**row, "recorded_at": now.isoformat()}, status_code=201)

    @app.post(CHECK_PATH)
    def check(body: dict[str, Any]) -> JSONResponse:
        email = str(body["email"]).strip().lower()
        digest = hmac.new(secret, f"email:{email}".encode(), hashlib.sha256).hexdigest()
        with engine.connect() as connection:
            rows = connection.execute(select(*decided).where(table.c.subject_hash == digest)
                                      .order_by(table.c.id)).all()
        decision: bool | None = None
        for row in rows:
            if body["purpose"] in row.purposes:
                decision = bool(row.purposes[body["purpose"]])
        return JSONResponse(decision is True)

    return app


def serve(kind: str, root: Path, url: str, port: int) -> int:
    """The server process: Privet or the floor, one uvicorn worker."""
    import uvicorn

    workspace = Workspace.find(root)
    if kind == "privet":
        from privet.web.app import create_app

        app: Any = create_app(workspace, sessions=open_database(url))
    else:
        app = floor_app(url, workspace.secret())
    uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                  access_log=False, workers=1)).run()
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base: str

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the server process so far (Linux /proc)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def started(kind: str, root: Path, url: str) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", kind, "--root", str(root),
         "--url", url, "--port", str(port)])
    server = Server(kind, process, f"http://127.0.0.1:{port}")
    try:
        probe = "/api/consent/notice" if kind == "privet" else "/ping"
        deadline = time.monotonic() + READY_SECONDS
        while True:
            if process.poll() is not None:
                raise Mismatch(f"the {kind} server exited ({process.returncode}) on start")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(server.base + probe, timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise Mismatch(f"the {kind} server did not answer in {READY_SECONDS:g} s")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()


# ------------------------------------------------------------------------------- load


@dataclass
class Run:
    """One timed run against one server."""

    seconds: list[float]
    wall: float
    statuses: Counter[int]
    server_cpu: float | None
    client_cpu: float

    @property
    def rate(self) -> float:
        return len(self.seconds) / self.wall

    def quantile(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def http_request(path: str, headers: dict[str, str], body: bytes) -> bytes:
    """The bytes of one HTTP/1.1 POST (keep-alive is HTTP/1.1's default)."""
    lines = [f"POST {path} HTTP/1.1", "host: 127.0.0.1", f"user-agent: {USER_AGENT}",
             *(f"{name}: {value}" for name, value in headers.items()),
             f"content-length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   request: bytes) -> tuple[int, bytes]:
    """Send one request on a kept-alive connection; the status and body of its response."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length: int | None = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" or (name == b"connection" and b"close" in value):
            raise Mismatch(f"unexpected response framing: {line.decode(errors='replace')}")
    if length is None:
        raise Mismatch(f"a response without content-length: {head[:200]!r}")
    return int(head[9:12]), await reader.readexactly(length)


async def _drive(base: str, path: str, warm: Sequence[bytes], timed: Sequence[bytes],
                 headers: dict[str, str], concurrency: int) -> tuple[list[float], float,
                                                                     Counter[int]]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    connections = [await asyncio.open_connection(host, int(port)) for _ in range(concurrency)]

    async def worker(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                     source: Iterator[bytes], seconds: list[float] | None,
                     statuses: Counter[int]) -> None:
        reader, writer = connection
        for body in source:  # one iterator shared by every worker
            request = http_request(path, headers, body)
            began = time.perf_counter()
            status, _ = await exchange(reader, writer, request)
            if seconds is not None:
                seconds.append(time.perf_counter() - began)
            statuses[status] += 1

    try:
        warm_statuses: Counter[int] = Counter()
        shared = iter(warm)
        await asyncio.gather(*(worker(c, shared, None, warm_statuses) for c in connections))
        seconds: list[float] = []
        statuses: Counter[int] = Counter()
        shared = iter(timed)
        began = time.perf_counter()
        await asyncio.gather(*(worker(c, shared, seconds, statuses) for c in connections))
        return seconds, time.perf_counter() - began, statuses + warm_statuses
    except (OSError, asyncio.IncompleteReadError) as error:
        raise Mismatch(f"{base}{path}: the connection broke ({error!r}); the server's log "
                       "above says why") from None
    finally:
        for _, writer in connections:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()


def load(server: Server, path: str, warm: Sequence[bytes], timed: Sequence[bytes],
         headers: dict[str, str], concurrency: int) -> Run:
    cpu_before, client_before = server.cpu_seconds(), time.process_time()
    seconds, wall, statuses = asyncio.run(_drive(server.base, path, warm, timed, headers,
                                                 concurrency))
    cpu_after, client_after = server.cpu_seconds(), time.process_time()
    server_cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    return Run(seconds, wall, statuses, server_cpu, client_after - client_before)


# ---------------------------------------------------------------------------- figures


@dataclass
class Figures:
    runs: list[Run] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(run.rate for run in self.runs)

    @property
    def p50(self) -> float:
        return statistics.median(run.quantile(0.5) for run in self.runs)

    @property
    def p99(self) -> float:
        return statistics.median(run.quantile(0.99) for run in self.runs)

    @property
    def cpu_per_request(self) -> float | None:
        spent = [run.server_cpu for run in self.runs]
        if any(cpu is None for cpu in spent):
            return None
        # the run's warm-up requests ran on the same CPU clock
        return statistics.median(cast(float, run.server_cpu) / sum(run.statuses.values())
                                 for run in self.runs)

    @property
    def client_per_request(self) -> float:
        return statistics.median(run.client_cpu / sum(run.statuses.values())
                                 for run in self.runs)

    def cells(self) -> str:
        cpu = self.cpu_per_request
        return (f"{self.rate:8,.0f} {self.p50 * 1000:7.2f} {self.p99 * 1000:7.2f} "
                f"{cpu * 1000 if cpu is not None else math.nan:7.2f}")


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


HEADER = (f"  {'measure':<9}| {'Privet req/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>7} "
          f"| {'floor req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms':>7} | ratio "
          f"| target ≥{TARGET_RATIO:g}")


def table_line(measure: str, privet: Figures, floor: Figures) -> str:
    ratio = privet.rate / floor.rate
    return (f"  {measure:<9}| {privet.cells().lstrip():>36} | {floor.cells().lstrip():>35} | "
            f"{ratio:5.2f} | {verdict(ratio >= TARGET_RATIO)}")


# ------------------------------------------------------------------------- databases


def count_receipts(sessions: sessionmaker[Session]) -> int:
    with session_scope(sessions) as session:
        return int(session.scalar(select(func.count()).select_from(ConsentReceipt)) or 0)


@dataclass
class Target:
    label: str
    url: str
    about: str


def sqlite_target(root: Path) -> Target:
    url = database_url(root, None)
    sessions = open_database(url)  # creates it, as the server would
    try:
        with session_scope(sessions) as session:
            journal = session.execute(text("PRAGMA journal_mode")).scalar()
            synchronous = session.execute(text("PRAGMA synchronous")).scalar()
    finally:
        dispose(sessions)
    level = {0: "off", 1: "normal", 2: "full", 3: "extra"}.get(int(synchronous or 0), synchronous)
    return Target("SQLite", url, f"the workspace's data/privet.db as Privet opens it "
                  f"(journal_mode={journal}, synchronous={level})")


def pg_url(base: str, name: str) -> str:
    return base.rsplit("/", 1)[0] + "/" + name


@contextlib.contextmanager
def pg_target(base: str) -> Iterator[Target | str]:
    """A fresh database, dropped at the end; a string (why) when the server is unreachable."""
    try:
        import psycopg

        admin = psycopg.connect(pg_url(base, "postgres"), autocommit=True, connect_timeout=5)
    except Exception as error:  # no driver, no server, refused: the row is skipped
        why = str(error).strip().splitlines()
        admin = None
        reason = f"{type(error).__name__}: {why[0] if why else ''}"
    if admin is None:
        yield reason
        return
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_DATABASE}"')
        settings: dict[str, str] = dict(admin.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('fsync', 'synchronous_commit')").fetchall())
        version = admin.execute("SHOW server_version").fetchone()
        yield Target("PostgreSQL", pg_url(base, PG_DATABASE),
                     f"fresh database {PG_DATABASE} on {base.split('@')[-1].rsplit('/', 1)[0]}"
                     f" (server {version[0] if version else '?'}, fsync={settings.get('fsync')}"
                     f", synchronous_commit={settings.get('synchronous_commit')})")
    finally:
        try:
            admin.execute(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)')
        except Exception as error:  # keep the first error, if any, in view
            print(f"!!! could not drop {PG_DATABASE}: {error}", file=sys.stderr)
        admin.close()


def seed(sessions: sessionmaker[Session], secret: bytes, version: int, people: int,
         rng: random.Random) -> tuple[list[str], str]:
    """People with one to three receipts each (through Privet's service, on the notice the
    server published); an API key with consent:read."""
    now = datetime.now(UTC)
    with session_scope(sessions) as session:
        notice = notices.get_notice(session, version)
        key = create_api_key("bench-consent-check", Role.viewer, ["consent:read"],
                             session=session).key
    emails = [f"person{number:06d}@bench.example" for number in range(people)]
    for start in range(0, people, 500):
        with session_scope(sessions) as session:
            for email in emails[start:start + 500]:
                for _ in range(rng.randint(1, 3)):
                    granted = rng.random() < 0.6
                    action = ConsentAction.custom if granted or rng.random() < 0.5 \
                        else ConsentAction.withdraw
                    service.record_receipt(session, secret=secret, notice=notice, now=now,
                                           choice=service.Choice(
                                               action=action, source=ConsentSource.api,
                                               email=email, purposes={PURPOSE: granted}))
    return emails, key


def api_key_cost(sessions: sessionmaker[Session], key: str,
                 count: int = 200) -> tuple[float, float]:
    """Wall and CPU seconds of ``authenticate_api_key`` in a fresh session (its connection
    checkout and BEGIN included, which a request pays for its first query anyway): the
    medians of the quietest of five batches."""
    with session_scope(sessions) as session:
        authenticate_api_key(key, session=session)  # may stamp last_used_at (once a minute)
    batches: list[tuple[float, float]] = []
    for _ in range(5):  # the quietest batch: a busy neighbour inflates the others
        wall, cpu = [], []
        for _ in range(count // 5):
            with session_scope(sessions) as session:
                began, began_cpu = time.perf_counter(), time.thread_time()
                authenticate_api_key(key, session=session)
                cpu.append(time.thread_time() - began_cpu)
                wall.append(time.perf_counter() - began)
        batches.append((statistics.median(wall), statistics.median(cpu)))
    return min(batches)


# ------------------------------------------------------------------------------ engine


@dataclass
class Plan:
    requests: int
    concurrency: int
    runs: int
    warm_up: int
    verify: int
    subjects: int
    seed: int


class Bodies:
    """Receipt bodies from distinct devices; check bodies about seeded (or unknown) people."""

    def __init__(self, notice: dict[str, Any], emails: list[str], rng: random.Random) -> None:
        self.version, self.hash = notice["version"], notice["text_hash"]
        self.optional = [c["key"] for c in notice["categories"] if not c["required"]]
        self.emails, self.rng, self.devices = emails, rng, 0
        self.tag = secrets.token_hex(4)

    def receipts(self, count: int) -> list[bytes]:
        out = []
        for _ in range(count):
            self.devices += 1
            out.append(json.dumps({
                "device_id": f"bench-{self.tag}-{self.devices:010d}",
                "notice_version": self.version, "notice_hash": self.hash,
                "action": "custom", "source": "banner", "language": "en", "gpc": False,
                "categories": {key: self.rng.random() < 0.5 for key in self.optional},
            }).encode())
        return out

    def check_emails(self, count: int) -> list[str]:
        return [self.rng.choice(self.emails) if self.rng.random() >= UNKNOWN_SHARE
                else f"nobody{self.rng.randrange(10**9):09d}@bench.example"
                for _ in range(count)]

    def checks(self, count: int) -> list[bytes]:
        return [json.dumps({"email": email, "purpose": PURPOSE}).encode()
                for email in self.check_emails(count)]


def verify(privet: Server, floor: Server, sessions: sessionmaker[Session], bodies: Bodies,
           key: str, people: int) -> str:
    """Both sides write the same kind of row and give the same answers; nothing is timed."""
    table = cast(Table, ConsentReceipt.__table__)
    body = bodies.receipts(1)[0]  # the same choice to both
    rows: dict[str, dict[str, Any]] = {}
    for server in (privet, floor):
        response = httpx.post(server.base + RECEIPTS_PATH, content=body, timeout=30,
                              headers={"content-type": "application/json",
                                       "user-agent": USER_AGENT})
        if response.status_code != 201:
            raise Mismatch(f"{server.name}: a receipt answered {response.status_code}: "
                           f"{response.text[:300]}")
        with session_scope(sessions) as session:
            row = session.execute(select(table).where(
                table.c.receipt_id == response.json()["receipt_id"])).one()
        rows[server.name] = dict(row._mapping)
    mine, theirs = rows["privet"], rows["floor"]
    own = {"id", "receipt_id", "recorded_at", "signature"}  # each side's own values
    differ = sorted(name for name in mine if name not in own and mine[name] != theirs[name])
    shapes = {name: (mine[name] is None, len(str(mine[name]))) for name in own - {"id"}}
    if differ or shapes != {name: (theirs[name] is None, len(str(theirs[name])))
                            for name in own - {"id"}}:
        raise Mismatch("the floor does not write the row Privet writes: "
                       + "; ".join(f"{name}: Privet {mine[name]!r}, floor {theirs[name]!r}"
                                   for name in differ or sorted(own - {"id"})))
    answers: Counter[bool] = Counter()
    auth = {"content-type": "application/json", "authorization": f"Bearer {key}"}
    with httpx.Client(timeout=30, headers=auth) as client:
        for email in bodies.check_emails(people):
            ask = {"email": email, "purpose": PURPOSE}
            said = client.post(privet.base + CHECK_PATH, json=ask)
            floor_said = client.post(floor.base + CHECK_PATH, json=ask)
            if said.status_code != 200 or floor_said.status_code != 200:
                raise Mismatch(f"check {email}: Privet {said.status_code}, floor "
                               f"{floor_said.status_code}: {said.text[:200]} "
                               f"{floor_said.text[:200]}")
            if said.json()["allowed"] is not floor_said.json():
                raise Mismatch(f"check {email}: Privet says {said.json()}, the floor "
                               f"{floor_said.json()}")
            answers[floor_said.json()] += 1
    return (f"the same choice sent to both is stored as the same row (every column but the "
            f"ids, times and signatures equal; those of the same shape); the same answer for "
            f"{people} people ({answers[True]} allowed, {answers[False]} not)")


def run_engine(target: Target, root: Path, plan: Plan) -> list[str]:
    lines = [f"{target.label}: {target.about}"]
    rng = random.Random(plan.seed)
    workspace = Workspace.find(root)
    sessions = open_database(target.url)
    try:
        with started("privet", root, target.url) as privet:
            notice = httpx.get(privet.base + "/api/consent/notice", timeout=30).json()
            say(f"{target.label}: seeding receipts for {plan.subjects:,} people")
            began = time.perf_counter()
            emails, key = seed(sessions, workspace.secret(), notice["version"], plan.subjects,
                               rng)
            lines.append(f"  seeded {count_receipts(sessions):,} receipts for "
                         f"{plan.subjects:,} people through Privet's service in "
                         f"{time.perf_counter() - began:.1f} s")
            with started("floor", root, target.url) as floor:
                bodies = Bodies(notice, emails, rng)
                say(f"{target.label}: checking the floor against Privet")
                lines.append("  verified before timing: "
                             + verify(privet, floor, sessions, bodies, key, plan.verify))
                table, check_cpu = measure_all(privet, floor, sessions, bodies, key, plan,
                                               target.label)
                lines.extend(table)
                lines.append(api_key_line(api_key_cost(sessions, key), check_cpu))
    finally:
        dispose(sessions)
    return lines


def api_key_line(cost: tuple[float, float], check_cpu: float | None) -> str:
    wall, cpu = cost
    share = f", {cpu / check_cpu:.0%} of Privet's CPU per check" if check_cpu else ""
    dominates = check_cpu is not None and cpu > 0.5 * check_cpu
    return (f"  API key: authenticate_api_key takes {wall * 1000:.2f} ms, {cpu * 1000:.2f} ms "
            f"of CPU (in this process, quietest batch){share}: a SHA-256 of the key and one "
            "indexed SELECT of api_keys by prefix, no argon2; last_used_at written at most "
            "once a minute" + (" — it DOMINATES the check" if dominates else ""))


def measure_all(privet: Server, floor: Server, sessions: sessionmaker[Session],
                bodies: Bodies, key: str, plan: Plan,
                label: str) -> tuple[list[str], float | None]:
    json_header = {"content-type": "application/json"}
    auth = {**json_header, "authorization": f"Bearer {key}"}
    figures = {(measure, side): Figures() for measure in ("receipts", "checks")
               for side in ("privet", "floor")}
    written = {"privet": 0, "floor": 0}
    for measure, path, headers in (("receipts", RECEIPTS_PATH, json_header),
                                   ("checks", CHECK_PATH, auth)):
        make = bodies.receipts if measure == "receipts" else bodies.checks
        expected = 201 if measure == "receipts" else 200
        for number in range(plan.runs):
            order = (privet, floor) if number % 2 == 0 else (floor, privet)
            for server in order:
                say(f"{label}: {measure}, run {number + 1}/{plan.runs}, {server.name}")
                warm = make(plan.warm_up if number == 0 else 2 * plan.concurrency)
                timed = make(plan.requests)
                before = count_receipts(sessions)
                run = load(server, path, warm, timed, headers, plan.concurrency)
                grown = count_receipts(sessions) - before
                answered = run.statuses.get(expected, 0)
                if answered != len(warm) + len(timed):
                    raise Mismatch(f"{server.name} {measure}: answers {dict(run.statuses)}, "
                                   f"expected {len(warm) + len(timed)} answers {expected}")
                if grown != (answered if measure == "receipts" else 0):
                    raise Mismatch(f"{server.name} {measure}: {answered} answered {expected} "
                                   f"but consent_receipts grew by {grown}")
                if measure == "receipts":
                    written[server.name] += grown
                figures[(measure, server.name)].runs.append(run)
    lines = [f"  {plan.requests:,} requests per run, {plan.concurrency} connections, "
             f"{plan.runs} runs per side alternating, medians of the runs; cpu ms: the "
             "uvicorn process's CPU time per request (a database server's not included)",
             HEADER]
    for measure in ("receipts", "checks"):
        lines.append(table_line(measure, figures[(measure, "privet")],
                                figures[(measure, "floor")]))
    client = statistics.median(figures[(m, s)].client_per_request
                               for m in ("receipts", "checks") for s in ("privet", "floor"))
    lines.append(f"  consent_receipts grew by exactly the receipts answered 201: "
                 f"{written['privet']:,} (Privet), {written['floor']:,} (floor); "
                 f"client CPU {client * 1000:.2f} ms per request")
    return lines, figures[("checks", "privet")].cpu_per_request


# -------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per run")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per side and measure")
    parser.add_argument("--warm-up", type=int, default=200,
                        help="untimed requests before the first run of each side")
    parser.add_argument("--subjects", type=int, default=3000,
                        help="people whose receipts are seeded for the checks")
    parser.add_argument("--verify", type=int, default=200,
                        help="people whose check answers are compared before timing")
    parser.add_argument("--engines", default="sqlite,postgres",
                        help="comma-separated: sqlite, postgres")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="a PostgreSQL server where a database can be created")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 300 requests, 2 runs, 50 warm-up, 500 people")
    parser.add_argument("--serve", choices=("privet", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve, Path(args.root), args.url, args.port)
    if args.quick:
        args.requests, args.runs, args.warm_up = 300, 2, 50
        args.subjects, args.verify = 500, 50
    engines = [name.strip().lower() for name in args.engines.split(",") if name.strip()]
    unknown = sorted(set(engines) - {"sqlite", "postgres"})
    if unknown:
        parser.error(f"unknown engine: {', '.join(unknown)} (sqlite, postgres)")
    plan = Plan(args.requests, args.concurrency, args.runs, args.warm_up, args.verify,
                args.subjects, args.seed)
    began = time.perf_counter()
    import fastapi
    import uvicorn

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    print(f"consent API: uvicorn {uvicorn.__version__} (1 worker, {http}, {loop}), FastAPI "
          f"{fastapi.__version__}; client: asyncio HTTP/1.1 keep-alive in the bench process; "
          f"{os.cpu_count()} CPUs", flush=True)
    try:
        with tempfile.TemporaryDirectory(prefix="privet-consent-bench-") as folder:
            root = Path(folder) / "site"
            say("building the demo workspace")
            build_demo_workspace(root, subjects=100, seed=args.seed)
            for engine in engines:
                if engine == "sqlite":
                    print("\n".join(run_engine(sqlite_target(root), root, plan)), flush=True)
                    continue
                with pg_target(args.pg_url) as target:
                    if isinstance(target, str):
                        print(f"PostgreSQL: skipped, cannot connect to {args.pg_url} "
                              f"({target})", flush=True)
                        continue
                    print("\n".join(run_engine(target, root, plan)), flush=True)
    except Mismatch as exc:
        print(f"\n!!! {exc}\n!!! the figures would compare different work: fix the floor "
              "or Privet first", file=sys.stderr)
        return 1
    print(f"total {time.perf_counter() - began:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
