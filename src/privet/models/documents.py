"""Published versions of the privacy documents, and the change notices sent for them.

A version is written once, by ``privet docs publish``, and never changed: the manifest
that produced it (canonical JSON, re-loadable into a ``Manifest``), every rendered
document, a content hash over both, and how it differs from the version before. The ORM
refuses to update or delete a version or one of its documents, so an archived copy served
at its stable URL is the copy that was published.

A change notice row records that one person was told of one version (unique per version
and address), so a notice job run twice queues each message once. Times are UTC, stored
without a zone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from privet.kit.db import Base
from privet.kit.errors import PrivetError


class ImmutableVersionError(PrivetError):
    """Something tried to change a published version (a programming error)."""

    http_status = 500


class DocumentVersion(Base):
    """One published version of the privacy documents."""

    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(64), unique=True)
    """``policy.version`` of the manifest: the version's name in URLs and commands."""
    effective_date: Mapped[date] = mapped_column(Date())
    published_at: Mapped[datetime] = mapped_column(DateTime(), index=True)
    published_by: Mapped[str] = mapped_column(String(200))
    manifest: Mapped[str] = mapped_column(Text())
    """The manifest as canonical JSON (sorted keys), the form the hash covers."""
    content_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 over the canonical manifest and every rendered document, in name order."""
    previous_label: Mapped[str | None] = mapped_column(String(64))
    material: Mapped[bool] = mapped_column(Boolean())
    """A material change from the previous version (the first version is not one)."""
    summary: Mapped[str] = mapped_column(String(200))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    """The diff from the previous version: ``privet.documents.diff.Change.as_json()`` each."""
    notices_due_at: Mapped[datetime | None] = mapped_column(DateTime())
    """When change notices go out (``effective_date`` less the notice period); None when no
    notice is sent."""
    notice_warning: Mapped[str | None] = mapped_column(Text())
    """Why the notice period could not be respected, if it could not."""
    documents: Mapped[list[PublishedDocument]] = relationship(
        back_populates="version", order_by="PublishedDocument.name")


class PublishedDocument(Base):
    """One rendered document of a version: ``privacy-policy.en.html``, ``cookies.fr.html``..."""

    __tablename__ = "published_documents"
    __table_args__ = (UniqueConstraint("version_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    """The file name ``render_documents`` gave it."""
    document: Mapped[str] = mapped_column(String(64))
    """``privacy-policy``, ``cookies``, ``subprocessors``..."""
    language: Mapped[str] = mapped_column(String(8))
    format: Mapped[str] = mapped_column(String(8))
    """``html`` or ``md``."""
    text: Mapped[str] = mapped_column(Text())
    version: Mapped[DocumentVersion] = relationship(back_populates="documents")


class PolicyChangeNotice(Base):
    """One person told of one version's material changes."""

    __tablename__ = "policy_change_notices"
    __table_args__ = (UniqueConstraint("version_id", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_versions.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(320))
    """The address, lower-cased (one notice per address, however many rows name it)."""
    outbox_message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id"))
    queued_at: Mapped[datetime] = mapped_column(DateTime())


def _refuse_change(_mapper: Mapper[Any], _connection: object, target: object) -> None:
    raise ImmutableVersionError(
        f"a published {type(target).__name__} cannot be changed or deleted",
        hint="publish a new version with a new `policy.version` instead")


for _model in (DocumentVersion, PublishedDocument):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)
