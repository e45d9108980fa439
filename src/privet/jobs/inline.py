"""The in-process runner: a thread of the server (or of ``privet worker``) that runs due
jobs, sweeps abandoned ones and does the periodic work. It wakes at once when a job is
committed, and otherwise every ``jobs.poll_seconds``."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from privet.jobs.service import PeriodicClock, run_due, sweep, worker_name
from privet.kit.runtime import Runtime

log = logging.getLogger(__name__)


class InlineRunner:
    """Runs jobs one at a time in a background thread of this process."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.worker = worker_name("inline")
        self.clock = PeriodicClock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def dispatch(self, _job_ids: list[int]) -> None:
        """A transaction committed new jobs: run them now rather than at the next poll."""
        self._wake.set()

    def tick(self, now: datetime | None = None) -> int:
        """One round: sweep, run what is due, do the periodic work; returns jobs run."""
        sweep(self.runtime.sessions, now=now)
        ran = run_due(self.runtime, worker=self.worker, now=now)
        self.clock.run_due(self.runtime, now)
        return ran

    def run_until_idle(self, now: datetime | None = None) -> int:
        """Rounds until no job is due (``privet worker --once``, tests)."""
        total = 0
        while (ran := self.tick(now)) > 0:
            total += ran
        return total

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="privet-jobs", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Block until the runner stops (``privet worker``)."""
        while self._thread is not None and self._thread.is_alive():
            self._thread.join(1)

    def stop(self, timeout: float = 30) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        poll = self.runtime.settings.jobs.poll_seconds
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception:  # a broken round must not stop the runner
                log.exception("job runner round failed")
            self._wake.wait(poll)
            self._wake.clear()
