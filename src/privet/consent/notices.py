"""Consent notices: what the banner, the preference center and the consent API present,
generated from the manifest and versioned.

A notice's content is plain JSON; its hash is the SHA-256 of the canonical serialisation
(sorted keys, no spaces, UTF-8), so the same words always give the same hash. A manifest
that would change the content publishes a new version; earlier versions are never changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from privet.audit.service import append_entry
from privet.consent import repository
from privet.consent.texts import BANNER, CATEGORIES, LANGUAGES
from privet.kit.errors import PrivetError
from privet.manifest.schema import CookieCategory, LegalBasis, Manifest, Purpose
from privet.models.consent import ConsentNotice

GPC_USES = ("marketing.advertising", "third_party_sharing")
"""Data uses a Global Privacy Control signal opts out of: targeted advertising, sale and
sharing (CCPA/CPRA "sale or sharing"; Colorado and others: targeted advertising)."""


class NoticeNotFound(PrivetError):
    """A notice version that was never published."""

    http_status = 404


@dataclass(frozen=True)
class Notice:
    """One published notice version (immutable, so processes may keep it in memory)."""

    version: int
    text_hash: str
    published_at: datetime
    content: dict[str, Any]

    @property
    def optional_categories(self) -> list[str]:
        return [c["key"] for c in self.content["categories"] if not c["required"]]

    @property
    def required_categories(self) -> list[str]:
        return [c["key"] for c in self.content["categories"] if c["required"]]

    @property
    def purposes(self) -> list[str]:
        return [p["key"] for p in self.content["purposes"]]

    @property
    def gpc_categories(self) -> list[str]:
        return list(self.content["gpc_categories"])

    @property
    def gpc_purposes(self) -> list[str]:
        return list(self.content["gpc_purposes"])

    def as_json(self) -> dict[str, Any]:
        """The notice as the API serves it."""
        return {"version": self.version, "text_hash": self.text_hash,
                "published_at": self.published_at.isoformat() + "Z", **self.content}

    @classmethod
    def of(cls, row: ConsentNotice) -> Notice:
        return cls(version=row.version, text_hash=row.text_hash,
                   published_at=row.published_at, content=row.content)


def is_direct_marketing(purpose: Purpose) -> bool:
    """Direct marketing on legitimate interest (a soft opt-in): a person may object to it at
    any time (GDPR Art. 21(2)), so the notice lists it beside the consent-based purposes."""
    return (purpose.legal_basis is LegalBasis.legitimate_interest
            and purpose.data_use.split(".")[0] == "marketing")


def notice_languages(manifest: Manifest) -> list[str]:
    """The manifest's languages Privet has words for (English when none)."""
    return [lang for lang in manifest.policy.languages if lang in LANGUAGES] or ["en"]


def notice_content(manifest: Manifest) -> dict[str, Any]:
    """What the notice says, from the manifest alone: the cookie categories with their
    cookies, and the purposes a person chooses (consent-based ones and direct marketing on
    legitimate interest)."""
    languages = notice_languages(manifest)
    organization = manifest.organization.name
    by_category: dict[CookieCategory, list[dict[str, Any]]] = {}
    for cookie in manifest.cookies:
        by_category.setdefault(cookie.category, []).append({
            "name": cookie.name, "pattern": cookie.pattern, "provider": cookie.provider,
            "purpose": cookie.purpose, "lifetime": str(cookie.lifetime)})
    shown = [c for c in CookieCategory if c in by_category or c is CookieCategory.necessary]
    categories = [{
        "key": category.value,
        "required": category is CookieCategory.necessary,
        "label": {lang: CATEGORIES[category][lang][0] for lang in languages},
        "description": {lang: CATEGORIES[category][lang][1] for lang in languages},
        "cookies": by_category.get(category, []),
    } for category in shown]
    consent_purposes = {key: purpose for key, purpose in manifest.purposes.items()
                        if purpose.legal_basis is LegalBasis.consent}
    choosable = {key: purpose for key, purpose in manifest.purposes.items()
                 if key in consent_purposes or is_direct_marketing(purpose)}
    settings = manifest.consent
    return {
        "organization": organization,
        "policy_version": manifest.policy.version,
        "languages": languages,
        "cookie_name": settings.cookie_name,
        "refusal_days": int(settings.refusal_lifetime.approx_days),
        "consent_days": int(settings.consent_lifetime.approx_days),
        "gpc_categories": [c.value for c in settings.gpc_categories
                           if c in by_category],
        "gpc_purposes": sorted(key for key, purpose in consent_purposes.items()
                               if purpose.data_use.startswith(GPC_USES)),
        "categories": categories,
        "purposes": [{"key": key, "name": purpose.name, "description": purpose.description,
                      "data_use": purpose.data_use,
                      "legal_basis": purpose.legal_basis.value if purpose.legal_basis else None,
                      "channels": [c.value for c in purpose.consent_capture]}
                     for key, purpose in choosable.items()],
        "policy_url": settings.policy_url,
        "texts": {lang: {name: text.format(organization=organization)
                         for name, text in BANNER[lang].items()}
                  | settings.texts.get(lang, {}) for lang in languages},
    }


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def publish_notice(session: Session, *, manifest: Manifest, secret: bytes, actor: str,
                   now: datetime) -> Notice:
    """The notice the manifest gives: the latest version if its content is unchanged, else a
    new version (flushed, with its audit entry). Two processes publishing at once end with
    one new version."""
    content = notice_content(manifest)
    digest = content_hash(content)
    latest = repository.latest_notice(session)
    if latest is not None and latest.text_hash == digest:
        return Notice.of(latest)
    row = ConsentNotice(version=(latest.version if latest else 0) + 1, text_hash=digest,
                        content=content, published_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another process published this version first
        latest = repository.latest_notice(session)
        if latest is None or latest.text_hash != digest:
            raise
        return Notice.of(latest)
    append_entry(session, secret=secret, actor=actor, action="consent.notice_published",
                 subject_type="consent_notice", subject_id=str(row.version),
                 details={"text_hash": digest,
                          "previous_version": latest.version if latest else None},
                 now=now)
    return Notice.of(row)


def get_notice(session: Session, version: int) -> Notice:
    row = repository.notice_by_version(session, version)
    if row is None:
        raise NoticeNotFound(f"there is no consent notice version {version}",
                             hint="GET /api/consent/notice gives the current one")
    return Notice.of(row)
