"""`privet init --from-db`: a datastore section drafted from a live schema, loadable as is."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from privet.datastores.cli import init
from privet.datastores.scaffold import scaffold_datastore, scaffold_from_database
from privet.datastores.sql import ColumnSchema, DatabaseSchema, ForeignKeySchema, TableSchema
from privet.kit.errors import ConfigurationError
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest

MINIMAL_MANIFEST = textwrap.dedent("""\
    version: 1
    organization:
      name: Rentals
      address: 1 rue de la Paix, Paris
      country: FR
      contact: {email: privacy@rentals.example}
    policy:
      version: "2024-01"
      effective_date: 2024-01-01
""")


def _load(tmp_path: Path, scaffold: str) -> Manifest:
    """The scaffold as one file of a manifest folder, beside a minimal organization file."""
    folder = tmp_path / "privacy"
    folder.mkdir(exist_ok=True)
    (folder / "organization.yaml").write_text(MINIMAL_MANIFEST)
    (folder / "datastores.yaml").write_text(scaffold)
    return load_manifest(folder, environ={})


def _check_sakila_scaffold(tmp_path: Path, text: str) -> Manifest:
    assert text.startswith("# Every category and identity below is a GUESS")
    manifest = _load(tmp_path, text)
    store = manifest.datastores["main"]
    assert store.location == "FR"
    customer = store.tables["customer"]
    assert customer.fields["email"].categories == ["user.contact.email"]
    assert customer.fields["email"].identity == "email"
    assert customer.fields["first_name"].categories == ["user.name.first"]
    assert "address_id" not in customer.fields  # a foreign key, not personal data
    assert customer.references == []  # foreign keys are read live, not declared
    phone = store.tables["address"].fields["phone"]
    assert phone.categories == ["user.contact.phone_number"]
    assert phone.identity == "phone"
    staff = store.tables["staff"]
    assert staff.fields["username"].identity == "username"
    assert staff.fields["password"].categories == ["user.authorization.password"]
    # tables with no personal-looking column are comments for the reviewer, not declarations
    assert "film" not in store.tables and "city" not in store.tables
    assert "    # film: film_id, title, description" in text
    # foreign keys are listed where the reviewer reads the table
    customer_block = text.split("      customer:\n", 1)[1].split("        fields:", 1)[0]
    assert "address_id → address.address_id" in customer_block
    assert "store_id → store.store_id" in customer_block
    return manifest


def test_scaffold_from_sakila_on_sqlite(tmp_path: Path, sakila_sqlite_url: str) -> None:
    scaffold = scaffold_from_database(sakila_sqlite_url, key="main", location="FR",
                                      workspace_root=tmp_path, timeout=5)
    manifest = _check_sakila_scaffold(tmp_path, scaffold.text)
    assert manifest.datastores["main"].url == sakila_sqlite_url  # no password: kept as given
    assert scaffold.tables == 16
    assert scaffold.personal_tables == len(manifest.datastores["main"].tables) == 4


@pytest.mark.postgres
def test_scaffold_from_sakila_on_postgresql(tmp_path: Path, sakila_postgres_url: str) -> None:
    scaffold = scaffold_from_database(sakila_postgres_url, key="main", location="FR",
                                      workspace_root=tmp_path, timeout=5)
    _check_sakila_scaffold(tmp_path, scaffold.text)
    # the monthly payment partitions are listed with their keys to customer
    assert "payment_p2007_01:" in scaffold.text
    assert "customer_id → customer.customer_id" in scaffold.text


@pytest.mark.mariadb
def test_scaffold_from_sakila_on_mariadb(tmp_path: Path, sakila_mariadb_url: str) -> None:
    scaffold = scaffold_from_database(sakila_mariadb_url, key="main", location="FR",
                                      workspace_root=tmp_path, timeout=5)
    _check_sakila_scaffold(tmp_path, scaffold.text)


def _schema(*tables: TableSchema) -> DatabaseSchema:
    return DatabaseSchema({t.name: t for t in tables})


def _table(name: str, *columns: str, fks: list[ForeignKeySchema] | None = None) -> TableSchema:
    return TableSchema(name, {c: ColumnSchema(c, "TEXT", True) for c in columns},
                       foreign_keys=fks or [])


def test_a_password_in_the_url_is_never_written(tmp_path: Path) -> None:
    text = scaffold_datastore("postgresql://app:s3cret@db.internal/crm", key="crm",
                              location="DE", schema=_schema(_table("users", "id", "email")))
    assert "s3cret" not in text
    manifest = _load(tmp_path, text)
    assert manifest.datastores["crm"].url == "${CRM_DATABASE_URL}"
    assert "set CRM_DATABASE_URL" in text


def test_a_url_template_is_written_as_given(tmp_path: Path) -> None:
    text = scaffold_datastore("${SHOP_DB}", key="shop", location="FR",
                              schema=_schema(_table("users", "id", "email")))
    assert _load(tmp_path, text).datastores["shop"].url == "${SHOP_DB}"


def test_names_yaml_would_misread_are_quoted(tmp_path: Path) -> None:
    schema = _schema(_table("on", "id", "email"), _table("null", "id", "phone"))
    manifest = _load(tmp_path, scaffold_datastore("sqlite:///x.db", key="main", location="FR",
                                                  schema=schema))
    assert set(manifest.datastores["main"].tables) == {"on", "null"}


def test_tables_the_manifest_cannot_name_are_left_out_with_a_note(tmp_path: Path) -> None:
    schema = _schema(_table("order-lines", "id", "email"), _table("users", "id", "email"))
    text = scaffold_datastore("sqlite:///x.db", key="main", location="FR", schema=schema)
    assert set(_load(tmp_path, text).datastores["main"].tables) == {"users"}
    assert "order-lines" in text.split("Left out", 1)[1]


def test_a_database_with_nothing_personal_still_loads(tmp_path: Path) -> None:
    text = scaffold_datastore("sqlite:///x.db", key="main", location="FR",
                              schema=_schema(_table("settings", "key", "value")))
    assert _load(tmp_path, text).datastores["main"].tables == {}
    assert "# settings: key, value" in text


def test_every_line_is_valid_yaml_at_any_width() -> None:
    columns = [f"column_with_a_rather_long_name_{i}" for i in range(40)]
    fks = [ForeignKeySchema((f"c{i}",), f"some_table_{i}", ("id",)) for i in range(20)]
    schema = _schema(_table("wide", *columns, fks=fks), _table("users", "email", *columns))
    text = scaffold_datastore("sqlite:///x.db", key="main", location="FR", schema=schema)
    assert yaml.safe_load(text)["datastores"]["main"]["tables"]["users"]["fields"] == {
        "email": {"categories": ["user.contact.email"], "identity": "email"}
    }
    assert max(len(line) for line in text.splitlines()) <= 100


@pytest.mark.parametrize(("key", "location"), [("Main", "FR"), ("main", "XX")])
def test_a_bad_key_or_location_is_refused(key: str, location: str) -> None:
    with pytest.raises(ConfigurationError):
        scaffold_datastore("sqlite:///x.db", key=key, location=location,
                           schema=_schema(_table("users", "email")))


# ------------------------------------------------------------------------- the command


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(init)
    return app


def test_init_prints_the_scaffold(tmp_path: Path, sakila_sqlite_url: str) -> None:
    result = CliRunner().invoke(_app(), ["--from-db", sakila_sqlite_url, "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    _check_sakila_scaffold(tmp_path, result.stdout)
    assert "review every line" in result.stderr


def test_init_resolves_relative_sqlite_paths_in_the_workspace(
    tmp_path: Path, sakila_sqlite_url: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    Path(sakila_sqlite_url.removeprefix("sqlite:///")).rename(data / "rentals.db")
    out = tmp_path / "privacy" / "datastores.yaml"
    result = CliRunner().invoke(_app(), ["--from-db", "sqlite:///data/rentals.db",
                                         "--out", str(out), "--key", "rentals"],
                                env={"PRIVET_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    manifest = _load(tmp_path, out.read_text())
    assert manifest.datastores["rentals"].url == "sqlite:///data/rentals.db"
    assert "customer" in manifest.datastores["rentals"].tables


def test_init_does_not_overwrite_a_file_unless_forced(
    tmp_path: Path, sakila_sqlite_url: str
) -> None:
    out = tmp_path / "datastores.yaml"
    out.write_text("# mine\n")
    args = ["--from-db", sakila_sqlite_url, "--out", str(out), "--dir", str(tmp_path)]
    refused = CliRunner().invoke(_app(), args)
    assert refused.exit_code == 1
    assert "error:" in refused.stderr and "--force" in refused.stderr
    assert out.read_text() == "# mine\n"
    forced = CliRunner().invoke(_app(), [*args, "--force"])
    assert forced.exit_code == 0, forced.output
    assert "customer:" in out.read_text()


def test_init_reports_an_unreachable_database_without_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["--from-db", "sqlite:///missing.db",
                                         "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: cannot connect to SQLite database")
    assert "Traceback" not in result.output
    assert not (tmp_path / "missing.db").exists()


def test_init_reports_an_unset_variable(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["--from-db", "${NOPE_DATABASE_URL}",
                                         "--dir", str(tmp_path)], env={"NOPE_DATABASE_URL": None})
    assert result.exit_code == 1
    assert "NOPE_DATABASE_URL" in result.stderr


@pytest.mark.postgres
def test_a_scaffold_of_another_schema_passes_the_live_checks(
    tmp_path: Path, postgres_url: str
) -> None:
    from sqlalchemy import text

    from privet.datastores.live_checks import live_diagnostics
    from privet.datastores.sql import open_engine

    writable = open_engine(postgres_url, timeout=5, read_only=False)
    with writable.begin() as connection:
        connection.execute(text("CREATE SCHEMA crm"))
        connection.execute(text(
            "CREATE TABLE crm.contacts (id int PRIMARY KEY, email text UNIQUE, phone text)"
        ))
    writable.dispose()
    scaffold = scaffold_from_database(postgres_url, key="main", location="FR",
                                      workspace_root=tmp_path, timeout=5, schema="crm")
    manifest = _load(tmp_path, scaffold.text)
    assert set(manifest.datastores["main"].tables["crm.contacts"].fields) == {"email", "phone"}
    # the draft matches the database; only the phone, an identity, lacks an index
    found = live_diagnostics(manifest, tmp_path, timeout=5)
    assert [(d.rule, d.hint) for d in found] == [
        ("live-unindexed-identity", "CREATE INDEX ix_crm_contacts_phone ON crm.contacts (phone);")
    ]
