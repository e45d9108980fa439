"""The human privacy documents, rendered from the manifest alone.

``render_documents`` gives every document in every language: the privacy policy (HTML and
Markdown), the cookie table and the subprocessor list. What a document says comes from the
manifest; its fixed words come from ``texts.py`` (English and French); its shape comes from
Jinja2 templates (``templates/``), any of which a company replaces by putting a file of the
same name in ``<workspace>/privacy/templates/``.

A section whose facts the manifest does not give is left out, never filled with a
placeholder: no DPO, no DPO paragraph; no recipient outside the EEA, no transfer section.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import pycountry
from markupsafe import Markup, escape

from privet.consent.texts import BANNER, CATEGORIES
from privet.documents import texts
from privet.kit.durations import Duration
from privet.kit.errors import PrivetError
from privet.kit.files import write_files
from privet.kit.words import date_words
from privet.manifest.lint import leaves_free_flow_zone
from privet.manifest.schema import (
    Contact,
    Cookie,
    CookieCategory,
    Jurisdiction,
    LegalBasis,
    Manifest,
    Organization,
    Processor,
    ProcessorRole,
    RetentionAction,
    RetentionRule,
    Transfer,
    TransferMechanism,
)

SUPPORTED_LANGUAGES = texts.LANGUAGES
DOCUMENTS = ("privacy-policy", "cookies", "subprocessors")
"""The documents, by name; each has an ``.html`` and a ``.md`` template."""
FORMATS = ("html", "md")
TEMPLATES_DIR = Path(__file__).parent / "templates"
OVERRIDES_FOLDER = Path("privacy") / "templates"
"""Where a workspace keeps its own templates, relative to its root."""
DEFAULT_OUT = Path("public") / "privacy"
"""Where ``privet docs render`` writes, relative to the workspace root."""


class DocumentError(PrivetError):
    """A document cannot be rendered: an unsupported language, a broken override template."""

    http_status = 400


class DocumentNotFound(DocumentError):
    """No such document, or not in that language."""

    http_status = 404


def overrides_folder(workspace_root: Path) -> Path:
    """The folder whose templates replace Privet's: ``<workspace>/privacy/templates``."""
    return workspace_root / OVERRIDES_FOLDER


# ---------------------------------------------------------------------------- words


def duration_words(period: Duration, language: str) -> str:
    """``12 months``, ``3 years``, ``7 days`` (``12 mois``, ``3 ans``, ``7 jours``)."""
    return period.in_words(language)


@cache
def _country_translation(language: str) -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language],
                               fallback=True)


def country_words(code: str, language: str) -> str:
    """The country's short name in ``language`` (``United States``, ``États-Unis``)."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name = str(getattr(country, "common_name", None) or country.name)
    return name if language == "en" else _country_translation(language).gettext(name)


def category_words(manifest: Manifest, key: str, language: str) -> str:
    """A data category's human name; the taxonomy's (English) name when no French one."""
    term = manifest.taxonomy_index.terms["data_category"].get(key)
    if language == "fr" and (term is None or not term.custom) and \
            key in texts.CATEGORY_NAMES_FR:
        return texts.CATEGORY_NAMES_FR[key]
    return term.name if term is not None else key


def subject_words(manifest: Manifest, key: str, language: str) -> str:
    term = manifest.taxonomy_index.terms["data_subject"].get(key)
    if language == "fr" and (term is None or not term.custom) and \
            key in texts.SUBJECT_NAMES_FR:
        return texts.SUBJECT_NAMES_FR[key]
    return term.name if term is not None else key


def use_words(manifest: Manifest, key: str) -> str:
    return manifest.taxonomy_index.name("data_use", key)


def transfer_words(transfer: Transfer, language: str) -> str:
    mechanisms = texts.TRANSFER_MECHANISMS[language]
    if transfer.mechanism is TransferMechanism.scc and transfer.scc_module is not None:
        return mechanisms["scc_module"].format(
            module=transfer.scc_module,
            parties=texts.SCC_MODULES[language][transfer.scc_module])
    if transfer.mechanism is TransferMechanism.derogation and transfer.derogation:
        return mechanisms["derogation_ground"].format(ground=transfer.derogation)
    return mechanisms[transfer.mechanism.value]


# ---------------------------------------------------------------------------- the view


@dataclass(frozen=True)
class PurposeView:
    key: str
    name: str
    description: str | None
    data: list[str]
    subjects: list[str]
    legal_basis: str | None
    """The basis's key (``consent``, ``legitimate_interest``…)."""
    basis: str | None
    """The basis in words."""
    legitimate_interest: str | None
    special_condition: str | None
    consent_channels: list[str]
    recipients: list[str]
    retention: str | None
    retention_note: str | None


