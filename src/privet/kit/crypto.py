"""Keyed hashes shared by the domains that must recognise a person without storing them,
and sealing (AES-256-GCM) for what Privet keeps at rest on a person's behalf."""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12
_SEALED_MAGIC = b"PRVT1"


def identity_hash(secret: bytes, kind: str, value: str) -> str:
    """A keyed hash of one identity (``email``, ``phone``…): the erasure ledger and the
    request workflow can match a person without naming them."""
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class SealBroken(Exception):
    """Sealed bytes were altered, truncated, or sealed under another key or purpose."""


def _sealing_key(secret: bytes, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"privet.seal",
                info=purpose.encode()).derive(secret)


def seal(secret: bytes, purpose: str, data: bytes) -> bytes:
    """``data`` encrypted and authenticated with AES-256-GCM under a key derived from
    ``secret`` for ``purpose`` (e.g. ``package:R-7F3K-2QXD``): bytes sealed for one
    purpose cannot be opened as another's."""
    nonce = os.urandom(_NONCE)
    return _SEALED_MAGIC + nonce + AESGCM(_sealing_key(secret, purpose)).encrypt(
        nonce, data, purpose.encode())


def unseal(secret: bytes, purpose: str, sealed: bytes) -> bytes:
    """The bytes :func:`seal` sealed, or SealBroken."""
    if not sealed.startswith(_SEALED_MAGIC) or len(sealed) < len(_SEALED_MAGIC) + _NONCE + 16:
        raise SealBroken("not sealed by Privet")
    body = sealed[len(_SEALED_MAGIC):]
    try:
        return AESGCM(_sealing_key(secret, purpose)).decrypt(
            body[:_NONCE], body[_NONCE:], purpose.encode())
    except InvalidTag:
        raise SealBroken("the sealed bytes were altered or belong to something else") from None
