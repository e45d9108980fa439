"""SQL datastores: resolve a manifest URL, open it safely, read its schema.

Every datastore is opened with a connect timeout and, unless the caller must write,
read-only at the database's own level (SQLite ``mode=ro``, PostgreSQL
``default_transaction_read_only``, MariaDB/MySQL ``SET SESSION TRANSACTION READ ONLY``),
so a check or a scaffold can never change the company's data. Errors name the host and the
database, never the password.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.types import TypeEngine

from privet.kit.errors import ConfigurationError, DatastoreError
from privet.manifest.source import expand_env

# Drivers Privet installs, used when a URL names only the database kind.
_DEFAULT_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
}
_ENV_TEMPLATE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}")


# ---------------------------------------------------------------------------- URLs


def _parse(url: str, datastore: str | None) -> URL:
    try:
        return make_url(url)
    except ArgumentError:
        where = f" of datastore `{datastore}`" if datastore else ""
        raise ConfigurationError(
            f"the URL{where} is not a database URL",
            hint="write it as dialect://user:password@host:port/database, e.g. "
            "postgresql://app@db.internal/shop or sqlite:///data/app.db",
        ) from None


def resolve_url(
    url: str,
    workspace_root: Path,
    environ: Mapping[str, str] | None = None,
    *,
    datastore: str | None = None,
) -> str:
    """The URL to connect with: ``${VAR}`` expanded, SQLite paths anchored, drivers chosen.

    An unset variable with no ``:-default`` raises ``ConfigurationError``. A relative SQLite
    path is relative to ``workspace_root``. ``postgresql://`` uses psycopg 3 and
    ``mysql://`` / ``mariadb://`` use PyMySQL, unless the URL names a driver.
    """
    env = dict(os.environ if environ is None else environ)
    expanded, missing = expand_env(url, env)
    if missing:
        names = ", ".join(f"`{name}`" for name in missing)
        where = f"datastore `{datastore}`" if datastore else "the datastore URL"
        plural = "s" if len(missing) > 1 else ""
        raise ConfigurationError(
            f"{where} needs the environment variable{plural} {names}, which is not set",
            hint=f"export {missing[0]}=<database URL>, or give a default in the manifest: "
            f"${{{missing[0]}:-sqlite:///data/app.db}}",
        )
    parsed = _parse(expanded, datastore)
    driver = _DEFAULT_DRIVERS.get(parsed.drivername)
    if driver is not None:
        parsed = parsed.set(drivername=driver)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            if not path.is_absolute():
                parsed = parsed.set(database=os.path.abspath(workspace_root / path))
    return parsed.render_as_string(hide_password=False)


def safe_url(url: str) -> str:
    """The URL with its password masked, fit for a message or a log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(an invalid URL)"


def has_password(url: str) -> bool:
    """True when ``url`` holds a literal password (a ``${VAR}`` template is not one)."""
    try:
        password = make_url(url).password
    except ArgumentError:
        return False
    return bool(password) and _ENV_TEMPLATE.fullmatch(str(password)) is None


def describe_url(url: URL) -> str:
    """``PostgreSQL database `shop` at db.internal:5432``, for messages."""
    backend = url.get_backend_name()
    if backend == "sqlite":
        return f"SQLite database {_sqlite_path(url)}"
    kind = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "mariadb": "MariaDB"}.get(
        backend, backend
    )
    host = url.host or "localhost"
    where = f"{host}:{url.port}" if url.port else host
    user = f" as `{url.username}`" if url.username else ""
    return f"{kind} database `{url.database or ''}` at {where}{user}"


# ---------------------------------------------------------------------------- engines


