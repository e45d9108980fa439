"""The privacy center at ``/privacy-center``: the pages a person uses to make a data subject
request, confirm it, follow it and download their data.

Every page works without JavaScript: each action is a plain HTML form that POSTs (with the
CSRF token of ``privet.web.csrf``) and redirects with 303 to the page that shows the
result (post/redirect/get). A request is followed through its status link, signed for
that request only (``privet.workflow.intake.status_token``): the reference alone shows
nothing. The emailed confirmation link opens a page with one button, because email
scanners fetch links: a GET never changes anything.

Each route parses the form, calls one service of ``privet.workflow.intake`` or
``privet.workflow.packages``, and renders or redirects. The wording is in the templates
(``templates/privacy_center/``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from sqlalchemy.orm import Session

from privet.manifest.schema import Manifest
from privet.verification.service import VerificationFailed
from privet.web.csrf import CsrfChecked
from privet.web.deps import (
    CurrentManifest,
    CurrentSettings,
    CurrentWorkspace,
    DbSession,
    Now,
    WorkspaceSecret,
)
from privet.web.pages import render
from privet.workflow import intake
from privet.workflow.packages import current_download_token, open_package
from privet.workflow.schemas import Channel, RequestState, RequestType
from privet.workflow.service import InvalidRequest, get_request, normalise_email

router = APIRouter(prefix="/privacy-center", include_in_schema=False)

MAX_EMAIL = 320
CODE_DIGITS = range(6, 9)
POLLED_STATES = frozenset({RequestState.approved, RequestState.running})
"""States that move on by themselves: the page's optional script refreshes them."""
NOTICES = frozenset({"sent", "confirmed"})
"""What a redirect may ask the status page to say (``?notice=``)."""

FormText = Annotated[str, Form()]


# ------------------------------------------------------------------------------ forms


class RequestForm(BaseModel):
    """The request form as the person filled it in. Each validator's message is shown next
    to its field; ``context["languages"]`` holds the languages the manifest publishes."""

    model_config = ConfigDict(frozen=True)

    type: RequestType
    email: str
    language: str | None
    details: str | None

    @field_validator("type", mode="before")
    @classmethod
    def _known_type(cls, value: object) -> object:
        if value not in {kind.value for kind in RequestType}:
            raise ValueError("Choose what you are asking for.")
        return value

    @field_validator("email", mode="before")
    @classmethod
    def _email(cls, value: object) -> str:
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            raise ValueError("Enter your email address.")
        if len(text) > MAX_EMAIL:
            raise ValueError(f"An email address has at most {MAX_EMAIL} characters.")
        try:
            normalise_email(text)
        except InvalidRequest:
            raise ValueError("Enter an email address like name@example.com.") from None
        return text

    @field_validator("language", mode="before")
    @classmethod
    def _language(cls, value: object, info: ValidationInfo) -> str | None:
        text = value.strip() if isinstance(value, str) else ""
        languages = (info.context or {}).get("languages", ())
        if text and text not in languages:
            raise ValueError("Choose one of the languages in the list.")
        return text or None

    @field_validator("details", mode="before")
    @classmethod
    def _details(cls, value: object, info: ValidationInfo) -> str | None:
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > intake.MAX_DETAILS:
            raise ValueError(f"Write at most {intake.MAX_DETAILS} characters "
                             f"(you wrote {len(text)}).")
        if not text and info.data.get("type") == RequestType.rectification:
            raise ValueError("Say what is wrong and what it should be.")
        return text or None


def _field_errors(error: ValidationError) -> dict[str, str]:
    """The first problem of each field, as the person should read it."""
    problems: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else "form"
        cause = (item.get("ctx") or {}).get("error")
        problems.setdefault(field, str(cause) if cause is not None else item["msg"])
    return problems


def _code_problem(code: str) -> str | None:
    """A typed code that cannot be one (refused before it counts as an attempt)."""
    digits = "".join(code.split())
    if not digits:
        return "Enter the code from the email."
    if not digits.isdigit() or len(digits) not in CODE_DIGITS:
        return "The code is the 6 digits in the email we sent you."
    return None


# ---------------------------------------------------------------------------- helpers


def _status_path(reference: str, token: str, notice: str | None = None) -> str:
    query = {"token": token, **({"notice": notice} if notice else {})}
    return f"{router.prefix}/requests/{quote(reference)}?{urlencode(query)}"


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _form_page(request: Request, manifest: Manifest, *, status_code: int = 200,
               values: dict[str, str] | None = None,
               errors: dict[str, str] | None = None) -> HTMLResponse:
    return render(request, "privacy_center/form.html", status_code=status_code,
                  types=list(RequestType), languages=manifest.policy.languages,
                  values=values or {}, errors=errors or {})


def _status_page(request: Request, session: Session, *, secret: bytes, reference: str,
                 token: str, now: datetime, status_code: int = 200,
                 **context: Any) -> HTMLResponse:
    """The status page of a request whose status ``token`` was already checked."""
    subject_request = get_request(session, reference=reference)
    state = RequestState(subject_request.state)
    download = None
    if state == RequestState.completed and subject_request.type == RequestType.access:
        download = current_download_token(session, secret=secret,
                                          reference=reference, now=now)
    page = render(request, "privacy_center/status.html", status_code=status_code,
                  subject_request=subject_request, state=state.value, token=token,
                  download_token=download, poll=state in POLLED_STATES,
                  code_errors=context.pop("code_errors", {}), **context)
    page.headers["Cache-Control"] = "no-store"  # its address is the key to the request
    return page


