"""`privet breaches …`: record a breach, list the register, show one (its clock, decisions,
notifications and the drafts of its notices), decide, notify, close."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import BaseModel
from rich.table import Table

from privet.breaches import service
from privet.breaches.schemas import (
    BreachFacts,
    ClosingFacts,
    DecisionFacts,
    NotificationFacts,
)
from privet.breaches.views import breach_out
from privet.kit.cli import WorkspaceDir, console, reports_errors
from privet.kit.clock import utc_naive
from privet.kit.db import dispose, session_scope
from privet.kit.runtime import Runtime
from privet.kit.workspace import Workspace
from privet.models.breaches import (
    Audience,
    BreachNature,
    DecisionQuestion,
    NotificationPhase,
    PeopleException,
    RiskLevel,
)

breaches_app = typer.Typer(help="Breaches: the register, the 72-hour clock, decisions, "
                                "notifications and drafts (GDPR Art. 33/34).",
                           no_args_is_help=True)
ACTOR = "cli"
Model = TypeVar("Model", bound=BaseModel)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="text or json.")]
Reference = Annotated[str, typer.Argument(help="The breach's reference, e.g. BR-2026-0001.")]


def _say(text: str) -> None:
    console.print(text, markup=False, highlight=False)


@contextmanager
def _runtime(dir: Path | None) -> Iterator[Runtime]:
    runtime = Runtime.load(Workspace.find(dir))
    try:
        yield runtime
    finally:
        dispose(runtime.sessions)


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _moment(value: datetime | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"


@breaches_app.command("record")
@reports_errors
def record_command(
    title: Annotated[str, typer.Option("--title", help="A short name.")],
    description: Annotated[str, typer.Option("--description", help="What happened.")],
    discovered: Annotated[datetime, typer.Option(
        "--discovered", help="When you became aware of it (UTC): the clock starts here.")],
    category: Annotated[list[str], typer.Option(
        "--category", help="Data category concerned (taxonomy key; repeat or comma-separate).")],
    consequences: Annotated[str, typer.Option("--consequences",
                                              help="The likely consequences for people.")],
    measures: Annotated[str, typer.Option("--measures", help="Measures taken or proposed.")],
    risk: Annotated[RiskLevel, typer.Option("--risk", help="none, risk or high.")],
    nature: Annotated[list[BreachNature] | None, typer.Option(
        "--nature", help="confidentiality, integrity, availability (repeat); default "
                         "confidentiality.")] = None,
    occurred: Annotated[datetime | None, typer.Option(
        "--occurred", help="When it happened, if known (UTC).")] = None,
    subject: Annotated[list[str] | None, typer.Option(
        "--subject", help="Category of people concerned, e.g. customer (repeat).")] = None,
    system: Annotated[list[str] | None, typer.Option(
        "--system", help="Datastore (app) or table (app.contacts) involved (repeat).")] = None,
    people: Annotated[int | None, typer.Option("--people",
                                               help="Approximate number of people.")] = None,
    records: Annotated[int | None, typer.Option("--records",
                                                help="Approximate number of records.")] = None,
    advice: Annotated[str | None, typer.Option(
        "--advice", help="What the people can do to protect themselves.")] = None,
    contact: Annotated[str | None, typer.Option(
        "--contact", help="Contact point (default: the manifest's DPO or contact).")] = None,
    dir: WorkspaceDir = None,
) -> None:
    """Record a breach in the register; prints its reference and clock."""
    facts = service.checked(BreachFacts, {
        "title": title, "description": description, "discovered_at": discovered,
        "occurred_at": occurred, "data_categories": _split(category),
        "subject_categories": _split(subject), "systems": _split(system),
        "people_affected": people, "records_affected": records,
        "consequences": consequences, "measures": measures, "advice": advice, "risk": risk,
        "contact_point": contact,
        "nature": [n.value for n in nature] if nature else ["confidentiality"]})
    with _runtime(dir) as runtime, session_scope(runtime.sessions) as session:
        now = utc_naive()
        breach = service.record_breach(session, runtime.manifest, facts,
                                       secret=runtime.secret, actor=ACTOR, now=now)
        clock = service.clock_of(breach, now)
        _say(f"recorded {breach.reference}: notify the authority by "
             f"{_moment(clock.deadline)} UTC ({clock.summary})")


@breaches_app.command("list")
@reports_errors
def list_command(output: FormatOption = OutputFormat.text, dir: WorkspaceDir = None) -> None:
    """The register: open breaches first, with each one's clock."""
    with _runtime(dir) as runtime, session_scope(runtime.sessions) as session:
        now = utc_naive()
        rows = [(b, service.clock_of(b, now)) for b in service.register(session)]
        if output is OutputFormat.json:
            _say(json.dumps([breach_out(b, runtime.manifest, now).model_dump(mode="json")
                             for b, _ in rows], indent=2))
            return
        if not rows:
            _say("no breach in the register")
            return
        table = Table(title="Breach register")
        for heading in ("reference", "title", "discovered (UTC)", "risk", "status", "clock"):
            table.add_column(heading)
        for breach, clock in rows:
            table.add_row(breach.reference, breach.title, _moment(breach.discovered_at),
                          breach.risk, breach.status, clock.summary)
        console.print(table)


