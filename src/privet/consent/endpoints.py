"""The consent API, the banner's files and ``/.well-known/gpc.json``.

The notice and the browser's receipts are public (the banner runs on the company's own
pages, so they answer any origin, without cookies). A person's consent, by email, is for
the company's systems only: an API key with ``consent:read`` or ``consent:write``. Each
route calls one service of ``privet.consent``; there is no route that changes or removes a
receipt.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from privet.auth.service import AuthenticationError, Principal, require_role, require_scope
from privet.consent import links, notices, service
from privet.consent.notices import Notice
from privet.kit.clock import utc_naive
from privet.kit.db import session_scope
from privet.kit.runtime import Runtime
from privet.models.accounts import Role
from privet.models.consent import ConsentAction, ConsentReceipt, ConsentSource
from privet.web.deps import (
    CurrentManifest,
    CurrentSettings,
    DbSession,
    Now,
    WorkspaceSecret,
    web_context,
)
from privet.web.security import api_caller, api_principal, authorise_api

router = APIRouter(tags=["consent"])
STATIC = FilePath(__file__).parent / "static"
PUBLIC_HEADERS = {"Access-Control-Allow-Origin": "*",
                  "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                  "Access-Control-Allow-Headers": "Content-Type",
                  "Access-Control-Max-Age": "86400"}
"""Public consent endpoints answer any origin; no cookie is ever read or set by them."""

def publish_current_notice(runtime: Runtime) -> Notice:
    """Publish the notice of the manifest a process serves (a new version only if the
    manifest changed what it says), once, when the app starts: every route then reads it
    from memory, and no request waits on a second transaction to publish it."""
    with session_scope(runtime.sessions) as session:
        return notices.publish_notice(session, manifest=runtime.manifest,
                                       secret=runtime.secret, actor="system", now=utc_naive())


async def current_notice(request: Request) -> Notice:
    """The notice in force, published when the app started."""
    notice: Notice = request.app.state.consent_notice
    return notice


CurrentNotice = Annotated[Notice, Depends(current_notice)]
ConsentReader = Annotated[Principal, Depends(api_caller(Role.viewer, "consent:read"))]
ConsentWriter = Annotated[Principal, Depends(api_caller(Role.privacy_officer, "consent:write"))]


async def _public(response: Response) -> None:
    response.headers.update(PUBLIC_HEADERS)


PublicHeaders = Annotated[None, Depends(_public)]


# -------------------------------------------------------------------------------- schemas


class ReceiptIn(BaseModel):
    """A choice to record. A browser gives its ``device_id``; the company's systems, with
    an API key (``consent:write``), may give a person's ``email`` instead or as well."""

    model_config = ConfigDict(extra="forbid")

    notice_version: int = Field(ge=1, le=2**31 - 1, description="The notice shown.")
    notice_hash: str | None = Field(None, max_length=64,
                                    description="Its `text_hash`, to prove the words shown.")
    action: ConsentAction
    source: ConsentSource = ConsentSource.banner
    device_id: str | None = Field(None, max_length=64,
                                  description="The banner's browser id (16 to 64 of A-Z a-z 0-9 "
                                              "- _).")
    email: str | None = Field(None, max_length=320,
                              description="The person's email (API key only).")
    categories: dict[str, bool] = Field(default_factory=dict, max_length=32,
                                        description="Cookie category → granted.")
    purposes: dict[str, bool] = Field(default_factory=dict, max_length=256,
                                      description="Purpose key → granted.")
    gpc: bool = Field(False, description="`navigator.globalPrivacyControl` was true.")
    language: str | None = Field(None, max_length=8)
    jurisdiction: str | None = Field(None, max_length=16,
                                     description="`EU`, `FR`, `US-CA`…")


