"""The manifest: a company's privacy promises as data.

One pydantic model per section. Every field has a description: they become the JSON
Schema (``privet manifest schema``) and the manifest reference in docs/manifest.md.
Cross-references (a purpose naming a processor, a retention rule naming a table) are
checked by the lint rules, which can point at both ends; the models check shape.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from privet.kit.durations import Duration
from privet.manifest.conditions import Condition
from privet.manifest.geography import REGIONS, is_country
from privet.manifest.source import Location, SourceMap
from privet.manifest.taxonomy import Taxonomy, TaxonomyTerm, is_personal, overlaps


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _country(code: str) -> str:
    if not is_country(code):
        raise ValueError(f"`{code}` is not an ISO 3166-1 alpha-2 country code (e.g. FR, DE, US)")
    return code


def _region(code: str) -> str:
    if code not in REGIONS and not is_country(code):
        raise ValueError(f"`{code}` is neither a region ({', '.join(REGIONS)}) nor a country code")
    return code


def _web_address(url: str) -> str:
    # The address becomes a link on the public privacy page: anything but a plain web
    # address (`javascript:`, `data:`, markup) would run in the reader's browser.
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc
            or any(c.isspace() or c in '<>"\'`' for c in url)):
        raise ValueError(f"`{url}` is not a web address: write one that starts with "
                         "`https://` (or `http://`), without spaces or quotes")
    return url


Key = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9_]*$"),
    Field(description="An identifier: lower case letters, digits and underscores."),
]
TaxonomyKey = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$"),
    Field(description="A taxonomy key, dotted: `user.contact.email`."),
]
SqlName = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$"),
    Field(description="A table or column name, optionally schema-qualified (`public.orders`)."),
]
Country = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Z]{2}$"),
    AfterValidator(_country),
    Field(description="ISO 3166-1 alpha-2 country code, e.g. `FR`."),
]
Region = Annotated[
    str,
    AfterValidator(_region),
    Field(description="`EU`, `EEA` or an ISO 3166-1 alpha-2 country code."),
]
WebAddress = Annotated[
    str,
    AfterValidator(_web_address),
    Field(description="A web address, `https://...` or `http://...`."),
]
Email = Annotated[
    str,
    StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    Field(description="An email address."),
]


class LegalBasis(StrEnum):
    """Art. 6(1) GDPR lawful bases."""

    consent = "consent"
    contract = "contract"
    legal_obligation = "legal_obligation"
    vital_interest = "vital_interest"
    public_task = "public_task"
    legitimate_interest = "legitimate_interest"


class SpecialCategoryCondition(StrEnum):
    """Art. 9(2) GDPR conditions for processing special categories."""

    explicit_consent = "explicit_consent"
    employment_social_security = "employment_social_security"
    vital_interests = "vital_interests"
    not_for_profit_body = "not_for_profit_body"
    made_public_by_subject = "made_public_by_subject"
    legal_claims = "legal_claims"
    substantial_public_interest = "substantial_public_interest"
    health_or_social_care = "health_or_social_care"
    public_health = "public_health"
    archiving_research_statistics = "archiving_research_statistics"


class Jurisdiction(StrEnum):
    gdpr = "gdpr"
    uk_gdpr = "uk_gdpr"
    swiss_fadp = "swiss_fadp"
    ccpa = "ccpa"
    lgpd = "lgpd"
    pipeda = "pipeda"


class Role(StrEnum):
    controller = "controller"
    processor = "processor"
    both = "both"


class ConsentChannel(StrEnum):
    """Where consent is captured."""

    banner = "banner"
    signup_form = "signup_form"
    preference_center = "preference_center"
    double_opt_in = "double_opt_in"
    api = "api"
    in_app = "in_app"


class ValueType(StrEnum):
    """Kinds of values the discovery scan recognises (and a promise can forbid)."""

    email = "email"
    phone = "phone"
    ip_address = "ip_address"
    payment_card = "payment_card"
    iban = "iban"
    bic = "bic"
    national_id = "national_id"
    vat_number = "vat_number"
    passport = "passport"
    date_of_birth = "date_of_birth"
    postal_address = "postal_address"
    gps_coordinates = "gps_coordinates"
    mac_address = "mac_address"
    person_name = "person_name"
    special_category = "special_category"


class CookieCategory(StrEnum):
    necessary = "necessary"
    preferences = "preferences"
    functional = "functional"
    analytics = "analytics"
    marketing = "marketing"


class ProcessorRole(StrEnum):
    subprocessor = "subprocessor"
    third_party_controller = "third_party_controller"
    joint_controller = "joint_controller"
    public_authority = "public_authority"


class TransferMechanism(StrEnum):
    """Art. 44-49 GDPR: how a transfer outside the EEA is made lawful."""

    adequacy = "adequacy"
    scc = "scc"
    bcr = "bcr"
    dpf = "dpf"
    derogation = "derogation"


class FieldErasureStrategy(StrEnum):
    """How one field is erased when its row is kept."""

    nullify = "nullify"
    fixed = "fixed"
    hash = "hash"
    random = "random"
    keep = "keep"


class TableErasure(StrEnum):
    """What an erasure does to a person's rows in a table."""

    delete_row = "delete_row"
    mask = "mask"


