"""Admin accounts and API keys: creating them, signing in, and what a principal may do.

Every function takes the session as a keyword argument and flushes; the caller (the outer
edge: a CLI command, a web request) commits. One exception to "roll back on error":
a refused sign-in changes the failure count, and that change must be kept, or lockout
would never happen. ``AuthenticationError.keeps_changes`` tells the outer edge
(``privet.kit.db.session_scope``, the web session) to commit it.

Throttling: after 5 failed sign-ins in a row an account is locked for 15 minutes; each
further failure once the lock has passed locks it again for twice as long, up to 24 hours.
A successful sign-in (or a password reset by an admin) clears the count. Attempts during a
lock are refused without checking the password and do not extend the lock.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from privet.auth import repository
from privet.auth.passwords import (
    check_password_policy,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from privet.kit.clock import utc_naive
from privet.kit.errors import PrivetError
from privet.models.accounts import AdminUser, ApiKey, Role

LOCKOUT_AFTER = 5
LOCKOUT_FIRST = timedelta(minutes=15)
LOCKOUT_LONGEST = timedelta(hours=24)
# last_used_at is for people ("is this key still used?"), not an access log: writing it on
# every API call would turn each read into a write.
API_KEY_USE_RESOLUTION = timedelta(minutes=1)

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SCOPE = re.compile(r"[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*")
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits
_PREFIX_LENGTH = 8
_SECRET_LENGTH = 40  # log2(62) * 40 ≈ 238 bits
_API_KEY = re.compile(rf"pk_([a-z0-9]{{{_PREFIX_LENGTH}}})_[A-Za-z0-9]{{{_SECRET_LENGTH}}}")
_RANK = {Role.viewer: 0, Role.privacy_officer: 1, Role.admin: 2}


# ------------------------------------------------------------------------------- errors


class AuthenticationError(PrivetError):
    """Who is asking could not be established: unknown user, wrong password, locked or
    disabled account, bad API key. Deliberately the same message for each."""

    http_status = 401
    keeps_changes = True  # a failed sign-in is counted towards the lockout


class AuthorizationError(PrivetError):
    """Who is asking is known, and may not do this."""

    http_status = 403


class PolicyError(PrivetError):
    """A password breaks the password policy; ``problems`` lists every broken rule."""

    http_status = 422

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__(
            "the password does not meet the policy: " + "; ".join(problems),
            hint="at least 8 characters with a letter, a digit and a special character; "
            "or let Privet generate one (--generate)",
        )
        self.problems = list(problems)


class InvalidAccountError(PrivetError):
    """A username, email address, role, key name or scope is not acceptable."""

    http_status = 422


class UserExistsError(PrivetError):
    http_status = 409


class UnknownUserError(PrivetError):
    http_status = 404


class UnknownApiKeyError(PrivetError):
    http_status = 404


# ---------------------------------------------------------------------------- principals


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in person or an API key, with the role it acts under."""

    kind: Literal["user", "api_key"]
    id: int
    name: str
    role: Role
    scopes: frozenset[str] | None = None
    """An API key's scopes; None for a person, who may do all their role allows."""

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


@dataclass(frozen=True)
class NewApiKey:
    """A key just created. ``key`` exists in plain text only here: show it once."""

    key: str
    prefix: str
    name: str
    role: Role
    scopes: tuple[str, ...]


def require_role(principal: Principal | None, *, at_least: Role) -> Principal:
    """``principal`` if its role is ``at_least`` or higher (admin > privacy_officer >
    viewer); AuthenticationError (401) without one, AuthorizationError (403) if too low."""
    if principal is None:
        raise AuthenticationError("sign in first", hint="sign in, or send an API key")
    if _RANK[principal.role] < _RANK[Role(at_least)]:
        raise AuthorizationError(
            f"this needs the {Role(at_least).value} role or higher; {principal.name} has "
            f"the {principal.role.value} role", hint="ask an admin for a higher role")
    return principal


def require_scope(principal: Principal | None, scope: str) -> Principal:
    """``principal`` if it may act on ``scope`` (people: always; API keys: when granted)."""
    if principal is None:
        raise AuthenticationError("sign in first", hint="sign in, or send an API key")
    if not principal.has_scope(scope):
        raise AuthorizationError(
            f"the API key {principal.name} does not have the scope {scope}",
            hint=f"create a key with --scope {scope}")
    return principal


