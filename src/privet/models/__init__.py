"""Models of Privet's own database, one file per model; importing this registers them all."""

from privet.models import (  # noqa: F401 - registers their models
    access_packages,
    accounts,
    audit_log,
    breaches,
    consent,
    data_subject_requests,
    discovery,
    documents,
    jobs,
    outbox,
    retention,
    verification,
)
from privet.models.erasure_ledger import ErasureLedgerEntry, ErasureRecord

__all__ = ["ErasureLedgerEntry", "ErasureRecord"]