def open_engine(
    url: str, *, timeout: int, read_only: bool = True, query_timeout: int | None = None,
    create: bool = True,
) -> Engine:
    """An engine on ``url`` (already resolved), checked by opening one connection.

    ``timeout`` bounds connecting (seconds); ``query_timeout``, when given, bounds each
    statement where the driver allows it. With ``read_only`` the database itself refuses
    writes; a read-only SQLite file is never created, nor a writable one with
    ``create=False``. Raises ``DatastoreError`` when the database cannot be reached, with the host
    and database named and the password left out.
    """
    parsed = _parse(url, None)
    backend = parsed.get_backend_name()
    connect_args: dict[str, Any] = {}
    mysql_read_only = False
    if backend == "sqlite":
        connect_args["timeout"] = timeout
        if read_only or not create:
            parsed = _sqlite_mode(parsed, "ro" if read_only else "rw")
    elif backend == "postgresql":
        connect_args["connect_timeout"] = timeout
        options = [str(parsed.query["options"])] if "options" in parsed.query else []
        if read_only:
            options.append("-c default_transaction_read_only=on")
        if query_timeout is not None:
            options.append(f"-c statement_timeout={query_timeout * 1000}")
        if options:
            connect_args["options"] = " ".join(options)
    elif backend in {"mysql", "mariadb"}:
        connect_args["connect_timeout"] = timeout
        if query_timeout is not None:
            connect_args["read_timeout"] = query_timeout
            connect_args["write_timeout"] = query_timeout
        mysql_read_only = read_only
    try:
        engine = create_engine(parsed, connect_args=connect_args, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigurationError(
            f"cannot use {describe_url(parsed)}: {exc}",
            hint="Privet connects to SQLite, PostgreSQL (psycopg) and MySQL/MariaDB (PyMySQL)",
        ) from None
    if mysql_read_only:
        event.listen(engine, "connect", _mysql_session_read_only)
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        engine.dispose()
        raise _connect_error(parsed, exc, timeout, read_only) from None
    return engine


def _sqlite_mode(url: URL, mode: str) -> URL:
    """Open the file read-only (``ro``) or read-write (``rw``), never creating it: a
    mistyped path must fail, not become an empty database."""
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        return url  # an in-memory database is private to the process: nothing to protect
    query = dict(url.query)
    if query.get("uri") in {"true", "1"} or database.startswith("file:"):
        query.update(mode=mode, uri="true")
        return url.set(query=query)
    absolute = os.path.abspath(database)
    query.update(mode=mode, uri="true")
    return url.set(database="file:" + quote(absolute), query=query)


def _sqlite_path(url: URL) -> str:
    database = url.database or ":memory:"
    return unquote(database.removeprefix("file:")) if database.startswith("file:") else database


def _mysql_session_read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET SESSION TRANSACTION READ ONLY")
    finally:
        cursor.close()


def _connect_error(url: URL, exc: DBAPIError, timeout: int, read_only: bool) -> DatastoreError:
    reason = " ".join(str(exc.orig).split()) or type(exc.orig).__name__
    if url.password:
        reason = reason.replace(url.password, "***")
    what = describe_url(url)
    if url.get_backend_name() == "sqlite":
        hint = (f"check that {_sqlite_path(url)} exists and is readable (a relative path in "
                "the manifest is relative to the workspace)")
        hint += "; Privet does not create it (it never creates a database)"
    elif "timeout" in reason.lower() or "timed out" in reason.lower():
        hint = (f"the server did not answer within {timeout}s: check the host, the port and "
                "the firewall, or raise PRIVET_CONNECT_TIMEOUT")
    else:
        hint = ("check that the server is running and reachable from here, and the host, port, "
                "database name and credentials in the URL")
    return DatastoreError(f"cannot connect to {what}: {reason}", hint=hint)


# ---------------------------------------------------------------------------- reflection


@dataclass(frozen=True)
class ColumnSchema:
    name: str
    type: str
    nullable: bool


@dataclass(frozen=True)
class ForeignKeySchema:
    """A foreign key; ``referred_table`` is qualified only outside the default schema."""

    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: dict[str, ColumnSchema]
    primary_key: tuple[str, ...] = ()
    foreign_keys: list[ForeignKeySchema] = field(default_factory=list)
    indexed_column_sets: list[tuple[str, ...]] = field(default_factory=list)

    def is_indexed(self, column: str) -> bool:
        """True when an index, a unique constraint or the primary key starts with ``column``,
        so a lookup by this column alone does not scan the table."""
        return any(columns and columns[0] == column for columns in self.indexed_column_sets)

    def has_column(self, column: str) -> bool:
        return column in self.columns

    def suggest_column(self, column: str) -> str | None:
        return closest(column, self.columns)


@dataclass(frozen=True)
class DatabaseSchema:
    """The tables of a database, keyed by name (qualified outside the default schema)."""

    tables: dict[str, TableSchema]
    default_schema: str | None = None

    def find(self, name: str) -> TableSchema | None:
        """The table ``name`` means: ``orders``, or ``public.orders`` in the default schema."""
        if name in self.tables:
            return self.tables[name]
        schema, _, table = name.rpartition(".")
        if schema and schema == self.default_schema:
            return self.tables.get(table)
        return None

    def suggest_table(self, name: str) -> str | None:
        return closest(name, self.tables)

    def merged(self, other: DatabaseSchema) -> DatabaseSchema:
        return DatabaseSchema({**self.tables, **other.tables}, self.default_schema)


def closest(name: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``name`` was most likely meant to be, for a did-you-mean; or None."""
    options = list(candidates)
    folded = {c.lower(): c for c in options}
    if name.lower() in folded:
        return folded[name.lower()]
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return close[0] if close else None


def _type_name(type_: TypeEngine[Any], engine: Engine) -> str:
    try:
        return str(type_.compile(dialect=engine.dialect))
    except Exception:  # an exotic type is still worth naming
        return type(type_).__name__.upper()


def reflect_schema(engine: Engine, *, schema: str | None = None) -> DatabaseSchema:
    """Tables, columns, keys and indexes of ``schema`` (default: the connection's own).

    One pass per kind of object over the whole schema (SQLAlchemy's ``get_multi_*``), so
    it stays fast on databases with hundreds of tables. Views are left out.
    Raises ``DatastoreError`` when the database refuses.
    """
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            default = inspector.default_schema_name
            target = None if schema is None or schema == default else schema
            if target is not None:
                known = inspector.get_schema_names()
                if target not in known:
                    close = closest(target, known)
                    raise DatastoreError(
                        f"{describe_url(engine.url)} has no schema `{target}`",
                        hint=f"did you mean `{close}`?" if close
                        else f"its schemas: {', '.join(sorted(known))}",
                    )
            columns = inspector.get_multi_columns(schema=target)
            primary_keys = inspector.get_multi_pk_constraint(schema=target)
            foreign_keys = inspector.get_multi_foreign_keys(schema=target)
            indexes = inspector.get_multi_indexes(schema=target)
            uniques = _unique_constraints(inspector, target)
    except SQLAlchemyError as exc:
        raise DatastoreError(
            f"cannot read the schema{f' `{schema}`' if schema else ''} of "
            f"{describe_url(engine.url)}: {_short(exc)}",
            hint="the user in the URL needs the right to read the catalog "
            "(information_schema / pg_catalog)",
        ) from None

    def qualified(schema_name: str | None, table: str) -> str:
        if schema_name is None or schema_name == default:
            return table
        return f"{schema_name}.{table}"

    tables: dict[str, TableSchema] = {}
    for key, table_columns in columns.items():
        schema_name, table_name = key
        pk_constraint = primary_keys.get(key)
        pk = tuple(pk_constraint["constrained_columns"] or ()) if pk_constraint else ()
        indexed: list[tuple[str, ...]] = [pk] if pk else []
        for index in [*indexes.get(key, []), *uniques.get(key, [])]:
            names = tuple(c for c in index.get("column_names") or () if c is not None)
            first = (index.get("column_names") or [None])[0]
            if names and first is not None and names not in indexed:
                indexed.append(names)
        fks = [
            ForeignKeySchema(
                columns=tuple(fk["constrained_columns"]),
                # None: the default schema (PostgreSQL: one on the search path)
                referred_table=qualified(fk.get("referred_schema"), fk["referred_table"]),
                referred_columns=tuple(fk["referred_columns"]),
            )
            for fk in foreign_keys.get(key, [])
        ]
        name = qualified(schema_name, table_name)
        tables[name] = TableSchema(
            name=name,
            columns={
                c["name"]: ColumnSchema(c["name"], _type_name(c["type"], engine),
                                        bool(c.get("nullable", True)))
                for c in table_columns
            },
            primary_key=pk,
            foreign_keys=fks,
            indexed_column_sets=indexed,
        )
    return DatabaseSchema(dict(sorted(tables.items())), default)


def _unique_constraints(inspector: Any, schema: str | None) -> dict[Any, list[Any]]:
    try:
        result: dict[Any, list[Any]] = inspector.get_multi_unique_constraints(schema=schema)
    except NotImplementedError:
        return {}
    return result


def _short(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    return " ".join(str(orig if orig is not None else exc).split())[:300]


def read_schema(
    url: str,
    workspace_root: Path,
    *,
    timeout: int,
    datastore: str | None = None,
    schemas: Iterable[str] = (),
    query_timeout: int | None = None,
) -> DatabaseSchema:
    """Resolve ``url``, open it read-only, reflect its default schema and ``schemas``, close.

    A schema in ``schemas`` that does not exist adds no table. Raises
    ``ConfigurationError`` (unset variable, bad URL) or ``DatastoreError``.
    """
    resolved = resolve_url(url, workspace_root, datastore=datastore)
    engine = open_engine(resolved, timeout=timeout, query_timeout=query_timeout)
    try:
        database = reflect_schema(engine)
        for name in sorted(set(schemas)):
            if name == database.default_schema:
                continue
            try:
                database = database.merged(reflect_schema(engine, schema=name))
            except DatastoreError:
                continue  # no such schema: its tables are missing, and said so by the caller
        return database
    finally:
        engine.dispose()
