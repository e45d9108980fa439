"""The privacy center's consent pages: the preference center (``/privacy-center/
preferences``) and the unsubscribe page of marketing email (``/consent/unsubscribe``,
which is also the RFC 8058 one-click endpoint).

A person proves their address by the emailed link: the preference page opens only with a
genuine, unexpired link token, so nobody sees or changes another person's choices. Each
route parses the form, calls one service of ``privet.consent``, and renders or redirects.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from privet.consent import links, service
from privet.consent.endpoints import CurrentNotice
from privet.consent.notices import Notice
from privet.web.csrf import CsrfChecked
from privet.web.deps import CurrentManifest, CurrentSettings, DbSession, Now, WorkspaceSecret
from privet.web.pages import render

router = APIRouter(include_in_schema=False)
PREFERENCES = "/privacy-center/preferences"

FormText = Annotated[str, Form()]


def _no_store(page: HTMLResponse) -> HTMLResponse:
    page.headers["Cache-Control"] = "no-store"  # the address holds the key to the page
    return page


@router.get(PREFERENCES, response_class=HTMLResponse)
def ask_for_link(request: Request) -> HTMLResponse:
    """Give your email address; a link to your preferences is emailed to it."""
    return render(request, "privacy_center/preferences_ask.html", active="preferences",
                  errors={}, values={})


@router.post(PREFERENCES, response_class=HTMLResponse)
def send_link(request: Request, _csrf: CsrfChecked, session: DbSession,
              manifest: CurrentManifest, settings: CurrentSettings, secret: WorkspaceSecret,
              now: Now, email: FormText = "", language: FormText = "") -> HTMLResponse:
    """Email the preferences link. The page says the same whether or not the address is
    known to us, so it tells nobody who our customers are."""
    try:
        links.send_preferences_link(session, manifest=manifest, base_url=settings.base_url,
                                    secret=secret, email=email.strip(),
                                    language=language or None, now=now)
    except service.InvalidConsent:
        return render(request, "privacy_center/preferences_ask.html", status_code=422,
                      active="preferences", values={"email": email},
                      errors={"email": "Enter an email address like name@example.com."})
    return render(request, "privacy_center/preferences_sent.html", active="preferences")


@router.get(f"{PREFERENCES}/manage", response_class=HTMLResponse)
def preferences_page(request: Request, session: DbSession, manifest: CurrentManifest,
                     secret: WorkspaceSecret, notice: CurrentNotice, now: Now,
                     token: Annotated[str, Query()] = "",
                     saved: Annotated[str, Query()] = "") -> HTMLResponse:
    """Every purpose a person chooses, where it stands and since when; the history of their
    choices (403 without a genuine link, 410 once it expired)."""
    email = links.read_preferences_token(secret, token, now=now)
    found = service.subject_consent(session, secret=secret, manifest=manifest, email=email,
                                    now=now)
    return _no_store(render(
        request, "privacy_center/preferences.html", active="preferences", token=token,
        email=email, purposes=notice.content["purposes"], current=found.current.purposes,
        receipts=list(reversed(found.receipts)), saved=saved == "1",
        cookie_name=notice.content["cookie_name"]))


@router.post(f"{PREFERENCES}/manage", response_class=HTMLResponse)
def save_preferences(request: Request, _csrf: CsrfChecked, session: DbSession,
                     manifest: CurrentManifest, secret: WorkspaceSecret,
                     notice: CurrentNotice, now: Now, token: FormText = "",
                     purpose: Annotated[list[str] | None, Form()] = None) -> Response:
    """Record the choices on the page as one receipt (source ``preference_center``);
    nothing is recorded when nothing changed."""
    email = links.read_preferences_token(secret, token, now=now)
    service.save_preferences(
        session, secret=secret, manifest=manifest, notice=notice, email=email,
        ticked=set(purpose or ()), now=now,
        gpc=request.headers.get("sec-gpc", "").strip() == "1",
        user_agent=request.headers.get("user-agent"),
        ip_address=request.client.host if request.client else None)
    query = urlencode({"token": token, "saved": "1"})
    return RedirectResponse(f"{PREFERENCES}/manage?{query}", status_code=303)


@router.get("/consent/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, secret: WorkspaceSecret, notice: CurrentNotice,
                     token: Annotated[str, Query()] = "") -> HTMLResponse:
    """The page of the unsubscribe link: one button. Opening it changes nothing (mail
    scanners open links)."""
    claim = links.read_unsubscribe_token(secret, token)
    return _no_store(render(request, "privacy_center/unsubscribe.html", token=token,
                            purpose=_purpose_name(notice, claim.purpose),
                            email=_masked(claim.email), done=False))


@router.post("/consent/unsubscribe", response_class=HTMLResponse)
def unsubscribe(request: Request, session: DbSession, manifest: CurrentManifest,
                secret: WorkspaceSecret, notice: CurrentNotice, now: Now,
                token: Annotated[str, Query()] = "",
                one_click: Annotated[str, Form(alias="List-Unsubscribe")] = "") -> Response:
    """Unsubscribe: the button of the page above, or a mail client's RFC 8058 one-click
    POST (body ``List-Unsubscribe=One-Click``, no cookie: the sealed token in the address
    is the authority). Doing it twice records nothing more."""
    claim = links.read_unsubscribe_token(secret, token)
    links.unsubscribe(session, secret=secret, notice=notice, claim=claim, now=now,
                      manifest=manifest, user_agent=request.headers.get("user-agent"))
    if one_click == "One-Click":
        return PlainTextResponse("unsubscribed\n")
    return _no_store(render(request, "privacy_center/unsubscribe.html", token=token,
                            purpose=_purpose_name(notice, claim.purpose),
                            email=_masked(claim.email), done=True))


def _purpose_name(notice: Notice, key: str) -> str:
    for purpose in notice.content["purposes"]:
        if purpose["key"] == key:
            return str(purpose["name"])
    raise service.UnknownPurpose(f"this list (`{key}`) no longer exists",
                                 hint="nothing to unsubscribe from")


def _masked(email: str) -> str:
    """``c•••@example.org``: enough for a person to recognise their address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}\u2022\u2022\u2022@{domain}"