class RetentionAction(StrEnum):
    delete = "delete"
    anonymise = "anonymise"
    anonymise_then_delete = "anonymise_then_delete"


# ---------------------------------------------------------------------------- organization


class Contact(_Section):
    """A person or office and how to reach them."""

    name: str | None = Field(None, description="Person or office.")
    email: Email | None = Field(None, description="Where people write.")
    phone: str | None = Field(None, description="Telephone, international format.")
    address: str | None = Field(None, description="Postal address.")


class Organization(_Section):
    """The controller: who answers for the processing."""

    name: str = Field(description="Trading name, as the policy says it.")
    legal_name: str | None = Field(None, description="Registered legal name, if different.")
    address: str = Field(description="Registered postal address.")
    country: Country = Field(description="Country of establishment.")
    website: WebAddress | None = Field(None, description="Public website (`https://...`).")
    contact: Contact = Field(description="Privacy contact (an email at least).")
    dpo: Contact | None = Field(None, description="Data protection officer, if appointed.")
    eu_representative: Contact | None = Field(
        None, description="Art. 27 GDPR representative, for a controller outside the EU."
    )
    uk_representative: Contact | None = Field(None, description="UK GDPR Art. 27 representative.")
    jurisdictions: list[Jurisdiction] = Field(
        default_factory=lambda: [Jurisdiction.gdpr], description="Laws the company answers to."
    )
    supervisory_authority: str | None = Field(
        None, description="Lead supervisory authority (e.g. CNIL, ICO)."
    )
    response_deadline: Duration = Field(
        default_factory=lambda: Duration.parse("30d"),
        description="Time to answer a data subject request (GDPR: one month).",
    )
    extension_limit: Duration = Field(
        default_factory=lambda: Duration.parse("2mo"),
        description="Longest extension of a request's deadline (GDPR Art. 12(3): two months).",
    )
    role: Role = Field(Role.controller, description="Controller, processor, or both.")


# ---------------------------------------------------------------------------- taxonomy


class TaxonomyEntry(_Section):
    """A category, use or subject the company adds."""

    key: TaxonomyKey = Field(description="Dotted key, e.g. `user.tenant_database`.")
    name: str = Field(description="Human name.")
    description: str = Field("", description="What it covers.")


class TaxonomyExtension(_Section):
    """Keys the company adds to fideslang's default vocabulary."""

    data_categories: list[TaxonomyEntry] = Field(default_factory=list,
                                                 description="Extra data categories.")
    data_uses: list[TaxonomyEntry] = Field(default_factory=list, description="Extra data uses.")
    data_subjects: list[TaxonomyEntry] = Field(default_factory=list,
                                               description="Extra data subjects.")


# ---------------------------------------------------------------------------- purposes


class Purpose(_Section):
    """Why personal data is processed, on which basis, for how long."""

    name: str = Field(description="Short human name, used in documents.")
    description: str | None = Field(None, description="What is done, in plain words.")
    data_use: TaxonomyKey = Field(description="fideslang data use, e.g. `essential.service`.")
    legal_basis: LegalBasis | None = Field(None, description="Art. 6 lawful basis.")
    legitimate_interest: str | None = Field(
        None, description="The interest pursued, required with `legitimate_interest`."
    )
    special_category_condition: SpecialCategoryCondition | None = Field(
        None, description="Art. 9(2) condition, required when a special category is processed."
    )
    data_categories: list[TaxonomyKey] = Field(default_factory=list,
                                               description="Categories processed.")
    data_subjects: list[TaxonomyKey] = Field(default_factory=list,
                                             description="Whose data it is.")
    retention: Duration | None = Field(None, description="How long data for this purpose is kept.")
    retention_note: str | None = Field(
        None, description="When the period starts, in words (e.g. `after account closure`)."
    )
    consent_capture: list[ConsentChannel] = Field(
        default_factory=list, description="Where consent is asked, for consent-based purposes."
    )
    on_behalf_of_customers: bool = Field(
        False, description="Carried out as a processor, on the customers' instructions (Art. "
        "28): listed in the processor's record of processing (Art. 30(2)), not the "
        "controller's. Needs `organization.role` `processor` or `both`."
    )


