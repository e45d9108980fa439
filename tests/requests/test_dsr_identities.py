"""Hostile identities, on SQLite, PostgreSQL and MariaDB: they are data, never SQL; the ones
that cannot identify anyone are refused before any query; nothing else is touched."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from privet.requests import service
from privet.requests.engine import IdentityError

if TYPE_CHECKING:
    from conftest import World

HOSTILE_BUT_VALID = {
    "quote": "o'brien@example.com",
    "injection": "x';DROP/**/TABLE/**/people;--@example.com",
    "double quotes": '"; DELETE FROM people; --"@example.com'.replace(" ", "/**/"),
    "backslash": "back\\slash'@example.com",
    "emoji": "🦊🐍@例え.jp",
    "rtl override": "\u202eevil\u202c@example.com",
    "arabic": "\u0645\u0633\u062a\u062e\u062f\u0645@\u0645\u062b\u0627\u0644.com",
    "10 kB": "a" * 10_000 + "@example.com",
}
INVALID = {
    "sql as an email": ("email", "'; DROP TABLE people; --"),
    "NUL": ("email", "person012@example.com\x00' OR '1'='1"),
    "malformed email": ("email", "not-an-email"),
    "two at signs": ("email", "a@b@example.com"),
    "blank": ("email", "   "),
    "too long": ("email", "a" * 16_385 + "@example.com"),
    "phone with SQL": ("phone", "+33 6 12 34 00 12'; DROP TABLE people; --"),
    "undeclared type": ("username", "person012"),
}


@pytest.mark.parametrize("value", HOSTILE_BUT_VALID.values(), ids=HOSTILE_BUT_VALID.keys())
def test_a_hostile_identity_finds_nobody_and_erases_nothing(world: World, value: str) -> None:
    before = world.dump_all()
    with world.open() as datastores:
        result = service.access(datastores, {"email": [value]})
        report = service.erase(datastores, {"email": [value]}, secret=world.secret,
                               ledger_sessions=None, now=world.now)

    assert result.row_count == 0 and result.failures == ()
    assert report.changes == () and report.failures == ()
    assert world.dump_all() == before
    assert world.table_names() == set(before["main"])


@pytest.mark.parametrize("kind, value", INVALID.values(), ids=INVALID.keys())
def test_an_identity_that_cannot_identify_anyone_is_refused(world: World, kind: str,
                                                            value: str) -> None:
    before = world.dump_all()
    with world.open() as datastores:
        with pytest.raises(IdentityError):
            service.access(datastores, {kind: [value]})
        with pytest.raises(IdentityError):
            service.erase(datastores, {kind: [value]}, secret=world.secret,
                          ledger_sessions=None, now=world.now)
        with pytest.raises(IdentityError):
            service.restrict(datastores, {kind: [value]})
    assert world.dump_all() == before


def test_a_valid_identity_beside_an_invalid_one_does_not_slip_through(world: World) -> None:
    """One bad value refuses the whole request: nothing is half-done for the good one."""
    before = world.dump_all()
    identities = {"email": [world.subject.email, "bad\x00@example.com"]}
    with world.open() as datastores, pytest.raises(IdentityError):
        service.erase(datastores, identities, secret=world.secret, ledger_sessions=None,
                      now=world.now)
    assert world.dump_all() == before


@pytest.mark.parametrize("role", ["quoted", "unicode"])
def test_a_person_with_a_hostile_email_is_erased_and_only_them(world: World,
                                                              role: str) -> None:
    person = world.person(role)
    owned = world.owned(person)
    assert ("main", "people") in owned
    before = world.dump_all()
    with world.open() as datastores:
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now)
    assert report.failures == ()
    assert world.owned(person) == {}
    after = world.dump_all()
    assert world.others(after["main"], owned) == world.others(before["main"], owned)
    assert world.table_names() == set(before["main"])


@pytest.mark.parametrize("near_miss", [
    "zoe.🦊.\u202e\u0645\u0631\u062d\u0628\u0627@例え.jp",  # without the diaeresis
    "zoë.🐍.\u202e\u0645\u0631\u062d\u0628\u0627@例え.jp",  # another emoji
], ids=["accent", "emoji"])
def test_an_identity_differing_by_one_character_is_another_person(world: World,
                                                                  near_miss: str) -> None:
    """Person 4's email is ``zoë.🦊.‮مرحبا@例え.jp``: a request by another address must
    not disclose (or erase) their rows — MariaDB's default collation (utf8mb4_general_ci)
    holds `e` = `ë` and every emoji equal to every other."""
    assert near_miss != world.person("unicode").email
    before = world.dump_all()
    with world.open() as datastores:
        result = service.access(datastores, {"email": [near_miss]})
        report = service.erase(datastores, {"email": [near_miss]}, secret=world.secret,
                               ledger_sessions=None, now=world.now)
    assert result.row_count == 0
    assert report.changes == ()
    assert world.dump_all() == before
