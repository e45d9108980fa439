"""Retention runs: the plan (counts, nothing changed), a run started, carried out batch by
batch and resumed after a crash, and its report in Privet's database and the audit log.

A run is written first (its steps, its ``as_of``), then carried out by whoever holds its
lease: the CLI, or a job worker. Each batch is recorded as pending in Privet's database
before the datastore commits it (in the same write that counts the batch before it); a run
resumed after a crash checks a pending batch's key range (no due row left there means it
committed), so each batch is counted once and none is done twice.
"""

from __future__ import annotations

import os
import socket
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.service import append_entry
from privet.kit.clock import utc_naive
from privet.kit.db import session_scope
from privet.kit.errors import PrivetError
from privet.kit.failpoints import failpoint
from privet.manifest.schema import Manifest, RetentionRule
from privet.models.retention import RetentionRun, RetentionStep, RunState, StepState
from privet.requests.changes import ChangePlanError
from privet.requests.engine import ConnectedDatastores, datastore_error, find_rows
from privet.retention import repository
from privet.retention.sweep import (
    Batch,
    CompiledStep,
    Key,
    OpenKeys,
    StepSpec,
    compile_step,
    count_step,
    key_from_json,
    key_to_json,
    remaining_in,
    rule_steps,
    sweep_step,
)
from privet.workflow import repository as requests_repository

DEFAULT_BATCH_SIZE = 10_000
MAX_BATCH_SIZE = 100_000
Progress = Callable[[int, int], None]
"""Told (step position, rows done so far in that step) after each batch."""


class RetentionError(PrivetError):
    """A retention rule, plan or run that cannot be carried out as asked."""

    http_status = 409


# ---------------------------------------------------------------------------- rules


def selected_rules(manifest: Manifest, names: Sequence[str] | None) -> dict[str, RetentionRule]:
    """The rules asked for (all when ``names`` is empty), in manifest order."""
    if not manifest.retention:
        raise RetentionError("the manifest declares no retention rule",
                             hint="add rules under `retention:` (see docs/manifest.md)")
    if not names:
        return dict(manifest.retention)
    unknown = [n for n in names if n not in manifest.retention]
    if unknown:
        raise RetentionError(f"no retention rule named {', '.join(f'`{n}`' for n in unknown)}",
                             hint=f"rules: {', '.join(manifest.retention)}")
    return {k: r for k, r in manifest.retention.items() if k in names}


def planned_steps(manifest: Manifest, rules: dict[str, RetentionRule]) -> list[StepSpec]:
    return [step for key, rule in rules.items() for step in rule_steps(manifest, key, rule)]


def check_batch_size(batch_size: int) -> int:
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise RetentionError(f"a batch is 1 to {MAX_BATCH_SIZE:,} rows, not {batch_size:,}",
                             hint=f"the default, {DEFAULT_BATCH_SIZE:,}, keeps each "
                             "transaction short on a live database")
    return batch_size


# ---------------------------------------------------------------------------- open requests


def open_request_keys(session: Session, datastores: ConnectedDatastores) -> OpenKeys:
    """Rows of the people whose verified requests are still open, found through the
    identity graph as the requests themselves will find them."""
    known = datastores.graph.identity_types
    identities = [
        {kind: [value] for kind, value in request.identities.items() if kind in known}
        for request in requests_repository.open_by_deadline(session)
        if request.verified_at is not None
    ]
    keys: dict[tuple[str, str], set[Key]] = defaultdict(set)
    wanted = [i for i in identities if i]
    if not wanted:
        return {}
    with ExitStack() as stack:
        connections = {k: stack.enter_context(e.connect())
                       for k, e in datastores.engines.items()}
        for person in wanted:
            for node, found in find_rows(datastores.graph, connections, person).items():
                keys[node].update(found.rows)
    return {node: frozenset(found) for node, found in keys.items()}


# ---------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class StepPlan:
    position: int
    rule: str
    statement: str | None
    datastore: str
    table: str
    action: str
    held_only: bool
    cutoff: datetime
    due: int
    held: int
    waiting: int
    next_due_at: datetime | None
    error: str | None = None


