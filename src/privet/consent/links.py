"""The links in emails about consent: the unsubscribe link of marketing email (RFC 8058
one-click too) and the link to a person's preferences.

Both carry an opaque token, AES-GCM sealed under a key derived from the workspace secret
for its kind: it cannot be forged, nor read (the address stays out of URLs and logs), nor
used as a token of the other kind.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from privet.consent import repository
from privet.consent.notices import Notice, notice_content
from privet.consent.service import (
    Choice,
    UnknownPurpose,
    checked_email,
    current_consent,
    record_receipt,
    subject_hash,
)
from privet.kit.clock import utc_aware, utc_naive
from privet.kit.crypto import SealBroken, seal, unseal
from privet.kit.errors import PrivetError
from privet.manifest.schema import Manifest
from privet.models.consent import ConsentAction, ConsentReceipt, ConsentSource
from privet.models.outbox import MessageKind
from privet.notify import repository as outbox
from privet.notify.mailer import queue_message
from privet.notify.messages import preferences_message

_UNSUBSCRIBE = "consent-unsubscribe"
_PREFERENCES = "consent-preferences"


class LinkRefused(PrivetError):
    """A link that was not made by this Privet (tampered, cut short, or of another kind)."""

    http_status = 403


class PreferencesLinkExpired(PrivetError):
    http_status = 410


PREFERENCES_LINK_TTL = timedelta(hours=24)


@dataclass(frozen=True)
class UnsubscribeClaim:
    email: str
    purpose: str


def _sealed_token(secret: bytes, kind: str, payload: dict[str, Any]) -> str:
    """An opaque token (AES-GCM sealed for ``kind``): it cannot be forged, nor read, nor
    used as a token of another kind."""
    sealed = seal(secret, kind, json.dumps(payload, separators=(",", ":")).encode())
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def _claim(secret: bytes, kind: str, token: str, shape: dict[str, type],
           refusal: str, hint: str) -> dict[str, Any]:
    """What a token of ``kind`` says, each field of ``shape`` of its type; LinkRefused (403)
    for anything else."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(unseal(secret, kind, raw))
    except (SealBroken, binascii.Error, ValueError, UnicodeError):
        payload = None
    if not isinstance(payload, dict) or not all(
            isinstance(payload.get(name), kind_) for name, kind_ in shape.items()):
        raise LinkRefused(refusal, hint=hint)
    return payload


def unsubscribe_url(base_url: str, secret: bytes, *, email: str, purpose: str,
                    manifest: Manifest) -> str:
    """The unsubscribe link (also the RFC 8058 one-click URL) for a purpose a person
    subscribes to (one the notice lists)."""
    choosable = [p["key"] for p in notice_content(manifest)["purposes"]]
    if purpose not in choosable:
        raise UnknownPurpose(f"purpose: `{purpose}` is not one a person subscribes to",
                             hint=f"one of: {', '.join(choosable) or 'none'}")
    token = unsubscribe_token(secret, email=email, purpose=purpose)
    return f"{base_url.rstrip('/')}/consent/unsubscribe?{urlencode({'token': token})}"


def unsubscribe_token(secret: bytes, *, email: str, purpose: str) -> str:
    """The token of an unsubscribe link: it never expires, as unsubscribe links must keep
    working for as long as the emails carrying them are read."""
    return _sealed_token(secret, _UNSUBSCRIBE, {"e": checked_email(email), "p": purpose})


def read_unsubscribe_token(secret: bytes, token: str) -> UnsubscribeClaim:
    payload = _claim(secret, _UNSUBSCRIBE, token, {"e": str, "p": str},
                     "this unsubscribe link is not valid: it may have been cut short when "
                     "it was copied", "use the link in the latest email, or the preference "
                     "center")
    return UnsubscribeClaim(email=payload["e"], purpose=payload["p"])


def preferences_token(secret: bytes, *, email: str, now: datetime) -> str:
    """The token of a preference-center link, valid ``PREFERENCES_LINK_TTL``."""
    return _sealed_token(secret, _PREFERENCES, {"e": checked_email(email),
                                                "t": int(utc_aware(now).timestamp())})


def read_preferences_token(secret: bytes, token: str, *, now: datetime) -> str:
    """The email a preference-center link was sent to; 403 if it is not genuine, 410 once
    it is older than ``PREFERENCES_LINK_TTL``."""
    payload = _claim(secret, _PREFERENCES, token, {"e": str, "t": int},
                     "this preferences link is not valid: it may have been cut short when "
                     "it was copied", "ask for a new link on the preferences page")
    issued = datetime.fromtimestamp(payload["t"], UTC)
    if not issued <= utc_aware(now) < issued + PREFERENCES_LINK_TTL:
        raise PreferencesLinkExpired("this preferences link has expired",
                                     hint="ask for a new link on the preferences page")
    return str(payload["e"])


class TooManyLinks(PrivetError):
    http_status = 429


PREFERENCES_LINKS_PER_HOUR = 3


def send_preferences_link(session: Session, *, manifest: Manifest, base_url: str,
                          secret: bytes, email: str, language: str | None,
                          now: datetime) -> None:
    """Email a link to the person's preferences (queued in the outbox, flushed); a few an
    hour per address at most, so the form cannot be used to flood someone's mailbox."""
    token = preferences_token(secret, email=email, now=now)
    address = checked_email(email)
    if outbox.recent_count(session, to=address, kind=MessageKind.preferences,
                           since=utc_naive(now) - timedelta(hours=1)) \
            >= PREFERENCES_LINKS_PER_HOUR:
        raise TooManyLinks("too many links were asked for this address in the last hour",
                           hint="use the link already sent, or try again in an hour")
    link = f"{base_url.rstrip('/')}/privacy-center/preferences/manage?" \
        f"{urlencode({'token': token})}"
    message = preferences_message(manifest, link=link, language=language,
                                  expires_at=now + PREFERENCES_LINK_TTL)
    queue_message(session, to=address, subject=message.subject, text=message.text,
                  html=message.html, kind=MessageKind.preferences)



def unsubscribe(session: Session, *, secret: bytes, manifest: Manifest, notice: Notice,
                claim: UnsubscribeClaim, now: datetime,
                user_agent: str | None = None) -> ConsentReceipt | None:
    """Withdraw ``claim.purpose`` for ``claim.email`` (an email-link receipt); None when it is
    already withdrawn, so a repeated click records nothing more."""
    if claim.purpose not in notice.purposes:
        raise UnknownPurpose(f"this list (`{claim.purpose}`) no longer exists",
                             hint="nothing to unsubscribe from")
    receipts = repository.receipts_of_subject(session, subject_hash(secret, claim.email))
    decision = current_consent(receipts, lifetime=manifest.consent.consent_lifetime,
                               now=now).purposes.get(claim.purpose)
    if decision is not None and not decision.granted:
        return None
    return record_receipt(session, secret=secret, notice=notice, now=now, choice=Choice(
        action=ConsentAction.withdraw, source=ConsentSource.email_link, email=claim.email,
        purposes={claim.purpose: False}, user_agent=user_agent))