# ---------------------------------------------------------------------------- promises


class NeverCollect(_Section):
    """Categories the company promises never to collect."""

    categories: list[TaxonomyKey] = Field(min_length=1, description="Categories never collected.")
    subjects: list[TaxonomyKey] = Field(
        default_factory=list, description="Only from these subjects; empty means from anyone."
    )
    statement: str | None = Field(None, description="The promise as the policy words it.")


class NeverStore(_Section):
    values: list[ValueType] = Field(min_length=1, description="Value kinds never stored.")
    statement: str | None = Field(None, description="The promise as the policy words it.")


class NeverUse(_Section):
    """Categories never used for some data uses (e.g. mailbox content never for advertising)."""

    categories: list[TaxonomyKey] = Field(min_length=1, description="The data concerned.")
    uses: list[TaxonomyKey] = Field(min_length=1, description="Data uses these never serve.")
    statement: str | None = Field(None, description="The promise as the policy words it.")


class DataResidency(_Section):
    regions: list[Region] = Field(min_length=1, description="Where the data stays.")
    categories: list[TaxonomyKey] = Field(
        default_factory=list, description="Which data; empty means all personal data."
    )
    statement: str | None = Field(None, description="The promise as the policy words it.")


class Promises(_Section):
    """Negative commitments, checked by lint and by the discovery scan."""

    never_collect: list[NeverCollect] = Field(default_factory=list,
                                              description="Categories never collected.")
    never_store: list[NeverStore] = Field(default_factory=list,
                                          description="Kinds of values never stored.")
    never_use: list[NeverUse] = Field(default_factory=list,
                                      description="Categories never used for some uses.")
    data_residency: list[DataResidency] = Field(default_factory=list,
                                                description="Regions data never leaves.")


# ---------------------------------------------------------------------------- datastores


class FieldErasure(_Section):
    """How a field is erased; in YAML the strategy alone is enough: `erasure: nullify`."""

    strategy: FieldErasureStrategy = Field(description="How the value is replaced.")
    value: str | int | float | bool | None = Field(None, description="The value, for `fixed`.")

    @model_validator(mode="after")
    def _value_for_fixed(self) -> FieldErasure:
        if self.strategy is FieldErasureStrategy.fixed and self.value is None:
            raise ValueError("the `fixed` strategy needs a `value`")
        return self


def _erasure_shorthand(value: Any) -> Any:
    return {"strategy": value} if isinstance(value, str) else value


class DataField(_Section):
    """A column and what it holds."""

    categories: list[TaxonomyKey] = Field(default_factory=list,
                                          description="What the column holds.")
    identity: Key | None = Field(
        None, description="This column identifies a person: `email`, `phone`, `user_id`..."
    )
    erasure: FieldErasure | None = Field(
        None, description="How erasure treats it when the row is kept (default: nullify)."
    )
    on_restriction: str | int | float | bool | None = Field(
        None, description="Value set when the person restricts processing (Art. 18); `now` "
        "sets the current time."
    )
    on_objection: str | int | float | bool | None = Field(
        None, description="Value set when the person objects (Art. 21), e.g. `unsubscribed`; "
        "`now` sets the current time."
    )
    description: str | None = Field(None, description="Notes for readers.")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and "erasure" in data:
            return {**data, "erasure": _erasure_shorthand(data["erasure"])}
        return data

    @property
    def is_personal(self) -> bool:
        return self.identity is not None or any(is_personal(c) for c in self.categories)

    @property
    def effective_erasure(self) -> FieldErasure | None:
        """How erasure treats the field when its row is kept: its strategy; nullify for
        personal data by default; None when it is kept as is."""
        if self.erasure is not None:
            return None if self.erasure.strategy is FieldErasureStrategy.keep else self.erasure
        return FieldErasure(strategy=FieldErasureStrategy.nullify) if self.is_personal else None