@breaches_app.command("show")
@reports_errors
def show_command(reference: Reference, output: FormatOption = OutputFormat.text,
                 dir: WorkspaceDir = None) -> None:
    """One breach: its facts, the clock, decisions, notifications, and the drafts of the
    notices to the authority and to the people."""
    with _runtime(dir) as runtime, session_scope(runtime.sessions) as session:
        now = utc_naive()
        breach = service.get_breach(session, reference)
        clock = service.clock_of(breach, now)
        drafts = service.drafts(breach, runtime.manifest, now=now)
        if output is OutputFormat.json:
            _say(json.dumps(breach_out(breach, runtime.manifest, now).model_dump(mode="json"),
                            indent=2))
            return
        _say(f"{breach.reference}: {breach.title} ({breach.status}, risk {breach.risk})")
        _say(f"discovered {_moment(breach.discovered_at)} UTC; notify the authority by "
             f"{_moment(clock.deadline)} UTC: {clock.summary}")
        for decision in breach.decisions:
            _say(f"decision {_moment(decision.decided_at)} by {decision.decided_by}: "
                 f"{'notify' if decision.notify else 'do not notify'} the "
                 f"{decision.question}: {decision.reason}"
                 + (f" [{service.exception_words(decision.exception)}]"
                    if decision.exception else ""))
        for notification in breach.notifications:
            extra = (f", {notification.recipients} messages" if notification.recipients
                     is not None else "")
            _say(f"notified {notification.audience} ({notification.phase}) "
                 f"{_moment(notification.sent_at)} UTC by {notification.recorded_by}{extra}")
        if breach.status != "closed":
            _say(f"\n--- draft: to the authority ({drafts.authority_phase.value}) ---")
            _say(drafts.authority)
            _say("--- draft: to the people affected ---")
            _say(drafts.people)


@breaches_app.command("decide")
@reports_errors
def decide_command(
    reference: Reference,
    question: Annotated[DecisionQuestion, typer.Option(
        "--about", help="authority or people.")],
    notify: Annotated[bool, typer.Option("--notify/--no-notify",
                                         help="Notify, or do not.")],
    reason: Annotated[str, typer.Option("--reason", help="Why.")],
    exception: Annotated[PeopleException | None, typer.Option(
        "--exception", help="Art. 34(3): encrypted, measures_taken or "
                            "disproportionate_effort.")] = None,
    dir: WorkspaceDir = None,
) -> None:
    """Record a decision (it supersedes an earlier one on the same question). Deciding to
    tell the people writes to each of them through the outbox."""
    facts = service.checked(DecisionFacts, {"question": question, "notify": notify,
                                            "reason": reason, "exception": exception})
    with _runtime(dir) as runtime, session_scope(runtime.sessions) as session:
        finder = service.PeopleFinder(runtime.manifest, runtime.workspace.root,
                                      runtime.settings.connect_timeout)
        outcome = service.decide(session, runtime.manifest, reference, facts,
                                 secret=runtime.secret, actor=ACTOR, now=utc_naive(),
                                 finder=finder)
        _say(f"decision recorded on {reference}")
        if outcome.notification is not None and outcome.people is not None:
            counts = ", ".join(f"{n:,} {kind}" for kind, n in
                               outcome.people.counts().items()) or "nobody"
            tables = len(outcome.people.tables)
            _say(f"found in {tables} table{'' if tables == 1 else 's'}: {counts}")
            _say(f"{outcome.notification.recipients:,} messages queued in the outbox"
                 + (f"; {outcome.skipped} values were not email addresses"
                    if outcome.skipped else ""))


@breaches_app.command("notify")
@reports_errors
def notify_command(
    reference: Reference,
    phase: Annotated[NotificationPhase, typer.Option(
        "--phase", help="initial, follow_up or final.")] = NotificationPhase.initial,
    audience: Annotated[Audience, typer.Option(
        "--to", help="authority, or public (a public communication).")] = Audience.authority,
    sent_at: Annotated[datetime | None, typer.Option(
        "--sent-at", help="When it was sent (UTC); default: now.")] = None,
    authority_reference: Annotated[str | None, typer.Option(
        "--authority-reference", help="The authority's case number.")] = None,
    delay_reasons: Annotated[str | None, typer.Option(
        "--delay-reasons", help="Required after 72 hours: why it is late.")] = None,
    content: Annotated[Path | None, typer.Option(
        "--content", help="A file with what was sent; default: the draft.", exists=True,
        dir_okay=False)] = None,
    dir: WorkspaceDir = None,
) -> None:
    """Record a notification made to the authority (or to the public)."""
    facts = service.checked(NotificationFacts, {
        "audience": audience, "phase": phase, "sent_at": sent_at,
        "authority_reference": authority_reference, "delay_reasons": delay_reasons,
        "content": _read_content(content) if content else None})
    _run(dir, lambda runtime, session: service.notify(
        session, runtime.manifest, reference, facts, secret=runtime.secret, actor=ACTOR,
        now=utc_naive()), f"notification recorded on {reference}")


def _read_content(path: Path) -> str:
    """The text of ``--content``; ``BreachInvalid`` when it is not UTF-8 text."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise service.BreachInvalid(
            {"content": f"{path.name} is not UTF-8 text (byte {exc.start} cannot be read)"},
            hint="save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`) and send again; "
                 "nothing was recorded") from None
    except OSError as exc:
        raise service.BreachInvalid(
            {"content": f"{path.name} cannot be read: {exc.strerror or exc}"}) from None


@breaches_app.command("close")
@reports_errors
def close_command(reference: Reference,
                  note: Annotated[str, typer.Option("--note",
                                                    help="How it ended, what was learnt.")],
                  dir: WorkspaceDir = None) -> None:
    """Close the breach (the authority question settled; at high risk, the people's too)."""
    facts = service.checked(ClosingFacts, {"note": note})
    _run(dir, lambda runtime, session: service.close_breach(
        session, reference, facts, secret=runtime.secret, actor=ACTOR, now=utc_naive()),
        f"{reference} closed")


def _run(dir: Path | None, action: Callable[[Runtime, Any], object], done: str) -> None:
    with _runtime(dir) as runtime, session_scope(runtime.sessions) as session:
        action(runtime, session)
    _say(done)
