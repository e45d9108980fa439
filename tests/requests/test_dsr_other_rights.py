"""Rectification, restriction and objection on the test world, on SQLite, PostgreSQL and
MariaDB: values checked against the column before any change, written on the person's rows
only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from privet.requests import service
from privet.requests.changes import ChangePlanError

if TYPE_CHECKING:
    from conftest import World


def _person_key(world: World) -> dict[tuple[str, str], set[tuple[Any, ...]]]:
    return {("main", "people"): {(world.subject.index + 1,)}}


def _naive_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _between(value: datetime, start: datetime, end: datetime) -> bool:
    # MariaDB DATETIME keeps whole seconds
    return start - timedelta(seconds=1) <= value <= end + timedelta(seconds=1)


@pytest.mark.parametrize("corrections", [
    {"people.birth_year": "nineteen ninety"},
    {"people.birth_year": "1990.5"},
    {"people.first_name": "Zoë", "people.birth_year": "1990x"},  # one bad value: nothing
    {"people.first_name": "x" * 101},  # VARCHAR(100)
    {"people.shoe_size": "42"},
    {"nowhere.first_name": "Zoë"},
], ids=["words", "fraction", "one of two", "too long", "undeclared field", "unknown table"])
def test_a_value_the_column_cannot_take_fails_before_any_change(
        world: World, corrections: dict[str, str]) -> None:
    before = world.dump_all()
    with world.open() as datastores, pytest.raises(ChangePlanError):
        service.rectify(datastores, world.subject.identities, corrections)
    assert world.dump_all() == before


def test_rectification_writes_the_value_on_the_persons_rows_only(world: World) -> None:
    before = world.dump("main")
    with world.open() as datastores:
        report = service.rectify(datastores, world.subject.identities,
                                 {"people.birth_year": "1990", "people.first_name": "Zoë"})
    assert report.failures == () and report.completed == ("crm", "main")
    [person] = [world.rows("people")[k] for k in _person_key(world)[("main", "people")]]
    assert (person["birth_year"], person["first_name"]) == (1990, "Zoë")
    after = world.dump("main")
    assert world.others(after, _person_key(world)) == world.others(before, _person_key(world))


def test_rectification_accepts_a_field_prefixed_with_its_datastore(world: World) -> None:
    with world.open() as datastores:
        report = service.rectify(datastores, world.subject.identities,
                                 {"main.people.first_name": "Zoë"})
    assert report.failures == ()
    [person] = [world.rows("people")[k] for k in _person_key(world)[("main", "people")]]
    assert person["first_name"] == "Zoë"


def test_rectification_dry_run_changes_nothing(world: World) -> None:
    before = world.dump_all()
    with world.open() as datastores:
        report = service.rectify(datastores, world.subject.identities,
                                 {"people.birth_year": "1990"}, dry_run=True)
    assert report.dry_run and [c.table for c in report.changes] == ["people"]
    assert world.dump_all() == before


def test_restriction_sets_the_flags_and_the_time(world: World) -> None:
    before = world.dump_all()
    start = _naive_utc()
    with world.open() as datastores:
        report = service.restrict(datastores, world.subject.identities)
    end = _naive_utc()

    assert report.failures == ()
    [person] = [world.rows("people")[k] for k in _person_key(world)[("main", "people")]]
    assert bool(person["restricted"]) is True
    assert _between(person["restricted_at"], start, end)
    assert person["marketing_status"] == "subscribed"  # an objection is another request
    after = world.dump_all()
    assert world.others(after["main"], _person_key(world)) == world.others(
        before["main"], _person_key(world))
    assert after["crm"] == before["crm"]  # the CRM declares no restriction flag


def test_objection_sets_the_values_in_every_datastore(world: World) -> None:
    person = world.subject
    owned = world.owned(person)
    before = world.dump_all()
    start = _naive_utc()
    with world.open() as datastores:
        report = service.object_to_processing(datastores, person.identities)
    end = _naive_utc()

    assert report.failures == ()
    [me] = [world.rows("people")[k] for k in _person_key(world)[("main", "people")]]
    assert me["marketing_status"] == "unsubscribed"
    assert _between(me["unsubscribed_at"], start, end)
    assert bool(me["restricted"]) is False
    [contact] = [world.rows("crm_contacts", "crm")[k] for k in owned[("crm", "crm_contacts")]]
    assert bool(contact["do_not_contact"]) is True
    after = world.dump_all()
    for datastore in ("main", "crm"):
        assert (world.others(after[datastore], owned, datastore)
                == world.others(before[datastore], owned, datastore))
    assert {(c.datastore, c.table) for c in report.changes} == {("main", "people"),
                                                               ("crm", "crm_contacts")}


def test_objecting_twice_changes_nothing_more_than_the_time(world: World) -> None:
    with world.open() as datastores:
        service.object_to_processing(datastores, world.subject.identities)
        first = world.rows("crm_contacts", "crm")
        again = service.object_to_processing(datastores, world.subject.identities)
    assert world.rows("crm_contacts", "crm") == first
    assert {c.table for c in again.changes} <= {"people"}  # only `unsubscribed_at: now`


def test_restriction_without_a_declared_flag_says_what_to_declare(world: World) -> None:
    def no_flags(data: dict[str, Any]) -> None:
        fields = data["datastores"]["main"]["tables"]["people"]["fields"]
        del fields["restricted"], fields["restricted_at"]

    world.write_manifest(no_flags)
    before = world.dump_all()
    with world.open() as datastores, pytest.raises(ChangePlanError, match="on_restriction"):
        service.restrict(datastores, world.subject.identities)
    assert world.dump_all() == before
