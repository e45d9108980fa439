"""Queries on the erasure ledger (Privet's database)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from privet.kit.clock import utc_naive
from privet.kit.crypto import identity_hash
from privet.models import ErasureLedgerEntry, ErasureRecord
from privet.requests.changes import TablePlan

_PLAIN = (int, str)


def _json_key(key: Sequence[Any]) -> list[Any]:
    if all(type(part) in _PLAIN for part in key):
        return list(key)  # the usual integer or text key needs no round trip
    restored: list[Any] = json.loads(json.dumps(list(key), default=str))
    return restored


def record_erasure(
    session: Session,
    *,
    reference: str,
    recorded_at: datetime,
    identities: Mapping[str, Sequence[str]],
    subjects: int,
    secret: bytes,
    datastore: str,
    plans: Sequence[TablePlan],
) -> int | None:
    """Write what ``plans`` erase in ``datastore`` under the request ``reference``; return
    the record's id (None when nothing is erased)."""
    entries: list[dict[str, Any]] = []
    for plan in plans:
        table = plan.table.fullname
        if plan.delete:
            entries.append({"datastore": datastore, "table_name": table, "action": "delete",
                            "key_columns": list(plan.key_columns),
                            "keys": [_json_key(k) for k in plan.delete], "strategies": {}})
        groups: dict[tuple[str, ...], list[list[Any]]] = defaultdict(list)
        for key, changes in plan.updates.items():
            groups[tuple(sorted(changes))].append(_json_key(key))
        for fields, keys in groups.items():
            entries.append({"datastore": datastore, "table_name": table, "action": "mask",
                            "key_columns": list(plan.key_columns), "keys": keys,
                            "strategies": {name: _strategy(plan, name) for name in fields}})
    if not entries:
        return None
    record_id = session.scalar(select(ErasureRecord.id)
                               .where(ErasureRecord.reference == reference))
    if record_id is None:
        hashes = sorted({identity_hash(secret, kind, value)
                         for kind, values in identities.items() for value in values})
        record = ErasureRecord(reference=reference, recorded_at=utc_naive(recorded_at),
                               subjects=subjects, identity_hashes=hashes)
        session.add(record)
        session.flush()
        record_id = record.id
    session.execute(insert(ErasureLedgerEntry),
                    [{**entry, "record_id": record_id} for entry in entries])
    return record_id


def _strategy(plan: TablePlan, name: str) -> dict[str, Any]:
    """The strategy to apply again on replay: the field's, or nullify for a cleared link."""
    declared = plan.declared_fields.get(name)
    erasure = declared.effective_erasure if declared is not None else None
    if erasure is None:
        return {"strategy": "nullify"}
    return {"strategy": erasure.strategy.value, "value": erasure.value}


def discard_entries(session: Session, record_id: int, datastore: str) -> None:
    """Forget ``datastore``'s entries of a record (its transaction was rolled back)."""
    session.execute(delete(ErasureLedgerEntry).where(
        ErasureLedgerEntry.record_id == record_id, ErasureLedgerEntry.datastore == datastore))
    left = session.scalar(select(ErasureLedgerEntry.id)
                          .where(ErasureLedgerEntry.record_id == record_id).limit(1))
    if left is None:
        session.execute(delete(ErasureRecord).where(ErasureRecord.id == record_id))


def entries_since(session: Session, since: datetime) -> list[ErasureLedgerEntry]:
    """Every entry of erasures recorded at or after ``since``, in the order they ran."""
    query = (select(ErasureLedgerEntry).join(ErasureRecord)
             .where(ErasureRecord.recorded_at >= utc_naive(since))
             .order_by(ErasureLedgerEntry.id))
    return list(session.scalars(query))


def find_records(session: Session, secret: bytes, kind: str, value: str) -> list[ErasureRecord]:
    """Erasures recorded for one identity (the ledger answers "was X erased?")."""
    wanted = identity_hash(secret, kind, value)
    records = session.scalars(select(ErasureRecord).order_by(ErasureRecord.id))
    return [r for r in records if wanted in r.identity_hashes]


def erasure_counts(session: Session, reference: str) -> dict[str, int]:
    """Rows deleted and masked by the erasure ``reference``, each row counted once however
    often the erasure was run (a run resumed after a crash records its rows again)."""
    record_id = session.scalar(select(ErasureRecord.id)
                               .where(ErasureRecord.reference == reference))
    counts = {"rows_deleted": 0, "rows_masked": 0}
    if record_id is None:
        return counts
    seen: dict[str, set[tuple[str, str, str]]] = {"delete": set(), "mask": set()}
    for entry in session.scalars(select(ErasureLedgerEntry)
                                 .where(ErasureLedgerEntry.record_id == record_id)):
        for key in entry.keys:
            seen.setdefault(entry.action, set()).add(
                (entry.datastore, entry.table_name, json.dumps(key, default=str)))
    counts["rows_deleted"] = len(seen["delete"])
    counts["rows_masked"] = len(seen["mask"] - {k for k in seen["delete"]})
    return counts
