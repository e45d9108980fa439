"""`privet requests …` and `privet graph` on the test world's workspace, as a user runs them."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from privet.cli import app

if TYPE_CHECKING:
    from conftest import World

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PRIVET_DIR", "PRIVET_MANIFEST", "PRIVET_SECRET_KEY", "PRIVET_DATABASE_URL",
                 "PRIVET_CONNECT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


def test_the_world_is_a_valid_example_checked_against_its_databases(world: World) -> None:
    result = runner.invoke(app, ["check", "--connect", "--dir", str(world.root)])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s), 0 note(s)" in result.output


def test_graph_text_names_every_link(world: World) -> None:
    result = runner.invoke(app, ["graph", "--dir", str(world.root)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    for line in (
        "email        main.people.email",
        "phone        crm.crm_contacts.phone",
        "foreign key main.orders(person_id) ← main.people(id)",
        "foreign key main.order_lines(order_id) ← main.orders(id)",
        "foreign key main.membership_visits(club_id, member_no) ← "
        "main.memberships(club_id, member_no)",
        "foreign key main.notes(parent_note_id) ← main.notes(id)",
        "foreign key main.carts(last_item_id) ← main.cart_items(id)",
        "reference main.addresses(id) ← main.people(address_id)",
        "foreign key crm.crm_interactions(contact_id) ← crm.crm_contacts(id)",
    ):
        assert line in text, line
    # Shared tables (`propagate: false`) lead nowhere.
    assert "← main.companies" not in text and "← main.addresses" not in text


def test_graph_dot_draws_every_link(world: World) -> None:
    result = runner.invoke(app, ["graph", "--format", "dot", "--dir", str(world.root)])
    assert result.exit_code == 0, result.output
    dot = result.stdout
    assert dot.startswith("digraph identity_graph {") and dot.rstrip().endswith("}")
    assert '"main.people" -> "main.orders" [label="person_id", style=solid];' in dot
    assert ('"main.memberships" -> "main.membership_visits" '
            '[label="club_id,member_no", style=solid];') in dot
    assert '"main.people" -> "main.addresses" [label="id", style=dashed];' in dot
    assert '"identity:email" -> "main.invoices" [label="billing_email"];' in dot
    assert '"main.companies" -> "main.people"' not in dot


def test_access_writes_the_persons_package_and_changes_nothing(sqlite_world: World,
                                                               tmp_path: Path) -> None:
    world = sqlite_world
    person = world.subject
    target = tmp_path / "package.zip"
    before = world.dump_all()
    result = runner.invoke(app, ["requests", "access", "--email", person.email,
                                 "--phone", person.phone or "", "--out", str(target),
                                 "--dir", str(world.root)])
    assert result.exit_code == 0, result.output
    assert f"access package: {target}" in result.stdout
    assert world.dump_all() == before

    package = zipfile.ZipFile(io.BytesIO(target.read_bytes()))
    tables = {n.removeprefix("tables/").removesuffix(".csv") for n in package.namelist()
              if n.startswith("tables/")}
    assert tables == {f"{store}.{table}" for store, table in world.owned(person)}
    data = json.loads(package.read("data.json"))
    assert person.email in json.dumps(data, ensure_ascii=False)
    assert world.people[13].email not in json.dumps(data, ensure_ascii=False)


def test_erase_erases_the_person_and_records_it(sqlite_world: World) -> None:
    world = sqlite_world
    person = world.subject
    owned = world.owned(person)
    before = world.dump_all()
    arguments = ["requests", "erase", "--email", person.email, "--dir", str(world.root)]

    dry = runner.invoke(app, [*arguments, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing changed" in dry.stdout
    assert world.dump_all() == before

    result = runner.invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "completed: crm, main" in result.stdout
    assert world.owned(person) == {}
    after = world.dump_all()
    assert world.others(after["main"], owned) == world.others(before["main"], owned)
    with sqlite3.connect(world.root / "data" / "privet.db") as db:
        assert db.execute("SELECT COUNT(*) FROM erasure_records").fetchone() == (1,)
    db.close()

    again = runner.invoke(app, arguments)
    assert again.exit_code == 0, again.output
    assert "nothing to change" in again.stdout
    assert world.dump_all() == after


def test_erase_that_fails_in_a_datastore_exits_1_and_says_where(sqlite_world: World) -> None:
    world = sqlite_world
    before = world.dump("main")
    result = runner.invoke(app, ["requests", "erase", "--email",
                                 world.person("shipment_owner").email,
                                 "--dir", str(world.root)])
    assert result.exit_code == 1
    assert "not done: main:" in result.stderr and "shipments" in result.stderr
    assert "completed: crm" in result.stdout
    assert world.dump("main") == before


def test_a_hostile_identity_is_refused_without_a_traceback(sqlite_world: World) -> None:
    world = sqlite_world
    before = world.dump_all()
    result = runner.invoke(app, ["requests", "erase", "--email", "'; DROP TABLE people; --",
                                 "--dir", str(world.root)])
    assert result.exit_code == 1
    assert "is not an email address" in result.stderr
    assert "Traceback" not in result.output
    assert world.dump_all() == before


def test_an_error_shows_the_identity_exactly_as_typed(sqlite_world: World) -> None:
    """Rich turns `:skull:` into an emoji unless told not to."""
    result = runner.invoke(app, ["requests", "access", "--email", "drop:skull:table",
                                 "--dir", str(sqlite_world.root)])
    assert result.exit_code == 1
    assert "`drop:skull:table` is not an email address" in result.stderr
