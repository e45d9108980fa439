"""Lint rules: each one fires on the smallest manifest that breaks it, and stays quiet on
the nearest manifest that complies.

Every case is the minimal valid base manifest below, deep-copied, edited, written as YAML
into a temporary workspace and loaded with the real loader, so the diagnostics carry real
file:line positions; the expected line is found by searching the YAML for a marker.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

import privet.demo
from privet.manifest.diagnostics import Diagnostic, Severity
from privet.manifest.lint import RULES, lint
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest

# ---------------------------------------------------------------- the base manifest

BASE: dict[str, Any] = {
    "version": 1,
    "organization": {
        "name": "Acme Shop",
        "address": "1 rue de la Paix, 75002 Paris, France",
        "country": "FR",
        "contact": {"email": "privacy@acme.example"},
        "jurisdictions": ["gdpr"],
        "response_deadline": "30d",
    },
    "purposes": {
        "customer_accounts": {
            "name": "Customer accounts",
            "data_use": "essential.service",
            "legal_basis": "contract",
            "data_subjects": ["customer"],
            "data_categories": ["user.contact.email"],
            "retention": "3y",
        },
    },
    "datastores": {
        "main_db": {
            "url": "sqlite:///data/shop.db",
            "location": "FR",
            "tables": {
                "users": {
                    "data_subjects": ["customer"],
                    "fields": {
                        "email": {"categories": ["user.contact.email"], "identity": "email"},
                    },
                },
            },
        },
    },
    "retention": {
        "closed_accounts": {
            "datastore": "main_db",
            "table": "users",
            "period": "3y",
            "from": "closed_at",
        },
    },
    "security_measures": [{"name": "Encryption", "description": "TLS and encrypted disks."}],
    "policy": {"version": "2026.1", "effective_date": "2026-01-15", "notice_period": "30d"},
}

MANIFEST_FILE = "privacy/manifest.yaml"  # as the loader shows it, relative to the workspace


def write_manifest(root: Path, data: dict[str, Any]) -> str:
    """Write ``data`` as the workspace's manifest; return the YAML text."""
    text = yaml.safe_dump(data, sort_keys=False)
    path = root / MANIFEST_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text


def load(root: Path) -> Manifest:
    return load_manifest(root / MANIFEST_FILE, root=root, environ={})


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the only line of ``text`` containing ``marker``."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if marker in line]
    assert len(lines) == 1, f"marker {marker!r} is on lines {lines} of:\n{text}"
    return lines[0]


def rules_of(diagnostics: list[Diagnostic]) -> set[str]:
    return {d.rule for d in diagnostics}


# ---------------------------------------------------------------- edits of the base

Edit = Callable[[dict[str, Any]], None]


def _walk(data: dict[str, Any], dotted: str) -> tuple[dict[str, Any], str]:
    *parents, last = dotted.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    return node, last


def put(dotted: str, value: Any) -> Edit:
    """Set a value (creating parent mappings); keys are joined with dots."""

    def edit(data: dict[str, Any]) -> None:
        node, last = _walk(data, dotted)
        node[last] = copy.deepcopy(value)

    return edit


