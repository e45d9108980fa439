"""The messages a data subject receives about a request, in the manifest's languages.

Each function returns a ``RenderedMessage`` (subject, text, html) ready for
``mailer.queue_message``. The wording lives in Jinja2 templates, one folder per language
(``templates/en``, ``templates/fr``): ``<message>.txt`` holds the subject (block
``subject``) and the plain-text body, ``<message>.html`` the HTML body, autoescaped, so a
reason or a name written by a person cannot inject markup. The organisation's name and
contacts come from the ``Manifest`` passed in.

Language: the one asked for if the manifest publishes in it and Privet has its templates;
else the manifest's first language Privet has; else English.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from privet.kit.words import date_words
from privet.manifest.schema import Manifest
from privet.notify.errors import InvalidMessageError

LANGUAGES = ("en", "fr")
"""Languages Privet has message templates for."""

REQUEST_TYPES = ("access", "erasure", "rectification", "restriction", "objection",
                 "marketing_opt_out", "portability")

_REQUEST_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "access": "access to your personal data",
        "erasure": "erasure of your personal data",
        "rectification": "rectification of your personal data",
        "restriction": "restriction of the processing of your personal data",
        "objection": "objection to the processing of your personal data",
        "portability": "a portable copy of your personal data",
        "marketing_opt_out": "an end to marketing messages",
    },
    "fr": {
        "access": "accès à vos données personnelles",
        "erasure": "effacement de vos données personnelles",
        "rectification": "rectification de vos données personnelles",
        "restriction": "limitation du traitement de vos données personnelles",
        "objection": "opposition au traitement de vos données personnelles",
        "portability": "copie portable de vos données personnelles",
        "marketing_opt_out": "l'arrêt des messages commerciaux",
    },
}


class RenderedMessage(NamedTuple):
    """A message ready to queue: one-line subject, plain-text body, HTML body."""

    subject: str
    text: str
    html: str


def message_language(manifest: Manifest, requested: str | None) -> str:
    """The language a message is written in (``fr-FR`` and ``FR`` read as ``fr``)."""
    published = [lang for lang in manifest.policy.languages if lang in LANGUAGES]
    wanted = (requested or "").strip().lower().replace("_", "-").split("-")[0]
    if wanted in published:
        return wanted
    return published[0] if published else "en"


def verification_message(
    manifest: Manifest,
    *,
    expires_at: datetime,
    code: str | None = None,
    link: str | None = None,
    request_type: str | None = None,
    reference: str | None = None,
    language: str | None = "en",
) -> RenderedMessage:
    """Ask the person to confirm the request is theirs: a one-time code, a link, or both,
    valid until ``expires_at`` (UTC if naive)."""
    if not code and not link:
        raise InvalidMessageError("a verification message needs a code or a link",
                                  hint="pass code=..., link=... or both")
    lang = message_language(manifest, language)
    return _render("verification", manifest, lang, {
        "code": code,
        "link": _checked_link(link) if link else None,
        "expires": _moment(expires_at, lang),
        "request_label": _request_label(request_type, lang) if request_type else None,
        "reference": reference,
    })


def preferences_message(manifest: Manifest, *, link: str, expires_at: datetime,
                        language: str | None = "en") -> RenderedMessage:
    """The link to a person's consent and marketing preferences, valid until
    ``expires_at``."""
    lang = message_language(manifest, language)
    return _render("preferences", manifest, lang, {
        "link": _checked_link(link), "expires": _moment(expires_at, lang)})


def receipt_message(
    manifest: Manifest,
    *,
    request_type: str,
    reference: str,
    deadline: date,
    language: str | None = "en",
) -> RenderedMessage:
    """Acknowledge a verified request: what was asked, its reference, the date of the
    answer at the latest."""
    lang = message_language(manifest, language)
    return _render("receipt", manifest, lang, {
        "request_label": _request_label(request_type, lang),
        "reference": _required(reference, "reference"),
        "deadline": date_words(deadline, lang),
        "response_time": manifest.organization.response_deadline.in_words(lang),
    })


def extension_message(
    manifest: Manifest,
    *,
    request_type: str,
    reference: str,
    new_deadline: date,
    reason: str,
    language: str | None = "en",
) -> RenderedMessage:
    """Tell the person the answer will take longer (GDPR Art. 12(3)): the new date and why.

    Art. 12(3) requires this message within the first deadline, with the reasons; the
    caller checks the new date is within the manifest's ``extension_limit``."""
    lang = message_language(manifest, language)
    return _render("extension", manifest, lang, {
        "request_label": _request_label(request_type, lang),
        "reference": _required(reference, "reference"),
        "deadline": date_words(new_deadline, lang),
        "reason": _required(reason, "reason"),
    })


def completion_message(
    manifest: Manifest,
    *,
    request_type: str,
    reference: str,
    download_link: str | None = None,
    link_expires_at: datetime | None = None,
    note: str | None = None,
    language: str | None = "en",
) -> RenderedMessage:
    """Tell the person the request is done; for access (or portability), where to
    download the copy and until when. ``note``: anything else they should know, e.g. data
    kept under a legal hold and why."""
    if download_link and link_expires_at is None:
        raise InvalidMessageError("a download link needs its expiry (link_expires_at)")
    lang = message_language(manifest, language)
    return _render("completion", manifest, lang, {
        "request_type": request_type,
        "request_label": _request_label(request_type, lang),
        "reference": _required(reference, "reference"),
        "link": _checked_link(download_link) if download_link else None,
        "expires": _moment(link_expires_at, lang) if link_expires_at else None,
        "note": note.strip() if note and note.strip() else None,
    })


