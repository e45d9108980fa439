"""Shared fixtures: real databases.

``postgres_url`` and ``mariadb_url`` create a fresh database with a unique name on the
local servers and drop it afterwards. A server that cannot be reached skips the test on a
developer's machine and fails it in CI (``CI=true``), where the servers are required.
The ``sakila_*`` fixtures load the real Sakila schema (``shared/datasets/sakila``).
"""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import psycopg
import pymysql  # type: ignore[import-untyped, unused-ignore]
import pytest
from psycopg import sql

pytest_plugins = ["server_fixtures"]
"""The server, its app, a live uvicorn and a real browser (``server_fixtures.py``), for every
test folder that serves pages."""

POSTGRES_HOST = os.environ.get("PRIVET_TEST_POSTGRES_HOST", "127.0.0.1")
POSTGRES_PORT = int(os.environ.get("PRIVET_TEST_POSTGRES_PORT", "5432"))
MARIADB_HOST = os.environ.get("PRIVET_TEST_MARIADB_HOST", "127.0.0.1")
MARIADB_PORT = int(os.environ.get("PRIVET_TEST_MARIADB_PORT", "3306"))

SAKILA = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "sakila"


def _unavailable(server: str, exc: Exception) -> NoReturn:
    message = f"{server} is not reachable: {exc}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (required in CI)")
    pytest.skip(message)


def _database_name() -> str:
    return f"privet_test_{uuid.uuid4().hex[:12]}"


def _postgres_admin(dbname: str = "postgres") -> psycopg.Connection[tuple[Any, ...]]:
    return psycopg.connect(host=POSTGRES_HOST, port=POSTGRES_PORT, user="postgres",
                           dbname=dbname, connect_timeout=3, autocommit=True)


ENGINES = ("sqlite", "postgresql", "mariadb")


@pytest.fixture(params=ENGINES)
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each engine in turn: a SQLite file, then a fresh PostgreSQL
    and a fresh MariaDB database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.db'}"
    url: str = request.getfixturevalue(
        "postgres_url" if request.param == "postgresql" else "mariadb_url")
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database (user postgres), dropped after the test."""
    name = _database_name()
    try:
        with _postgres_admin() as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as exc:
        _unavailable("PostgreSQL", exc)
    try:
        yield f"postgresql+psycopg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
    finally:
        with _postgres_admin() as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _mariadb_admin(database: str | None = None) -> Any:
    return pymysql.connect(host=MARIADB_HOST, port=MARIADB_PORT, user="root", password="",
                           database=database, connect_timeout=3, autocommit=True)


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """URL of a new, empty MariaDB database (user root), dropped after the test."""
    name = _database_name()
    try:
        connection = _mariadb_admin()
    except pymysql.err.OperationalError as exc:
        _unavailable("MariaDB", exc)
    with connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    try:
        yield f"mysql+pymysql://root@{MARIADB_HOST}:{MARIADB_PORT}/{name}"
    finally:
        with _mariadb_admin() as connection, connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


REDIS_URL = os.environ.get("PRIVET_TEST_REDIS_URL", "redis://127.0.0.1:6379")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """URL of a Redis database (numbered 1 to 15) emptied before and after the test."""
    import redis

    number = 1 + uuid.uuid4().int % 15
    url = f"{REDIS_URL}/{number}"
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        _unavailable("Redis", exc)
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


# ------------------------------------------------------------------------------- Sakila


def _sakila(name: str) -> str:
    path = SAKILA / name
    if not path.is_file():
        message = f"the Sakila dataset is not at {path} (shared/datasets/sakila)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path.read_text(encoding="utf-8")


@pytest.fixture
def sakila_sqlite_url(tmp_path: Path) -> str:
    """A SQLite file with the Sakila schema (no rows)."""
    path = tmp_path / "sakila.db"
    with sqlite3.connect(path) as connection:
        connection.executescript(_sakila("sqlite-sakila-schema.sql"))
    connection.close()
    return f"sqlite:///{path}"


@pytest.fixture
def sakila_postgres_url(postgres_url: str) -> str:
    """``postgres_url`` with the Sakila schema (partitioned payments, views, functions)."""
    database = postgres_url.rsplit("/", 1)[1]
    with _postgres_admin(database) as connection:
        # No parameters: psycopg sends the script as one simple query, dollar quotes and all.
        connection.execute(_sakila("postgres-sakila-schema.sql"))
    return postgres_url


def mysql_statements(script: str) -> Iterator[str]:
    """Statements of a mysql-client script, honouring ``DELIMITER`` (triggers, routines)."""
    delimiter = ";"
    current: list[str] = []
    for line in script.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("--")):
            continue
        if stripped.upper().startswith("DELIMITER "):
            delimiter = stripped.split()[1]
            continue
        current.append(line)
        if stripped.endswith(delimiter):
            statement = "\n".join(current).strip()
            current = []
            yield statement[: -len(delimiter)].strip()
    if "".join(current).strip():
        yield "\n".join(current).strip()


@pytest.fixture
def sakila_mariadb_url(mariadb_url: str) -> str:
    """``mariadb_url`` with the Sakila schema, loaded into that database (not `sakila`)."""
    database = mariadb_url.rsplit("/", 1)[1]
    script = _sakila("mysql-sakila-schema.sql")
    skip = re.compile(r"^(DROP SCHEMA|CREATE SCHEMA|USE)\b", re.IGNORECASE)
    with _mariadb_admin(database) as connection, connection.cursor() as cursor:
        for statement in mysql_statements(script):
            if statement and not skip.match(statement):
                cursor.execute(statement.replace("sakila.", ""))
    return mariadb_url
