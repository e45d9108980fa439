"""The rules of durable jobs: enqueue with the state change, claim with a lease, resume
from the last phase, retry with back-off, sweep what vanished workers left.

A job is enqueued in the caller's transaction (``enqueue`` flushes, never commits): the
job exists exactly when the state change that asked for it does. Once that transaction
commits, the dispatcher attached to the session factory is told the new ids (the inline
runner wakes up; Celery gets a message). A lost message loses nothing: the row is the
truth, and the sweep dispatches due jobs again.

Handlers (``@task("kind")``) receive a :class:`JobContext` and must be idempotent: a job
whose worker died is run again by another, and ``ctx.phase`` says how far the first got.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from privet.jobs import repository
from privet.kit.clock import utc_naive
from privet.kit.db import session_scope
from privet.kit.errors import PrivetError
from privet.kit.runtime import Runtime
from privet.models.jobs import Job, JobState

log = logging.getLogger(__name__)

NEW_JOBS = "privet.jobs.new"
TASK_MODULES = ("privet.workflow.tasks", "privet.notify.tasks", "privet.retention.tasks",
                "privet.documents.notices")
"""Modules whose ``@task`` and ``@periodic`` functions are the jobs Privet runs."""
_LONGEST_BACKOFF = timedelta(hours=1)


class JobError(PrivetError):
    """A job cannot be enqueued or run as asked."""


@dataclass
class JobContext:
    """One run of one job."""

    runtime: Runtime
    job_id: int
    kind: str
    subject_ref: str | None
    payload: dict[str, Any]
    phase: str | None
    attempt: int
    worker: str

    def reached(self, phase: str) -> None:
        """Record that the job got past ``phase`` (committed at once): a run after a crash
        starts after it."""
        with session_scope(self.runtime.sessions) as session:
            job = repository.get(session, self.job_id)
            if job is not None:
                job.phase = phase
        self.phase = phase


Handler = Callable[[JobContext], None]
FailureHook = Callable[[JobContext, str], None]
PeriodicWork = Callable[[Runtime, datetime], None]


@dataclass(frozen=True)
class TaskSpec:
    handler: Handler
    on_failure: FailureHook | None = None


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    every: timedelta
    work: PeriodicWork


_TASKS: dict[str, TaskSpec] = {}
_PERIODIC: list[PeriodicSpec] = []


def task(kind: str, *, on_failure: FailureHook | None = None) -> Callable[[Handler], Handler]:
    """Register ``handler`` for jobs of ``kind``; ``on_failure`` runs once when the job has
    failed for good (its last attempt), with the error's message."""

    def register(handler: Handler) -> Handler:
        _TASKS[kind] = TaskSpec(handler, on_failure)
        return handler

    return register


def periodic(name: str, every: timedelta) -> Callable[[PeriodicWork], PeriodicWork]:
    """Register work that runs every ``every`` (outbox delivery, deadline reminders)."""

    def register(work: PeriodicWork) -> PeriodicWork:
        _PERIODIC.append(PeriodicSpec(name, every, work))
        return work

    return register


def tasks() -> dict[str, TaskSpec]:
    for module in TASK_MODULES:
        importlib.import_module(module)
    return _TASKS


def periodic_work() -> list[PeriodicSpec]:
    tasks()
    return list(_PERIODIC)


def worker_name(kind: str) -> str:
    return f"{kind}:{socket.gethostname()}:{os.getpid()}"




# ------------------------------------------------------------------------------ enqueue


def enqueue(session: Session, *, kind: str, now: datetime, subject_ref: str | None = None,
            payload: dict[str, Any] | None = None, dedupe_key: str | None = None,
            max_attempts: int = 5, run_after: datetime | None = None) -> Job:
    """A job in the caller's transaction. With ``dedupe_key``, asking twice gives the
    same job. With ``run_after``, it is not run before then (default: at once)."""
    if kind not in tasks():
        raise JobError(f"no job kind {kind!r}", hint=f"kinds: {', '.join(sorted(_TASKS))}")
    if dedupe_key is not None:
        existing = repository.by_dedupe_key(session, dedupe_key)
        if existing is not None:
            return existing
    moment = utc_naive(now)
    job = repository.add(session, Job(
        kind=kind, subject_ref=subject_ref, dedupe_key=dedupe_key, payload=payload or {},
        state=JobState.queued.value, attempts=0, max_attempts=max_attempts,
        created_at=moment, run_after=moment if run_after is None else utc_naive(run_after)))
    session.info.setdefault(NEW_JOBS, []).append(job.id)
    return job


def attach_dispatcher(sessions: sessionmaker[Session],
                      dispatch: Callable[[list[int]], None]) -> None:
    """Tell ``dispatch`` the ids of jobs enqueued in each transaction once it commits."""

    def committed(session: Session) -> None:
        ids = session.info.pop(NEW_JOBS, None)
        if ids:
            try:
                dispatch(list(ids))
            except Exception:  # the rows are safe; the sweep dispatches them again
                log.exception("could not dispatch jobs %s; the sweep will", ids)

    def rolled_back(session: Session) -> None:
        session.info.pop(NEW_JOBS, None)

    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_rollback", rolled_back)


# ---------------------------------------------------------------------------------- run


