"""A breach as the API and the CLI's JSON give it: one set of pydantic models, one
serialisation."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from privet.breaches import service
from privet.breaches.people import AffectedPeople
from privet.manifest.schema import Manifest
from privet.models.breaches import Breach


class ClockOut(BaseModel):
    """Where the breach stands against the 72 hours of Art. 33(1)."""

    deadline: datetime = Field(description="Discovery + 72 hours (UTC).")
    state: service.ClockState
    hours_left: float = Field(description="Hours to the deadline; negative: late.")
    summary: str = Field(description="In words, e.g. `70 h 05 min left`.")

    @classmethod
    def of(cls, clock: service.BreachClock) -> ClockOut:
        return cls(deadline=clock.deadline, state=clock.state,
                   hours_left=round(clock.time_left.total_seconds() / 3600, 2),
                   summary=clock.summary)


class DecisionOut(BaseModel):
    question: str
    notify: bool
    reason: str
    exception: str | None
    decided_at: datetime
    decided_by: str


class NotificationOut(BaseModel):
    audience: str
    phase: str
    sent_at: datetime
    recorded_by: str
    authority_reference: str | None
    delay_reasons: str | None
    recipients: int | None = Field(description="To the people: messages queued.")
    content: str = Field(description="What was sent.")


class DraftsOut(BaseModel):
    authority_phase: str = Field(description="The phase the authority's draft is for.")
    authority: str = Field(description="To the supervisory authority (Art. 33(3)).")
    people: str = Field(description="To each person affected (Art. 34(2)).")


class BreachSummaryOut(BaseModel):
    reference: str
    title: str
    status: str
    risk: str
    discovered_at: datetime
    clock: ClockOut


class BreachOut(BreachSummaryOut):
    """A breach: its facts, clock, decisions, notifications and drafts."""

    description: str
    nature: list[str]
    occurred_at: datetime | None
    recorded_at: datetime
    recorded_by: str
    data_categories: list[str]
    subject_categories: list[str]
    systems: list[str]
    people_affected: int | None
    records_affected: int | None
    consequences: str
    measures: str
    advice: str | None
    contact_point: str | None
    closed_at: datetime | None
    closing_note: str | None
    decisions: list[DecisionOut]
    notifications: list[NotificationOut]
    drafts: DraftsOut | None = Field(description="None once closed.")


class AffectedPeopleOut(BaseModel):
    """How many people the tables involved hold, by identity type (never the values)."""

    tables: list[str]
    identities: dict[str, int]

    @classmethod
    def of(cls, people: AffectedPeople) -> AffectedPeopleOut:
        return cls(tables=people.tables, identities=people.counts())


def summary_out(breach: Breach, now: datetime) -> BreachSummaryOut:
    """A breach's line in the register, with its clock."""
    return BreachSummaryOut(reference=breach.reference, title=breach.title,
                            status=breach.status, risk=breach.risk,
                            discovered_at=breach.discovered_at,
                            clock=ClockOut.of(service.clock_of(breach, now)))


def breach_out(breach: Breach, manifest: Manifest, now: datetime) -> BreachOut:
    """A breach in full, as the API and ``privet breaches show --format json`` give it."""
    drafts = (None if breach.status == "closed"
              else service.drafts(breach, manifest, now=now))
    return BreachOut(
        **summary_out(breach, now).model_dump(), description=breach.description,
        nature=breach.nature, occurred_at=breach.occurred_at,
        recorded_at=breach.recorded_at, recorded_by=breach.recorded_by,
        data_categories=breach.data_categories, subject_categories=breach.subject_categories,
        systems=breach.systems, people_affected=breach.people_affected,
        records_affected=breach.records_affected, consequences=breach.consequences,
        measures=breach.measures, advice=breach.advice, contact_point=breach.contact_point,
        closed_at=breach.closed_at, closing_note=breach.closing_note,
        decisions=[DecisionOut(question=d.question, notify=d.notify, reason=d.reason,
                               exception=d.exception, decided_at=d.decided_at,
                               decided_by=d.decided_by) for d in breach.decisions],
        notifications=[NotificationOut(
            audience=n.audience, phase=n.phase, sent_at=n.sent_at, recorded_by=n.recorded_by,
            authority_reference=n.authority_reference, delay_reasons=n.delay_reasons,
            recipients=n.recipients, content=n.content) for n in breach.notifications],
        drafts=None if drafts is None else DraftsOut(
            authority_phase=drafts.authority_phase.value, authority=drafts.authority,
            people=drafts.people))
