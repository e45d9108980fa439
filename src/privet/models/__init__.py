"""Models of Privet's own database, one file per model."""

from privet.models.erasure_ledger import ErasureLedgerEntry, ErasureRecord

__all__ = ["ErasureLedgerEntry", "ErasureRecord"]
