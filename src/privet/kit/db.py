"""Privet's own database: SQLAlchemy ORM sessions on SQLite (default) or PostgreSQL.

The URL is ``PRIVET_DATABASE_URL``, else ``data/privet.db`` in the workspace. Tables are
created on first use; versioned migrations (Alembic) take over when the server arrives.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker


class Base(DeclarativeBase):
    """Base of every model of Privet's own database."""


def database_url(workspace_root: Path, configured: str | None) -> str:
    if configured:
        return configured
    path = workspace_root / "data" / "privet.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def open_database(url: str) -> sessionmaker[Session]:
    """A session factory on Privet's database, its tables created if missing."""
    import privet.models  # noqa: F401 - registers every model on Base.metadata

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    Base.metadata.create_all(engine)
    return sessionmaker(engine, expire_on_commit=False)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """The outer edge: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def dispose(factory: sessionmaker[Session]) -> None:
    bind = factory.kw.get("bind")
    if isinstance(bind, Engine):
        bind.dispose()
