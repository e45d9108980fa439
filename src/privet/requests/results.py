"""What a data subject request found and did, as plain immutable data.

The executor produces these; the access package, the CLI report and (later) the request
workflow read them. Values are exactly what the datastore returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class FoundRows:
    """One table's rows that belong to the person."""

    datastore: str
    table: str
    key_columns: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    categories: Mapping[str, tuple[str, ...]]
    """Categories of each declared column (keys and links have none)."""
    reached_by: tuple[str, ...]
    """How the rows were found: `identity email`, `foreign key orders.contact_id → contacts`."""

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class DatastoreFailure:
    datastore: str
    message: str


@dataclass(frozen=True)
class AccessResult:
    """Everything found for one person (or one batch of people)."""

    identities: Mapping[str, tuple[str, ...]]
    found: tuple[FoundRows, ...]
    completed: tuple[str, ...]
    failures: tuple[DatastoreFailure, ...]
    generated_at: datetime

    @property
    def row_count(self) -> int:
        return sum(len(f.rows) for f in self.found)


@dataclass(frozen=True)
class TableChange:
    """What a request changed in one table."""

    datastore: str
    table: str
    deleted: int = 0
    masked: int = 0
    held: int = 0
    """Rows kept under a legal hold (their non-held fields masked)."""
    unlinked: int = 0
    """Rows kept whose link to a deleted row was cleared."""
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChangeReport:
    """The outcome of an erasure, rectification, restriction or objection."""

    action: str
    dry_run: bool
    changes: tuple[TableChange, ...]
    completed: tuple[str, ...]
    failures: tuple[DatastoreFailure, ...]
    finished_at: datetime
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def rows_changed(self) -> int:
        """Rows deleted or updated (masked, kept under a hold with fields masked, unlinked)."""
        return sum(c.deleted + c.masked + c.held + c.unlinked for c in self.changes)


@dataclass(frozen=True)
class CustomerContact:
    """Processor mode: a customer whose data a request touched, and how to reach them."""

    key: str
    name: str | None
    email: str | None
    webhook_url: str | None
