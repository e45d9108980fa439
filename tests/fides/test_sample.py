"""The proof on Fides's own sample: its PostgreSQL database, its annotations imported with
`privet import fides`, and an access and an erasure request for customer-1@example.com
held against what Fides's integration tests expect."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from privet.cli import app
from privet.manifest.loader import load_manifest
from privet.requests import service
from privet.requests.engine import ConnectedDatastores
from privet.requests.results import AccessResult

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "fides-sample"
ERASURE_POLICY = Path(__file__).parent / "data" / "erasure_policy.yml"
ANNOTATIONS = ["postgres_example_test_dataset.yml", "sample_systems.yml",
               "sample_organization.yml", "sample_policy.yml"]
EMAIL = "customer-1@example.com"
SECRET = b"fides-sample-secret-0123456789abcdef"
STORE = "postgres_example_test_dataset"

pytestmark = pytest.mark.usefixtures("fides_sample")


@pytest.fixture
def sample_url(postgres_url: str) -> str:
    """The sample database, loaded from postgres_sample.sql as Fides loads it."""
    script = (SAMPLE / "postgres_sample.sql").read_text(encoding="utf-8")
    with psycopg.connect(postgres_url.replace("+psycopg", ""), autocommit=True) as connection:
        connection.execute(script.encode())
    return postgres_url


def import_sample(tmp_path: Path, url: str, *extra: Path) -> Path:
    workspace = tmp_path / "workspace"
    files = [str(SAMPLE / name) for name in ANNOTATIONS] + [str(p) for p in extra]
    result = CliRunner().invoke(app, ["import", "fides", *files, "--out", str(workspace),
                                      "--datastore-url", url])
    assert result.exit_code == 0, result.output
    return workspace


def rows(result: AccessResult, table: str) -> list[dict[str, Any]]:
    for found in result.found:
        if (found.datastore, found.table) == (STORE, table):
            return [dict(zip(found.columns, row, strict=True)) for row in found.rows]
    return []


def snapshot(url: str) -> dict[tuple[str, str], str]:
    """A checksum of every cell of every table, by (table, primary key or whole row)."""
    engine = sa.create_engine(url)
    cells: dict[tuple[str, str], str] = {}
    try:
        metadata = sa.MetaData()
        for schema in ("public", "backup_schema"):
            metadata.reflect(bind=engine, schema=schema)
        with engine.connect() as connection:
            for table in metadata.tables.values():
                key = [c.name for c in table.primary_key.columns] or [c.name for c in table.c]
                for row in connection.execute(sa.select(table)).mappings():
                    ident = f"{table.fullname}[{','.join(str(row[k]) for k in key)}]"
                    for column, value in row.items():
                        cells[(ident, column)] = hashlib.sha256(repr(value).encode()).hexdigest()
    finally:
        engine.dispose()
    return cells


@pytest.fixture
def opened(tmp_path: Path, sample_url: str) -> Iterator[tuple[Path, ConnectedDatastores]]:
    workspace = import_sample(tmp_path, sample_url, ERASURE_POLICY)
    manifest = load_manifest(workspace / "privacy", root=workspace)
    with ConnectedDatastores.open(manifest, workspace, timeout=5, write=True) as datastores:
        yield workspace, datastores


def test_access_finds_what_fides_finds_for_customer_1(opened: tuple[Path, ConnectedDatastores]
                                                      ) -> None:
    _workspace, datastores = opened
    result = service.access(datastores, {"email": [EMAIL]})
    assert not result.failures

    customer = rows(result, "customer")
    assert len(customer) == 1
    assert {k: customer[0][k] for k in ("id", "name", "email", "address_id")} == {
        "id": 1, "name": "John Customer", "email": EMAIL, "address_id": 1}

    addresses = rows(result, "address")
    assert len(addresses) >= 2
    assert {(a["id"], a["street"], a["city"], a["state"], a["zip"]) for a in addresses} == {
        (1, "Example Street", "Exampletown", "NY", "12345"),
        (2, "Example Lane", "Exampletown", "NY", "12321")}

    orders = rows(result, "orders")
    assert len(orders) >= 3
    assert {(o["id"], o["customer_id"], o["shipping_address_id"]) for o in orders} == {
        ("ord_aaa-aaa", 1, 2), ("ord_ccc-ccc", 1, 1), ("ord_ddd-ddd", 1, 1)}

    # The sample annotations link payment cards to customers only, so Fides itself finds
    # one card for this person with them; see the next test for Fides's integration graph.
    cards = rows(result, "payment_card")
    assert [(c["id"], c["name"], c["ccn"], c["customer_id"], c["billing_address_id"])
            for c in cards] == [("pay_aaa-aaa", "Example Card 1", 123456789, 1, 1)]

    # The rest of what the annotations reach: six logins, the visit, the service request
    # found by email; nobody else's rows.
    assert len(rows(result, "login")) == 6
    assert {r["customer_id"] for r in rows(result, "login")} == {1}
    assert [r["email"] for r in rows(result, "visit")] == [EMAIL]
    assert [r["id"] for r in rows(result, "service_request")] == ["ser_aaa-aaa"]
    assert rows(result, "employee") == [] and rows(result, "report") == []


def test_access_with_fides_integration_graph_finds_two_payment_cards(
        tmp_path: Path, sample_url: str) -> None:
    """Fides's integration tests (`integration_db_dataset`) also link orders.payment_card_id
    to payment_card.id (direction `to`): with that reference added to the sample
    annotations, the person's orders bring the card they paid with, as in Fides."""
    annotated = (SAMPLE / "postgres_example_test_dataset.yml").read_text(encoding="utf-8")
    anchor = "          - name: shipping_address_id\n"
    assert anchor in annotated
    with_card = annotated.replace(anchor, (
        "          - name: payment_card_id\n"
        "            data_categories: [system.operations]\n"
        "            fides_meta:\n"
        "              references:\n"
        "                - dataset: postgres_example_test_dataset\n"
        "                  field: payment_card.id\n"
        "                  direction: to\n") + anchor, 1)
    folder = tmp_path / "fides"
    folder.mkdir()
    for name in ANNOTATIONS:
        text = with_card if name == "postgres_example_test_dataset.yml" else \
            (SAMPLE / name).read_text(encoding="utf-8")
        (folder / name).write_text(text, encoding="utf-8")
    workspace = tmp_path / "workspace"
    result = CliRunner().invoke(app, ["import", "fides", str(folder), "--out", str(workspace),
                                      "--datastore-url", sample_url])
    assert result.exit_code == 0, result.output
    manifest = load_manifest(workspace / "privacy", root=workspace)
    with ConnectedDatastores.open(manifest, workspace, timeout=5, write=False) as datastores:
        found = service.access(datastores, {"email": [EMAIL]})
    cards = rows(found, "payment_card")
    assert len(cards) >= 2
    assert {(c["id"], c["name"], c["ccn"], c["customer_id"], c["billing_address_id"])
            for c in cards} == {("pay_aaa-aaa", "Example Card 1", 123456789, 1, 1),
                                ("pay_bbb-bbb", "Example Card 2", 987654321, 2, 1)}
    orders = rows(found, "orders")
    assert {(o["id"], o["payment_card_id"]) for o in orders} == {
        ("ord_aaa-aaa", "pay_aaa-aaa"), ("ord_ccc-ccc", "pay_aaa-aaa"),
        ("ord_ddd-ddd", "pay_bbb-bbb")}
    assert len(rows(found, "address")) >= 2 and len(rows(found, "customer")) == 1


