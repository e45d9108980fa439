"""Lint rules: what a DPO would flag reading the manifest, each with an id and a fix.

A rule is a function from the manifest to diagnostics, registered with ``@rule``. Rules
read the immutable ``Manifest`` only; checks that need the live databases live in
``privet.datastores.live_checks``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from privet.kit.durations import Duration
from privet.manifest.diagnostics import Diagnostic, Severity, sort_diagnostics
from privet.manifest.geography import ADEQUATE, EEA, country_name, in_region
from privet.manifest.schema import (
    CookieCategory,
    Jurisdiction,
    LegalBasis,
    Manifest,
    ProcessorRole,
    TransferMechanism,
    ValueType,
)
from privet.manifest.taxonomy import covers, is_personal, is_special, overlaps

Check = Callable[[Manifest], Iterable[Diagnostic]]


@dataclass(frozen=True)
class LintRule:
    id: str
    severity: Severity
    summary: str
    check: Check


RULES: dict[str, LintRule] = {}


def rule(rule_id: str, severity: Severity, summary: str) -> Callable[[Check], Check]:
    """Register a lint rule; its docstring-free summary is what `privet check --rules` lists."""

    def register(check: Check) -> Check:
        RULES[rule_id] = LintRule(rule_id, severity, summary, check)
        return check

    return register


def lint(manifest: Manifest, *, ignore: Iterable[str] = ()) -> list[Diagnostic]:
    """Run every rule not in ``ignore``; diagnostics sorted by place."""
    skipped = set(ignore)
    found: list[Diagnostic] = []
    for rule_id, registered in RULES.items():
        if rule_id not in skipped:
            found.extend(registered.check(manifest))
    return sort_diagnostics(found)


def _d(rule_id: str, message: str, manifest: Manifest, path: tuple[str | int, ...],
       hint: str, *, key: bool = True) -> Diagnostic:
    registered = RULES[rule_id]
    return Diagnostic(rule_id, registered.severity, message, manifest.locate(*path, key=key), hint)


def _any_overlap(keys: Iterable[str], others: Iterable[str]) -> list[str]:
    others = list(others)
    return [k for k in keys if any(overlaps(k, o) for o in others)]


def _field_categories(manifest: Manifest) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    """(path of the field, table name, category) for every categorised field."""
    for ds, table_name, table in manifest.tables():
        for field_name, field in table.fields.items():
            for category in field.categories:
                yield ("datastores", ds, "tables", table_name, "fields", field_name), \
                    table_name, category


# ------------------------------------------------------------------ purposes and bases


@rule("purpose-no-legal-basis", Severity.error,
      "A purpose states no Art. 6 legal basis.")
def _purpose_no_legal_basis(m: Manifest) -> Iterator[Diagnostic]:
    for key, purpose in m.purposes.items():
        if purpose.legal_basis is None:
            yield _d("purpose-no-legal-basis",
                     f"purpose `{key}` has no legal basis", m, ("purposes", key),
                     "add `legal_basis:` (consent, contract, legal_obligation, vital_interest, "
                     "public_task or legitimate_interest)")


@rule("legitimate-interest-unstated", Severity.error,
      "A purpose relies on legitimate interest without stating the interest.")
def _legitimate_interest_unstated(m: Manifest) -> Iterator[Diagnostic]:
    for key, purpose in m.purposes.items():
        if purpose.legal_basis is LegalBasis.legitimate_interest and not (
            purpose.legitimate_interest or ""
        ).strip():
            yield _d("legitimate-interest-unstated",
                     f"purpose `{key}` relies on legitimate interest but does not say which",
                     m, ("purposes", key, "legal_basis"),
                     "add `legitimate_interest:` with the interest pursued (Art. 13(1)(d))")


@rule("consent-not-captured", Severity.error,
      "A consent-based purpose says nowhere where consent is asked.")
def _consent_not_captured(m: Manifest) -> Iterator[Diagnostic]:
    for key, purpose in m.purposes.items():
        if purpose.legal_basis is LegalBasis.consent and not purpose.consent_capture:
            yield _d("consent-not-captured",
                     f"purpose `{key}` is based on consent but no consent capture is declared",
                     m, ("purposes", key, "legal_basis"),
                     "add `consent_capture:` (banner, signup_form, preference_center, "
                     "double_opt_in, api, in_app)")


@rule("special-category-no-condition", Severity.error,
      "Special-category data (Art. 9) is processed with no Art. 9(2) condition.")
def _special_category_no_condition(m: Manifest) -> Iterator[Diagnostic]:
    conditioned: list[str] = []
    for key, purpose in m.purposes.items():
        special = [c for c in purpose.data_categories if is_special(c)]
        if special and purpose.special_category_condition is None:
            yield _d("special-category-no-condition",
                     f"purpose `{key}` processes {', '.join(special)} with no Art. 9 condition",
                     m, ("purposes", key),
                     "add `special_category_condition:` (e.g. explicit_consent) or remove "
                     "the category")
        elif special:
            conditioned.extend(special)
    for path, _table, category in _field_categories(m):
        if is_special(category) and not any(covers(c, category) for c in conditioned):
            yield _d("special-category-no-condition",
                     f"`{path[3]}.{path[5]}` holds {category}, which no purpose with an Art. 9 "
                     "condition covers", m, path,
                     "declare a purpose for it with `special_category_condition:`, or stop "
                     "storing it")


# ------------------------------------------------------------------ retention


@rule("personal-data-no-retention", Severity.warning,
      "Personal data for which neither a purpose nor a retention rule states a period.")
def _personal_data_no_retention(m: Manifest) -> Iterator[Diagnostic]:
    with_period = [c for p in m.purposes.values() if p.retention for c in p.data_categories]
    ruled_tables = {(r.datastore, r.table) for r in m.retention.values() if r.table}
    ruled_categories = [c for r in m.retention.values() for c in r.categories]
    for key, purpose in m.purposes.items():
        personal = [c for c in purpose.data_categories if is_personal(c)]
        if personal and purpose.retention is None and not _any_overlap(personal, ruled_categories):
            yield _d("personal-data-no-retention",
                     f"purpose `{key}` processes personal data but states no retention period",
                     m, ("purposes", key), "add `retention:` (e.g. `3y`) and `retention_note:`")
    for ds, table_name, table in m.tables():
        if (ds, table_name) in ruled_tables or (None, table_name) in ruled_tables:
            continue
        for field_name, field in table.fields.items():
            missing = [c for c in field.categories if is_personal(c)
                       and not any(overlaps(c, w) for w in [*with_period, *ruled_categories])]
            if missing:
                yield _d("personal-data-no-retention",
                         f"`{table_name}.{field_name}` holds {', '.join(missing)} and no purpose "
                         "or retention rule says how long it is kept", m,
                         ("datastores", ds, "tables", table_name, "fields", field_name),
                         f"add a rule under `retention:` for table `{table_name}`, or a "
                         "`retention:` to the purpose that uses it")


# ------------------------------------------------------------------ categories and purposes


@rule("category-without-purpose", Severity.warning,
      "A category stored in a datastore serves no declared purpose.")
def _category_without_purpose(m: Manifest) -> Iterator[Diagnostic]:
    used = [c for p in m.purposes.values() for c in p.data_categories]
    for path, table_name, category in _field_categories(m):
        if is_personal(category) and not any(overlaps(category, u) for u in used):
            yield _d("category-without-purpose",
                     f"`{table_name}.{path[5]}` holds {category}, which no purpose uses", m, path,
                     f"add {category} to the purpose it serves, or stop collecting it "
                     "(data minimisation, Art. 5(1)(c))")


@rule("processor-category-not-shared", Severity.error,
      "A processor receives a category that none of the purposes it serves declares.")
def _processor_category_not_shared(m: Manifest) -> Iterator[Diagnostic]:
    for key, processor in m.processors.items():
        served = [c for p in processor.purposes if p in m.purposes
                  for c in m.purposes[p].data_categories]
        for index, category in enumerate(processor.data_categories):
            if not any(covers(s, category) for s in served):
                yield _d("processor-category-not-shared",
                         f"processor `{key}` receives {category}, which no purpose it serves "
                         "declares", m, ("processors", key, "data_categories", index),
                         f"add {category} to one of its purposes "
                         f"({', '.join(processor.purposes) or 'none listed'}), or stop sharing it",
                         key=False)


@rule("processor-without-purpose", Severity.warning,
      "A processor or recipient serves no declared purpose.")
def _processor_without_purpose(m: Manifest) -> Iterator[Diagnostic]:
    for key, processor in m.processors.items():
        if not processor.purposes:
            yield _d("processor-without-purpose", f"processor `{key}` serves no purpose", m,
                     ("processors", key), "list the purposes it serves under `purposes:`")


# ------------------------------------------------------------------ transfers


@rule("processor-mode-incomplete", Severity.error,
      "Rows held for customers (on_behalf_of) need a customers directory to tell them.")
def _processor_mode_incomplete(m: Manifest) -> Iterator[Diagnostic]:
    held = [(store, name) for store, name, table in m.tables() if table.on_behalf_of]
    directory = m.customers
    if held and directory is None:
        store, name = held[0]
        yield _d("processor-mode-incomplete",
                 f"{store}.{name} is processed on behalf of customers, but no `customers` "
                 "section says where they are and how to tell them",
                 m, ("datastores", store, "tables", name, "on_behalf_of"),
                 hint="add customers: {datastore, table, key, email} to the manifest")
    if directory is None:
        return
    if directory.datastore not in m.datastores:
        yield _d("processor-mode-incomplete",
                 f"customers.datastore `{directory.datastore}` is not a declared datastore",
                 m, ("customers", "datastore"), hint=f"one of: {', '.join(m.datastores)}")
    if directory.email is None and directory.webhook_url is None:
        yield _d("processor-mode-incomplete",
                 "customers has neither `email` nor `webhook_url`: customers cannot be told "
                 "about requests touching their data", m, ("customers",),
                 hint="name the column holding each customer's privacy or billing email")
    if m.organization.role.value == "controller" and held:
        yield _d("processor-mode-incomplete",
                 "tables are processed on behalf of customers but organization.role is "
                 "`controller`", m, ("organization", "role"),
                 hint="set role: both (or processor)")


def free_flow_zone(m: Manifest) -> frozenset[str] | None:
    """Where personal data moves with no transfer mechanism; None when no such law applies.

    Under the GDPR that is the EEA. Under the UK GDPR alone it is the UK (with Gibraltar)
    and the EEA, which the UK's adequacy regulations cover.
    """
    laws = set(m.organization.jurisdictions)
    if Jurisdiction.gdpr in laws:
        return EEA
    if Jurisdiction.uk_gdpr in laws:
        return EEA | {"GB", "GI"}
    return None


def leaves_free_flow_zone(m: Manifest, country: str) -> bool:
    """True when sending personal data to ``country`` is a transfer that needs an Art. 44-49
    mechanism: outside :func:`free_flow_zone` (the EEA when no such law applies). The one
    notion of "outside the EEA" of the record, the policy and the change notices."""
    return country not in (free_flow_zone(m) or EEA)


@rule("transfer-no-mechanism", Severity.error,
      "Personal data goes outside the EEA with no transfer mechanism (Art. 44-49).")
def _transfer_no_mechanism(m: Manifest) -> Iterator[Diagnostic]:
    zone = free_flow_zone(m)
    if zone is None:
        return
    area = "the EEA" if zone == EEA else "the UK and the EEA"
    for key, processor in m.processors.items():
        if processor.country not in zone and processor.transfer is None and any(
            is_personal(c) for c in processor.data_categories
        ):
            yield _d("transfer-no-mechanism",
                     f"processor `{key}` is in {country_name(processor.country)}, outside "
                     f"{area}, and no transfer mechanism is declared", m, ("processors", key),
                     "add `transfer: {mechanism: scc, scc_module: 2}` (or adequacy, dpf, bcr, "
                     "derogation)")
    for key, store in m.datastores.items():
        host = m.processors.get(store.hosted_by or "")
        personal = any(t.holds_personal_data for t in store.tables.values())
        if personal and store.location not in zone and (host is None or host.transfer is None):
            yield _d("transfer-no-mechanism",
                     f"datastore `{key}` is hosted in {country_name(store.location)}, outside "
                     f"{area}, and no transfer mechanism covers it", m,
                     ("datastores", key, "location"),
                     "set `hosted_by:` to a processor with a `transfer:` mechanism", key=False)


@rule("transfer-mechanism-invalid", Severity.error,
      "A transfer mechanism that does not fit the destination.")
def _transfer_mechanism_invalid(m: Manifest) -> Iterator[Diagnostic]:
    for key, processor in m.processors.items():
        transfer = processor.transfer
        if transfer is None:
            continue
        path = ("processors", key, "transfer", "mechanism")
        if transfer.mechanism is TransferMechanism.adequacy and processor.country not in ADEQUATE \
                and processor.country not in EEA:
            yield _d("transfer-mechanism-invalid",
                     f"processor `{key}`: {country_name(processor.country)} has no EU adequacy "
                     "decision", m, path,
                     "use `scc` (with `scc_module`), `bcr`, `dpf` (United States, certified "
                     "organisations) or `derogation`", key=False)
        if transfer.mechanism is TransferMechanism.dpf and processor.country != "US":
            yield _d("transfer-mechanism-invalid",
                     f"processor `{key}`: the Data Privacy Framework covers the United States "
                     f"only, not {country_name(processor.country)}", m, path,
                     "use `scc` or another mechanism", key=False)
        if transfer.mechanism is TransferMechanism.scc and transfer.scc_module is None:
            yield _d("transfer-mechanism-invalid",
                     f"processor `{key}`: standard contractual clauses without a module", m, path,
                     "add `scc_module:` (1 C2C, 2 C2P, 3 P2P, 4 P2C)", key=False)
        if transfer.mechanism is TransferMechanism.derogation and not transfer.derogation:
            yield _d("transfer-mechanism-invalid",
                     f"processor `{key}`: a derogation needs its Art. 49 ground", m, path,
                     "add `derogation:` (e.g. `explicit consent, Art. 49(1)(a)`)", key=False)


# ------------------------------------------------------------------ promises


_VALUE_CATEGORIES: dict[ValueType, tuple[str, ...]] = {
    ValueType.payment_card: ("user.financial.credit_card",),
    ValueType.iban: ("user.financial.bank_account",),
    ValueType.national_id: ("user.government_id.national_identification_number",),
    ValueType.passport: ("user.government_id.passport_number",),
    ValueType.email: ("user.contact.email",),
    ValueType.phone: ("user.contact.phone_number",),
    ValueType.ip_address: ("user.device.ip_address",),
    ValueType.date_of_birth: ("user.demographic.date_of_birth",),
    ValueType.postal_address: ("user.contact.address",),
    ValueType.gps_coordinates: ("user.location.precise",),
    ValueType.person_name: ("user.name",),
}


@rule("promise-contradicted", Severity.error,
      "A declaration contradicts one of the manifest's promises.")
def _promise_contradicted(m: Manifest) -> Iterator[Diagnostic]:
    yield from _never_collect(m)
    yield from _never_store(m)
    yield from _never_use(m)
    yield from _residency(m)


def _never_collect(m: Manifest) -> Iterator[Diagnostic]:
    for index, promise in enumerate(m.promises.never_collect):
        where = f"promises.never_collect[{index}]"

        def concerns(subjects: list[str], promise_subjects: list[str] = promise.subjects) -> bool:
            return not promise_subjects or not subjects or bool(
                _any_overlap(subjects, promise_subjects))

        for key, purpose in m.purposes.items():
            hit = _any_overlap(purpose.data_categories, promise.categories)
            if hit and concerns(purpose.data_subjects):
                yield _d("promise-contradicted",
                         f"purpose `{key}` collects {', '.join(hit)}, which {where} says is "
                         "never collected", m, ("purposes", key),
                         "remove the category from the purpose, or change the promise")
        for ds, table_name, table in m.tables():
            for field_name, field in table.fields.items():
                hit = _any_overlap(field.categories, promise.categories)
                if hit and concerns(table.data_subjects):
                    yield _d("promise-contradicted",
                             f"`{table_name}.{field_name}` stores {', '.join(hit)}, which {where} "
                             "says is never collected", m,
                             ("datastores", ds, "tables", table_name, "fields", field_name),
                             "stop storing it, or change the promise")


def _never_store(m: Manifest) -> Iterator[Diagnostic]:
    for index, promise in enumerate(m.promises.never_store):
        for value in promise.values:
            forbidden = _VALUE_CATEGORIES.get(value, ())
            for ds, table_name, table in m.tables():
                for field_name, field in table.fields.items():
                    hit = [c for c in field.categories
                           if any(covers(f, c) for f in forbidden)
                           or (value is ValueType.special_category and is_special(c))]
                    if hit:
                        yield _d("promise-contradicted",
                                 f"`{table_name}.{field_name}` is declared as {', '.join(hit)}, "
                                 f"but promises.never_store[{index}] says {value.value} values "
                                 "are never stored", m,
                                 ("datastores", ds, "tables", table_name, "fields", field_name),
                                 "stop storing the value (tokenise it at the payment provider), "
                                 "or change the promise")


def _never_use(m: Manifest) -> Iterator[Diagnostic]:
    for index, promise in enumerate(m.promises.never_use):
        for key, purpose in m.purposes.items():
            if not any(covers(u, purpose.data_use) for u in promise.uses):
                continue
            hit = _any_overlap(purpose.data_categories, promise.categories)
            if hit:
                yield _d("promise-contradicted",
                         f"purpose `{key}` uses {', '.join(hit)} for {purpose.data_use}, which "
                         f"promises.never_use[{index}] rules out", m, ("purposes", key),
                         "remove the category from the purpose, or change the promise")


def _residency(m: Manifest) -> Iterator[Diagnostic]:
    for index, promise in enumerate(m.promises.data_residency):
        regions = ", ".join(promise.regions)

        def concerned(categories: Iterable[str], wanted: list[str] = promise.categories) -> bool:
            personal = [c for c in categories if is_personal(c)]
            return bool(personal) and (not wanted or bool(_any_overlap(personal, wanted)))

        def inside(country: str, allowed: list[str] = promise.regions) -> bool:
            return any(in_region(country, r) for r in allowed)

        for key, store in m.datastores.items():
            cats = {c for t in store.tables.values() for c in t.categories}
            if concerned(cats) and not inside(store.location):
                yield _d("promise-contradicted",
                         f"datastore `{key}` is in {country_name(store.location)}, but "
                         f"promises.data_residency[{index}] keeps this data in {regions}", m,
                         ("datastores", key, "location"), "move it, or change the promise",
                         key=False)
        for key, processor in m.processors.items():
            if concerned(processor.data_categories) and not inside(processor.country):
                yield _d("promise-contradicted",
                         f"processor `{key}` receives data in {country_name(processor.country)}, "
                         f"but promises.data_residency[{index}] keeps it in {regions}", m,
                         ("processors", key, "country"),
                         "choose a processor in the region, or change the promise", key=False)


# ------------------------------------------------------------------ datastores


@rule("identity-missing", Severity.error,
      "A datastore holds personal data but declares no identity field to find a person by.")
def _identity_missing(m: Manifest) -> Iterator[Diagnostic]:
    for key, store in m.datastores.items():
        personal = any(t.holds_personal_data for t in store.tables.values())
        identities = [f for t in store.tables.values() for f in t.fields.values() if f.identity]
        if personal and not identities:
            yield _d("identity-missing",
                     f"datastore `{key}` holds personal data but no field is marked `identity:`",
                     m, ("datastores", key),
                     "mark the column that identifies a person, e.g. `email: {identity: email}`; "
                     "requests cannot find anyone otherwise")


@rule("unknown-reference", Severity.error,
      "A reference to a purpose, processor, datastore, table or field the manifest lacks.")
def _unknown_reference(m: Manifest) -> Iterator[Diagnostic]:
    def bad(message: str, path: tuple[str | int, ...], hint: str) -> Diagnostic:
        return _d("unknown-reference", message, m, path, hint, key=False)

    for key, processor in m.processors.items():
        for index, purpose in enumerate(processor.purposes):
            if purpose not in m.purposes:
                yield bad(f"processor `{key}` serves unknown purpose `{purpose}`",
                          ("processors", key, "purposes", index), _known("purposes", m.purposes))
    for key, store in m.datastores.items():
        if store.hosted_by and store.hosted_by not in m.processors:
            yield bad(f"datastore `{key}` is hosted by unknown processor `{store.hosted_by}`",
                      ("datastores", key, "hosted_by"), _known("processors", m.processors))
        for table_name, table in store.tables.items():
            base = ("datastores", key, "tables", table_name)
            for index, reference in enumerate(table.references):
                target_store, target_table, _column = m.reference_target(key, reference)
                if target_table not in m.datastores[target_store].tables:
                    yield bad(f"`{table_name}.{reference.field}` refers to `{reference.to}`, but "
                              f"table `{target_table}` is not declared",
                              (*base, "references", index, "to"),
                              f"declare `{target_table}` under datastores.{target_store}.tables")
            for hold_key, hold in table.legal_holds.items():
                for index, name in enumerate(hold.keep_fields):
                    if name not in table.fields:
                        yield bad(f"legal hold `{hold_key}` keeps `{name}`, which is not a "
                                  f"declared field of `{table_name}`",
                                  (*base, "legal_holds", hold_key, "keep_fields", index),
                                  _known("fields", table.fields))
    for key, retention in m.retention.items():
        path = ("retention", key)
        if retention.datastore and retention.datastore not in m.datastores:
            yield bad(f"retention rule `{key}` names unknown datastore `{retention.datastore}`",
                      (*path, "datastore"), _known("datastores", m.datastores))
            continue
        if retention.table:
            stores = [retention.datastore] if retention.datastore else list(m.datastores)
            if len(stores) > 1:
                yield bad(f"retention rule `{key}` must say which datastore holds "
                          f"`{retention.table}`", path, "add `datastore:`")
            elif not any(retention.table in m.datastores[s].tables for s in stores):
                yield bad(f"retention rule `{key}` targets table `{retention.table}`, which is "
                          "not declared", (*path, "table"),
                          "declare the table under its datastore's `tables:`")
        for datastore, table_name in m.retention_targets(retention):
            declared = m.datastores[datastore].tables.get(table_name)
            if declared is None:
                continue
            erasable = {n for n, f in declared.fields.items()
                        if f.effective_erasure is not None}
            for index, name in enumerate(retention.fields):
                if name not in erasable:
                    yield bad(f"retention rule `{key}` anonymises `{name}`, which is not a "
                              f"field of `{table_name}` with an erasure strategy",
                              (*path, "fields", index), _known("such fields", erasable))
        for index, category in enumerate(retention.categories):
            if not any(overlaps(category, c) for _, _, t in m.tables() for c in t.categories):
                yield bad(f"retention rule `{key}` covers {category}, which no table holds",
                          (*path, "categories", index),
                          "declare the category on the fields that hold it")
    for index, cookie in enumerate(m.cookies):
        if cookie.provider != "first_party" and cookie.provider not in m.processors:
            yield bad(f"cookie `{cookie.label}` is set by unknown provider `{cookie.provider}`",
                      ("cookies", index, "provider"),
                      "use `first_party` or the key of a processor")


def _known(what: str, names: Iterable[str]) -> str:
    listed = ", ".join(sorted(names))
    return f"known {what}: {listed}" if listed else f"no {what} are declared"


# ------------------------------------------------------------------ cookies


@rule("cookies-without-consent", Severity.error,
      "Non-essential cookies, but no consent-based purpose captures consent in a banner.")
def _cookies_without_consent(m: Manifest) -> Iterator[Diagnostic]:
    banner = any(p.legal_basis is LegalBasis.consent and "banner" in p.consent_capture
                 for p in m.purposes.values())
    if banner:
        return
    for index, cookie in enumerate(m.cookies):
        if cookie.category is not CookieCategory.necessary:
            yield _d("cookies-without-consent",
                     f"cookie `{cookie.label}` ({cookie.category.value}) needs consent, but no "
                     "purpose asks for it in a banner", m, ("cookies", index),
                     "add a consent-based purpose with `consent_capture: [banner]` (ePrivacy "
                     "Art. 5(3))", key=False)


@rule("cookie-lifetime-too-long", Severity.warning,
      "A non-essential cookie lives longer than 13 months.")
def _cookie_lifetime(m: Manifest) -> Iterator[Diagnostic]:
    limit = Duration.parse("13mo")
    for index, cookie in enumerate(m.cookies):
        lifetime = cookie.lifetime
        if (cookie.category is not CookieCategory.necessary and isinstance(lifetime, Duration)
                and lifetime.approx_days > limit.approx_days):
            yield _d("cookie-lifetime-too-long",
                     f"cookie `{cookie.label}` lives {lifetime.describe()}; consent cookies should "
                     "not outlive 13 months", m, ("cookies", index, "lifetime"),
                     "set `lifetime: 13mo` or less", key=False)


# ------------------------------------------------------------------ organization


@rule("response-deadline-too-long", Severity.error,
      "The request response deadline exceeds what the law allows.")
def _response_deadline(m: Manifest) -> Iterator[Diagnostic]:
    limits = {Jurisdiction.gdpr: 31, Jurisdiction.uk_gdpr: 31, Jurisdiction.ccpa: 45}
    days = m.organization.response_deadline.approx_days
    for jurisdiction in m.organization.jurisdictions:
        limit = limits.get(jurisdiction)
        if limit is not None and days > limit:
            yield _d("response-deadline-too-long",
                     f"requests are answered in {m.organization.response_deadline.describe()}, "
                     f"longer than {jurisdiction.value} allows ({limit} days)", m,
                     ("organization", "response_deadline"), "set `response_deadline: 30d`",
                     key=False)
            return


@rule("representative-missing", Severity.warning,
      "A controller outside the EU under the GDPR names no EU representative (Art. 27).")
def _representative_missing(m: Manifest) -> Iterator[Diagnostic]:
    org = m.organization
    if Jurisdiction.gdpr in org.jurisdictions and org.country not in EEA \
            and org.eu_representative is None:
        yield _d("representative-missing",
                 f"{org.name} is established in {country_name(org.country)} and under the GDPR, "
                 "but names no EU representative", m, ("organization",),
                 "add `eu_representative:` with a name and an email")


@rule("recipient-role-mismatch", Severity.warning,
      "A processor that is a controller in its own right is listed as a subprocessor.")
def _recipient_role(m: Manifest) -> Iterator[Diagnostic]:
    for key, processor in m.processors.items():
        marketing = [p for p in processor.purposes if p in m.purposes
                     and m.purposes[p].data_use.startswith("marketing.advertising.third_party")]
        if processor.role is ProcessorRole.subprocessor and marketing:
            yield _d("recipient-role-mismatch",
                     f"processor `{key}` serves third-party advertising ({', '.join(marketing)}); "
                     "such a recipient usually decides its own purposes", m,
                     ("processors", key, "role"),
                     "set `role: third_party_controller` (or joint_controller) and disclose it",
                     key=False)


@rule("change-notice-missing", Severity.info,
      "The policy does not say how far ahead material changes are announced.")
def _change_notice(m: Manifest) -> Iterator[Diagnostic]:
    if m.policy.notice_period is None:
        yield _d("change-notice-missing", "no notice period for material policy changes", m,
                 ("policy",), "add `notice_period: 30d` under `policy:`")


@rule("notice-recipients-unknown", Severity.error,
      "`policy.notify` names a datastore or table the manifest does not declare.")
def _notice_recipients(m: Manifest) -> Iterator[Diagnostic]:
    for index, recipients in enumerate(m.policy.notify):
        path = ("policy", "notify", index)
        stores = [recipients.datastore] if recipients.datastore else list(m.datastores)
        if recipients.datastore and recipients.datastore not in m.datastores:
            yield _d("notice-recipients-unknown", f"change notices go to datastore "
                     f"`{recipients.datastore}`, which is not declared", m,
                     (*path, "datastore"), _known("datastores", m.datastores), key=False)
        elif len(stores) > 1:
            yield _d("notice-recipients-unknown", "change notices must say which datastore "
                     f"holds `{recipients.table}`", m, path, "add `datastore:`", key=False)
        elif not any(recipients.table in m.datastores[s].tables for s in stores):
            yield _d("notice-recipients-unknown", f"change notices go to table "
                     f"`{recipients.table}`, which is not declared", m, (*path, "table"),
                     "declare the table under its datastore's `tables:`", key=False)


# ------------------------------------------------------------------ record of processing


@rule("purpose-no-data-categories", Severity.warning,
      "A purpose names no data categories, so the Art. 30 record cannot list them.")
def _purpose_no_data_categories(m: Manifest) -> Iterator[Diagnostic]:
    for key, purpose in m.purposes.items():
        if not purpose.data_categories:
            yield _d("purpose-no-data-categories",
                     f"purpose `{key}` names no data categories: the record of processing "
                     "cannot say which personal data it processes (Art. 30(1)(c))", m,
                     ("purposes", key), "add `data_categories:` (e.g. `[user.contact.email]`)")


@rule("purpose-no-data-subjects", Severity.warning,
      "A purpose names no data subjects, so the Art. 30 record cannot say whose data it is.")
def _purpose_no_data_subjects(m: Manifest) -> Iterator[Diagnostic]:
    for key, purpose in m.purposes.items():
        if not purpose.data_subjects:
            yield _d("purpose-no-data-subjects",
                     f"purpose `{key}` names no data subjects: the record of processing "
                     "cannot say whose data it is (Art. 30(1)(c))", m, ("purposes", key),
                     "add `data_subjects:` (e.g. `[customer]`, `[prospect]`, `[employee]`)")


@rule("security-measures-missing", Severity.warning,
      "No security measure is declared for the Art. 30 record (Art. 30(1)(g), Art. 32).")
def _security_measures_missing(m: Manifest) -> Iterator[Diagnostic]:
    if not m.security_measures:
        declared = "security_measures" in m.model_fields_set
        yield _d("security-measures-missing",
                 "no security measures are declared: the record of processing cannot describe "
                 "them (Art. 30(1)(g))", m,
                 ("security_measures",) if declared else ("organization",),
                 "add a top-level `security_measures:` list, each with a `name` and a "
                 "`description` (encryption, access control, backups...)")


@rule("contact-details-missing", Severity.warning,
      "The organisation, its DPO or a representative is named with no way to reach it.")
def _contact_details_missing(m: Manifest) -> Iterator[Diagnostic]:
    org = m.organization
    parties = [("contact", org.contact, "the privacy contact"), ("dpo", org.dpo, "the DPO"),
               ("eu_representative", org.eu_representative, "the EU representative"),
               ("uk_representative", org.uk_representative, "the UK representative")]
    for field_name, contact, who in parties:
        if contact is not None and not (contact.email or contact.phone or contact.address):
            yield _d("contact-details-missing",
                     f"organization.{field_name} gives no email, phone or address: the record "
                     f"of processing cannot say how to reach {who} (Art. 30(1)(a))", m,
                     ("organization", field_name), "add `email:` (or `phone:`, `address:`)")


@rule("processor-record-incomplete", Severity.warning,
      "The processor's record (Art. 30(2)) lacks its customers or its processing, or a "
      "controller-only manifest declares processing for customers.")
def _processor_record_incomplete(m: Manifest) -> Iterator[Diagnostic]:
    role = m.organization.role.value
    for_customers = [k for k, p in m.purposes.items() if p.on_behalf_of_customers]
    if role == "controller":
        for key in for_customers:
            yield _d("processor-record-incomplete",
                     f"purpose `{key}` is carried out on behalf of customers, but "
                     "organization.role is `controller`", m,
                     ("purposes", key, "on_behalf_of_customers"),
                     "set `role: both` (or `processor`) under `organization:`", key=False)
        return
    held = any(table.on_behalf_of for _, _, table in m.tables())
    if m.customers is None and not held:  # with held rows, processor-mode-incomplete says it
        yield _d("processor-record-incomplete",
                 f"organization.role is `{role}` but no `customers` section describes the "
                 "controllers on whose behalf the processing is done (Art. 30(2)(a))", m,
                 ("organization", "role"),
                 "add `customers: {datastore, table, name, email}` naming your customers table",
                 key=False)
    if not for_customers:
        yield _d("processor-record-incomplete",
                 f"organization.role is `{role}` but no purpose is marked "
                 "`on_behalf_of_customers`: the processor's record lists no processing "
                 "(Art. 30(2)(b))", m, ("organization", "role"),
                 "add `on_behalf_of_customers: true` to the purposes you carry out on your "
                 "customers' instructions", key=False)