@dataclass(frozen=True)
class RecipientView:
    key: str
    name: str
    role_key: str
    role: str
    service: str
    purposes: list[str]
    data: list[str]
    country: str
    country_code: str
    outside_eea: bool
    transfer: str | None
    transfer_note: str | None
    website: str | None
    dpa: str | None


@dataclass(frozen=True)
class CookieView:
    label: str
    provider: str
    purpose: str
    lifetime: str


@dataclass(frozen=True)
class CookieGroup:
    key: str
    name: str
    description: str
    cookies: list[CookieView]


@dataclass(frozen=True)
class HoldView:
    reason: str
    law: str | None
    period: str


@dataclass(frozen=True)
class BackupView:
    store: str
    period: str


@dataclass(frozen=True)
class RuleView:
    """A retention rule: the manifest's statement, or a sentence made from the rule."""

    key: str
    statement: str | None
    what: str
    action: str
    period: str
    grace: str | None
    later: str | None


@dataclass(frozen=True)
class DecisionView:
    name: str
    description: str
    ground: str
    logic: str
    consequences: str
    profiling: bool
    safeguards: list[str]


@dataclass(frozen=True)
class RightView:
    key: str
    title: str
    description: str


@dataclass(frozen=True)
class NeverView:
    """A promise: the manifest's own words if it gave them, else the generated sentence's
    parts (``kind``: ``collect``, ``collect_from``, ``store``, ``use``)."""

    kind: str
    statement: str | None
    items: str
    extra: str = ""


@dataclass(frozen=True)
class ResidencyView:
    statement: str | None
    categories: str | None
    regions: str


@dataclass(frozen=True)
class PolicyView:
    """What the templates receive as ``policy``; every list is empty when the manifest says
    nothing of it, and the template then leaves its section out."""

    organization: Organization
    country: str
    dpo: Contact | None
    eu_representative: Contact | None
    uk_representative: Contact | None
    supervisory_authority: str | None
    role: str
    purposes: list[PurposeView]
    never: list[NeverView]
    recipients: list[RecipientView]
    subprocessors: list[RecipientView]
    other_recipients: list[RecipientView]
    transfers: list[RecipientView]
    residency: list[ResidencyView]
    retention_rules: list[RuleView]
    legal_holds: list[HoldView]
    backups: list[BackupView]
    automated_decisions: list[DecisionView]
    laws: str
    rights: list[RightView]
    privacy_center_url: str | None
    response_deadline: str
    extension_limit: str
    cookie_groups: list[CookieGroup]
    asks_cookie_consent: bool
    cookie_settings_label: str
    refusal_lifetime: str
    consent_lifetime: str
    gpc_categories: str | None
    security_measures: list[tuple[str, str | None]]
    version: str
    effective_date: str
    notice_period: str | None
    languages: list[str] = field(default_factory=list)


_RIGHTS_ORDER = ("access", "rectification", "erasure", "restriction", "portability",
                 "objection", "withdraw_consent", "automated", "opt_out_sale",
                 "non_discrimination", "complaint")
_RIGHTS_BY_LAW: dict[Jurisdiction, tuple[str, ...]] = {
    Jurisdiction.gdpr: ("access", "rectification", "erasure", "restriction", "portability",
                        "objection", "withdraw_consent", "automated", "complaint"),
    Jurisdiction.uk_gdpr: ("access", "rectification", "erasure", "restriction",
                           "portability", "objection", "withdraw_consent", "automated",
                           "complaint"),
    Jurisdiction.swiss_fadp: ("access", "rectification", "erasure", "portability",
                              "objection", "withdraw_consent", "automated", "complaint"),
    Jurisdiction.ccpa: ("access", "rectification", "erasure", "opt_out_sale",
                        "non_discrimination"),
    Jurisdiction.lgpd: ("access", "rectification", "erasure", "portability", "objection",
                        "withdraw_consent", "complaint"),
    Jurisdiction.pipeda: ("access", "rectification", "withdraw_consent", "complaint"),
}


