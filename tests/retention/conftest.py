"""The retention tests' world: a small SaaS shop on a real database (SQLite, PostgreSQL,
MariaDB), with a row on each side of every rule's boundary.

Tables and the rules the manifest gives them (``NOW`` is the moment runs count back from):

- ``accounts``: identity ``email``; closed accounts have ``closed_at``;
- ``visits`` (→ accounts): deleted 7 days after ``visited_at``. Three boundary rows (due
  exactly at ``NOW``, one second before, one second after), ``BULK`` more expired rows
  for batching, recent rows; the visits of the ``open@`` account (a person with an open,
  verified access request) are expired too;
- ``applicants``: rejected ones deleted 30 days after ``decided_at`` (a condition);
- ``tenants`` (→ accounts): cancelled databases deleted after a 0-day period and a
  21-day grace;
- ``messages`` (→ accounts): content anonymised 6 days after ``sent_at`` (recipient hashed,
  subject fixed, note nullified; ``size_bytes`` and the link stay);
- ``invoices`` (→ accounts): a 10-year tax hold that keeps ``billing_name``; the invoices
  of closed accounts go 90 days after closure (``via: accounts``): held ones have their
  email hashed, older than the hold they are deleted.

``expected`` states, with plain SQL of its own, which rows each rule must touch.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session, sessionmaker

from privet.kit.db import dispose, open_database
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest
from privet.requests.engine import ConnectedDatastores

SECRET = "retention-test-secret-key-0123456789abcdef"
NOW = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
BULK = 2_500
"""Expired visits beyond the boundary rows: three batches of 1,000."""
OPEN_EMAIL = "open@shop.example"


def schema() -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("accounts", metadata,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("email", sa.String(200), nullable=False, index=True),
             sa.Column("status", sa.String(20), nullable=False),
             sa.Column("closed_at", sa.DateTime))
    sa.Table("visits", metadata,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), index=True),
             sa.Column("ip_address", sa.String(45), nullable=False),
             sa.Column("visited_at", sa.DateTime, nullable=False))
    sa.Table("applicants", metadata,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("email", sa.String(200), nullable=False),
             sa.Column("status", sa.String(20), nullable=False),
             sa.Column("decided_at", sa.DateTime))
    sa.Table("tenants", metadata,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
             sa.Column("name", sa.String(100), nullable=False),
             sa.Column("cancelled_at", sa.DateTime))
    sa.Table("messages", metadata,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
             sa.Column("recipient", sa.String(200), nullable=False),
             sa.Column("subject", sa.String(200), nullable=False),
             sa.Column("note", sa.Text),
             sa.Column("size_bytes", sa.Integer, nullable=False),
             sa.Column("sent_at", sa.DateTime, nullable=False))
    sa.Table("invoices", metadata,
             sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
             sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
             sa.Column("number", sa.String(20), nullable=False),
             sa.Column("billing_name", sa.String(200), nullable=False),
             sa.Column("billing_email", sa.String(200), nullable=False),
             sa.Column("amount_cents", sa.Integer, nullable=False),
             sa.Column("issued_at", sa.DateTime, nullable=False))
    return metadata


def _rows(now: datetime) -> dict[str, list[dict[str, Any]]]:
    day = timedelta(days=1)
    second = timedelta(seconds=1)
    accounts = [
        {"id": 1, "email": "ada@shop.example", "status": "active", "closed_at": None},
        {"id": 2, "email": "bob@shop.example", "status": "closed",
         "closed_at": now - 90 * day},                      # due exactly now
        {"id": 3, "email": "cy@shop.example", "status": "closed",
         "closed_at": now - 90 * day + second},             # due in one second
        {"id": 4, "email": OPEN_EMAIL, "status": "active", "closed_at": None},
        {"id": 5, "email": "dee@shop.example", "status": "closed",
         "closed_at": now - 400 * day},
    ]
    cutoff = now - 7 * day
    visits = [
        {"id": 1, "account_id": 1, "ip_address": "192.0.2.1", "visited_at": cutoff},
        {"id": 2, "account_id": 1, "ip_address": "192.0.2.2", "visited_at": cutoff + second},
        {"id": 3, "account_id": 1, "ip_address": "192.0.2.3", "visited_at": cutoff - second},
        {"id": 4, "account_id": 4, "ip_address": "192.0.2.4", "visited_at": cutoff - day},
        {"id": 5, "account_id": 4, "ip_address": "192.0.2.5", "visited_at": cutoff - 9 * day},
    ]
    visits += [{"id": 100 + n, "account_id": None if n % 3 else 1 + n % 2,
                "ip_address": f"198.51.100.{n % 250}",
                "visited_at": cutoff - timedelta(minutes=n + 1)} for n in range(BULK)]
    visits += [{"id": 10_000 + n, "account_id": 1, "ip_address": "203.0.113.9",
                "visited_at": now - timedelta(hours=n + 1)} for n in range(20)]
    applicants = [
        {"id": 1, "email": "a1@mail.example", "status": "rejected",
         "decided_at": now - 30 * day},
        {"id": 2, "email": "a2@mail.example", "status": "rejected",
         "decided_at": now - 30 * day + second},
        {"id": 3, "email": "a3@mail.example", "status": "hired",
         "decided_at": now - 300 * day},
        {"id": 4, "email": "a4@mail.example", "status": "rejected", "decided_at": None},
        {"id": 5, "email": "a5@mail.example", "status": "received", "decided_at": None},
    ]
    tenants = [
        {"id": 1, "account_id": 2, "name": "grace-over", "cancelled_at": now - 21 * day},
        {"id": 2, "account_id": 3, "name": "in-grace",
         "cancelled_at": now - 21 * day + second},
        {"id": 3, "account_id": 1, "name": "live", "cancelled_at": None},
    ]
    messages = [
        {"id": 1, "account_id": 1, "recipient": "r1@mail.example", "subject": "Spring sale",
         "note": "VIP", "size_bytes": 1200, "sent_at": now - 6 * day},
        {"id": 2, "account_id": 1, "recipient": "r2@mail.example", "subject": "Summer",
         "note": None, "size_bytes": 900, "sent_at": now - 6 * day + second},
        {"id": 3, "account_id": 2, "recipient": "r3@mail.example", "subject": "Winter",
         "note": "call back", "size_bytes": 640, "sent_at": now - 60 * day},
    ]
    invoices = [
        {"id": 1, "account_id": 2, "number": "F-1", "billing_name": "Bob B.",
         "billing_email": "bob@shop.example", "amount_cents": 1000,
         "issued_at": now - 200 * day},                     # held: email hashed, name kept
        {"id": 2, "account_id": 3, "number": "F-2", "billing_name": "Cy C.",
         "billing_email": "cy@shop.example", "amount_cents": 2000,
         "issued_at": now - 200 * day},                     # account not due yet
        {"id": 3, "account_id": 5, "number": "F-3", "billing_name": "Dee D.",
         "billing_email": "dee@shop.example", "amount_cents": 3000,
         "issued_at": now - 3700 * day},                    # past the 10-year hold: deleted
        {"id": 4, "account_id": 1, "number": "F-4", "billing_name": "Ada A.",
         "billing_email": "ada@shop.example", "amount_cents": 4000,
         "issued_at": now - 200 * day},                     # active account: untouched
    ]
    return {"accounts": accounts, "visits": visits, "applicants": applicants,
            "tenants": tenants, "messages": messages, "invoices": invoices}


def manifest_data(url: str) -> dict[str, Any]:
    email = {"categories": ["user.contact.email"], "identity": "email"}
    return {
        "version": 1,
        "organization": {"name": "Shop SAS", "address": "1 rue de la Paix, 75002 Paris",
                         "country": "FR",
                         "contact": {"name": "Privacy", "email": "privacy@shop.example"}},
        "policy": {"version": "2026.1", "effective_date": "2026-01-01",
                   "notice_period": "30d"},
        "purposes": {"service": {
            "name": "Running the shop", "data_use": "essential.service",
            "legal_basis": "contract", "data_subjects": ["customer"],
            "data_categories": ["user.contact.email", "user.device.ip_address", "user.name",
                                "user.content.private"],
            "retention": "10y", "retention_note": "per the retention rules"}},
        "datastores": {"main": {"url": url, "location": "FR", "backup_retention": "1mo",
                                "tables": {
            "accounts": {"fields": {"email": {**email, "erasure": {"strategy": "hash"}}}},
            "visits": {"erasure": "delete_row", "fields": {
                "ip_address": {"categories": ["user.device.ip_address"]}}},
            "applicants": {"erasure": "delete_row", "fields": {"email": email}},
            "tenants": {"fields": {"name": {"categories": ["user.content.private"],
                                            "erasure": "keep"}}},
            "messages": {"fields": {
                "recipient": {**email, "erasure": {"strategy": "hash"}},
                "subject": {"categories": ["user.content.private"],
                            "erasure": {"strategy": "fixed", "value": "[erased]"}},
                "note": {"categories": ["user.content.private"]}}},
            "invoices": {
                "fields": {
                    "billing_name": {"categories": ["user.name"],
                                     "erasure": {"strategy": "fixed", "value": "-"}},
                    "billing_email": {**email, "erasure": {"strategy": "hash"}}},
                "legal_holds": {"tax": {
                    "reason": "Invoices are kept 10 years for tax law.",
                    "period": "10y", "from": "issued_at", "keep_fields": ["billing_name"]}}},
        }}},
        "retention": {
            "visits": {"table": "visits", "period": "7d", "from": "visited_at"},
            "rejected_applicants": {"table": "applicants", "where": "status = 'rejected'",
                                    "period": "30d", "from": "decided_at"},
            "cancelled_tenants": {"table": "tenants", "where": "cancelled_at is not null",
                                  "period": "0d", "grace": "21d", "from": "cancelled_at"},
            "message_content": {"table": "messages", "period": "6d", "from": "sent_at",
                                "action": "anonymise"},
            "closed_account_invoices": {"table": "invoices", "via": "accounts",
                                        "where": "status = 'closed'", "period": "90d",
                                        "from": "closed_at"},
        },
    }


Snapshot = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


@dataclass
class Shop:
    engine: str
    url: str
    root: Path
    now: datetime = NOW
    bulk: int = BULK
    open_email: str = OPEN_EMAIL
    manifest: Manifest = field(init=False)
    _opened: list[ConnectedDatastores] = field(default_factory=list)
    _sessions: list[sessionmaker[Session]] = field(default_factory=list)

    def __post_init__(self) -> None:
        (self.root / "privacy").mkdir(parents=True, exist_ok=True)
        (self.root / "data").mkdir(exist_ok=True)
        (self.root / "privet.toml").write_text(
            f'secret_key = "{SECRET}"\n[retention]\nschedule_hours = 0\n', encoding="utf-8")
        self.write_manifest(manifest_data(self.url))

    @property
    def secret(self) -> bytes:
        return SECRET.encode()

    def write_manifest(self, data: dict[str, Any]) -> Manifest:
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (self.root / "privacy" / "manifest.yaml").write_text(text, encoding="utf-8")
        self.manifest = load_manifest(self.root / "privacy", root=self.root, environ={})
        return self.manifest

    def open(self, *, write: bool = True) -> ConnectedDatastores:
        opened = ConnectedDatastores.open(self.manifest, self.root, timeout=5, write=write)
        self._opened.append(opened)
        return opened

    def sessions(self) -> sessionmaker[Session]:
        made = open_database(f"sqlite:///{self.root / 'data' / 'privet.db'}")
        self._sessions.append(made)
        return made

    def close(self) -> None:
        for opened in self._opened:
            opened.close()
        for made in self._sessions:
            dispose(made)

    def dump(self) -> Snapshot:
        """Every row of every table by primary key: the database's checksum, readable."""
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as connection:
                return {name: {tuple(row[c.name] for c in table.primary_key.columns):
                               dict(row)
                               for row in connection.execute(sa.select(table)).mappings()}
                        for name, table in schema().tables.items()}
        finally:
            engine.dispose()

    def ids(self, table: str) -> set[int]:
        return {key[0] for key in self.dump()[table]}


