"""The test world of the data subject request tests: a small company on a real database.

``WORLD`` is one SQLAlchemy Core schema with every shape a request must handle:

- ``people``: email and phone identities; restriction and objection flags;
- ``addresses``: shared by a household, claimed from ``people.address_id`` with a reference
  of direction ``to`` (``addresses`` does not propagate: a shared address claims nobody);
- ``companies``: shared by their staff, ``propagate: false``; a company's billing email is
  an identity (person 1 is company 2's billing contact);
- ``orders`` → ``order_lines``: a table reached only through two hops;
- ``shipments``: a NOT NULL foreign key to ``orders`` from a kept (masked) table — erasing
  the one person with a shipment (role ``shipment_owner``) must fail clearly;
- ``invoices``: a legal hold (10 years from ``issued_on``, paid invoices only), a guest
  invoice found by its billing email alone;
- ``memberships`` (primary key of two columns) ← ``membership_visits`` (composite FK);
- ``notes``: a self-reference (a chain of follow-up notes without a person id);
- ``carts`` ⇄ ``cart_items``: two tables referring to each other.

A second datastore, ``crm``, is always a SQLite file (``crm_contacts`` ← ``crm_interactions``).

``World`` builds the schema and deterministic data on one engine, writes the workspace
(``privacy/manifest.yaml``, ``privet.toml``), opens the datastores, and answers, with
hand-written SQL independent of Privet's graph, which rows belong to a person.

Tests reach all of it through the fixtures (``world``, ``big_world``, ``sqlite_world``), and
import names from here only for type annotations (under ``TYPE_CHECKING``): at run time,
``conftest`` may name another folder's conftest.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session, sessionmaker

from privet.kit.db import dispose, open_database
from privet.manifest.lint import lint
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest
from privet.requests.engine import ConnectedDatastores

SECRET = b"test-secret-key-for-keyed-hashes-0123456789"
NOW = datetime.now(UTC).replace(microsecond=0)
"""The moment erasures are run at (legal holds count back from it)."""

ROLES = {
    "subject": 12,            # a bit of everything: address, orders, invoices of every kind
                              # (and a guest invoice), a membership, a note chain, a cart, CRM
    "billing_contact": 1,     # their email is the billing email of company 2 (shared by staff)
    "quoted": 3,              # an email with quotes and SQL in it
    "unicode": 4,             # an email with accents, an emoji, RTL override and Arabic
    "work_email_in_crm": 5,   # the CRM knows them by another email: found by phone only
    "shipment_owner": 6,      # the only person with a shipment (NOT NULL FK from a kept row)
    "no_phone": 8,
    "no_orders": 9,
    "household": 10,          # shares an address row with person 11
    "partner": 11,
}
BILLING_CONTACT = ROLES["billing_contact"]
SHIPMENT_OWNER = ROLES["shipment_owner"]
HOUSEHOLD = (ROLES["household"], ROLES["partner"])
QUOTED = ROLES["quoted"]
UNICODE = ROLES["unicode"]

ENGINES = ("sqlite", "postgresql", "mariadb")
ARABIC = "\u0645\u0631\u062d\u0628\u0627"  # "hello", written right to left


# ---------------------------------------------------------------------------- schema

def world_schema() -> sa.MetaData:
    """The main schema, built afresh each time: ``create_all`` on PostgreSQL or MariaDB
    marks the ``use_alter`` foreign key as created, and a later ``create_all`` of the same
    MetaData on SQLite would leave it out."""
    world = sa.MetaData()
    sa.Table(
        "companies", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("billing_email", sa.String(255), index=True),
    )
    sa.Table(
        "addresses", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("street", sa.String(200)),
        sa.Column("city", sa.String(100)),
        sa.Column("postal_code", sa.String(20)),
    )
    sa.Table(
        "people", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column("phone", sa.String(40), index=True),
        sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)),
        sa.Column("birth_year", sa.Integer),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id")),
        sa.Column("address_id", sa.Integer, sa.ForeignKey("addresses.id"), index=True),
        sa.Column("restricted", sa.Boolean, nullable=False, default=False),
        sa.Column("restricted_at", sa.DateTime),
        sa.Column("marketing_status", sa.String(20), nullable=False, default="subscribed"),
        sa.Column("unsubscribed_at", sa.DateTime),
    )
    sa.Table(
        "orders", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("placed_at", sa.DateTime, nullable=False),
        sa.Column("shipping_name", sa.String(200)),
    )
    sa.Table(
        "order_lines", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("gift_message", sa.Text),
    )
    sa.Table(
        "shipments", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("order_id", sa.Integer, sa.ForeignKey("orders.id"), nullable=False),
        sa.Column("carrier", sa.String(50), nullable=False),
    )
    sa.Table(
        "invoices", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id")),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("billing_name", sa.String(200)),
        sa.Column("billing_email", sa.String(255), index=True),
        sa.Column("billing_address", sa.String(300)),
    )
    sa.Table(
        "memberships", world,
        sa.Column("club_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("member_no", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id"), nullable=False),
        sa.Column("nickname", sa.String(100)),
    )
    sa.Table(
        "membership_visits", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("club_id", sa.Integer),
        sa.Column("member_no", sa.Integer),
        sa.Column("visited_at", sa.DateTime, nullable=False),
        sa.Column("note", sa.String(200)),
        sa.ForeignKeyConstraint(["club_id", "member_no"],
                                ["memberships.club_id", "memberships.member_no"]),
    )
    sa.Table(
        "notes", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id")),
        sa.Column("parent_note_id", sa.Integer, sa.ForeignKey("notes.id")),
        sa.Column("body", sa.Text),
    )
    sa.Table(
        "carts", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("people.id")),
        sa.Column("last_item_id", sa.Integer,
                  sa.ForeignKey("cart_items.id", use_alter=True, name="fk_carts_last_item")),
        sa.Column("label", sa.String(100)),
    )
    sa.Table(
        "cart_items", world,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("cart_id", sa.Integer, sa.ForeignKey("carts.id"), nullable=False),
        sa.Column("product", sa.String(100), nullable=False),
        sa.Column("note", sa.String(200)),
    )
    return world


WORLD = world_schema()
"""The main schema, for reading and restoring (never created from)."""

CRM = sa.MetaData()
sa.Table(
    "crm_contacts", CRM,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(255), index=True),
    sa.Column("phone", sa.String(40), index=True),
    sa.Column("full_name", sa.String(200)),
    sa.Column("do_not_contact", sa.Boolean, nullable=False, default=False),
)
sa.Table(
    "crm_interactions", CRM,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("contact_id", sa.Integer, sa.ForeignKey("crm_contacts.id"), nullable=False),
    sa.Column("summary", sa.Text),
)



# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Person:
    index: int
    email: str
    phone: str | None
    first_name: str
    last_name: str

    @property
    def identities(self) -> dict[str, list[str]]:
        found = {"email": [self.email]}
        if self.phone:
            found["phone"] = [self.phone]
        return found


def make_people(count: int) -> list[Person]:
    people = []
    for i in range(count):
        email = f"person{i:03d}@example.com"
        if i == QUOTED:
            email = "o'brien\";DROP/**/TABLE/**/people;--@example.com"
        elif i == UNICODE:
            email = "zoë.🦊.\u202e" + ARABIC + "@例え.jp"
        phone = None if i % 9 == 8 else f"+33 6 12 34 {i // 100:02d} {i % 100:02d}"
        people.append(Person(i, email, phone, f"First{i}", f"Last{i}ñ"))
    return people


def world_rows(people: list[Person]) -> dict[str, list[dict[str, Any]]]:
    """Deterministic rows of every table of the main datastore, in insertion order."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in WORLD.tables}
    for company in range(1, 5):
        billing = (people[BILLING_CONTACT].email if company == 2
                   else f"billing@company{company}.example")
        rows["companies"].append({"id": company, "name": f"Company {company}",
                                  "billing_email": billing})
    order_id = line_id = invoice_id = visit_id = note_id = cart_id = item_id = 0
    for p in people:
        i = p.index
        address_id: int | None = None
        if i == HOUSEHOLD[1]:
            address_id = HOUSEHOLD[0] + 1
        elif i % 7 != 6:
            address_id = i + 1
            rows["addresses"].append({"id": address_id, "street": f"{i} Rue de la Paix",
                                      "city": "Paris", "postal_code": f"750{i % 20:02d}"})
        rows["people"].append({
            "id": i + 1, "email": p.email, "phone": p.phone, "first_name": p.first_name,
            "last_name": p.last_name, "birth_year": 1950 + i % 50,
            "company_id": (i % 4) + 1 if i % 3 else None, "address_id": address_id,
            "restricted": False, "restricted_at": None, "marketing_status": "subscribed",
            "unsubscribed_at": None,
        })
        if i % 5 != 4:
            for n in range(i % 3 + 1):
                order_id += 1
                rows["orders"].append({"id": order_id, "person_id": i + 1,
                                       "placed_at": datetime(2025, 1 + n, 1 + i % 28, 10),
                                       "shipping_name": f"{p.first_name} {p.last_name}"})
                for product in ("tea", "cups"):
                    line_id += 1
                    rows["order_lines"].append({
                        "id": line_id, "order_id": order_id, "product": product,
                        "quantity": 1 + line_id % 3, "gift_message": f"For you, {p.first_name}"})
                if i == SHIPMENT_OWNER and n == 0:
                    rows["shipments"].append({"id": 1, "order_id": order_id, "carrier": "DHL"})
        if i % 2 == 0:
            today = NOW.date()
            for issued, status in (
                (today - timedelta(days=200), "paid"),                  # held
                (today - relativedelta(years=9, months=10), "paid"),    # held, near the end
                (today - relativedelta(years=10, days=200), "paid"),    # past the hold
                (today - timedelta(days=100), "draft"),                 # not held: a draft
            ):
                invoice_id += 1
                rows["invoices"].append(_invoice(invoice_id, i + 1, issued, status, p))
            if i % 10 == 2:  # a guest invoice: no person id, found by its billing email
                invoice_id += 1
                rows["invoices"].append(
                    _invoice(invoice_id, None, today - timedelta(days=30), "paid", p))
        if i % 4 in (0, 1):
            club, member_no = 1 + i % 3, 100 + i
            rows["memberships"].append({"club_id": club, "member_no": member_no,
                                        "person_id": i + 1, "nickname": f"{p.first_name}y"})
            for n in range(2):
                visit_id += 1
                rows["membership_visits"].append({
                    "id": visit_id, "club_id": club, "member_no": member_no,
                    "visited_at": datetime(2025, 3, 1 + n, 18), "note": f"visit of {p.email}"})
        if i % 3 != 1:
            parent: int | None = None
            for depth in range(3):  # only the first note names the person
                note_id += 1
                rows["notes"].append({"id": note_id, "person_id": i + 1 if depth == 0 else None,
                                      "parent_note_id": parent,
                                      "body": f"note {depth} about {p.last_name}"})
                parent = note_id
        if i % 2 == 0:
            cart_id += 1
            rows["carts"].append({"id": cart_id, "person_id": i + 1, "last_item_id": None,
                                  "label": "basket"})
            for product in ("tea", "kettle"):
                item_id += 1
                rows["cart_items"].append({"id": item_id, "cart_id": cart_id,
                                           "product": product, "note": f"gift for {p.email}"})
    return rows


