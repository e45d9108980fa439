"""The demo company's database: a synthetic SQLite file with realistic personal data.

The demo company is a SaaS business that hosts private CRM/ERP databases for its
customers and sends their marketing email (the shape of the reference policies in
``shared/policies``). Its database holds every kind of record those policies talk
about: customer accounts and their staff, subscriptions and hosted databases, orders
and invoices, support tickets, job applications, server-side sessions, browser data,
newsletter subscriptions, marketing email and its tracking events, event sign-ups.

Dates are spread over the five years before a reference "now", so retention rules
have expired rows to work on; a handful of policy violations are planted in free text
(card numbers, special-category facts) for the discovery scan to find.

Speed matters (a million subjects in about a minute): Faker is used only to fill small
pools of names, companies and addresses; rows are combined from the pools with a seeded
:class:`random.Random`, built as tuples in bulk and inserted with ``executemany`` in one
transaction with journalling off; indexes are created after the load.
"""

from __future__ import annotations

import base64
import functools
import math
import random
import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from faker import Faker

__all__ = [
    "INDEXES",
    "PLANTED_VIOLATIONS",
    "SCHEMA",
    "TABLES",
    "DemoDatabaseSummary",
    "PlantedViolation",
    "build_demo_database",
    "planted_count",
]

ProgressCallback = Callable[[str, int, int], None]
Row = tuple[object, ...]
Batch = tuple[str, list[Row]]

DAY = 86_400
SPAN_DAYS = 5 * 365 + 1
"""Every date lies within this many days before the reference now."""

CHUNK = 50_000
"""Parent rows generated per batch handed to ``executemany``."""

MIN_SUBJECTS = 100


# --------------------------------------------------------------------------- schema

TABLES: tuple[str, ...] = (
    "accounts",
    "contacts",
    "users",
    "subscriptions",
    "tenant_databases",
    "orders",
    "invoices",
    "support_tickets",
    "ticket_messages",
    "job_applications",
    "web_sessions",
    "web_visits",
    "newsletter_subscriptions",
    "email_messages",
    "email_events",
    "event_registrations",
)

SCHEMA = """
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    company_name TEXT NOT NULL,
    vat_number TEXT,
    billing_email TEXT NOT NULL,
    country TEXT NOT NULL,
    address TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'closed')),
    closed_at DATETIME
);
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    account_id INTEGER REFERENCES accounts (id),
    email TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    phone TEXT,
    job_title TEXT,
    street TEXT,
    city TEXT,
    postal_code TEXT,
    country TEXT,
    created_at DATETIME NOT NULL
);
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    username TEXT NOT NULL,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    language TEXT NOT NULL,
    last_login_at DATETIME,
    created_at DATETIME NOT NULL
);
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    plan TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'cancelled')),
    started_at DATETIME NOT NULL,
    cancelled_at DATETIME
);
CREATE TABLE tenant_databases (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'disabled', 'destroyed')),
    kind TEXT NOT NULL CHECK (kind IN ('production', 'upgrade', 'staging')),
    created_at DATETIME NOT NULL,
    cancelled_at DATETIME,
    last_upgrade_at DATETIME,
    hosting_region TEXT NOT NULL CHECK (hosting_region IN ('eu-west', 'eu-central'))
);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    contact_id INTEGER REFERENCES contacts (id),
    created_at DATETIME NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('paid', 'pending', 'refunded', 'cancelled'))
);
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    number TEXT NOT NULL,
    issued_at DATETIME NOT NULL,
    amount_cents INTEGER NOT NULL,
    vat_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    billing_name TEXT NOT NULL,
    billing_address TEXT NOT NULL,
    billing_email TEXT NOT NULL
);
CREATE TABLE support_tickets (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    subject TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'pending', 'closed')),
    created_at DATETIME NOT NULL,
    closed_at DATETIME
);
CREATE TABLE ticket_messages (
    id INTEGER PRIMARY KEY,
    ticket_id INTEGER NOT NULL REFERENCES support_tickets (id),
    author_contact_id INTEGER REFERENCES contacts (id),
    body TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE TABLE job_applications (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    phone TEXT,
    position TEXT NOT NULL,
    cv_text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'interview', 'rejected', 'hired')),
    applied_at DATETIME NOT NULL,
    decided_at DATETIME
);
CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    session_token TEXT NOT NULL,
    ip_address TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    last_used_at DATETIME
);
CREATE TABLE web_visits (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER REFERENCES contacts (id),
    cookie_id TEXT NOT NULL,
    ip_address TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    referrer TEXT,
    path TEXT NOT NULL,
    visited_at DATETIME NOT NULL
);
CREATE TABLE newsletter_subscriptions (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    list_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('subscribed', 'unsubscribed')),
    consent_source TEXT NOT NULL,
    subscribed_at DATETIME NOT NULL,
    unsubscribed_at DATETIME
);
CREATE TABLE email_messages (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    recipient_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at DATETIME NOT NULL
);
CREATE TABLE email_events (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES email_messages (id),
    recipient_email TEXT NOT NULL,
    event TEXT NOT NULL CHECK (event IN ('sent', 'open', 'click', 'bounce')),
    ip_address TEXT,
    user_agent TEXT,
    occurred_at DATETIME NOT NULL
);
CREATE TABLE event_registrations (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    event_name TEXT NOT NULL,
    registered_at DATETIME NOT NULL,
    attended INTEGER NOT NULL CHECK (attended IN (0, 1))
);
"""

