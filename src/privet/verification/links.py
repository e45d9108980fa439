"""Signed links: ``itsdangerous`` tokens that carry a purpose, a subject and a nonce.

Each purpose signs with its own salt, so a download link is not a preferences link, and
the subject (a request's reference) is inside the signature, so a link for one request
can never be used for another. A signature proves the link was made by this Privet; that
it is used once is the job of the challenge row its nonce matches
(``privet.verification.service.consume_link``).

Times are passed in (``now``) rather than read from the clock, so expiry is testable
without sleeping; itsdangerous keeps whole seconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from privet.kit.clock import utc_aware
from privet.kit.errors import PrivetError
from privet.models.verification import Purpose

_NEW_LINK = "ask for a new link"


class LinkRefused(PrivetError):
    """A link that was not made by this Privet for this purpose (tampered, truncated, or
    meant for something else)."""

    http_status = 403


class LinkExpired(LinkRefused):
    """A genuine link that is too old, superseded, or already used."""

    http_status = 410


@dataclass(frozen=True)
class LinkClaim:
    """What a valid link says: who it verifies, for what, and its single-use nonce."""

    purpose: Purpose
    subject_ref: str
    nonce: str


class _SignerAt(TimestampSigner):
    """A timestamp signer whose clock is ``now`` (whole seconds, as itsdangerous keeps)."""

    def __init__(self, *args: Any, now: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timestamp = int(utc_aware(now).timestamp())

    def get_timestamp(self) -> int:
        return self._timestamp



def _serializer(secret: str | bytes, purpose: Purpose | str, now: datetime) -> Any:
    return URLSafeTimedSerializer(
        secret, salt=f"privet.verification.link.{Purpose(purpose).value}",
        signer=_SignerAt, signer_kwargs={"now": now, "digest_method": hashlib.sha256})


def sign_link(
    secret: str | bytes, *, purpose: Purpose | str, subject_ref: str, nonce: str,
    now: datetime | None = None,
) -> str:
    """A URL-safe token for ``purpose`` on ``subject_ref``, signed at ``now``."""
    moment = now if now is not None else datetime.now(UTC)
    payload = {"p": Purpose(purpose).value, "s": subject_ref, "n": nonce}
    token: str = _serializer(secret, purpose, moment).dumps(payload)
    return token


def read_link(
    secret: str | bytes, token: str, *, purpose: Purpose | str, max_age: timedelta,
    now: datetime | None = None,
) -> LinkClaim:
    """The claim in ``token`` if it was signed with ``secret`` for ``purpose`` no longer
    than ``max_age`` before ``now``. Raises LinkRefused (403) for a token that is not
    genuine or is for another purpose, LinkExpired (410) for one that is too old."""
    moment = now if now is not None else datetime.now(UTC)
    wanted = Purpose(purpose)
    try:
        payload = _serializer(secret, wanted, moment).loads(
            token, max_age=int(max_age.total_seconds()))
    except SignatureExpired:
        raise LinkExpired("this link has expired", hint=_NEW_LINK) from None
    except (BadData, UnicodeError, ValueError):
        raise _refused() from None
    if not (isinstance(payload, dict) and payload.get("p") == wanted.value
            and isinstance(payload.get("s"), str) and isinstance(payload.get("n"), str)):
        raise _refused()
    return LinkClaim(purpose=wanted, subject_ref=payload["s"], nonce=payload["n"])


def _refused() -> LinkRefused:
    return LinkRefused("this link is not valid here: it may have been cut short when it "
                       "was copied, or be meant for something else", hint=_NEW_LINK)
