"""The erasure ledger, with the main datastore on SQLite, PostgreSQL and MariaDB: what each
erasure changed, identities only as keyed hashes, and a replay after a backup is restored."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta, timezone
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from privet.kit.db import dispose
from privet.models import ErasureLedgerEntry, ErasureRecord
from privet.requests import ledger, service

if TYPE_CHECKING:
    from conftest import Snapshot, World


def keyed(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def random_masks_alike(snapshot: Snapshot) -> Snapshot:
    """`random` masks differ run to run; everything else must not."""
    def same(value: Any) -> Any:
        return "erased:*" if isinstance(value, str) and value.startswith("erased:") else value

    return {table: {key: tuple(same(v) for v in row) for key, row in rows.items()}
            for table, rows in snapshot.items()}


def test_the_ledger_says_what_was_erased_and_names_no_one(world: World) -> None:
    person = world.subject
    owned = world.owned(person)
    sessions = world.ledger()
    with world.open() as datastores:
        service.erase(datastores, person.identities, secret=world.secret,
                      ledger_sessions=sessions, reference="REQ-7", now=world.now)

    with sessions() as session:
        [record] = session.scalars(sa.select(ErasureRecord))
        assert (record.reference, record.subjects) == ("REQ-7", 1)
        assert record.identity_hashes == sorted([
            keyed(world.secret, "email", person.email),
            keyed(world.secret, "phone", person.phone or ""),
        ])
        entries = {(e.datastore, e.table_name, e.action): e for e in record.entries}
        deleted = {(store, table): {tuple(k) for k in e.keys}
                   for (store, table, action), e in entries.items() if action == "delete"}
        assert deleted[("main", "people")] == owned[("main", "people")]
        assert deleted[("main", "order_lines")] == owned[("main", "order_lines")]
        assert deleted[("crm", "crm_contacts")] == owned[("crm", "crm_contacts")]
        assert deleted[("main", "memberships")] == owned[("main", "memberships")]
        masked_invoices = {tuple(k) for e in record.entries if e.table_name == "invoices"
                           and e.action == "mask" for k in e.keys}
        assert masked_invoices | deleted[("main", "invoices")] == owned[("main", "invoices")]
        [visits] = [e for e in record.entries if e.table_name == "membership_visits"]
        assert visits.strategies["note"]["strategy"] == "random"

        assert [r.reference for r in ledger.find_records(session, world.secret, "email",
                                                          person.email)] == ["REQ-7"]
        assert ledger.find_records(session, world.secret, "email",
                                   world.people[13].email) == []
        assert ledger.find_records(session, b"another key", "email", person.email) == []


def test_erased_values_never_reach_privets_database(world: World) -> None:
    person = world.subject
    sessions = world.ledger()
    with world.open() as datastores:
        service.erase(datastores, person.identities, secret=world.secret,
                      ledger_sessions=sessions, now=world.now)
    dispose(sessions)  # checkpoints the write-ahead log into the file

    stored = b"".join(p.read_bytes() for p in (world.root / "data").glob("privet.db*"))
    assert b"erasure_ledger" in stored
    secrets_ = [person.email, person.phone or "", person.first_name, "Last12",
                "12 Rue de la Paix", "For you, First12", "note 0 about",
                hashlib.sha256(person.email.encode()).hexdigest()]  # not even unkeyed
    for value in secrets_:
        assert value.encode() not in stored, f"{value!r} is in privet.db"


def test_replay_after_a_restore_erases_the_same_rows_and_twice_changes_nothing(
        world: World) -> None:
    person = world.subject
    backup = world.backup()
    before = world.dump("main")
    sessions = world.ledger()
    with world.open() as datastores:
        erased = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=sessions, now=world.now)
    assert erased.failures == ()
    after_erasure = world.dump("main")

    world.restore(backup)
    assert world.dump("main") == before
    since = world.now - timedelta(minutes=1)
    with world.open() as datastores:
        replay = service.replay_erasures(datastores, sessions, since=since,
                                         secret=world.secret)
        assert replay.failures == () and "main" in replay.completed
        replayed = world.dump("main")
        assert random_masks_alike(replayed) == random_masks_alike(after_erasure)

        again = service.replay_erasures(datastores, sessions, since=since,
                                        secret=world.secret)
    assert again.rows_changed == 0 and again.failures == ()
    assert world.dump("main") == replayed


def test_replay_applies_only_the_erasures_recorded_since_the_date_given(
        world: World) -> None:
    backup = world.backup()  # of main only
    subject_rows = {k: v for k, v in world.owned(world.subject).items() if k[0] == "main"}
    sessions = world.ledger()
    with world.open() as datastores:
        service.erase(datastores, world.subject.identities, secret=world.secret,
                      ledger_sessions=sessions, now=world.now - timedelta(days=3))
        service.erase(datastores, world.person("no_orders").identities, secret=world.secret,
                      ledger_sessions=sessions, now=world.now)
    world.restore(backup)
    with world.open() as datastores:
        service.replay_erasures(datastores, sessions, since=world.now - timedelta(days=1),
                                secret=world.secret)
    assert world.owned(world.person("no_orders")) == {}
    restored = {k: v for k, v in world.owned(world.subject).items() if k[0] == "main"}
    assert restored == subject_rows  # erased before `since`: not replayed


def test_a_datastore_rolled_back_leaves_no_ledger_entry(world: World) -> None:
    sessions = world.ledger()
    with world.open() as datastores:
        report = service.erase(datastores, world.person("household").identities,
                               secret=world.secret, ledger_sessions=sessions, now=world.now)
    assert [f.datastore for f in report.failures] == ["main"]
    with sessions() as session:
        stores = {e.datastore for e in session.scalars(sa.select(ErasureLedgerEntry))}
    assert stores == {"crm"}


def test_replay_since_a_moment_in_another_time_zone(sqlite_world: World) -> None:
    """Privet's SQLite database keeps times as text: `since` must be compared in UTC."""
    world = sqlite_world
    backup = world.backup()
    sessions = world.ledger()
    with world.open() as datastores:
        service.erase(datastores, world.subject.identities, secret=world.secret,
                      ledger_sessions=sessions, now=world.now)
    world.restore(backup)
    paris_summer = timezone(timedelta(hours=2))
    since = (world.now - timedelta(minutes=1)).astimezone(paris_summer)
    with world.open() as datastores:
        service.replay_erasures(datastores, sessions, since=since, secret=world.secret)
    assert world.owned(world.subject) == {}