@dataclass(frozen=True)
class RetentionPlan:
    as_of: datetime
    steps: list[StepPlan]

    @property
    def due(self) -> int:
        return sum(s.due for s in self.steps)

    def as_json(self) -> dict[str, Any]:
        def moment(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat(sep=" ", timespec="seconds")

        return {"as_of": moment(self.as_of), "due": self.due, "steps": [
            {"rule": s.rule, "datastore": s.datastore, "table": s.table, "action": s.action,
             "held_rows_only": s.held_only, "cutoff": moment(s.cutoff), "due": s.due,
             "held": s.held, "waiting_on_requests": s.waiting,
             "next_due_at": moment(s.next_due_at), "error": s.error}
            for s in self.steps]}


def plan(manifest: Manifest, datastores: ConnectedDatastores, session: Session, *,
         as_of: datetime, rules: Sequence[str] | None = None) -> RetentionPlan:
    """Per step: rows due now, rows kept under a hold or for an open request, and when the
    next row falls due. Only counts: nothing is changed."""
    moment = utc_naive(as_of)
    chosen = selected_rules(manifest, rules)
    open_keys = open_request_keys(session, datastores)
    steps: list[StepPlan] = []
    with ExitStack() as stack:
        connections: dict[str, Connection] = {}
        for position, spec in enumerate(planned_steps(manifest, chosen)):
            rule = chosen[spec.rule]
            cutoff = spec.cutoff(moment)
            empty = StepPlan(position, spec.rule, rule.statement, spec.datastore, spec.table,
                             spec.action.value, spec.held_only, cutoff, 0, 0, 0, None)
            error = datastores.failures.get(spec.datastore)
            if error is None:
                try:
                    if spec.datastore not in connections:
                        connections[spec.datastore] = stack.enter_context(
                            datastores.engines[spec.datastore].connect())
                    step = compile_step(spec, rule, datastores.graph, as_of=moment,
                                        open_keys=open_keys)
                    counts = count_step(connections[spec.datastore], step, open_keys=open_keys)
                except PrivetError as exc:
                    error = str(exc)
                except SQLAlchemyError as exc:
                    error = datastore_error(spec.datastore, exc)
                else:
                    steps.append(StepPlan(position, spec.rule, rule.statement, spec.datastore,
                                          spec.table, spec.action.value, spec.held_only,
                                          cutoff, counts.due, counts.held, counts.waiting,
                                          counts.next_due_at))
                    continue
            steps.append(replace(empty, error=error))
    return RetentionPlan(moment, steps)


# ---------------------------------------------------------------------------- runs


def start_run(session: Session, manifest: Manifest, *, secret: bytes, as_of: datetime,
              rules: Sequence[str] | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
              trigger: str, actor: str) -> RetentionRun:
    """A new run (in the caller's transaction): its steps, cut-offs fixed now."""
    check_batch_size(batch_size)
    moment = utc_naive(as_of)
    chosen = selected_rules(manifest, rules)
    run = RetentionRun(state=RunState.running.value, trigger=trigger, actor=actor,
                       as_of=moment, batch_size=batch_size, rules=list(chosen),
                       started_at=utc_naive(), resumed=0)
    for position, spec in enumerate(planned_steps(manifest, chosen)):
        run.steps.append(RetentionStep(
            position=position, rule=spec.rule, datastore=spec.datastore, table_name=spec.table,
            action=spec.action.value if not spec.held_only else "anonymise",
            cutoff=spec.cutoff(moment), state=StepState.pending.value, rows=0, batches=0,
            seconds=0.0, longest_batch_seconds=0.0))
    repository.add_run(session, run)
    append_entry(session, secret=secret, actor=actor, action="retention.run_started",
                 subject_type="retention_run", subject_id=str(run.id),
                 details={"rules": list(chosen), "as_of": moment.isoformat(sep=" "),
                          "batch_size": batch_size, "trigger": trigger})
    return run


class RunNotFound(RetentionError):
    """No run has that number."""

    http_status = 404


class RunInProgress(RetentionError):
    """Another process holds the run's lease."""


def claim_run(session: Session, run_id: int, *, worker: str, now: datetime,
              lease: timedelta) -> RetentionRun:
    """Take the run's lease (in the caller's transaction): free, expired, ours, or held by
    a process of this machine that no longer exists."""
    run = repository.get_run(session, run_id, lock=True)
    if run is None:
        raise RunNotFound(f"no retention run #{run_id}")
    if run.state != RunState.running.value:
        raise RetentionError(f"retention run #{run_id} is already {run.state}")
    holder = run.claimed_by
    if (holder is not None and holder != worker and run.lease_until is not None
            and run.lease_until > now and _alive(holder)):
        raise RunInProgress(
            f"retention run #{run_id} is being carried out by {holder} (lease until "
            f"{run.lease_until:%Y-%m-%d %H:%M:%S} UTC)",
            hint="wait for it to finish; a run whose process died is resumed once its lease "
            "runs out")
    if holder is not None and holder != worker:
        run.resumed += 1
    run.claimed_by = worker
    run.lease_until = now + lease
    return run


def _alive(holder: str) -> bool:
    """False only when ``holder`` names a process of this machine that is gone."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3:
        return True
    _, host, pid = parts
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def get_run(session: Session, run_id: int) -> RetentionRun:
    """Run ``run_id`` with its steps, or ``RunNotFound``."""
    run = repository.get_run(session, run_id) if 0 < run_id < 2**63 else None
    if run is None:
        raise RunNotFound(f"no retention run #{run_id}",
                          hint="`privet retention runs` and /admin/retention list them")
    return run


def unfinished_run(session: Session) -> RetentionRun | None:
    return repository.latest_unfinished(session)


@dataclass
class _StepWork:
    record: RetentionStep
    compiled: CompiledStep | None
    error: str | None


def carry_out(sessions: sessionmaker[Session], datastores: ConnectedDatastores, run_id: int,
              *, manifest: Manifest, secret: bytes, worker: str,
              lease: timedelta = timedelta(minutes=5), progress: Progress | None = None,
              now: Callable[[], datetime] = utc_naive) -> RetentionRun:
    """Carry out (or resume) run ``run_id`` to its end; returns the finished run, detached."""
    with session_scope(sessions) as session:
        run = claim_run(session, run_id, worker=worker, now=now(), lease=lease)
        as_of, batch_size = run.as_of, run.batch_size
        open_keys = open_request_keys(session, datastores)
        positions = [s.position for s in run.steps if s.state != StepState.done.value]
        actor = run.actor
    for position in positions:
        with session_scope(sessions) as session:
            work = _prepare(session, manifest, datastores, run_id, position, as_of=as_of,
                            open_keys=open_keys, now=now())
        if work.compiled is None:
            _fail_step(sessions, run_id, position, work.error or "cannot run", now=now())
            continue
        try:
            unrecorded = _sweep(sessions, datastores, run_id, position, work.compiled,
                                batch_size=batch_size, secret=secret, worker=worker,
                                lease=lease, progress=progress, now=now)
        except (SQLAlchemyError, ChangePlanError) as exc:
            message = (datastore_error(work.record.datastore, exc)
                       if isinstance(exc, SQLAlchemyError) else str(exc))
            _fail_step(sessions, run_id, position, message, now=now())
            continue
        with session_scope(sessions) as session:
            step = repository.get_step(session, run_id, position)
            repository.record_batch(session, step.id, counted=_counted(unrecorded),
                                    pending=None)
            session.expire(step)
            step.state = StepState.done.value
            step.finished_at = now()
            append_entry(session, secret=secret, actor=actor, action="retention.rule_applied",
                         subject_type="retention_run", subject_id=str(run_id),
                         details={"rule": step.rule, "datastore": step.datastore,
                                  "table": step.table_name, "action": step.action,
                                  "rows": step.rows, "batches": step.batches,
                                  "seconds": round(step.seconds, 3)})
    return _finish(sessions, run_id, secret=secret, now=now())


def _prepare(session: Session, manifest: Manifest, datastores: ConnectedDatastores,
             run_id: int, position: int, *, as_of: datetime, open_keys: OpenKeys,
             now: datetime) -> _StepWork:
    """The step compiled, and a batch left pending by a crash settled."""
    record = repository.get_step(session, run_id, position)
    failure = datastores.failures.get(record.datastore)
    if failure is not None:
        return _StepWork(record, None, f"datastore `{record.datastore}`: {failure}")
    rule = manifest.retention.get(record.rule)
    spec = _spec_of(manifest, record, rule)
    if rule is None or spec is None:
        return _StepWork(record, None, f"rule `{record.rule}` on `{record.table_name}` is no "
                         "longer in the manifest")
    try:
        compiled = compile_step(spec, rule, datastores.graph, as_of=as_of, open_keys=open_keys)
    except PrivetError as exc:
        return _StepWork(record, None, str(exc))
    if record.pending is not None:
        after = key_from_json(compiled, record.pending["after"])
        last = key_from_json(compiled, record.pending["last"])
        assert last is not None
        with datastores.engines[record.datastore].connect() as connection:
            committed = remaining_in(connection, compiled, after, last) == 0
        repository.record_batch(
            session, record.id, pending=None,
            counted=(record.pending["rows"], key_to_json(last), 0.0) if committed else None)
        session.expire(record)
    record.state = StepState.running.value
    record.started_at = record.started_at or now
    return _StepWork(record, compiled, None)


def _spec_of(manifest: Manifest, record: RetentionStep,
             rule: RetentionRule | None) -> StepSpec | None:
    if rule is None:
        return None
    for spec in rule_steps(manifest, record.rule, rule):
        action = "anonymise" if spec.held_only else spec.action.value
        if (spec.datastore, spec.table, action) == (record.datastore, record.table_name,
                                                    record.action):
            return spec
    return None


Unrecorded = tuple[Batch, float] | None
"""A batch the datastore committed that Privet's database does not count yet."""


def _sweep(sessions: sessionmaker[Session], datastores: ConnectedDatastores, run_id: int,
           position: int, step: CompiledStep, *, batch_size: int, secret: bytes, worker: str,
           lease: timedelta, progress: Progress | None,
           now: Callable[[], datetime]) -> Unrecorded:
    """The step's batches; one write to Privet's database each, before the datastore
    commits: the lease renewed, the previous batch counted, this one pending. Returns the
    last batch, still to be counted by the caller; if a batch fails, the one before it is
    counted here before the error goes on."""
    with session_scope(sessions) as session:
        record = repository.get_step(session, run_id, position)
        step_id, cursor, done = record.id, key_from_json(step, record.cursor), record.rows
    engine = datastores.engines[step.spec.datastore]
    unrecorded: Unrecorded = None
    lease_until = now() + lease

    def pending(batch: Batch) -> None:
        nonlocal lease_until
        with session_scope(sessions) as session:
            moment = now()
            if lease_until - moment < lease / 2:  # renewed at half-life, not every batch
                lease_until = moment + lease
                if not repository.renew_lease(session, run_id, worker=worker,
                                              until=lease_until):
                    raise RunInProgress(f"retention run #{run_id} was taken over by another "
                                        "process (this one held it too long without news)")
            repository.record_batch(session, step_id, counted=_counted(unrecorded), pending={
                "after": None if batch.after is None else key_to_json(batch.after),
                "last": key_to_json(batch.last), "rows": batch.rows})
        failpoint("retention.batch_pending")

    def committed(batch: Batch, seconds: float) -> None:
        failpoint("retention.batch_committed")
        nonlocal unrecorded, done
        unrecorded = (batch, seconds)
        done += batch.rows
        if progress is not None:
            progress(position, done)

    try:
        sweep_step(engine.connect, step, cursor, batch_size=batch_size, secret=secret,
                   before_commit=pending, after_commit=committed)
    except BaseException:
        if unrecorded is not None:
            with session_scope(sessions) as session:
                repository.record_batch(session, step_id, counted=_counted(unrecorded),
                                        pending=None)
        raise
    return unrecorded


def _counted(unrecorded: Unrecorded) -> tuple[int, list[Any], float] | None:
    if unrecorded is None:
        return None
    batch, seconds = unrecorded
    return batch.rows, key_to_json(batch.last), seconds


def _fail_step(sessions: sessionmaker[Session], run_id: int, position: int, message: str,
               *, now: datetime) -> None:
    with session_scope(sessions) as session:
        step = repository.get_step(session, run_id, position)
        step.state = StepState.failed.value
        step.error = message
        step.finished_at = now


def _finish(sessions: sessionmaker[Session], run_id: int, *, secret: bytes,
            now: datetime) -> RetentionRun:
    with session_scope(sessions) as session:
        run = repository.get_run(session, run_id)
        assert run is not None
        failed = [s for s in run.steps if s.state == StepState.failed.value]
        run.state = (RunState.failed if failed else RunState.completed).value
        run.error = "; ".join(f"{s.rule} ({s.table_name}): {s.error}" for s in failed) or None
        run.finished_at = now
        run.claimed_by = None
        run.lease_until = None
        append_entry(session, secret=secret, actor=run.actor,
                     action=f"retention.run_{run.state}", subject_type="retention_run",
                     subject_id=str(run.id),
                     details={"deleted": run.rows_deleted, "anonymised": run.rows_anonymised,
                              "failed_steps": len(failed),
                              "seconds": round(sum(s.seconds for s in run.steps), 3)})
        session.flush()
        for step in run.steps:
            session.expunge(step)
        session.expunge(run)
        return run


def last_runs(session: Session, *, limit: int = 20) -> Iterable[RetentionRun]:
    return repository.recent_runs(session, limit)