def rejection_message(
    manifest: Manifest,
    *,
    request_type: str,
    reference: str,
    reason: str,
    language: str | None = "en",
) -> RenderedMessage:
    """Tell the person the request will not be acted on, why, and that they may complain
    to the supervisory authority named in the manifest and seek a judicial remedy
    (GDPR Art. 12(4))."""
    lang = message_language(manifest, language)
    return _render("rejection", manifest, lang, {
        "request_label": _request_label(request_type, lang),
        "reference": _required(reference, "reference"),
        "reason": _required(reason, "reason"),
        "authority": manifest.organization.supervisory_authority,
    })


_COUNT_NAMES = {
    "en": {"rows_found": "records found", "rows_deleted": "records deleted",
           "rows_masked": "records anonymised", "rows_kept": "records kept under a legal "
           "obligation", "rows_changed": "records changed", "tables": "tables"},
    "fr": {"rows_found": "enregistrements trouvés", "rows_deleted": "enregistrements supprimés",
           "rows_masked": "enregistrements anonymisés", "rows_kept": "enregistrements conservés "
           "par obligation légale", "rows_changed": "enregistrements modifiés",
           "tables": "tables"},
}


def customer_notice_message(
    manifest: Manifest,
    *,
    request_type: str,
    reference: str,
    subject_email: str,
    customer_name: str | None,
    completed_at: datetime,
    counts: dict[str, int],
    language: str | None = "en",
) -> RenderedMessage:
    """Processor mode: tell a customer (the controller) that a request about one of its
    contacts was carried out on the data held for it, with what was done."""
    lang = message_language(manifest, language)
    names = _COUNT_NAMES[lang]
    return _render("customer_notice", manifest, lang, {
        "request_label": _request_label(request_type, lang),
        "reference": _required(reference, "reference"),
        "subject_email": _required(subject_email, "subject email"),
        "customer_name": customer_name,
        "completed": _moment(completed_at, lang),
        "counts": [(names.get(key, key.replace("_", " ")), value)
                   for key, value in counts.items()],
    })


def change_notice_message(manifest: Manifest, *, language: str, label: str, effective: date,
                          changes: list[str], other_changes: int, new_link: str,
                          previous_link: str | None) -> RenderedMessage:
    """A published policy version's notice to the people it concerns: its material changes
    in words, when it takes effect, links to it and to the version it replaces."""
    lang = message_language(manifest, language)
    return _render("change_notice", manifest, lang, {
        "label": label, "effective": date_words(effective, lang), "changes": changes,
        "other_changes": other_changes, "new_link": new_link,
        "previous_link": previous_link})


def reminder_message(manifest: Manifest, *, items: list[dict[str, Any]], days: int,
                     link: str) -> RenderedMessage:
    """Remind the privacy team of requests due within ``days`` (in English: staff mail)."""
    return _render("reminder", manifest, "en", {
        "items": items, "count": len(items), "days": days, "link": _checked_link(link)})


# ------------------------------------------------------------------------------ rendering


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("privet.notify", "templates"),
        # HTML is escaped; text and subjects are not (they are not markup).
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False,
                                     default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(name: str, manifest: Manifest, language: str,
            values: dict[str, Any]) -> RenderedMessage:
    organization = manifest.organization
    context = {
        "language": language,
        "organization": organization.name,
        "contact_email": organization.contact.email,
        "dpo_email": organization.dpo.email if organization.dpo else None,
        "website": organization.website,
        **values,
    }
    environment = _environment()
    text_template = environment.get_template(f"{language}/{name}.txt")
    subject_parts = text_template.blocks["subject"](text_template.new_context(context))
    # One line whatever the manifest's names hold: a header cannot carry a line break.
    subject = " ".join("".join(subject_parts).split())
    text = _tidy(text_template.render(context))
    html = environment.get_template(f"{language}/{name}.html").render(
        {**context, "subject": subject})
    return RenderedMessage(subject, text, html)


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"


def _required(value: str, name: str) -> str:
    if not value or not value.strip():
        raise InvalidMessageError(f"the message needs a {name}; it is empty")
    return value.strip()


def _checked_link(link: str) -> str:
    parts = urlsplit(link)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(
            c in link for c in "\r\n\t "):
        raise InvalidMessageError(f"`{link}` is not a web link",
                                  hint="links in messages are absolute http(s) URLs")
    return link


def _request_label(request_type: str, language: str) -> str:
    labels = _REQUEST_LABELS[language]
    if request_type not in labels:
        raise InvalidMessageError(f"unknown request type `{request_type}`",
                                  hint=f"one of: {', '.join(REQUEST_TYPES)}")
    return labels[request_type]


def _moment(moment: datetime, language: str) -> str:
    utc = moment.astimezone(UTC) if moment.tzinfo else moment
    if language == "fr":
        return f"{date_words(utc.date(), language)} à {utc.hour} h {utc.minute:02d} UTC"
    return f"{date_words(utc.date(), language)} at {utc.hour:02d}:{utc.minute:02d} UTC"
