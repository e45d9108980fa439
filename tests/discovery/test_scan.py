"""The scan on real databases: every violation planted in the demo database is found and
reported as a broken promise; undeclared columns, wrong categories and overdue rows are
findings with their fix; nothing is written to a scanned database; the CLI gates CI, writes
the HTML and JSON reports and the manifest suggestions; the admin shows the latest scan."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from privet.demo.database import PLANTED_VIOLATIONS
from privet.discovery import service
from privet.discovery.scanner import mask, scan_values
from privet.kit.clock import utc_naive
from privet.kit.db import session_scope
from privet.kit.workspace import Workspace
from privet.manifest.taxonomy import overlaps
from privet.requests.engine import ConnectedDatastores
from web_helpers import admin_sign_in, browser_sign_in

PRIVET = [sys.executable, "-m", "privet.cli"]
CARD = "4111 1111 1111 1111"


def privet(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PRIVET, *args, "--dir", str(root)], capture_output=True,
                          text=True, timeout=300, check=False)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------- the demo


def test_every_violation_planted_in_the_demo_is_a_broken_promise(
        demo_workspace: Workspace, tmp_path: Path) -> None:
    database = demo_workspace.root / "data" / "nuage.db"
    before = sha256(database)
    report_file = tmp_path / "scan.json"
    done = privet(demo_workspace.root, "scan", "--full", "--format", "json",
                  "--out", str(report_file))
    assert done.returncode == 1, done.stderr  # broken promises gate CI
    assert sha256(database) == before, "the scan wrote to the scanned database"

    report = json.loads(report_file.read_text())
    broken = [f for f in report["findings"] if f["kind"] == "broken-promise"]
    assert report["scan"]["broken_promises"] == len(broken) > 0
    with sa.create_engine(f"sqlite:///{database}").connect() as connection:
        for planted in PLANTED_VIOLATIONS:
            rows = connection.execute(sa.text(
                f"SELECT count(*) FROM {planted.table} WHERE {planted.column} IS NOT NULL"
            )).scalar_one()
            assert rows > 0
            where = [f for f in broken if (f["table"], f["column"]) == (planted.table,
                                                                         planted.column)]
            kinds = {f["value_type"] for f in where} | {f["category"] for f in where}
            assert any(k == planted.kind or overlaps(str(k), planted.data_category)
                       for k in kinds), f"{planted} not reported: {where}"
    card = next(f for f in broken if f["value_type"] == "payment_card")
    assert "never to store" in card["message"]
    assert card["examples"] and all("1111 1111" not in e for e in card["examples"])
    overdue = [f for f in report["findings"] if f["kind"] == "retention-overdue"]
    assert any(f["table"] == "web_visits" for f in overdue)


def recorded_scan(workspace: Workspace,
                  sessions: sessionmaker[Session]) -> tuple[service.ScanReport, int]:
    """A full scan of the workspace's datastores, recorded as `privet scan` records it."""
    manifest = workspace.load_manifest()
    with ConnectedDatastores.open(manifest, workspace.root, timeout=5,
                                  write=False) as datastores, \
            session_scope(sessions) as session:
        report = service.scan(manifest, datastores, session, now=utc_naive(), sample=None)
        return report, service.record(session, report, actor="cli").id


def test_the_demo_scan_is_recorded_and_shown_to_the_admin(
        client: TestClient, demo_workspace: Workspace, privet_sessions: sessionmaker[Session],
        admin_user: dict[str, str]) -> None:
    report, scan_id = recorded_scan(demo_workspace, privet_sessions)
    client.headers["accept"] = "text/html"
    admin_sign_in(client, "vic")
    listing = client.get("/admin/discovery")
    assert listing.status_code == 200
    assert f"{report.broken_promises} broken promise" in listing.text
    assert listing.text.count('data-kind="broken-promise"') == report.broken_promises
    full = client.get(f"/admin/discovery/{scan_id}")
    assert full.status_code == 200
    assert "Personal data scan" in full.text and "ticket_messages.body" in full.text
    assert client.get("/admin/discovery/99").status_code == 404


# ---------------------------------------------------------------------------- a shop


SHOP_MANIFEST = """\
version: 1
organization:
  name: Shop
  address: 1 rue de la Paix, Paris
  country: FR
  contact: {email: privacy@shop.example}
policy:
  version: "2024-01"
  effective_date: 2024-01-01
promises:
  never_store:
    - values: [payment_card]
      statement: We never store card numbers.
datastores:
  shop:
    url: URL
    location: FR
    tables:
      customers:
        fields:
          email: {categories: [user.contact.email], identity: email}
          contact: {categories: [user.name]}
          notes: {categories: [user.content.private]}
"""


