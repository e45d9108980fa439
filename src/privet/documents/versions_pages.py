"""The published versions, at stable addresses anyone can read (no sign-in):

- ``/privacy/versions``: every version, when it takes effect, whether its changes were
  material, and what changed;
- ``/privacy/versions/{label}``: that version's privacy policy, as archived (``?lang=``);
- ``/privacy/versions/{label}/{document}``: its cookie policy (``cookies``) or its
  subprocessor list (``subprocessors``).

The document shown is the archived text itself, inside the site's frame with a note
saying which version it is and whether it is in force.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from privet.documents import versions
from privet.documents.diff import Change
from privet.documents.render import DOCUMENTS
from privet.models.documents import DocumentVersion
from privet.web.deps import CurrentManifest, DbSession, Now
from privet.web.pages import render

router = APIRouter(prefix="/privacy/versions", include_in_schema=False)
Lang = Annotated[str | None, Query(pattern=r"^[a-z]{2}$", description="en or fr")]

_WORDS = {
    "en": {
        "title": "Versions of our privacy policy",
        "intro": "Every version we published, with what changed. Earlier versions stay "
                 "readable at their own address.",
        "none": "No version is published yet.",
        "version": "Version", "effective": "Takes effect", "published": "Published",
        "status": "Status", "material": "Material change", "changes": "What changed",
        "yes": "yes", "no": "no", "in_force": "in force", "upcoming": "not yet in force",
        "replaced": "replaced by a later version",
        "archived": "An archived copy, exactly as published.", "all": "All versions",
        "documents": "Documents of this version",
        "privacy-policy": "Privacy policy", "cookies": "Cookies",
        "subprocessors": "Subprocessors",
    },
    "fr": {
        "title": "Versions de notre politique de confidentialité",
        "intro": "Chaque version publiée, avec ce qui a changé. Les versions antérieures "
                 "restent consultables à leur propre adresse.",
        "none": "Aucune version n'est encore publiée.",
        "version": "Version", "effective": "En vigueur le", "published": "Publiée le",
        "status": "Statut", "material": "Changement important",
        "changes": "Ce qui a changé", "yes": "oui", "no": "non",
        "in_force": "en vigueur", "upcoming": "pas encore en vigueur",
        "replaced": "remplacée par une version ultérieure",
        "archived": "Une copie archivée, telle que publiée.", "all": "Toutes les versions",
        "documents": "Documents de cette version",
        "privacy-policy": "Politique de confidentialité", "cookies": "Cookies",
        "subprocessors": "Sous-traitants",
    },
}
_ARTICLE = re.compile(r"<article\b.*</article>", re.DOTALL)


def _language(asked: str | None, default: str) -> str:
    return asked if asked in _WORDS else (default if default in _WORDS else "en")


def version_status(version: DocumentVersion, all_versions: Sequence[DocumentVersion],
                   today: date) -> str:
    """``in_force``, ``upcoming`` or ``replaced``, on ``today``."""
    if version.effective_date > today:
        return "upcoming"
    started = [v for v in all_versions if v.effective_date <= today]
    current = max(started, key=lambda v: v.effective_date)
    return "in_force" if current.id == version.id else "replaced"


@dataclass(frozen=True)
class _Row:
    label: str
    effective_date: date
    published_at: object
    status: str
    material: bool
    summary: str
    changes: list[str]


@router.get("", response_class=HTMLResponse)
def versions_page(request: Request, session: DbSession, manifest: CurrentManifest, now: Now,
                  lang: Lang = None) -> HTMLResponse:
    """Every published version, newest first, with what changed."""
    language = _language(lang, manifest.policy.languages[0])
    found = versions.list_versions(session)
    rows = [_Row(v.label, v.effective_date, v.published_at,
                 version_status(v, found, now.date()), v.material, v.summary,
                 [Change.from_json(c).sentence(language) for c in v.changes])
            for v in found]
    return render(request, "documents/versions.html", versions=rows, words=_WORDS[language],
                  lang=language, asked_lang=lang if lang in _WORDS else None)


def _document_page(request: Request, session: DbSession, label: str, document: str,
                   lang: str | None, today: date) -> HTMLResponse:
    version = versions.get_version(session, label)
    languages = versions.version_languages(session, version)
    language = lang or versions.version_manifest(version).policy.languages[0]
    archived = versions.get_document(session, label, document, language=language)
    found = _ARTICLE.search(archived.text)
    if found is None:  # a company's own template without Privet's frame: served whole
        return HTMLResponse(archived.text)
    # The archived HTML was escaped when it was rendered; shown as it was stored.
    body = Markup(found.group(0))
    words = _WORDS[_language(language, "en")]
    return render(request, "documents/version.html", version=version, body=body,
                  words=words, status=version_status(version, versions.list_versions(session),
                                                     today),
                  document=document, language=language, languages=languages,
                  documents=[(d, words[d]) for d in DOCUMENTS], lang=language)


@router.get("/{label}", response_class=HTMLResponse)
def version_page(label: str, request: Request, session: DbSession, now: Now,
                 lang: Lang = None) -> HTMLResponse:
    """The privacy policy of version ``label``, as archived; 404 for an unknown version."""
    return _document_page(request, session, label, "privacy-policy", lang, now.date())


@router.get("/{label}/{document}", response_class=HTMLResponse)
def version_document_page(label: str, document: str, request: Request, session: DbSession,
                          now: Now, lang: Lang = None) -> HTMLResponse:
    """Another document of version ``label``: ``cookies`` or ``subprocessors``."""
    return _document_page(request, session, label, document, lang, now.date())
