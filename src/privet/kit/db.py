"""Privet's own database: SQLAlchemy ORM sessions on SQLite (default) or PostgreSQL.

The URL is ``PRIVET_DATABASE_URL``, else ``data/privet.db`` in the workspace. Its schema
is versioned with Alembic (``src/privet/models/migrations``): a new database is brought to
the current version on first use; an older one must be upgraded with ``privet db upgrade``,
so that a deployment never changes a production schema by surprise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from privet.kit.errors import ConfigurationError, PrivetError


class Base(DeclarativeBase):
    """Base of every model of Privet's own database."""


def database_url(workspace_root: Path, configured: str | None) -> str:
    if configured:
        return configured
    path = workspace_root / "data" / "privet.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def create_database_engine(url: str) -> Engine:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _alembic_config() -> Config:
    config = Config()
    location = resources.files("privet.models") / "migrations"
    config.set_main_option("script_location", str(location))
    return config


def head_revision() -> str | None:
    """The schema version this Privet expects."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The schema version of the database (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Apply every migration up to ``revision`` (idempotent)."""
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def open_database(url: str) -> sessionmaker[Session]:
    """A session factory on Privet's database; a new database is created at the current
    version, an out-of-date one is refused with the command that upgrades it."""
    import privet.models  # noqa: F401 - registers every model on Base.metadata

    engine = create_database_engine(url)
    current, head = current_revision(engine), head_revision()
    if current is None:
        upgrade_database(engine)
    elif current != head:
        engine.dispose()
        raise ConfigurationError(
            f"Privet's database is at schema version {current}; this version of Privet "
            f"needs {head}", hint="run `privet db upgrade` (take a backup first)")
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The outer edge: commit on success, roll back on error — except a domain error that
    ``keeps_changes`` (a refused attempt that must count), which is committed, then raised."""
    session = factory()
    try:
        yield session
        session.commit()
    except PrivetError as exc:
        if exc.keeps_changes:
            session.commit()
        else:
            session.rollback()
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose(factory: sessionmaker[Session]) -> None:
    bind = factory.kw.get("bind")
    if isinstance(bind, Engine):
        bind.dispose()
