"""Change notices: people told by email of a material policy change before it applies.

Who: the tables named under ``policy.notify`` in the manifest (a datastore, a table, the
email column, an optional language column and ``where`` condition), read only, when the
notices go out. When: ``policy.effective_date`` less ``policy.notice_period`` (30 days in
the reference policies), at midnight UTC. If that moment has already passed when the
version is published, the notices go out at once and the publish output and the audit log
say that the notice period is not respected.

How: publishing writes a durable job (``documents.change_notices``) due at that moment;
when it runs, it reads the recipients and queues one outbox message each
(``privet.notify.mailer``), in batches, recording each address in
``policy_change_notices`` in the same transaction as its message. A job run again (after a
crash, or asked twice) skips the addresses already told: each person gets one notice per
version.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.service import append_entry
from privet.datastores.conditions import condition_clause
from privet.datastores.sql import open_engine, resolve_url
from privet.documents import repository
from privet.documents.diff import Change, duration_words
from privet.jobs.service import JobContext, enqueue, task
from privet.kit.clock import utc_naive
from privet.kit.db import session_scope
from privet.kit.errors import ConfigurationError, DatastoreError, PrivetError
from privet.manifest.schema import Manifest, NoticeRecipients
from privet.models.documents import DocumentVersion, PolicyChangeNotice
from privet.models.outbox import MessageKind
from privet.notify import messages
from privet.notify.errors import InvalidMessageError
from privet.notify.mailer import check_address, queue_message
from privet.notify.messages import RenderedMessage

log = logging.getLogger(__name__)

SEND_CHANGE_NOTICES = "documents.change_notices"
BATCH = 500
"""Recipients queued per transaction."""


class NoticeError(PrivetError):
    """Change notices cannot be sent as the manifest asks."""

    http_status = 409


# ---------------------------------------------------------------------------- when


@dataclass(frozen=True)
class NoticeSchedule:
    """When the notices of a version go out, and why not on time if they cannot."""

    due_at: datetime
    warning: str | None


def notice_schedule(manifest: Manifest, *, now: datetime) -> NoticeSchedule:
    """``effective_date - notice_period`` (midnight UTC); at once, with a warning, when that
    moment is past or the policy states no notice period."""
    moment = utc_naive(now)
    policy = manifest.policy
    takes_effect = datetime.combine(policy.effective_date, time())
    if policy.notice_period is None:
        return NoticeSchedule(moment, "the policy states no notice period "
                              "(`policy.notice_period`): the notices go out at once")
    due = utc_naive(policy.notice_period.before(takes_effect))
    if due >= moment:
        return NoticeSchedule(due, None)
    left = (takes_effect - moment).days
    when = (f"in {left} day{'s' if left != 1 else ''}" if takes_effect > moment
            else "already")
    return NoticeSchedule(moment, (
        f"the notice period of {duration_words(policy.notice_period)} is not respected: "
        f"version {policy.version} takes effect on {policy.effective_date:%Y-%m-%d}, "
        f"{when}; the notices go out at once"))


@dataclass(frozen=True)
class ScheduledNotices:
    job_id: int | None
    due_at: datetime | None
    warning: str | None


def schedule_change_notices(session: Session, version: DocumentVersion, manifest: Manifest,
                            *, now: datetime) -> ScheduledNotices:
    """The job that will send ``version``'s notices (in the caller's transaction), due at
    the moment of :func:`notice_schedule`; none when the manifest names no recipients."""
    if not manifest.policy.notify:
        return ScheduledNotices(None, None, "no one is told of this material change: the "
                                "manifest names no recipients under `policy.notify`")
    schedule = notice_schedule(manifest, now=now)
    job = enqueue(session, kind=SEND_CHANGE_NOTICES, now=now, run_after=schedule.due_at,
                  subject_ref=f"policy:{version.label}"[:64],
                  payload={"version": version.id},
                  dedupe_key=f"documents:change_notices:{version.id}")
    return ScheduledNotices(job.id, schedule.due_at, schedule.warning)


# ---------------------------------------------------------------------------- who


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str | None


def read_recipients(manifest: Manifest, workspace_root: Any, *,
                    timeout: int) -> list[Recipient]:
    """Every address named by ``policy.notify`` (lower-cased, each once, the first row's
    language kept), read with the datastores opened read-only."""
    found: dict[str, Recipient] = {}
    for entry in manifest.policy.notify:
        for recipient in _rows(manifest, entry, workspace_root, timeout=timeout):
            found.setdefault(recipient.email, recipient)
    return sorted(found.values(), key=lambda r: r.email)


def _datastore_of(manifest: Manifest, entry: NoticeRecipients) -> str:
    if entry.datastore is not None:
        if entry.datastore not in manifest.datastores:
            raise NoticeError(f"`policy.notify` names datastore `{entry.datastore}`, which "
                              "is not declared", hint="run `privet check`")
        return entry.datastore
    if len(manifest.datastores) != 1:
        raise NoticeError(f"`policy.notify` must say which datastore holds `{entry.table}`",
                          hint="add `datastore:` to the entry")
    return next(iter(manifest.datastores))


def _rows(manifest: Manifest, entry: NoticeRecipients, workspace_root: Any, *,
          timeout: int) -> Iterator[Recipient]:
    datastore = _datastore_of(manifest, entry)
    url = resolve_url(manifest.datastores[datastore].url, workspace_root, datastore=datastore)
    engine = open_engine(url, timeout=timeout, read_only=True, create=False)
    try:
        schema, _, name = entry.table.rpartition(".")
        try:
            table = sa.Table(name, sa.MetaData(), schema=schema or None, autoload_with=engine)
        except NoSuchTableError:
            raise NoticeError(f"`policy.notify`: table `{entry.table}` does not exist in "
                              f"datastore `{datastore}`",
                              hint="run `privet check --connect`") from None
        columns = [entry.email] + ([entry.language] if entry.language else [])
        missing = [c for c in columns if c not in table.c]
        if missing:
            raise NoticeError(f"`policy.notify`: table `{entry.table}` has no column "
                              f"{', '.join(f'`{c}`' for c in missing)}",
                              hint=f"columns: {', '.join(table.c.keys())}")
        email = table.c[entry.email]
        language = table.c[entry.language] if entry.language else sa.null()
        query = sa.select(email, language).where(email.is_not(None))
        if entry.where is not None:
            try:
                query = query.where(condition_clause(entry.where, table))
            except ConfigurationError as exc:
                raise NoticeError(f"`policy.notify`: {exc.message}", hint=exc.hint) from None
        with engine.connect() as connection:
            for address, spoken in connection.execute(query):
                text = str(address).strip().lower()
                if text:
                    yield Recipient(text, None if spoken is None else str(spoken))
    except SQLAlchemyError as exc:
        raise DatastoreError(f"cannot read the change notice recipients in datastore "
                             f"`{datastore}`: {type(exc).__name__}",
                             hint="check the datastore is reachable") from None
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- what


def version_link(base_url: str, label: str) -> str:
    """The stable address of a published version."""
    from urllib.parse import quote

    return f"{base_url.rstrip('/')}/privacy/versions/{quote(label, safe='')}"


def change_notice_message(manifest: Manifest, version: DocumentVersion, *, language: str,
                          base_url: str) -> RenderedMessage:
    """The notice of ``version`` in ``language``: its material changes in words, when it
    takes effect, links to it and to the version it replaces."""
    changes = [Change.from_json(c) for c in version.changes]
    material = [c.sentence(language) for c in changes if c.material]
    return messages.change_notice_message(
        manifest, language=language, label=version.label, effective=version.effective_date,
        changes=material, other_changes=len(changes) - len(material),
        new_link=version_link(base_url, version.label),
        previous_link=(version_link(base_url, version.previous_label)
                       if version.previous_label else None))


# ---------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class NoticeReport:
    """What one run of the notice job did."""

    queued: int
    already_told: int
    refused: list[str]
    """Addresses that are not email addresses (left out, named in the log)."""


def queue_change_notices(sessions: sessionmaker[Session], version_id: int, *,
                         workspace_root: Any, timeout: int, base_url: str,
                         secret: bytes, now: datetime | None = None) -> NoticeReport:
    """Queue the notice of version ``version_id`` to every recipient not yet told, in
    batches of :data:`BATCH` (each batch one transaction: the messages and their records
    together)."""
    with session_scope(sessions) as session:
        version = repository.version_by_id(session, version_id)
        if version is None:
            raise NoticeError(f"no published version #{version_id}")
        manifest = Manifest.model_validate_json(version.manifest)
        told = repository.notified(session, version_id)
        session.expunge(version)
    recipients = read_recipients(manifest, workspace_root, timeout=timeout)
    pending = [r for r in recipients if r.email not in told]
    refused: list[str] = []
    queued = 0
    messages_by_language: dict[str, RenderedMessage] = {}
    for start in range(0, len(pending), BATCH):
        with session_scope(sessions) as session:
            for recipient in pending[start:start + BATCH]:
                try:
                    check_address(recipient.email)
                except InvalidMessageError:
                    refused.append(recipient.email)
                    continue
                language = messages.message_language(manifest, recipient.language)
                if language not in messages_by_language:
                    messages_by_language[language] = change_notice_message(
                        manifest, version, language=language, base_url=base_url)
                message = messages_by_language[language]
                outbox = queue_message(session, to=recipient.email, subject=message.subject,
                                       text=message.text, html=message.html,
                                       kind=MessageKind.change_notice,
                                       reference=f"policy:{version.label}"[:64])
                repository.add_notice(session, PolicyChangeNotice(
                    version_id=version_id, recipient=recipient.email,
                    outbox_message_id=outbox.id, queued_at=utc_naive(now)))
                queued += 1
    if refused:
        log.warning("change notices of version %s: %d address(es) left out, not email "
                    "addresses", version.label, len(refused))
    with session_scope(sessions) as session:
        append_entry(session, secret=secret, actor="system",
                     action="documents.change_notices_queued", subject_type="document_version",
                     subject_id=version.label,
                     details={"queued": queued, "already_told": len(told),
                              "refused": len(refused)})
    return NoticeReport(queued, len(told), refused)


@task(SEND_CHANGE_NOTICES)
def send_change_notices(ctx: JobContext) -> None:
    """Queue the change notices of the version in the payload (once per recipient)."""
    runtime = ctx.runtime
    queue_change_notices(runtime.sessions, int(ctx.payload["version"]),
                         workspace_root=runtime.workspace.root,
                         timeout=runtime.settings.connect_timeout,
                         base_url=runtime.settings.base_url, secret=runtime.secret)