def _invoice(invoice_id: int, person_id: int | None, issued: date, status: str,
             p: Person) -> dict[str, Any]:
    return {"id": invoice_id, "person_id": person_id, "issued_on": issued, "status": status,
            "amount": Decimal("19.90") + invoice_id,
            "billing_name": f"{p.first_name} {p.last_name}", "billing_email": p.email,
            "billing_address": f"{p.index} Rue de la Paix, Paris"}


def crm_rows(people: list[Person]) -> dict[str, list[dict[str, Any]]]:
    contacts: list[dict[str, Any]] = []
    interactions: list[dict[str, Any]] = []
    for p in people:
        if p.index % 4 == 3:
            continue
        # Every sixth contact holds a work email: found by phone only.
        email = f"work{p.index}@corp.example" if p.index % 6 == 5 else p.email
        contacts.append({"id": p.index + 1, "email": email, "phone": p.phone,
                         "full_name": f"{p.first_name} {p.last_name}", "do_not_contact": False})
        interactions.extend({"id": 2 * p.index + n, "contact_id": p.index + 1,
                             "summary": f"call {n} with {p.first_name}"} for n in range(1, 3))
    return {"crm_contacts": contacts, "crm_interactions": interactions}


def create_world(url: str, people: list[Person]) -> None:
    """The main schema and its rows on ``url``."""
    engine = sa.create_engine(url)
    schema = world_schema()
    try:
        schema.create_all(engine)
        rows = world_rows(people)
        with engine.begin() as connection:
            for table in schema.sorted_tables:
                if rows[table.name]:
                    connection.execute(table.insert(), rows[table.name])
            carts, items = schema.tables["carts"], schema.tables["cart_items"]
            last = sa.select(sa.func.max(items.c.id)).where(items.c.cart_id == carts.c.id)
            connection.execute(sa.update(carts).values(last_item_id=last.scalar_subquery()))
    finally:
        engine.dispose()


