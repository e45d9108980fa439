"""Admin accounts and API keys: who may use Privet's admin pages, CLI and API.

Passwords are stored only as argon2id hashes and API keys only as SHA-256 digests; the
rules (policy, throttling, roles) are in ``privet.auth.service``. Times are UTC, stored
without a zone so every database compares them the same way.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from privet.kit.db import Base


class Role(StrEnum):
    """What a person or key may do, from most to least: admin > privacy_officer > viewer."""

    admin = "admin"
    privacy_officer = "privacy_officer"
    viewer = "viewer"


_ROLE_CHECK = "role IN ('admin', 'privacy_officer', 'viewer')"


class AdminUser(Base):
    """A person who signs in to Privet's admin pages."""

    __tablename__ = "admin_users"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="ck_admin_users_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    """Lower case: ``Alice`` and ``alice`` are the same person."""
    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(255))
    """argon2id, in the PHC string format (parameters and salt included)."""
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime())
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Failed sign-ins in a row; reset by a successful one."""
    locked_until: Mapped[datetime | None] = mapped_column(DateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiKey(Base):
    """A key for the API: ``pk_<prefix>_<secret>``, shown once when it is created.

    Only the SHA-256 digest of the whole key is kept. A fast hash is enough here, unlike
    for passwords: the secret is 40 random characters (about 238 bits), so guessing it from
    the digest is hopeless however fast each guess is, and a slow hash would only add
    latency to every API call.
    """

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint(_ROLE_CHECK, name="ck_api_keys_role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(8), unique=True)
    """Not secret: shown in lists so that a key can be recognised and revoked."""
    key_hash: Mapped[str] = mapped_column(String(64))
    """Hex SHA-256 of the whole key."""
    scopes: Mapped[list[str]] = mapped_column(JSON)
    """e.g. ``["requests:read", "requests:write"]``."""
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime())
