"""Erasure on the test world, on SQLite, PostgreSQL and MariaDB: the person's rows are
deleted or masked as the manifest says, legal holds are kept, foreign keys hold, everyone
else's rows are untouched, and a datastore that fails is left as it was."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from dateutil.relativedelta import relativedelta

from privet.requests import service
from privet.requests.results import ChangeReport, TableChange

if TYPE_CHECKING:
    from conftest import World


def keyed_hash(secret: bytes, value: str) -> str:
    """What the `hash` strategy writes: an HMAC-SHA256 of the value, prefixed."""
    return "hmac:" + hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def change(report: ChangeReport, table: str) -> TableChange:
    [found] = [c for c in report.changes if c.table == table]
    return found


def statement_tables(statements: list[str], verb: str) -> list[str]:
    pattern = re.compile(rf"^{verb} (?:FROM )?[`\"]?(\w+)", re.IGNORECASE)
    return [m.group(1) for s in statements if (m := pattern.match(s))]


@pytest.mark.parametrize("role", ["subject", "billing_contact", "quoted", "unicode",
                                  "work_email_in_crm", "no_phone", "no_orders"])
def test_erasure_leaves_nothing_findable_and_no_one_else_touched(world: World,
                                                                 role: str) -> None:
    person = world.person(role)
    owned = world.owned(person)
    before = world.dump_all()
    with world.open() as datastores:
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now)

    assert report.failures == ()
    assert report.completed == ("crm", "main")
    assert world.owned(person) == {}, "rows of the person can still be found"
    after = world.dump_all()
    for datastore in ("main", "crm"):
        assert (world.others(after[datastore], owned, datastore)
                == world.others(before[datastore], owned, datastore))
    assert world.table_names() == set(before["main"])


def test_legal_hold_keeps_held_rows_with_their_kept_fields(world: World) -> None:
    person = world.subject
    invoice_keys = world.owned(person)[("main", "invoices")]
    before = {k: v for k, v in world.rows("invoices").items() if k in invoice_keys}
    cutoff = world.now.date() - relativedelta(years=10)
    held = {k for k, r in before.items() if r["status"] == "paid" and r["issued_on"] > cutoff}
    assert len(held) == 3 and len(before) == 5  # two recent, one near the end, one guest

    with world.open() as datastores:
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now)

    after = world.rows("invoices")
    assert set(before) & set(after) == held, "past-period and draft invoices are deleted"
    for key in held:
        kept, was = after[key], before[key]
        assert kept["billing_name"] == was["billing_name"]  # keep_fields
        assert kept["billing_email"] == keyed_hash(world.secret, person.email)
        assert kept["billing_address"] is None
        assert kept["person_id"] is None  # the person row is gone: the link is cleared
        assert (kept["amount"], kept["issued_on"], kept["status"]) == (
            was["amount"], was["issued_on"], was["status"])
    invoices = change(report, "invoices")
    assert (invoices.deleted, invoices.held) == (2, 3)


def test_rows_past_the_hold_period_are_not_held(world: World) -> None:
    """A year later, the invoice issued 9 years 10 months ago is past its 10 years."""
    person = world.subject
    invoice_keys = world.owned(person)[("main", "invoices")]
    before = {k: v for k, v in world.rows("invoices").items() if k in invoice_keys}
    later = world.now + relativedelta(years=1)
    cutoff = later.date() - relativedelta(years=10)
    held = {k for k, r in before.items() if r["status"] == "paid" and r["issued_on"] > cutoff}
    assert len(held) == 2

    with world.open() as datastores:
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=later)

    assert set(before) & set(world.rows("invoices")) == held
    assert (change(report, "invoices").deleted, change(report, "invoices").held) == (3, 2)


def test_erasing_twice_changes_nothing_the_second_time(world: World) -> None:
    person = world.subject
    owned = world.owned(person)
    with world.open() as datastores:
        first = service.erase(datastores, person.identities, secret=world.secret,
                              ledger_sessions=None, now=world.now)
        once = world.checksum(world.dump_all())
        second = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now + timedelta(minutes=5))

    # The first run accounts for every row of the person: deleted, masked, held or unlinked.
    assert (sum(c.deleted + c.masked + c.held + c.unlinked for c in first.changes)
            == sum(len(keys) for keys in owned.values()))
    assert world.checksum(world.dump_all()) == once
    assert second.changes == () and second.rows_changed == 0
    assert second.failures == ()


def test_deletes_run_child_first_after_every_update(world: World) -> None:
    with world.open() as datastores:
        statements = world.record_statements(datastores.engines["main"])
        report = service.erase(datastores, world.subject.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now)
    assert report.failures == ()

    writes = [s for s in statements if re.match(r"(UPDATE|DELETE) ", s, re.IGNORECASE)]
    deletes = statement_tables(writes, "DELETE")
    assert set(deletes) == {"order_lines", "orders", "people", "addresses", "memberships",
                            "invoices", "cart_items"}
    for child, parent in (("order_lines", "orders"), ("orders", "people"),
                          ("memberships", "people"), ("invoices", "people"),
                          ("people", "addresses")):
        assert deletes.index(child) < deletes.index(parent), (child, parent, deletes)
    first_delete = next(i for i, s in enumerate(writes) if s.upper().startswith("DELETE"))
    assert all(s.upper().startswith("DELETE") for s in writes[first_delete:])


def test_kept_rows_lose_their_links_to_deleted_rows(world: World) -> None:
    person = world.subject
    owned = world.owned(person)
    with world.open() as datastores:
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now)
    assert report.failures == ()

    notes = world.rows("notes")
    chain = sorted(k[0] for k in owned[("main", "notes")])
    assert [notes[(k,)]["person_id"] for k in chain] == [None, None, None]
    assert [notes[(k,)]["body"] for k in chain] == [None, None, None]
    assert [notes[(k,)]["parent_note_id"] for k in chain] == [None, chain[0], chain[1]]

    [cart_key] = owned[("main", "carts")]
    cart = world.rows("carts")[cart_key]
    assert (cart["person_id"], cart["last_item_id"], cart["label"]) == (None, None, "basket")
    assert not set(world.rows("cart_items")) & owned[("main", "cart_items")]

    visits = world.rows("membership_visits")
    for key in owned[("main", "membership_visits")]:  # a composite link, cleared
        assert (visits[key]["club_id"], visits[key]["member_no"]) == (None, None)
        assert visits[key]["note"].startswith("erased:")
        assert person.email not in visits[key]["note"]
    assert change(report, "carts").unlinked == 1


def test_a_shared_company_is_masked_not_deleted(world: World) -> None:
    person = world.person("billing_contact")
    with world.open() as datastores:
        service.erase(datastores, person.identities, secret=world.secret,
                      ledger_sessions=None, now=world.now)
    company = world.rows("companies")[(2,)]
    assert company["name"] == "Company 2"  # erasure: keep
    assert company["billing_email"] == keyed_hash(world.secret, person.email)
    staff = world.query("main", "SELECT COUNT(*) FROM people WHERE company_id = 2")
    assert staff[0][0] > 5


def test_a_not_null_link_from_a_kept_row_fails_clearly_and_changes_nothing(
        world: World) -> None:
    person = world.person("shipment_owner")
    before = world.dump("main")
    with world.open() as datastores:
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now)

    assert report.completed == ("crm",)
    [failure] = report.failures
    assert failure.datastore == "main"
    assert "shipments" in failure.message and "order_id" in failure.message
    assert "NOT NULL" in failure.message
    assert world.dump("main") == before
    assert ("crm", "crm_contacts") not in world.owned(person)
    assert {c.datastore for c in report.changes} == {"crm"}


def test_a_failure_half_way_rolls_the_whole_datastore_back(world: World) -> None:
    """Person 10 shares an address row with person 11: deleting it is refused by the
    database, after the person's other rows were already deleted and masked."""
    person = world.person("household")
    before = world.dump("main")
    with world.open() as datastores:
        statements = world.record_statements(datastores.engines["main"])
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now)

    deletes = statement_tables(statements, "DELETE")
    assert "people" in deletes and deletes[-1] == "addresses"  # it did start
    assert report.completed == ("crm",)
    [failure] = report.failures
    assert failure.datastore == "main"
    assert "foreign key" in failure.message.lower()
    assert world.dump("main") == before, "main was left half-erased"
    assert ("crm", "crm_contacts") not in world.owned(person)


