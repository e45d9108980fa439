"""Passwords: the policy, argon2id hashes, and generated passwords.

The policy is the reference one (CNIL recommendation, quoted in the reference privacy
policies): at least 8 characters with a letter, a digit and a special character. Privet
adds an upper bound (1024 characters, so that nobody can make the server hash megabytes)
and refuses a password that is the account's username or email address.

Passwords are compared after Unicode NFKC normalisation, so that the same password typed
on two keyboards (composed or decomposed accents, full-width digits) is the same password.
"""

from __future__ import annotations

import secrets
import string
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 1024
GENERATED_LENGTH = 20
_GENERATED_MIN_LENGTH = 12

# Generated passwords avoid quotes, backslashes and spaces: they are copied from a
# terminal and pasted into shells and forms.
_LETTERS = string.ascii_letters
_DIGITS = string.digits
_SPECIALS = "!#%+-.:=?@^_~"

# The argon2id defaults of argon2-cffi (RFC 9106 "low memory": t=3, m=64 MiB, p=4).
# Changing them here makes every stored hash `needs_rehash`; sign-in upgrades them.
_hasher = PasswordHasher()


def _normalized(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _is_special(character: str) -> bool:
    return not character.isalnum() and not character.isspace()


def check_password_policy(
    password: str, *, username: str | None = None, email: str | None = None
) -> list[str]:
    """Every rule ``password`` breaks, each as an instruction a person can follow; an
    empty list when it may be used."""
    password = _normalized(password)
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"use at least {MIN_LENGTH} characters (this one has {len(password)})")
    if len(password) > MAX_LENGTH:
        problems.append(f"use at most {MAX_LENGTH} characters (this one has {len(password)})")
    if not any(c.isalpha() for c in password):
        problems.append("add a letter")
    if not any(c.isdecimal() for c in password):
        problems.append("add a digit (0-9)")
    if not any(_is_special(c) for c in password):
        problems.append("add a special character, such as ! ? # % - _ or @")
    folded = password.strip().casefold()
    if username and folded == _normalized(username).strip().casefold():
        problems.append("choose a password that is not your username")
    if email:
        address = _normalized(email).strip().casefold()
        if folded in {address, address.partition("@")[0]}:
            problems.append("choose a password that is not your email address")
    return problems


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (random salt; parameters in the string)."""
    return _hasher.hash(_normalized(password))


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from. A malformed hash,
    or a password longer than any the policy allows, is simply not a match."""
    # An accepted password is at most MAX_LENGTH characters once normalised; typed in
    # decomposed form it may be somewhat longer, never four times: refuse before hashing.
    if len(password) > MAX_LENGTH * 4:
        return False
    try:
        return _hasher.verify(password_hash, _normalized(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with other parameters than today's (rehash at sign-in)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def dummy_hash() -> str:
    """A hash of a password nobody knows, made with today's parameters: verifying against
    it takes as long as verifying a real one, so an unknown username cannot be told from a
    wrong password by timing."""
    return hash_password(secrets.token_urlsafe(32))


def generate_password(length: int = GENERATED_LENGTH) -> str:
    """A random password that passes the policy: letters, digits and a few specials that
    are safe to paste into a shell, with at least one of each."""
    if length < _GENERATED_MIN_LENGTH:
        raise ValueError(f"generate at least {_GENERATED_MIN_LENGTH} characters")
    alphabet = _LETTERS + _DIGITS + _SPECIALS
    characters = [secrets.choice(_LETTERS), secrets.choice(_DIGITS), secrets.choice(_SPECIALS)]
    characters += [secrets.choice(alphabet) for _ in range(length - len(characters))]
    secrets.SystemRandom().shuffle(characters)
    return "".join(characters)