def drop(dotted: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        node, last = _walk(data, dotted)
        del node[last]

    return edit


def add(dotted: str, *values: Any) -> Edit:
    """Append to a list (creating it)."""

    def edit(data: dict[str, Any]) -> None:
        node, last = _walk(data, dotted)
        node.setdefault(last, []).extend(copy.deepcopy(list(values)))

    return edit


def build(*edits: Edit) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for edit in edits:
        edit(data)
    return data


# Small factories for the sections the base lacks.


def processor(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Mailer SAS",
        "service": "Sends our transactional email.",
        "purposes": ["customer_accounts"],
        "data_categories": ["user.contact.email"],
        "country": "FR",
        **overrides,
    }


def purpose(data_use: str, categories: list[str], **overrides: Any) -> dict[str, Any]:
    return {
        "name": data_use.rsplit(".", 1)[-1].replace("_", " ").capitalize(),
        "data_use": data_use,
        "legal_basis": "contract",
        "data_subjects": ["customer"],
        "data_categories": categories,
        "retention": "1y",
        **overrides,
    }


def cookie(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "visitor_stats",
        "category": "analytics",
        "purpose": "Counts visits.",
        "lifetime": "12mo",
        **overrides,
    }


MAILER = put("processors.mailer", processor())
BANNER_PURPOSE = put("purposes.audience_measurement", purpose(
    "analytics.reporting", ["user.device.cookie_id"],
    legal_basis="consent", consent_capture=["banner"], retention="13mo",
))
NEVER_COLLECT_ID_FROM_APPLICANTS = add("promises.never_collect", {
    "categories": ["user.government_id"], "subjects": ["job_applicant"],
})
NATIONAL_ID = "user.government_id.national_identification_number"
RECRUITMENT = put("purposes.recruitment", purpose(
    "employment.recruitment", ["user.contact.email", NATIONAL_ID],
    legal_basis="legitimate_interest", legitimate_interest="Assessing applications.",
    data_subjects=["job_applicant"],
))
NEWSLETTER = put("purposes.newsletter", purpose(
    "marketing.communications.email", ["user.contact.email"],
    legal_basis="consent", consent_capture=["signup_form"],
))
ADVERTISING = put("purposes.advertising", purpose(
    "marketing.advertising.third_party.targeted", ["user.device.cookie_id"],
    legal_basis="consent", consent_capture=["banner"], retention="13mo",
))
RESIDENCY_EU = add("promises.data_residency", {"regions": ["EU"]})
CATALOG = put("datastores.catalog", {
    "url": "sqlite:///data/catalog.db", "location": "FR",
    "tables": {"products": {"fields": {"sku": {"categories": ["system.operations"]}}}},
})
TAX_HOLD = {"reason": "Tax law.", "period": "10y", "from": "created_at"}


# ---------------------------------------------------------------- the case tables


@dataclass(frozen=True)
class Trigger:
    """A manifest that breaks ``rule``: where (marker) and what (names) it must say."""

    name: str
    rule: str
    severity: Severity
    edits: tuple[Edit, ...]
    marker: str
    names: tuple[str, ...]
    also: frozenset[str] = frozenset()  # other rules this input cannot help breaking


@dataclass(frozen=True)
class Compliant:
    """The nearest manifest that keeps ``rule``: it must lint clean."""

    name: str
    rule: str
    edits: tuple[Edit, ...] = ()


ERROR, WARNING, INFO = Severity.error, Severity.warning, Severity.info

ON_BEHALF = put("datastores.main_db.tables.users.on_behalf_of", "account_id")
CUSTOMERS = put("customers", {"datastore": "main_db", "table": "accounts",
                              "email": "billing_email"})
# A processor's record needs processing declared for customers (processor-record-incomplete).
FOR_CUSTOMERS = put("purposes.customer_accounts.on_behalf_of_customers", True)

TRIGGERS: list[Trigger] = [
    Trigger("no-directory", "processor-mode-incomplete", ERROR,
            (ON_BEHALF, put("organization.role", "both"), FOR_CUSTOMERS),
            "on_behalf_of: account_id", ("no `customers` section",)),
    Trigger("unknown-datastore", "processor-mode-incomplete", ERROR,
            (ON_BEHALF, put("organization.role", "both"), CUSTOMERS, FOR_CUSTOMERS,
             put("customers.datastore", "crm")),
            "datastore: crm", ("`crm` is not a declared datastore",)),
    Trigger("nobody-to-tell", "processor-mode-incomplete", ERROR,
            (ON_BEHALF, put("organization.role", "both"), CUSTOMERS, drop("customers.email")),
            "customers:", ("neither `email` nor `webhook_url`",),
            # marking a purpose `on_behalf_of_customers` would put a second `customers:`
            # on the marker's line count; the processor's record is then empty too
            also=frozenset({"processor-record-incomplete"})),
    Trigger("controller-only", "processor-mode-incomplete", ERROR,
            (ON_BEHALF, CUSTOMERS, put("organization.role", "controller")),
            "role: controller", ("organization.role",)),
    Trigger("missing", "purpose-no-legal-basis", ERROR,
            (drop("purposes.customer_accounts.legal_basis"),),
            "customer_accounts:", ("`customer_accounts`",)),

    Trigger("interest-missing", "legitimate-interest-unstated", ERROR,
            (put("purposes.customer_accounts.legal_basis", "legitimate_interest"),),
            "legal_basis: legitimate_interest", ("`customer_accounts`",)),
    Trigger("interest-blank", "legitimate-interest-unstated", ERROR,
            (put("purposes.customer_accounts.legal_basis", "legitimate_interest"),
             put("purposes.customer_accounts.legitimate_interest", "   ")),
            "legal_basis: legitimate_interest", ("`customer_accounts`",)),

    Trigger("no-capture", "consent-not-captured", ERROR,
            (put("purposes.customer_accounts.legal_basis", "consent"),),
            "legal_basis: consent", ("`customer_accounts`",)),

    Trigger("purpose-without-condition", "special-category-no-condition", ERROR,
            (add("purposes.customer_accounts.data_categories", "user.health_and_medical"),),
            "customer_accounts:", ("`customer_accounts`", "user.health_and_medical")),
    Trigger("field-not-covered", "special-category-no-condition", ERROR,
            (put("purposes.genetic_tests", purpose(
                "essential.service", ["user.health_and_medical.genetic"],
                special_category_condition="health_or_social_care")),
             put("datastores.main_db.tables.users.fields.medical_notes",
                 {"categories": ["user.health_and_medical"]})),
            "medical_notes:", ("`users.medical_notes`", "user.health_and_medical")),

    Trigger("purpose-without-period", "personal-data-no-retention", WARNING,
            (drop("purposes.customer_accounts.retention"),),
            "customer_accounts:", ("`customer_accounts`",)),
    Trigger("field-without-period", "personal-data-no-retention", WARNING,
            (put("purposes.fraud_checks", purpose(
                "essential.service.security", ["user.device.ip_address"],
                legal_basis="legitimate_interest", legitimate_interest="Stopping fraud.",
                retention=None)),
             put("datastores.main_db.tables.logins",
                 {"fields": {"login_ip": {"categories": ["user.device.ip_address"]}}})),
            "login_ip:", ("`logins.login_ip`", "user.device.ip_address")),

    Trigger("field-unused", "category-without-purpose", WARNING,
            (put("datastores.main_db.tables.users.fields.mobile_phone",
                 {"categories": ["user.contact.phone_number"]}),),
            "mobile_phone:", ("`users.mobile_phone`", "user.contact.phone_number")),

    Trigger("undeclared-category", "processor-category-not-shared", ERROR,
            (put("processors.mailer", processor(
                data_categories=["user.contact.email", "user.contact.phone_number"])),),
            "- user.contact.phone_number", ("`mailer`", "user.contact.phone_number")),

    Trigger("no-purposes", "processor-without-purpose", WARNING,
            (put("processors.mailer", processor(purposes=[], data_categories=[])),),
            "mailer:", ("`mailer`",)),

    Trigger("processor-in-us", "transfer-no-mechanism", ERROR,
            (put("processors.mailer", processor(country="US")),),
            "mailer:", ("`mailer`", "United States")),
    Trigger("datastore-in-us", "transfer-no-mechanism", ERROR,
            (put("datastores.main_db.location", "US"),),
            "location: US", ("`main_db`", "United States")),

    Trigger("adequacy-without-decision", "transfer-mechanism-invalid", ERROR,
            (put("processors.mailer", processor(country="IN",
                                                transfer={"mechanism": "adequacy"})),),
            "mechanism: adequacy", ("`mailer`", "India")),
    Trigger("dpf-outside-us", "transfer-mechanism-invalid", ERROR,
            (put("processors.mailer", processor(country="CA", transfer={"mechanism": "dpf"})),),
            "mechanism: dpf", ("`mailer`", "Canada")),
    Trigger("scc-without-module", "transfer-mechanism-invalid", ERROR,
            (put("processors.mailer", processor(country="US", transfer={"mechanism": "scc"})),),
            "mechanism: scc", ("`mailer`", "module")),
    Trigger("derogation-without-ground", "transfer-mechanism-invalid", ERROR,
            (put("processors.mailer", processor(country="US",
                                                transfer={"mechanism": "derogation"})),),
            "mechanism: derogation", ("`mailer`", "Art. 49")),

    Trigger("never-collect-from-subjects", "promise-contradicted", ERROR,
            (NEVER_COLLECT_ID_FROM_APPLICANTS, RECRUITMENT),
            "recruitment:", ("`recruitment`", "never_collect[0]")),
    Trigger("never-collect-stored-for-subjects", "promise-contradicted", ERROR,
            (NEVER_COLLECT_ID_FROM_APPLICANTS,
             add("purposes.customer_accounts.data_categories", NATIONAL_ID),
             put("datastores.main_db.tables.applicants", {
                 "data_subjects": ["job_applicant"],
                 "fields": {"national_id": {"categories": [NATIONAL_ID]}}})),
            "national_id:", ("`applicants.national_id`", "never_collect[0]")),
    Trigger("never-store-payment-card", "promise-contradicted", ERROR,
            (add("promises.never_store", {"values": ["payment_card"]}),
             add("purposes.customer_accounts.data_categories", "user.financial.credit_card"),
             put("datastores.main_db.tables.users.fields.card_number",
                 {"categories": ["user.financial.credit_card"]})),
            "card_number:", ("`users.card_number`", "payment_card")),
    Trigger("never-use", "promise-contradicted", ERROR,
            (add("promises.never_use", {"categories": ["user.contact.email"],
                                        "uses": ["marketing"]}),
             NEWSLETTER),
            "newsletter:", ("`newsletter`", "never_use[0]")),
    Trigger("residency-datastore", "promise-contradicted", ERROR,
            (RESIDENCY_EU, put("datastores.main_db.location", "IS")),
            "location: IS", ("`main_db`", "Iceland", "data_residency[0]")),
    Trigger("residency-processor", "promise-contradicted", ERROR,
            (RESIDENCY_EU, put("processors.mailer", processor(country="IS"))),
            "country: IS", ("`mailer`", "Iceland", "data_residency[0]")),

    Trigger("unmarked", "identity-missing", ERROR,
            (drop("datastores.main_db.tables.users.fields.email.identity"),),
            "main_db:", ("`main_db`",)),

    Trigger("processor-unknown-purpose", "unknown-reference", ERROR,
            (put("processors.mailer", processor(
                purposes=["customer_accounts", "loyalty_scheme"])),),
            "- loyalty_scheme", ("`mailer`", "`loyalty_scheme`")),
    Trigger("unknown-hosted-by", "unknown-reference", ERROR,
            (put("datastores.main_db.hosted_by", "ghost_cloud"),),
            "hosted_by: ghost_cloud", ("`main_db`", "`ghost_cloud`")),
    Trigger("reference-to-undeclared-table", "unknown-reference", ERROR,
            (add("datastores.main_db.tables.users.references",
                 {"field": "email", "to": "newsletter_optins.email"}),),
            "to: newsletter_optins.email", ("`newsletter_optins`",)),
    # No datastore `crm`: the prefix reads as a schema, and that table is not declared.
    Trigger("reference-to-unknown-datastore", "unknown-reference", ERROR,
            (add("datastores.main_db.tables.users.references",
                 {"field": "email", "to": "crm.contacts.email"}),),
            "to: crm.contacts.email", ("`crm.contacts`",)),
    Trigger("legal-hold-keeps-undeclared-field", "unknown-reference", ERROR,
            (put("datastores.main_db.tables.users.legal_holds.tax_records",
                 {**TAX_HOLD, "keep_fields": ["email", "vat_number"]}),),
            "- vat_number", ("`tax_records`", "`vat_number`", "`users`")),
    Trigger("retention-on-undeclared-table", "unknown-reference", ERROR,
            (put("retention.closed_accounts.table", "accounts"),),
            "table: accounts", ("`closed_accounts`", "`accounts`")),
    Trigger("retention-on-unknown-datastore", "unknown-reference", ERROR,
            (put("retention.closed_accounts.datastore", "warehouse"),),
            "datastore: warehouse", ("`closed_accounts`", "`warehouse`")),
    Trigger("retention-category-not-held", "unknown-reference", ERROR,
            (put("retention.old_phones", {"categories": ["user.contact.phone_number"],
                                          "period": "1y", "from": "created_at"}),),
            "- user.contact.phone_number", ("`old_phones`", "user.contact.phone_number")),
    Trigger("retention-anonymises-undeclared-field", "unknown-reference", ERROR,
            (put("retention.closed_accounts.action", "anonymise"),
             put("retention.closed_accounts.fields", ["email", "nickname"])),
            "- nickname", ("`closed_accounts`", "`nickname`", "`users`")),
    Trigger("retention-table-ambiguous", "unknown-reference", ERROR,
            (CATALOG, drop("retention.closed_accounts.datastore")),
            "table: users", ("`closed_accounts`", "`users`")),
    Trigger("cookie-provider-not-a-processor", "unknown-reference", ERROR,
            (add("cookies", cookie(category="necessary", provider="google_analytics")),),
            "provider: google_analytics", ("`visitor_stats`", "`google_analytics`")),

    Trigger("no-consent-purpose", "cookies-without-consent", ERROR,
            (add("cookies", cookie()),),
            "name: visitor_stats", ("`visitor_stats`", "analytics")),
    Trigger("consent-asked-elsewhere", "cookies-without-consent", ERROR,
            (NEWSLETTER, add("cookies", cookie(category="marketing"))),
            "name: visitor_stats", ("`visitor_stats`", "marketing")),

    Trigger("two-years", "cookie-lifetime-too-long", WARNING,
            (BANNER_PURPOSE, add("cookies", cookie(lifetime="2y"))),
            "lifetime: 2y", ("`visitor_stats`", "2 years")),

    Trigger("gdpr-45-days", "response-deadline-too-long", ERROR,
            (put("organization.response_deadline", "45d"),),
            "response_deadline: 45d", ("45 days", "gdpr")),
    Trigger("ccpa-and-gdpr-40-days", "response-deadline-too-long", ERROR,
            (put("organization.response_deadline", "40d"),
             put("organization.jurisdictions", ["ccpa", "gdpr"])),
            "response_deadline: 40d", ("40 days", "gdpr")),

    Trigger("established-in-us", "representative-missing", WARNING,
            (put("organization.country", "US"),
             put("organization.address", "1 Main St, Austin TX, USA")),
            "organization:", ("Acme Shop", "United States")),

    Trigger("advertiser-as-subprocessor", "recipient-role-mismatch", WARNING,
            (ADVERTISING, put("processors.ad_network", processor(
                name="Ad Network SA", service="Retargeting.", role="subprocessor",
                purposes=["advertising"], data_categories=["user.device.cookie_id"]))),
            "role: subprocessor", ("`ad_network`", "advertising")),

    Trigger("no-notice-period", "change-notice-missing", INFO,
            (drop("policy.notice_period"),),
            "policy:", ("notice period",)),

    Trigger("notices-to-an-undeclared-table", "notice-recipients-unknown", ERROR,
            (put("policy.notify", [{"table": "subscribers", "email": "email"}]),),
            "table: subscribers", ("`subscribers`", "not declared")),
    Trigger("notices-from-an-undeclared-datastore", "notice-recipients-unknown", ERROR,
            (put("policy.notify", [{"datastore": "crm", "table": "users",
                                    "email": "email"}]),),
            "datastore: crm", ("`crm`", "not declared")),

    Trigger("no-categories", "purpose-no-data-categories", WARNING,
            (put("purposes.helpdesk", purpose("essential.service.operations.support", [])),),
            "helpdesk:", ("`helpdesk`", "Art. 30(1)(c)")),
    Trigger("no-subjects", "purpose-no-data-subjects", WARNING,
            (put("purposes.helpdesk", purpose("essential.service.operations.support",
                                              ["user.contact.email"], data_subjects=[])),),
            "helpdesk:", ("`helpdesk`", "whose data")),
    Trigger("section-absent", "security-measures-missing", WARNING,
            (drop("security_measures"),),
            "organization:", ("no security measures", "Art. 30(1)(g)")),
    Trigger("section-empty", "security-measures-missing", WARNING,
            (put("security_measures", []),),
            "security_measures: []", ("no security measures",)),
    Trigger("contact-name-only", "contact-details-missing", WARNING,
            (put("organization.contact", {"name": "Privacy team"}),),
            "contact:", ("organization.contact", "privacy contact")),
    Trigger("dpo-name-only", "contact-details-missing", WARNING,
            (put("organization.dpo", {"name": "Camille Martin"}),),
            "dpo:", ("organization.dpo", "DPO")),
    Trigger("no-customers-directory", "processor-record-incomplete", WARNING,
            (put("organization.role", "both"), FOR_CUSTOMERS),
            "role: both", ("no `customers` section", "Art. 30(2)(a)")),
    Trigger("nothing-for-customers", "processor-record-incomplete", WARNING,
            (put("organization.role", "processor"), CUSTOMERS),
            "role: processor", ("on_behalf_of_customers", "Art. 30(2)(b)")),
    Trigger("controller-processing-for-customers", "processor-record-incomplete", WARNING,
            (FOR_CUSTOMERS,), "on_behalf_of_customers: true",
            ("`customer_accounts`", "`controller`")),
]

COMPLIANT: list[Compliant] = [
    Compliant("customers-told-by-email", "processor-mode-incomplete", (
        ON_BEHALF, CUSTOMERS, FOR_CUSTOMERS, put("organization.role", "both"))),
    Compliant("legal-basis-present", "purpose-no-legal-basis"),

    Compliant("interest-stated", "legitimate-interest-unstated", (
        put("purposes.customer_accounts.legal_basis", "legitimate_interest"),
        put("purposes.customer_accounts.legitimate_interest", "Keeping accounts secure."))),

    Compliant("capture-declared", "consent-not-captured", (
        put("purposes.customer_accounts.legal_basis", "consent"),
        put("purposes.customer_accounts.consent_capture", ["signup_form"]))),

    Compliant("condition-declared", "special-category-no-condition", (
        add("purposes.customer_accounts.data_categories", "user.health_and_medical"),
        put("purposes.customer_accounts.special_category_condition", "explicit_consent"))),
    Compliant("field-covered-by-conditioned-purpose", "special-category-no-condition", (
        put("purposes.medical_file", purpose(
            "essential.service", ["user.health_and_medical"],
            special_category_condition="health_or_social_care")),
        put("datastores.main_db.tables.users.fields.medical_notes",
            {"categories": ["user.health_and_medical"]}))),

    Compliant("purpose-states-period", "personal-data-no-retention"),
    Compliant("retention-rule-by-category", "personal-data-no-retention", (
        drop("purposes.customer_accounts.retention"),
        put("retention.closed_accounts", {"categories": ["user.contact.email"],
                                          "period": "3y", "from": "closed_at"}))),

    Compliant("field-used-by-purpose", "category-without-purpose", (
        put("datastores.main_db.tables.users.fields.mobile_phone",
            {"categories": ["user.contact.phone_number"]}),
        add("purposes.customer_accounts.data_categories", "user.contact.phone_number"))),
    Compliant("non-personal-field", "category-without-purpose", (
        put("datastores.main_db.tables.users.fields.created_at",
            {"categories": ["system.operations"]}),)),

    Compliant("category-declared-by-purpose", "processor-category-not-shared", (MAILER,)),
    Compliant("category-under-a-declared-one", "processor-category-not-shared", (
        put("purposes.customer_accounts.data_categories", ["user.contact"]),
        put("processors.mailer", processor(data_categories=["user.contact.phone_number"])))),

    Compliant("purposes-listed", "processor-without-purpose", (MAILER,)),

    Compliant("processor-in-eea", "transfer-no-mechanism", (MAILER,)),
    Compliant("processor-with-scc", "transfer-no-mechanism", (
        put("processors.mailer", processor(country="US",
                                           transfer={"mechanism": "scc", "scc_module": 2})),)),
    Compliant("processor-in-adequate-country", "transfer-no-mechanism", (
        put("processors.mailer", processor(country="CH", transfer={"mechanism": "adequacy"})),)),
    Compliant("datastore-hosted-by-processor-with-dpf", "transfer-no-mechanism", (
        put("processors.mailer", processor(country="US", transfer={"mechanism": "dpf"})),
        put("datastores.main_db.location", "US"),
        put("datastores.main_db.hosted_by", "mailer"))),
    Compliant("not-under-gdpr", "transfer-no-mechanism", (
        put("organization.jurisdictions", ["ccpa"]),
        put("processors.mailer", processor(country="US")))),

    Compliant("adequacy-in-adequate-country", "transfer-mechanism-invalid", (
        put("processors.mailer", processor(country="CH", transfer={"mechanism": "adequacy"})),)),
    Compliant("dpf-in-us", "transfer-mechanism-invalid", (
        put("processors.mailer", processor(country="US", transfer={"mechanism": "dpf"})),)),
    Compliant("scc-with-module", "transfer-mechanism-invalid", (
        put("processors.mailer", processor(country="US",
                                           transfer={"mechanism": "scc", "scc_module": 2})),)),
    Compliant("derogation-with-ground", "transfer-mechanism-invalid", (
        put("processors.mailer", processor(country="US", transfer={
            "mechanism": "derogation", "derogation": "explicit consent, Art. 49(1)(a)"})),)),

    Compliant("never-collect-other-subjects", "promise-contradicted", (
        NEVER_COLLECT_ID_FROM_APPLICANTS,
        add("purposes.customer_accounts.data_categories", NATIONAL_ID),
        put("datastores.main_db.tables.users.fields.national_id",
            {"categories": [NATIONAL_ID]}))),
    Compliant("never-store-other-value", "promise-contradicted", (
        add("promises.never_store", {"values": ["payment_card"]}),
        add("purposes.customer_accounts.data_categories", "user.financial.bank_account"),
        put("datastores.main_db.tables.users.fields.iban",
            {"categories": ["user.financial.bank_account"]}))),
    Compliant("never-use-other-use", "promise-contradicted", (
        add("promises.never_use", {"categories": ["user.contact.email"],
                                   "uses": ["marketing.advertising"]}),
        NEWSLETTER)),
    Compliant("residency-datastore-in-region", "promise-contradicted", (
        add("promises.data_residency", {"regions": ["EEA"]}),
        put("datastores.main_db.location", "IS"))),
    Compliant("residency-processor-in-region", "promise-contradicted", (RESIDENCY_EU, MAILER)),
    Compliant("residency-other-categories", "promise-contradicted", (
        add("promises.data_residency", {"regions": ["EU"], "categories": ["user.financial"]}),
        put("processors.mailer", processor(country="IS")))),

    Compliant("identity-marked", "identity-missing"),
    Compliant("datastore-without-personal-data", "identity-missing", (CATALOG,)),

    Compliant("processor-known-purpose", "unknown-reference", (MAILER,)),
    Compliant("hosted-by-known-processor", "unknown-reference", (
        MAILER, put("datastores.main_db.hosted_by", "mailer"))),
    Compliant("reference-to-declared-table", "unknown-reference", (
        put("datastores.main_db.tables.orders",
            {"references": [{"field": "customer_email", "to": "users.email"}]}),)),
    Compliant("reference-across-datastores", "unknown-reference", (
        CATALOG,
        put("retention.closed_accounts.datastore", "main_db"),
        add("datastores.catalog.tables.products.references",
            {"field": "owner_email", "to": "main_db.users.email"}))),
    Compliant("legal-hold-keeps-declared-field", "unknown-reference", (
        put("datastores.main_db.tables.users.legal_holds.tax_records",
            {**TAX_HOLD, "keep_fields": ["email"]}),)),
    Compliant("retention-on-declared-table", "unknown-reference"),
    Compliant("cookie-provider-is-processor", "unknown-reference", (
        MAILER, add("cookies", cookie(category="necessary", provider="mailer")))),

    Compliant("banner-consent-purpose", "cookies-without-consent", (
        BANNER_PURPOSE, add("cookies", cookie()))),
    Compliant("necessary-cookie-only", "cookies-without-consent", (
        add("cookies", cookie(category="necessary")),)),

    Compliant("thirteen-months", "cookie-lifetime-too-long", (
        BANNER_PURPOSE, add("cookies", cookie(lifetime="13mo")))),
    Compliant("necessary-cookie-lives-long", "cookie-lifetime-too-long", (
        add("cookies", cookie(category="necessary", lifetime="2y")),)),

    Compliant("gdpr-one-month", "response-deadline-too-long", (
        put("organization.response_deadline", "1mo"),)),
    Compliant("ccpa-45-days", "response-deadline-too-long", (
        put("organization.response_deadline", "45d"),
        put("organization.jurisdictions", ["ccpa"]))),

    Compliant("established-in-eu", "representative-missing"),
    Compliant("representative-named", "representative-missing", (
        put("organization.country", "US"),
        put("organization.address", "1 Main St, Austin TX, USA"),
        put("organization.eu_representative",
            {"name": "Rep GmbH", "email": "rep@rep.example"}))),

    Compliant("advertiser-as-third-party-controller", "recipient-role-mismatch", (
        ADVERTISING, put("processors.ad_network", processor(
            name="Ad Network SA", service="Retargeting.", role="third_party_controller",
            purposes=["advertising"], data_categories=["user.device.cookie_id"])))),

    Compliant("notice-period-stated", "change-notice-missing"),
    Compliant("notices-to-a-declared-table", "notice-recipients-unknown", (
        put("policy.notify", [{"datastore": "main_db", "table": "users", "email": "email",
                               "where": "closed_at is null"}]),)),

    Compliant("categories-named", "purpose-no-data-categories"),
    Compliant("subjects-named", "purpose-no-data-subjects"),
    Compliant("measures-declared", "security-measures-missing"),
    Compliant("contact-email", "contact-details-missing", (
        put("organization.dpo", {"name": "Camille Martin", "phone": "+33 1 23 45 67 89"}),)),
    Compliant("processor-record-complete", "processor-record-incomplete", (
        put("organization.role", "both"), CUSTOMERS, FOR_CUSTOMERS)),
]


# ---------------------------------------------------------------- guards on the tables


def test_every_rule_has_a_trigger_case() -> None:
    assert set(RULES) - {c.rule for c in TRIGGERS} == set()


def test_every_rule_has_a_compliant_case() -> None:
    assert set(RULES) - {c.rule for c in COMPLIANT} == set()


def test_the_tables_name_only_real_rules() -> None:
    named = {c.rule for c in TRIGGERS} | {c.rule for c in COMPLIANT}
    assert named <= set(RULES)
    assert all(c.also <= set(RULES) for c in TRIGGERS)


def test_case_ids_are_unique() -> None:
    ids = [f"{c.rule}/{c.name}" for c in TRIGGERS] + [f"{c.rule}/{c.name}" for c in COMPLIANT]
    assert len(ids) == len(set(ids))


# ---------------------------------------------------------------- the base


def test_base_manifest_lints_clean(tmp_path: Path) -> None:
    write_manifest(tmp_path, BASE)
    diagnostics = lint(load(tmp_path))
    assert [d for d in diagnostics if d.severity in {Severity.error, Severity.warning}] == []
    assert diagnostics == []


# ---------------------------------------------------------------- each rule, both ways


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.rule}/{c.name}") for c in TRIGGERS])
def test_rule_triggers(case: Trigger, tmp_path: Path) -> None:
    text = write_manifest(tmp_path, build(*case.edits))
    diagnostics = lint(load(tmp_path))

    assert rules_of(diagnostics) == {case.rule} | case.also, [d.render() for d in diagnostics]
    expected_line = line_of(text, case.marker)
    here = [d for d in diagnostics if d.rule == case.rule and d.location is not None
            and (d.location.file, d.location.line) == (MANIFEST_FILE, expected_line)]
    assert here, (f"no {case.rule} at {MANIFEST_FILE}:{expected_line} "
                  f"({case.marker!r}); got {[d.render() for d in diagnostics]}")
    found = here[0]
    assert found.severity is case.severity
    for name in case.names:
        assert name in found.message
    assert found.hint