# ----------------------------------------------------------------------------- accounts


def create_user(
    username: str,
    email: str,
    role: Role | str,
    password: str,
    *,
    session: Session,
    now: datetime | None = None,
) -> AdminUser:
    """A new admin account. Raises InvalidAccountError, UserExistsError, or PolicyError
    listing every rule the password breaks."""
    name = _valid_username(username)
    address = _valid_email(email)
    granted = _valid_role(role)
    if repository.user_by_username(session, name) is not None:
        raise UserExistsError(f"there is already a user {name}",
                              hint="choose another username, or `privet users passwd` theirs")
    problems = check_password_policy(password, username=name, email=address)
    if problems:
        raise PolicyError(problems)
    return repository.add_user(session, AdminUser(
        username=name, email=address, password_hash=hash_password(password),
        role=granted.value, created_at=utc_naive(now), failed_attempts=0, disabled=False))


def list_users(*, session: Session) -> Sequence[AdminUser]:
    return repository.users(session)


def authenticate(
    username: str, password: str, *, session: Session, now: datetime | None = None
) -> Principal:
    """The signed-in person, or AuthenticationError: the same error, after about the same
    time, whether the user is unknown, the password wrong, or the account locked or
    disabled. The outer edge commits the failure count (``keeps_changes``)."""
    moment = utc_naive(now)
    user = repository.user_by_username(session, username.strip().lower())
    if user is None or user.disabled or _locked(user, moment):
        verify_password(password, dummy_hash())  # as long as a real check takes
        raise _sign_in_refused()
    if not verify_password(password, user.password_hash):
        failures = repository.count_failed_login(session, user)
        lock = lockout_for(failures)
        if lock is not None:
            user.locked_until = moment + lock
        session.flush()
        raise _sign_in_refused()
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = moment
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return Principal(kind="user", id=user.id, name=user.username, role=Role(user.role))


def lockout_for(failures: int) -> timedelta | None:
    """How long an account is locked after ``failures`` failed sign-ins in a row."""
    if failures < LOCKOUT_AFTER:
        return None
    doublings = min(failures - LOCKOUT_AFTER, 16)  # 15 min · 2¹⁶ is far past the cap
    return min(LOCKOUT_FIRST * (1 << doublings), LOCKOUT_LONGEST)


def change_password(
    username: str,
    new_password: str,
    *,
    session: Session,
    current_password: str | None = None,
    now: datetime | None = None,
) -> AdminUser:
    """Set a new password (it must meet the policy) and clear any lock. With
    ``current_password`` (a person changing their own) that is checked first, throttled
    like a sign-in; without it, this is an admin's reset."""
    if current_password is not None:
        authenticate(username, current_password, session=session, now=now)
    user = _existing_user(session, username)
    problems = check_password_policy(new_password, username=user.username, email=user.email)
    if problems:
        raise PolicyError(problems)
    user.password_hash = hash_password(new_password)
    user.failed_attempts = 0
    user.locked_until = None
    session.flush()
    return user


def unlock_user(username: str, *, session: Session) -> AdminUser:
    """Clear the failure count and any lock (an admin who has checked who is asking)."""
    user = _existing_user(session, username)
    user.failed_attempts = 0
    user.locked_until = None
    session.flush()
    return user


# ----------------------------------------------------------------------------- API keys


def create_api_key(
    name: str,
    role: Role | str,
    scopes: Iterable[str],
    *,
    session: Session,
    now: datetime | None = None,
) -> NewApiKey:
    """A new API key ``pk_<prefix>_<secret>``. Only its SHA-256 digest is stored: the
    returned key is the only copy."""
    label = name.strip()
    if not label or len(label) > 200:
        raise InvalidAccountError("an API key needs a name of 1 to 200 characters",
                                  hint="say who or what uses it, e.g. `helpdesk-export`")
    granted = _valid_role(role)
    wanted = sorted({scope.strip() for scope in scopes})
    if not wanted:
        raise InvalidAccountError("an API key needs at least one scope",
                                  hint="e.g. --scope requests:read")
    malformed = [scope for scope in wanted if not _SCOPE.fullmatch(scope)]
    if malformed:
        raise InvalidAccountError(f"not a scope: {', '.join(malformed)}",
                                  hint="a scope is RESOURCE:ACTION, e.g. requests:read")
    prefix = _new_prefix(session)
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(_SECRET_LENGTH))
    key = f"pk_{prefix}_{secret}"
    repository.add_api_key(session, ApiKey(
        name=label, prefix=prefix, key_hash=_digest(key), scopes=wanted, role=granted.value,
        created_at=utc_naive(now)))
    return NewApiKey(key=key, prefix=prefix, name=label, role=granted, scopes=tuple(wanted))


