"""What the privacy team reads about requests, shared by the admin pages and the admin API:
one request with everything that happened to it, the outbox, the request log; and the
few conversions their forms need (a corrections text, a day, a period).

Reading changes nothing. ``extend_to_day`` is the one write here: the extension decision
of ``privet.workflow.handling``, given a day instead of a moment.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session

from privet.audit import repository as audit_log
from privet.auth.service import Principal
from privet.jobs import repository as jobs
from privet.kit.clock import utc_naive
from privet.manifest.schema import Manifest
from privet.models.access_packages import AccessPackage
from privet.models.audit_log import AuditEntry
from privet.models.data_subject_requests import DataSubjectRequest, RequestEvent
from privet.models.jobs import Job
from privet.models.outbox import OutboxMessage
from privet.notify import repository as outbox
from privet.workflow.handling import extend_request
from privet.workflow.packages import package_by_reference
from privet.workflow.schemas import (
    CLOSED_STATES,
    TRANSITIONS,
    RequestLogRow,
    RequestState,
)
from privet.workflow.service import SUBJECT_TYPE, InvalidRequest, get_request, request_log

MAX_PAGE = 200
"""The most outbox messages one page lists."""
MAX_OFFSET = 2**31 - 1
"""The most messages a page may skip (databases' integers end somewhere)."""

_ACTOR_LENGTH = 200  # the audit log's and the events' actor column


def actor_of(principal: Principal) -> str:
    """How a principal is named in the events and the audit log: ``admin:<username>`` for
    a person, ``admin:api-key:<key name>#<key id>`` for an API key (an actor is one word)."""
    if principal.kind == "user":
        return f"admin:{principal.name}"[:_ACTOR_LENGTH]
    name = "-".join(principal.name.split())[:_ACTOR_LENGTH - 40]
    return f"admin:api-key:{name}#{principal.id}"




# ---------------------------------------------------------------------- one request


class Decision(StrEnum):
    """What the privacy team can decide about a request."""

    approve = "approve"
    reject = "reject"
    extend = "extend"


@dataclass(frozen=True)
class RequestDetail:
    """One request and everything that happened to it."""

    request: DataSubjectRequest
    events: Sequence[RequestEvent]
    """Its timeline: each change of state, and the extension, oldest first."""
    audit_entries: Sequence[AuditEntry]
    """The audit log's entries about it, in the order they were written."""
    messages: Sequence[OutboxMessage]
    """What was written to the person, oldest first."""
    jobs: Sequence[Job]
    """The background work done for it (its execution)."""
    package: AccessPackage | None
    """The access package, once one was built."""
    days_left: int | None
    """Whole days to the deadline in force (negative: overdue); None once closed."""
    decisions: frozenset[Decision]
    """The decisions its state allows now."""
    latest_extension: datetime | None
    """The latest deadline an extension may set (when the manifest is known)."""

    @property
    def is_open(self) -> bool:
        return RequestState(self.request.state) not in CLOSED_STATES


def _latest_extension(manifest: Manifest, request: DataSubjectRequest) -> datetime:
    # Shown to help choose a date; ``privet.workflow.service.extend`` enforces the same rule.
    organization = manifest.organization
    return organization.extension_limit.after(
        organization.response_deadline.after(request.received_at))


def _decisions(request: DataSubjectRequest, moment: datetime,
               latest: datetime | None) -> frozenset[Decision]:
    state = RequestState(request.state)
    allowed: set[Decision] = set()
    if RequestState.approved in TRANSITIONS[state]:
        allowed.add(Decision.approve)
    if RequestState.rejected in TRANSITIONS[state]:
        allowed.add(Decision.reject)
    if (state not in CLOSED_STATES and request.extended_until is None
            and moment < request.due_at and (latest is None or latest > request.due_at)):
        allowed.add(Decision.extend)
    return frozenset(allowed)


def request_detail(session: Session, *, reference: str, now: datetime | None = None,
                   manifest: Manifest | None = None) -> RequestDetail:
    """The request with this reference (or ``RequestNotFound``), its timeline, its audit
    entries, its messages, its jobs and its package. ``now`` sets the days left and the
    decisions allowed; ``manifest``, the latest extension."""
    request = get_request(session, reference=reference)
    moment = utc_naive(now or datetime.now(UTC))
    latest = _latest_extension(manifest, request) if manifest is not None else None
    open_ = RequestState(request.state) not in CLOSED_STATES
    return RequestDetail(
        request=request,
        events=list(request.events),
        audit_entries=audit_log.entries_about(session, subject_type=SUBJECT_TYPE,
                                              subject_id=request.reference),
        messages=outbox.messages_about(session, request.reference),
        jobs=jobs.for_subject(session, request.reference),
        package=package_by_reference(session, request.reference),
        days_left=(request.deadline - moment).days if open_ else None,
        decisions=_decisions(request, moment, latest),
        latest_extension=latest,
    )


# ------------------------------------------------------------------------- the outbox


@dataclass(frozen=True)
class OutboxPage:
    """One page of the outbox, newest message first."""

    messages: Sequence[OutboxMessage]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + self.limit
        return following if following < self.total else None

    @property
    def previous_offset(self) -> int | None:
        return max(self.offset - self.limit, 0) if self.offset > 0 else None


def outbox_page(session: Session, *, limit: int, offset: int) -> OutboxPage:
    """``limit`` messages (1 to 200) of the outbox, skipping the ``offset`` newest."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidRequest(f"a page holds 1 to {MAX_PAGE} messages, not {limit}",
                             hint=f"ask for limit={min(max(limit, 1), MAX_PAGE)}")
    if not 0 <= offset <= MAX_OFFSET:
        raise InvalidRequest(f"the offset must be 0 to {MAX_OFFSET}, not {offset}",
                             hint="start at 0")
    return OutboxPage(messages=outbox.newest_messages(session, limit=limit, offset=offset),
                      total=outbox.count_messages(session), limit=limit, offset=offset)


# ------------------------------------------------------------------ decisions by form


def parse_corrections(text: str) -> dict[str, str]:
    """A rectification's corrections as typed in a form, one ``table.field=value`` a line
    (blank lines skipped) → ``{"table.field": "value"}``. The names are checked when the
    request is approved, the columns when it runs."""
    corrections: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not name:
            raise InvalidRequest(
                f"line {number} of the corrections is not table.field=value: {line.strip()!r}",
                hint="write one correction a line, e.g. customers.last_name=Martin")
        if name in corrections:
            raise InvalidRequest(f"{name} is corrected twice (line {number})",
                                 hint="keep one value for each field")
        corrections[name] = value.strip()
    return corrections


def parse_day(text: str, *, what: str) -> date:
    """A day typed in a form (``YYYY-MM-DD``), or ``InvalidRequest`` naming ``what``."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidRequest(f"{what} is required, as a date (YYYY-MM-DD)",
                             hint="pick a day in the calendar") from None