def rights_for(manifest: Manifest) -> list[str]:
    """The rights the manifest's jurisdictions give, in a fixed order; withdrawing consent
    only where a purpose rests on consent, the automated-decision right only where the
    manifest declares such decisions."""
    granted = {right for law in manifest.organization.jurisdictions
               for right in _RIGHTS_BY_LAW[law]}
    if not any(p.legal_basis is LegalBasis.consent for p in manifest.purposes.values()):
        granted.discard("withdraw_consent")
    if not manifest.automated_decisions:
        granted.discard("automated")
    return [right for right in _RIGHTS_ORDER if right in granted]


def _join(items: Sequence[str]) -> str:
    return ", ".join(items)


def _recipient(manifest: Manifest, key: str, processor: Processor,
               language: str) -> RecipientView:
    purposes = [manifest.purposes[p].name for p in processor.purposes if p in manifest.purposes]
    return RecipientView(
        key=key, name=processor.name, role_key=processor.role.value,
        role=texts.PROCESSOR_ROLES[language][processor.role.value], service=processor.service,
        purposes=purposes,
        data=[category_words(manifest, c, language) for c in processor.data_categories],
        country=country_words(processor.country, language), country_code=processor.country,
        outside_eea=leaves_free_flow_zone(manifest, processor.country),
        transfer=transfer_words(processor.transfer, language) if processor.transfer else None,
        transfer_note=processor.transfer.note if processor.transfer else None,
        website=processor.website, dpa=processor.dpa)


def _rule_view(manifest: Manifest, key: str, rule: RetentionRule, language: str) -> RuleView:
    what = rule.description
    if what is None and rule.table is not None:
        for store, table in manifest.retention_targets(rule):
            described = manifest.datastores[store].tables.get(table)
            if described is not None and described.description:
                what = described.description.rstrip(".")
                break
    if what is None and rule.categories:
        what = _join([category_words(manifest, c, language) for c in rule.categories])
    return RuleView(
        key=key, statement=rule.statement, what=what or (rule.table or key),
        action=rule.action.value, period=duration_words(rule.period, language),
        grace=duration_words(rule.grace, language) if rule.grace else None,
        later=(duration_words(rule.delete_after, language)
               if rule.action is RetentionAction.anonymise_then_delete and rule.delete_after
               else None))


def _cookie_provider(manifest: Manifest, cookie: Cookie) -> str:
    if cookie.provider == "first_party":
        return manifest.organization.name
    processor = manifest.processors.get(cookie.provider)
    return processor.name if processor is not None else cookie.provider


def _cookie_groups(manifest: Manifest, language: str) -> list[CookieGroup]:
    groups: list[CookieGroup] = []
    for category in CookieCategory:
        cookies = [c for c in manifest.cookies if c.category is category]
        if not cookies:
            continue
        name, description = CATEGORIES[category][language]
        groups.append(CookieGroup(category.value, name, description, [
            CookieView(label=c.label, provider=_cookie_provider(manifest, c), purpose=c.purpose,
                       lifetime=(texts.SENTENCES[language]["cookies.session"]
                                 if c.lifetime == "session"
                                 else duration_words(c.lifetime, language)))
            for c in cookies]))
    return groups


def _never(manifest: Manifest, language: str) -> list[NeverView]:
    promises = manifest.promises
    found: list[NeverView] = []
    for collect in promises.never_collect:
        categories = _join([category_words(manifest, c, language) for c in collect.categories])
        subjects = _join([subject_words(manifest, s, language) for s in collect.subjects])
        found.append(NeverView("collect_from" if subjects else "collect", collect.statement,
                               categories, subjects))
    for store in promises.never_store:
        found.append(NeverView("store", store.statement, _join(
            [texts.VALUE_TYPES[language][v.value] for v in store.values])))
    for use in promises.never_use:
        found.append(NeverView(
            "use", use.statement,
            _join([category_words(manifest, c, language) for c in use.categories]),
            _join([use_words(manifest, u) for u in use.uses])))
    return found


def _region_words(region: str, language: str) -> str:
    return texts.REGIONS[language].get(region) or country_words(region, language)