class _Heartbeat:
    """Renews a running job's lease every third of it, until stopped."""

    def __init__(self, runtime: Runtime, job_id: int, worker: str) -> None:
        self.runtime, self.job_id, self.worker = runtime, job_id, worker
        self.lease = timedelta(seconds=runtime.settings.jobs.lease_seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"privet-heartbeat-{job_id}")

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.lease.total_seconds() / 3):
            try:
                with session_scope(self.runtime.sessions) as session:
                    repository.renew(session, self.job_id, worker=self.worker,
                                     lease_until=utc_naive() + self.lease)
            except Exception:
                log.exception("could not renew the lease of job %s", self.job_id)


def run_job(runtime: Runtime, job_id: int, *, worker: str,
            now: datetime | None = None) -> str | None:
    """Claim and run one job; returns its state after the run, or None when it was not
    claimable (done, running elsewhere, or not yet due)."""
    moment = utc_naive(now)
    lease = timedelta(seconds=runtime.settings.jobs.lease_seconds)
    with session_scope(runtime.sessions) as session:
        if not repository.claim(session, job_id, worker=worker, now=moment,
                                lease_until=moment + lease):
            return None
        job = repository.get(session, job_id)
        assert job is not None
        context = JobContext(runtime=runtime, job_id=job.id, kind=job.kind,
                             subject_ref=job.subject_ref, payload=dict(job.payload or {}),
                             phase=job.phase, attempt=job.attempts, worker=worker)
        max_attempts = job.max_attempts
    spec = tasks().get(context.kind)
    try:
        if spec is None:
            raise JobError(f"no handler for job kind {context.kind!r}")
        with _Heartbeat(runtime, job_id, worker):
            spec.handler(context)
    except Exception as exc:
        message = str(exc) or type(exc).__name__
        log.warning("job %s (%s) attempt %s failed: %s", job_id, context.kind,
                    context.attempt, message)
        final = context.attempt >= max_attempts or spec is None
        _after_failure(runtime, job_id, message, final=final, attempt=context.attempt)
        if final and spec is not None and spec.on_failure is not None:
            spec.on_failure(context, message)
        return JobState.failed.value if final else JobState.queued.value
    with session_scope(runtime.sessions) as session:
        job = repository.get(session, job_id)
        assert job is not None
        job.state, job.finished_at = JobState.done.value, utc_naive()
        job.claimed_by, job.lease_until, job.last_error = None, None, None
    return JobState.done.value


def _after_failure(runtime: Runtime, job_id: int, message: str, *, final: bool,
                   attempt: int) -> None:
    with session_scope(runtime.sessions) as session:
        job = repository.get(session, job_id)
        assert job is not None
        job.last_error = message[:2000]
        job.claimed_by, job.lease_until = None, None
        if final:
            job.state, job.finished_at = JobState.failed.value, utc_naive()
        else:
            job.state = JobState.queued.value
            job.run_after = utc_naive() + min(timedelta(seconds=30) * 2 ** (attempt - 1),
                                         _LONGEST_BACKOFF)


def run_due(runtime: Runtime, *, worker: str, now: datetime | None = None,
            limit: int = 50) -> int:
    """Run every job due now, one after the other; returns how many ran."""
    with session_scope(runtime.sessions) as session:
        ids = repository.due_ids(session, utc_naive(now), limit)
    return sum(run_job(runtime, job_id, worker=worker, now=now) is not None for job_id in ids)


def sweep(sessions: sessionmaker[Session], *, now: datetime | None = None) -> list[int]:
    """Queue again the running jobs whose worker stopped renewing its lease (it crashed,
    was killed, or lost its database); returns their ids, to dispatch."""
    moment = utc_naive(now)
    with session_scope(sessions) as session:
        gone = repository.abandoned(session, moment)
        for job in gone:
            log.warning("job %s (%s): worker %s vanished; queued again", job.id, job.kind,
                        job.claimed_by)
            job.state = JobState.queued.value  # due at once: it was due when claimed
            job.claimed_by, job.lease_until = None, None
        return [job.id for job in gone]


def due_job_ids(sessions: sessionmaker[Session], *, now: datetime | None = None,
                limit: int = 200) -> list[int]:
    with session_scope(sessions) as session:
        return repository.due_ids(session, utc_naive(now), limit)


@dataclass
class PeriodicClock:
    """When each periodic work last ran in this process."""

    last: dict[str, datetime] = field(default_factory=dict)

    def run_due(self, runtime: Runtime, now: datetime | None = None) -> list[str]:
        moment = utc_naive(now)
        ran: list[str] = []
        for spec in periodic_work():
            previous = self.last.get(spec.name)
            if previous is not None and moment - previous < spec.every:
                continue
            self.last[spec.name] = moment
            try:
                spec.work(runtime, moment)
                ran.append(spec.name)
            except Exception:
                log.exception("periodic work %s failed", spec.name)
        return ran


def recent_jobs(session: Session, *, limit: int = 100) -> Sequence[Job]:
    return repository.recent(session, limit)


def active_jobs(session: Session, subject_ref: str) -> list[Job]:
    """The queued or running jobs acting on ``subject_ref``."""
    return [job for job in repository.for_subject(session, subject_ref)
            if job.state in (JobState.queued.value, JobState.running.value)]


def job_count(session: Session, subject_ref: str) -> int:
    return len(repository.for_subject(session, subject_ref))