@pytest.mark.parametrize("case", [pytest.param(c, id=f"{c.rule}/{c.name}") for c in COMPLIANT])
def test_rule_stays_quiet(case: Compliant, tmp_path: Path) -> None:
    write_manifest(tmp_path, build(*case.edits))
    diagnostics = lint(load(tmp_path))

    assert case.rule not in rules_of(diagnostics)
    assert diagnostics == [], [d.render() for d in diagnostics]


# ---------------------------------------------------------------- ignore


def _first_trigger(rule_id: str) -> Trigger:
    return next(c for c in TRIGGERS if c.rule == rule_id)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_ignore_suppresses_only_that_rule(rule_id: str, tmp_path: Path) -> None:
    write_manifest(tmp_path, build(*_first_trigger(rule_id).edits))
    manifest = load(tmp_path)

    everything = lint(manifest)
    ignored = lint(manifest, ignore=[rule_id])

    assert rule_id in rules_of(everything)
    assert rule_id not in rules_of(ignored)
    assert ignored == [d for d in everything if d.rule != rule_id]


# ---------------------------------------------------------------- the demo


def test_demo_manifest_has_no_error(tmp_path: Path) -> None:
    demo = Path(privet.demo.__file__).parent / "manifest"
    (tmp_path / "privacy").mkdir()
    for source in sorted(demo.glob("*.yaml")):
        shutil.copy(source, tmp_path / "privacy" / source.name)

    manifest = load_manifest(tmp_path / "privacy", root=tmp_path, environ={})
    errors = [d.render() for d in lint(manifest) if d.severity is Severity.error]

    assert manifest.purposes and manifest.datastores and manifest.processors
    assert errors == []


