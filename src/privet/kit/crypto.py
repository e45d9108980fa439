"""Keyed hashes shared by the domains that must recognise a person without storing them."""

from __future__ import annotations

import hashlib
import hmac


def identity_hash(secret: bytes, kind: str, value: str) -> str:
    """A keyed hash of one identity (``email``, ``phone``…): the erasure ledger and the
    request workflow can match a person without naming them."""
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