def build_shop(url: str, root: Path, now: datetime = NOW) -> Shop:
    engine = sa.create_engine(url)
    try:
        metadata = schema()
        metadata.create_all(engine)
        with engine.begin() as connection:
            for name, rows in _rows(now).items():
                connection.execute(metadata.tables[name].insert(), rows)
    finally:
        engine.dispose()
    return Shop(sa.make_url(url).get_backend_name(), url, root, now)


@pytest.fixture
def shop(engine_url: str, tmp_path: Path) -> Iterator[Shop]:
    """The shop on each engine."""
    built = build_shop(engine_url, tmp_path / "site")
    try:
        yield built
    finally:
        built.close()
        shutil.rmtree(tmp_path / "site", ignore_errors=True)


AN_HOUR_AGO = NOW - timedelta(hours=1)
"""What processes running at the real time use as the shop's ``now``: every boundary row
is then due (none is a second away from it), the recent rows still are not."""


@pytest.fixture
def cli_shop(engine_url: str, tmp_path: Path) -> Iterator[Shop]:
    """The shop on each engine, built an hour ago."""
    built = build_shop(engine_url, tmp_path / "site", AN_HOUR_AGO)
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def sqlite_shop(tmp_path: Path) -> Iterator[Shop]:
    """The shop on SQLite, built an hour ago (the CLI, the schedule and the pages)."""
    built = build_shop(f"sqlite:///{tmp_path / 'shop.db'}", tmp_path / "site", AN_HOUR_AGO)
    try:
        yield built
    finally:
        built.close()
