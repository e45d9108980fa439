"""The published privacy documents: ``/privacy`` (the current policy), ``/privacy/cookies``
and ``/privacy/subprocessors``, rendered from the workspace's manifest (and its template
overrides) in the site's layout.

The language is ``?lang=`` if given (one the policy is published in, else 404), then the
best of the browser's ``Accept-Language`` the policy is published in, then the policy's
first language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from privet.documents.render import (
    SUPPORTED_LANGUAGES,
    DocumentNotFound,
    overrides_folder,
    render_document,
)
from privet.manifest.schema import Manifest
from privet.web.deps import CurrentManifest, CurrentSettings, CurrentWorkspace
from privet.web.pages import render

router = APIRouter(prefix="/privacy", include_in_schema=False)

PAGES = {"policy": ("privacy-policy", ""), "cookies": ("cookies", "/cookies"),
         "subprocessors": ("subprocessors", "/subprocessors")}
"""Each page: its document and its path under /privacy."""

Language = Annotated[str | None, Query(alias="lang", pattern=r"^[a-z]{2}$",
                                       description="Language: en or fr.")]


def published_languages(manifest: Manifest) -> list[str]:
    """The policy's languages that Privet has words for, in the policy's order."""
    return [lang for lang in manifest.policy.languages if lang in SUPPORTED_LANGUAGES]


def _accepted(header: str) -> list[str]:
    """Accept-Language's languages, best first (``fr-CH, fr;q=0.9, en;q=0.8``)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, index, tag.split("-")[0].lower()))
    return [language for _q, _i, language in sorted(weighted)]


def choose_language(manifest: Manifest, asked: str | None, accept_language: str) -> str:
    """``asked`` if published (DocumentNotFound otherwise), else the browser's best
    published language, else the policy's first."""
    published = published_languages(manifest)
    if not published:
        raise DocumentNotFound(
            "the privacy policy is published in no language Privet has words for",
            hint=f"set `policy.languages` to some of {', '.join(SUPPORTED_LANGUAGES)}")
    if asked is not None:
        if asked not in published:
            raise DocumentNotFound(f"the privacy policy is not published in `{asked}`",
                                   hint=f"published languages: {', '.join(published)}")
        return asked
    for language in _accepted(accept_language):
        if language in published:
            return language
    return published[0]


def _page(request: Request, page: str, manifest: Manifest, base_url: str,
          workspace_root: Path, asked: str | None) -> HTMLResponse:
    language = choose_language(manifest, asked, request.headers.get("accept-language", ""))
    document, _path = PAGES[page]
    body = render_document(
        manifest, f"{document}.html", language,
        overrides=overrides_folder(workspace_root),
        privacy_center_url=base_url.rstrip("/") + "/privacy-center",
        standalone=False)
    response = render(request, "privacy_documents/document.html", lang=language,
                      title=NAV[language][page], body=Markup(body), active=page,
                      languages=published_languages(manifest), nav=NAV[language],
                      language_names=LANGUAGE_NAMES)
    response.headers["Content-Language"] = language
    response.headers["Vary"] = "Accept-Language"
    return response


NAV = {
    "en": {"policy": "Privacy policy", "cookies": "Cookies", "subprocessors": "Subprocessors",
           "versions": "Earlier versions", "center": "Privacy center",
           "languages": "Language", "label": "Privacy documents"},
    "fr": {"policy": "Politique de confidentialité", "cookies": "Cookies",
           "subprocessors": "Sous-traitants", "versions": "Versions précédentes",
           "center": "Centre de confidentialité", "languages": "Langue",
           "label": "Documents de confidentialité"},
}
"""The words of the pages' navigation."""
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


@router.get("", response_class=HTMLResponse)
def privacy_policy(request: Request, manifest: CurrentManifest, settings: CurrentSettings,
                   workspace: CurrentWorkspace, lang: Language = None) -> HTMLResponse:
    """The current privacy policy, rendered from the manifest."""
    return _page(request, "policy", manifest, settings.base_url, workspace.root, lang)


@router.get("/cookies", response_class=HTMLResponse)
def cookie_policy(request: Request, manifest: CurrentManifest, settings: CurrentSettings,
                  workspace: CurrentWorkspace, lang: Language = None) -> HTMLResponse:
    """The cookie table, by category."""
    return _page(request, "cookies", manifest, settings.base_url, workspace.root, lang)


@router.get("/subprocessors", response_class=HTMLResponse)
def subprocessor_list(request: Request, manifest: CurrentManifest, settings: CurrentSettings,
                      workspace: CurrentWorkspace, lang: Language = None) -> HTMLResponse:
    """The subprocessors and other recipients: purpose, data shared, location."""
    return _page(request, "subprocessors", manifest, settings.base_url, workspace.root, lang)
