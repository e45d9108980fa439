"""The consent rules: recording a choice as a receipt, deriving a person's current consent,
answering "may I email X for purpose P?", the figures of the admin page. The links in
emails (unsubscribe, preferences) are in ``links.py``.

Services take the session and flush; the edge (route, CLI command) commits.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from privet.consent import repository
from privet.consent.notices import Notice
from privet.kit.clock import utc_naive
from privet.kit.durations import Duration
from privet.kit.errors import PrivetError
from privet.manifest.schema import LegalBasis, Manifest
from privet.models.consent import ConsentAction, ConsentReceipt, ConsentSource
from privet.workflow.service import email_hash, normalise_email

DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
JURISDICTION = re.compile(r"^(EU|EEA|[A-Z]{2}(-[A-Z0-9]{1,3})?)$")
MAX_EMAIL = 320
_SIGNING_LABEL = b"privet consent receipts v1"


class InvalidConsent(PrivetError):
    """A choice that cannot be recorded as given; nothing is stored."""

    http_status = 422


class UnknownPurpose(PrivetError):
    http_status = 404


# ---------------------------------------------------------------------------- receipts


@dataclass(frozen=True)
class Choice:
    """One choice as a person made it, before it is checked against the notice."""

    action: ConsentAction
    source: ConsentSource
    categories: Mapping[str, bool] = field(default_factory=dict)
    purposes: Mapping[str, bool] = field(default_factory=dict)
    gpc: bool = False
    device_id: str | None = None
    email: str | None = None
    language: str | None = None
    jurisdiction: str | None = None
    user_agent: str | None = None
    ip_address: str | None = None


def truncate_ip(address: str | None) -> str | None:
    """IPv4 with the last octet zeroed (/24), IPv6 cut to its /48; None if not an address."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def checked_email(email: str) -> str:
    if len(email) > MAX_EMAIL:
        raise InvalidConsent(f"email: an email address has at most {MAX_EMAIL} characters")
    try:
        return normalise_email(email)
    except PrivetError as error:
        raise InvalidConsent(f"email: {error.message}", hint=error.hint) from None


def subject_hash(secret: bytes, email: str) -> str:
    return email_hash(secret, checked_email(email))


def _decisions(kind: str, given: Mapping[str, bool], allowed: Sequence[str],
               required: Sequence[str] = ()) -> dict[str, bool]:
    unknown = sorted(set(given) - set(allowed) - set(required))
    if unknown:
        raise InvalidConsent(
            f"{kind}: {', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in "
            "this notice", hint=f"the notice's {kind}: {', '.join(allowed) or 'none'}")
    refused = sorted(key for key in required if given.get(key) is False)
    if refused:
        raise InvalidConsent(f"{kind}: {', '.join(refused)} cannot be refused (strictly "
                             "necessary)", hint="leave it out, or set it to true")
    return {key: bool(value) for key, value in given.items() if key in allowed}


