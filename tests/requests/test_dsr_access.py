"""Access requests on the test world, on SQLite, PostgreSQL and MariaDB: every row of the
person is found (checked with hand-written SQL), no one else's, and nothing changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from privet.requests import service
from privet.requests.results import AccessResult

if TYPE_CHECKING:
    from conftest import World

Keys = dict[tuple[str, str], set[tuple[Any, ...]]]
SUBJECT_ADDRESS = 13  # the subject, person 12, lives at address 13


def found_keys(result: AccessResult) -> Keys:
    return {(f.datastore, f.table): {tuple(r[c] for c in f.key_columns) for r in f.records()}
            for f in result.found}


def found_table(result: AccessResult, table: str) -> Any:
    [rows] = [f for f in result.found if f.table == table]
    return rows


@pytest.mark.parametrize("role", ["subject", "billing_contact", "quoted", "unicode",
                                  "work_email_in_crm", "no_phone", "no_orders"])
def test_finds_every_row_of_the_person_and_no_one_elses(world: World, role: str) -> None:
    person = world.person(role)
    before = world.dump_all()
    with world.open(write=False) as datastores:
        result = service.access(datastores, person.identities)

    expected = world.owned(person)
    assert found_keys(result) == expected
    assert result.completed == ("crm", "main")
    assert result.failures == ()
    assert world.dump_all() == before, "an access request changed the data"
    [me] = found_table(result, "people").records()
    assert me["email"] == person.email  # hostile text comes back exactly as stored


def test_a_table_two_hops_away_is_found_through_the_one_between(world: World) -> None:
    with world.open(write=False) as datastores:
        result = service.access(datastores, world.subject.identities)

    lines = found_table(result, "order_lines")
    assert {(r["id"],) for r in lines.records()} == world.owned(world.subject)[
        ("main", "order_lines")]
    assert len(lines.rows) == 2
    assert lines.reached_by == ("foreign key main.order_lines(order_id) ← main.orders(id)",)


def test_a_composite_primary_key_and_a_composite_foreign_key(world: World) -> None:
    with world.open(write=False) as datastores:
        result = service.access(datastores, world.subject.identities)

    memberships = found_table(result, "memberships")
    assert memberships.key_columns == ("club_id", "member_no")
    assert {(r["club_id"], r["member_no"]) for r in memberships.records()} == {(1, 112)}
    visits = found_table(result, "membership_visits")
    assert {(r["club_id"], r["member_no"]) for r in visits.records()} == {(1, 112)}
    assert len(visits.rows) == 2
    assert visits.reached_by == ("foreign key main.membership_visits(club_id, member_no) ← "
                                 "main.memberships(club_id, member_no)",)


def test_cycles_terminate_and_find_the_whole_chain(world: World) -> None:
    """``notes`` refers to itself (follow-ups carry no person id); ``carts`` and
    ``cart_items`` refer to each other."""
    with world.open(write=False) as datastores:
        result = service.access(datastores, world.subject.identities)

    notes = found_table(result, "notes").records()
    assert len(notes) == 3
    assert sorted(n["person_id"] is None for n in notes) == [False, True, True]
    assert {(n["id"],) for n in notes} == world.owned(world.subject)[("main", "notes")]
    carts = found_table(result, "carts").records()
    items = found_table(result, "cart_items").records()
    assert len(carts) == 1 and len(items) == 2
    assert carts[0]["last_item_id"] in {i["id"] for i in items}


def test_a_reference_towards_the_address_claims_the_persons_address(world: World) -> None:
    with world.open(write=False) as datastores:
        result = service.access(datastores, world.subject.identities)
    addresses = found_table(result, "addresses")
    assert {(r["id"],) for r in addresses.records()} == {(SUBJECT_ADDRESS,)}
    assert addresses.reached_by == ("reference main.addresses(id) ← main.people(address_id)",)

    def default_direction(data: dict[str, Any]) -> None:
        reference = data["datastores"]["main"]["tables"]["people"]["references"][0]
        del reference["direction"]  # `from`: people would be found from addresses

    world.write_manifest(default_direction)
    with world.open(write=False) as datastores:
        result = service.access(datastores, world.subject.identities)
    assert ("main", "addresses") not in found_keys(result)
    assert ("main", "people") in found_keys(result)


def test_a_shared_table_that_does_not_propagate_claims_no_one_else(world: World) -> None:
    contact = world.person("billing_contact")
    staff = {r[0] for r in world.query("main", "SELECT id FROM people WHERE company_id = 2")}
    assert len(staff) > 5  # company 2 has many people; person 1 pays its invoices

    with world.open(write=False) as datastores:
        result = service.access(datastores, contact.identities)
    assert found_keys(result)[("main", "companies")] == {(2,)}
    assert found_keys(result)[("main", "people")] == {(contact.index + 1,)}

    def propagate(data: dict[str, Any]) -> None:
        data["datastores"]["main"]["tables"]["companies"]["propagate"] = True

    world.write_manifest(propagate)
    with world.open(write=False) as datastores:
        result = service.access(datastores, contact.identities)
    # Without the flag, the billing contact's request would claim every colleague.
    assert {k[0] for k in found_keys(result)[("main", "people")]} >= staff
