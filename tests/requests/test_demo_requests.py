"""Requests on the demo company, end to end through the CLI, as the README tour runs them."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from privet.cli import app
from privet.demo.workspace import DATABASE_PATH

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "ws"
    result = runner.invoke(app, ["demo", "--no-serve", "--dir", str(root), "--subjects", "400"])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def workspace(demo: Path, tmp_path: Path) -> Path:
    """A private copy of the demo workspace, so each test may change it."""
    copy = tmp_path / "ws"
    shutil.copytree(demo, copy)
    return copy


def query(root: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(root / DATABASE_PATH) as db:
        return db.execute(sql, args).fetchall()


def customer_with_invoices(root: Path) -> tuple[str, int]:
    [(email, contact_id)] = query(root, """
        SELECT c.email, c.id FROM contacts c
        JOIN orders o ON o.contact_id = c.id JOIN invoices i ON i.order_id = o.id
        JOIN users u ON u.contact_id = c.id
        ORDER BY i.issued_at DESC, c.id LIMIT 1""")
    return str(email), int(str(contact_id))


def test_access_package_holds_the_persons_rows(workspace: Path, tmp_path: Path) -> None:
    email, contact_id = customer_with_invoices(workspace)
    target = tmp_path / "package.zip"
    result = runner.invoke(app, ["requests", "access", "--dir", str(workspace),
                                 "--email", email, "--out", str(target)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as package:
        data = json.loads(package.read("data.json"))
        names = package.namelist()
    tables = data["datastores"]["app"]
    [contact] = tables["contacts"]["rows"]
    assert contact["email"]["value"] == email
    assert "user.contact.email" in contact["email"]["categories"]
    sessions = query(workspace, "SELECT count(*) FROM web_sessions s JOIN users u "
                     "ON s.user_id = u.id WHERE u.contact_id = ?", contact_id)[0][0]
    assert len(tables.get("web_sessions", {"rows": []})["rows"]) == sessions
    assert "tables/app.contacts.csv" in names and "summary.html" in names


def test_erasure_keeps_invoices_for_tax_law_and_is_recorded(workspace: Path) -> None:
    email, contact_id = customer_with_invoices(workspace)
    invoices_before = query(workspace, """SELECT i.id, i.billing_name, i.billing_address,
        i.billing_email FROM invoices i JOIN orders o ON i.order_id = o.id
        WHERE o.contact_id = ? ORDER BY i.id""", contact_id)
    others_before = query(workspace, "SELECT count(*) FROM contacts WHERE id != ?", contact_id)
    result = runner.invoke(app, ["requests", "erase", "--dir", str(workspace), "--email", email])
    assert result.exit_code == 0, result.output
    assert query(workspace, "SELECT count(*) FROM contacts WHERE email = ?", email)[0][0] == 0
    assert query(workspace, "SELECT count(*) FROM users WHERE contact_id = ?", contact_id) \
        == [(0,)]
    assert query(workspace, "SELECT count(*) FROM contacts WHERE id != ?", contact_id) \
        == others_before
    ids = [row[0] for row in invoices_before]
    marks = ",".join("?" * len(ids))
    recent = query(workspace, "SELECT id, billing_name, billing_address, billing_email "
                   f"FROM invoices WHERE id IN ({marks}) ORDER BY id", *ids)
    assert len(recent) == len(invoices_before)  # invoices are kept (legal hold, 10 years)
    for before, after in zip(invoices_before, recent, strict=True):
        assert after[1:3] == before[1:3]  # billing name and address: what tax law needs
        assert str(after[3]).startswith("hmac:") and after[3] != before[3]
    with sqlite3.connect(workspace / "data" / "privet.db") as ledger:
        text = "\n".join(str(row) for row in ledger.execute(
            "SELECT * FROM erasure_ledger UNION ALL SELECT id, reference, recorded_at, "
            "subjects, identity_hashes, NULL, NULL, NULL FROM erasure_records"))
    assert "contacts" in text and email not in text  # keys and hashes, never the values


def test_replay_after_restoring_a_backup(workspace: Path, tmp_path: Path) -> None:
    email, _contact_id = customer_with_invoices(workspace)
    backup = tmp_path / "backup.db"
    shutil.copy(workspace / DATABASE_PATH, backup)
    assert runner.invoke(app, ["requests", "erase", "--dir", str(workspace),
                               "--email", email]).exit_code == 0
    erased = query(workspace, "SELECT * FROM invoices ORDER BY id")
    shutil.copy(backup, workspace / DATABASE_PATH)  # the restore brings the person back
    assert query(workspace, "SELECT count(*) FROM contacts WHERE email = ?", email) == [(1,)]
    replay = runner.invoke(app, ["requests", "replay-erasures", "--dir", str(workspace),
                                 "--since", "2000-01-01"])
    assert replay.exit_code == 0, replay.output
    assert query(workspace, "SELECT count(*) FROM contacts WHERE email = ?", email) == [(0,)]
    assert query(workspace, "SELECT * FROM invoices ORDER BY id") == erased
    again = runner.invoke(app, ["requests", "replay-erasures", "--dir", str(workspace),
                                "--since", "2000-01-01"])
    assert again.exit_code == 0 and "nothing to change" in again.output


def test_batch_erasure_from_a_file(workspace: Path, tmp_path: Path) -> None:
    emails = [str(row[0]) for row in query(workspace, "SELECT email FROM contacts "
                                           "WHERE account_id IS NULL ORDER BY id LIMIT 25")]
    listing = tmp_path / "closures.csv"
    listing.write_text("email\n" + "\n".join(emails) + "\n")
    total = query(workspace, "SELECT count(*) FROM contacts")[0][0]
    result = runner.invoke(app, ["requests", "erase", "--dir", str(workspace),
                                 "--from-file", str(listing)])
    assert result.exit_code == 0, result.output
    marks = ",".join("?" * len(emails))
    assert query(workspace, f"SELECT count(*) FROM contacts WHERE email IN ({marks})",
                 *emails) == [(0,)]
    assert query(workspace, "SELECT count(*) FROM contacts") == [(int(str(total)) - 25,)]


def test_restriction_and_objection_set_what_the_manifest_names(workspace: Path) -> None:
    [(email, contact_id)] = query(workspace, """SELECT c.email, c.id FROM contacts c
        JOIN newsletter_subscriptions n ON n.contact_id = c.id
        WHERE n.status = 'subscribed' ORDER BY c.id LIMIT 1""")
    assert runner.invoke(app, ["requests", "restrict", "--dir", str(workspace),
                               "--email", str(email)]).exit_code == 0
    assert query(workspace, "SELECT processing_restricted FROM contacts WHERE id = ?",
                 contact_id) == [(1,)]
    assert runner.invoke(app, ["requests", "object", "--dir", str(workspace),
                               "--email", str(email)]).exit_code == 0
    statuses = query(workspace, "SELECT status, unsubscribed_at IS NOT NULL FROM "
                     "newsletter_subscriptions WHERE contact_id = ?", contact_id)
    assert statuses and all(row == ("unsubscribed", 1) for row in statuses)


def test_rectification_checks_the_value(workspace: Path) -> None:
    [(email, contact_id)] = query(workspace, "SELECT email, id FROM contacts ORDER BY id LIMIT 1")
    result = runner.invoke(app, ["requests", "rectify", "--dir", str(workspace),
                                 "--email", str(email), "--set", "contacts.last_name=Dupont"])
    assert result.exit_code == 0, result.output
    assert query(workspace, "SELECT last_name FROM contacts WHERE id = ?", contact_id) \
        == [("Dupont",)]
    bad = runner.invoke(app, ["requests", "rectify", "--dir", str(workspace), "--email",
                              str(email), "--set", "contacts.shoe_size=42"])
    assert bad.exit_code == 1
    assert "not a declared field" in bad.output


def test_graph_shows_how_people_are_found(workspace: Path) -> None:
    text = runner.invoke(app, ["graph", "--dir", str(workspace)])
    assert text.exit_code == 0
    assert "app.contacts.email" in text.output
    assert "app.invoices(billing_email) ← app.accounts(billing_email)" in text.output
    # accounts are shared by a company's staff: nothing is claimed through them by key
    assert "← app.accounts(id)" not in text.output
    dot = runner.invoke(app, ["graph", "--dir", str(workspace), "--format", "dot"])
    assert dot.output.startswith("digraph identity_graph {")


def test_unknown_identity_type_and_bad_email_change_nothing(workspace: Path) -> None:
    before = query(workspace, "SELECT count(*) FROM contacts")
    unknown = runner.invoke(app, ["requests", "erase", "--dir", str(workspace),
                                  "--identity", "passport=X1"])
    assert unknown.exit_code == 1 and "no datastore declares an identity" in unknown.output
    hostile = runner.invoke(app, ["requests", "erase", "--dir", str(workspace),
                                  "--email", "x' OR '1'='1"])
    assert hostile.exit_code == 1 and "not an email address" in hostile.output
    assert query(workspace, "SELECT count(*) FROM contacts") == before
