"""Identity verification challenges: one-time codes and single-use signed links.

A challenge proves that the person acting on a data subject request (``subject_ref``, the
request's reference) controls the address the code or link was sent to, before anything
is disclosed. Neither the code nor the link's nonce is stored: only an HMAC of it, keyed
with the workspace secret, so a copy of the database alone cannot be used to guess them.
The rules are in ``privet.verification.service``. Times are UTC, stored without a zone so
every database compares them the same way.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from privet.kit.db import Base


class Purpose(StrEnum):
    """What a verified person may then do."""

    verify_request = "verify_request"
    download = "download"
    preferences = "preferences"
    status = "status"
    """A person's link to follow their request (signed, reusable, never stored)."""


class ChallengeKind(StrEnum):
    """A code typed by the person, or the nonce of a signed link they follow."""

    code = "code"
    link = "link"


PURPOSE_CHECK = "purpose IN ('verify_request', 'download', 'preferences')"
KIND_CHECK = "kind IN ('code', 'link')"


class VerificationChallenge(Base):
    """One code or link sent to a data subject. Only the newest challenge of a kind for a
    (subject_ref, purpose) is live: issuing another supersedes the older ones."""

    __tablename__ = "verification_challenges"
    __table_args__ = (
        CheckConstraint(PURPOSE_CHECK, name="ck_verification_challenges_purpose"),
        CheckConstraint(KIND_CHECK, name="ck_verification_challenges_kind"),
        Index("ix_verification_challenges_subject", "subject_ref", "purpose", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_ref: Mapped[str] = mapped_column(String(64))
    """What is being verified, e.g. a data subject request's reference."""
    purpose: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(8))
    code_hash: Mapped[str] = mapped_column(String(64))
    """HMAC-SHA256 (hex) of the code or nonce, bound to kind, purpose and subject_ref."""
    created_at: Mapped[datetime] = mapped_column(DateTime())
    expires_at: Mapped[datetime] = mapped_column(DateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Checks made against this challenge; none is allowed once it reaches max_attempts."""
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime())