def create_crm(url: str, people: list[Person]) -> None:
    engine = sa.create_engine(url)
    try:
        CRM.create_all(engine)
        with engine.begin() as connection:
            for table in CRM.sorted_tables:
                connection.execute(table.insert(), crm_rows(people)[table.name])
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- manifest

CATEGORIES = [
    "user.contact.email", "user.contact.phone_number", "user.name.first", "user.name.last",
    "user.name", "user.demographic.date_of_birth", "user.contact.address",
    "user.contact.address.street", "user.contact.address.city",
    "user.contact.address.postal_code", "user.contact.organization", "user.content.private",
]


def manifest_data(main_url: str, crm_url: str) -> dict[str, Any]:
    """The manifest of the world, as YAML data; tests tweak a copy for their variant."""
    def email(**extra: Any) -> dict[str, Any]:
        return {"categories": ["user.contact.email"], "identity": "email", **extra}

    private = {"categories": ["user.content.private"]}
    main_tables: dict[str, Any] = {
        "companies": {
            "description": "Customer companies, shared by their staff.",
            "propagate": False,
            "fields": {
                "name": {"categories": ["user.contact.organization"], "erasure": "keep"},
                "billing_email": email(erasure="hash"),
            },
        },
        "addresses": {
            "description": "Postal addresses; a household shares one.",
            "erasure": "delete_row",
            "propagate": False,
            "fields": {
                "street": {"categories": ["user.contact.address.street"]},
                "city": {"categories": ["user.contact.address.city"]},
                "postal_code": {"categories": ["user.contact.address.postal_code"]},
            },
        },
        "people": {
            "description": "Customers.",
            "data_subjects": ["customer"],
            "erasure": "delete_row",
            "fields": {
                "email": email(),
                "phone": {"categories": ["user.contact.phone_number"], "identity": "phone"},
                "first_name": {"categories": ["user.name.first"]},
                "last_name": {"categories": ["user.name.last"]},
                "birth_year": {"categories": ["user.demographic.date_of_birth"]},
                "restricted": {"on_restriction": True},
                "restricted_at": {"on_restriction": "now"},
                "marketing_status": {"on_objection": "unsubscribed"},
                "unsubscribed_at": {"on_objection": "now"},
            },
            "references": [{"field": "address_id", "to": "addresses.id", "direction": "to",
                            "description": "A person's address is theirs."}],
        },
        "orders": {
            "erasure": "delete_row",
            "fields": {"shipping_name": {"categories": ["user.name"]}},
        },
        "order_lines": {
            "erasure": "delete_row",
            "fields": {"gift_message": private},
        },
        "shipments": {"description": "Kept for the carrier's accounts (no personal field)."},
        "invoices": {
            "erasure": "delete_row",
            "fields": {
                "billing_name": {"categories": ["user.name"]},
                "billing_email": email(erasure="hash"),
                "billing_address": {"categories": ["user.contact.address"]},
            },
            "legal_holds": {
                "tax_records": {
                    "reason": "Paid invoices are kept 10 years for tax law.",
                    "law": "Code de commerce, art. L123-22",
                    "period": "10y",
                    "from": "issued_on",
                    "where": "status = 'paid'",
                    "keep_fields": ["billing_name"],
                },
            },
        },
        "memberships": {
            "erasure": "delete_row",
            "fields": {"nickname": {"categories": ["user.name"]}},
        },
        "membership_visits": {
            "description": "Visit statistics: kept, the note erased.",
            "fields": {"note": {"categories": ["user.content.private"], "erasure": "random"}},
        },
        "notes": {"fields": {"body": private}},
        "carts": {"description": "Kept for statistics."},
        "cart_items": {"erasure": "delete_row", "fields": {"note": private}},
    }
    crm_tables: dict[str, Any] = {
        "crm_contacts": {
            "erasure": "delete_row",
            "fields": {
                "email": email(),
                "phone": {"categories": ["user.contact.phone_number"], "identity": "phone"},
                "full_name": {"categories": ["user.name"]},
                "do_not_contact": {"on_objection": True},
            },
        },
        "crm_interactions": {"erasure": "delete_row", "fields": {"summary": private}},
    }
    return {
        "version": 1,
        "organization": {
            "name": "Théière SARL",
            "address": "1 rue du Thé, 75001 Paris, France",
            "country": "FR",
            "contact": {"name": "Privacy team", "email": "privacy@theiere.example"},
        },
        "policy": {"version": "2026.1", "effective_date": "2026-01-01",
                   "notice_period": "30d"},
        "security_measures": [{"name": "Encryption",
                               "description": "TLS in transit; encrypted disks and backups."}],
        "purposes": {
            "service": {
                "name": "Selling tea",
                "data_use": "essential.service",
                "legal_basis": "contract",
                "data_subjects": ["customer"],
                "data_categories": CATEGORIES,
                "retention": "3y",
                "retention_note": "after the last order",
            },
        },
        "datastores": {
            "main": {"url": main_url, "location": "FR", "backup_retention": "12mo",
                     "tables": main_tables},
            "crm": {"url": crm_url, "location": "FR", "tables": crm_tables},
        },
    }


