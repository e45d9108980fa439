"""The breach register's rules (GDPR Art. 33 and 34).

- **Recording** a breach checks every fact before writing anything: the discovery is not
  in the future, the categories are in the taxonomy, the datastores and tables involved are
  declared in the manifest. Each problem is reported at its field.
- **The clock**: the authority is to be notified within 72 hours of discovery
  (Art. 33(1)). It shows the time left (negative: late), due soon under 24 hours; once
  notified, whether it was within 72 hours. A notification after the deadline must give
  the reasons for the delay: it is refused without them.
- **Decisions** (notify the authority or not, tell the people or not, and why) are never
  changed: a later one supersedes. Not notifying the authority is only for a breach
  unlikely to result in a risk (Art. 33(1)); not telling people at high risk needs one of
  the Art. 34(3) exceptions. Raising the risk past what a decision allows lifts it: the
  clock runs again and closing waits for a new decision. ``disproportionate_effort``
  needs a public communication before closing.
- **Notifications** to the authority come in phases (Art. 33(4)): initial, follow-ups,
  final. Deciding to tell the people writes to each of them (found through the identity
  graph, ``privet.breaches.people``) through the outbox, in the same transaction.
- Every change is in the audit log (``breach.recorded``, ``breach.updated``,
  ``breach.decision``, ``breach.notified``, ``breach.closed``): ids and counts only.

Services flush; the caller (request, CLI command) commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from privet.audit.service import append_entry
from privet.breaches import repository
from privet.breaches.drafts import authority_notice, people_body, people_notice, people_subject
from privet.breaches.people import AffectedPeople, find_affected_people
from privet.breaches.schemas import (
    BreachChanges,
    BreachFacts,
    ClosingFacts,
    DecisionFacts,
    NotificationFacts,
    problems_of,
)
from privet.kit.clock import utc_naive
from privet.kit.errors import PrivetError
from privet.manifest.schema import Manifest
from privet.models.breaches import (
    Audience,
    Breach,
    BreachDecision,
    BreachNotification,
    BreachStatus,
    DecisionQuestion,
    NotificationPhase,
    PeopleException,
    RiskLevel,
)
from privet.models.outbox import MessageKind
from privet.notify.errors import InvalidMessageError
from privet.notify.mailer import check_address, queue_message
from privet.requests.engine import ConnectedDatastores

DEADLINE = timedelta(hours=72)
"""Art. 33(1): notify the authority within 72 hours of becoming aware of the breach."""
DUE_SOON = timedelta(hours=24)
Model = TypeVar("Model", bound=BaseModel)


class BreachError(PrivetError):
    """A breach, decision or notification that cannot be recorded as asked."""

    http_status = 409


class BreachNotFound(BreachError):
    """No breach has that reference."""

    http_status = 404


class BreachInvalid(BreachError):
    """Facts that are missing or wrong, each at its field. Nothing was written."""

    http_status = 422

    def __init__(self, problems: dict[str, str], *, hint: str | None = None) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems.items()),
                         hint=hint or "correct these and send again; nothing was recorded")


def checked(model: type[Model], values: dict[str, Any]) -> Model:
    """``values`` (those not None) checked as ``model``: ``BreachInvalid`` naming each
    problem at its field (the admin forms and the CLI give their values this way)."""
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        raise BreachInvalid(problems_of(exc)) from None


# ---------------------------------------------------------------------------- the clock


class ClockState(StrEnum):
    on_time = "on_time"
    due_soon = "due_soon"
    late = "late"
    notified_on_time = "notified_on_time"
    notified_late = "notified_late"
    not_notifying = "not_notifying"
    """Decided not to notify the authority (Art. 33(1): unlikely to result in a risk)."""


def span(delta: timedelta) -> str:
    """``70 h 05 min`` (whole minutes, the sign dropped)."""
    minutes = int(abs(delta).total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass(frozen=True)
class BreachClock:
    """Where a breach stands against the 72 hours of Art. 33(1)."""

    discovered_at: datetime
    now: datetime
    authority_notified_at: datetime | None
    not_notifying: bool

    @property
    def deadline(self) -> datetime:
        return self.discovered_at + DEADLINE

    @property
    def time_left(self) -> timedelta:
        """Until the deadline, from now; negative once it has passed."""
        return self.deadline - self.now

    @property
    def state(self) -> ClockState:
        if self.authority_notified_at is not None:
            return (ClockState.notified_on_time if self.authority_notified_at <= self.deadline
                    else ClockState.notified_late)
        if self.not_notifying:
            return ClockState.not_notifying
        if self.time_left < timedelta(0):
            return ClockState.late
        return ClockState.due_soon if self.time_left < DUE_SOON else ClockState.on_time

    @property
    def summary(self) -> str:
        """The clock in words: ``70 h 05 min left``, ``late by 3 h 00 min``…"""
        state = self.state
        if self.authority_notified_at is not None:
            taken = span(self.authority_notified_at - self.discovered_at)
            if state is ClockState.notified_on_time:
                return f"authority notified within 72 hours (after {taken})"
            return (f"authority notified late, after {taken} "
                    f"({span(self.authority_notified_at - self.deadline)} past the deadline)")
        if state is ClockState.not_notifying:
            return "not notified to the authority: decided so (Art. 33(1))"
        if state is ClockState.late:
            return f"late by {span(self.time_left)}"
        return f"{span(self.time_left)} left"


def clock_of(breach: Breach, now: datetime) -> BreachClock:
    notified = [n.sent_at for n in breach.notifications
                if n.audience == Audience.authority.value]
    decision = in_force(breach, DecisionQuestion.authority)
    return BreachClock(discovered_at=breach.discovered_at, now=utc_naive(now),
                       authority_notified_at=min(notified) if notified else None,
                       not_notifying=decision is not None and not decision.notify)


def latest(breach: Breach, question: DecisionQuestion) -> BreachDecision | None:
    """The latest decision on ``question`` (earlier ones are superseded), whether or not
    the current risk still allows it."""
    decisions = [d for d in breach.decisions if d.question == question.value]
    return max(decisions, key=lambda d: d.id) if decisions else None


def holds(breach: Breach, decision: BreachDecision) -> bool:
    """Whether the current risk still allows ``decision``: not notifying the authority
    needs a breach unlikely to result in a risk (Art. 33(1)); not telling people at high
    risk needs an Art. 34(3) exception. A decision to notify always holds."""
    if decision.notify:
        return True
    if decision.question == DecisionQuestion.authority.value:
        return breach.risk == RiskLevel.none.value
    return breach.risk != RiskLevel.high.value or decision.exception is not None


def in_force(breach: Breach, question: DecisionQuestion) -> BreachDecision | None:
    """The latest decision on ``question`` if the current risk still allows it; one the
    risk has since ruled out (the risk was raised) is no longer in force, as if none had
    been taken: the clock runs again and closing waits for a new decision."""
    decision = latest(breach, question)
    return decision if decision is not None and holds(breach, decision) else None


def lapsed(breach: Breach) -> list[BreachDecision]:
    """The latest decisions that the current risk no longer allows."""
    return [d for d in (latest(breach, q) for q in DecisionQuestion)
            if d is not None and not holds(breach, d)]


# ---------------------------------------------------------------------------- checks


def _check_categories(manifest: Manifest, problems: dict[str, str], field: str,
                      kind: str, keys: Sequence[str]) -> None:
    index = manifest.taxonomy_index
    for position, key in enumerate(keys):
        if not index.knows(kind, key):  # type: ignore[arg-type]
            guess = index.suggest(kind, key)  # type: ignore[arg-type]
            what = "data category" if kind == "data_category" else "data subject category"
            problems.setdefault(
                f"{field}[{position}]",
                f"`{key}` is not a {what} of the taxonomy"
                + (f" (did you mean `{guess}`?)" if guess else ""))


def _check_systems(manifest: Manifest, problems: dict[str, str],
                   systems: Sequence[str]) -> None:
    for position, system in enumerate(systems):
        if system in manifest.datastores:
            continue
        store, _, table = system.partition(".")
        if store not in manifest.datastores:
            problems[f"systems[{position}]"] = (
                f"`{system}`: the manifest declares no datastore `{store}` (datastores: "
                f"{', '.join(manifest.datastores) or 'none'})")
        elif table and table not in manifest.datastores[store].tables:
            problems[f"systems[{position}]"] = (
                f"`{system}`: datastore `{store}` declares no table `{table}`")


def _check_times(problems: dict[str, str], *, occurred_at: datetime | None,
                 discovered_at: datetime, now: datetime) -> None:
    if discovered_at > now:
        problems["discovered_at"] = (
            f"{discovered_at:%Y-%m-%d %H:%M} UTC is in the future: give when you became "
            "aware of the breach")
    if occurred_at is not None and occurred_at > discovered_at:
        problems["occurred_at"] = "is after the discovery: a breach is found after it happens"


def check_facts(manifest: Manifest, facts: BreachFacts, *, now: datetime) -> dict[str, str]:
    """Every problem with ``facts`` that needs the manifest or the clock, by field."""
    problems: dict[str, str] = {}
    _check_times(problems, occurred_at=facts.occurred_at, discovered_at=facts.discovered_at,
                 now=utc_naive(now))
    _check_categories(manifest, problems, "data_categories", "data_category",
                      facts.data_categories)
    _check_categories(manifest, problems, "subject_categories", "data_subject",
                      facts.subject_categories)
    _check_systems(manifest, problems, facts.systems)
    return problems


# ---------------------------------------------------------------------------- recording


NUMBERING_ATTEMPTS = 5
"""Tries at numbering a breach when concurrent recordings take the same number."""


def _new_breach(facts: BreachFacts, reference: str, *, actor: str, now: datetime) -> Breach:
    return Breach(
        reference=reference, title=facts.title, description=facts.description,
        nature=[n.value for n in dict.fromkeys(facts.nature)],
        occurred_at=facts.occurred_at, discovered_at=facts.discovered_at,
        recorded_at=now, recorded_by=actor,
        data_categories=list(dict.fromkeys(facts.data_categories)),
        subject_categories=list(dict.fromkeys(facts.subject_categories)),
        systems=list(dict.fromkeys(facts.systems)),
        people_affected=facts.people_affected, records_affected=facts.records_affected,
        consequences=facts.consequences, measures=facts.measures, advice=facts.advice,
        risk=facts.risk.value, contact_point=facts.contact_point,
        status=BreachStatus.open.value, decisions=[], notifications=[])


def record_breach(session: Session, manifest: Manifest, facts: BreachFacts, *, secret: bytes,
                  actor: str, now: datetime) -> Breach:
    """A new breach in the register (``BreachInvalid`` with every problem, nothing
    written, if a fact is wrong). Its reference is the next number of the year; when a
    concurrent recording took it first, the next one after that."""
    moment = utc_naive(now)
    problems = check_facts(manifest, facts, now=moment)
    if problems:
        raise BreachInvalid(problems)
    prefix = f"BR-{moment:%Y}-"
    for _attempt in range(NUMBERING_ATTEMPTS):
        breach = _new_breach(facts, f"{prefix}{repository.last_number(session, prefix) + 1:04d}",
                             actor=actor, now=moment)
        try:
            with session.begin_nested():
                repository.add(session, breach)
        except IntegrityError:
            continue  # another recording took that number meanwhile: take the next one
        break
    else:
        raise BreachError("the breach could not be given a reference: other breaches were "
                          "being recorded at the same moment", hint="try again")
    append_entry(session, secret=secret, actor=actor, action="breach.recorded",
                 subject_type="breach", subject_id=breach.reference, now=moment,
                 details={"risk": breach.risk, "nature": breach.nature,
                          "data_categories": breach.data_categories,
                          "systems": len(breach.systems),
                          "people_affected": breach.people_affected,
                          "records_affected": breach.records_affected,
                          "deadline": (breach.discovered_at + DEADLINE).isoformat(sep=" ")})
    return breach


def get_breach(session: Session, reference: str, *, lock: bool = False) -> Breach:
    """The breach ``reference`` with its decisions and notifications, or ``BreachNotFound``."""
    breach = (repository.by_reference(session, reference.strip(), lock=lock)
              if len(reference) <= 32 else None)
    if breach is None:
        raise BreachNotFound(f"no breach {reference[:40]!r} in the register",
                             hint="`privet breaches list` and /admin/breaches list them")
    return breach


def register(session: Session, *, include_closed: bool = True) -> Sequence[Breach]:
    """The register: open breaches first, most recently discovered first."""
    return repository.register(session, include_closed=include_closed)


def _open(session: Session, reference: str) -> Breach:
    breach = get_breach(session, reference, lock=True)
    if breach.status == BreachStatus.closed.value:
        raise BreachError(f"breach {breach.reference} is closed",
                          hint="a closed breach's record is final; record a new breach if "
                               "something new happened")
    return breach


def update_breach(session: Session, manifest: Manifest, reference: str,
                  changes: BreachChanges, *, secret: bytes, actor: str,
                  now: datetime) -> Breach:
    """Complete or correct the facts as the investigation goes on (only those given)."""
    moment = utc_naive(now)
    breach = _open(session, reference)
    given = {name: getattr(changes, name) for name in changes.model_fields_set}
    problems: dict[str, str] = {}
    _check_times(problems, occurred_at=given.get("occurred_at", breach.occurred_at),
                 discovered_at=breach.discovered_at, now=moment)
    _check_categories(manifest, problems, "data_categories", "data_category",
                      given.get("data_categories") or [])
    _check_categories(manifest, problems, "subject_categories", "data_subject",
                      given.get("subject_categories") or [])
    _check_systems(manifest, problems, given.get("systems") or [])
    for required in ("description", "data_categories", "consequences", "measures", "risk"):
        if required in given and given[required] is None:
            problems[required] = "cannot be removed"
    if problems:
        raise BreachInvalid(problems)
    changed = []
    for name, value in sorted(given.items()):
        stored = value.value if isinstance(value, StrEnum) else value
        if isinstance(stored, list):
            stored = list(dict.fromkeys(stored))
        if getattr(breach, name) != stored:
            setattr(breach, name, stored)
            changed.append(name)
    if not changed:
        return breach
    breach.updated_at = moment
    session.flush()
    details: dict[str, Any] = {"fields": changed, "risk": breach.risk}
    if "risk" in changed:
        # A decision the new risk rules out is no longer in force (see ``in_force``).
        details["decisions_lapsed"] = [d.id for d in lapsed(breach)]
    append_entry(session, secret=secret, actor=actor, action="breach.updated",
                 subject_type="breach", subject_id=breach.reference, now=moment,
                 details=details)
    return breach


# ---------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class DecisionOutcome:
    decision: BreachDecision
    notification: BreachNotification | None = None
    """Deciding to tell the people: the notification recorded with the messages queued."""
    people: AffectedPeople | None = None
    skipped: int = 0
    """Email addresses found that are not addresses (not written to)."""


@dataclass(frozen=True)
class PeopleFinder:
    """Opens the datastores a breach involves, read-only, to find the people in them."""

    manifest: Manifest
    workspace_root: Path
    timeout: int

    def find(self, systems: Sequence[str]) -> AffectedPeople:
        """Everyone with a row in the tables ``systems`` name (``DatastoreError`` when a
        datastore involved cannot be reached or read)."""
        stores = list(dict.fromkeys(s.partition(".")[0] for s in systems))
        with ConnectedDatastores.open(self.manifest, self.workspace_root,
                                      timeout=self.timeout, write=False,
                                      only=stores) as datastores:
            return find_affected_people(datastores, systems)


def affected_people(session: Session, reference: str, *,
                    finder: PeopleFinder) -> AffectedPeople:
    """The people found in the datastores and tables the breach involves (a scan of each
    of them: count on demand)."""
    return finder.find(get_breach(session, reference).systems)


def decide(session: Session, manifest: Manifest, reference: str, facts: DecisionFacts, *,
           secret: bytes, actor: str, now: datetime,
           finder: PeopleFinder | None = None) -> DecisionOutcome:
    """Record a decision. Deciding to tell the people finds them in the datastores involved
    (``finder`` is then required) and queues one message each; when none of them has an
    email address, nothing is recorded."""
    moment = utc_naive(now)
    found: tuple[list[str], AffectedPeople] | None = None
    if facts.question is DecisionQuestion.people and facts.notify:
        # The walk can take a while: search before taking the breach's row lock, then
        # check that the systems searched are still those of the breach.
        unlocked = get_breach(session, reference)
        _check_decision(unlocked, facts)
        systems = list(unlocked.systems)
        found = systems, _find_people(unlocked, finder)
    breach = _open(session, reference)
    _check_decision(breach, facts)
    if found is not None and found[0] != list(breach.systems):
        raise BreachError(f"the systems involved in {breach.reference} changed while its "
                          "people were searched", hint="try again")
    decision = BreachDecision(question=facts.question.value, notify=facts.notify,
                              reason=facts.reason,
                              exception=facts.exception.value if facts.exception else None,
                              decided_at=moment, decided_by=actor)
    breach.decisions.append(decision)
    session.flush()
    append_entry(session, secret=secret, actor=actor, action="breach.decision",
                 subject_type="breach", subject_id=breach.reference, now=moment,
                 details={"decision": decision.id, "question": decision.question,
                          "notify": decision.notify, "exception": decision.exception})
    if found is not None:
        return _tell_people(session, manifest, breach, decision, found[1], secret=secret,
                            actor=actor, now=moment)
    return DecisionOutcome(decision)


def _check_decision(breach: Breach, facts: DecisionFacts) -> None:
    told = [n for n in breach.notifications if n.audience == Audience.authority.value]
    if facts.question is DecisionQuestion.authority:
        if facts.exception is not None:
            raise BreachInvalid({"exception": "the Art. 34(3) exceptions are about telling "
                                              "the people, not the authority"})
        if not facts.notify and told:
            raise BreachError(
                f"the authority was already notified of {breach.reference} "
                f"({told[0].sent_at:%Y-%m-%d %H:%M} UTC)",
                hint="record a follow-up notification to correct what it was told")
        if not facts.notify and breach.risk != RiskLevel.none.value:
            raise BreachError(
                f"{breach.reference} is assessed as a {_risk_words(breach.risk)}: Art. 33(1) "
                "lets you not notify the authority only when the breach is unlikely to "
                "result in a risk to people",
                hint="if the assessment changed, update the risk level to `none` first, "
                     "with the reasons in the measures")
        return
    if facts.notify:
        if facts.exception is not None:
            raise BreachInvalid({"exception": "an exception is a reason not to tell the "
                                              "people; leave it out when telling them"})
        sent = [n for n in breach.notifications if n.audience == Audience.people.value]
        if sent:
            raise BreachError(
                f"the people were already written to about {breach.reference} "
                f"({sent[0].sent_at:%Y-%m-%d %H:%M} UTC, {sent[0].recipients or 0} messages)",
                hint="for news, record a public communication, or write to them outside "
                     "Privet")
        if not breach.systems:
            raise BreachError(
                f"{breach.reference} names no datastore or table involved, so Privet cannot "
                "find the people to write to",
                hint="add the systems involved to the breach, or make a public "
                     "communication (a notification to the public)")
        return
    if breach.risk == RiskLevel.high.value and facts.exception is None:
        raise BreachInvalid({"exception": (
            "the risk is high: the people must be told (Art. 34(1)) unless an Art. 34(3) "
            "exception applies: encrypted, measures_taken or disproportionate_effort")})


def _risk_words(risk: str) -> str:
    return {"risk": "risk to people", "high": "high risk to people"}.get(risk, risk)


def _addresses(people: AffectedPeople) -> tuple[list[str], int]:
    """The addresses to write to, and how many found are not addresses."""
    valid: list[str] = []
    for address in people.emails:
        try:
            check_address(address)
        except InvalidMessageError:
            continue
        valid.append(address)
    return valid, len(people.emails) - len(valid)


def _find_people(breach: Breach, finder: PeopleFinder | None) -> AffectedPeople:
    """The people to write to; ``BreachError`` naming what was found when none of them
    has an email address (nothing can be sent, so nothing is recorded)."""
    if finder is None:
        raise BreachError("finding the people affected needs the datastores, which were not "
                          "opened", hint="a bug: pass a PeopleFinder for the decision")
    people = finder.find(breach.systems)
    if not _addresses(people)[0]:
        counts = people.counts()
        found = ", ".join(f"{n:,} values that are not email addresses" if kind == "email"
                          else f"{kind.replace('_', ' ')} {n:,}"
                          for kind, n in counts.items())
        raise BreachError(
            f"none of the people found in the {len(people.tables)} tables involved in "
            f"{breach.reference} has an email address"
            + (f" (found: {found})" if found else " (nobody was found)")
            + ": nobody can be written to",
            hint="make a public communication instead (a notification to the public), or "
                 "record the decision not to tell them with the Art. 34(3) exception that "
                 "applies; nothing was recorded")
    return people


def _tell_people(session: Session, manifest: Manifest, breach: Breach,
                 decision: BreachDecision, people: AffectedPeople, *, secret: bytes,
                 actor: str, now: datetime) -> DecisionOutcome:
    subject, body = people_subject(manifest), people_body(breach, manifest)
    addresses, skipped = _addresses(people)
    for address in addresses:
        queue_message(session, to=address, subject=subject, text=body,
                      kind=MessageKind.breach_notice, reference=breach.reference)
    queued = len(addresses)
    notification = BreachNotification(
        audience=Audience.people.value, phase=NotificationPhase.initial.value, sent_at=now,
        recorded_at=now, recorded_by=actor, recipients=queued,
        content=people_notice(breach, manifest))
    breach.notifications.append(notification)
    if breach.status == BreachStatus.open.value:
        breach.status = BreachStatus.notified.value
    session.flush()
    append_entry(session, secret=secret, actor=actor, action="breach.notified",
                 subject_type="breach", subject_id=breach.reference, now=now,
                 details={"notification": notification.id, "audience": "people",
                          "decision": decision.id, "messages": queued,
                          "not_addresses": skipped, "identities_found": people.counts(),
                          "tables_searched": len(people.tables)})
    return DecisionOutcome(decision, notification, people, skipped)


# ---------------------------------------------------------------------------- notifications


def notify(session: Session, manifest: Manifest, reference: str, facts: NotificationFacts,
           *, secret: bytes, actor: str, now: datetime) -> BreachNotification:
    """Record a notification made to the authority (initial, follow-up, final) or a public
    communication. Without ``content``, the draft as it stands is what was sent."""
    moment = utc_naive(now)
    breach = _open(session, reference)
    sent_at = facts.sent_at or moment
    problems: dict[str, str] = {}
    if facts.audience is Audience.people:
        problems["audience"] = ("people are written to by deciding to tell them "
                                "(a decision on `people` with notify)")
    if sent_at > moment:
        problems["sent_at"] = f"{sent_at:%Y-%m-%d %H:%M} UTC is in the future"
    elif sent_at < breach.discovered_at:
        problems["sent_at"] = "is before the breach was discovered"
    if problems:
        raise BreachInvalid(problems)
    deadline = breach.discovered_at + DEADLINE
    if facts.audience is Audience.authority:
        _check_phase(breach, facts.phase)
        if (facts.phase is NotificationPhase.initial and sent_at > deadline
                and not facts.delay_reasons):
            raise BreachInvalid({"delay_reasons": (
                f"the authority is notified {span(sent_at - deadline)} after the 72-hour "
                f"deadline ({deadline:%Y-%m-%d %H:%M} UTC): Art. 33(1) requires the "
                "reasons for the delay")})
    content = facts.content or (
        authority_notice(breach, manifest, now=sent_at, phase=facts.phase.value,
                         deadline=deadline, delay_reasons=facts.delay_reasons)
        if facts.audience is Audience.authority else people_notice(breach, manifest))
    notification = BreachNotification(
        audience=facts.audience.value, phase=facts.phase.value, sent_at=sent_at,
        recorded_at=moment, recorded_by=actor,
        authority_reference=facts.authority_reference, delay_reasons=facts.delay_reasons,
        content=content)
    breach.notifications.append(notification)
    if breach.status == BreachStatus.open.value:
        breach.status = BreachStatus.notified.value
    session.flush()
    details: dict[str, Any] = {"notification": notification.id,
                               "audience": notification.audience,
                               "phase": notification.phase}
    if facts.audience is Audience.authority and facts.phase is NotificationPhase.initial:
        details["within_72_hours"] = sent_at <= deadline
    append_entry(session, secret=secret, actor=actor, action="breach.notified",
                 subject_type="breach", subject_id=breach.reference, now=moment,
                 details=details)
    return notification


def _check_phase(breach: Breach, phase: NotificationPhase) -> None:
    sent = [n for n in breach.notifications if n.audience == Audience.authority.value]
    phases = {n.phase for n in sent}
    decision = in_force(breach, DecisionQuestion.authority)
    if decision is not None and not decision.notify:
        raise BreachError(
            f"the decision in force on {breach.reference} is not to notify the authority",
            hint="record a new decision to notify it first (it supersedes the earlier one)")
    if NotificationPhase.final.value in phases:
        raise BreachError(f"the final notification of {breach.reference} was already made",
                          hint="nothing follows a final notification")
    if phase is NotificationPhase.initial and NotificationPhase.initial.value in phases:
        raise BreachError(
            f"the authority already has the initial notification of {breach.reference}",
            hint="further information is a follow_up (Art. 33(4)), the last one final")
    if phase is not NotificationPhase.initial and not sent:
        raise BreachError(f"the authority has no initial notification of {breach.reference}",
                          hint="record the initial notification first")


# ---------------------------------------------------------------------------- closing


def close_breach(session: Session, reference: str, facts: ClosingFacts, *, secret: bytes,
                 actor: str, now: datetime) -> Breach:
    """Close the breach once the authority question is settled (notified, or decided not
    to) and, at high risk, the people question too."""
    moment = utc_naive(now)
    breach = _open(session, reference)
    missing = []
    audiences = {n.audience for n in breach.notifications}
    risk = _risk_words(breach.risk)
    if Audience.authority.value not in audiences:
        decision = in_force(breach, DecisionQuestion.authority)
        if decision is None or decision.notify:
            missing.append("the authority: notify it, or record the decision not to and why"
                           + (f" (the decision not to notify no longer holds: the breach is "
                              f"now assessed as a {risk})"
                              if decision is None and latest(breach, DecisionQuestion.authority)
                              else ""))
    people = in_force(breach, DecisionQuestion.people)
    if (breach.risk == RiskLevel.high.value and not audiences & {Audience.people.value,
                                                                 Audience.public.value}
            and people is None):
        missing.append("the people (high risk): tell them, or record why not (Art. 34(3))"
                       + (" (the decision not to tell them no longer holds: the risk is now "
                          "high and it gives no Art. 34(3) exception)"
                          if latest(breach, DecisionQuestion.people) else ""))
    if (people is not None and people.exception == PeopleException.disproportionate_effort.value
            and Audience.public.value not in audiences):
        missing.append("the public: Art. 34(3)(c) replaces telling each person with a public "
                       "communication; record it (a notification to the public)")
    if missing:
        raise BreachError(f"{breach.reference} cannot be closed yet: settle "
                          + "; ".join(missing),
                          hint="the register must show what was decided and why (Art. 33(5))")
    breach.status = BreachStatus.closed.value
    breach.closed_at, breach.closed_by, breach.closing_note = moment, actor, facts.note
    session.flush()
    append_entry(session, secret=secret, actor=actor, action="breach.closed",
                 subject_type="breach", subject_id=breach.reference, now=moment,
                 details={"decisions": len(breach.decisions),
                          "notifications": len(breach.notifications)})
    return breach


# ---------------------------------------------------------------------------- drafts


@dataclass(frozen=True)
class Drafts:
    authority_phase: NotificationPhase
    authority: str
    people: str


def drafts(breach: Breach, manifest: Manifest, *, now: datetime) -> Drafts:
    """The notices as they would be sent now: to the authority (its next phase) and to
    the people."""
    moment = utc_naive(now)
    told = {n.phase for n in breach.notifications if n.audience == Audience.authority.value}
    phase = (NotificationPhase.initial if NotificationPhase.initial.value not in told
             else NotificationPhase.follow_up)
    return Drafts(phase, authority_notice(breach, manifest, now=moment, phase=phase.value,
                                          deadline=breach.discovered_at + DEADLINE),
                  people_notice(breach, manifest))


def exception_words(exception: str | None) -> str:
    return {
        PeopleException.encrypted.value: "Art. 34(3)(a): the data was unintelligible "
                                         "(encrypted)",
        PeopleException.measures_taken.value: "Art. 34(3)(b): measures taken mean the high "
                                              "risk is no longer likely",
        PeopleException.disproportionate_effort.value: "Art. 34(3)(c): disproportionate "
                                                       "effort; a public communication "
                                                       "instead",
    }.get(exception or "", "")