def test_dry_run_changes_nothing_and_says_what_would_change(world: World) -> None:
    person = world.subject
    before = world.dump_all()
    sessions = world.ledger()
    with world.open() as datastores:
        dry = service.erase(datastores, person.identities, secret=world.secret,
                            ledger_sessions=sessions, now=world.now, dry_run=True)
    assert dry.dry_run
    assert world.dump_all() == before
    from privet.models import ErasureRecord
    with sessions() as session:
        assert session.query(ErasureRecord).count() == 0
    assert change(dry, "people").deleted == 1

    with world.open() as datastores:
        real = service.erase(datastores, person.identities, secret=world.secret,
                             ledger_sessions=None, now=world.now)
    assert sorted(dry.changes, key=repr) == sorted(real.changes, key=repr)


def _delete_carts(data: dict[str, Any]) -> None:
    data["datastores"]["main"]["tables"]["carts"]["erasure"] = "delete_row"


def test_rows_that_refer_to_each_other_are_both_deleted(world: World) -> None:
    world.write_manifest(_delete_carts)
    person = world.subject
    owned = world.owned(person)
    with world.open() as datastores:
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now)
    assert report.failures == ()
    assert not set(world.rows("carts")) & owned[("main", "carts")]
    assert not set(world.rows("cart_items")) & owned[("main", "cart_items")]


def _delete_notes(data: dict[str, Any]) -> None:
    data["datastores"]["main"]["tables"]["notes"]["erasure"] = "delete_row"


def test_a_chain_of_self_referring_rows_is_deleted(world: World) -> None:
    """InnoDB checks foreign keys row by row: deleting a chain in one statement is refused
    unless the links are cleared first."""
    world.write_manifest(_delete_notes)
    person = world.subject
    owned = world.owned(person)
    with world.open() as datastores:
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now)
    assert report.failures == ()
    assert not set(world.rows("notes")) & owned[("main", "notes")]
    assert change(report, "notes").deleted == 3
