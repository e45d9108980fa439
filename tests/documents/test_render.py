"""The privacy documents rendered from the manifest: every fact of the manifest is in the
policy (walked on the demo company and on a second company modelled on a reference policy,
in English and French, HTML and Markdown); a section whose facts are missing is left out;
a company's own templates replace Privet's; `privet docs render` writes the files; a
language Privet has no words for is a clear error that writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from privet.demo import workspace as demo_workspace_module
from privet.documents import texts
from privet.documents.diff import ChangeKind, diff_manifests
from privet.documents.record import controller_record
from privet.documents.render import (
    TEMPLATES_DIR,
    DocumentError,
    country_words,
    duration_words,
    render_document,
    render_documents,
)
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest

DEMO_MANIFEST = Path(demo_workspace_module.__file__).parent / "manifest"
CENTER = "https://privacy.example/privacy-center"

# A second company, written from /work/shared/policies/thingtrax-iot.txt: a UK factory-IoT
# platform with a DPO, demo requests, analytics and CRM tools in the United States.
THINGTRAX: dict[str, Any] = {
    "version": 1,
    "organization": {
        "name": "ThingTrax", "legal_name": "ThingTrax Ltd",
        "address": "69 Wilson Street, London EC2A 2BB", "country": "GB",
        "website": "https://thingtrax.example",
        "contact": {"name": "Privacy office", "email": "privacy@thingtrax.example"},
        "dpo": {"name": "Aman Gupta", "email": "dpo@thingtrax.example"},
        "jurisdictions": ["uk_gdpr", "gdpr"], "supervisory_authority": "ICO",
        "response_deadline": "30d", "extension_limit": "2mo",
    },
    "policy": {"version": "2020-06", "effective_date": "2020-06-01", "notice_period": "14d",
               "languages": ["en", "fr"]},
    "purposes": {
        "demo_requests": {
            "name": "Answering demo requests",
            "description": "Engage with you about the demonstration you asked for.",
            "data_use": "sales", "legal_basis": "consent", "consent_capture": ["signup_form"],
            "data_subjects": ["prospect"],
            "data_categories": ["user.name", "user.contact.address", "user.contact.phone_number",
                                "user.contact.email", "user.contact.organization",
                                "user.location.imprecise"],
            "retention": "2y", "retention_note": "after the last contact"},
        "service": {
            "name": "Providing the ThingTrax platform",
            "description": "Administer your account, support and advise you.",
            "data_use": "essential.service", "legal_basis": "contract",
            "data_subjects": ["customer"],
            "data_categories": ["user.name", "user.contact.email", "user.device.ip_address",
                                "user.account.username", "user.contact.phone_number"],
            "retention": "6y"},
        "news": {
            "name": "News and product updates", "data_use": "marketing.communications.email",
            "legal_basis": "consent", "consent_capture": ["preference_center"],
            "data_subjects": ["customer", "prospect"],
            "data_categories": ["user.contact.email"], "retention": "18mo"},
        "governance": {
            "name": "Audit and compliance", "data_use": "essential.service.security",
            "legal_basis": "legitimate_interest",
            "legitimate_interest": "External and internal audit for financial or regulatory "
                                   "compliance.",
            "data_subjects": ["customer"], "data_categories": ["user.account.username"],
            "retention": "7y"},
    },
    "datastores": {"app": {
        "url": "sqlite:///data/app.db", "location": "GB", "name": "Platform database",
        "backup_retention": "35d",
        "tables": {"demo_requests": {
            "description": "Demo request forms", "data_subjects": ["prospect"],
            "erasure": "delete_row",
            "fields": {"email": {"categories": ["user.contact.email"], "identity": "email"}},
            "legal_holds": {"contracts": {
                "reason": "Signed order forms are kept for contract law.",
                "period": "6y", "from": "signed_at"}}}}}},
    "retention": {"demo_requests": {"table": "demo_requests", "period": "2y",
                                    "from": "created_at", "grace": "30d"}},
    "processors": {
        "aws": {"name": "Amazon Web Services EMEA SARL", "service": "Hosting of the platform.",
                "purposes": ["service", "governance"],
                "data_categories": ["user.name", "user.contact.email"], "country": "IE"},
        "google_analytics": {
            "name": "Google LLC (Google Analytics)", "service": "Website usage statistics.",
            "purposes": ["demo_requests"], "data_categories": ["user.device.ip_address"],
            "country": "US", "transfer": {"mechanism": "scc", "scc_module": 2}},
        "auth0": {"name": "Auth0, Inc.", "service": "Sign-in to the platform.",
                  "purposes": ["service"], "data_categories": ["user.contact.email"],
                  "country": "US", "transfer": {"mechanism": "dpf"}},
        "hubspot": {"name": "HubSpot, Inc.", "role": "joint_controller",
                    "service": "Customer relationship management and email.",
                    "purposes": ["demo_requests", "news"],
                    "data_categories": ["user.name", "user.contact.email"],
                    "country": "US", "transfer": {"mechanism": "bcr"}},
    },
    "cookies": [
        {"name": "tt_session", "category": "necessary", "purpose": "Keeps you signed in.",
         "lifetime": "session"},
        {"name": "_ga", "provider": "google_analytics", "category": "analytics",
         "purpose": "Distinguishes visitors.", "lifetime": "2y"},
        {"pattern": "__hs*", "provider": "hubspot", "category": "marketing",
         "purpose": "Tracks visits for our sales team.", "lifetime": "13mo"},
    ],
    "security_measures": [{"name": "Physical, electronic and managerial procedures",
                           "description": "Safeguard data collected through the website."}],
}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hidden += tag in ("style", "script", "title")

    def handle_endtag(self, tag: str) -> None:
        self.hidden -= tag in ("style", "script", "title")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_text(html: str) -> str:
    """What a reader of the HTML sees: the text, entities decoded, spaces collapsed."""
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def markdown_text(markdown: str) -> str:
    """The Markdown as read: backslash escapes removed, spaces collapsed."""
    import re

    return " ".join(re.sub(r"\\(.)", r"\1", markdown).split())


def write_workspace(root: Path, data: dict[str, Any]) -> Path:
    (root / "privacy").mkdir(parents=True, exist_ok=True)
    (root / "privacy" / "manifest.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


def manifest_of(tmp_path: Path, data: dict[str, Any]) -> Manifest:
    root = write_workspace(tmp_path / "site", data)
    return load_manifest(root / "privacy", root=root, environ={})


def without(data: dict[str, Any], *path: str) -> dict[str, Any]:
    """``data`` less the key at ``path``."""
    copy: dict[str, Any] = yaml.safe_load(yaml.safe_dump(data))
    target = copy
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return copy


@pytest.fixture(params=["demo", "thingtrax"])
def manifest(request: pytest.FixtureRequest, tmp_path: Path) -> Manifest:
    if request.param == "demo":
        return load_manifest(DEMO_MANIFEST, root=tmp_path, environ={})
    return manifest_of(tmp_path, THINGTRAX)


RIGHT_TITLES = {
    "en": ["Right of access", "Right to rectification", "Right to erasure",
           "Right to restriction of processing", "Right to data portability",
           "Right to object", "Right to withdraw consent", "Right to lodge a complaint"],
    "fr": ["Droit d\u2019accès", "Droit de rectification", "Droit à l\u2019effacement",
           "Droit à la limitation du traitement", "Droit à la portabilité",
           "Droit d\u2019opposition", "Droit de retirer votre consentement",
           "Droit d\u2019introduire une réclamation"],
}
MECHANISM_WORDS = {
    "en": {"scc": "Standard contractual clauses", "dpf": "EU-US Data Privacy Framework",
           "bcr": "Binding corporate rules"},
    "fr": {"scc": "Clauses contractuelles types",
           "dpf": "Data Privacy Framework UE\u2013États-Unis",
           "bcr": "Règles d\u2019entreprise contraignantes"},
}


def expected_facts(manifest: Manifest, language: str, format: str) -> list[str]:
    """Every fact of the manifest a reader must find in the policy, as the policy words it.
    Facts that belong together (a cookie's row, a recipient's row, a purpose's data) are
    looked for together, so that a name found elsewhere does not stand in for them."""
    index = manifest.taxonomy_index

    def category(key: str) -> str:
        if language == "fr" and not index.terms["data_category"][key].custom:
            return texts.CATEGORY_NAMES_FR.get(key, index.name("data_category", key))
        return index.name("data_category", key)

    def subject(key: str) -> str:
        if language == "fr" and not index.terms["data_subject"][key].custom:
            return texts.SUBJECT_NAMES_FR.get(key, index.name("data_subject", key))
        return index.name("data_subject", key)

    def row(*cells: str) -> str:
        return " ".join(cells) if format == "html" else "| " + " | ".join(cells) + " |"

    org = manifest.organization
    facts = [org.name, org.address, manifest.policy.version, org.contact.email or ""]
    facts += [org.legal_name or "", org.supervisory_authority or ""]
    if org.dpo is not None:
        facts += [org.dpo.name or "", org.dpo.email or ""]
    for purpose in manifest.purposes.values():
        facts += [purpose.name, purpose.description or "", purpose.legitimate_interest or ""]
        facts.append(", ".join(category(c) for c in purpose.data_categories))
        facts.append(", ".join(subject(s) for s in purpose.data_subjects))
        assert purpose.legal_basis is not None
        facts.append(texts.LEGAL_BASES[language][purpose.legal_basis.value])
        if purpose.retention is not None:
            kept = duration_words(purpose.retention, language)
            if purpose.retention_note:
                kept += f", {purpose.retention_note}"
            facts.append(row(purpose.name, kept))
    for processor in manifest.processors.values():
        purposes = ", ".join(manifest.purposes[p].name for p in processor.purposes)
        location = country_words(processor.country, language)
        facts.append(row(processor.name, texts.PROCESSOR_ROLES[language][processor.role.value],
                         processor.service, purposes,
                         ", ".join(category(c) for c in processor.data_categories)))
        facts.append(location)
        if processor.transfer is not None:
            facts.append(MECHANISM_WORDS[language][processor.transfer.mechanism.value])
            if processor.transfer.scc_module is not None:
                facts.append(f"module {processor.transfer.scc_module}")
    for rule in manifest.retention.values():
        facts.append(rule.statement or duration_words(rule.period, language))
    for _store, _table, table in manifest.tables():
        for hold in table.legal_holds.values():
            facts += [hold.reason, duration_words(hold.period, language), hold.law or ""]
    for store in manifest.datastores.values():
        if store.backup_retention is not None:
            facts.append(duration_words(store.backup_retention, language))
    for cookie in manifest.cookies:
        provider = (org.name if cookie.provider == "first_party"
                    else manifest.processors[cookie.provider].name)
        lifetime = (texts.SENTENCES[language]["cookies.session"] if cookie.lifetime == "session"
                    else duration_words(cookie.lifetime, language))
        facts.append(row(cookie.label, provider, cookie.purpose, lifetime))
    facts += RIGHT_TITLES[language]
    facts += [m.name for m in manifest.security_measures]
    if manifest.policy.notice_period is not None:
        facts.append(duration_words(manifest.policy.notice_period, language))
    return [fact for fact in facts if fact]


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("format", ["html", "md"])
def test_every_fact_of_the_manifest_is_in_the_policy(manifest: Manifest, language: str,
                                                     format: str) -> None:
    rendered = render_document(manifest, f"privacy-policy.{format}", language,
                               privacy_center_url=CENTER)
    text = html_text(rendered) if format == "html" else markdown_text(rendered)
    missing = [fact for fact in expected_facts(manifest, language, format)
               if " ".join(fact.split()) not in text]
    assert not missing, f"not in the {language} policy: {missing}"
    assert CENTER in text
    assert "None" not in text.split(), "a missing value was printed as None"


def test_periods_dates_and_countries_read_as_people_write_them(tmp_path: Path) -> None:
    policy = html_text(render_document(manifest_of(tmp_path, THINGTRAX),
                                       "privacy-policy.html", "en"))
    french = html_text(render_document(manifest_of(tmp_path, THINGTRAX),
                                       "privacy-policy.html", "fr"))
    assert "Answering demo requests" in policy and "2 years, after the last contact" in policy
    assert "18 months" in french.replace("18 mois", "18 months")  # no "1 year 6 months"
    assert "18 mois" in french and "6 ans" in french
    assert "effective 1 June 2020" in policy
    assert "applicable à compter du 1er juin 2020" in french
    assert "United States" in policy and "États-Unis" in french
    assert "Standard contractual clauses of the European Commission (Art. 46 GDPR), module "\
           "2: controller to processor" in policy
    assert "We answer within 30 days" in policy and "up to 2 months" in policy
    assert "Nous répondons sous 30 jours" in french
    # The rule without a statement is said in words, with its grace period.
    assert "Demo request forms: deleted after 2 years. A grace period of 30 days applies "\
           "first." in policy
    assert "Data deleted from Platform database stays in its backups for up to 5 weeks." \
        in policy


def test_the_cookie_table_is_grouped_by_category(tmp_path: Path) -> None:
    manifest = load_manifest(DEMO_MANIFEST, root=tmp_path, environ={})
    cookies = render_document(manifest, "cookies.html", "en")
    headings = [cookies.index(f'id="cookies-{category}"')
                for category in ("necessary", "preferences", "functional", "analytics",
                                 "marketing")]
    assert headings == sorted(headings)
    analytics = cookies[headings[3]:headings[4]]
    assert "<code>_ga</code>" in analytics and "<code>_ga_*</code>" in analytics
    assert "<code>_fbp</code>" not in analytics
    assert "Google Ireland Ltd (Google Analytics)" in analytics
    markdown = render_document(manifest, "cookies.md", "fr")
    assert "| \\_ga\\_\\* | Google Ireland Ltd (Google Analytics) | Keeps the state of a "\
           "visit. | 13 mois |" in markdown
    assert "## Mesure d\u2019audience" in markdown


def test_the_subprocessor_list_separates_processors_from_other_recipients(
        tmp_path: Path) -> None:
    listing = render_document(manifest_of(tmp_path, THINGTRAX), "subprocessors.html", "en")
    processors, others = listing.split('id="other-recipients"')
    assert "Amazon Web Services EMEA SARL" in processors and "Auth0, Inc." in processors
    assert "HubSpot, Inc." not in processors
    assert "HubSpot, Inc." in others and "Joint controller, with us" in others
    assert "Customer relationship management and email." in others
    text = html_text(processors)
    assert "Sign-in to the platform." in text and "User Contact Email" in text
    assert "United States" in text


# ---------------------------------------------------------------------------- absences


def test_no_dpo_no_dpo_paragraph(tmp_path: Path) -> None:
    manifest = manifest_of(tmp_path, without(THINGTRAX, "organization", "dpo"))
    for language, words in (("en", "data protection officer"), ("fr", "délégué")):
        policy = render_document(manifest, "privacy-policy.html", language)
        assert 'id="dpo"' not in policy
        assert words not in html_text(policy).lower()
        assert "Aman Gupta" not in policy
    assert "data protection officer" not in render_document(
        manifest, "privacy-policy.md", "en").lower()


def test_no_cookies_no_cookie_section(tmp_path: Path) -> None:
    manifest = manifest_of(tmp_path, without(THINGTRAX, "cookies"))
    policy = render_document(manifest, "privacy-policy.html", "en")
    assert 'id="cookies"' not in policy and "<h2>Cookies</h2>" not in policy
    assert "Global Privacy Control" not in policy
    assert "<table class=\"cookies\"" not in render_document(manifest, "cookies.html", "en")
    assert "## Cookies" not in render_document(manifest, "privacy-policy.md", "en")


def test_no_transfer_outside_the_eea_no_transfer_section(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(THINGTRAX))
    for key in ("google_analytics", "auth0", "hubspot"):
        data["processors"][key]["country"] = "DE"
        del data["processors"][key]["transfer"]
    manifest = manifest_of(tmp_path, data)
    for language in ("en", "fr"):
        policy = render_document(manifest, "privacy-policy.html", language)
        assert 'id="transfers"' not in policy and 'id="where"' not in policy
        text = html_text(policy)
        assert "EEA" not in text and "EEE" not in text
        assert "contractual clauses" not in text and "clauses contractuelles" not in text
    assert "Transfers outside" not in render_document(manifest, "privacy-policy.md", "en")


def test_under_the_uk_gdpr_alone_the_uk_is_no_transfer(tmp_path: Path) -> None:
    """The policy, the change notices and the Art. 30 record agree on what "outside" is:
    for a company under the UK GDPR only, a processor in the UK needs no mechanism."""
    data = yaml.safe_load(yaml.safe_dump(THINGTRAX))
    data["organization"]["jurisdictions"] = ["uk_gdpr"]
    before = manifest_of(tmp_path / "before", data)
    for key in ("google_analytics", "auth0", "hubspot"):
        data["processors"][key]["country"] = "GB"
        del data["processors"][key]["transfer"]
    manifest = manifest_of(tmp_path / "after", data)
    assert 'id="transfers"' not in render_document(manifest, "privacy-policy.html", "en")
    moved = [c for c in diff_manifests(before, manifest).changes
             if c.what is ChangeKind.processor_country]
    assert moved and not any(c.material for c in moved)
    assert all(not a.transfers for a in controller_record(manifest).activities)


def test_automated_decisions_only_when_declared(tmp_path: Path) -> None:
    plain = render_document(manifest_of(tmp_path / "a", THINGTRAX), "privacy-policy.html", "en")
    assert 'id="automated-decisions"' not in plain
    assert "Automated decisions" not in plain and "automated processing" not in plain

    data = {**THINGTRAX, "automated_decisions": [{
        "name": "Credit check", "description": "Whether a trial converts to a paid plan.",
        "legal_basis": "contract", "logic": "A score from payment history.",
        "consequences": "A refused plan can be reviewed.", "profiling": True,
        "safeguards": ["Human review on request"]}]}
    declared = render_document(manifest_of(tmp_path / "b", data), "privacy-policy.html", "en")
    assert 'id="automated-decisions"' in declared
    text = html_text(declared)
    for fact in ("Credit check", "A score from payment history.", "This involves profiling.",
                 "Human review on request", "Rights about automated decisions"):
        assert fact in text


def test_rights_follow_the_manifest(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(THINGTRAX))
    for purpose in data["purposes"].values():
        if purpose["legal_basis"] == "consent":
            purpose["legal_basis"] = "legitimate_interest"
            purpose["legitimate_interest"] = "Answering people who write to us."
            purpose.pop("consent_capture")
    data["organization"]["jurisdictions"] = ["ccpa"]
    del data["organization"]["supervisory_authority"]
    text = html_text(render_document(manifest_of(tmp_path, data), "privacy-policy.html", "en"))
    assert "California Consumer Privacy Act" in text
    assert "Right to opt out of sale or sharing" in text
    assert "Right to withdraw consent" not in text  # nothing rests on consent
    assert "Right to restriction" not in text       # not a CCPA right
    assert "supervisory authority" not in text and "ICO" not in text


# ---------------------------------------------------------------------------- templates


def test_a_company_template_replaces_privets(tmp_path: Path) -> None:
    manifest = manifest_of(tmp_path, THINGTRAX)
    overrides = tmp_path / "site" / "privacy" / "templates"
    overrides.mkdir()
    (overrides / "cookies.html").write_text(
        "<h1>{{ organization.name }}: {{ t('cookies.title') }}</h1>\n"
        "{% for group in policy.cookie_groups %}<p>{{ group.name }}: "
        "{{ group.cookies | map(attribute='label') | join(', ') }}</p>{% endfor %}\n",
        encoding="utf-8")
    (overrides / "_macros.html").write_text(
        (TEMPLATES_DIR / "_macros.html").read_text(encoding="utf-8").replace(
            '<table class="cookies"', '<table class="cookies house-style"'),
        encoding="utf-8")
    documents = render_documents(manifest, overrides=overrides)
    assert documents["cookies.en.html"] == (
        "<h1>ThingTrax: Cookies</h1>\n<p>Strictly necessary: tt_session</p>"
        "<p>Audience measurement: _ga</p><p>Advertising: __hs*</p>")
    assert documents["cookies.fr.html"].startswith("<h1>ThingTrax: Cookies</h1>\n"
                                                   "<p>Strictement nécessaires: tt_session")
    # A macro overridden is used by Privet's own templates that import it.
    assert 'class="cookies house-style"' in documents["privacy-policy.en.html"]
    assert documents["cookies.en.md"].startswith("# Cookie policy\n")  # still Privet's
    assert "house-style" not in render_document(manifest, "privacy-policy.html", "en")


def test_a_broken_override_is_a_located_error(tmp_path: Path) -> None:
    manifest = manifest_of(tmp_path, THINGTRAX)
    overrides = tmp_path / "site" / "privacy" / "templates"
    overrides.mkdir()
    (overrides / "subprocessors.html").write_text("<h1>{{ title }}</h1>\n{% for x in %}\n",
                                                  encoding="utf-8")
    with pytest.raises(DocumentError) as raised:
        render_document(manifest, "subprocessors.html", "en", overrides=overrides)
    assert "subprocessors.html:2" in str(raised.value)
    (overrides / "subprocessors.html").write_text("<h1>{{ policy.no_such_thing }}</h1>\n",
                                                  encoding="utf-8")
    with pytest.raises(DocumentError) as raised:
        render_document(manifest, "subprocessors.html", "en", overrides=overrides)
    assert "subprocessors.html:1" in str(raised.value) and "no_such_thing" in str(raised.value)


def test_values_from_the_manifest_cannot_inject_markup(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(THINGTRAX))
    data["purposes"]["news"]["name"] = "News <script>alert(1)</script>"
    policy = render_document(manifest_of(tmp_path, data), "privacy-policy.html", "en")
    assert "<script>" not in policy
    assert "News &lt;script&gt;alert(1)&lt;/script&gt;" in policy


def with_website(manifest: Manifest, url: str) -> Manifest:
    """``manifest`` whose website is ``url``, past the schema's check (as a company's own
    template or a later field might hand ``link()`` any text)."""
    organization = manifest.organization.model_copy(update={"website": url})
    return manifest.model_copy(update={"organization": organization})


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)",
                                 "java\tscript:alert(1)", "data:text/html,<b>x</b>"])
def test_a_link_is_never_a_script(tmp_path: Path, url: str) -> None:
    manifest = with_website(manifest_of(tmp_path, THINGTRAX), url)
    for name in ("privacy-policy.html", "privacy-policy.md"):
        with pytest.raises(DocumentError, match="refusing to print a link"):
            render_document(manifest, name, "en")


def test_a_link_cannot_break_out_of_its_markup(tmp_path: Path) -> None:
    url = "https://thingtrax.example/a> <img src=x onerror=alert(1)>"
    manifest = with_website(manifest_of(tmp_path, THINGTRAX), url)
    encoded = "https://thingtrax.example/a%3E%20%3Cimg%20src=x%20onerror=alert(1)%3E"
    markdown = render_document(manifest, "privacy-policy.md", "en")
    assert f"<{encoded}>" in markdown and "<img" not in markdown
    html = render_document(manifest, "privacy-policy.html", "en")
    assert f'href="{encoded}"' in html and "<img" not in html


# ---------------------------------------------------------------------------- languages


def test_an_unsupported_language_is_a_clear_error(tmp_path: Path) -> None:
    manifest = manifest_of(tmp_path, THINGTRAX)
    with pytest.raises(DocumentError, match=r"asked for `de`.*en and fr only"):
        render_documents(manifest, languages=["de"])
    listed = manifest_of(tmp_path / "other",
                         {**THINGTRAX, "policy": {**THINGTRAX["policy"],
                                                  "languages": ["en", "de"]}})
    with pytest.raises(DocumentError) as raised:
        render_documents(listed)
    assert "manifest.yaml:" in str(raised.value)  # where policy.languages is written
    assert "`de`" in str(raised.value)


def test_every_fixed_sentence_exists_in_every_language() -> None:
    english = set(texts.SENTENCES["en"])
    for language in texts.LANGUAGES:
        assert set(texts.SENTENCES[language]) == english, language
        for table in (texts.LEGAL_BASES, texts.RIGHTS, texts.TRANSFER_MECHANISMS,
                      texts.PROCESSOR_ROLES, texts.JURISDICTIONS, texts.SPECIAL_CONDITIONS,
                      texts.CONSENT_CHANNELS, texts.VALUE_TYPES):
            assert set(table[language]) == set(table["en"]), (language, table["en"])


def test_every_document_in_every_language(tmp_path: Path) -> None:
    documents = render_documents(manifest_of(tmp_path, THINGTRAX))
    assert sorted(documents) == sorted(
        f"{name}.{language}.{extension}" for name in ("privacy-policy", "cookies",
                                                       "subprocessors")
        for language in ("en", "fr") for extension in ("html", "md"))
    assert documents["privacy-policy.fr.html"].startswith("<!doctype html>\n<html lang=\"fr\">")
    assert "<h1>Politique de confidentialité</h1>" in documents["privacy-policy.fr.html"]
    assert documents["privacy-policy.en.md"].startswith("# Privacy policy\n")


# ---------------------------------------------------------------------------- the CLI

PRIVET = [sys.executable, "-m", "privet.cli"]


def privet(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PRIVET_")}
    return subprocess.run([*PRIVET, *args, "--dir", str(root)], env=environment,
                          capture_output=True, text=True, timeout=120, check=False)


def test_render_writes_every_document(tmp_path: Path) -> None:
    root = write_workspace(tmp_path / "site", THINGTRAX)
    done = privet(root, "docs", "render")
    assert done.returncode == 0, done.stderr
    out = root / "public" / "privacy"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{name}.{language}.{extension}" for name in ("privacy-policy", "cookies",
                                                       "subprocessors")
        for language in ("en", "fr") for extension in ("html", "md"))
    assert f"wrote {out / 'privacy-policy.en.html'}" in done.stdout
    assert "12 documents written" in done.stdout
    assert "Aman Gupta" in (out / "privacy-policy.en.html").read_text(encoding="utf-8")
    # The privacy center link is the server's public address (PRIVET_BASE_URL).
    assert "http://127.0.0.1:8000/privacy-center" in (
        out / "privacy-policy.fr.md").read_text(encoding="utf-8")

    chosen = tmp_path / "elsewhere"
    only_fr = privet(root, "docs", "render", "--out", str(chosen), "--lang", "fr")
    assert only_fr.returncode == 0, only_fr.stderr
    assert sorted(p.name for p in chosen.iterdir()) == [
        "cookies.fr.html", "cookies.fr.md", "privacy-policy.fr.html", "privacy-policy.fr.md",
        "subprocessors.fr.html", "subprocessors.fr.md"]


def test_render_refuses_a_language_and_writes_nothing(tmp_path: Path) -> None:
    root = write_workspace(tmp_path / "site", THINGTRAX)
    refused = privet(root, "docs", "render", "--lang", "fr", "--lang", "de")
    assert refused.returncode == 1
    assert "`de`" in refused.stderr and "en and fr only" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (root / "public").exists()

    write_workspace(root, {**THINGTRAX, "policy": {**THINGTRAX["policy"],
                                                   "languages": ["it"]}})
    listed = privet(root, "docs", "render")
    assert listed.returncode == 1
    assert "privacy/manifest.yaml:" in listed.stderr and "`it`" in listed.stderr
    assert not (root / "public").exists()
