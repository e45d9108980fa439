"""Retention on schedule: one run per interval whichever process asks, carried out by a
durable job: by the in-process runner (the embedded mode) and by a Celery worker whose beat
starts it (production)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from privet.jobs.inline import InlineRunner
from privet.kit.db import dispose, session_scope
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace
from privet.models.jobs import Job
from privet.models.retention import RetentionRun
from privet.retention import service
from privet.retention.tasks import (
    RUN_RETENTION,
    request_run,
    schedule_retention,
    schedule_slot,
)

if TYPE_CHECKING:
    from conftest import Shop


def scheduled_every(shop: Shop, hours: int) -> Runtime:
    (shop.root / "privet.toml").write_text(
        f'secret_key = "{shop.secret.decode()}"\n[retention]\nschedule_hours = {hours}\n'
        'batch_size = 1000\n', encoding="utf-8")
    return Runtime.load(Workspace.find(shop.root))


def runs(runtime: Runtime) -> list[tuple[str, str, int, int]]:
    with session_scope(runtime.sessions) as session:
        return [(r.trigger, r.state, r.rows_deleted, r.batch_size)
                for r in session.scalars(select(RetentionRun).order_by(RetentionRun.id))]


def test_the_schedule_starts_one_run_per_interval(sqlite_shop: Shop) -> None:
    runtime = scheduled_every(sqlite_shop, 24)
    try:
        now = datetime.now(UTC).replace(tzinfo=None)
        schedule_retention(runtime, now)
        schedule_retention(runtime, now + timedelta(minutes=5))  # another process, same day
        assert [r[:2] for r in runs(runtime)] == [("schedule", "running")]

        InlineRunner(runtime).run_until_idle()
        [(trigger, state, deleted, batch_size)] = runs(runtime)
        assert (trigger, state, batch_size) == ("schedule", "completed", 1000)
        assert deleted == 5 + sqlite_shop.bulk + 5
        assert sqlite_shop.ids("visits") == set(range(10_000, 10_020))

        schedule_retention(runtime, now + timedelta(hours=1))  # still the same interval
        assert len(runs(runtime)) == 1
        schedule_retention(runtime, schedule_slot(now, 24) + timedelta(days=1, minutes=1))
        assert [r[:2] for r in runs(runtime)] == [("schedule", "completed"),
                                                  ("schedule", "running")]
        with session_scope(runtime.sessions) as session:
            jobs = session.scalar(select(func.count()).select_from(Job).where(
                Job.kind == RUN_RETENTION))
        assert jobs == 2
    finally:
        dispose(runtime.sessions)


def test_no_schedule_no_run(sqlite_shop: Shop) -> None:
    runtime = scheduled_every(sqlite_shop, 0)
    try:
        schedule_retention(runtime, datetime.now(UTC).replace(tzinfo=None))
        assert runs(runtime) == []
    finally:
        dispose(runtime.sessions)


def test_schedule_slots_start_at_midnight_utc() -> None:
    moment = datetime(2026, 12, 2, 15, 42, 7)
    assert schedule_slot(moment, 24) == datetime(2026, 12, 2)
    assert schedule_slot(moment, 6) == datetime(2026, 12, 2, 12)
    assert schedule_slot(moment, 1) == datetime(2026, 12, 2, 15)


def test_a_celery_worker_beat_starts_and_carries_out_the_run(sqlite_shop: Shop,
                                                            redis_url: str) -> None:
    runtime = scheduled_every(sqlite_shop, 24)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PRIVET_")}
    environment["PRIVET_BROKER_URL"] = redis_url
    log = (sqlite_shop.root / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "privet.cli", "worker", "--celery", "--dir",
         str(sqlite_shop.root)], env=environment, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=90)
        while not runs(runtime) or runs(runtime)[0][1] != "completed":
            assert worker.poll() is None, (sqlite_shop.root / "worker.log").read_text()
            assert datetime.now(UTC) < deadline, (sqlite_shop.root / "worker.log").read_text()
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=0.5)  # returns early only if the worker died
        [(trigger, state, deleted, _)] = runs(runtime)
        assert (trigger, state, deleted) == ("schedule", "completed",
                                             5 + sqlite_shop.bulk + 5)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        dispose(runtime.sessions)


def test_an_interrupted_run_is_resumed_by_the_next_request_for_one(sqlite_shop: Shop) -> None:
    """A run left unfinished (its process died; its job gave up) is not left behind: the
    schedule, or Run now, queues a new job for it instead of starting another run."""
    runtime = scheduled_every(sqlite_shop, 24)
    try:
        now = datetime.now(UTC).replace(tzinfo=None)
        with session_scope(runtime.sessions) as session:
            stuck = service.start_run(session, runtime.manifest, secret=runtime.secret,
                                      as_of=now, trigger="cli", actor="cli").id
        schedule_retention(runtime, now)
        with session_scope(runtime.sessions) as session:
            again = request_run(session, runtime, now=now, trigger="admin", actor="admin:olga")
            assert again.id == stuck
            jobs = session.scalars(select(Job.dedupe_key).where(
                Job.kind == RUN_RETENTION)).all()
        assert jobs == [f"retention:run:{stuck}:1"], "one job, however often it is asked"

        InlineRunner(runtime).run_until_idle()
        resumed, scheduled = runs(runtime)
        assert resumed[:3] == ("cli", "completed", 5 + sqlite_shop.bulk + 5)
        # Once it is done, the interval's own run starts, and finds nothing left.
        assert scheduled[:3] == ("schedule", "completed", 0)
    finally:
        dispose(runtime.sessions)