def policy_view(manifest: Manifest, language: str, *,
                privacy_center_url: str | None = None) -> PolicyView:
    """Everything the templates show, in ``language``'s words, from ``manifest`` alone."""
    organization = manifest.organization
    recipients_of: dict[str, list[str]] = {}
    for processor in manifest.processors.values():
        for purpose in processor.purposes:
            recipients_of.setdefault(purpose, []).append(processor.name)
    purposes = [
        PurposeView(
            key=key, name=p.name, description=p.description,
            data=[category_words(manifest, c, language) for c in p.data_categories],
            subjects=[subject_words(manifest, s, language) for s in p.data_subjects],
            legal_basis=p.legal_basis.value if p.legal_basis else None,
            basis=texts.LEGAL_BASES[language][p.legal_basis.value] if p.legal_basis else None,
            legitimate_interest=p.legitimate_interest,
            special_condition=(texts.SPECIAL_CONDITIONS[language][
                p.special_category_condition.value] if p.special_category_condition else None),
            consent_channels=[texts.CONSENT_CHANNELS[language][c.value]
                              for c in p.consent_capture],
            recipients=recipients_of.get(key, []),
            retention=duration_words(p.retention, language) if p.retention else None,
            retention_note=p.retention_note)
        for key, p in manifest.purposes.items()]
    recipients = [_recipient(manifest, key, p, language)
                  for key, p in manifest.processors.items()]
    holds: dict[tuple[str, str | None, str], HoldView] = {}
    for _store, _name, table in manifest.tables():
        for hold in table.legal_holds.values():
            view = HoldView(hold.reason, hold.law, duration_words(hold.period, language))
            holds.setdefault((view.reason, view.law, view.period), view)
    non_necessary = any(c.category is not CookieCategory.necessary for c in manifest.cookies)
    gpc = [CATEGORIES[c][language][0] for c in manifest.consent.gpc_categories
           if any(cookie.category is c for cookie in manifest.cookies)]
    role = organization.role.value
    rights = rights_for(manifest)
    return PolicyView(
        organization=organization, country=country_words(organization.country, language),
        dpo=organization.dpo, eu_representative=organization.eu_representative,
        uk_representative=organization.uk_representative,
        supervisory_authority=organization.supervisory_authority, role=role,
        purposes=purposes, never=_never(manifest, language), recipients=recipients,
        subprocessors=[r for r in recipients if r.role_key == ProcessorRole.subprocessor.value],
        other_recipients=[r for r in recipients
                          if r.role_key != ProcessorRole.subprocessor.value],
        transfers=[r for r in recipients if r.outside_eea],
        residency=[ResidencyView(
            d.statement,
            _join([category_words(manifest, c, language) for c in d.categories]) or None,
            _join([_region_words(r, language) for r in d.regions]))
            for d in manifest.promises.data_residency],
        retention_rules=[_rule_view(manifest, key, rule, language)
                         for key, rule in manifest.retention.items()],
        legal_holds=list(holds.values()),
        backups=[BackupView(store.name or key, duration_words(store.backup_retention, language))
                 for key, store in manifest.datastores.items() if store.backup_retention],
        automated_decisions=[DecisionView(
            d.name, d.description, texts.AUTOMATED_GROUNDS[language][d.legal_basis], d.logic,
            d.consequences, d.profiling, list(d.safeguards))
            for d in manifest.automated_decisions],
        laws=_join([texts.JURISDICTIONS[language][j.value]
                    for j in organization.jurisdictions]),
        rights=[RightView(r, *texts.RIGHTS[language][r]) for r in rights],
        privacy_center_url=privacy_center_url,
        response_deadline=duration_words(organization.response_deadline, language),
        extension_limit=duration_words(organization.extension_limit, language),
        cookie_groups=_cookie_groups(manifest, language),
        asks_cookie_consent=non_necessary,
        cookie_settings_label=BANNER[language]["settings"],
        refusal_lifetime=duration_words(manifest.consent.refusal_lifetime, language),
        consent_lifetime=duration_words(manifest.consent.consent_lifetime, language),
        gpc_categories=_join(gpc) if gpc and non_necessary else None,
        security_measures=[(m.name, m.description) for m in manifest.security_measures],
        version=manifest.policy.version,
        effective_date=date_words(manifest.policy.effective_date, language),
        notice_period=(duration_words(manifest.policy.notice_period, language)
                       if manifest.policy.notice_period else None),
        languages=list(manifest.policy.languages))


