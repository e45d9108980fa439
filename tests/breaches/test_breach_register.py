"""The breach register's rules on the demo company: the 72-hour clock, refused facts that
change nothing, decisions and phased notifications, the drafts' contents, the people
affected found through the identity graph (SQLite and PostgreSQL) and written to through
the outbox, and an audit log with ids and counts only."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, timedelta, timezone

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import select

from conftest import NOW, Register, facts
from privet.breaches import repository, service
from privet.breaches.people import AffectedPeople, find_affected_people
from privet.breaches.schemas import (
    BreachChanges,
    BreachFacts,
    ClosingFacts,
    DecisionFacts,
    NotificationFacts,
)
from privet.kit.db import session_scope
from privet.kit.workspace import Workspace
from privet.models.breaches import BreachDecision, RecordIsFinal
from privet.models.outbox import MessageKind, OutboxMessage
from privet.requests.engine import ConnectedDatastores

HOUR = timedelta(hours=1)


def decide(register: Register, reference: str, *, with_datastores: bool = False,
           now: object = NOW, **values: object) -> service.DecisionOutcome:
    with session_scope(register.sessions) as session:
        return service.decide(session, register.manifest, reference,
                              DecisionFacts.model_validate(values), secret=register.secret,
                              actor="cli", now=now,  # type: ignore[arg-type]
                              finder=register.finder() if with_datastores else None)


def notify(register: Register, reference: str, *, now: object = NOW,
           **values: object) -> None:
    with session_scope(register.sessions) as session:
        service.notify(session, register.manifest, reference,
                       NotificationFacts.model_validate(values), secret=register.secret,
                       actor="cli", now=now)  # type: ignore[arg-type]


def clock(register: Register, reference: str, now: object) -> service.BreachClock:
    with register.sessions() as session:
        return service.clock_of(service.get_breach(session, reference), now)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- the clock


def test_the_clock_counts_72_hours_from_discovery(register: Register) -> None:
    reference = register.record()
    discovered = NOW - 10 * HOUR
    assert reference.startswith(f"BR-{NOW:%Y}-") and reference.endswith("0001")

    fresh = clock(register, reference, NOW)
    assert fresh.deadline == discovered + 72 * HOUR
    assert fresh.time_left == 62 * HOUR
    assert (fresh.state, fresh.summary) == (service.ClockState.on_time, "62 h 00 min left")

    soon = clock(register, reference, discovered + 60 * HOUR + timedelta(minutes=30))
    assert (soon.state, soon.summary) == (service.ClockState.due_soon, "11 h 30 min left")

    late = clock(register, reference, discovered + 75 * HOUR)
    assert late.time_left == -3 * HOUR
    assert (late.state, late.summary) == (service.ClockState.late, "late by 3 h 00 min")


def test_a_notification_within_72_hours_stops_the_clock_on_time(register: Register) -> None:
    reference = register.record()
    notify(register, reference, sent_at=NOW - HOUR, authority_reference="CNIL-2026-77")
    later = clock(register, reference, NOW + 100 * HOUR)  # no longer counting down
    assert later.state is service.ClockState.notified_on_time
    assert later.summary == "authority notified within 72 hours (after 9 h 00 min)"
    entry = register.audit(reference)[-1]
    assert entry.action == "breach.notified"
    assert entry.details["within_72_hours"] is True


def test_a_late_notification_needs_the_reasons_for_the_delay(register: Register) -> None:
    reference = register.record(discovered_at=NOW - 80 * HOUR, occurred_at=None)
    assert clock(register, reference, NOW).summary == "late by 8 h 00 min"
    before = register.counts()
    with pytest.raises(service.BreachInvalid) as refused:
        notify(register, reference)
    assert list(refused.value.problems) == ["delay_reasons"]
    assert "8 h 00 min after the 72-hour deadline" in refused.value.message
    assert "Art. 33(1)" in refused.value.message
    assert register.counts() == before

    notify(register, reference, delay_reasons="The export's recipient told us only on day 4.")
    after = clock(register, reference, NOW)
    assert after.state is service.ClockState.notified_late
    assert after.summary.startswith("authority notified late, after 80 h 00 min")
    with register.sessions() as session:
        sent = service.get_breach(session, reference).notifications[0]
        assert "5. Reasons for the delay (Art. 33(1))" in sent.content
        assert "told us only on day 4" in sent.content
    assert register.audit(reference)[-1].details["within_72_hours"] is False


# ---------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"discovered_at": NOW + HOUR}, "discovered_at", "is in the future"),
    ({"occurred_at": NOW - HOUR}, "occurred_at", "is after the discovery"),
    ({"data_categories": ["user.contact.email", "user.contact.emial"]}, "data_categories[1]",
     "did you mean `user.contact.email`?"),
    ({"subject_categories": ["martian"]}, "subject_categories[0]",
     "not a data subject category"),
    ({"systems": ["app.contacts", "app.tickets"]}, "systems[1]",
     "datastore `app` declares no table `tickets`"),
    ({"systems": ["crm"]}, "systems[0]", "the manifest declares no datastore `crm`"),
])
def test_wrong_facts_are_located_and_change_nothing(register: Register, changes: dict[str, object],
                                                    field: str, words: str) -> None:
    before = register.counts()
    with pytest.raises(service.BreachInvalid) as refused:
        register.record(**changes)
    assert field in refused.value.problems
    assert words in refused.value.problems[field]
    assert f"{field}: " in str(refused.value)
    assert register.counts() == before


def test_negative_numbers_are_refused_before_the_service(register: Register) -> None:
    with pytest.raises(ValidationError) as refused:
        facts(people_affected=-1)
    assert refused.value.errors()[0]["loc"] == ("people_affected",)
    before = register.counts()
    with pytest.raises(service.BreachInvalid) as invalid:
        service.checked(BreachFacts, {**facts().model_dump(), "people_affected": -1})
    assert list(invalid.value.problems) == ["people_affected"]
    assert register.counts() == before


# ---------------------------------------------------------------------------- decisions


def test_decisions_follow_articles_33_and_34_and_are_never_edited(register: Register) -> None:
    reference = register.record()  # a high risk
    before = register.counts()
    with pytest.raises(service.BreachError, match=r"Art\. 33\(1\) lets you not notify"):
        decide(register, reference, question="authority", notify=False, reason="small")
    with pytest.raises(service.BreachInvalid) as refused:
        decide(register, reference, question="people", notify=False, reason="few people")
    assert "Art. 34(3)" in refused.value.problems["exception"]
    assert register.counts() == before

    decide(register, reference, question="people", notify=False, reason="encrypted at rest",
           exception="encrypted")
    decide(register, reference, question="authority", notify=True, reason="a high risk")
    with register.sessions() as session:
        breach = service.get_breach(session, reference)
        assert service.in_force(breach, service.DecisionQuestion.people).exception == "encrypted"
        decision = session.scalars(select(BreachDecision)).first()
        assert decision is not None
        decision.reason = "rewritten"
        with pytest.raises(RecordIsFinal):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(BreachDecision)).first())
        with pytest.raises(RecordIsFinal):
            session.flush()
    actions = [e.action for e in register.audit(reference)]
    assert actions == ["breach.recorded", "breach.decision", "breach.decision"]


def test_a_breach_unlikely_to_be_a_risk_need_not_be_notified(register: Register) -> None:
    reference = register.record(risk="none")
    decide(register, reference, question="authority", notify=False,
           reason="unlikely to result in a risk: the file was encrypted (AES-256)")
    state = clock(register, reference, NOW + 100 * HOUR)
    assert state.state is service.ClockState.not_notifying  # never "late"
    with pytest.raises(service.BreachError, match=r"decision in force .* is not to notify"):
        notify(register, reference)
    with session_scope(register.sessions) as session:
        service.close_breach(session, reference, ClosingFacts(note="no risk"),
                             secret=register.secret, actor="cli", now=NOW)
    with pytest.raises(service.BreachError, match="is closed"):
        decide(register, reference, question="authority", notify=True, reason="changed")


def test_notifications_to_the_authority_come_in_phases(register: Register) -> None:
    reference = register.record()
    with pytest.raises(service.BreachError, match="no initial notification"):
        notify(register, reference, phase="follow_up")
    notify(register, reference, phase="initial")
    with pytest.raises(service.BreachError, match="already has the initial"):
        notify(register, reference, phase="initial")
    notify(register, reference, phase="follow_up", content="The export held 410 tickets.")
    notify(register, reference, phase="final")
    with pytest.raises(service.BreachError, match=r"final notification .* was already made"):
        notify(register, reference, phase="follow_up")
    with register.sessions() as session:
        breach = service.get_breach(session, reference)
        assert [n.phase for n in breach.notifications] == ["initial", "follow_up", "final"]
        assert breach.notifications[1].content == "The export held 410 tickets."
        assert breach.status == "notified"
    with pytest.raises(service.BreachError, match=r"the people \(high risk\)"), \
            session_scope(register.sessions) as session:
        service.close_breach(session, reference, ClosingFacts(note="done"),
                             secret=register.secret, actor="cli", now=NOW)


# ---------------------------------------------------------------------------- drafts


def test_the_drafts_hold_every_item_the_law_asks_for(register: Register) -> None:
    reference = register.record()
    with register.sessions() as session:
        drafts = service.drafts(service.get_breach(session, reference), register.manifest,
                                now=NOW)
    authority = drafts.authority
    for item in (
        "To: CNIL", "From: Nuage Cloud SAS", f"Personal data breach {reference}",
        "initial notification",
        # Art. 33(3)(a): nature, categories and approximate numbers of people and records
        "A CSV export of support tickets was emailed to another customer.",
        "confidentiality breach", "Customer (customer)", "about 120 people",
        "(user.contact.email)", "(user.content.private)", "about 410 records",
        # (b) the DPO / contact point; (c) consequences; (d) measures
        "Data protection officer: Camille Martin, dpo@nuage.example",
        "Phishing emails quoting the tickets' subjects.",
        "The recipient confirmed deletion; exports now need a second check.",
    ):
        assert item in authority, item
    assert "Reasons for the delay" not in authority

    people = drafts.people
    for item in (
        "A CSV export of support tickets was emailed to another customer.",
        "seen by people who should not have seen it",
        "Phishing emails quoting the tickets' subjects.",          # consequences
        "exports now need a second check",                         # measures
        "Be wary of emails that quote your support tickets.",      # what they can do
        "dpo@nuage.example", f"Please quote {reference}",          # contact point
        "right to lodge a complaint with CNIL",
    ):
        assert item in people, item

    late = register.record(discovered_at=NOW - 73 * HOUR, occurred_at=None)
    with register.sessions() as session:
        overdue = service.drafts(service.get_breach(session, late), register.manifest,
                                 now=NOW).authority
    assert "5. Reasons for the delay (Art. 33(1))" in overdue


# ---------------------------------------------------------------------------- the people


def emails_with_tickets(workspace: Workspace) -> set[str]:
    """Plain SQL: the contacts who wrote a support ticket (what the walk must find)."""
    with sqlite3.connect(workspace.root / "data" / "nuage.db") as connection:
        rows = connection.execute(
            "SELECT DISTINCT lower(c.email) FROM contacts c "
            "JOIN support_tickets t ON t.contact_id = c.id WHERE c.email IS NOT NULL")
        return {row[0] for row in rows}


def test_telling_the_people_writes_to_each_person_found(register: Register,
                                                       demo_workspace: Workspace) -> None:
    expected = emails_with_tickets(demo_workspace)
    assert len(expected) > 10
    reference = register.record()
    outcome = decide(register, reference, with_datastores=True, question="people",
                     notify=True, reason="high risk: phishing")
    assert outcome.people is not None and outcome.notification is not None
    assert {e.lower() for e in outcome.people.emails} == expected
    with register.sessions() as session:
        messages = session.scalars(select(OutboxMessage).where(
            OutboxMessage.reference == reference)).all()
        assert {m.to_address.lower() for m in messages} == expected
        assert {m.kind for m in messages} == {MessageKind.breach_notice}
        assert "Be wary of emails that quote your support tickets." in messages[0].text_body
        breach = service.get_breach(session, reference)
        assert breach.status == "notified"
        sent = breach.notifications[0]
        assert (sent.audience, sent.recipients) == ("people", len(expected))

    with pytest.raises(service.BreachError, match="already written to"):
        decide(register, reference, with_datastores=True, question="people", notify=True,
               reason="again")
    assert len(messages) == register.counts()["OutboxMessage"]

    # The audit log: every action, ids and counts, never an address or the facts' text.
    entries = register.audit(reference)
    assert [e.action for e in entries] == ["breach.recorded", "breach.decision",
                                           "breach.notified"]
    assert entries[-1].details["messages"] == len(expected)
    logged = json.dumps([e.details for e in entries])
    assert "@" not in logged
    assert "CSV export" not in logged and "Phishing" not in logged


def test_a_whole_datastore_reaches_everyone_and_no_system_reaches_nobody(
        register: Register, demo_workspace: Workspace) -> None:
    with register.datastores() as opened:
        everyone = find_affected_people(opened, ["app"])
        tickets = find_affected_people(opened, ["app.support_tickets"])
    assert set(tickets.emails) < set(everyone.emails)
    assert everyone.counts()["cookie_id"] > 0  # web visitors, known by their cookie only
    reference = register.record(systems=[])
    with pytest.raises(service.BreachError, match="names no datastore or table"):
        decide(register, reference, with_datastores=True, question="people", notify=True,
               reason="high risk")


def test_the_people_are_the_same_on_postgresql(register: Register, demo_workspace: Workspace,
                                              postgres_url: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo database copied to PostgreSQL: the walk finds the same people there."""
    source = sa.create_engine(f"sqlite:///{demo_workspace.root / 'data' / 'nuage.db'}")
    target = sa.create_engine(postgres_url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(source)
        for column in (c for t in metadata.tables.values() for c in t.columns):
            column.type = column.type.as_generic()  # SQLite's DATETIME → TIMESTAMP
        metadata.create_all(target)
        with source.connect() as reading, target.begin() as writing:
            for table in metadata.sorted_tables:
                rows = [dict(r) for r in reading.execute(sa.select(table)).mappings()]
                if rows:
                    writing.execute(table.insert(), rows)
    finally:
        source.dispose()
        target.dispose()
    monkeypatch.setenv("PRIVET_DEMO_DATABASE_URL", postgres_url)
    manifest = Workspace.find(demo_workspace.root).load_manifest()
    with ConnectedDatastores.open(manifest, demo_workspace.root, timeout=5,
                                  write=False) as opened:
        assert opened.engines["app"].dialect.name == "postgresql"
        found = find_affected_people(opened, ["app.support_tickets", "app.ticket_messages"])
    assert {e.lower() for e in found.emails} == emails_with_tickets(demo_workspace)


# ---------------------------------------------------------------------------- review fixes


def update(register: Register, reference: str, **changes: object) -> None:
    with session_scope(register.sessions) as session:
        service.update_breach(session, register.manifest, reference,
                              BreachChanges.model_validate(changes), secret=register.secret,
                              actor="cli", now=NOW)


def close(register: Register, reference: str) -> None:
    with session_scope(register.sessions) as session:
        service.close_breach(session, reference, ClosingFacts(note="done"),
                             secret=register.secret, actor="cli", now=NOW)


def test_raising_the_risk_lifts_the_decisions_it_rules_out(register: Register) -> None:
    reference = register.record(risk="none")
    decide(register, reference, question="authority", notify=False, reason="encrypted")
    decide(register, reference, question="people", notify=False, reason="no risk")
    assert clock(register, reference, NOW).state is service.ClockState.not_notifying

    update(register, reference, risk="high")
    assert register.audit(reference)[-1].details["decisions_lapsed"] == [1, 2]
    running = clock(register, reference, NOW)
    assert (running.state, running.summary) == (service.ClockState.on_time, "62 h 00 min left")
    before = register.counts()
    with pytest.raises(service.BreachError) as refused:
        close(register, reference)
    assert "the decision not to notify no longer holds" in refused.value.message
    assert "the decision not to tell them no longer holds" in refused.value.message
    assert register.counts() == before

    notify(register, reference)  # no longer refused by the lapsed decision
    decide(register, reference, question="people", notify=False, reason="encrypted at rest",
           exception="encrypted")
    close(register, reference)


def test_disproportionate_effort_needs_a_public_communication(register: Register) -> None:
    reference = register.record()  # a high risk
    notify(register, reference)
    decide(register, reference, question="people", notify=False, reason="800,000 people",
           exception="disproportionate_effort")
    with pytest.raises(service.BreachError, match=r"the public: Art\. 34\(3\)\(c\)"):
        close(register, reference)
    notify(register, reference, audience="public", content="Our statement on the website.")
    close(register, reference)


class NoEmails:
    """A finder whose tables hold phones and cookie ids, but no email address."""

    def find(self, systems: object) -> AffectedPeople:
        return AffectedPeople(identities={"phone": {"+33 6 1", "+33 6 2"}, "cookie_id": {"c"}},
                              tables=["app.support_tickets"])


def test_nobody_to_write_to_records_nothing(register: Register) -> None:
    reference = register.record()
    before = register.counts()
    with pytest.raises(service.BreachError) as refused, \
            session_scope(register.sessions) as session:
        service.decide(session, register.manifest, reference,
                       DecisionFacts(question="people", notify=True, reason="high risk"),
                       secret=register.secret, actor="cli", now=NOW,
                       finder=NoEmails())  # type: ignore[arg-type]
    assert "has an email address (found: cookie id 1, phone 2)" in refused.value.message
    assert "public communication" in (refused.value.hint or "")
    assert register.counts() == before
    with register.sessions() as session:
        assert service.get_breach(session, reference).status == "open"


def test_a_reference_taken_meanwhile_is_skipped(register: Register,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = register.record()
    real = repository.last_number
    stale = iter([0])  # as if read before the first recording was committed

    def last_number(session: object, prefix: str) -> int:
        return next(stale, None) or real(session, prefix)  # type: ignore[arg-type]

    monkeypatch.setattr(repository, "last_number", last_number)
    second = register.record()
    assert (first[-4:], second[-4:]) == ("0001", "0002")
    assert register.counts()["Breach"] == 2


def test_references_count_past_9999(register: Register) -> None:
    with session_scope(register.sessions) as session:
        for number in ("0009", "9999", "10000"):
            service.record_breach(session, register.manifest, facts(), secret=register.secret,
                                  actor="cli", now=NOW).reference = f"BR-{NOW:%Y}-{number}"
    assert register.record().endswith("-10001")


def test_a_discovery_with_an_offset_is_counted_in_utc(register: Register) -> None:
    paris = timezone(timedelta(hours=2))
    discovered = (NOW - 10 * HOUR).replace(tzinfo=UTC).astimezone(paris)
    assert discovered.utcoffset() == 2 * HOUR
    reference = register.record(discovered_at=discovered.isoformat(), occurred_at=None)
    state = clock(register, reference, NOW)
    assert state.discovered_at == NOW - 10 * HOUR  # stored in UTC, without a zone
    assert state.deadline == NOW + 62 * HOUR
    assert state.summary == "62 h 00 min left"
    with register.sessions() as session:
        draft = service.drafts(service.get_breach(session, reference), register.manifest,
                               now=NOW).authority
    assert f"{NOW - 10 * HOUR:%Y-%m-%d %H:%M}" in draft
