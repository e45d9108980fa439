"""Access packages at rest and the signed links that download them.

The zip is sealed (AES-256-GCM, ``privet.kit.crypto.seal``) under a key bound to the
request's reference and written to ``data/packages/`` in the workspace; a copy of the disk
alone reveals nothing. A download link is signed for the ``download`` purpose and the
request's reference, carries the package's ``link_nonce`` and expires after
``requests.package_link_days``: a link for one request cannot open another's package, a
tampered link is refused, and a rebuilt package invalidates older links. A link works as
many times as the person needs until it expires; each download is counted.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from privet.kit.clock import utc_naive
from privet.kit.crypto import SealBroken, seal, unseal
from privet.kit.errors import PrivetError
from privet.models.access_packages import AccessPackage
from privet.models.verification import Purpose
from privet.verification.links import LinkExpired, LinkRefused, read_link, sign_link

PACKAGE_FOLDER = Path("data") / "packages"


class PackageUnavailable(PrivetError):
    """There is no package to download for this request (not ready, or removed)."""

    http_status = 404


@dataclass(frozen=True)
class StoredPackage:
    package: AccessPackage
    token: str
    """The signed token of the download link."""




def _purpose(reference: str) -> str:
    return f"package:{reference}"


def package_by_reference(session: Session, reference: str) -> AccessPackage | None:
    return session.scalars(
        select(AccessPackage).where(AccessPackage.reference == reference)).one_or_none()


def store_package(session: Session, *, root: Path, secret: bytes, reference: str,
                  filename: str, content: bytes, now: datetime,
                  valid_for: timedelta) -> StoredPackage:
    """Seal ``content`` to disk (written whole, then renamed into place) and record it;
    building the package again replaces the file and the link."""
    moment = utc_naive(now)
    relative = PACKAGE_FOLDER / f"{reference}.zip.sealed"
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(seal(secret, _purpose(reference), content))
    os.replace(partial, path)
    package = package_by_reference(session, reference)
    if package is None:
        package = AccessPackage(reference=reference, downloads=0)
        session.add(package)
    package.filename = filename
    package.stored_as = relative.as_posix()
    package.size = len(content)
    package.sha256 = hashlib.sha256(content).hexdigest()
    package.link_nonce = secrets.token_urlsafe(16)
    package.created_at = moment
    package.expires_at = moment + valid_for
    session.flush()
    return StoredPackage(package, _download_token(secret, package))


def _download_token(secret: bytes, package: AccessPackage) -> str:
    return sign_link(secret, purpose=Purpose.download, subject_ref=package.reference,
                     nonce=package.link_nonce, now=package.created_at)


def current_download_token(session: Session, *, secret: bytes, reference: str,
                           now: datetime) -> str | None:
    """The token of the download link emailed for ``reference``'s package (the same
    signature, made again from the package row), or None when there is no package or its
    link has expired."""
    package = package_by_reference(session, reference)
    if package is None or package.expires_at <= utc_naive(now):
        return None
    return _download_token(secret, package)


def download_url(base_url: str, reference: str, token: str) -> str:
    return (f"{base_url.rstrip('/')}/privacy-center/requests/{quote(reference)}/package"
            f"?token={quote(token)}")


def open_package(session: Session, *, root: Path, secret: bytes, reference: str, token: str,
                 now: datetime) -> tuple[str, bytes]:
    """The filename and bytes of ``reference``'s package if ``token`` is its genuine,
    unexpired download link: LinkRefused (403) for a tampered link or another request's,
    LinkExpired (410) for an old or replaced one, PackageUnavailable (404) without a
    package."""
    moment = utc_naive(now)
    package = package_by_reference(session, reference)
    longest = (package.expires_at - package.created_at) if package else timedelta(days=90)
    claim = read_link(secret, token, purpose=Purpose.download, max_age=longest, now=moment)
    if not hmac.compare_digest(claim.subject_ref.encode(), reference.encode()):
        raise LinkRefused("this link is for another request",
                          hint="open the link from the message about this request")
    if package is None:
        raise PackageUnavailable(f"request {reference} has no package to download",
                                 hint="the package is ready once the request is completed")
    if not hmac.compare_digest(claim.nonce.encode(), package.link_nonce.encode()):
        raise LinkExpired("this link was replaced by a newer one",
                          hint="use the link in the most recent message")
    if package.expires_at <= moment:
        raise LinkExpired("this download link has expired",
                          hint="make a new access request to get a fresh copy")
    try:
        content = unseal(secret, _purpose(reference), (root / package.stored_as).read_bytes())
    except (OSError, SealBroken) as exc:
        raise PackageUnavailable(f"the package of request {reference} cannot be read: {exc}",
                                 hint="the privacy team can run the request again") from None
    if hashlib.sha256(content).hexdigest() != package.sha256:
        raise PackageUnavailable(f"the package of request {reference} does not match its "
                                 "checksum", hint="the privacy team can run the request again")
    package.downloads += 1
    package.last_downloaded_at = moment
    session.flush()
    return package.filename, content