def authenticate_api_key(
    key: str, *, session: Session, now: datetime | None = None
) -> Principal:
    """The key's principal, or AuthenticationError: the same one for a malformed, unknown,
    tampered or revoked key."""
    match = _API_KEY.fullmatch(key.strip())
    if match is None:
        raise _key_refused()
    # The prefix is not secret (it is listed for people to recognise keys), so finding the
    # row by it reveals nothing; the whole key's digest is compared in constant time.
    row = repository.api_key_by_prefix(session, match[1])
    if (row is None or row.revoked_at is not None
            or not hmac.compare_digest(row.key_hash, _digest(key.strip()))):
        raise _key_refused()
    moment = utc_naive(now)
    if row.last_used_at is None or moment - row.last_used_at >= API_KEY_USE_RESOLUTION:
        repository.touch_api_key(session, row, moment)
    return Principal(kind="api_key", id=row.id, name=row.name, role=Role(row.role),
                     scopes=frozenset(row.scopes))


def revoke_api_key(prefix: str, *, session: Session, now: datetime | None = None) -> ApiKey:
    """Refuse the key from now on (revoking twice keeps the first date). ``prefix`` may
    also be the whole key."""
    wanted = prefix.strip()
    if wanted.startswith("pk_"):
        wanted = wanted[3:3 + _PREFIX_LENGTH]
    row = repository.api_key_by_prefix(session, wanted)
    if row is None:
        raise UnknownApiKeyError(f"no API key has the prefix {wanted}",
                                 hint="`privet users keys` lists the keys and their prefixes")
    if row.revoked_at is None:
        row.revoked_at = utc_naive(now)
        session.flush()
    return row


def list_api_keys(*, session: Session) -> Sequence[ApiKey]:
    return repository.api_keys(session)


# ------------------------------------------------------------------------------ helpers




def _locked(user: AdminUser, moment: datetime) -> bool:
    return user.locked_until is not None and moment < user.locked_until


def _sign_in_refused() -> AuthenticationError:
    return AuthenticationError(
        "wrong username or password",
        hint=f"after {LOCKOUT_AFTER} failed attempts in a row an account is locked for "
        f"{LOCKOUT_FIRST.seconds // 60} minutes or more; an admin can unlock it "
        "(`privet users unlock USERNAME`)")


def _key_refused() -> AuthenticationError:
    return AuthenticationError("the API key is not valid",
                               hint="check the key, or ask an admin for a new one")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_prefix(session: Session) -> str:
    # 36⁸ ≈ 2.8·10¹² prefixes: a clash is rare, and simply drawn again.
    while True:
        prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(_PREFIX_LENGTH))
        if not repository.api_key_prefix_taken(session, prefix):
            return prefix


def _existing_user(session: Session, username: str) -> AdminUser:
    user = repository.user_by_username(session, username.strip().lower())
    if user is None:
        raise UnknownUserError(f"there is no user {username}",
                               hint="`privet users list` shows the users")
    return user


def _valid_username(username: str) -> str:
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise InvalidAccountError(
            f"`{username}` cannot be a username",
            hint="use 1 to 64 letters, digits, dots, dashes or underscores, starting with a "
            "letter or digit")
    return name


def _valid_email(email: str) -> str:
    address = email.strip()
    if len(address) > 320 or not _EMAIL.fullmatch(address):
        raise InvalidAccountError(f"`{email}` is not an email address",
                                  hint="e.g. dpo@example.com")
    return address


def _valid_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidAccountError(
            f"there is no role `{role}`",
            hint=f"one of {', '.join(r.value for r in Role)}") from None
