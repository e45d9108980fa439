"""Retention on schedule: the periodic work that starts a run per interval (in the
in-process runner, or the Celery beat of each worker), and the durable job that carries a
run out, resumed by another worker if its own dies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from privet.jobs.service import JobContext, active_jobs, enqueue, job_count, periodic, task
from privet.kit.db import session_scope
from privet.kit.runtime import Runtime
from privet.models.retention import RetentionRun, RunState
from privet.requests.engine import ConnectedDatastores
from privet.retention import repository, service

RUN_RETENTION = "retention.run"


def request_run(session: Session, runtime: Runtime, *, now: datetime, trigger: str,
                actor: str, dedupe_key: str | None = None) -> RetentionRun:
    """A run of every rule, carried out by a job (in the caller's transaction). If a run is
    unfinished (interrupted, or its job gave up) it is resumed instead, by a new job
    unless one is already queued or running."""
    unfinished = service.unfinished_run(session)
    if unfinished is not None:
        subject = f"retention:{unfinished.id}"
        if not active_jobs(session, subject):
            attempt = job_count(session, subject) + 1
            enqueue(session, kind=RUN_RETENTION, now=now, subject_ref=subject,
                    payload={"run": unfinished.id},
                    dedupe_key=f"retention:run:{unfinished.id}:{attempt}")
        return unfinished
    run = service.start_run(session, runtime.manifest, secret=runtime.secret, as_of=now,
                            batch_size=runtime.settings.retention.batch_size,
                            trigger=trigger, actor=actor)
    enqueue(session, kind=RUN_RETENTION, now=now, subject_ref=f"retention:{run.id}",
            payload={"run": run.id}, dedupe_key=dedupe_key or f"retention:run:{run.id}:1")
    return run


def schedule_slot(now: datetime, hours: int) -> datetime:
    """The start of the interval ``now`` lies in, counted from midnight UTC."""
    seconds = hours * 3600
    stamp = int(now.replace(tzinfo=UTC).timestamp()) if now.tzinfo is None else int(
        now.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, UTC).replace(tzinfo=None)


@periodic("retention_schedule", every=timedelta(minutes=5))
def schedule_retention(runtime: Runtime, now: datetime) -> None:
    """Start the run of the current interval, once, whichever process gets here first
    (the job's unique key makes a second attempt roll back)."""
    hours = runtime.settings.retention.schedule_hours
    if hours <= 0 or not runtime.manifest.retention:
        return
    slot = schedule_slot(now, hours)
    with session_scope(runtime.sessions) as session:
        latest = repository.latest_scheduled(session)
        if latest is not None and latest.as_of >= slot:
            return
        request_run(session, runtime, now=now, trigger="schedule", actor="system",
                    dedupe_key=f"retention:schedule:{slot:%Y-%m-%dT%H:%M}")


@task(RUN_RETENTION)
def run_retention(ctx: JobContext) -> None:
    """Carry out (or resume) the run named in the payload."""
    runtime = ctx.runtime
    run_id = int(ctx.payload["run"])
    with session_scope(runtime.sessions) as session:
        run = repository.get_run(session, run_id)
        if run is None or run.state != RunState.running.value:
            return  # finished by an earlier attempt
    with ConnectedDatastores.open(runtime.manifest, runtime.workspace.root,
                                  timeout=runtime.settings.connect_timeout,
                                  write=True) as datastores:
        service.carry_out(runtime.sessions, datastores, run_id, manifest=runtime.manifest,
                          secret=runtime.secret, worker=ctx.worker,
                          lease=timedelta(seconds=runtime.settings.jobs.lease_seconds))