INDEXES: tuple[str, ...] = (
    "CREATE UNIQUE INDEX ux_contacts_email ON contacts (email)",
    "CREATE INDEX ix_contacts_account_id ON contacts (account_id)",
    # Every identity field the demo manifest declares is indexed, as a request needs.
    "CREATE INDEX ix_contacts_phone ON contacts (phone)",
    "CREATE INDEX ix_accounts_billing_email ON accounts (billing_email)",
    "CREATE INDEX ix_users_email ON users (email)",
    "CREATE INDEX ix_invoices_billing_email ON invoices (billing_email)",
    "CREATE INDEX ix_job_applications_phone ON job_applications (phone)",
    "CREATE INDEX ix_web_visits_cookie_id ON web_visits (cookie_id)",
    "CREATE UNIQUE INDEX ux_users_username ON users (username)",
    "CREATE INDEX ix_users_contact_id ON users (contact_id)",
    "CREATE INDEX ix_users_account_id ON users (account_id)",
    "CREATE INDEX ix_subscriptions_account_id ON subscriptions (account_id)",
    "CREATE INDEX ix_tenant_databases_account_id ON tenant_databases (account_id)",
    "CREATE INDEX ix_tenant_databases_subscription_id ON tenant_databases (subscription_id)",
    "CREATE INDEX ix_orders_account_id ON orders (account_id)",
    "CREATE INDEX ix_orders_contact_id ON orders (contact_id)",
    "CREATE INDEX ix_invoices_order_id ON invoices (order_id)",
    "CREATE INDEX ix_invoices_account_id ON invoices (account_id)",
    "CREATE INDEX ix_support_tickets_contact_id ON support_tickets (contact_id)",
    "CREATE INDEX ix_ticket_messages_ticket_id ON ticket_messages (ticket_id)",
    "CREATE INDEX ix_ticket_messages_author_contact_id ON ticket_messages (author_contact_id)",
    "CREATE INDEX ix_job_applications_email ON job_applications (email)",
    "CREATE INDEX ix_web_sessions_user_id ON web_sessions (user_id)",
    "CREATE INDEX ix_web_visits_contact_id ON web_visits (contact_id)",
    "CREATE INDEX ix_newsletter_subscriptions_contact_id ON newsletter_subscriptions (contact_id)",
    "CREATE INDEX ix_email_messages_account_id ON email_messages (account_id)",
    "CREATE INDEX ix_email_messages_recipient_email ON email_messages (recipient_email)",
    "CREATE INDEX ix_email_events_message_id ON email_events (message_id)",
    "CREATE INDEX ix_email_events_recipient_email ON email_events (recipient_email)",
    "CREATE INDEX ix_event_registrations_contact_id ON event_registrations (contact_id)",
)


# --------------------------------------------------------------------------- planted


@dataclass(frozen=True)
class PlantedViolation:
    """A kind of data the policies promise never to keep, planted for the discovery scan."""

    table: str
    column: str
    kind: str
    data_category: str
    """The fideslang data category a scan should classify it as."""


CARD_IN_TICKET = PlantedViolation(
    "ticket_messages", "body", "payment_card", "user.financial.credit_card"
)
HEALTH_IN_TICKET = PlantedViolation(
    "ticket_messages", "body", "health", "user.health_and_medical"
)
RELIGION_IN_TICKET = PlantedViolation(
    "ticket_messages", "body", "religion", "user.demographic.religious_belief"
)
HEALTH_IN_CV = PlantedViolation(
    "job_applications", "cv_text", "health", "user.health_and_medical"
)
RELIGION_IN_CV = PlantedViolation(
    "job_applications", "cv_text", "religion", "user.demographic.religious_belief"
)

PLANTED_VIOLATIONS: tuple[PlantedViolation, ...] = (
    CARD_IN_TICKET,
    HEALTH_IN_TICKET,
    RELIGION_IN_TICKET,
    HEALTH_IN_CV,
    RELIGION_IN_CV,
)
"""Everything planted by :func:`build_demo_database`; the summary has the row ids."""

TEST_CARD_NUMBERS: tuple[str, ...] = (
    "4111 1111 1111 1111",
    "5555-5555-5555-4444",
    "4012888888881881",
    "3782 822463 10005",
    "6011 1111 1111 1117",
    "5105105105105100",
)
"""Luhn-valid test card numbers (Visa, Mastercard, Amex, Discover) in several formats."""

_CARD_SENTENCES = (
    "Please charge the renewal to my card {card}, expiry 09/27, security code 123.",
    "Our old card expired. The new one is {card}, valid until 11/28.",
    "Could you retry the failed payment with {card}? It is the company card.",
)
_HEALTH_SENTENCES = (
    "Sorry for the slow answer, I was in hospital with diabetes complications for two weeks.",
    "I am on sick leave after my cancer treatment, please write to my colleague meanwhile.",
    "My doctor diagnosed me with depression, so I will be away until next month.",
)
_RELIGION_SENTENCES = (
    "I will be away for Ramadan, so please plan the migration after Eid.",
    "As a practising Catholic I cannot attend the maintenance window on Sunday morning.",
    "I am Jewish and keep Shabbat, so please do not call on Friday evening.",
)
_CV_HEALTH = (
    "I have lived with type 1 diabetes and epilepsy since childhood; "
    "neither has ever kept me from work."
)
_CV_RELIGION = (
    "Outside work I am a practising Muslim and volunteer every week at the local mosque."
)

SPECIAL_CATEGORY_WORDS: tuple[str, ...] = (
    "hospital", "diabetes", "cancer", "depression", "epilepsy", "sick leave", "doctor",
    "ramadan", "eid", "catholic", "jewish", "shabbat", "muslim", "mosque", "church",
)
"""Words of the planted special-category sentences; no other generated text uses them."""


def planted_count(subjects: int) -> int:
    """How many of each planted ticket violation a build of ``subjects`` contains."""
    return 3 + max(0, int(math.log10(max(subjects, 1) / 1000)))


# --------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class DemoDatabaseSummary:
    """What :func:`build_demo_database` built."""

    path: Path
    subjects: int
    row_counts: dict[str, int]
    seconds: float
    planted: dict[PlantedViolation, tuple[int, ...]]
    """The ids of the rows holding each planted violation."""

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())


# --------------------------------------------------------------------------- pools


@dataclass(frozen=True)
class _Locale:
    faker_locale: str
    country: str
    language: str
    tld: str
    weight: float
    phone: Callable[[str], str]
    """Formats nine random digits as a phone number (never more than 12 digits)."""
    vat: Callable[[str], str | None]
    """Formats nine random digits as a VAT number (never more than 12 digits)."""


_LOCALES: tuple[_Locale, ...] = (
    _Locale("fr_FR", "FR", "fr_FR", "fr", 0.28,
            lambda d: f"+33 6 {d[0:2]} {d[2:4]} {d[4:6]} {d[6:8]}",
            lambda d: f"FR{d[7:9]}{d}"),
    _Locale("nl_BE", "BE", "nl_BE", "be", 0.12,
            lambda d: f"+32 47{d[0]} {d[1:3]} {d[3:5]} {d[5:7]}",
            lambda d: f"BE0{d}"),
    _Locale("de_DE", "DE", "de_DE", "de", 0.14,
            lambda d: f"+49 30 {d[0:7]}",
            lambda d: f"DE{d}"),
    _Locale("nl_NL", "NL", "nl_NL", "nl", 0.08,
            lambda d: f"+31 6 {d[0:8]}",
            lambda d: f"NL{d}B01"),
    _Locale("es_ES", "ES", "es_ES", "es", 0.08,
            lambda d: f"+34 6{d[0:2]} {d[2:5]} {d[5:8]}",
            lambda d: f"ESB{d[0:8]}"),
    _Locale("it_IT", "IT", "it_IT", "it", 0.08,
            lambda d: f"+39 3{d[0:2]} {d[2:5]} {d[5:9]}",
            lambda d: f"IT{d[0:2]}{d}"),
    _Locale("en_GB", "GB", "en_GB", "co.uk", 0.10,
            lambda d: f"+44 20 {d[0:4]} {d[4:8]}",
            lambda d: f"GB{d}"),
    _Locale("en_US", "US", "en_US", "com", 0.12,
            lambda d: f"+1 {d[0:3]}-555-{d[3:7]}",
            lambda d: None),
)

