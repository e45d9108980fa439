"""The audit log: every state change of Privet, hash-chained so tampering shows.

Other domains call ``append_entry`` inside their own transaction; ``privet audit verify``
checks the chain.
"""

from privet.audit.service import (
    AuditConflict,
    AuditError,
    ChainHead,
    ChainProblem,
    ChainReport,
    append_entry,
    latest_entries,
    verify_chain,
)

__all__ = [
    "AuditConflict",
    "AuditError",
    "ChainHead",
    "ChainProblem",
    "ChainReport",
    "append_entry",
    "latest_entries",
    "verify_chain",
]