def extend_to_day(session: Session, *, manifest: Manifest, secret: bytes, reference: str,
                  reason: str, day: date, now: datetime, actor: str) -> DataSubjectRequest:
    """Extend the deadline to ``day``, at the time of day of the original deadline (so the
    last day the manifest allows can be chosen), and tell the person why (see
    ``privet.workflow.handling.extend_request``)."""
    request = get_request(session, reference=reference)
    until = datetime.combine(day, request.due_at.time())
    return extend_request(session, manifest=manifest, secret=secret, reference=reference,
                          reason=reason, until=until, now=now, actor=actor)


# ------------------------------------------------------------------------ request log


@dataclass(frozen=True)
class RequestLog:
    """The requests received from ``first_day`` to ``last_day``, both included."""

    first_day: date
    last_day: date
    rows: Sequence[RequestLogRow]


LOG_EARLIEST = date(1970, 1, 1)
LOG_LATEST = date(9998, 12, 31)


def _a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def request_log_for(session: Session, *, first_day: date | None, last_day: date | None,
                    today: date) -> RequestLog:
    """The request log of a period of days, both included; by default the last 12 months
    up to ``today``."""
    last = last_day or today
    for day in (first_day, last):
        if day is not None and not LOG_EARLIEST <= day <= LOG_LATEST:
            raise InvalidRequest(f"{day} is outside the days the log covers",
                                 hint=f"choose days from {LOG_EARLIEST} to {LOG_LATEST}")
    first = first_day or _a_year_before(last)
    if first > last:
        raise InvalidRequest(f"the period ends ({last}) before it starts ({first})",
                             hint="choose a first day on or before the last day")
    rows = request_log(session, since=datetime.combine(first, time()),
                       until=datetime.combine(last + timedelta(days=1), time()))
    return RequestLog(first_day=first, last_day=last, rows=rows)


LOG_COLUMNS = ("reference", "received_on", "type", "channel", "responded_on", "outcome",
               "denial_reason", "days_taken", "deadline", "deadline_met")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # A spreadsheet runs a cell that starts like a formula; a reason is free text.
    return f"'{text}" if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def request_log_csv(log: RequestLog) -> str:
    """The request log as CSV (a header line, then one line a request; UTC dates), safe to
    open in a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(LOG_COLUMNS)
    for row in log.rows:
        writer.writerow([_cell(getattr(row, column)) for column in LOG_COLUMNS])
    return buffer.getvalue()