class ReferenceDirection(StrEnum):
    """Which way a request follows a link (as in Fides: where the lookup value comes from)."""

    from_ = "from"
    to = "to"
    both = "both"


class Reference(_Section):
    """A link between tables that requests follow to find a person's rows.

    For links the database does not declare as foreign keys, or, with ``direction: to``, to
    claim the row a person's row points at (their address).
    """

    field: SqlName = Field(description="Column of this table.")
    to: str = Field(
        pattern=r"^([A-Za-z_][A-Za-z0-9_]*\.){1,3}[A-Za-z_][A-Za-z0-9_$]*$",
        description="`table.column`, or `datastore.table.column` across datastores.",
    )
    direction: ReferenceDirection = Field(
        ReferenceDirection.from_,
        description="`from`: rows here are found from the person's rows in the target; `to`: "
        "the target's rows are found from the person's rows here; `both`.",
    )
    description: str | None = Field(None, description="Why the link exists.")


class LegalHold(_Section):
    """Rows that must be kept (e.g. invoices for tax law) even when a person asks for erasure."""

    reason: str = Field(description="Why, in words a person understands.")
    law: str | None = Field(None, description="The legal requirement, e.g. `Code de commerce`.")
    period: Duration = Field(description="How long the rows are held.")
    from_field: SqlName = Field(alias="from", description="Column the period counts from.")
    where: Condition | None = Field(None, description="Only rows matching this condition.")
    keep_fields: list[SqlName] = Field(
        default_factory=list,
        description="Fields the law needs; the table's other personal fields are still erased.",
    )


class Table(_Section):
    """A table, its personal fields and how erasure treats it."""

    description: str | None = Field(None, description="What the table holds.")
    data_subjects: list[TaxonomyKey] = Field(default_factory=list, description="Whose rows.")
    erasure: TableErasure = Field(
        TableErasure.mask, description="Erasure deletes a person's rows, or masks their fields."
    )
    propagate: bool = Field(
        True, description="Rows of other tables whose foreign keys point at a person's rows "
        "here are theirs too. Set false for rows shared by many people (a company account), "
        "so that finding one person there does not claim everyone linked to it."
    )
    fields: dict[SqlName, DataField] = Field(
        default_factory=dict, description="Personal (and identity) columns, by column name."
    )
    references: list[Reference] = Field(
        default_factory=list, description="Links to other tables beyond the foreign keys."
    )
    legal_holds: dict[Key, LegalHold] = Field(
        default_factory=dict, description="Rows kept despite erasure, by hold id."
    )
    on_behalf_of: SqlName | None = Field(
        None, description="Processor mode: the column naming the customer these rows are "
        "processed for (a key of the `customers` table). A request that touches such rows "
        "is executed on that customer's data and the customer is told."
    )

    @property
    def categories(self) -> set[str]:
        return {c for f in self.fields.values() for c in f.categories}

    @property
    def holds_personal_data(self) -> bool:
        return any(f.is_personal for f in self.fields.values())


class Datastore(_Section):
    """A real database of the company."""

    name: str | None = Field(None, description="Human name.")
    description: str | None = Field(None, description="What it holds.")
    url: str = Field(
        description="SQLAlchemy URL; `${ENV_VAR}` is resolved when connecting, so secrets "
        "stay out of the manifest. A relative SQLite path is relative to the workspace."
    )
    location: Country = Field(description="Country where the data is hosted.")
    hosted_by: Key | None = Field(None, description="The processor that hosts it, if any.")
    backup_retention: Duration | None = Field(
        None, description="How long backups keep data deleted from the live database; erasures "
        "are recorded in the erasure ledger so they can be replayed after a restore."
    )
    tables: dict[SqlName, Table] = Field(default_factory=dict,
                                         description="Tables, by table name.")


# ---------------------------------------------------------------------------- retention


