"""`privet check --connect`: the manifest held against real SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from privet.datastores.live_checks import (
    MISSING_COLUMN,
    MISSING_LINK,
    MISSING_TABLE,
    UNDECLARED_PERSONAL_COLUMN,
    UNINDEXED_IDENTITY,
    UNREACHABLE,
    live_diagnostics,
)
from privet.datastores.sql import open_engine, read_schema
from privet.manifest.diagnostics import Diagnostic, Severity
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest

# Written to run unchanged on the three databases (no inline foreign keys: InnoDB would
# index them by itself, and the index checks must see the same schema everywhere).
SHOP_SCHEMA = [
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, email VARCHAR(200), phone VARCHAR(50), "
    "first_name VARCHAR(100), created_at DATE, status VARCHAR(20))",
    "CREATE INDEX ix_customers_email ON customers (email)",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, "
    "buyer_email VARCHAR(200), placed_at DATE, total NUMERIC(10, 2))",
    "CREATE INDEX ix_orders_buyer_email ON orders (buyer_email)",
    "CREATE TABLE invoices (id INTEGER PRIMARY KEY, customer_id INTEGER, issued_at DATE, "
    "amount NUMERIC(10, 2), billing_address VARCHAR(300))",
    "CREATE TABLE sessions (id INTEGER PRIMARY KEY, ip_address VARCHAR(45), started_at DATE)",
    "CREATE TABLE settings (name VARCHAR(50) PRIMARY KEY, value VARCHAR(200))",
]

HEADER = textwrap.dedent("""\
    version: 1
    organization:
      name: Shop
      address: 1 rue de la Paix, Paris
      country: FR
      contact: {email: privacy@shop.example}
    policy:
      version: "2024-01"
      effective_date: 2024-01-01
""")

CLEAN = """\
datastores:
  shop:
    url: URL
    location: FR
    tables:
      customers:
        fields:
          email: {categories: [user.contact.email], identity: email}
          phone: {categories: [user.contact.phone_number]}
          first_name: {categories: [user.name.first]}
      orders:
        fields:
          buyer_email: {categories: [user.contact.email]}
        references:
          - {field: buyer_email, to: customers.email}
      invoices:
        fields:
          billing_address: {categories: [user.contact.address]}
        legal_holds:
          tax:
            reason: Invoices are kept for the tax authorities.
            period: 10y
            from: issued_at
            where: "amount > 0"
            keep_fields: [amount]
      sessions:
        fields:
          ip_address: {categories: [user.device.ip_address]}
retention:
  stale_sessions:
    table: sessions
    period: 3mo
    from: started_at
  closed_customers:
    categories: [user.contact.phone_number]
    period: 3y
    from: created_at
    where: "status = 'closed'"
"""

BROKEN = """\
datastores:
  shop:
    url: URL
    location: FR
    tables:
      customer:
        fields:
          email: {categories: [user.contact.email]}
      customers:
        fields:
          emial: {categories: [user.contact.email], identity: email}
          first_name: {categories: [user.name.first], identity: user_name}
      orders:
        fields:
          buyer_email: {categories: [user.contact.email]}
        references:
          - {field: customer_id, to: customers.id}
          - {field: buyer_mail, to: customers.mail}
          - {field: buyer_email, to: clients.email}
      invoices:
        fields:
          billing_address: {categories: [user.contact.address]}
        legal_holds:
          tax:
            reason: Invoices are kept for the tax authorities.
            period: 10y
            from: issued
            where: "amont > 0 and customer_id is not null"
            keep_fields: [amount, amout]
retention:
  stale_sessions:
    table: session
    period: 3mo
    from: started_at
  stale_orders:
    table: orders
    period: 3mo
    from: placed
  closed_customers:
    categories: [user.name.first]
    period: 3y
    from: created_at
    where: "state = 'closed'"