# ---------------------------------------------------------------------------- the world

Tweak = Callable[[dict[str, Any]], None]
Snapshot = dict[str, dict[tuple[Any, ...], tuple[Any, ...]]]

_ME = "(SELECT id FROM people WHERE email = :e OR phone = :p)"
_MAIN_OWNED = {
    "people": f"SELECT id FROM people WHERE id IN {_ME}",
    "addresses": f"SELECT address_id FROM people WHERE id IN {_ME} AND address_id IS NOT NULL",
    "companies": "SELECT id FROM companies WHERE billing_email = :e",
    "orders": f"SELECT id FROM orders WHERE person_id IN {_ME}",
    "order_lines": "SELECT l.id FROM order_lines l JOIN orders o ON o.id = l.order_id "
                   f"WHERE o.person_id IN {_ME}",
    "shipments": "SELECT s.id FROM shipments s JOIN orders o ON o.id = s.order_id "
                 f"WHERE o.person_id IN {_ME}",
    "invoices": f"SELECT id FROM invoices WHERE person_id IN {_ME} OR billing_email = :e",
    "memberships": f"SELECT club_id, member_no FROM memberships WHERE person_id IN {_ME}",
    "membership_visits": "SELECT v.id FROM membership_visits v JOIN memberships m "
                         "ON m.club_id = v.club_id AND m.member_no = v.member_no "
                         f"WHERE m.person_id IN {_ME}",
    "notes": "WITH RECURSIVE chain(id) AS ("
             f"SELECT id FROM notes WHERE person_id IN {_ME} "
             "UNION SELECT n.id FROM notes n JOIN chain c ON n.parent_note_id = c.id) "
             "SELECT id FROM chain",
    "carts": f"SELECT id FROM carts WHERE person_id IN {_ME}",
    "cart_items": "SELECT i.id FROM cart_items i JOIN carts c ON c.id = i.cart_id "
                  f"WHERE c.person_id IN {_ME}",
}
_CONTACT = "(SELECT id FROM crm_contacts WHERE email = :e OR phone = :p)"
_CRM_OWNED = {
    "crm_contacts": f"SELECT id FROM crm_contacts WHERE id IN {_CONTACT}",
    "crm_interactions": f"SELECT id FROM crm_interactions WHERE contact_id IN {_CONTACT}",
}