class RetentionRule(_Section):
    """How long rows are kept, and what happens to them after."""

    description: str | None = Field(None, description="Notes for readers.")
    statement: str | None = Field(None, description="The promise as the policy words it.")
    datastore: Key | None = Field(None, description="Needed when there are several datastores.")
    table: SqlName | None = Field(None, description="The table; or give `categories`.")
    categories: list[TaxonomyKey] = Field(
        default_factory=list, description="Resolved to every table holding these categories."
    )
    period: Duration = Field(description="How long rows are kept.")
    from_field: SqlName = Field(alias="from", description="Column the period counts from.")
    where: Condition | None = Field(None, description="Only rows matching this condition.")
    via: SqlName | None = Field(
        None, description="A table the rule's table refers to by a foreign key: `from` and "
        "`where` then name its columns, e.g. the invoices of closed accounts (`table: "
        "invoices`, `via: accounts`, `from: closed_at`, `where: status = 'closed'`)."
    )
    grace: Duration | None = Field(None, description="Extra time after the period.")
    action: RetentionAction = Field(RetentionAction.delete, description="What happens then.")
    fields: list[SqlName] = Field(
        default_factory=list, description="For `anonymise`: the fields anonymised (with their "
        "erasure strategies); default: every personal field of the table that has one (with "
        "`categories`: the fields of those categories)."
    )
    delete_after: Duration | None = Field(
        None, description="For `anonymise_then_delete`: time from anonymisation to deletion."
    )
    exempt_legal_holds: bool = Field(True, description="Skip rows under a legal hold.")
    exempt_open_requests: bool = Field(True, description="Skip rows of people with open requests.")

    @model_validator(mode="after")
    def _target(self) -> RetentionRule:
        if (self.table is None) == (not self.categories):
            raise ValueError("give either `table` or `categories`, not both and not neither")
        staged = self.action is RetentionAction.anonymise_then_delete
        if staged != (self.delete_after is not None):
            raise ValueError("`delete_after` goes with, and only with, `anonymise_then_delete`")
        if self.fields and self.action is RetentionAction.delete:
            raise ValueError("`fields` says what `anonymise` changes; a `delete` rule removes "
                             "whole rows")
        if self.via is not None and self.table is None:
            raise ValueError("`via` goes with `table`: it names the table that one refers to")
        return self


# ---------------------------------------------------------------------------- recipients


class Transfer(_Section):
    """How a transfer outside the EEA is made lawful."""

    mechanism: TransferMechanism = Field(description="The Art. 45-49 mechanism.")
    scc_module: Literal[1, 2, 3, 4] | None = Field(None, description="SCC module (2021/914).")
    derogation: str | None = Field(None, description="The Art. 49 ground, for `derogation`.")
    note: str | None = Field(None, description="Anything a reader should know.")


class Processor(_Section):
    """A subprocessor or another recipient of personal data."""

    name: str = Field(description="Legal name.")
    role: ProcessorRole = Field(ProcessorRole.subprocessor, description="Its GDPR role.")
    service: str = Field(description="What it does for the company, in words.")
    purposes: list[Key] = Field(default_factory=list, description="Purposes it serves.")
    data_categories: list[TaxonomyKey] = Field(default_factory=list,
                                               description="Categories it receives.")
    data_subjects: list[TaxonomyKey] = Field(default_factory=list, description="Whose data.")
    country: Country = Field(description="Where it processes the data.")
    transfer: Transfer | None = Field(
        None, description="Needed when the country is outside the EEA."
    )
    website: WebAddress | None = Field(None, description="Its website (`https://...`).")
    dpa: WebAddress | None = Field(
        None, description="Where the data processing agreement is (`https://...`).")


# ---------------------------------------------------------------------------- cookies


class Cookie(_Section):
    """A cookie (or a family of cookies by pattern) the website sets."""

    name: str | None = Field(None, description="Exact name; or give `pattern`.")
    pattern: str | None = Field(None, description="Glob pattern, e.g. `_ga_*`.")
    provider: str = Field("first_party", description="`first_party` or a processor key.")
    category: CookieCategory = Field(description="Consent category.")
    purpose: str = Field(description="What it is for, in words.")
    lifetime: Duration | Literal["session"] = Field(description="`session` or a duration.")

    @model_validator(mode="after")
    def _one_name(self) -> Cookie:
        if (self.name is None) == (self.pattern is None):
            raise ValueError("give either `name` or `pattern`")
        return self

    @property
    def label(self) -> str:
        return self.name or self.pattern or ""


_MAX_CONSENT = Duration(months=13)
BANNER_TEXTS = ("title", "body", "accept_all", "reject_all", "customise", "save", "settings",
                "always_on", "cookies", "lifetime", "provider", "gpc_honoured", "saved",
                "policy")
"""The banner's words a manifest may override (``consent.texts``)."""