# ---------------------------------------------------------------------------- templates


class MarkdownText(str):
    """Markdown already escaped (a sentence whose values were escaped, a link)."""

    __slots__ = ()


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def markdown_escape(value: Any) -> MarkdownText:
    """Manifest text made inert in Markdown (``_ga_*`` stays ``_ga_*``), on one line."""
    if isinstance(value, MarkdownText):
        return value
    text = "" if value is None else str(value)
    return MarkdownText(_MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split())))


@jinja2.pass_context
def _translate(context: jinja2.runtime.Context, key: str, **values: Any) -> str:
    """``t("rights.deadline", deadline=...)``: the sentence in the document's language, its
    values escaped for the format (HTML or Markdown)."""
    sentences = texts.SENTENCES[context["language"]]
    if key not in sentences:
        raise DocumentError(f"template asks for unknown text `{key}`",
                            hint="the names are in privet/documents/texts.py")
    if context.eval_ctx.autoescape:
        return Markup(escape(sentences[key])).format(**values)
    return MarkdownText(sentences[key].format(
        **{name: markdown_escape(value) for name, value in values.items()}))


LINK_SCHEMES = ("http", "https", "mailto")
"""The only schemes a document links to: any other (``javascript:``, ``data:``) could run
in the reader's browser. A relative address (``/privacy-center``) has none and is kept."""
_URL_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_URL_UNSAFE = re.compile(r"[\s<>\\]")


def safe_url(url: str) -> str:
    """``url`` fit for an ``href`` or a Markdown link: an http(s) or mailto address (or a
    relative one), its ``<``, ``>``, backslash and whitespace percent-encoded (Markdown
    ends a ``(<...>)`` link at them); any other scheme is a ``DocumentError``."""
    # Read the scheme as a browser does: leading control characters and spaces dropped,
    # tabs and line breaks removed anywhere (`java\tscript:` is `javascript:`).
    seen = re.sub(r"[\t\n\r]", "", url.lstrip("".join(map(chr, range(33)))))
    scheme = _URL_SCHEME.match(seen)
    if scheme is not None and scheme[1].lower() not in LINK_SCHEMES:
        raise DocumentError(f"refusing to print a link to `{url}`",
                            hint="links must be http://, https:// or mailto: addresses")
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), url)


@jinja2.pass_context
def _link(context: jinja2.runtime.Context, url: str, text: str | None = None) -> str:
    """A link, in the document's format."""
    href = safe_url(url)
    if context.eval_ctx.autoescape:
        return Markup('<a href="{}">{}</a>').format(href, text or url)
    if text is None:
        return MarkdownText(f"<{href}>")
    return MarkdownText(f"[{markdown_escape(text)}](<{href}>)")


def _finalize_markdown(value: Any) -> Any:
    """Every ``{{ value }}`` of a Markdown template is escaped, except Markdown already made:
    a sentence from ``t()``, a ``link()``, or what the template marks ``| safe`` (the output
    of a macro)."""
    if isinstance(value, Markup):
        return MarkdownText(value)
    return markdown_escape(value)


@cache
def _environments(overrides: Path | None) -> dict[str, jinja2.Environment]:
    loaders: list[jinja2.BaseLoader] = []
    if overrides is not None:
        loaders.append(jinja2.FileSystemLoader(str(overrides)))
    loaders.append(jinja2.FileSystemLoader(str(TEMPLATES_DIR)))
    common: dict[str, Any] = {"loader": jinja2.ChoiceLoader(loaders),
                              "undefined": jinja2.StrictUndefined, "trim_blocks": True,
                              "lstrip_blocks": True, "keep_trailing_newline": True}
    html = jinja2.Environment(autoescape=True, **common)
    markdown = jinja2.Environment(autoescape=False, finalize=_finalize_markdown, **common)
    for environment in (html, markdown):
        environment.globals.update(t=_translate, link=_link)
    return {"html": html, "md": markdown}


