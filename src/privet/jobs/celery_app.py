"""Celery workers for production: ``privet worker --celery`` with Redis
(``PRIVET_BROKER_URL``).

Celery only carries job ids; the job table stays the truth. A message is acknowledged
when a worker takes it, so a worker killed mid-job loses the message, not the job: its
lease runs out, and the sweep (``privet.sweep``, every ``SWEEP_SECONDS`` through the beat
embedded in each worker) queues the job again and sends a new message. Two messages for
one job are harmless: only one worker can claim it.
"""

from __future__ import annotations

import os
from datetime import timedelta
from functools import cache
from pathlib import Path

from celery import Celery

from privet.jobs.service import (
    PeriodicClock,
    due_job_ids,
    run_job,
    sweep,
    worker_name,
)
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace

SWEEP_SECONDS = 30
RUN_JOB = "privet.run_job"


@cache
def _runtime() -> Runtime:
    directory = os.environ.get("PRIVET_DIR")
    return Runtime.load(Workspace.find(Path(directory) if directory else None))


_clock = PeriodicClock()


def make_celery(broker_url: str) -> Celery:
    """The Celery app on ``broker_url``, with Privet's three tasks."""
    app = Celery("privet", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=False, worker_prefetch_multiplier=1, task_ignore_result=True,
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
        beat_schedule={"privet-sweep": {"task": "privet.sweep",
                                        "schedule": timedelta(seconds=SWEEP_SECONDS)}},
    )

    @app.task(name=RUN_JOB)  # type: ignore[untyped-decorator]
    def run_job_task(job_id: int) -> str | None:
        return run_job(_runtime(), job_id, worker=worker_name("celery"))

    @app.task(name="privet.sweep")  # type: ignore[untyped-decorator]
    def sweep_task() -> int:
        runtime = _runtime()
        sweep(runtime.sessions)
        _clock.run_due(runtime)  # first: periodic work may queue jobs (a retention run)
        ids = due_job_ids(runtime.sessions)
        for job_id in ids:
            app.send_task(RUN_JOB, args=[job_id])
        return len(ids)

    return app


class CeleryDispatcher:
    """Sends committed job ids to the workers (the server's side)."""

    def __init__(self, broker_url: str) -> None:
        self.app = make_celery(broker_url)

    def dispatch(self, job_ids: list[int]) -> None:
        for job_id in job_ids:
            self.app.send_task(RUN_JOB, args=[job_id])
