"""Access packages: the zip a person downloads, encrypted at rest.

The file lives in the workspace (``data/packages/``), sealed with AES-GCM under a key
derived from the workspace secret and bound to the request; this row says where it is,
how to check it, and until when it may be downloaded. ``link_nonce`` is part of every
download link: a package built again gets a new nonce, and the older links stop working.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from privet.kit.db import Base


class AccessPackage(Base):
    """The encrypted access package of one request."""

    __tablename__ = "access_packages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    """The request's reference."""
    filename: Mapped[str] = mapped_column(String(200))
    """The name the person's browser saves it under."""
    stored_as: Mapped[str] = mapped_column(String(300))
    """Path of the sealed file, relative to the workspace."""
    size: Mapped[int] = mapped_column(Integer)
    """Bytes of the zip before sealing."""
    sha256: Mapped[str] = mapped_column(String(64))
    """Of the zip before sealing: checked after opening."""
    link_nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime())
    expires_at: Mapped[datetime] = mapped_column(DateTime())
    downloads: Mapped[int] = mapped_column(Integer, default=0)
    last_downloaded_at: Mapped[datetime | None] = mapped_column(DateTime())