def shop(root: Path, url: str) -> None:
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    customers = sa.Table(
        "customers", metadata, sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200)), sa.Column("contact", sa.String(200)),
        sa.Column("mobile", sa.String(40)), sa.Column("notes", sa.Text))
    with engine.begin() as connection:
        metadata.create_all(connection)
        connection.execute(customers.insert(), [
            {"id": n, "email": f"person{n}@shop.example",
             "contact": f"backup{n}@mail.example",          # declared a name, holds emails
             "mobile": f"+33 6 12 34 {n:02d} {n:02d}",       # not declared at all
             "notes": (f"Paid with card {CARD}, thanks" if n == 7 else "Called, all fine.")}
            for n in range(1, 41)])
    engine.dispose()
    (root / "privacy").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "privacy" / "manifest.yaml").write_text(SHOP_MANIFEST.replace(
        "url: URL", f"url: '{url}'"))


@pytest.fixture
def shop_root(engine_url: str, tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    shop(root, engine_url)
    return root


def findings_of(report: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["kind"] == kind]


def test_findings_name_the_column_the_count_and_the_fix(shop_root: Path, tmp_path: Path) -> None:
    url = yaml.safe_load((shop_root / "privacy" / "manifest.yaml").read_text())[
        "datastores"]["shop"]["url"]
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        before = connection.execute(sa.text("SELECT * FROM customers ORDER BY id")).all()
    suggestion = tmp_path / "suggested.yaml"
    done = privet(shop_root, "scan", "--format", "json", "--suggest", str(suggestion))
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("{"), done.stderr
    report = json.loads(done.stdout)

    [card] = findings_of(report, "broken-promise")
    assert (card["table"], card["column"], card["count"]) == ("customers", "notes", 1)
    assert card["severity"] == "error" and "We never store card numbers." in card["message"]
    [undeclared] = findings_of(report, "undeclared-personal-data")
    assert (undeclared["column"], undeclared["count"]) == ("mobile", 40)
    assert undeclared["category"] == "user.contact.phone_number"
    assert "datastores.shop.tables.customers.fields.mobile" in undeclared["resolution"]
    [mismatch] = findings_of(report, "category-mismatch")
    assert mismatch["column"] == "contact" and "user.contact.email" in mismatch["resolution"]
    assert yaml.safe_load(suggestion.read_text()) == {"datastores": {"shop": {"tables": {
        "customers": {"fields": {"mobile": {"categories": ["user.contact.phone_number"]}}}}}}}
    with engine.connect() as connection:
        after = connection.execute(sa.text("SELECT * FROM customers ORDER BY id")).all()
    engine.dispose()
    assert after == before


def test_a_clean_scan_exits_0_and_writes_an_html_report(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    shop(root, f"sqlite:///{tmp_path / 'shop.db'}")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE customers SET notes = 'fine', contact = 'Ann Lee'"))
        connection.execute(sa.text("ALTER TABLE customers DROP COLUMN mobile"))
    engine.dispose()
    html = tmp_path / "scan.html"
    done = privet(root, "scan", "--format", "html", "--out", str(html))
    assert done.returncode == 0, done.stdout + done.stderr
    page = html.read_text()
    assert "0 broken promises" in page.replace("</strong>", "").replace("<strong>", "")
    assert "customers.email" in page  # the declared emails, in the column table


def test_examples_are_masked() -> None:
    assert mask("4111 1111 1111 1111") == "41•••••••••••••••11"
    assert mask("abc") == "•••"
    found = scan_values([f"write to ann.lee{n}@example.org" for n in range(5)],
                        column="notes")
    [email] = [t for t in found.found if t.detector == "email"]
    assert email.rows == 5 and all("ann.lee" not in e for e in email.examples)


def test_values_that_fail_their_checksum_are_not_found() -> None:
    """Order numbers, a card number one digit off, an IBAN with a wrong check: no finding."""
    values = ["ORD-2024-000123", "4111 1111 1111 1112", "GB82 WEST 1234 5698 7654 33"]
    assert [t.detector for t in scan_values(values, column="reference").found] == []


def test_a_dpo_reads_the_findings_in_the_browser(live_server: Any, page: Any,
                                                 admin_user: dict[str, str]) -> None:
    from playwright.sync_api import expect

    report, _ = recorded_scan(live_server.workspace, live_server.sessions)

    browser_sign_in(page, live_server.url, "vic")
    page.get_by_role("link", name="Discovery").click()
    expect(page.get_by_role("heading", name="Discovery", exact=True)).to_be_visible()
    broken = page.locator('#findings tr[data-kind="broken-promise"]')
    expect(broken).to_have_count(report.broken_promises)
    expect(broken.filter(has_text="ticket_messages.body").first).to_be_visible()
    page.get_by_role("link", name="The full report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Personal data scan")
    expect(page.locator("#findings .finding")).to_have_count(len(report.findings))
