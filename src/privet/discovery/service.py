"""A discovery scan from end to end: scan the datastores, hold the result against the
manifest (and the retention rules), keep the report in Privet's database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from privet.discovery import repository
from privet.discovery.findings import Finding, hold_against
from privet.discovery.nlp import person_names
from privet.discovery.scanner import Progress, ScanResult, scan_datastores
from privet.kit.errors import PrivetError
from privet.manifest.schema import Manifest
from privet.models.discovery import DiscoveryScan
from privet.requests.engine import ConnectedDatastores
from privet.retention import service as retention


class ScanNotFound(PrivetError):
    http_status = 404


@dataclass(frozen=True)
class ScanReport:
    result: ScanResult
    findings: list[Finding]
    started_at: datetime

    @property
    def broken_promises(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    def as_json(self) -> dict[str, Any]:
        result = self.result
        return {
            "scan": {"started_at": self.started_at.isoformat(sep=" ", timespec="seconds"),
                     "seconds": round(result.seconds, 3), "sample_rows": result.sample_rows,
                     "full": result.sample_rows is None, "columns": len(result.columns),
                     "model": result.model,
                     "values": result.values, "bytes": result.bytes,
                     "broken_promises": self.broken_promises,
                     "failures": result.failures},
            "findings": [f.as_json() for f in self.findings],
            "columns": [{"datastore": c.datastore, "table": c.table, "column": c.column,
                         "rows": c.rows, "free_text": c.free_text,
                         "found": [{"detector": t.detector, "value_type": t.value_type,
                                    "category": t.category, "rows": t.rows, "share": t.share,
                                    "confidence": t.confidence, "examples": list(t.examples)}
                                   for t in c.found]}
                        for c in result.columns if c.found],
        }


def scan(manifest: Manifest, datastores: ConnectedDatastores, session: Session, *,
         now: datetime, sample: int | None, progress: Progress | None = None,
         nlp: bool = False) -> ScanReport:
    """Scan (read-only), then the findings; rows past retention come from the retention
    plan (counted, nothing changed). With ``nlp``, the NLP extra's model also looks for
    person names in free text (NlpUnavailable when the extra is not installed)."""
    names = person_names() if nlp else None
    result = scan_datastores(datastores, sample=sample, progress=progress, names=names)
    overdue = (retention.plan(manifest, datastores, session, as_of=now)
               if manifest.retention else None)
    return ScanReport(result, hold_against(manifest, result, overdue), now)


def record(session: Session, report: ScanReport, *, actor: str) -> DiscoveryScan:
    """Keep the report (in the caller's transaction)."""
    stored = DiscoveryScan(
        started_at=report.started_at, seconds=report.result.seconds, actor=actor,
        sample_rows=report.result.sample_rows, full=report.result.sample_rows is None,
        columns_scanned=len(report.result.columns), values_scanned=report.result.values,
        bytes_scanned=report.result.bytes, broken_promises=report.broken_promises,
        report=report.as_json())
    repository.add_scan(session, stored)
    return stored


def latest_scans(session: Session, *, limit: int = 10) -> Sequence[DiscoveryScan]:
    return repository.latest_scans(session, limit)


def get_scan(session: Session, scan_id: int) -> DiscoveryScan:
    found = repository.get_scan(session, scan_id) if 0 < scan_id < 2**63 else None
    if found is None:
        raise ScanNotFound(f"no discovery scan #{scan_id}",
                           hint="`privet scan` records one; /admin/discovery lists them")
    return found