def test_erasure_changes_exactly_what_the_erasure_policy_targets(
        opened: tuple[Path, ConnectedDatastores], sample_url: str) -> None:
    """The policy erases user.name with null_rewrite: for customer-1, that is their name in
    `customer`, and nothing else in the database changes."""
    _workspace, datastores = opened
    before = snapshot(sample_url)
    report = service.erase(datastores, {"email": [EMAIL]}, secret=SECRET, ledger_sessions=None)
    assert not report.failures
    after = snapshot(sample_url)

    assert set(before) == set(after), "rows were added or deleted"
    changed = {cell for cell in before if before[cell] != after[cell]}
    assert changed == {("public.customer[1]", "name")}
    engine = sa.create_engine(sample_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text(
                "SELECT name, email FROM customer WHERE id = 1")).one() == (None, EMAIL)
    finally:
        engine.dispose()
    assert [(c.table, c.masked, c.deleted) for c in report.changes if c.masked or c.deleted] \
        == [("customer", 1, 0)]


def test_without_an_erasure_policy_the_manifest_says_so_and_privet_defaults_apply(
        tmp_path: Path, sample_url: str) -> None:
    workspace = tmp_path / "workspace"
    result = CliRunner().invoke(app, ["import", "fides", *(str(SAMPLE / n) for n in ANNOTATIONS),
                                      "--out", str(workspace), "--datastore-url", sample_url])
    assert result.exit_code == 0, result.output
    assert "postgres_example_test_dataset.yml:2: erasure: no privacy request policy" in \
        result.output
    manifest = load_manifest(workspace / "privacy", root=workspace)
    customer = manifest.datastores[STORE].tables["customer"]
    # No erasure rule to follow: every personal field gets Privet's default (nullify).
    assert customer.fields["name"].erasure is None and customer.fields["name"].is_personal
