"""Resolving datastore URLs, opening them read-only with timeouts, reading their schema."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from privet.datastores.sql import (
    DatabaseSchema,
    has_password,
    open_engine,
    read_schema,
    reflect_schema,
    resolve_url,
    safe_url,
)
from privet.kit.errors import ConfigurationError, DatastoreError

# ------------------------------------------------------------------------- resolve_url


def test_environment_variables_are_expanded_with_defaults(tmp_path: Path) -> None:
    env = {"DB_HOST": "db.internal", "DB_USER": "app"}
    url = resolve_url("postgresql://${DB_USER}@${DB_HOST}:${DB_PORT:-6432}/shop", tmp_path, env)
    assert url == "postgresql+psycopg://app@db.internal:6432/shop"


def test_an_unset_variable_names_itself_and_the_datastore(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as raised:
        resolve_url("${CRM_DATABASE_URL}", tmp_path, {}, datastore="crm")
    assert "CRM_DATABASE_URL" in raised.value.message
    assert "`crm`" in raised.value.message
    assert raised.value.hint and "export CRM_DATABASE_URL" in raised.value.hint


def test_a_relative_sqlite_path_is_relative_to_the_workspace(tmp_path: Path) -> None:
    assert resolve_url("sqlite:///data/app.db", tmp_path, {}) == (
        f"sqlite:///{tmp_path / 'data' / 'app.db'}"
    )
    assert resolve_url("sqlite:////srv/app.db", tmp_path, {}) == "sqlite:////srv/app.db"
    assert resolve_url("sqlite://", tmp_path, {}) == "sqlite://"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("mysql://u@h/db", "mysql+pymysql://u@h/db"),
        ("mariadb://u@h/db", "mysql+pymysql://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("mysql+mysqldb://u@h/db", "mysql+mysqldb://u@h/db"),
        ("mariadb+pymysql://u@h/db", "mariadb+pymysql://u@h/db"),
    ],
)
def test_installed_drivers_are_chosen_unless_one_is_named(
    tmp_path: Path, given: str, expected: str
) -> None:
    assert resolve_url(given, tmp_path, {}) == expected


def test_a_malformed_url_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a database URL"):
        resolve_url("not a url", tmp_path, {}, datastore="main")


def test_passwords_are_detected_and_masked() -> None:
    assert has_password("postgresql://app:s3cret@db/shop")
    assert not has_password("postgresql://app@db/shop")
    assert not has_password("postgresql://app:${DB_PASSWORD}@db/shop")
    assert not has_password("${DATABASE_URL}")
    assert "s3cret" not in safe_url("postgresql://app:s3cret@db/shop")


# ------------------------------------------------------------------------- open_engine: SQLite


def _write_attempt(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE intruder (id INTEGER)"))


def test_sqlite_is_opened_read_only(sakila_sqlite_url: str) -> None:
    engine = open_engine(sakila_sqlite_url, timeout=5)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM customer")).scalar() == 0
        with pytest.raises(DBAPIError, match="readonly"):
            _write_attempt(engine)
    finally:
        engine.dispose()


def test_sqlite_can_be_opened_for_writing_when_asked(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'w.db'}", timeout=5, read_only=False)
    try:
        _write_attempt(engine)
    finally:
        engine.dispose()
    assert (tmp_path / "w.db").exists()


def test_a_missing_sqlite_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(DatastoreError) as raised:
        open_engine(f"sqlite:///{path}", timeout=5)
    assert str(path) in raised.value.message
    assert raised.value.hint and "never creates" in raised.value.hint
    assert not path.exists()


def test_a_path_with_odd_characters_opens_read_only(tmp_path: Path) -> None:
    folder = tmp_path / "l'été #1 (copy)"  # `?` cannot be written in a URL at all
    folder.mkdir()
    writable = open_engine(f"sqlite:///{folder / 'a.db'}", timeout=5, read_only=False)
    _write_attempt(writable)
    writable.dispose()
    relative = f"sqlite:///{folder.name}/a.db"
    engine = open_engine(resolve_url(relative, tmp_path, {}), timeout=5)
    try:
        assert "intruder" in reflect_schema(engine).tables
    finally:
        engine.dispose()
    with pytest.raises(DatastoreError) as raised:
        open_engine(f"sqlite:///{folder / 'b.db'}", timeout=5)
    assert str(folder / "b.db") in raised.value.message  # the path as the person wrote it


# ------------------------------------------------------------------------- open_engine: servers


@pytest.mark.postgres
def test_postgresql_is_opened_read_only(postgres_url: str) -> None:
    engine = open_engine(postgres_url, timeout=5)
    try:
        with pytest.raises(DBAPIError, match="read-only"):
            _write_attempt(engine)
    finally:
        engine.dispose()


@pytest.mark.mariadb
def test_mariadb_is_opened_read_only(mariadb_url: str) -> None:
    writable = open_engine(mariadb_url, timeout=5, read_only=False)
    _write_attempt(writable)
    writable.dispose()
    engine = open_engine(mariadb_url, timeout=5)
    try:
        with pytest.raises(DBAPIError, match="READ ONLY"), engine.begin() as connection:
            connection.execute(text("INSERT INTO intruder (id) VALUES (1)"))
    finally:
        engine.dispose()


def test_a_refused_connection_names_host_and_database_but_not_the_password() -> None:
    with pytest.raises(DatastoreError) as raised:
        open_engine("postgresql+psycopg://app:s3cret-pw@127.0.0.1:1/shop", timeout=3)
    message = str(raised.value)
    assert "`shop`" in message and "127.0.0.1:1" in message
    assert "s3cret-pw" not in message
    assert raised.value.hint and "running" in raised.value.hint


@pytest.mark.mariadb
def test_a_rejected_password_is_not_repeated(mariadb_url: str) -> None:
    wrong = mariadb_url.replace("root@", "root:Wr0ng-Passw0rd@")
    with pytest.raises(DatastoreError) as raised:
        open_engine(wrong, timeout=5)
    assert "Wr0ng-Passw0rd" not in str(raised.value)
    assert "Access denied" in raised.value.message


def test_the_connect_timeout_bounds_the_wait() -> None:
    # 10.255.255.1 is routed nowhere: without a timeout the driver would wait minutes.
    started = time.monotonic()
    with pytest.raises(DatastoreError):
        open_engine("postgresql+psycopg://app@10.255.255.1:5432/shop", timeout=1)
    assert time.monotonic() - started < 10


def test_an_unknown_driver_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="cannot use"):
        open_engine("oracle+nosuchdriver://u@h/db", timeout=1)


# ------------------------------------------------------------------------- reflect_schema


def _check_sakila(schema: DatabaseSchema) -> None:
    assert {"customer", "address", "staff", "rental", "payment", "film"} <= set(schema.tables)
    assert "customer_list" not in schema.tables  # views are left out
    customer = schema.tables["customer"]
    assert customer.primary_key == ("customer_id",)
    assert {"email", "first_name", "last_name", "address_id"} <= set(customer.columns)
    assert customer.columns["email"].nullable
    assert not customer.columns["first_name"].nullable
    assert "VARCHAR" in customer.columns["email"].type.upper()
    assert any(fk.columns == ("address_id",) and fk.referred_table == "address"
               and fk.referred_columns == ("address_id",) for fk in customer.foreign_keys)
    assert customer.is_indexed("customer_id")  # the primary key
    assert customer.is_indexed("last_name")  # idx_last_name
    assert not customer.is_indexed("email")
    rental = schema.tables["rental"]
    # the unique key (rental_date, inventory_id, customer_id) serves rental_date only
    assert rental.is_indexed("rental_date")
    assert ("rental_date", "inventory_id", "customer_id") in rental.indexed_column_sets
    film_actor = schema.tables["film_actor"]
    assert film_actor.primary_key == ("actor_id", "film_id")
    assert film_actor.is_indexed("actor_id")


def test_reflects_the_sakila_schema_from_sqlite(sakila_sqlite_url: str) -> None:
    engine = open_engine(sakila_sqlite_url, timeout=5)
    try:
        _check_sakila(reflect_schema(engine))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_reflects_the_sakila_schema_from_postgresql(sakila_postgres_url: str) -> None:
    engine = open_engine(sakila_postgres_url, timeout=5)
    try:
        schema = reflect_schema(engine)
    finally:
        engine.dispose()
    _check_sakila(schema)
    assert schema.default_schema == "public"
    assert "public.customer" not in schema.tables  # the default schema stays unqualified
    assert schema.find("public.customer") is schema.tables["customer"]
    assert "TSVECTOR" in schema.tables["film"].columns["fulltext"].type.upper()
    partition = schema.tables["payment_p2007_01"]
    assert {fk.referred_table for fk in partition.foreign_keys} == {"customer", "rental", "staff"}


@pytest.mark.mariadb
def test_reflects_the_sakila_schema_from_mariadb(sakila_mariadb_url: str) -> None:
    engine = open_engine(sakila_mariadb_url, timeout=5)
    try:
        _check_sakila(reflect_schema(engine))
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_tables_outside_the_default_schema_are_qualified(postgres_url: str) -> None:
    writable = open_engine(postgres_url, timeout=5, read_only=False)
    with writable.begin() as connection:
        connection.execute(text("CREATE TABLE people (id int PRIMARY KEY, email text)"))
        connection.execute(text("CREATE SCHEMA crm"))
        connection.execute(text(
            "CREATE TABLE crm.contacts (id int PRIMARY KEY, person_id int "
            "REFERENCES public.people (id), email text UNIQUE)"
        ))
        connection.execute(text(
            "CREATE TABLE crm.notes (id int PRIMARY KEY, contact_id int REFERENCES crm.contacts)"
        ))
    writable.dispose()
    schema = read_schema(postgres_url, Path("."), timeout=5, schemas=["crm", "public"])
    assert set(schema.tables) == {"people", "crm.contacts", "crm.notes"}
    contacts = schema.tables["crm.contacts"]
    assert contacts.is_indexed("email")  # the unique constraint
    assert [fk.referred_table for fk in contacts.foreign_keys] == ["people"]
    notes = schema.tables["crm.notes"]
    assert [fk.referred_table for fk in notes.foreign_keys] == ["crm.contacts"]
    assert schema.find("crm.contacts") is contacts


@pytest.mark.parametrize("server", [
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
])
def test_an_unknown_schema_is_an_error_not_an_empty_database(
    request: pytest.FixtureRequest, server: str
) -> None:
    engine = open_engine(request.getfixturevalue(f"{server}_url"), timeout=5)
    try:
        with pytest.raises(DatastoreError, match="has no schema `nope`"):
            reflect_schema(engine, schema="nope")
    finally:
        engine.dispose()


def test_requests_never_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "gone.db"
    with pytest.raises(DatastoreError) as raised:
        open_engine(f"sqlite:///{path}", timeout=5, read_only=False, create=False)
    assert raised.value.hint and "never creates" in raised.value.hint
    assert not path.exists()