# ----------------------------------------------------------------------------- routes


@router.get("", response_class=HTMLResponse)
def request_form(request: Request, manifest: CurrentManifest) -> HTMLResponse:
    """The privacy center: choose what to ask for and give the email to answer to."""
    return _form_page(request, manifest)


@router.post("/requests", response_class=HTMLResponse)
def create_request(request: Request, _csrf: CsrfChecked, session: DbSession,
                   manifest: CurrentManifest, settings: CurrentSettings,
                   secret: WorkspaceSecret, now: Now, type: FormText = "",
                   email: FormText = "", language: FormText = "",
                   details: FormText = "") -> Response:
    """Record the request and email a code; on to its status page to type the code. A form
    with a problem comes back (422) with the problem next to its field; nothing is
    recorded."""
    values = {"type": type, "email": email, "language": language, "details": details}
    try:
        form = RequestForm.model_validate(
            values, context={"languages": manifest.policy.languages})
    except ValidationError as error:
        return _form_page(request, manifest, status_code=422, values=values,
                          errors=_field_errors(error))
    created = intake.submit_request(
        session, manifest=manifest, settings=settings, secret=secret, type=form.type,
        email=form.email, language=form.language, channel=Channel.privacy_center,
        details=form.details, now=now)
    return _see(_status_path(created.reference,
                             intake.status_token(secret, created.reference, now)))


@router.get("/requests/{reference}", response_class=HTMLResponse)
def request_status(request: Request, reference: str, session: DbSession,
                   secret: WorkspaceSecret, now: Now, token: Annotated[str, Query()] = "",
                   notice: Annotated[str, Query()] = "") -> HTMLResponse:
    """Where the request stands: its state, dates and deadline; the code form while it
    waits for confirmation; the download once an access request is completed. Only with
    the request's status link (403 otherwise)."""
    intake.check_status_token(secret, reference, token, now)
    return _status_page(request, session, secret=secret, reference=reference, token=token,
                        now=now, notice=notice if notice in NOTICES else None)


@router.post("/requests/{reference}/verify", response_class=HTMLResponse)
def verify_request(request: Request, reference: str, _csrf: CsrfChecked, session: DbSession,
                   manifest: CurrentManifest, settings: CurrentSettings,
                   secret: WorkspaceSecret, now: Now, token: FormText = "",
                   code: FormText = "") -> Response:
    """Confirm the request with the emailed code. A refused code shows the status page
    again (400) with the reason next to the field; the attempt is counted (it is committed,
    as nothing escapes this route), and after 5 the code no longer works."""
    intake.check_status_token(secret, reference, token, now)
    problem = _code_problem(code)
    if problem is not None:
        return _status_page(request, session, secret=secret, reference=reference,
                            token=token, now=now, status_code=422,
                            code_errors={"message": problem})
    try:
        intake.verify_request(session, manifest=manifest, settings=settings, secret=secret,
                              reference=reference, code=code, now=now)
    except VerificationFailed as refused:
        return _status_page(request, session, secret=secret, reference=reference,
                            token=token, now=now, status_code=refused.http_status,
                            code_errors={"message": refused.message, "hint": refused.hint})
    return _see(_status_path(reference, token, "confirmed"))


@router.post("/requests/{reference}/resend", response_class=HTMLResponse)
def resend_code(reference: str, _csrf: CsrfChecked, session: DbSession,
                manifest: CurrentManifest, settings: CurrentSettings,
                secret: WorkspaceSecret, now: Now, token: FormText = "") -> Response:
    """Email a new code and confirmation link (older ones stop working); a few per hour
    at most (429 beyond)."""
    intake.check_status_token(secret, reference, token, now)
    intake.resend_verification(session, manifest=manifest, settings=settings,
                               secret=secret, reference=reference, now=now)
    return _see(_status_path(reference, token, "sent"))


@router.get("/requests/{reference}/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, reference: str,
                 token: Annotated[str, Query()] = "") -> HTMLResponse:
    """The page of the emailed confirmation link: one button that confirms. Opening it
    changes nothing (mail scanners open links too)."""
    return render(request, "privacy_center/confirm.html", reference=reference, token=token)


@router.post("/requests/{reference}/confirm", response_class=HTMLResponse)
def confirm_request(reference: str, _csrf: CsrfChecked, session: DbSession,
                    manifest: CurrentManifest, settings: CurrentSettings,
                    secret: WorkspaceSecret, now: Now, token: FormText = "") -> Response:
    """Confirm the request with the emailed link (once only: 410 after), then on to its
    status page."""
    intake.verify_request_link(session, manifest=manifest, settings=settings, secret=secret,
                               reference=reference, token=token, now=now)
    return _see(_status_path(reference, intake.status_token(secret, reference, now),
                             "confirmed"))


@router.get("/requests/{reference}/package")
def download_package(reference: str, session: DbSession, workspace: CurrentWorkspace,
                     secret: WorkspaceSecret, now: Now,
                     token: Annotated[str, Query()] = "") -> Response:
    """The access package (a zip) through its signed download link: 403 for a tampered
    link or another request's, 410 once expired or replaced, 404 without a package."""
    filename, content = open_package(session, root=workspace.root, secret=secret,
                                     reference=reference, token=token, now=now)
    safe_name = "".join(c for c in filename if c.isascii() and (c.isalnum() or c in "-_."))
    return Response(content, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{safe_name or "data.zip"}"',
        "Cache-Control": "no-store"})
