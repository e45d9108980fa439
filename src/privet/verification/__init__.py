"""Verifying a data subject before anything is disclosed: one-time codes and single-use
signed links (see ``service``)."""

from privet.verification.links import LinkClaim, LinkExpired, LinkRefused, read_link, sign_link
from privet.verification.service import (
    RateLimited,
    VerificationFailed,
    check_code,
    consume_link,
    issue_code,
    issue_link,
)

__all__ = [
    "LinkClaim",
    "LinkExpired",
    "LinkRefused",
    "RateLimited",
    "VerificationFailed",
    "check_code",
    "consume_link",
    "issue_code",
    "issue_link",
    "read_link",
    "sign_link",
]
