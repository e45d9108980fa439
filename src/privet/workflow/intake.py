"""Intake: a person submits a request and proves their email, combining the workflow,
verification, the outbox and the job queue in one service call each (routes stay thin).

The verification email carries both a one-time code (typed on the status page or sent to
the API) and a signed single-use link. Once verified, a request runs at once, unless the
workspace asks for manual approval (``requests.require_approval``) or it is a
rectification (someone must decide what the corrected values are).
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy.orm import Session

from privet.config import Settings
from privet.manifest.schema import Manifest
from privet.models.data_subject_requests import DataSubjectRequest
from privet.models.outbox import MessageKind
from privet.models.verification import Purpose
from privet.notify.mailer import queue_message
from privet.notify.messages import (
    REQUEST_TYPES,
    message_language,
    receipt_message,
    verification_message,
)
from privet.verification.links import LinkRefused, read_link, sign_link
from privet.verification.service import (
    CODE_TTL,
    check_code,
    consume_link,
    issue_code,
    issue_link,
)
from privet.workflow.handling import queue_execution
from privet.workflow.schemas import Channel, RequestState, RequestType
from privet.workflow.service import InvalidTransition, get_request, mark_verified, receive_request

SUBJECT = "subject"
STATUS_LINK_TTL = timedelta(days=180)
MAX_DETAILS = 4000


def _center(settings: Settings) -> str:
    return f"{settings.base_url.rstrip('/')}/privacy-center"


def verification_url(settings: Settings, reference: str, token: str) -> str:
    return f"{_center(settings)}/requests/{quote(reference)}/confirm?token={quote(token)}"


def status_token(secret: bytes, reference: str, now: datetime) -> str:
    """A signed link token to follow one request (reusable, never stored)."""
    return sign_link(secret, purpose=Purpose.status, subject_ref=reference, nonce="status",
                     now=now)


def status_url(settings: Settings, secret: bytes, reference: str, now: datetime) -> str:
    return (f"{_center(settings)}/requests/{quote(reference)}"
            f"?token={quote(status_token(secret, reference, now))}")


def check_status_token(secret: bytes, reference: str, token: str, now: datetime) -> None:
    """LinkRefused unless ``token`` is a genuine status link for ``reference``."""
    claim = read_link(secret, token, purpose=Purpose.status, max_age=STATUS_LINK_TTL, now=now)
    if not hmac.compare_digest(claim.subject_ref.encode(), reference.encode()):
        raise LinkRefused("this link is for another request",
                          hint="open the link from the message about this request")


def _send_verification(session: Session, *, manifest: Manifest, settings: Settings,
                       secret: bytes, request: DataSubjectRequest, now: datetime) -> None:
    code = issue_code(session, secret=secret, subject_ref=request.reference,
                      purpose=Purpose.verify_request, now=now)
    token = issue_link(session, secret=secret, subject_ref=request.reference,
                       purpose=Purpose.verify_request, now=now, ttl=CODE_TTL)
    message = verification_message(
        manifest, expires_at=now + CODE_TTL, code=code,
        link=verification_url(settings, request.reference, token),
        request_type=request.type if request.type in REQUEST_TYPES else None,
        reference=request.reference, language=request.language)
    queue_message(session, to=request.contact_email, subject=message.subject,
                  text=message.text, html=message.html, kind=MessageKind.verification,
                  reference=request.reference)


def submit_request(session: Session, *, manifest: Manifest, settings: Settings, secret: bytes,
                   type: str, email: str, language: str | None, channel: Channel,
                   now: datetime, details: str | None = None) -> DataSubjectRequest:
    """Record the request, and email a one-time code and a confirmation link."""
    chosen = message_language(manifest, language)
    request = receive_request(
        session, manifest=manifest, secret=secret, type=type, email=email,
        identities={"email": email.strip().lower()}, channel=channel,
        language=chosen, now=now, actor=SUBJECT)
    text = (details or "").strip()
    request.details = text[:MAX_DETAILS] or None
    _send_verification(session, manifest=manifest, settings=settings, secret=secret,
                       request=request, now=now)
    return request


def resend_verification(session: Session, *, manifest: Manifest, settings: Settings,
                        secret: bytes, reference: str, now: datetime) -> DataSubjectRequest:
    """A new code and link (the older ones stop working); rate-limited per request."""
    request = get_request(session, reference=reference)
    if request.state != RequestState.received.value:
        raise InvalidTransition(f"request {reference} is already {request.state}")
    _send_verification(session, manifest=manifest, settings=settings, secret=secret,
                       request=request, now=now)
    return request


def _verified(session: Session, *, manifest: Manifest, settings: Settings, secret: bytes,
              reference: str, now: datetime) -> DataSubjectRequest:
    needs_approval = (settings.requests.require_approval
                      or get_request(session, reference=reference).type
                      == RequestType.rectification.value)
    request = mark_verified(session, secret=secret, reference=reference, now=now,
                            actor=SUBJECT, requires_approval=needs_approval)
    if request.state == RequestState.approved.value:
        queue_execution(session, request=request, now=now)
    if request.type in REQUEST_TYPES:
        message = receipt_message(manifest, request_type=request.type,
                                  reference=request.reference, deadline=request.deadline.date(),
                                  language=request.language)
        queue_message(session, to=request.contact_email, subject=message.subject,
                      text=message.text, html=message.html, kind=MessageKind.receipt,
                      reference=request.reference)
    return request


def verify_request(session: Session, *, manifest: Manifest, settings: Settings, secret: bytes,
                   reference: str, code: str, now: datetime) -> DataSubjectRequest:
    """Accept the code (or raise ``VerificationFailed``, counted), mark the request verified
    (and approved and queued, unless approval is required), and queue the receipt."""
    check_code(session, secret=secret, subject_ref=reference, purpose=Purpose.verify_request,
               code=code, now=now)
    return _verified(session, manifest=manifest, settings=settings, secret=secret,
                     reference=reference, now=now)


def verify_request_link(session: Session, *, manifest: Manifest, settings: Settings,
                        secret: bytes, reference: str, token: str,
                        now: datetime) -> DataSubjectRequest:
    """As :func:`verify_request`, with the emailed link instead of the code (once only)."""
    consume_link(session, secret=secret, token=token, purpose=Purpose.verify_request, now=now,
                 max_age=CODE_TTL, subject_ref=reference)
    return _verified(session, manifest=manifest, settings=settings, secret=secret,
                     reference=reference, now=now)
