"""Verifying a data subject before anything is disclosed: one-time codes and single-use
signed links.

Codes are 6 to 8 random digits, shown once by :func:`issue_code` (to be emailed) and
stored only as an HMAC keyed with the workspace secret. A check compares in constant time
and counts every attempt; after ``max_attempts`` (5) the code is dead, and a successful
check consumes it. Only the newest code for a (subject_ref, purpose) is live: issuing
another supersedes the older ones. A refused check raises :class:`VerificationFailed`
whatever the reason (wrong, expired, used, superseded, unknown), with the same message, so
that a guesser learns nothing.

A refused check changes the database (the attempt is counted) and then raises: the edge
must commit it, or the count is rolled back with the error and guesses are free.
``VerificationFailed.keeps_changes`` tells ``privet.kit.db.session_scope`` (and the web
session) to commit it.

Links (:func:`issue_link`, :func:`consume_link`) are signed by ``privet.verification.links``
and carry a nonce that must match the newest unconsumed link challenge for their purpose
and subject: a link works once, and a newer link replaces it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from privet.kit.clock import utc_naive
from privet.kit.errors import ConfigurationError, PrivetError
from privet.models.verification import ChallengeKind, Purpose, VerificationChallenge
from privet.verification import repository
from privet.verification.links import LinkExpired, LinkRefused, read_link, sign_link

CODE_TTL = timedelta(minutes=15)
LINK_TTL = timedelta(hours=24)
MAX_ATTEMPTS = 5
CODES_PER_HOUR = 5
LINKS_PER_HOUR = 5
MIN_SECRET_BYTES = 16
_MAX_CODE_INPUT = 64  # anything longer is not a code; do not hash megabytes


class VerificationFailed(PrivetError):
    """A code was refused. The message never says why (wrong, expired, used, unknown)."""

    http_status = 400
    keeps_changes = True  # the refused attempt is counted


class RateLimited(PrivetError):
    """Too many codes or links were sent for one subject in the last hour."""

    http_status = 429


def verification_failed() -> VerificationFailed:
    return VerificationFailed(
        "this code is not valid",
        hint="check the code in the most recent message, or ask for a new code; a code "
             "works once, for 15 minutes, and after 5 wrong tries")


# -------------------------------------------------------------------------------- codes


def issue_code(
    session: Session,
    *,
    secret: str | bytes,
    subject_ref: str,
    purpose: Purpose | str,
    now: datetime | None = None,
    ttl: timedelta = CODE_TTL,
    digits: int = 6,
    max_attempts: int = MAX_ATTEMPTS,
    per_hour: int = CODES_PER_HOUR,
) -> str:
    """A new one-time code for ``purpose`` on ``subject_ref``, valid for ``ttl``. The code
    exists in plain text only in the return value: send it, never store it. Supersedes
    any older code for the same subject and purpose. Raises RateLimited (429) when
    ``per_hour`` codes were already issued for ``subject_ref`` in the last hour."""
    if not 6 <= digits <= 8:
        raise ValueError("a code has 6 to 8 digits")
    key, wanted, moment = _key(secret), Purpose(purpose), utc_naive(now)
    _check_rate(session, subject_ref=subject_ref, kind=ChallengeKind.code, now=moment,
                per_hour=per_hour, what="codes")
    code = f"{secrets.randbelow(10 ** digits):0{digits}d}"
    repository.add_challenge(session, VerificationChallenge(
        subject_ref=subject_ref, purpose=wanted.value, kind=ChallengeKind.code.value,
        code_hash=_digest(key, ChallengeKind.code, wanted, subject_ref, code),
        created_at=moment, expires_at=moment + ttl, attempts=0, max_attempts=max_attempts))
    return code


def check_code(
    session: Session,
    *,
    secret: str | bytes,
    subject_ref: str,
    purpose: Purpose | str,
    code: str,
    now: datetime | None = None,
) -> None:
    """Accept ``code`` once for ``purpose`` on ``subject_ref``, or raise
    VerificationFailed, which the outer edge commits so that a refused check is counted."""
    key, wanted, moment = _key(secret), Purpose(purpose), utc_naive(now)
    typed = "".join(code.split())[:_MAX_CODE_INPUT]  # "123 456" as typed from an email
    candidate = _digest(key, ChallengeKind.code, wanted, subject_ref, typed)
    challenge = repository.newest_challenge(
        session, subject_ref=subject_ref, purpose=wanted.value, kind=ChallengeKind.code.value)
    if challenge is None or challenge.consumed_at is not None or challenge.expires_at <= moment:
        hmac.compare_digest(candidate, _DUMMY_DIGEST)  # as long as a real check takes
        raise verification_failed()
    stored = challenge.code_hash
    if not repository.reserve_attempt(session, challenge):
        hmac.compare_digest(candidate, stored)
        session.flush()
        raise verification_failed()
    if not hmac.compare_digest(candidate, stored):
        session.flush()
        raise verification_failed()
    if not repository.consume(session, challenge, moment):  # used at the same moment
        raise verification_failed()
    session.flush()


# -------------------------------------------------------------------------------- links


def issue_link(
    session: Session,
    *,
    secret: str | bytes,
    subject_ref: str,
    purpose: Purpose | str,
    now: datetime | None = None,
    ttl: timedelta = LINK_TTL,
    per_hour: int = LINKS_PER_HOUR,
) -> str:
    """A signed, single-use token for ``purpose`` on ``subject_ref``, valid for ``ttl``;
    put it in a link. Supersedes any older link for the same subject and purpose. Raises
    RateLimited (429) when ``per_hour`` links were already issued for ``subject_ref``."""
    key, wanted, moment = _key(secret), Purpose(purpose), utc_naive(now)
    _check_rate(session, subject_ref=subject_ref, kind=ChallengeKind.link, now=moment,
                per_hour=per_hour, what="links")
    nonce = secrets.token_urlsafe(16)
    repository.add_challenge(session, VerificationChallenge(
        subject_ref=subject_ref, purpose=wanted.value, kind=ChallengeKind.link.value,
        code_hash=_digest(key, ChallengeKind.link, wanted, subject_ref, nonce),
        created_at=moment, expires_at=moment + ttl, attempts=0, max_attempts=1))
    return sign_link(key, purpose=wanted, subject_ref=subject_ref, nonce=nonce, now=moment)


def consume_link(
    session: Session,
    *,
    secret: str | bytes,
    token: str,
    purpose: Purpose | str,
    now: datetime | None = None,
    max_age: timedelta = LINK_TTL,
    subject_ref: str | None = None,
) -> str:
    """Use the link ``token`` for ``purpose`` once, and return the subject it verifies.
    When ``subject_ref`` is given (the request named in the URL) the link must be for
    it. Raises LinkRefused (403) for a link that is not genuine, is for another purpose or
    another subject; LinkExpired (410) for one that is too old, superseded or used."""
    key, wanted, moment = _key(secret), Purpose(purpose), utc_naive(now)
    claim = read_link(key, token, purpose=wanted, max_age=max_age, now=moment)
    if subject_ref is not None and not hmac.compare_digest(
            claim.subject_ref.encode(), subject_ref.encode()):
        raise LinkRefused("this link is for another request",
                          hint="open the link from the message about this request, or ask "
                               "for a new link")
    challenge = repository.newest_challenge(
        session, subject_ref=claim.subject_ref, purpose=wanted.value,
        kind=ChallengeKind.link.value)
    candidate = _digest(key, ChallengeKind.link, wanted, claim.subject_ref, claim.nonce)
    if (challenge is None or not hmac.compare_digest(candidate, challenge.code_hash)
            or challenge.consumed_at is not None or challenge.expires_at <= moment
            or not repository.consume(session, challenge, moment)):
        raise LinkExpired("this link has already been used, has expired, or a newer one "
                          "was sent", hint="use the most recent link, or ask for a new link")
    session.flush()
    return claim.subject_ref


# ------------------------------------------------------------------------------ helpers


def _check_rate(
    session: Session, *, subject_ref: str, kind: ChallengeKind, now: datetime,
    per_hour: int, what: str,
) -> None:
    count, oldest = repository.issued_since(
        session, subject_ref=subject_ref, kind=kind.value, since=now - timedelta(hours=1))
    if count >= per_hour:
        retry = (oldest or now) + timedelta(hours=1)
        raise RateLimited(
            f"{count} {what} were already sent for this request in the last hour",
            hint=f"use the most recent one, or try again after {retry:%H:%M} UTC")


def _key(secret: str | bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    if len(key) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"the secret key for verification codes and links must be at least "
            f"{MIN_SECRET_BYTES} bytes",
            hint="set PRIVET_SECRET_KEY, e.g. to the output of "
                 "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
    return key


def _digest(key: bytes, kind: ChallengeKind, purpose: Purpose, subject_ref: str,
            value: str) -> str:
    """HMAC-SHA256 of a code or nonce, bound to what it verifies: a row copied onto
    another request, or a code for another purpose, does not match."""
    message = "\x00".join(["privet.verification", kind.value, purpose.value, subject_ref,
                           value])
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


_DUMMY_DIGEST = hashlib.sha256(b"no challenge").hexdigest()


