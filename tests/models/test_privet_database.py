"""Privet's own database: migrations build exactly the models' schema, on SQLite and
PostgreSQL; an out-of-date database is refused; the erasure ledger reads back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner

import privet.models  # noqa: F401 - registers the models
from privet.cli import app
from privet.kit.db import (
    Base,
    create_database_engine,
    current_revision,
    head_revision,
    open_database,
    session_scope,
    upgrade_database,
)
from privet.kit.errors import ConfigurationError
from privet.models import ErasureLedgerEntry, ErasureRecord
from privet.requests.ledger import entries_since

runner = CliRunner()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'privet.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_migrations_build_the_models_schema(database: str) -> None:
    engine = create_database_engine(database)
    try:
        assert current_revision(engine) is None
        upgrade_database(engine)
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection),
                                           Base.metadata)
        assert differences == []
        upgrade_database(engine)  # a second upgrade is harmless
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_the_ledger_reads_back_on_each_database(database: str) -> None:
    sessions = open_database(database)
    recorded = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    with session_scope(sessions) as session:
        record = ErasureRecord(reference="erasure-1", recorded_at=recorded.replace(tzinfo=None),
                               subjects=1, identity_hashes=["ab" * 32])
        record.entries.append(ErasureLedgerEntry(
            datastore="app", table_name="contacts", action="delete", key_columns=["id"],
            keys=[[7], [9]], strategies={}))
        session.add(record)
    with session_scope(sessions) as session:
        found = entries_since(session, recorded - timedelta(minutes=1))
        later = entries_since(session, recorded + timedelta(minutes=1))
        assert [(e.table_name, e.keys) for e in found] == [("contacts", [[7], [9]])]
        assert later == []
    bind = sessions.kw["bind"]
    assert isinstance(bind, sa.Engine)
    bind.dispose()


def test_an_out_of_date_database_is_refused_with_the_fix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'privet.db'}"
    engine = create_database_engine(url)
    upgrade_database(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0000'"))
    engine.dispose()
    with pytest.raises(ConfigurationError) as refused:
        open_database(url)
    assert "schema version 0000" in refused.value.message
    assert refused.value.hint is not None and "privet db upgrade" in refused.value.hint


def test_db_commands(tmp_path: Path) -> None:
    first = runner.invoke(app, ["db", "upgrade", "--dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    assert "upgraded from an empty database" in first.output
    again = runner.invoke(app, ["db", "upgrade", "--dir", str(tmp_path)])
    assert "already at version" in again.output
    current = runner.invoke(app, ["db", "current", "--dir", str(tmp_path)])
    assert f"database: {head_revision()}" in current.output


def test_the_outer_edge_keeps_a_refusal_that_must_count(tmp_path: Path) -> None:
    from privet.kit.errors import PrivetError

    class CountedRefusal(PrivetError):
        keeps_changes = True

    sessions = open_database(f"sqlite:///{tmp_path / 'privet.db'}")

    def record(reference: str, error: PrivetError) -> None:
        with pytest.raises(type(error)), session_scope(sessions) as session:
            session.add(ErasureRecord(reference=reference, recorded_at=datetime(2026, 1, 1),
                                      subjects=1, identity_hashes=[]))
            session.flush()
            raise error

    record("kept", CountedRefusal("refused, and counted"))
    record("dropped", PrivetError("an ordinary error"))
    with session_scope(sessions) as session:
        references = set(session.scalars(sa.select(ErasureRecord.reference)))
    assert references == {"kept"}