_FREE_MAIL = (
    "gmail.com", "outlook.com", "yahoo.fr", "gmx.de", "orange.fr", "proton.me",
    "hotmail.com", "icloud.com", "web.de", "telenet.be", "libero.it", "ziggo.nl",
)

_JOB_TITLES = (
    "Chief Executive Officer", "Chief Financial Officer", "Chief Technology Officer",
    "Operations Manager", "Sales Manager", "Account Manager", "Marketing Manager",
    "Marketing Assistant", "Office Manager", "Accountant", "Financial Controller",
    "IT Manager", "System Administrator", "Software Developer", "Project Manager",
    "Purchasing Manager", "Warehouse Manager", "Logistics Coordinator",
    "Customer Service Lead", "HR Manager", "Payroll Officer", "Business Analyst",
    "Consultant", "Managing Director", "Production Planner", "Quality Manager",
    "Data Analyst", "Administrative Assistant", "Sales Representative", "Founder",
)

_PLANS = (("starter", 2_400), ("standard", 4_900), ("custom", 9_900), ("enterprise", 29_900))
_CURRENCIES = ("EUR", "EUR", "EUR", "EUR", "EUR", "EUR", "USD", "GBP")

_TICKET_SUBJECTS = (
    "Cannot log in to my database", "Upgrade to the new version failed",
    "Invoice address is wrong", "Question about my subscription", "Email sending is slow",
    "Import of contacts fails", "Report shows wrong totals", "Request for a staging copy",
    "Custom module after upgrade", "Change of billing contact", "Password reset not received",
    "Database backup download", "Domain name configuration", "Performance problem",
    "How do I add users?", "Bounced marketing emails", "Cancel my subscription",
    "Export of my data", "Access rights for an employee", "Payment failed",
)

_TICKET_SENTENCES = (
    "Since this morning the login page shows an error after I enter my password.",
    "We tried the upgrade twice and it stops at the data migration step.",
    "Could you please change the address on our last invoice?",
    "The marketing campaign we scheduled yesterday has not been sent yet.",
    "Our accountant cannot see the sales report any more.",
    "Importing the spreadsheet of contacts ends with a timeout.",
    "The totals in the quarterly report do not match the invoices.",
    "We would like a staging copy of the production database to test a module.",
    "After the upgrade our custom module no longer loads.",
    "Please send invoices to our new finance colleague from now on.",
    "The password reset email never arrived, even in the spam folder.",
    "Where can I download a backup of our database?",
    "We moved our domain and the emails now bounce.",
    "Pages take several seconds to load in the afternoon.",
    "How many users can we add on the standard plan?",
    "Many recipients of our newsletter report that they never received it.",
    "We want to stop the subscription at the end of the month.",
    "Could you export all our data in a format we can import elsewhere?",
    "A new employee needs access to the inventory but not to accounting.",
    "The automatic payment failed although the bank says everything is fine.",
    "Thank you for the quick answer, it works again.",
    "I attach a screenshot of the message we get.",
    "This is blocking our team, so a quick answer would help a lot.",
    "We did not change anything on our side.",
    "Let me know if you need more details.",
    "Best regards and thanks in advance.",
)

_STAFF_SENTENCES = (
    "Thank you for contacting support, we are looking into it.",
    "We have reproduced the problem and a fix is on its way.",
    "The upgrade has been restarted and completed successfully.",
    "We have updated the address; the corrected invoice is in your portal.",
    "Could you tell us the exact time the error happened?",
    "Your staging copy is ready and will be removed automatically later.",
    "The issue was caused by a full queue on our side and is now resolved.",
    "You can add as many users as you need; each one is billed monthly.",
    "We are closing this ticket; reply to reopen it at any time.",
    "The export is ready and the download link is valid for seven days.",
    "Please check that your DNS records match the values in the settings page.",
    "The payment went through on a second attempt, nothing else is needed.",
)

_CV_SENTENCES = (
    "Experienced in Python, PostgreSQL and Linux system administration.",
    "Led a team of five developers delivering an ERP integration project.",
    "Fluent in English and French, good working knowledge of German.",
    "Certified accountant with a strong interest in finance software.",
    "Enjoys automating repetitive work and writing clear documentation.",
    "Managed customer onboarding for more than two hundred small businesses.",
    "Built marketing automation workflows and reporting dashboards.",
    "Holds a master's degree in computer science.",
    "Worked as a support engineer for a hosting provider for four years.",
    "Looking for a position with more responsibility in a growing company.",
    "Comfortable speaking with customers and explaining technical topics.",
    "Contributed to several open source projects in their spare time.",
)

_POSITIONS = (
    "Backend Developer", "Support Engineer", "Account Executive", "Functional Consultant",
    "Site Reliability Engineer", "Marketing Specialist", "Accountant", "Product Designer",
)

_PATHS = (
    "/", "/pricing", "/features", "/hosting", "/upgrade", "/trial", "/contact", "/jobs",
    "/blog", "/blog/erp-for-small-business", "/blog/gdpr-checklist", "/docs/getting-started",
    "/docs/email-marketing", "/docs/backups", "/customers", "/partners", "/events",
    "/legal/privacy", "/legal/cookies", "/my/account", "/my/invoices", "/my/databases",
)

_REFERRERS: tuple[str | None, ...] = (
    None, None, None, "https://www.google.com/", "https://www.google.com/",
    "https://www.bing.com/", "https://duckduckgo.com/", "https://www.linkedin.com/",
    "https://news.ycombinator.com/", "https://www.ecosia.org/",
    "https://mail.google.com/", "https://t.co/",
)

_NEWSLETTERS = ("product-news", "webinars", "partner-offers", "release-notes")
_CONSENT_SOURCES = ("signup_form", "checkout", "event_registration", "trial_signup", "import")

_EVENTS = (
    "Partner Days 2021", "User Conference 2022", "Partner Days 2023", "User Conference 2024",
    "Webinar: Upgrading safely", "Webinar: Email deliverability", "Webinar: Hosting in the EU",
    "Workshop: Inventory basics", "Workshop: Accounting close", "Meetup Brussels",
    "Meetup Paris", "Meetup Amsterdam",
)