@dataclass
class World:
    """A workspace on real databases, and what a test needs to look at them."""

    engine: str
    """sqlite, postgresql or mariadb: the engine of the ``main`` datastore."""
    root: Path
    main_url: str
    crm_url: str
    people: list[Person]
    manifest: Manifest = field(init=False)
    secret: bytes = SECRET
    now: datetime = NOW
    roles: dict[str, int] = field(default_factory=lambda: dict(ROLES))
    _opened: list[ConnectedDatastores] = field(default_factory=list)
    _sessions: list[sessionmaker[Session]] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.root / "privacy").mkdir(parents=True, exist_ok=True)
        (self.root / "privet.toml").write_text(f'secret_key = "{SECRET.decode()}"\n',
                                               encoding="utf-8")
        self.manifest = self.write_manifest()

    def person(self, role: str) -> Person:
        """The person playing ``role`` (see ``ROLES``)."""
        return self.people[self.roles[role]]

    @property
    def subject(self) -> Person:
        return self.person("subject")

    # -- workspace

    def write_manifest(self, tweak: Tweak | None = None) -> Manifest:
        data = manifest_data(self.main_url, self.crm_url)
        if tweak is not None:
            tweak(data)
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (self.root / "privacy" / "manifest.yaml").write_text(text, encoding="utf-8")
        self.manifest = load_manifest(self.root / "privacy", root=self.root, environ={})
        return self.manifest

    def open(self, *, write: bool = True) -> ConnectedDatastores:
        opened = ConnectedDatastores.open(self.manifest, self.root, timeout=5, write=write)
        self._opened.append(opened)
        return opened

    def ledger(self) -> sessionmaker[Session]:
        sessions = open_database(f"sqlite:///{self.root / 'data' / 'privet.db'}")
        self._sessions.append(sessions)
        return sessions

    def close(self) -> None:
        for opened in self._opened:
            opened.close()
        for sessions in self._sessions:
            dispose(sessions)

    # -- looking at the data, without Privet

    def url(self, datastore: str) -> str:
        return self.main_url if datastore == "main" else self.crm_url

    def metadata(self, datastore: str) -> sa.MetaData:
        return WORLD if datastore == "main" else CRM

    def dump(self, datastore: str = "main") -> Snapshot:
        """Every row of every table, by primary key (a full-database checksum, readable)."""
        engine = sa.create_engine(self.url(datastore))
        try:
            with engine.connect() as connection:
                return _dump(connection, self.metadata(datastore))
        finally:
            engine.dispose()

    def dump_all(self) -> dict[str, Snapshot]:
        return {"main": self.dump("main"), "crm": self.dump("crm")}

    def rows(self, table: str, datastore: str = "main") -> dict[tuple[Any, ...], dict[str, Any]]:
        """Every row of ``table`` as a dict, by primary key."""
        columns = self.metadata(datastore).tables[table].columns.keys()
        return {key: dict(zip(columns, values, strict=True))
                for key, values in self.dump(datastore)[table].items()}

    def query(self, datastore: str, statement: str, **params: Any) -> list[Any]:
        engine = sa.create_engine(self.url(datastore))
        try:
            with engine.connect() as connection:
                return list(connection.execute(sa.text(statement), params))
        finally:
            engine.dispose()

    def owned(self, *people: Person, datastores: tuple[str, ...] = ("main", "crm")
              ) -> dict[tuple[str, str], set[tuple[Any, ...]]]:
        """The rows of ``people``, by (datastore, table): hand-written SQL, independent of
        the identity graph. Tables where they have no row are left out."""
        result: dict[tuple[str, str], set[tuple[Any, ...]]] = {}
        for datastore, queries in (("main", _MAIN_OWNED), ("crm", _CRM_OWNED)):
            if datastore not in datastores:
                continue
            engine = sa.create_engine(self.url(datastore))
            try:
                with engine.connect() as connection:
                    for person in people:
                        params = {"e": person.email, "p": person.phone}
                        for table, statement in queries.items():
                            keys = {tuple(r) for r in connection.execute(sa.text(statement),
                                                                         params)}
                            if keys:
                                result.setdefault((datastore, table), set()).update(keys)
            finally:
                engine.dispose()
        return result

    def others(self, snapshot: Snapshot, owned: dict[tuple[str, str], set[tuple[Any, ...]]],
               datastore: str = "main") -> Snapshot:
        """The snapshot less the rows of ``owned``: everyone else's rows."""
        return {table: {k: v for k, v in rows.items()
                        if k not in owned.get((datastore, table), ())}
                for table, rows in snapshot.items()}

    @staticmethod
    def checksum(snapshots: dict[str, Snapshot]) -> str:
        return hashlib.sha256(repr(sorted(snapshots.items())).encode()).hexdigest()

    @staticmethod
    def record_statements(engine: sa.Engine) -> list[str]:
        """Every SQL statement ``engine`` runs from now on, in order."""
        statements: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(" ".join(statement.split()))

        sa.event.listen(engine, "before_cursor_execute", record)
        return statements

    def table_names(self, datastore: str = "main") -> set[str]:
        engine = sa.create_engine(self.url(datastore))
        try:
            return set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()

    # -- backups

    def backup(self) -> Any:
        """A copy of the main database: the file for SQLite, every row for a server."""
        if self.engine == "sqlite":
            copy = self.root / "backup.db"
            shutil.copyfile(_sqlite_file(self.main_url), copy)
            return copy
        return self.dump("main")

    def restore(self, backup: Any) -> None:
        """Put the backup back (close the datastores first, as a restore would)."""
        if self.engine == "sqlite":
            shutil.copyfile(backup, _sqlite_file(self.main_url))
            return
        engine = sa.create_engine(self.main_url)
        try:
            with engine.begin() as connection:
                if self.engine == "postgresql":
                    connection.exec_driver_sql("SET session_replication_role = replica")
                else:
                    connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
                for table in WORLD.sorted_tables:
                    connection.execute(sa.delete(table))
                    rows = [dict(zip(table.columns.keys(), row, strict=True))
                            for row in backup[table.name].values()]
                    if rows:
                        connection.execute(table.insert(), rows)
        finally:
            engine.dispose()


