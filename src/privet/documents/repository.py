"""Queries on published document versions and their change notices (Privet's database)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from privet.models.documents import DocumentVersion, PolicyChangeNotice, PublishedDocument


def add_version(session: Session, version: DocumentVersion) -> None:
    session.add(version)
    session.flush()


def version_by_id(session: Session, version_id: int) -> DocumentVersion | None:
    return session.get(DocumentVersion, version_id)


def version_by_label(session: Session, label: str) -> DocumentVersion | None:
    return session.scalars(select(DocumentVersion).where(DocumentVersion.label == label)
                           ).one_or_none()


def latest_version(session: Session) -> DocumentVersion | None:
    """The version published last."""
    return session.scalars(select(DocumentVersion).order_by(DocumentVersion.id.desc())
                           .limit(1)).first()


def all_versions(session: Session) -> Sequence[DocumentVersion]:
    """Every version, newest first."""
    return session.scalars(select(DocumentVersion).order_by(DocumentVersion.id.desc())).all()


def document(session: Session, version_id: int, name: str) -> PublishedDocument | None:
    return session.scalars(select(PublishedDocument).where(
        PublishedDocument.version_id == version_id, PublishedDocument.name == name)
    ).one_or_none()


def document_names(session: Session, version_id: int) -> list[str]:
    return list(session.scalars(select(PublishedDocument.name).where(
        PublishedDocument.version_id == version_id).order_by(PublishedDocument.name)))


def notified(session: Session, version_id: int) -> set[str]:
    """The addresses already told of a version."""
    return set(session.scalars(select(PolicyChangeNotice.recipient).where(
        PolicyChangeNotice.version_id == version_id)))


def add_notice(session: Session, notice: PolicyChangeNotice) -> None:
    session.add(notice)
    session.flush()