# ---------------------------------------------------------------- rules that misjudge


@pytest.mark.parametrize("target", ["public.customers.email", "main_db.public.customers.email"])
def test_reference_to_schema_qualified_table_is_known(target: str, tmp_path: Path) -> None:
    data = build(put("retention.closed_accounts.datastore", "main_db"))
    tables = data["datastores"]["main_db"]["tables"]
    tables["public.customers"] = {"data_subjects": ["customer"],
                                  "fields": {"email": {"categories": ["user.contact.email"]}}}
    tables["public.orders"] = {"references": [{"field": "customer_email", "to": target}]}
    write_manifest(tmp_path, data)

    assert "unknown-reference" not in rules_of(lint(load(tmp_path)))


def test_datastore_without_personal_data_outside_eea_needs_no_mechanism(tmp_path: Path) -> None:
    write_manifest(tmp_path, build(CATALOG, put("datastores.catalog.location", "US")))

    assert "transfer-no-mechanism" not in rules_of(lint(load(tmp_path)))


def test_uk_controller_keeping_data_in_the_uk_makes_no_transfer(tmp_path: Path) -> None:
    write_manifest(tmp_path, build(
        put("organization.country", "GB"),
        put("organization.address", "1 High Street, London, UK"),
        put("organization.jurisdictions", ["uk_gdpr"]),
        put("datastores.main_db.location", "GB"),
        put("processors.mailer", processor(country="GB")),
    ))

    assert "transfer-no-mechanism" not in rules_of(lint(load(tmp_path)))