class ReceiptOut(BaseModel):
    """The recorded receipt: keep its id; its signature proves it was not changed since."""

    receipt_id: str
    recorded_at: datetime
    notice_version: int
    notice_hash: str
    action: str
    source: str
    categories: dict[str, bool]
    purposes: dict[str, bool]
    gpc: bool
    signature: str

    @classmethod
    def of(cls, receipt: ConsentReceipt) -> ReceiptOut:
        return cls(receipt_id=receipt.receipt_id, recorded_at=receipt.recorded_at,
                   notice_version=receipt.notice_version, notice_hash=receipt.notice_hash,
                   action=receipt.action, source=receipt.source,
                   categories=receipt.categories, purposes=receipt.purposes,
                   gpc=receipt.gpc, signature=receipt.signature)


class SubjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=3, max_length=320)


class ContactIn(SubjectIn):
    purpose: str = Field(min_length=1, max_length=64, description="A purpose key.")


class ContactOut(BaseModel):
    """May the company email this person for this purpose? With the receipt behind it."""

    allowed: bool
    purpose: str
    legal_basis: str | None
    reason: str
    receipt_id: str | None
    decided_at: datetime | None


class DecisionOut(BaseModel):
    granted: bool
    in_force: bool = Field(description="Granted and not expired.")
    decided_at: datetime
    receipt_id: str
    source: str


class SubjectOut(BaseModel):
    """A person's current consent per purpose, and every receipt (oldest first)."""

    purposes: dict[str, DecisionOut]
    receipts: list[ReceiptOut]


class UnsubscribeLinks(BaseModel):
    """Put ``headers`` on the marketing email, and ``url`` in its footer (RFC 8058)."""

    url: str
    one_click_url: str
    headers: dict[str, str]


# --------------------------------------------------------------------------------- routes


@router.get("/api/consent/notice")
def get_current_notice(notice: CurrentNotice, _cors: PublicHeaders) -> dict[str, Any]:
    """The consent notice in force: its version, text hash, cookie categories with their
    cookies, the purposes a person chooses, lifetimes and the banner's words."""
    return notice.as_json()


@router.get("/api/consent/notices/{version}")
def get_notice_version(version: Annotated[int, Path(ge=1, le=2**31 - 1)], session: DbSession,
                       _cors: PublicHeaders) -> dict[str, Any]:
    """An earlier (or the current) notice version, exactly as it was shown."""
    return notices.get_notice(session, version).as_json()


@router.options("/api/consent/receipts", include_in_schema=False)
def receipts_preflight() -> Response:
    return Response(status_code=204, headers=PUBLIC_HEADERS)


@router.post("/api/consent/receipts", status_code=status.HTTP_201_CREATED,
             response_model=ReceiptOut)
async def create_receipt(payload: ReceiptIn, request: Request, notice: CurrentNotice,
                         now: Now) -> JSONResponse:
    """Record a choice. Public for a browser's banner choice (``device_id``, source
    ``banner``); a person's choice by ``email``, or another source, needs an API key with
    ``consent:write``. A ``Sec-GPC: 1`` header counts as ``gpc``. 422 names the field of a
    choice that does not fit the notice; nothing is stored then."""
    choice = service.Choice(
        action=payload.action, source=payload.source, categories=payload.categories,
        purposes=payload.purposes,
        gpc=payload.gpc or request.headers.get("sec-gpc", "").strip() == "1",
        device_id=payload.device_id, email=payload.email, language=payload.language,
        jurisdiction=payload.jurisdiction, user_agent=request.headers.get("user-agent"),
        ip_address=request.client.host if request.client else None)
    # The hot path of a busy banner: its whole unit of work (key check, insert, commit) in
    # one trip to the thread pool, where a DbSession dependency would make three.
    receipt = await run_in_threadpool(_record_receipt, request, payload, notice, choice, now)
    return JSONResponse(receipt.model_dump(mode="json"), status_code=201,
                        headers=PUBLIC_HEADERS)


