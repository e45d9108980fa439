"""Manifest conditions → SQLAlchemy expressions, every value a bound parameter."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from privet.kit.errors import ConfigurationError
from privet.manifest.conditions import And, Comparison, Condition, InList, IsNull, Node, Not

_OPERATORS: dict[str, Any] = {
    "=": lambda c, v: c == v,
    "!=": lambda c, v: c != v,
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
}


def condition_clause(condition: Condition, table: sa.Table) -> ColumnElement[bool]:
    """The WHERE clause for ``condition`` on ``table``; unknown columns are an error."""
    missing = sorted(c for c in condition.columns if c not in table.c)
    if missing:
        raise ConfigurationError(
            f"condition `{condition.text}` names column(s) {', '.join(missing)} that table "
            f"`{table.name}` does not have",
            hint=f"columns of {table.name}: {', '.join(table.c.keys())}",
        )
    return _clause(condition.tree, table)


def _clause(node: Node, table: sa.Table) -> ColumnElement[bool]:
    if isinstance(node, Comparison):
        result: ColumnElement[bool] = _OPERATORS[node.operator](table.c[node.column],
                                                                sa.bindparam(None, node.value))
        return result
    if isinstance(node, InList):
        column = table.c[node.column]
        return column.not_in(node.values) if node.negated else column.in_(node.values)
    if isinstance(node, IsNull):
        column = table.c[node.column]
        return column.is_not(None) if node.negated else column.is_(None)
    if isinstance(node, Not):
        return sa.not_(_clause(node.part, table))
    if isinstance(node, And):
        return sa.and_(*(_clause(part, table) for part in node.parts))
    return sa.or_(*(_clause(part, table) for part in node.parts))


def moment_value(column: sa.Column[Any], moment: datetime) -> Any:
    """``moment`` as a value comparable with ``column`` in SQL: UTC, aware for a column with
    a time zone, naive otherwise; a date for a date column; text ``YYYY-MM-DD HH:MM:SS`` for a
    column SQLite keeps as text (it compares such dates as strings)."""
    utc = moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    naive = utc.replace(tzinfo=None)
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        python_type = str
    if python_type is str:
        return naive.strftime("%Y-%m-%d %H:%M:%S")
    if python_type is date:
        return naive.date()
    return utc if getattr(column.type, "timezone", False) else naive