class ConsentSettings(_Section):
    """How the consent banner and the consent records behave (EDPB / CNIL practice)."""

    refusal_lifetime: Duration = Field(
        Duration(months=6), description="How long a refusal is remembered before the banner "
        "asks again (CNIL: 6 months).")
    consent_lifetime: Duration = Field(
        Duration(months=13), description="How long a consent stays valid; at most 13 months.")
    cookie_name: str = Field(
        "privet_consent", pattern=r"^[A-Za-z0-9_-]{1,64}$",
        description="Cookie in which the banner keeps the choice (declare it as `necessary`).")
    gpc_categories: list[CookieCategory] = Field(
        default_factory=lambda: [CookieCategory.marketing],
        description="Cookie categories a Global Privacy Control signal refuses (sale, "
        "sharing, targeted advertising).")
    policy_url: str | None = Field(
        None, pattern=r"^(https?://|/)[^\s]*$",
        description="The privacy policy the banner links to (absolute, or a path on the site).")
    texts: dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")], dict[str, str]] = Field(
        default_factory=dict,
        description="The banner's words in your own voice, by language and name, e.g. "
        "`{en: {title: Cookies on our site}}`; names: " + ", ".join(BANNER_TEXTS) + ".")

    @model_validator(mode="after")
    def _lifetimes(self) -> ConsentSettings:
        for name in ("refusal_lifetime", "consent_lifetime"):
            if getattr(self, name).approx_days > _MAX_CONSENT.approx_days:
                raise ValueError(f"`{name}` is at most 13mo: a choice must be asked again "
                                 "after 13 months")
        if CookieCategory.necessary in self.gpc_categories:
            raise ValueError("`gpc_categories` cannot include `necessary`")
        for language, words in self.texts.items():
            unknown = sorted(set(words) - set(BANNER_TEXTS))
            if unknown:
                raise ValueError(f"`texts.{language}`: unknown name(s) {', '.join(unknown)}; "
                                 f"names: {', '.join(BANNER_TEXTS)}")
        return self


# ---------------------------------------------------------------------------- the rest


class SecurityMeasure(_Section):
    """A technical or organisational measure (Art. 32)."""

    name: str = Field(description="Short name.")
    description: str | None = Field(None, description="What is done.")


class AutomatedDecision(_Section):
    """Art. 22 GDPR: decisions based solely on automated processing, or profiling."""

    name: str = Field(description="Short name.")
    description: str = Field(description="What is decided, about whom.")
    legal_basis: Literal["contract", "law", "explicit_consent"] = Field(
        description="Art. 22(2) ground."
    )
    logic: str = Field(description="Meaningful information about the logic involved.")
    consequences: str = Field(description="Significance and envisaged consequences.")
    profiling: bool = Field(False, description="Whether it involves profiling.")
    safeguards: list[str] = Field(default_factory=list,
                                  description="E.g. human review on request.")


class CustomerDirectory(_Section):
    """Processor mode: where the customers (the controllers Privet's company processes data
    for) are listed, and how to reach each one about a request touching their data."""

    datastore: Key = Field(description="The datastore holding the customers table.")
    table: SqlName = Field(description="The customers table, e.g. `accounts`.")
    key: SqlName = Field("id", description="The column `on_behalf_of` columns point at.")
    name: SqlName | None = Field(None, description="Column with the customer's name.")
    email: SqlName | None = Field(
        None, description="Column with the address told about requests (e.g. the privacy "
        "or billing contact).")
    webhook_url: SqlName | None = Field(
        None, description="Column with the customer's webhook URL; calls are signed with "
        "HMAC-SHA256 (`PRIVET_WEBHOOK_SECRET`).")


class NoticeRecipients(_Section):
    """People told by email of a material policy change before it takes effect: the rows
    of one table (read only, when the notices are sent), e.g. active customer accounts."""

    datastore: Key | None = Field(None, description="Needed when there are several datastores.")
    table: SqlName = Field(description="The table listing the people, e.g. `users`.")
    email: SqlName = Field(description="Column with each person's email address.")
    language: SqlName | None = Field(
        None, description="Column with the person's language (`en`, `fr`, `fr-FR`...); "
        "default: the policy's first language.")
    where: Condition | None = Field(
        None, description="Only rows matching this condition, e.g. `status = 'active'`.")