def _record_receipt(request: Request, payload: ReceiptIn, notice: Notice,
                    choice: service.Choice, now: datetime) -> ReceiptOut:
    runtime = web_context(request)
    with session_scope(runtime.sessions) as session:
        if payload.email is not None or payload.source is not ConsentSource.banner:
            principal = api_principal(request, session, now)
            if principal is None:
                raise AuthenticationError(
                    "recording a person's consent by email, or from another source than "
                    "the banner, needs an API key", hint="send `Authorization: Bearer <key>` "
                    "with the scope consent:write")
            require_scope(require_role(principal, at_least=Role.privacy_officer),
                          "consent:write")
        shown = notice if payload.notice_version == notice.version else \
            notices.get_notice(session, payload.notice_version)
        return ReceiptOut.of(service.record_receipt(
            session, secret=runtime.secret, notice=shown, choice=choice, now=now,
            notice_hash=payload.notice_hash))


@router.post("/api/consent/check", response_model=ContactOut)
async def check_contact(payload: ContactIn, request: Request, now: Now) -> JSONResponse:
    """"May I email this person for this purpose?", answered from their receipts (POST, so
    the address stays out of URLs and logs). An API key with ``consent:read``."""
    answer = await run_in_threadpool(_check_contact, request, payload, now)
    return JSONResponse(answer.model_dump(mode="json"))


def _check_contact(request: Request, payload: ContactIn, now: datetime) -> ContactOut:
    runtime = web_context(request)
    with session_scope(runtime.sessions) as session:  # one trip to the thread pool
        authorise_api(request, session, now, at_least=Role.viewer, scope="consent:read")
        answer = service.may_contact(session, secret=runtime.secret,
                                     manifest=runtime.manifest, email=payload.email,
                                     purpose=payload.purpose, now=now)
    return ContactOut(allowed=answer.allowed, purpose=answer.purpose,
                      legal_basis=answer.legal_basis, reason=answer.reason,
                      receipt_id=answer.receipt_id, decided_at=answer.decided_at)


@router.post("/api/consent/subjects")
def subject_consent(payload: SubjectIn, _caller: ConsentReader, session: DbSession,
                    manifest: CurrentManifest, secret: WorkspaceSecret,
                    now: Now) -> SubjectOut:
    """A person's current consent per purpose and the history of their choices."""
    found = service.subject_consent(session, secret=secret, manifest=manifest,
                                    email=payload.email, now=now)
    return SubjectOut(
        purposes={key: DecisionOut(granted=d.granted, in_force=d.in_force,
                                   decided_at=d.decided_at, receipt_id=d.receipt_id,
                                   source=d.source)
                  for key, d in found.current.purposes.items()},
        receipts=[ReceiptOut.of(r) for r in found.receipts])


@router.post("/api/consent/unsubscribe-links")
def unsubscribe_links(payload: ContactIn, _caller: ConsentWriter, manifest: CurrentManifest,
                      settings: CurrentSettings, secret: WorkspaceSecret) -> UnsubscribeLinks:
    """The unsubscribe link of one person for one purpose, and the ``List-Unsubscribe`` /
    ``List-Unsubscribe-Post`` headers of RFC 8058 for the company's mailer."""
    url = links.unsubscribe_url(settings.base_url, secret, email=payload.email,
                                  purpose=payload.purpose, manifest=manifest)
    return UnsubscribeLinks(url=url, one_click_url=url, headers={
        "List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


# ----------------------------------------------------------------------- banner and GPC


def _static(name: str, media_type: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type=media_type, headers={
        "Cache-Control": "public, max-age=3600", "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin"})


@router.get("/consent/banner.js", include_in_schema=False)
def banner_script() -> FileResponse:
    return _static("banner.js", "text/javascript; charset=utf-8")


@router.get("/consent/banner.css", include_in_schema=False)
def banner_styles() -> FileResponse:
    return _static("banner.css", "text/css; charset=utf-8")


@router.get("/.well-known/gpc.json", include_in_schema=False)
def gpc_support(manifest: CurrentManifest) -> JSONResponse:
    """Global Privacy Control support (the GPC specification's well-known resource)."""
    return JSONResponse({"gpc": True, "lastUpdate": manifest.policy.effective_date.isoformat()},
                        headers={"Access-Control-Allow-Origin": "*"})
