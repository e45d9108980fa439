"""Retention on SQLite, PostgreSQL and MariaDB: exactly the rows due are deleted or
anonymised (a second either side of each boundary), conditions, grace, legal holds and
open requests are respected, the plan changes nothing, and every run leaves a report and
audit entries."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from privet.audit.service import verify_chain
from privet.kit.db import session_scope
from privet.kit.workspace import Workspace
from privet.models.audit_log import AuditEntry
from privet.models.outbox import MessageKind, OutboxMessage
from privet.models.retention import RetentionRun
from privet.retention import service
from privet.workflow.intake import submit_request, verify_request
from privet.workflow.schemas import Channel

if TYPE_CHECKING:
    from conftest import Shop


def keyed_hash(secret: bytes, value: str) -> str:
    return "hmac:" + hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def open_access_request(shop: Shop, sessions: sessionmaker[Session]) -> None:
    """A verified access request of the person behind ``open@``, not yet answered."""
    workspace = Workspace.find(shop.root)
    with session_scope(sessions) as session:
        request = submit_request(session, manifest=shop.manifest, settings=workspace.settings,
                                 secret=shop.secret, type="access", email=shop.open_email,
                                 language="en", channel=Channel.privacy_center,
                                 now=shop.now)
        reference = request.reference
    with session_scope(sessions) as session:
        body = session.scalars(select(OutboxMessage.text_body).where(
            OutboxMessage.reference == reference,
            OutboxMessage.kind == MessageKind.verification)).one()
        found = re.search(r"enter this code: (\d{6})", body)
        assert found is not None
        verify_request(session, manifest=shop.manifest, settings=workspace.settings,
                       secret=shop.secret, reference=reference, code=found.group(1),
                       now=shop.now)


def run(shop: Shop, sessions: sessionmaker[Session], *, batch_size: int = 1_000,
        rules: list[str] | None = None) -> RetentionRun:
    with session_scope(sessions) as session:
        run_id = service.start_run(session, shop.manifest, secret=shop.secret, as_of=shop.now,
                                   rules=rules, batch_size=batch_size, trigger="cli",
                                   actor="cli").id
    with shop.open() as datastores:
        return service.carry_out(sessions, datastores, run_id, manifest=shop.manifest,
                                 secret=shop.secret, worker="test:here:1")


def steps_by_rule(finished: RetentionRun) -> dict[tuple[str, str], Any]:
    return {(s.rule, s.action): s for s in finished.steps}


def test_plan_counts_what_is_due_and_changes_nothing(shop: Shop) -> None:
    before = shop.dump()
    sessions = shop.sessions()
    with shop.open(write=False) as datastores, session_scope(sessions) as session:
        plan = service.plan(shop.manifest, datastores, session, as_of=shop.now)
    assert shop.dump() == before, "the plan changed the database"

    due = {(s.rule, s.action, s.held_only): s for s in plan.steps}
    visits = due[("visits", "delete", False)]
    assert visits.due == 4 + shop.bulk  # ids 1 (exactly due), 3, 4, 5 and the bulk
    assert visits.next_due_at == shop.now + timedelta(seconds=1)
    assert due[("rejected_applicants", "delete", False)].due == 1
    assert due[("cancelled_tenants", "delete", False)].due == 1
    assert due[("message_content", "anonymise", False)].due == 2
    invoices = due[("closed_account_invoices", "delete", False)]
    assert (invoices.due, invoices.held) == (1, 1)
    assert due[("closed_account_invoices", "anonymise", True)].due == 1
    assert all(s.error is None for s in plan.steps)


def test_run_acts_on_exactly_the_rows_due(shop: Shop) -> None:
    sessions = shop.sessions()
    before = shop.dump()
    finished = run(shop, sessions)
    after = shop.dump()
    assert finished.state == "completed", finished.error

    # Boundaries: due exactly now and a second earlier go; a second later stays.
    assert set(after["visits"]) == {(2,), *((10_000 + n,) for n in range(20))}
    # Condition: only rejected applicants, counted from the decision (NULL: never due).
    assert set(after["applicants"]) == {(2,), (3,), (4,), (5,)}
    # Grace: deleted 0 days + 21 days after cancellation, not a second before.
    assert set(after["tenants"]) == {(2,), (3,)}

    # Anonymised: the rows and their non-personal columns stay.
    assert set(after["messages"]) == {(1,), (2,), (3,)}
    for key in ((1,), (3,)):
        old, new = before["messages"][key], after["messages"][key]
        assert new["recipient"] == keyed_hash(shop.secret, old["recipient"])
        assert (new["subject"], new["note"]) == ("[erased]", None)
        for column in ("account_id", "size_bytes", "sent_at"):
            assert new[column] == old[column]
    assert after["messages"][(2,)] == before["messages"][(2,)]

    # Via the account, under the tax hold: the invoice stays, its name too; the email goes.
    held = after["invoices"][(1,)]
    assert held["billing_name"] == "Bob B."
    assert held["billing_email"] == keyed_hash(shop.secret, "bob@shop.example")
    assert (3,) not in after["invoices"], "an invoice past its hold was kept"
    for key in ((2,), (4,)):
        assert after["invoices"][key] == before["invoices"][key]
    assert after["accounts"] == before["accounts"]

    steps = steps_by_rule(finished)
    visits = steps[("visits", "delete")]
    assert (visits.rows, visits.batches) == (4 + shop.bulk, 3)
    assert 0 < visits.longest_batch_seconds <= visits.seconds
    assert finished.rows_deleted == 4 + shop.bulk + 1 + 1 + 1
    assert finished.rows_anonymised == 2 + 1


def test_a_second_run_finds_nothing_left_to_do(shop: Shop) -> None:
    sessions = shop.sessions()
    run(shop, sessions)
    settled = shop.dump()
    again = run(shop, sessions)
    assert again.state == "completed"
    assert (again.rows_deleted, again.rows_anonymised) == (0, 0)
    assert shop.dump() == settled


def test_rows_of_people_with_an_open_request_wait(shop: Shop) -> None:
    sessions = shop.sessions()
    open_access_request(shop, sessions)
    with shop.open(write=False) as datastores, session_scope(sessions) as session:
        plan = service.plan(shop.manifest, datastores, session, as_of=shop.now)
    visits = next(s for s in plan.steps if s.rule == "visits")
    assert (visits.due, visits.waiting) == (2 + shop.bulk, 2)

    finished = run(shop, sessions, rules=["visits"])
    assert {4, 5} <= shop.ids("visits"), "rows of a person with an open request were deleted"
    assert finished.rows_deleted == 2 + shop.bulk


def test_legal_holds_can_be_overridden_by_the_rule(shop: Shop) -> None:
    data = shop.manifest.model_dump(by_alias=True, mode="json", exclude_none=True)
    data["retention"]["closed_account_invoices"]["exempt_legal_holds"] = False
    shop.write_manifest(data)
    run(shop, shop.sessions(), rules=["closed_account_invoices"])
    assert shop.ids("invoices") == {2, 4}


def test_every_run_is_reported_and_audited(shop: Shop) -> None:
    sessions = shop.sessions()
    finished = run(shop, sessions)
    with session_scope(sessions) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.sequence)).all()
        actions = [e.action for e in entries if e.subject_type == "retention_run"]
        applied = [e.details for e in entries if e.action == "retention.rule_applied"]
        assert verify_chain(session, secret=shop.secret).ok
        stored = session.get(RetentionRun, finished.id)
        assert stored is not None and stored.state == "completed"
    assert actions[0] == "retention.run_started"
    assert actions[-1] == "retention.run_completed"
    assert len(applied) == len(finished.steps)
    visits = next(d for d in applied if d["rule"] == "visits")
    assert visits["rows"] == 4 + shop.bulk and visits["table"] == "visits"
    assert "bob@shop.example" not in repr([e.details for e in entries])


@pytest.mark.parametrize("batch_size", [0, 100_001])
def test_a_batch_size_out_of_range_is_refused(shop: Shop, batch_size: int) -> None:
    sessions = shop.sessions()
    with pytest.raises(service.RetentionError, match="a batch is 1 to 100,000 rows"), \
            session_scope(sessions) as session:
        service.start_run(session, shop.manifest, secret=shop.secret, as_of=shop.now,
                          batch_size=batch_size, trigger="cli", actor="cli")
    with session_scope(sessions) as session:
        assert service.last_runs(session) == []


def test_an_unknown_rule_is_refused_with_the_known_ones(shop: Shop) -> None:
    with pytest.raises(service.RetentionError, match="no retention rule named `visit`") as info:
        service.selected_rules(shop.manifest, ["visit"])
    assert "visits" in (info.value.hint or "")


def test_a_refused_delete_fails_its_step_and_the_others_still_run(shop: Shop) -> None:
    data = shop.manifest.model_dump(by_alias=True, mode="json", exclude_none=True)
    data["retention"] = {"closed_accounts": {"table": "accounts", "where": "status = 'closed'",
                                             "period": "30d", "from": "closed_at"},
                         "visits": data["retention"]["visits"]}
    shop.write_manifest(data)
    before = shop.dump()["accounts"]
    finished = run(shop, shop.sessions())
    assert finished.state == "failed"
    failed, visits = finished.steps
    assert (failed.rule, failed.state, failed.rows) == ("closed_accounts", "failed", 0)
    assert failed.error and "closed_accounts (accounts)" in (finished.error or "")
    assert shop.dump()["accounts"] == before, "a refused batch was half applied"
    assert (visits.state, visits.rows) == ("done", 4 + shop.bulk)


def test_tables_keyed_by_text_are_swept_in_batches_too(shop: Shop) -> None:
    """A key that is not one integer: batches end at the batch_size-th due key."""
    metadata = sa.MetaData()
    tokens = sa.Table("tokens", metadata,
                      sa.Column("token", sa.String(40), primary_key=True),
                      sa.Column("issued_at", sa.DateTime, nullable=False))
    engine = sa.create_engine(shop.url)
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(tokens.insert(), [
            {"token": f"t-{n:03d}", "issued_at": shop.now - timedelta(days=8 if n % 6 else 1)}
            for n in range(30)])
    data = shop.manifest.model_dump(by_alias=True, mode="json", exclude_none=True)
    data["datastores"]["main"]["tables"]["tokens"] = {"erasure": "delete_row", "fields": {
        "token": {"categories": ["user.device.cookie_id"]}}}
    data["retention"] = {"tokens": {"table": "tokens", "period": "7d", "from": "issued_at"}}
    shop.write_manifest(data)

    finished = run(shop, shop.sessions(), batch_size=10)
    with engine.connect() as connection:
        left = set(connection.execute(sa.select(tokens.c.token)).scalars())
    engine.dispose()
    assert left == {f"t-{n:03d}" for n in range(0, 30, 6)}
    [step] = finished.steps
    assert (step.rows, step.batches) == (25, 3)


def test_anonymise_then_delete_masks_first_and_deletes_later(shop: Shop) -> None:
    data = shop.manifest.model_dump(by_alias=True, mode="json", exclude_none=True)
    data["retention"] = {"message_content": {
        **data["retention"]["message_content"], "action": "anonymise_then_delete",
        "delete_after": "30d"}}
    shop.write_manifest(data)
    before = shop.dump()["messages"]
    finished = run(shop, shop.sessions())
    after = shop.dump()["messages"]
    assert set(after) == {(1,), (2,)}, "sent 60 days ago: past 6 + 30 days, deleted"
    assert after[(1,)]["subject"] == "[erased]"  # 6 days: anonymised, kept
    assert after[(1,)]["size_bytes"] == before[(1,)]["size_bytes"]
    assert after[(2,)] == before[(2,)]  # a second short of 6 days
    assert [(s.action, s.rows) for s in finished.steps] == [("delete", 1), ("anonymise", 1)]


def test_a_rule_by_category_acts_on_each_table_holding_it(shop: Shop) -> None:
    """`categories` resolves to every declared table holding one: messages (subject, note)
    and tenants (name, kept as is by erasure, and without the `from` column)."""
    data = shop.manifest.model_dump(by_alias=True, mode="json", exclude_none=True)
    data["retention"] = {"private_content": {"categories": ["user.content.private"],
                                             "period": "6d", "from": "sent_at",
                                             "action": "anonymise"}}
    shop.write_manifest(data)
    before = shop.dump()["messages"]
    finished = run(shop, shop.sessions())
    after = shop.dump()["messages"]
    steps = {s.table_name: s for s in finished.steps}
    assert set(steps) == {"messages", "tenants"}
    messages, tenants = steps["messages"], steps["tenants"]
    assert (messages.state, messages.rows) == ("done", 2)
    for key in ((1,), (3,)):  # only the fields of the category: the recipient stays
        assert (after[key]["subject"], after[key]["note"]) == ("[erased]", None)
        assert after[key]["recipient"] == before[key]["recipient"]
    assert tenants.state == "failed"
    assert "`sent_at`, which table `tenants` does not have" in (tenants.error or "")
