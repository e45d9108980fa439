"""Webhooks to customers (processor mode), signed so the customer can trust them.

Each call is a JSON POST with the header ``Privet-Signature: t=<unix time>,v1=<hex>``,
where ``v1`` is HMAC-SHA256, keyed with ``PRIVET_WEBHOOK_SECRET``, of ``"<t>.<body>"``. A
customer recomputes it over the raw body and refuses a call whose time is too old (replay).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import httpx

from privet.kit.errors import PrivetError

SIGNATURE_HEADER = "Privet-Signature"
TIMEOUT_SECONDS = 10.0


class WebhookFailed(PrivetError):
    """The customer's endpoint could not be reached or did not accept the call."""

    http_status = 502


def signature(secret: bytes, body: bytes, timestamp: int) -> str:
    """The ``Privet-Signature`` header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: bytes, body: bytes, header: str, *, now: datetime,
                     tolerance_seconds: int = 300) -> bool:
    """What a receiver does: the signature matches and is recent."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(signature(secret, body, timestamp), header)


def send_webhook(url: str, body: bytes, *, secret: bytes, now: datetime | None = None,
                 timeout: float = TIMEOUT_SECONDS) -> int:
    """POST ``body`` to ``url``, signed; the status code, or WebhookFailed."""
    if not url.startswith(("https://", "http://")):
        raise WebhookFailed(f"the webhook URL {url!r} is not an http(s) URL",
                            hint="fix the customer's webhook URL")
    moment = int((now or datetime.now(UTC)).timestamp())
    headers = {"Content-Type": "application/json", "User-Agent": "Privet",
               SIGNATURE_HEADER: signature(secret, body, moment)}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout,
                              follow_redirects=False)
    except httpx.HTTPError as exc:
        raise WebhookFailed(f"could not reach {url}: {exc}",
                            hint="it is tried again later") from None
    if not 200 <= response.status_code < 300:
        raise WebhookFailed(f"{url} answered {response.status_code}",
                            hint="it is tried again later")
    return response.status_code