def _decide(notice: Notice, choice: Choice) -> tuple[dict[str, bool], dict[str, bool]]:
    """The categories and purposes a choice decides, checked against its notice."""
    categories = _decisions("categories", choice.categories, notice.optional_categories,
                            notice.required_categories)
    purposes = _decisions("purposes", choice.purposes, notice.purposes)
    action = choice.action
    if action in (ConsentAction.accept_all, ConsentAction.reject_all):
        value = action is ConsentAction.accept_all
        wrong = sorted(k for k, v in {**categories, **purposes}.items() if v is not value)
        if wrong:
            raise InvalidConsent(
                f"{action.value} {'grants' if value else 'refuses'} everything, but "
                f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} "
                f"{'refused' if value else 'granted'}", hint="use the action `custom`")
        if choice.source is ConsentSource.banner:
            categories = dict.fromkeys(notice.optional_categories, value)
        elif not categories and not purposes:
            categories = dict.fromkeys(notice.optional_categories, value)
            purposes = dict.fromkeys(notice.purposes, value)
    elif action is ConsentAction.withdraw:
        granted = sorted(k for k, v in {**categories, **purposes}.items() if v)
        if granted:
            raise InvalidConsent(f"withdraw cannot grant: {', '.join(granted)}",
                                 hint="a withdrawal only sets categories or purposes to "
                                 "false; use `custom` to grant")
    if choice.source is ConsentSource.banner and action is not ConsentAction.gpc:
        missing = sorted(set(notice.optional_categories) - set(categories))
        if missing and action is not ConsentAction.withdraw:
            raise InvalidConsent(f"categories: {', '.join(missing)} not decided",
                                 hint="a banner choice decides every optional category")
    if choice.gpc or action is ConsentAction.gpc:
        categories.update(dict.fromkeys(notice.gpc_categories, False))
        purposes.update(dict.fromkeys(
            (p for p in notice.gpc_purposes if p in purposes or choice.email), False))
    if not categories and not purposes:
        raise InvalidConsent("the choice decides nothing",
                             hint="give `categories` or `purposes` with true or false")
    return categories, purposes


def _signing_key(secret: bytes) -> bytes:
    return hmac.new(secret, _SIGNING_LABEL, hashlib.sha256).digest()


def receipt_fields(receipt: ConsentReceipt) -> dict[str, Any]:
    """What a receipt says, as plain JSON (what its signature covers, and what the person's
    access package holds; the subject hash stays out of the package)."""
    return {
        "receipt_id": receipt.receipt_id,
        "recorded_at": receipt.recorded_at.isoformat() + "Z",
        "device_id": receipt.device_id,
        "notice_version": receipt.notice_version,
        "notice_hash": receipt.notice_hash,
        "action": receipt.action,
        "source": receipt.source,
        "categories": dict(sorted(receipt.categories.items())),
        "purposes": dict(sorted(receipt.purposes.items())),
        "gpc": receipt.gpc,
        "jurisdiction": receipt.jurisdiction,
        "language": receipt.language,
        "user_agent": receipt.user_agent,
        "ip_truncated": receipt.ip_truncated,
    }


def _signature(secret: bytes, receipt: ConsentReceipt) -> str:
    content = {**receipt_fields(receipt), "subject_hash": receipt.subject_hash}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hmac.new(_signing_key(secret), canonical.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ReceiptCheck:
    checked: int
    altered: list[str]


def verify_receipts(session: Session, *, secret: bytes) -> ReceiptCheck:
    """Every receipt's signature checked, streaming; the ids of the altered ones."""
    checked, altered = 0, []
    for receipt in repository.all_receipts(session):
        checked += 1
        if not receipt_is_genuine(secret, receipt):
            altered.append(receipt.receipt_id)
    return ReceiptCheck(checked=checked, altered=altered)


def receipt_is_genuine(secret: bytes, receipt: ConsentReceipt) -> bool:
    """Whether the receipt is as it was recorded (its signature still matches)."""
    return hmac.compare_digest(receipt.signature, _signature(secret, receipt))


def record_receipt(session: Session, *, secret: bytes, notice: Notice, choice: Choice,
                   now: datetime, notice_hash: str | None = None) -> ConsentReceipt:
    """Check ``choice`` against ``notice`` and store it as a signed receipt (written in the
    session's transaction; the returned object is not attached to the session).
    InvalidConsent, naming the field, for a choice that cannot be recorded."""
    if notice_hash is not None and notice_hash != notice.text_hash:
        raise InvalidConsent(
            f"notice_hash: it is not the hash of notice version {notice.version}",
            hint="send the text_hash of the notice that was shown")
    if choice.email is None and choice.device_id is None:
        raise InvalidConsent("device_id: whose choice is it? give a device_id (or, with an "
                             "API key, an email)")
    if choice.device_id is not None and not DEVICE_ID.fullmatch(choice.device_id):
        raise InvalidConsent("device_id: 16 to 64 letters, digits, `-` or `_`")
    if choice.jurisdiction is not None and not JURISDICTION.fullmatch(choice.jurisdiction):
        raise InvalidConsent("jurisdiction: EU, EEA, a country code (FR) or a subdivision "
                             "(US-CA)")
    subject = subject_hash(secret, choice.email) if choice.email is not None else None
    categories, purposes = _decide(notice, choice)
    language = (choice.language or "").strip()[:8] or None
    receipt = ConsentReceipt(
        receipt_id=f"cr_{secrets.token_urlsafe(18)}", subject_hash=subject,
        device_id=choice.device_id, recorded_at=utc_naive(now).replace(microsecond=0),
        notice_version=notice.version, notice_hash=notice.text_hash,
        action=choice.action.value, source=choice.source.value, categories=categories,
        purposes=purposes, gpc=choice.gpc or choice.action is ConsentAction.gpc,
        jurisdiction=choice.jurisdiction, language=language,
        user_agent=(choice.user_agent or "")[:512] or None,
        ip_truncated=truncate_ip(choice.ip_address), signature="")
    receipt.signature = _signature(secret, receipt)
    repository.add_receipt(session, receipt)
    return receipt


@dataclass(frozen=True)
class VersionFigures:
    version: int
    published_at: datetime
    text_hash: str
    by_action: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_action.values())


