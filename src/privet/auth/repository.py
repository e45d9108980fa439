"""Queries on admin accounts and API keys (Privet's database)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from privet.models.accounts import AdminUser, ApiKey


def user_by_username(session: Session, username: str) -> AdminUser | None:
    return session.scalar(select(AdminUser).where(AdminUser.username == username))


def user_by_id(session: Session, user_id: object) -> AdminUser | None:
    return session.get(AdminUser, user_id) if isinstance(user_id, int) else None


def users(session: Session) -> Sequence[AdminUser]:
    return session.scalars(select(AdminUser).order_by(AdminUser.username)).all()


def add_user(session: Session, user: AdminUser) -> AdminUser:
    session.add(user)
    session.flush()
    return user


def count_failed_login(session: Session, user: AdminUser) -> int:
    """Add one to the user's failures in a row and return the new count. The increment is
    done by the database, so that two attempts at the same moment both count."""
    count = session.execute(
        update(AdminUser)
        .where(AdminUser.id == user.id)
        .values(failed_attempts=AdminUser.failed_attempts + 1)
        .returning(AdminUser.failed_attempts)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(user, "failed_attempts", count)
    return int(count)


def api_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def api_key_prefix_taken(session: Session, prefix: str) -> bool:
    return bool(session.scalar(select(exists().where(ApiKey.prefix == prefix))))


def api_keys(session: Session) -> Sequence[ApiKey]:
    return session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)).all()


def add_api_key(session: Session, key: ApiKey) -> ApiKey:
    session.add(key)
    session.flush()
    return key


def touch_api_key(session: Session, key: ApiKey, now: datetime) -> None:
    key.last_used_at = now
    session.flush()