class PolicyMeta(_Section):
    """The published policy's version and dates."""

    version: str = Field(description="Version of the policy, e.g. `2024-03`.")
    effective_date: date = Field(description="When this version takes effect.")
    notice_period: Duration | None = Field(
        None, description="Notice given before a material change takes effect."
    )
    languages: list[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]] = Field(
        default_factory=lambda: ["en"], min_length=1,
        description="Languages documents are published in (at least one); the first is "
        "the default."
    )
    notify: list[NoticeRecipients] = Field(
        default_factory=list, description="Who receives change notices (`privet docs "
        "publish`): each entry a table of people; an address found twice is told once."
    )


class Manifest(_Section):
    """Everything a privacy policy promises, in one document."""

    version: Literal[1] = Field(1, description="Manifest format version.")
    organization: Organization = Field(description="Who the controller is and how to reach it.")
    taxonomy: TaxonomyExtension = Field(
        default_factory=TaxonomyExtension, description="Keys added to fideslang's vocabulary."
    )
    purposes: dict[Key, Purpose] = Field(
        default_factory=dict, description="Why data is processed, by purpose id."
    )
    promises: Promises = Field(default_factory=Promises, description="Negative commitments.")
    datastores: dict[Key, Datastore] = Field(
        default_factory=dict, description="The company's real databases, by id."
    )
    retention: dict[Key, RetentionRule] = Field(
        default_factory=dict, description="Retention rules, by rule id."
    )
    processors: dict[Key, Processor] = Field(
        default_factory=dict, description="Subprocessors and other recipients, by id."
    )
    cookies: list[Cookie] = Field(default_factory=list, description="The cookie table.")
    consent: ConsentSettings = Field(
        default_factory=ConsentSettings,
        description="The consent banner and records: lifetimes, cookie, GPC.")
    security_measures: list[SecurityMeasure] = Field(
        default_factory=list, description="Technical and organisational measures (Art. 32)."
    )
    automated_decisions: list[AutomatedDecision] = Field(
        default_factory=list, description="Empty: no solely automated decisions, no profiling."
    )
    customers: CustomerDirectory | None = Field(
        None, description="Processor mode: the customers whose data tables with "
        "`on_behalf_of` hold, and how each is told about a request."
    )
    policy: PolicyMeta = Field(description="Version and dates of the published policy.")

    _source: SourceMap = PrivateAttr(default_factory=SourceMap)

    def locate(self, *path: str | int, key: bool = False) -> Location | None:
        """Where ``path`` (e.g. ``"purposes", "newsletter"``) is written in the manifest files."""
        return self._source.locate(path, key=key)

    @cached_property
    def taxonomy_index(self) -> Taxonomy:
        def terms(entries: list[TaxonomyEntry]) -> list[TaxonomyTerm]:
            return [TaxonomyTerm(e.key, e.name, e.description, custom=True) for e in entries]

        return Taxonomy.build({
            "data_category": terms(self.taxonomy.data_categories),
            "data_use": terms(self.taxonomy.data_uses),
            "data_subject": terms(self.taxonomy.data_subjects),
        })

    def reference_target(self, datastore: str, reference: Reference) -> tuple[str, str, str]:
        """(datastore, table, column) a reference points at.

        ``to`` is ``table.column``, ``schema.table.column``, or either prefixed by another
        datastore's key; a declared datastore key wins when both readings are possible.
        """
        *prefix, column = reference.to.split(".")
        if len(prefix) >= 2 and prefix[0] in self.datastores:
            return prefix[0], ".".join(prefix[1:]), column
        return datastore, ".".join(prefix), column

    def retention_targets(self, rule: RetentionRule) -> list[tuple[str, str]]:
        """(datastore, table) pairs a retention rule acts on: its table, or every declared
        table holding one of its categories."""
        stores = self.datastores
        if rule.datastore is not None:
            candidates = [rule.datastore] if rule.datastore in stores else []
        else:
            candidates = list(stores)
        if rule.table is not None:
            if len(candidates) > 1:  # several datastores: the one that declares the table
                candidates = [d for d in candidates if rule.table in stores[d].tables]
            return [(candidates[0], rule.table)] if len(candidates) == 1 else []
        return [
            (datastore, table_name)
            for datastore in candidates
            for table_name, table in stores[datastore].tables.items()
            if any(overlaps(wanted, held) for wanted in rule.categories
                   for held in table.categories)
        ]

    def tables(self) -> list[tuple[str, str, Table]]:
        """Every (datastore key, table name, table)."""
        return [(d, t, table) for d, store in self.datastores.items()
                for t, table in store.tables.items()]