@dataclass(frozen=True)
class ConsentFigures:
    """Receipts per notice version and action, and the current version's acceptance per
    cookie category (granted, decided)."""

    versions: list[VersionFigures]
    sources: dict[str, int]
    categories: dict[str, tuple[int, int]]


def consent_figures(session: Session, *, current: Notice) -> ConsentFigures:
    by_version: dict[int, dict[str, int]] = {}
    sources: dict[str, int] = {}
    for version, source, action, count in repository.receipt_counts(session):
        actions = by_version.setdefault(version, {})
        actions[action] = actions.get(action, 0) + count
        sources[source] = sources.get(source, 0) + count
    versions = [VersionFigures(version=row.version, published_at=row.published_at,
                               text_hash=row.text_hash,
                               by_action=by_version.get(row.version, {}))
                for row in reversed(repository.notices(session))]
    return ConsentFigures(versions=versions, sources=sources,
                          categories=repository.category_grants(session, current.version))


# ---------------------------------------------------------------------- current consent


@dataclass(frozen=True)
class Decision:
    """Where one purpose or category stands, and which receipt says so."""

    granted: bool
    decided_at: datetime
    receipt_id: str
    source: str
    action: str
    expired: bool = False

    @property
    def in_force(self) -> bool:
        """Granted and not older than the consent lifetime."""
        return self.granted and not self.expired


@dataclass(frozen=True)
class CurrentConsent:
    categories: dict[str, Decision]
    purposes: dict[str, Decision]


class Decides(Protocol):
    """What folding needs of a receipt (a ConsentReceipt, or a row of its columns)."""

    recorded_at: datetime
    receipt_id: str
    source: str
    action: str
    categories: dict[str, bool]
    purposes: dict[str, bool]


def current_consent(receipts: Iterable[Decides], *, lifetime: Duration,
                    now: datetime) -> CurrentConsent:
    """Fold receipts (oldest first): the newest receipt deciding a key wins; a grant older
    than ``lifetime`` has expired."""
    moment = utc_naive(now)
    folded: dict[str, dict[str, Decision]] = {"categories": {}, "purposes": {}}
    for receipt in receipts:
        for kind, decisions in (("categories", receipt.categories),
                                ("purposes", receipt.purposes)):
            for key, granted in decisions.items():
                folded[kind][key] = Decision(
                    granted=bool(granted), decided_at=receipt.recorded_at,
                    receipt_id=receipt.receipt_id, source=receipt.source,
                    action=receipt.action,
                    expired=bool(granted) and lifetime.after(receipt.recorded_at) <= moment)
    return CurrentConsent(categories=folded["categories"], purposes=folded["purposes"])