def _check_language(language: str, manifest: Manifest, *, from_manifest: bool) -> None:
    if language in SUPPORTED_LANGUAGES:
        return
    where = manifest.locate("policy", "languages") if from_manifest else None
    place = f"{where}: " if where else ""
    source = "the manifest's `policy.languages` lists" if from_manifest else "asked for"
    raise DocumentError(
        f"{place}{source} `{language}`, but Privet's documents are written in "
        f"{' and '.join(SUPPORTED_LANGUAGES)} only",
        hint=f"use one of {', '.join(SUPPORTED_LANGUAGES)}")


def document_languages(manifest: Manifest,
                       languages: Sequence[str] | None = None) -> list[str]:
    """``languages``, or the policy's; DocumentError names an unsupported one (with where
    the manifest lists it)."""
    from_manifest = languages is None
    chosen = list(manifest.policy.languages) if languages is None else list(languages)
    if not chosen:
        raise DocumentError("no language to render the documents in",
                            hint=f"give one of {', '.join(SUPPORTED_LANGUAGES)}")
    for language in chosen:
        _check_language(language, manifest, from_manifest=from_manifest)
    return list(dict.fromkeys(chosen))


def _split_name(name: str) -> tuple[str, str]:
    stem, _, extension = name.rpartition(".")
    if stem not in DOCUMENTS or extension not in FORMATS:
        known = ", ".join(f"{d}.{f}" for d in DOCUMENTS for f in FORMATS)
        raise DocumentNotFound(f"no document `{name}`", hint=f"the documents: {known}")
    return stem, extension


_TITLES = {"privacy-policy": "doc.policy", "cookies": "doc.cookies",
           "subprocessors": "doc.subprocessors"}


def render_document(manifest: Manifest, name: str, language: str, *,
                    overrides: Path | None = None, privacy_center_url: str | None = None,
                    standalone: bool = True) -> str:
    """One document (``name``: ``privacy-policy.html``, ``cookies.md``…) in ``language``.

    ``overrides``: a folder whose templates replace Privet's of the same name.
    ``standalone`` false gives the HTML body alone, for a page that has its own layout."""
    stem, extension = _split_name(name)
    _check_language(language, manifest, from_manifest=False)
    folder = overrides if overrides is not None and overrides.is_dir() else None
    environment = _environments(folder.resolve() if folder else None)[extension]
    try:
        template = environment.get_template(name)
        return template.render(
            policy=policy_view(manifest, language, privacy_center_url=privacy_center_url),
            manifest=manifest, organization=manifest.organization, language=language,
            document=stem, title=texts.SENTENCES[language][_TITLES[stem]],
            standalone=standalone)
    except jinja2.TemplateSyntaxError as exc:
        raise DocumentError(f"{exc.filename or exc.name}:{exc.lineno}: template error: "
                            f"{exc.message}",
                            hint="fix the template, or remove it to use Privet's") from None
    except (jinja2.UndefinedError, jinja2.TemplateNotFound) as exc:
        place = _template_place(exc)
        raise DocumentError(f"{place}template `{name}` failed: {exc}",
                            hint="the names templates receive are listed in "
                            "docs/documents.md") from None


def _template_place(exc: BaseException) -> str:
    trace = exc.__traceback__
    place = ""
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".md")):
            place = f"{filename}:{trace.tb_lineno}: "
        trace = trace.tb_next
    return place


def render_documents(manifest: Manifest, *, languages: Sequence[str] | None = None,
                     overrides: Path | None = None,
                     privacy_center_url: str | None = None) -> dict[str, str]:
    """Every document in every language, by file name: ``privacy-policy.en.html``,
    ``privacy-policy.en.md``, ``cookies.fr.html``… Languages default to the manifest's
    ``policy.languages``."""
    rendered: dict[str, str] = {}
    for language in document_languages(manifest, languages):
        for stem in DOCUMENTS:
            for extension in FORMATS:
                rendered[f"{stem}.{language}.{extension}"] = render_document(
                    manifest, f"{stem}.{extension}", language, overrides=overrides,
                    privacy_center_url=privacy_center_url)
    return rendered


def write_documents(manifest: Manifest, out: Path, *, languages: Sequence[str] | None = None,
                    overrides: Path | None = None,
                    privacy_center_url: str | None = None) -> list[Path]:
    """Render every document, then write them all into ``out`` (created if missing);
    nothing is written when one fails to render."""
    rendered = render_documents(manifest, languages=languages, overrides=overrides,
                                privacy_center_url=privacy_center_url)
    return write_files(out, rendered, error=DocumentError)
