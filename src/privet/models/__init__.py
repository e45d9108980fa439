"""Models of Privet's own database, one file per model; importing this registers them all."""

from privet.models import accounts, audit_log, outbox  # noqa: F401 - registers their models
from privet.models.erasure_ledger import ErasureLedgerEntry, ErasureRecord

__all__ = ["ErasureLedgerEntry", "ErasureRecord"]
