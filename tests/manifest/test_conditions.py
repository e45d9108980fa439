"""Conditions from YAML never become SQL text: they parse to a tree and run as bound params."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from privet.datastores.conditions import condition_clause
from privet.kit.errors import ConfigurationError
from privet.manifest.conditions import Condition, ConditionError


@pytest.fixture
def applications(tmp_path: Path) -> tuple[sa.Engine, sa.Table]:
    path = tmp_path / "c.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE job_applications (id INTEGER PRIMARY KEY, status TEXT, "
                   "decided_at TEXT, score INTEGER)")
        db.executemany("INSERT INTO job_applications VALUES (?, ?, ?, ?)", [
            (1, "rejected", "2020-01-01", 3), (2, "hired", "2021-01-01", 9),
            (3, "received", None, 5), (4, "rejected", None, 1), (5, "o'brien", None, 0),
        ])
    engine = sa.create_engine(f"sqlite:///{path}")
    return engine, sa.Table("job_applications", sa.MetaData(), autoload_with=engine)


def matching(setup: tuple[sa.Engine, sa.Table], text: str) -> list[int]:
    engine, table = setup
    query = sa.select(table.c.id).where(condition_clause(Condition.parse(text), table))
    with engine.connect() as connection:
        return sorted(row.id for row in connection.execute(query))


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("status = 'rejected'", [1, 4]),
        ("status = 'rejected' and decided_at is not null", [1]),
        ("status in ('hired', 'received')", [2, 3]),
        ("status not in ('hired', 'received')", [1, 4, 5]),
        ("decided_at is null or score >= 9", [2, 3, 4, 5]),
        ("not (status = 'rejected') and score < 9", [3, 5]),
        ("status != 'rejected' and (score > 4 or decided_at is null)", [2, 3, 5]),
        ("status = 'o''brien'", [5]),
    ],
)
def test_conditions_select_the_rows_they_say(applications: tuple[sa.Engine, sa.Table],
                                             text: str, ids: list[int]) -> None:
    assert matching(applications, text) == ids


def test_a_hostile_value_stays_a_value(applications: tuple[sa.Engine, sa.Table]) -> None:
    assert matching(applications, "status = 'x''; DROP TABLE job_applications; --'") == []
    assert len(matching(applications, "score >= 0")) == 5  # the table is still there


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("status = ", 9),
        ("status; DROP TABLE job_applications", 6),
        ("status = 'a' status = 'b'", 13),
        ("status = null", 0),
        ("(status = 'a'", 13),
        ("select * from x", 7),
        ("status == 'a'", 8),
    ],
)
def test_malformed_conditions_point_at_the_problem(text: str, offset: int) -> None:
    with pytest.raises(ConditionError) as caught:
        Condition.parse(text)
    assert caught.value.offset == offset


def test_unknown_column_is_refused_before_running(
        applications: tuple[sa.Engine, sa.Table]) -> None:
    _engine, table = applications
    with pytest.raises(ConfigurationError, match="decision_date"):
        condition_clause(Condition.parse("decision_date is null"), table)


def test_columns_read_by_a_condition() -> None:
    condition = Condition.parse("a = 1 and (b is null or not c in ('x'))")
    assert condition.columns == {"a", "b", "c"}