"""


@pytest.fixture(params=[
    "sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
])
def shop_url(request: pytest.FixtureRequest, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch) -> str:
    """The shop database on each server; the URL as the manifest writes it."""
    if request.param == "sqlite":
        (tmp_path / "data").mkdir()
        url = f"sqlite:///{tmp_path / 'data' / 'shop.db'}"
        manifest_url = "sqlite:///data/shop.db"  # relative to the workspace
    else:
        url = request.getfixturevalue(f"{request.param}_url")
        monkeypatch.setenv("SHOP_DATABASE_URL", url)
        manifest_url = "${SHOP_DATABASE_URL}"
    engine = open_engine(url, timeout=5, read_only=False)
    with engine.begin() as connection:
        for statement in SHOP_SCHEMA:
            connection.execute(text(statement))
    engine.dispose()
    return manifest_url


def _manifest(tmp_path: Path, body: str, url: str) -> Manifest:
    folder = tmp_path / "privacy"
    folder.mkdir(exist_ok=True)
    (folder / "organization.yaml").write_text(HEADER)
    (folder / "datastores.yaml").write_text(body.replace("url: URL", f"url: '{url}'"))
    return load_manifest(folder, root=tmp_path)


def _line(body: str, snippet: str) -> int:
    """The line (from 1) of datastores.yaml where ``snippet`` first appears."""
    return next(n for n, line in enumerate(body.splitlines(), 1) if snippet in line)


def _only(diagnostics: list[Diagnostic], rule: str, *words: str) -> Diagnostic:
    found = [d for d in diagnostics if d.rule == rule and all(w in d.message for w in words)]
    assert len(found) == 1, f"{rule} {words}: {[d.render() for d in diagnostics]}"
    return found[0]


def _at(diagnostic: Diagnostic, body: str, snippet: str) -> None:
    assert diagnostic.location is not None
    assert diagnostic.location.file == "privacy/datastores.yaml"
    assert diagnostic.location.line == _line(body, snippet), diagnostic.render()


def test_a_manifest_that_matches_the_database_gets_no_diagnostic(
    tmp_path: Path, shop_url: str
) -> None:
    manifest = _manifest(tmp_path, CLEAN, shop_url)
    assert [d.render() for d in live_diagnostics(manifest, tmp_path, timeout=5)] == []


def test_missing_tables_are_reported_with_a_did_you_mean(tmp_path: Path, shop_url: str) -> None:
    found = live_diagnostics(_manifest(tmp_path, BROKEN, shop_url), tmp_path, timeout=5)
    declared = _only(found, MISSING_TABLE, "`customer`")
    assert declared.severity is Severity.error
    assert declared.hint == "did you mean `customers`?"
    _at(declared, BROKEN, "      customer:")
    retention = _only(found, MISSING_TABLE, "`session`")
    assert retention.hint == "did you mean `sessions`?"
    _at(retention, BROKEN, "table: session")
    target = _only(found, MISSING_TABLE, "`clients`")
    _at(target, BROKEN, "to: clients.email")


def test_missing_columns_are_reported_wherever_the_manifest_names_them(
    tmp_path: Path, shop_url: str
) -> None:
    found = live_diagnostics(_manifest(tmp_path, BROKEN, shop_url), tmp_path, timeout=5)
    # (word in the message, did-you-mean, the manifest line it points at)
    expected = [
        ("`emial`", "email", "emial:"),
        ("`buyer_mail`", "buyer_email", "field: buyer_mail"),
        ("`mail`", "email", "to: customers.mail"),
        ("`issued`", "issued_at", "from: issued"),
        ("`amont`", "amount", "where: \"amont"),
        ("`amout`", "amount", "keep_fields: [amount, amout]"),
        ("`placed`", "placed_at", "from: placed"),
        ("`state`", "status", "where: \"state"),
    ]
    for word, suggestion, snippet in expected:
        diagnostic = _only(found, MISSING_COLUMN, word)
        assert diagnostic.severity is Severity.error
        assert diagnostic.hint == f"did you mean `{suggestion}`?"
        _at(diagnostic, BROKEN, snippet)
    assert len([d for d in found if d.rule == MISSING_COLUMN]) == len(expected)


def test_undeclared_personal_columns_are_warned_about(tmp_path: Path, shop_url: str) -> None:
    found = live_diagnostics(_manifest(tmp_path, BROKEN, shop_url), tmp_path, timeout=5)
    column = _only(found, UNDECLARED_PERSONAL_COLUMN, "`customers.phone`")
    assert column.severity is Severity.warning
    assert "user.contact.phone_number" in column.message
    assert column.hint and "phone: {categories: [user.contact.phone_number], identity: phone}" \
        in column.hint
    _at(column, BROKEN, "      customers:")
    # `email` is declared (misspelt `emial`, reported above): customers.email is not declared
    _only(found, UNDECLARED_PERSONAL_COLUMN, "`customers.email`")
    table = _only(found, UNDECLARED_PERSONAL_COLUMN, "`sessions`")
    assert "`ip_address`" in table.message
    _at(table, BROKEN, "    tables:")
    # neither settings (nothing personal) nor invoices.customer_id (a key) is flagged
    messages = " ".join(d.message for d in found)
    assert "settings" not in messages and "customer_id` looks" not in messages
    assert len([d for d in found if d.rule == UNDECLARED_PERSONAL_COLUMN]) == 3


def test_identities_and_references_without_an_index_are_warned_about(
    tmp_path: Path, shop_url: str
) -> None:
    found = live_diagnostics(_manifest(tmp_path, BROKEN, shop_url), tmp_path, timeout=5)
    identity = _only(found, UNINDEXED_IDENTITY, "`customers.first_name`")
    assert identity.severity is Severity.warning
    assert identity.hint == "CREATE INDEX ix_customers_first_name ON customers (first_name);"
    _at(identity, BROKEN, "first_name: {categories: [user.name.first], identity: user_name}")
    reference = _only(found, UNINDEXED_IDENTITY, "`orders.customer_id`")
    assert reference.hint == "CREATE INDEX ix_orders_customer_id ON orders (customer_id);"
    _at(reference, BROKEN, "field: customer_id, to: customers.id")
    # customers.id (primary key) and orders.buyer_email (indexed) are fine
    assert len([d for d in found if d.rule == UNINDEXED_IDENTITY]) == 2


def test_tables_named_with_their_schema_are_found(tmp_path: Path, shop_url: str) -> None:
    default = read_schema(shop_url, tmp_path, timeout=5).default_schema  # main, public, or
    assert default  # the MariaDB database's name
    body = CLEAN.replace("      customers:\n", f"      {default}.customers:\n").replace(
        "      sessions:\n",
        "      nope.things:\n        fields:\n          x: {categories: [user.name]}\n"
        "      sessions:\n")
    found = live_diagnostics(_manifest(tmp_path, body, shop_url), tmp_path, timeout=5)
    assert [(d.rule, d.message) for d in found] == [
        (MISSING_TABLE, "table `nope.things` does not exist in datastore `shop`")
    ]


def test_an_unindexed_reference_target_is_warned_about(tmp_path: Path, shop_url: str) -> None:
    body = CLEAN.replace("to: customers.email", "to: customers.phone")
    found = live_diagnostics(_manifest(tmp_path, body, shop_url), tmp_path, timeout=5)
    assert [d.rule for d in found] == [UNINDEXED_IDENTITY]
    assert "reference target `customers.phone`" in found[0].message
    assert found[0].hint == "CREATE INDEX ix_customers_phone ON customers (phone);"
    _at(found[0], body, "to: customers.phone")


def test_an_unreachable_datastore_is_an_error_and_the_others_are_still_checked(
    tmp_path: Path, shop_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHIVE_DATABASE_URL", raising=False)
    body = CLEAN.replace("retention:", textwrap.dedent("""\
          archive:
            url: ${ARCHIVE_DATABASE_URL}
            location: FR
          backup:
            url: sqlite:///data/backup.db
            location: FR
        retention:"""), 1)
    body = body.replace("      customers:\n        fields:\n          email:",
                        "      customers:\n        fields:\n          emial:")
    found = live_diagnostics(_manifest(tmp_path, body, shop_url), tmp_path, timeout=5)
    unset = _only(found, UNREACHABLE, "`archive`")
    assert unset.severity is Severity.error
    assert "ARCHIVE_DATABASE_URL" in unset.message
    _at(unset, body, "url: ${ARCHIVE_DATABASE_URL}")
    missing = _only(found, UNREACHABLE, "`backup`")
    assert "backup.db" in missing.message
    _at(missing, body, "url: sqlite:///data/backup.db")
    assert not (tmp_path / "data" / "backup.db").exists()  # opened read-only: not created
    _only(found, MISSING_COLUMN, "`emial`")  # the reachable datastore was still checked


def test_nothing_is_written_to_the_database(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "shop.db"
    engine = open_engine(f"sqlite:///{path}", timeout=5, read_only=False)
    with engine.begin() as connection:
        for statement in SHOP_SCHEMA:
            connection.execute(text(statement))
    engine.dispose()
    before = path.read_bytes()
    live_diagnostics(_manifest(tmp_path, BROKEN, "sqlite:///data/shop.db"), tmp_path, timeout=5)
    assert path.read_bytes() == before


def test_references_across_datastores_are_checked_in_the_other_database(
    tmp_path: Path, shop_url: str
) -> None:
    (tmp_path / "data").mkdir(exist_ok=True)
    crm = open_engine(f"sqlite:///{tmp_path / 'data' / 'crm.db'}", timeout=5, read_only=False)
    with crm.begin() as connection:
        connection.execute(text("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT)"))
    crm.dispose()
    body = CLEAN.replace("retention:", textwrap.dedent("""\
          crm:
            url: sqlite:///data/crm.db
            location: FR
            tables:
              people:
                fields:
                  email: {categories: [user.contact.email]}
        retention:"""), 1)
    body = body.replace("to: customers.email}", "to: crm.people.mail}")
    found = live_diagnostics(_manifest(tmp_path, body, shop_url), tmp_path, timeout=5)
    assert [(d.rule, d.hint) for d in found] == [(MISSING_COLUMN, "did you mean `email`?")]
    assert "table `people` of datastore `crm`" in found[0].message
    _at(found[0], body, "to: crm.people.mail")


def test_a_retention_rule_via_a_table_without_a_foreign_key_is_an_error(
    tmp_path: Path, shop_url: str
) -> None:
    body = CLEAN + (
        "  invoices_of_closed_customers:\n"
        "    table: invoices\n"
        "    via: customers\n"
        "    where: \"status = 'closed'\"\n"
        "    period: 3mo\n"
        "    from: created_at\n"
        "    action: anonymise\n"
        "    fields: [billing_address]\n")
    found = live_diagnostics(_manifest(tmp_path, body, shop_url), tmp_path, timeout=5)
    link = _only(found, MISSING_LINK, "`invoices` has no foreign key to `customers`")
    assert link.severity is Severity.error
    _at(link, body, "via: customers")
    assert [d.rule for d in found] == [MISSING_LINK]