def _sqlite_file(url: str) -> Path:
    return Path(sa.make_url(url).database or "")


def _dump(connection: sa.Connection, metadata: sa.MetaData) -> Snapshot:
    snapshot: Snapshot = {}
    for table in metadata.sorted_tables:
        key = [c.name for c in table.primary_key.columns]
        rows = connection.execute(sa.select(table)).mappings()
        snapshot[table.name] = {tuple(r[c] for c in key): tuple(r.values()) for r in rows}
    return snapshot


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(params=ENGINES)
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each engine: a SQLite file, or a fresh server database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'main.db'}"
    fixture = "postgres_url" if request.param == "postgresql" else "mariadb_url"
    url: str = request.getfixturevalue(fixture)
    return url


def build_world(engine_url: str, tmp_path: Path, count: int = 50) -> World:
    engine = sa.make_url(engine_url).get_backend_name()
    engine = {"mysql": "mariadb"}.get(engine, engine)
    root = tmp_path / "workspace"
    root.mkdir()
    (root / "data").mkdir()
    crm_url = f"sqlite:///{root / 'data' / 'crm.db'}"
    people = make_people(count)
    create_world(engine_url, people)
    create_crm(crm_url, people)
    return World(engine, root, engine_url, crm_url, people)


@pytest.fixture
def world(engine_url: str, tmp_path: Path) -> Iterator[World]:
    """The world with 50 people, on each engine; the base manifest lints clean."""
    built = build_world(engine_url, tmp_path)
    assert lint(built.manifest) == []
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def big_world(engine_url: str, tmp_path: Path) -> Iterator[World]:
    """The world with 130 people, on each engine (for batches of 100)."""
    built = build_world(engine_url, tmp_path, count=130)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def sqlite_world(tmp_path: Path) -> Iterator[World]:
    """The world on SQLite only (for the CLI, which reads the workspace like a user)."""
    built = build_world(f"sqlite:///{tmp_path / 'main.db'}", tmp_path)
    try:
        yield built
    finally:
        built.close()