@dataclass(frozen=True)
class SubjectConsent:
    """A person's current consent and every receipt behind it (oldest first)."""

    current: CurrentConsent
    receipts: Sequence[ConsentReceipt]


def subject_consent(session: Session, *, secret: bytes, manifest: Manifest, email: str,
                    now: datetime) -> SubjectConsent:
    receipts = repository.receipts_of_subject(session, subject_hash(secret, email))
    return SubjectConsent(
        current=current_consent(receipts, lifetime=manifest.consent.consent_lifetime, now=now),
        receipts=receipts)


def save_preferences(session: Session, *, secret: bytes, manifest: Manifest, notice: Notice,
                     email: str, ticked: set[str], now: datetime, gpc: bool = False,
                     user_agent: str | None = None,
                     ip_address: str | None = None) -> ConsentReceipt | None:
    """The preference center's form: each purpose of the notice ticked or not. One receipt
    (source ``preference_center``) records only what changed; None when nothing did."""
    current = subject_consent(session, secret=secret, manifest=manifest, email=email,
                              now=now).current.purposes
    changed = {key: key in ticked for key in notice.purposes
               if key not in current or current[key].in_force != (key in ticked)}
    if not changed:
        return None
    action = ConsentAction.custom if any(changed.values()) else ConsentAction.withdraw
    return record_receipt(session, secret=secret, notice=notice, now=now, choice=Choice(
        action=action, source=ConsentSource.preference_center, email=email,
        purposes=changed, gpc=gpc, user_agent=user_agent, ip_address=ip_address))


def receipts_for_access(session: Session, *, secret: bytes, email: str) -> list[dict[str, Any]]:
    """A person's receipts for their access package (oldest first)."""
    return [receipt_fields(r)
            for r in repository.receipts_of_subject(session, subject_hash(secret, email))]


@dataclass(frozen=True)
class ContactAnswer:
    """The answer to "may I email X for purpose P?", with the receipt behind it."""

    allowed: bool
    purpose: str
    legal_basis: str | None
    reason: str
    receipt_id: str | None = None
    decided_at: datetime | None = None


def may_contact(session: Session, *, secret: bytes, manifest: Manifest, email: str,
                purpose: str, now: datetime) -> ContactAnswer:
    """Whether the company may email ``email`` for ``purpose``, answered from the receipts:
    a consent-based purpose needs a grant in force; another basis holds unless the person
    objected or unsubscribed."""
    declared = manifest.purposes.get(purpose)
    if declared is None:
        raise UnknownPurpose(f"purpose: `{purpose}` is not a purpose of the manifest",
                             hint=f"one of: {', '.join(manifest.purposes)}")
    basis = declared.legal_basis.value if declared.legal_basis else None
    receipts = repository.decisions_of_subject(session, subject_hash(secret, email))
    decision = current_consent(receipts, lifetime=manifest.consent.consent_lifetime,
                               now=now).purposes.get(purpose)
    allowed, reason = _contact_rule(declared.legal_basis, decision)
    return ContactAnswer(allowed=allowed, purpose=purpose, legal_basis=basis, reason=reason,
                         receipt_id=decision.receipt_id if decision else None,
                         decided_at=decision.decided_at if decision else None)


def _contact_rule(basis: LegalBasis | None, decision: Decision | None) -> tuple[bool, str]:
    if basis is LegalBasis.consent:
        if decision is None:
            return False, "no consent recorded"
        if not decision.granted:
            return False, f"consent refused or withdrawn ({decision.action}, {decision.source})"
        if decision.expired:
            return False, "consent expired: ask again"
        return True, f"consent given ({decision.source})"
    if decision is not None and not decision.granted:
        return False, f"the person objected or unsubscribed ({decision.source})"
    return True, f"no objection recorded; legal basis {basis.value if basis else 'none'}"
