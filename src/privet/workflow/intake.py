"""Intake: a person submits a request and proves their email, combining the workflow,
verification and the outbox in one service call each (the routes stay thin)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

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
from privet.verification.service import CODE_TTL, check_code, issue_code
from privet.workflow.schemas import Channel
from privet.workflow.service import mark_verified, receive_request

SUBJECT = "subject"


def submit_request(session: Session, *, manifest: Manifest, secret: bytes, type: str,
                   email: str, language: str | None, channel: Channel,
                   now: datetime) -> DataSubjectRequest:
    """Record the request, issue a verification code and queue the email carrying it."""
    chosen = message_language(manifest, language)
    request = receive_request(
        session, manifest=manifest, secret=secret, type=type, email=email,
        identities={"email": email.strip().lower()}, channel=channel,
        language=chosen, now=now, actor=SUBJECT)
    code = issue_code(session, secret=secret, subject_ref=request.reference,
                      purpose=Purpose.verify_request, now=now)
    message = verification_message(
        manifest, expires_at=now + CODE_TTL, code=code,
        request_type=request.type if request.type in REQUEST_TYPES else None,
        reference=request.reference, language=chosen)
    queue_message(session, to=request.contact_email, subject=message.subject,
                  text=message.text, html=message.html, kind=MessageKind.verification,
                  reference=request.reference)
    return request


def verify_request(session: Session, *, manifest: Manifest, secret: bytes, reference: str,
                   code: str, now: datetime) -> DataSubjectRequest:
    """Accept the code (or raise ``VerificationFailed``, counted), mark the request verified
    and approved, and queue the receipt."""
    check_code(session, secret=secret, subject_ref=reference, purpose=Purpose.verify_request,
               code=code, now=now)
    request = mark_verified(session, secret=secret, reference=reference, now=now,
                            actor=SUBJECT, requires_approval=False)
    if request.type in REQUEST_TYPES:
        message = receipt_message(manifest, request_type=request.type,
                                  reference=request.reference, deadline=request.deadline.date(),
                                  language=request.language)
        queue_message(session, to=request.contact_email, subject=message.subject,
                      text=message.text, html=message.html, kind=MessageKind.receipt,
                      reference=request.reference)
    return request
