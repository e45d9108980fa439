"""A datastore that is down: the request completes in the others and the report names which
completed and which did not (main on each engine; the CRM is the one that is down)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from privet.models import ErasureLedgerEntry
from privet.requests import service

if TYPE_CHECKING:
    from conftest import World


def _crm_at(url: str) -> Any:
    def tweak(data: dict[str, Any]) -> None:
        data["datastores"]["crm"]["url"] = url

    return tweak


def _closed_port(_root: Path) -> str:
    return "postgresql://postgres@127.0.0.1:1/crm"


def _missing_folder(root: Path) -> str:
    return f"sqlite:///{root / 'no-such-folder' / 'crm.db'}"


def _missing_file(root: Path) -> str:
    return f"sqlite:///{root / 'data' / 'gone.db'}"


DOWN = [
    pytest.param(_closed_port, id="closed port"),
    pytest.param(_missing_folder, id="missing folder"),
    pytest.param(_missing_file, id="missing sqlite file"),
]

@pytest.mark.parametrize("down", DOWN)
def test_access_completes_where_it_can_and_names_the_datastore_that_is_down(
        world: World, down: Any) -> None:
    url = down(world.root)
    world.write_manifest(_crm_at(url))
    person = world.subject
    with world.open(write=False) as datastores:
        assert set(datastores.failures) == {"crm"}
        result = service.access(datastores, person.identities)

    assert result.completed == ("main",)
    [failure] = result.failures
    assert failure.datastore == "crm" and "cannot connect" in failure.message
    found = {(f.datastore, f.table) for f in result.found}
    assert found == {k for k in world.owned(person) if k[0] == "main"}
    if url.startswith("sqlite"):
        assert not Path(sa.make_url(url).database or "").exists(), "a database was created"


@pytest.mark.parametrize("down", DOWN)
def test_erasure_completes_where_it_can_and_names_the_datastore_that_is_down(
        world: World, down: Any) -> None:
    url = down(world.root)
    world.write_manifest(_crm_at(url))
    person = world.subject
    crm_before = world.dump("crm")
    sessions = world.ledger()
    with world.open() as datastores:
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=sessions, now=world.now)

    assert report.completed == ("main",)
    assert [f.datastore for f in report.failures] == ["crm"]
    assert {c.datastore for c in report.changes} == {"main"}
    assert not [k for k in world.owned(person) if k[0] == "main"]
    assert world.dump("crm") == crm_before
    with sessions() as session:
        stores = {e.datastore for e in session.scalars(sa.select(ErasureLedgerEntry))}
    assert stores == {"main"}, "the ledger records an erasure that did not happen"
    if url.startswith("sqlite"):
        assert not Path(sa.make_url(url).database or "").exists(), "a database was created"


def test_a_datastore_that_breaks_after_connecting_is_named_and_the_others_complete(
        world: World) -> None:
    person = world.subject
    with world.open() as datastores:
        crm = sqlite3.connect(world.root / "data" / "crm.db")
        crm.execute("DROP TABLE crm_interactions")  # a migration ran meanwhile
        crm.commit()
        crm.close()
        report = service.erase(datastores, person.identities, secret=world.secret,
                               ledger_sessions=None, now=world.now)
    assert report.completed == ("main",)
    assert [f.datastore for f in report.failures] == ["crm"]
    assert "crm_interactions" in report.failures[0].message
    assert world.owned(person, datastores=("main",)) == {}