_MARKETING_SUBJECTS = (
    "Our spring collection is here", "Last chance: 20% off ends tonight",
    "Your monthly newsletter", "New in store this week", "You are invited to our open day",
    "Thank you for being a customer", "Tips to get more from your order",
    "Free delivery this weekend", "We have news for you", "Save the date",
)

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def _slug(text: str, sep: str = "") -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub(sep, ascii_text.lower()).strip(sep)


@dataclass
class _LocalePool:
    locale: _Locale
    first: list[str]
    last: list[str]
    first_slug: list[str]
    last_slug: list[str]
    companies: list[tuple[str, str]]
    """(company name, domain)"""
    addresses: list[tuple[str, str, str]]
    """(street, postal code, city)"""


@dataclass
class _Pools:
    locales: list[_LocalePool]
    user_agents: list[str]
    ticket_bodies: list[str]
    staff_bodies: list[str]
    cv_texts: list[str]
    marketing_bodies: list[str]


def _stabilise(fake: Faker) -> None:
    """Make Faker's choices independent of the interpreter's string hash seed.

    A few locales build their element lists from a set (``it_IT`` cities), so the same
    seed picks other values in another process; sorting those lists fixes the order.
    """
    for provider in fake.get_providers():
        cities = getattr(provider, "cities", None)
        if isinstance(cities, list):
            provider.cities = sorted(cities)


@functools.lru_cache(maxsize=4)
def _build_pools(seed: int) -> _Pools:
    """Small pools of Faker-made values, combined row by row later (cached per seed)."""
    locales: list[_LocalePool] = []
    for index, loc in enumerate(_LOCALES):
        fake = Faker(loc.faker_locale)
        fake.seed_instance(seed * 1_000 + index)
        _stabilise(fake)
        firsts = sorted({fake.first_name() for _ in range(400)})
        lasts = sorted({fake.last_name() for _ in range(400)})
        firsts = [f for f in firsts if _slug(f)]
        lasts = [name for name in lasts if _slug(name)]
        companies: list[tuple[str, str]] = []
        for _ in range(250):
            name = fake.company()
            words = [_slug(w) for w in re.split(r"[\s,&]+", name)]
            stem = "-".join(w for w in words[:2] if w) or "company"
            companies.append((name, f"{stem}.{loc.tld}"))
        addresses = [
            (" ".join(fake.street_address().split()), fake.postcode(), fake.city())
            for _ in range(250)
        ]
        locales.append(
            _LocalePool(
                loc, firsts, lasts, [_slug(f, "-") for f in firsts],
                [_slug(name, "-") for name in lasts], companies, addresses,
            )
        )
    fake = Faker("en_US")
    fake.seed_instance(seed)
    user_agents = sorted({fake.user_agent() for _ in range(400)})
    rng = random.Random(f"{seed}:pools")
    ticket_bodies = [
        " ".join(rng.sample(_TICKET_SENTENCES, rng.randint(2, 4))) for _ in range(2_000)
    ]
    staff_bodies = [
        " ".join(rng.sample(_STAFF_SENTENCES, rng.randint(1, 3))) for _ in range(500)
    ]
    cv_texts = [
        " ".join(rng.sample(_CV_SENTENCES, rng.randint(3, 5))) for _ in range(500)
    ]
    phrases = [fake.catch_phrase() for _ in range(300)]
    marketing_bodies = [
        f"{rng.choice(phrases)}: {rng.choice(phrases).lower()}, now in our shop."
        for _ in range(1_000)
    ]
    return _Pools(locales, user_agents, ticket_bodies, staff_bodies, cv_texts, marketing_bodies)


# --------------------------------------------------------------------------- builder


