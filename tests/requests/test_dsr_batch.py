"""Batch erasure (``service.erase_batch``) of 100 people out of 130, on SQLite, PostgreSQL
and MariaDB: all erased, set-based through a temporary table, the 30 others untouched."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from privet.models import ErasureRecord
from privet.requests import service

if TYPE_CHECKING:
    from conftest import Person, World

def batch_of(world: World, indexes: list[int]) -> tuple[list[Person], list[dict[str, str]]]:
    people = [world.people[i] for i in indexes]
    rows = [{"email": p.email, "phone": p.phone or ""} for p in people]
    return people, rows


def test_a_batch_of_100_is_erased_and_the_others_are_untouched(big_world: World) -> None:
    world = big_world
    shipment_owner = world.roles["shipment_owner"]  # would fail the batch: kept out
    people, rows = batch_of(world, [i for i in range(101) if i != shipment_owner])
    assert len(people) == 100
    owned = world.owned(*people)
    before = world.dump_all()
    sessions = world.ledger()

    with world.open() as datastores:
        statements = world.record_statements(datastores.engines["main"])
        report = service.erase_batch(datastores, rows, secret=world.secret,
                                     ledger_sessions=sessions, now=world.now)

    assert report.failures == () and report.completed == ("crm", "main")
    assert world.owned(*people) == {}
    after = world.dump_all()
    for datastore in ("main", "crm"):
        assert (world.others(after[datastore], owned, datastore)
                == world.others(before[datastore], owned, datastore))
    assert len(after["main"]["people"]) == 30

    selects = [s for s in statements if s.upper().startswith("SELECT")]
    from_people = [s for s in selects if " FROM people" in s]
    assert len(from_people) == 2  # one per identity column (email, phone), not per person
    assert all("JOIN privet_batch_identities" in s for s in from_people)
    assert len(selects) < 40
    with sessions() as session:
        [record] = session.scalars(sa.select(ErasureRecord))
        assert record.subjects == 100
        assert len(record.identity_hashes) == sum(1 for r in rows for v in r.values() if v)


def test_two_batches_in_a_row_each_erase_their_own_people(big_world: World) -> None:
    """Pooled connections outlive a request: the second batch must not see the first's
    identities (nor erase nobody)."""
    world = big_world
    first, first_rows = batch_of(world, [20, 21, 22])
    second, second_rows = batch_of(world, [30, 31, 32])
    with world.open() as datastores:
        one = service.erase_batch(datastores, first_rows, secret=world.secret,
                                  ledger_sessions=None, now=world.now)
        two = service.erase_batch(datastores, second_rows, secret=world.secret,
                                  ledger_sessions=None, now=world.now)
    assert one.failures == () and two.failures == ()
    assert world.owned(*first) == {}
    assert world.owned(*second) == {}, "the second batch erased nobody"


def test_a_dry_run_then_the_real_batch(big_world: World) -> None:
    """The dry run's rolled-back temporary table must not stand in for the real run's."""
    world = big_world
    people, rows = batch_of(world, [40, 41, 42])
    before = world.dump_all()
    with world.open() as datastores:
        dry = service.erase_batch(datastores, rows, secret=world.secret, ledger_sessions=None,
                                  now=world.now, dry_run=True)
        assert world.dump_all() == before
        real = service.erase_batch(datastores, rows, secret=world.secret,
                                   ledger_sessions=None, now=world.now)
    assert real.failures == ()
    assert sorted(real.changes, key=repr) == sorted(dry.changes, key=repr)
    assert world.owned(*people) == {}
