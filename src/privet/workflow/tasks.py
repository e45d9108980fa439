"""Jobs of the request workflow: execute an approved request, and remind the privacy team
of deadlines.

``execute_request`` is idempotent and resumable. It moves the request to ``running``
(committed), acts on the datastores, then completes the request, queues the person's
email and tells the customers concerned (processor mode) in one transaction. Killed before
that transaction, it runs again from the start: an access is read again; an erasure finds
what is left (rows already deleted are gone, masked rows no longer match) and the erasure
ledger, written before each datastore commits, keeps every row the first run changed, so
the counts reported are each row once. Killed after it, the request is closed and a new
run does nothing: the person is answered once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from privet.consent.service import receipts_for_access
from privet.jobs.service import JobContext, JobError, enqueue, periodic, task
from privet.kit.db import session_scope
from privet.kit.failpoints import failpoint
from privet.kit.runtime import Runtime
from privet.manifest.schema import Manifest
from privet.models.outbox import MessageKind
from privet.notify.mailer import queue_message
from privet.notify.messages import (
    completion_message,
    customer_notice_message,
    reminder_message,
)
from privet.notify.tasks import DELIVER_WEBHOOK
from privet.requests import ledger
from privet.requests import service as engine
from privet.requests.engine import ConnectedDatastores
from privet.requests.package import access_package_filename, build_access_package
from privet.requests.results import AccessResult, ChangeReport, CustomerContact
from privet.workflow import repository
from privet.workflow.handling import EXECUTE_REQUEST
from privet.workflow.packages import download_url, store_package
from privet.workflow.schemas import CLOSED_STATES, RequestState, RequestType
from privet.workflow.service import complete, due_soon, fail, get_request, start

SYSTEM = "system"


@dataclass(frozen=True)
class _Work:
    """What the datastores phase needs, read once from the request."""

    reference: str
    type: RequestType
    identities: dict[str, list[str]]
    corrections: dict[str, str]
    language: str
    contact_email: str


@dataclass
class _Outcome:
    counts: dict[str, int]
    package: bytes | None = None
    package_name: str | None = None
    kept_reasons: list[str] = field(default_factory=list)
    customers: list[CustomerContact] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


def _begin(ctx: JobContext) -> _Work | None:
    runtime = ctx.runtime
    assert ctx.subject_ref is not None
    with session_scope(runtime.sessions) as session:
        request = get_request(session, reference=ctx.subject_ref)
        state = RequestState(request.state)
        if state in CLOSED_STATES:
            return None  # done by an earlier run: nothing to do twice
        if state == RequestState.approved:
            start(session, secret=runtime.secret, reference=request.reference, now=_now(),
                  actor=SYSTEM)
        elif state != RequestState.running:
            raise JobError(f"request {request.reference} is {state}; it runs once approved")
        return _Work(reference=request.reference, type=RequestType(request.type),
                     identities={kind: [value] for kind, value in request.identities.items()},
                     corrections=dict(
                         request.corrections or {}),
                     language=request.language, contact_email=request.contact_email)


def _raise_failures(result: AccessResult | ChangeReport) -> None:
    if result.failures:
        problems = "; ".join(f"{f.datastore}: {f.message}" for f in result.failures)
        raise JobError(f"not every datastore answered: {problems}",
                       hint="it is tried again; the datastores that answered are done")


def _kept_reasons(manifest: Manifest, report: ChangeReport) -> list[str]:
    reasons: list[str] = []
    for change in report.changes:
        if change.held:
            table = manifest.datastores[change.datastore].tables.get(change.table)
            for hold in (table.legal_holds.values() if table else ()):
                text = f"{hold.reason.rstrip('.')}{f' ({hold.law})' if hold.law else ''}"
                if text not in reasons:
                    reasons.append(text)
    return reasons


def _consent_receipts(runtime: Runtime, identities: dict[str, list[str]]) -> list[Any]:
    """The person's consent receipts (Privet's own database), for their access package."""
    with runtime.sessions() as session:
        return [receipt for email in identities.get("email", [])
                for receipt in receipts_for_access(session, secret=runtime.secret,
                                                   email=email)]


def _act(ctx: JobContext, work: _Work) -> _Outcome:
    runtime = ctx.runtime
    manifest = runtime.manifest
    with ConnectedDatastores.open(manifest, runtime.workspace.root,
                                  timeout=runtime.settings.connect_timeout,
                                  write=work.type != RequestType.access) as datastores:
        if datastores.failures:  # act on every datastore or on none: retried later
            problems = "; ".join(f"{key}: {message}"
                                 for key, message in sorted(datastores.failures.items()))
            raise JobError(f"not every datastore answered: {problems}",
                           hint="it is tried again; check the datastore is up")
        found: AccessResult | None = None
        if work.type == RequestType.access or engine.processor_tables(manifest):
            found = engine.access(datastores, work.identities)
            _raise_failures(found)
        customers = engine.customer_contacts(
            datastores, manifest.customers,
            engine.customers_touched(manifest, found) if found else [])
        if work.type == RequestType.access:
            assert found is not None
            return _Outcome(
                counts={"rows_found": found.row_count, "tables": len(found.found)},
                package=build_access_package(
                    found, manifest, request_id=work.reference,
                    consent_receipts=_consent_receipts(runtime, work.identities)),
                package_name=access_package_filename(found, work.reference),
                customers=customers)
        if work.type == RequestType.erasure:
            report = engine.erase(datastores, work.identities, secret=runtime.secret,
                                  ledger_sessions=runtime.sessions, reference=work.reference)
            failpoint("erasure.applied")
            _raise_failures(report)
            return _Outcome(counts={"rows_kept": sum(c.held for c in report.changes)},
                            kept_reasons=_kept_reasons(manifest, report), customers=customers)
        if work.type == RequestType.rectification:
            if not work.corrections:
                raise JobError(f"request {work.reference} has no corrections to make",
                               hint="approve it with the corrections, table.field=value")
            report = engine.rectify(datastores, work.identities, work.corrections)
        elif work.type == RequestType.restriction:
            report = engine.restrict(datastores, work.identities)
        else:  # objection, marketing opt-out: the manifest's on_objection values
            report = engine.object_to_processing(datastores, work.identities)
        _raise_failures(report)
        return _Outcome(counts={"rows_changed": report.rows_changed}, customers=customers)


def _finish(ctx: JobContext, work: _Work, outcome: _Outcome) -> None:
    runtime = ctx.runtime
    manifest, settings = runtime.manifest, runtime.settings
    moment = _now()
    with session_scope(runtime.sessions) as session:
        request = get_request(session, reference=work.reference)
        if RequestState(request.state) in CLOSED_STATES:
            return
        counts = dict(outcome.counts)
        if work.type == RequestType.erasure:
            counts = {**ledger.erasure_counts(session, work.reference), **counts}
        link = expires = None
        if outcome.package is not None:
            stored = store_package(
                session, root=runtime.workspace.root, secret=runtime.secret,
                reference=work.reference, filename=outcome.package_name or "package.zip",
                content=outcome.package, now=moment,
                valid_for=timedelta(days=settings.requests.package_link_days))
            link = download_url(settings.base_url, work.reference, stored.token)
            expires = stored.package.expires_at
        request.customers = [customer.key for customer in outcome.customers] or None
        complete(session, secret=runtime.secret, reference=work.reference,
                 outcome_summary=counts, now=moment, actor=SYSTEM)
        note = None
        if outcome.kept_reasons:
            note = ("Some records are kept because the law requires it: "
                    + "; ".join(outcome.kept_reasons) + ".")
        message = completion_message(manifest, request_type=work.type.value,
                                     reference=work.reference, download_link=link,
                                     link_expires_at=expires, note=note,
                                     language=work.language)
        queue_message(session, to=work.contact_email, subject=message.subject,
                      text=message.text, html=message.html, kind=MessageKind.completion,
                      reference=work.reference)
        for customer in outcome.customers:
            _tell_customer(session, runtime, work, customer, counts, moment)


def _tell_customer(session: Session, runtime: Runtime, work: _Work,
                   customer: CustomerContact, counts: dict[str, int], moment: datetime) -> None:
    if customer.email:
        notice = customer_notice_message(
            runtime.manifest, request_type=work.type.value, reference=work.reference,
            subject_email=work.contact_email, customer_name=customer.name,
            completed_at=moment, counts=counts, language=work.language)
        queue_message(session, to=customer.email, subject=notice.subject, text=notice.text,
                      html=notice.html, kind=MessageKind.customer_notice,
                      reference=work.reference)
    if customer.webhook_url:
        event = {"event": "data_subject_request.completed", "reference": work.reference,
                 "type": work.type.value, "customer": customer.key,
                 "contact": work.contact_email, "completed_at": moment.isoformat(),
                 "counts": counts}
        enqueue(session, kind=DELIVER_WEBHOOK, subject_ref=work.reference,
                payload={"url": customer.webhook_url, "event": event},
                dedupe_key=f"{DELIVER_WEBHOOK}:{work.reference}:{customer.key}", now=moment)


def _give_up(ctx: JobContext, message: str) -> None:
    """The last attempt failed: the request is marked failed, for the privacy team."""
    assert ctx.subject_ref is not None
    with session_scope(ctx.runtime.sessions) as session:
        request = get_request(session, reference=ctx.subject_ref)
        if request.state == RequestState.approved.value:
            start(session, secret=ctx.runtime.secret, reference=request.reference,
                  now=_now(), actor=SYSTEM)
        if request.state == RequestState.running.value:
            fail(session, secret=ctx.runtime.secret, reference=request.reference,
                 reason=message, now=_now(), actor=SYSTEM)


@task(EXECUTE_REQUEST, on_failure=_give_up)
def execute_request(ctx: JobContext) -> None:
    """Carry out an approved request through the DSR engine and answer the person."""
    work = _begin(ctx)
    if work is None:
        return
    outcome = _act(ctx, work)
    _finish(ctx, work, outcome)


# ---------------------------------------------------------------------------- reminders


@periodic("deadline_reminders", every=timedelta(hours=1))
def remind_deadlines(runtime: Runtime, now: datetime) -> None:
    """Once a day at most, email the privacy contact the open requests due within
    ``requests.reminder_days`` (overdue ones included)."""
    days = runtime.settings.requests.reminder_days
    to = runtime.manifest.organization.contact.email
    if days <= 0 or not to:
        return
    with session_scope(runtime.sessions) as session:
        items = due_soon(session, now=now, within=timedelta(days=days))
        requests = [repository.by_reference(session, item.reference) for item in items]
        fresh = [item for item, request in zip(items, requests, strict=True)
                 if request is not None and (request.reminded_at is None
                                             or now - request.reminded_at >= timedelta(days=1))]
        if not fresh:
            return
        message = reminder_message(
            runtime.manifest, days=days, link=f"{runtime.settings.base_url.rstrip('/')}/admin",
            items=[{"reference": i.reference, "type": i.type.value, "state": i.state.value,
                    "deadline": f"{i.deadline:%Y-%m-%d}", "days_left": i.days_left}
                   for i in fresh])
        queue_message(session, to=to, subject=message.subject, text=message.text,
                      html=message.html, kind=MessageKind.reminder)
        for request in requests:
            if request is not None and any(i.reference == request.reference for i in fresh):
                request.reminded_at = now