def _formatter(day_text: list[str], time_text: list[str], first_day: int) -> Callable[[int], str]:
    """Seconds since the epoch as SQLite's ``YYYY-MM-DD HH:MM:SS`` (UTC), by table lookup."""

    def ts(t: int, day: int = DAY) -> str:
        return day_text[t // day - first_day] + time_text[t % day]

    return ts


class _Builder:
    """Generates the rows, table by table, as batches for ``executemany``."""

    def __init__(self, subjects: int, seed: int, now: datetime) -> None:
        self.subjects = subjects
        self.seed = seed
        self.now = int(now.timestamp())
        self.start = self.now - SPAN_DAYS * DAY
        first_day = self.start // DAY - 1
        self.first_day = first_day
        self.day_text = [
            datetime.fromtimestamp(day * DAY, UTC).strftime("%Y-%m-%d ")
            for day in range(first_day, self.now // DAY + 1)
        ]
        self.time_text = [
            f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)
        ]
        self.ts = _formatter(self.day_text, self.time_text, first_day)
        self.pools = _build_pools(seed)
        self.n_accounts = max(3, subjects // 20)
        self.planted: dict[PlantedViolation, list[int]] = {p: [] for p in PLANTED_VIOLATIONS}
        # per-parent facts later tables need
        self.acc_created: list[int] = []
        self.acc_end: list[int] = []
        self.acc_locale: list[int] = []
        self.acc_company: list[tuple[str, str]] = []
        self.acc_address: list[str] = []
        self.acc_billing: list[str] = []
        self.acc_vat: list[bool] = []
        self.acc_contacts: list[list[int]] = []
        self.contact_account: list[int] = []
        self.contact_created: list[int] = []
        self.contact_email: list[str] = []
        self.contact_first: list[str] = []
        self.contact_locale: list[int] = []
        self.user_created: list[int] = []

    def rng(self, stage: str) -> random.Random:
        return random.Random(f"{self.seed}:{stage}")

    def stages(self) -> list[tuple[str, int, Callable[[], Iterator[tuple[int, list[Batch]]]]]]:
        """(stage name, units of progress, generator of (units done, batches))."""
        s = self.subjects
        return [
            ("accounts", self.n_accounts, self.accounts),
            ("contacts", s, self.contacts),
            ("users", s // 4, self.users),
            ("subscriptions", self.n_accounts, self.subscriptions),
            ("orders", self.n_accounts * 8, self.orders),
            ("support_tickets", s // 4, self.tickets),
            ("job_applications", self.n_applications, self.job_applications),
            ("web_sessions", (s // 4) * 3, self.web_sessions),
            ("web_visits", s * 2, self.web_visits),
            ("newsletter_subscriptions", s, self.newsletters),
            ("email_messages", s, self.email_messages),
            ("event_registrations", s * 3 // 20, self.event_registrations),
        ]

    @property
    def n_applications(self) -> int:
        return max(10, self.subjects // 200)

    # ----------------------------------------------------------------- accounts

    def accounts(self) -> Iterator[tuple[int, list[Batch]]]:
        rng = self.rng("accounts")
        r = rng.random
        ts = self.ts
        now, start = self.now, self.start
        span = now - start
        weights = [loc.weight for loc in _LOCALES]
        n = self.n_accounts
        locales = rng.choices(range(len(_LOCALES)), weights=weights, k=n)
        rows: list[Row] = []
        for i in range(n):
            pool = self.pools.locales[locales[i]]
            loc = pool.locale
            company = pool.companies[int(r() * len(pool.companies))]
            street, postal, city = pool.addresses[int(r() * len(pool.addresses))]
            address = f"{street}, {postal} {city}"
            created = start + int(span * r())
            closed = r() < 0.1
            closed_at = created + int((now - created) * r()) if closed else None
            billing = f"billing.{i + 1}@{company[1]}"
            vat = loc.vat(f"{int(r() * 1e9):09d}")
            rows.append((
                i + 1, company[0], vat, billing, loc.country, address, ts(created),
                "closed" if closed else "active",
                ts(closed_at) if closed_at is not None else None,
            ))
            self.acc_created.append(created)
            self.acc_end.append(closed_at if closed_at is not None else now)
            self.acc_locale.append(locales[i])
            self.acc_company.append(company)
            self.acc_address.append(address)
            self.acc_billing.append(billing)
            self.acc_vat.append(vat is not None)
            self.acc_contacts.append([])
        yield n, [("accounts", rows)]

    # ----------------------------------------------------------------- contacts

    def contacts(self) -> Iterator[tuple[int, list[Batch]]]:
        rng = self.rng("contacts")
        r = rng.random
        ts = self.ts
        now, start = self.now, self.start
        span = now - start
        s, a = self.subjects, self.n_accounts
        pools = self.pools.locales
        weights = [loc.weight for loc in _LOCALES]
        n_locales = len(_LOCALES)
        cum = [sum(weights[: k + 1]) for k in range(n_locales)]
        total_weight = cum[-1]
        # every account gets one contact, spread evenly over the ids; ~70% of all
        # contacts belong to an account, the rest are prospects
        first_of: dict[int, int] = {k * s // a: k for k in range(a)}
        p_account = max(0.0, (0.7 * s - a) / max(1, s - a))
        acc_created, acc_end, acc_locale = self.acc_created, self.acc_end, self.acc_locale
        acc_company, acc_contacts = self.acc_company, self.acc_contacts
        c_account, c_created = self.contact_account, self.contact_created
        c_email, c_first, c_locale = self.contact_email, self.contact_first, self.contact_locale
        titles = _JOB_TITLES
        n_titles = len(titles)
        free_mail = _FREE_MAIL
        for lo in range(0, s, CHUNK):
            rows: list[Row] = []
            append = rows.append
            for i in range(lo, min(s, lo + CHUNK)):
                cid = i + 1
                k = first_of.get(i)
                is_first = k is not None
                if k is None and r() < p_account:
                    k = int(r() * a)
                if k is not None:
                    lk = acc_locale[k] if r() < 0.85 else int(r() * n_locales)
                    c0 = acc_created[k]
                    if is_first:
                        created = min(acc_end[k], c0 + int(r() * 3_600))
                    else:
                        created = c0 + int((acc_end[k] - c0) * r())
                    domain = acc_company[k][1]
                    account_id: int | None = k + 1
                    acc_contacts[k].append(cid)
                    title: str | None = titles[int(r() * n_titles)]
                else:
                    x = r() * total_weight
                    lk = 0
                    while cum[lk] < x:
                        lk += 1
                    created = start + int(span * r())
                    domain = free_mail[int(r() * len(free_mail))]
                    account_id = None
                    title = titles[int(r() * n_titles)] if r() < 0.3 else None
                pool = pools[lk]
                fi = int(r() * len(pool.first))
                li = int(r() * len(pool.last))
                first = pool.first[fi]
                email = f"{pool.first_slug[fi]}.{pool.last_slug[li]}.{cid}@{domain}"
                street, postal, city = pool.addresses[int(r() * len(pool.addresses))]
                digits = f"{int(r() * 1e9):09d}"
                has_address = r() < 0.6
                append((
                    cid, account_id, email, first, pool.last[li],
                    pool.locale.phone(digits) if r() < 0.8 else None,
                    title,
                    street if has_address else None,
                    city if has_address else None,
                    postal if has_address else None,
                    pool.locale.country,
                    ts(created),
                ))
                c_account.append(account_id or 0)
                c_created.append(created)
                c_email.append(email)
                c_first.append(first)
                c_locale.append(lk)
            yield min(s, lo + CHUNK), [("contacts", rows)]

    # ----------------------------------------------------------------- users

    def users(self) -> Iterator[tuple[int, list[Batch]]]:
        rng = self.rng("users")
        r = rng.random
        rb = rng.randbytes
        b64 = base64.b64encode
        ts = self.ts
        now = self.now
        month = 30 * DAY
        with_account = [i for i, k in enumerate(self.contact_account) if k]
        n = min(len(with_account), self.subjects // 4)
        chosen = sorted(rng.sample(with_account, n))
        languages = [pool.locale.language for pool in self.pools.locales]
        contact_created, contact_email = self.contact_created, self.contact_email
        contact_account, contact_locale = self.contact_account, self.contact_locale
        user_created = self.user_created
        for lo in range(0, n, CHUNK):
            rows: list[Row] = []
            append = rows.append
            for uid0 in range(lo, min(n, lo + CHUNK)):
                ci = chosen[uid0]
                c_created = contact_created[ci]
                created = c_created + int(min(month, now - c_created) * r())
                email = contact_email[ci]
                last_login = created + int((now - created) * r()) if r() < 0.95 else None
                append((
                    uid0 + 1, ci + 1, contact_account[ci], email.split("@", 1)[0], email,
                    "$2b$12$" + b64(rb(40)).decode()[:53],
                    languages[contact_locale[ci]],
                    ts(last_login) if last_login is not None else None,
                    ts(created),
                ))
                user_created.append(created)
            yield min(n, lo + CHUNK), [("users", rows)]

    # ----------------------------------------------------------------- subscriptions

    def subscriptions(self) -> Iterator[tuple[int, list[Batch]]]:
        """Subscriptions and the hosted databases that belong to them."""
        rng = self.rng("subscriptions")
        r = rng.random
        ts = self.ts
        now = self.now
        grace = 21 * DAY
        upgrade_keep = 120 * DAY
        subs: list[Row] = []
        dbs: list[Row] = []
        sub_id = db_id = 0
        for k in range(self.n_accounts):
            aid = k + 1
            created, end = self.acc_created[k], self.acc_end[k]
            closed = end != now
            stem = self.acc_company[k][1].split(".", 1)[0]
            # a closed account cancelled everything when it closed; an active one may
            # have cancelled (15%); a fifth changed plan once on the way
            first_start = created
            if r() < 0.2:
                first_start = created + int((end - created) * r())
                periods: list[tuple[int, int | None]] = [(created, first_start)]
            else:
                periods = []
            if closed:
                last_end: int | None = end
            elif r() < 0.15:
                last_end = first_start + int((now - first_start) * r())
            else:
                last_end = None
            periods.append((first_start, last_end))
            for started, cancelled in periods:
                sub_id += 1
                plan = _PLANS[int(r() * len(_PLANS))][0]
                subs.append((
                    sub_id, aid, plan, "cancelled" if cancelled is not None else "active",
                    ts(started), ts(cancelled) if cancelled is not None else None,
                ))
                kinds = ["production"]
                if r() < 0.3:
                    kinds.append("staging")
                if r() < 0.25:
                    kinds.append("upgrade")
                region = "eu-west" if r() < 0.6 else "eu-central"
                for kind in kinds:
                    db_id += 1
                    db_created = started + int(r() * DAY)
                    stop = cancelled if cancelled is not None else now
                    db_created = min(db_created, stop)
                    last_upgrade: int | None = None
                    if kind == "upgrade" or r() < 0.5:
                        last_upgrade = db_created + int((stop - db_created) * r())
                    if cancelled is not None:
                        # past the three-week grace period most were destroyed, some
                        # were overlooked: work for the retention rules
                        overdue = now - cancelled > grace
                        status = "destroyed" if overdue and r() < 0.6 else "disabled"
                    elif kind == "upgrade" and last_upgrade is not None and (
                        now - last_upgrade > upgrade_keep and r() < 0.5
                    ):
                        status = "destroyed"
                    else:
                        status = "active"
                    dbs.append((
                        db_id, aid, sub_id, f"{stem}-{kind}-{db_id}", status, kind,
                        ts(db_created), ts(cancelled) if cancelled is not None else None,
                        ts(last_upgrade) if last_upgrade is not None else None, region,
                    ))
        yield self.n_accounts, [("subscriptions", subs), ("tenant_databases", dbs)]

    # ----------------------------------------------------------------- orders

    def orders(self) -> Iterator[tuple[int, list[Batch]]]:
        """Orders and the invoices of those paid (or paid and refunded)."""
        rng = self.rng("orders")
        r = rng.random
        ts = self.ts
        now = self.now
        a = self.n_accounts
        n = a * 8
        invoice_id = 0
        acc_created, acc_end, acc_contacts = self.acc_created, self.acc_end, self.acc_contacts
        acc_vat, acc_company = self.acc_vat, self.acc_company
        acc_address, acc_billing = self.acc_address, self.acc_billing
        for lo in range(0, n, CHUNK):
            orders: list[Row] = []
            invoices: list[Row] = []
            for oid0 in range(lo, min(n, lo + CHUNK)):
                oid = oid0 + 1
                k = int(r() * a)
                c0, end = acc_created[k], acc_end[k]
                created = c0 + int((end - c0) * r())
                contacts = acc_contacts[k]
                contact = contacts[int(r() * len(contacts))] if r() < 0.9 else None
                amount = _PLANS[int(r() * len(_PLANS))][1] * (1 + int(r() * 12))
                currency = _CURRENCIES[int(r() * len(_CURRENCIES))]
                x = r()
                status = (
                    "paid" if x < 0.85 else "pending" if x < 0.9
                    else "refunded" if x < 0.95 else "cancelled"
                )
                orders.append((oid, k + 1, contact, ts(created), amount, currency, status))
                if status in ("paid", "refunded"):
                    invoice_id += 1
                    issued = min(now, created + int(2 * DAY * r()))
                    vat = amount * 21 // 100 if acc_vat[k] else 0
                    issued_at = ts(issued)
                    invoices.append((
                        invoice_id, oid, k + 1, f"INV/{issued_at[:4]}/{invoice_id:07d}",
                        issued_at, amount, vat, currency, acc_company[k][0],
                        acc_address[k], acc_billing[k],
                    ))
            yield min(n, lo + CHUNK), [("orders", orders), ("invoices", invoices)]

    # ----------------------------------------------------------------- tickets

    def tickets(self) -> Iterator[tuple[int, list[Batch]]]:
        """Support tickets and their messages, with the planted violations."""
        rng = self.rng("tickets")
        r = rng.random
        ts = self.ts
        now = self.now
        s = self.subjects
        n = s // 4
        per_kind = planted_count(s)
        planted_tickets = rng.sample(range(n), 3 * per_kind)
        plant: dict[int, tuple[PlantedViolation, str]] = {}
        sentences = {
            CARD_IN_TICKET: _CARD_SENTENCES,
            HEALTH_IN_TICKET: _HEALTH_SENTENCES,
            RELIGION_IN_TICKET: _RELIGION_SENTENCES,
        }
        for j, t in enumerate(planted_tickets):
            violation = (CARD_IN_TICKET, HEALTH_IN_TICKET, RELIGION_IN_TICKET)[j // per_kind]
            options = sentences[violation]
            text = options[j % len(options)]
            if violation is CARD_IN_TICKET:
                text = text.format(card=TEST_CARD_NUMBERS[j % len(TEST_CARD_NUMBERS)])
            plant[t] = (violation, text)
        bodies, staff = self.pools.ticket_bodies, self.pools.staff_bodies
        subjects = _TICKET_SUBJECTS
        week = 7 * DAY
        msg_id = 0
        contact_created = self.contact_created
        planted = self.planted
        for lo in range(0, n, CHUNK):
            tickets: list[Row] = []
            messages: list[Row] = []
            for t0 in range(lo, min(n, lo + CHUNK)):
                tid = t0 + 1
                ci = int(r() * s)
                c_created = contact_created[ci]
                created = c_created + int((now - c_created) * r())
                x = r()
                status = "closed" if x < 0.85 else "open" if x < 0.95 else "pending"
                closed_at = (
                    min(now, created + int(20 * DAY * r())) if status == "closed" else None
                )
                tickets.append((
                    tid, ci + 1, subjects[int(r() * len(subjects))], status, ts(created),
                    ts(closed_at) if closed_at is not None else None,
                ))
                stop = closed_at if closed_at is not None else now
                at = created
                for m in range(1 + int(r() * 5)):
                    msg_id += 1
                    from_customer = m % 2 == 0
                    if from_customer:
                        body = bodies[int(r() * len(bodies))]
                        if m == 0 and t0 in plant:
                            violation, text = plant[t0]
                            body = f"{body} {text}"
                            planted[violation].append(msg_id)
                    else:
                        body = staff[int(r() * len(staff))]
                    messages.append((
                        msg_id, tid, ci + 1 if from_customer else None, body, ts(at),
                    ))
                    at = min(stop, at + int(week * r() * r()))
            yield min(n, lo + CHUNK), [("support_tickets", tickets), ("ticket_messages", messages)]

    # ----------------------------------------------------------------- job applications

    def job_applications(self) -> Iterator[tuple[int, list[Batch]]]:
        rng = self.rng("job_applications")
        r = rng.random
        ts = self.ts
        now, start = self.now, self.start
        span = now - start
        n = self.n_applications
        planted = rng.sample(range(n), 2)
        plant = {planted[0]: (HEALTH_IN_CV, _CV_HEALTH), planted[1]: (RELIGION_IN_CV, _CV_RELIGION)}
        pools = self.pools.locales
        cvs = self.pools.cv_texts
        rows: list[Row] = []
        for i in range(n):
            aid = i + 1
            pool = pools[int(r() * len(pools))]
            fi = int(r() * len(pool.first))
            li = int(r() * len(pool.last))
            # applicants are people of their own: addresses numbered after the contacts
            email = (
                f"{pool.first_slug[fi]}.{pool.last_slug[li]}.{self.subjects + aid}"
                f"@{_FREE_MAIL[int(r() * len(_FREE_MAIL))]}"
            )
            x = r()
            status = (
                "rejected" if x < 0.6 else "hired" if x < 0.75
                else "interview" if x < 0.85 else "received"
            )
            # open applications are recent; decided ones spread over the five years
            applied = now - int((90 * DAY if x >= 0.75 else span) * r())
            decided = (
                min(now, applied + int(60 * DAY * r()))
                if status in ("rejected", "hired") else None
            )
            cv = cvs[int(r() * len(cvs))]
            if i in plant:
                violation, text = plant[i]
                cv = f"{cv} {text}"
                self.planted[violation].append(aid)
            rows.append((
                aid, email, pool.first[fi], pool.last[li],
                pool.locale.phone(f"{int(r() * 1e9):09d}"),
                _POSITIONS[int(r() * len(_POSITIONS))], cv, status, ts(applied),
                ts(decided) if decided is not None else None,
            ))
        yield n, [("job_applications", rows)]

    # ----------------------------------------------------------------- browser data

    def web_sessions(self) -> Iterator[tuple[int, list[Batch]]]:
        rng = self.rng("web_sessions")
        r = rng.random
        rb = rng.randbytes
        b64 = base64.urlsafe_b64encode
        ts = self.ts
        now = self.now
        recent = 120 * DAY
        quarter = 90 * DAY
        n_users = len(self.user_created)
        n = n_users * 3
        agents = self.pools.user_agents
        user_created = self.user_created
        ip = self.ip
        for lo in range(0, n, CHUNK):
            rows: list[Row] = []
            append = rows.append
            for sid0 in range(lo, min(n, lo + CHUNK)):
                u = int(r() * n_users)
                u_created = user_created[u]
                # half of the sessions are recent, the rest spread over the user's life
                lo_t = max(u_created, now - recent) if r() < 0.5 else u_created
                created = lo_t + int((now - lo_t) * r())
                used = (
                    min(now, created + int(quarter * r() * r())) if r() < 0.6 else None
                )
                append((
                    sid0 + 1, u + 1, b64(rb(24)).decode(), ip(r),
                    agents[int(r() * len(agents))], ts(created),
                    ts(used) if used is not None else None,
                ))
            yield min(n, lo + CHUNK), [("web_sessions", rows)]

    @staticmethod
    def ip(r: Callable[[], float]) -> str:
        x = int(r() * 4_294_967_296)
        if x & 3 == 0:  # a quarter IPv6
            return f"2a01:{x >> 16 & 0xFFFF:x}:{x & 0xFFFF:x}::{x >> 8 & 0xFFF:x}"
        return f"{(x >> 24) % 223 + 1}.{x >> 16 & 255}.{x >> 8 & 255}.{x & 255}"

    def web_visits(self) -> Iterator[tuple[int, list[Batch]]]:
        rng = self.rng("web_visits")
        r = rng.random
        rb = rng.randbytes
        b64 = base64.urlsafe_b64encode
        ts = self.ts
        ip = self.ip
        now, start = self.now, self.start
        span = now - start
        recent = 400 * DAY
        s = self.subjects
        n = s * 2
        agents, paths, refs = self.pools.user_agents, _PATHS, _REFERRERS
        for lo in range(0, n, CHUNK):
            rows: list[Row] = []
            append = rows.append
            for vid0 in range(lo, min(n, lo + CHUNK)):
                visited = now - int((recent if r() < 0.5 else span) * r())
                append((
                    vid0 + 1, int(r() * s) + 1 if r() < 0.6 else None,
                    b64(rb(15)).decode(), ip(r), agents[int(r() * len(agents))],
                    refs[int(r() * len(refs))], paths[int(r() * len(paths))], ts(visited),
                ))
            yield min(n, lo + CHUNK), [("web_visits", rows)]

    # ----------------------------------------------------------------- marketing

    def newsletters(self) -> Iterator[tuple[int, list[Batch]]]:
        rng = self.rng("newsletters")
        r = rng.random
        ts = self.ts
        now = self.now
        s = self.subjects
        lists, sources = _NEWSLETTERS, _CONSENT_SOURCES
        nid = 0
        contact_created = self.contact_created
        for lo in range(0, s, CHUNK):
            rows: list[Row] = []
            append = rows.append
            for ci in range(lo, min(s, lo + CHUNK)):
                x = r()
                count = 0 if x < 0.45 else 1 if x < 0.9 else 2
                if not count:
                    continue
                c_created = contact_created[ci]
                first_list = int(r() * len(lists))
                for j in range(count):
                    nid += 1
                    subscribed = c_created + int((now - c_created) * r())
                    unsub = (
                        subscribed + int((now - subscribed) * r()) if r() < 0.3 else None
                    )
                    append((
                        nid, ci + 1, lists[(first_list + j) % len(lists)],
                        "subscribed" if unsub is None else "unsubscribed",
                        sources[int(r() * len(sources))], ts(subscribed),
                        ts(unsub) if unsub is not None else None,
                    ))
            yield min(s, lo + CHUNK), [("newsletter_subscriptions", rows)]

    def email_messages(self) -> Iterator[tuple[int, list[Batch]]]:
        """Marketing email sent for customers to (mostly) known people, with its events."""
        rng = self.rng("email_messages")
        r = rng.random
        ts = self.ts
        ip = self.ip
        now = self.now
        s, a = self.subjects, self.n_accounts
        recent = 10 * DAY
        three_days = 3 * DAY
        subjects, bodies = _MARKETING_SUBJECTS, self.pools.marketing_bodies
        agents = self.pools.user_agents
        event_id = 0
        acc_created, acc_end, acc_company = self.acc_created, self.acc_end, self.acc_company
        contact_email, contact_first = self.contact_email, self.contact_first
        for lo in range(0, s, CHUNK):
            messages: list[Row] = []
            events: list[Row] = []
            add_event = events.append
            for mid0 in range(lo, min(s, lo + CHUNK)):
                mid = mid0 + 1
                k = int(r() * a)
                c0, end = acc_created[k], acc_end[k]
                if end == now and r() < 0.04:
                    sent = max(c0, now - recent) + int((now - max(c0, now - recent)) * r())
                else:
                    sent = c0 + int((end - c0) * r())
                ci = int(r() * s)
                to = contact_email[ci]
                company, domain = acc_company[k]
                body = (
                    f"Hello {contact_first[ci]},\n\n{bodies[int(r() * len(bodies))]}\n\n"
                    f"{company} - https://{domain}/unsubscribe"
                )
                messages.append((
                    mid, k + 1, to, subjects[int(r() * len(subjects))], body, ts(sent),
                ))
                event_id += 1
                add_event((event_id, mid, to, "sent", None, None, ts(sent)))
                x = r()
                if x < 0.03:
                    event_id += 1
                    add_event((event_id, mid, to, "bounce", None, None,
                               ts(min(now, sent + 60))))
                elif x < 0.5:
                    opened = min(now, sent + int(three_days * r()))
                    agent = agents[int(r() * len(agents))]
                    address = ip(r)
                    event_id += 1
                    add_event((event_id, mid, to, "open", address, agent, ts(opened)))
                    if r() < 0.3:
                        event_id += 1
                        add_event((event_id, mid, to, "click", address, agent,
                                   ts(min(now, opened + int(600 * r())))))
            yield min(s, lo + CHUNK), [("email_messages", messages), ("email_events", events)]

    def event_registrations(self) -> Iterator[tuple[int, list[Batch]]]:
        rng = self.rng("event_registrations")
        r = rng.random
        ts = self.ts
        now = self.now
        s = self.subjects
        n = s * 3 // 20
        events = _EVENTS
        contact_created = self.contact_created
        for lo in range(0, n, CHUNK):
            rows: list[Row] = []
            for eid0 in range(lo, min(n, lo + CHUNK)):
                ci = int(r() * s)
                c_created = contact_created[ci]
                registered = c_created + int((now - c_created) * r())
                rows.append((
                    eid0 + 1, ci + 1, events[int(r() * len(events))], ts(registered),
                    1 if r() < 0.6 else 0,
                ))
            yield min(n, lo + CHUNK), [("event_registrations", rows)]


# --------------------------------------------------------------------------- build


def _reference_now(now: datetime | None) -> datetime:
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return now.astimezone(UTC).replace(microsecond=0)


def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def build_demo_database(
    path: Path,
    *,
    subjects: int = 10_000,
    seed: int = 42,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
) -> DemoDatabaseSummary:
    """Build the demo company's database at ``path``, replacing any file there.

    ``subjects`` is the number of people in ``contacts``; the other tables scale with
    it (about 9.4 rows per subject in all). Every date lies in the five years before
    ``now`` (default: the current time), stored as UTC text ``YYYY-MM-DD HH:MM:SS``.
    The same ``seed`` and ``now`` give the same content (for one Faker version).

    ``progress(stage, done, total)`` is called after each batch; a stage is named
    after the table that drives it (``support_tickets`` also fills ``ticket_messages``,
    ``subscriptions`` fills ``tenant_databases``, ``orders`` fills ``invoices``,
    ``email_messages`` fills ``email_events``), and the last stage, ``indexes``,
    counts the indexes created.
    """
    if subjects < MIN_SUBJECTS:
        raise ValueError(f"subjects must be at least {MIN_SUBJECTS}, not {subjects}")
    started = time.perf_counter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove(path)
    builder = _Builder(subjects, seed, _reference_now(now))
    counts = dict.fromkeys(TABLES, 0)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-262144")
        connection.execute("PRAGMA temp_store=MEMORY")
        connection.executescript(SCHEMA)
        inserts = {table: _insert_statement(connection, table) for table in TABLES}
        connection.execute("BEGIN")
        for stage, total, generate in builder.stages():
            for done, batches in generate():
                for table, rows in batches:
                    connection.executemany(inserts[table], rows)
                    counts[table] += len(rows)
                if progress is not None:
                    progress(stage, done, total)
        # Flags requests set (restriction of processing, Art. 18); added after the load
        # so the generated rows need not carry them (a constant default costs nothing).
        for statement in LATE_COLUMNS:
            connection.execute(statement)
        for number, statement in enumerate(INDEXES, start=1):
            connection.execute(statement)
            if progress is not None:
                progress("indexes", number, len(INDEXES))
        connection.execute("COMMIT")
        connection.execute("PRAGMA analysis_limit=1000")
        connection.execute("ANALYZE")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA journal_mode=DELETE")
    except BaseException:
        connection.close()
        _remove(path)
        raise
    connection.close()
    return DemoDatabaseSummary(
        path=path,
        subjects=subjects,
        row_counts=counts,
        seconds=time.perf_counter() - started,
        planted={v: tuple(ids) for v, ids in builder.planted.items()},
    )



LATE_COLUMNS = (
    "ALTER TABLE contacts ADD COLUMN processing_restricted INTEGER NOT NULL DEFAULT 0",
)


def _insert_statement(connection: sqlite3.Connection, table: str) -> str:
    width = len(connection.execute(f"PRAGMA table_info({table})").fetchall())
    return f"INSERT INTO {table} VALUES ({', '.join('?' * width)})"


def sample_subject_email(path: Path) -> str:
    """The email of a demo customer with a login, orders and invoices: a good person to try
    requests on (erasure keeps their invoices under the tax legal hold)."""
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT c.email FROM contacts c JOIN users u ON u.contact_id = c.id "
            "JOIN orders o ON o.contact_id = c.id JOIN invoices i ON i.order_id = o.id "
            "ORDER BY c.id LIMIT 1").fetchone()
        if row is None:
            row = connection.execute("SELECT email FROM contacts ORDER BY id LIMIT 1").fetchone()
    connection.close()
    return str(row[0])

