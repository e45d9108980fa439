"""The Art. 30 record of processing, as a DPO hands it to an authority: every purpose of
the demo company with its subjects, categories, recipients, transfers and safeguards, time
limits and security measures, in HTML, CSV and XLSX; what the manifest does not declare is
marked in all three, never invented; the processor's record; `privet docs record` and the
`privet check` warnings for the missing Art. 30 items."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import load_workbook
from typer.testing import CliRunner

from privet.cli import app
from privet.documents.record import (
    CONTROLLER_COLUMNS,
    NOT_DECLARED,
    PROCESSOR_COLUMNS,
    Missing,
    ProcessorRecord,
    RecordError,
    controller_record,
    processor_record,
    record_csv,
    record_html,
    write_record_xlsx,
)
from privet.kit.workspace import Workspace
from privet.manifest.schema import Manifest

runner = CliRunner()


@pytest.fixture
def demo(demo_workspace: Workspace) -> Manifest:
    return demo_workspace.load_manifest()


# A small shop whose manifest leaves Art. 30 items out: subjects of `helpdesk`, any retention
# for it, the transfer safeguard of a US processor, the security measures, the DPO.
GAPPY: dict[str, Any] = {
    "version": 1,
    "organization": {"name": "Gappy Shop", "address": "1 rue de la Paix, 75002 Paris",
                     "country": "FR", "contact": {"email": "privacy@gappy.example"}},
    "purposes": {
        "orders": {"name": "Selling", "data_use": "essential.service", "legal_basis": "contract",
                   "data_subjects": ["customer"], "data_categories": ["user.contact.email"],
                   "retention": "3y", "retention_note": "after the last order"},
        "helpdesk": {"name": "Answering questions",
                     "data_use": "essential.service.operations.support",
                     "legal_basis": "contract", "data_categories": ["user.contact.email"]},
    },
    "processors": {
        "deskly": {"name": "Deskly Inc.", "service": "Helpdesk software.",
                   "purposes": ["helpdesk"], "data_categories": ["user.contact.email"],
                   "country": "US"},
    },
    "policy": {"version": "1", "effective_date": "2026-01-01"},
}
GAPS = ["purposes.helpdesk.data_subjects", "purposes.helpdesk.retention",
        "processors.deskly.transfer", "security_measures", "organization.dpo"]


def workspace_with(tmp_path: Path, data: dict[str, Any]) -> Path:
    (tmp_path / "privacy").mkdir(parents=True)
    (tmp_path / "privacy" / "manifest.yaml").write_text(yaml.safe_dump(data, sort_keys=False),
                                                        encoding="utf-8")
    return tmp_path


@pytest.fixture
def gappy(tmp_path: Path) -> Manifest:
    return Workspace.find(workspace_with(tmp_path, GAPPY)).load_manifest()


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# ---------------------------------------------------------------- the controller's record


def test_every_demo_purpose_is_an_activity_with_its_art_30_items(demo: Manifest) -> None:
    record = controller_record(demo)
    by_key = {a.key: a for a in record.activities}
    assert set(by_key) == {k for k, p in demo.purposes.items() if not p.on_behalf_of_customers}
    assert "email_campaigns" not in by_key  # done for customers: the processor's record

    for key, activity in by_key.items():
        purpose = demo.purposes[key]
        assert activity.name == purpose.name
        assert not isinstance(activity.data_subjects, Missing)
        assert [t.key for t in activity.data_subjects] == purpose.data_subjects
        assert not isinstance(activity.data_categories, Missing)
        assert [t.key for t in activity.data_categories] == purpose.data_categories
        assert {r.key for r in activity.recipients} == {
            k for k, p in demo.processors.items() if key in p.purposes}
        assert not isinstance(activity.time_limits, Missing)
        assert purpose.retention is not None
        assert activity.time_limits[0].source == "purpose"
        assert activity.time_limits[0].text.startswith(purpose.retention.describe())
        assert not isinstance(activity.security_measures, Missing)
        assert len(activity.security_measures) == len(demo.security_measures)

    # Taxonomy names, not only keys.
    assert "Cookie ID (user.device.cookie_id)" in [
        str(t) for t in by_key["website_analytics"].data_categories]  # type: ignore[union-attr]
    # Transfers outside the EEA, each with its safeguard; recipients in the EEA are no transfer.
    analytics = {t.recipient: t for t in by_key["website_analytics"].transfers}
    assert list(analytics) == ["Google Ireland Ltd (Google Analytics)"]
    assert analytics["Google Ireland Ltd (Google Analytics)"].country == "United States"
    assert "standard contractual clauses" in str(analytics["Google Ireland Ltd (Google Analytics)"])
    assert "module 2" in str(analytics["Google Ireland Ltd (Google Analytics)"])
    [cloudflare] = by_key["security"].transfers
    assert "Data Privacy Framework" in str(cloudflare.safeguard)
    assert by_key["billing"].transfers == ()
    # Time limits: the purpose's period and the rules and legal holds on its tables.
    billing = [str(t) for t in by_key["billing"].time_limits]  # type: ignore[union-attr]
    assert billing[0] == "purpose: 10 years, from the invoice date (French commercial code, " \
        "art. L123-22)"
    assert any(t.startswith("retention rule `invoices`: invoices: 10 years") for t in billing)
    assert any(t.startswith("legal hold `tax_records`") and "Code de commerce" in t
               for t in billing)
    recruitment = [str(t) for t in by_key["recruitment"].time_limits]  # type: ignore[union-attr]
    assert any("`rejected_applicants`" in t and "status = 'rejected'" in t for t in recruitment)
    assert not any("invoices" in t for t in recruitment)  # applicants' data is not invoiced
    # Recipients say their role and country.
    advertising = {r.name: r for r in by_key["advertising"].recipients}
    assert advertising["Meta Platforms Ireland Ltd"].role == "third-party controller"
    assert advertising["Meta Platforms Ireland Ltd"].country == "Ireland"


def test_the_controller_is_named_with_its_dpo_and_representatives(demo: Manifest) -> None:
    record = controller_record(demo)
    assert str(record.controller) == ("Nuage Cloud SAS, 13 rue de l'Aubrac, 75012 Paris, "
                                      "France, privacy@nuage.example")
    assert "Camille Martin" in str(record.dpo) and "dpo@nuage.example" in str(record.dpo)
    assert str(record.eu_representative) == \
        "not applicable: established in France, in the EEA"
    # Under the UK GDPR, established in France, and no UK representative named: marked.
    assert record.uk_representative == Missing("organization.uk_representative")
    assert record.joint_controllers == ()


# ---------------------------------------------------------------- the three formats


def test_html_shows_every_activity_and_its_items(demo: Manifest) -> None:
    html = record_html(controller_record(demo))
    assert "<title>Record of processing activities (Art. 30(1) GDPR): Nuage Cloud SAS" in html
    for purpose in demo.purposes.values():
        if not purpose.on_behalf_of_customers:
            assert f"<h2>{purpose.name.replace(chr(39), '&#39;')}</h2>" in html
    for column in CONTROLLER_COLUMNS[5:]:
        assert column.heading in html
    assert "Google Ireland Ltd (Google Analytics), United States: standard contractual " \
        "clauses (Art. 46(2)(c)), module 2" in html
    assert "Encryption in transit and at rest" in html


def test_csv_parses_back_with_a_row_per_activity(demo: Manifest) -> None:
    record = controller_record(demo)
    text = record_csv(record)
    rows = csv_rows(text)
    assert list(rows[0]) == [c.heading for c in CONTROLLER_COLUMNS]
    assert [r["Processing activity"] for r in rows] == [a.name for a in record.activities]
    analytics = next(r for r in rows if r["Processing activity"] == "Website audience measurement")
    assert analytics["Categories of data subjects (Art. 30(1)(c))"].split("\n") == [
        "Visitor (visitor)", "Customer (customer)", "Prospect (prospect)"]
    assert "module 2" in analytics["Transfers to third countries and safeguards (Art. 30(1)(e))"]
    assert analytics["Legal basis (Art. 6)"] == "Consent (Art. 6(1)(a))"
    billing = next(r for r in rows if r["Processing activity"] == "Invoicing and accounting")
    assert billing["Transfers to third countries and safeguards (Art. 30(1)(e))"] == \
        "none: no recipient outside the EEA"
    assert "10 years" in billing["Time limits for erasure (Art. 30(1)(f))"]


def test_xlsx_opens_with_a_bold_heading_and_the_rows(demo: Manifest, tmp_path: Path) -> None:
    controller, processor = controller_record(demo), processor_record(demo)
    path = tmp_path / "record.xlsx"
    write_record_xlsx([controller, processor], path)

    workbook = load_workbook(path)
    assert workbook.sheetnames == ["Controller record", "Processor record"]
    sheet = workbook["Controller record"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == [c.heading for c in CONTROLLER_COLUMNS]
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert [row[0] for row in values[1:]] == [a.name for a in controller.activities]
    assert values[1:] == csv_as_lists(record_csv(controller))[1:]  # the same cells as the CSV
    assert all(sheet.column_dimensions[letter].width >= 12 for letter in "ABCDEFGHIJKLM")
    processor_sheet = workbook["Processor record"]
    assert [c.value for c in processor_sheet[1]] == [c.heading for c in PROCESSOR_COLUMNS]
    assert processor_sheet["A2"].value == "Sending our customers' marketing emails"


def csv_as_lists(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_missing_item_is_marked_in_all_three_formats(gappy: Manifest, tmp_path: Path) -> None:
    record = controller_record(gappy)
    html = record_html(record)
    rows = csv_rows(record_csv(record))
    path = tmp_path / "gaps.xlsx"
    write_record_xlsx([record], path)
    sheet = load_workbook(path)["Controller record"]
    cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)

    for gap in GAPS:
        marker = NOT_DECLARED + gap
        assert marker in html, gap
        assert any(marker in value for row in rows for value in row.values()), gap
        assert marker in cells, gap
    # The declared items of the same row are there, nothing is invented for the gaps.
    helpdesk = next(r for r in rows if r["Processing activity"] == "Answering questions")
    assert helpdesk["Categories of data subjects (Art. 30(1)(c))"] == \
        NOT_DECLARED + "purposes.helpdesk.data_subjects"
    assert helpdesk["Transfers to third countries and safeguards (Art. 30(1)(e))"] == \
        "Deskly Inc., United States: " + NOT_DECLARED + "processors.deskly.transfer"
    assert helpdesk["Time limits for erasure (Art. 30(1)(f))"] == \
        NOT_DECLARED + "purposes.helpdesk.retention"
    orders = next(r for r in rows if r["Processing activity"] == "Selling")
    assert orders["Time limits for erasure (Art. 30(1)(f))"] == \
        "purpose: 3 years, after the last order"
    # The HTML lists the gaps up front.
    assert "Items not declared in the manifest (5)" in html


def test_the_gaps_stand_out_in_a_browser(gappy: Manifest, page: Any) -> None:
    page.set_content(record_html(controller_record(gappy)))
    summary = page.locator("#missing li")
    assert summary.count() == len(GAPS)
    helpdesk = page.locator("#activity-helpdesk")
    marked = helpdesk.locator(".missing", has_text="purposes.helpdesk.data_subjects")
    assert marked.is_visible()
    # Marked in red on a pale background, unlike the declared values beside it.
    assert marked.evaluate("e => getComputedStyle(e).color") == "rgb(155, 28, 28)"
    declared = page.locator("#activity-orders td").nth(2)
    assert declared.inner_text().strip() == "Customer (customer)"
    assert declared.locator(".missing").count() == 0


# ---------------------------------------------------------------- the processor's record


def test_the_processor_record_lists_the_processing_done_for_customers(demo: Manifest) -> None:
    record = processor_record(demo)
    assert isinstance(record, ProcessorRecord)
    assert not isinstance(record.activities, Missing)
    [campaigns] = record.activities
    assert campaigns.key == "email_campaigns"
    assert {s.key for s in campaigns.subprocessors} == {"ovhcloud", "google_cloud"}
    assert campaigns.transfers == ()  # both in the EEA
    assert [t.key for t in campaigns.data_subjects] == ["email_recipient"]  # type: ignore[union-attr]
    assert "Email recipient (email_recipient)" in [
        str(t) for t in campaigns.data_subjects]  # type: ignore[union-attr]
    assert str(record.processor).startswith("Nuage Cloud SAS")
    assert record.controllers == ("Each customer (controller) listed in Nuage Cloud "
                                  "application database, table `accounts` (name in "
                                  "`company_name`; contact email in `billing_email`)")
    rows = csv_rows(record_csv(record))
    assert [r["Processing activity"] for r in rows] == ["Sending our customers' marketing emails"]
    assert rows[0]["Sub-processors"].count("\n") == 1


def test_a_controller_only_manifest_has_no_processor_record(gappy: Manifest) -> None:
    with pytest.raises(RecordError) as raised:
        processor_record(gappy)
    assert "controller only" in raised.value.message
    assert raised.value.hint is not None and "on_behalf_of_customers" in raised.value.hint


def test_a_processor_without_declared_processing_is_marked(tmp_path: Path) -> None:
    data = {**GAPPY, "organization": {**GAPPY["organization"], "role": "both"}}
    record = processor_record(Workspace.find(workspace_with(tmp_path, data)).load_manifest())
    assert record.controllers == Missing("customers")
    assert record.activities == Missing("purposes.<purpose>.on_behalf_of_customers")
    html = record_html(record)
    assert NOT_DECLARED + "customers" in html
    assert NOT_DECLARED + "purposes.&lt;purpose&gt;.on_behalf_of_customers" in html
    [row] = csv_rows(record_csv(record))
    assert row["Controllers on whose behalf the processor acts (Art. 30(2)(a))"] == \
        NOT_DECLARED + "customers"


def test_manifest_text_cannot_run_as_a_spreadsheet_formula(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(GAPPY))
    data["purposes"]["orders"]["name"] = '=HYPERLINK("https://evil.example","Click")'
    data["purposes"]["helpdesk"]["name"] = "@SUM(1+1)"
    record = controller_record(Workspace.find(workspace_with(tmp_path, data)).load_manifest())
    names = [row["Processing activity"] for row in csv_rows(record_csv(record))]
    assert sorted(names) == ["'=HYPERLINK(\"https://evil.example\",\"Click\")", "'@SUM(1+1)"]
    path = tmp_path / "record.xlsx"
    write_record_xlsx([record], path)
    sheet = load_workbook(path).active
    assert sheet is not None
    cells = [sheet.cell(row=r, column=1) for r in (2, 3)]
    assert [c.data_type for c in cells] == ["s", "s"]  # text, not a formula
    assert [c.value for c in cells] == names


# ---------------------------------------------------------------- the command


def test_cli_writes_each_format(demo_workspace: Workspace, tmp_path: Path) -> None:
    root = str(demo_workspace.root)
    result = runner.invoke(app, ["docs", "record", "--dir", root])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!doctype html>")
    assert "Website audience measurement" in result.stdout

    csv_path = tmp_path / "record.csv"
    result = runner.invoke(app, ["docs", "record", "--format", "csv", "--out", str(csv_path),
                                 "--dir", root])
    assert result.exit_code == 0, result.output
    assert len(csv_rows(csv_path.read_text(encoding="utf-8"))) == 12
    assert f"wrote {csv_path} (controller record, 12 processing activities)" in result.output

    xlsx_path = tmp_path / "record.xlsx"
    result = runner.invoke(app, ["docs", "record", "--role", "processor", "--format", "xlsx",
                                 "--out", str(xlsx_path), "--dir", root])
    assert result.exit_code == 0, result.output
    assert load_workbook(xlsx_path).sheetnames == ["Processor record"]


def test_cli_tells_what_is_missing_without_failing(tmp_path: Path) -> None:
    root = workspace_with(tmp_path / "gappy", GAPPY)
    result = runner.invoke(app, ["docs", "record", "--format", "csv", "--dir", str(root)])
    assert result.exit_code == 0, result.output
    assert "5 mandatory item(s) not declared in the manifest" in result.stderr
    assert "processors.deskly.transfer" in result.stderr


@pytest.mark.parametrize(("arguments", "message"), [
    (["--format", "xlsx"], "cannot be written to the terminal"),
    (["--format", "csv", "--out", "{tmp}/no/such/folder/record.csv"], "does not exist"),
    (["--role", "processor"], "controller only"),
    (["--format", "pdf"], "pdf"),
])
def test_cli_refuses_bad_requests_and_writes_nothing(arguments: list[str], message: str,
                                                     tmp_path: Path) -> None:
    root = workspace_with(tmp_path / "gappy", GAPPY)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    args = [a.replace("{tmp}", str(tmp_path)) for a in arguments]
    result = runner.invoke(app, ["docs", "record", *args, "--dir", str(root)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


# ---------------------------------------------------------------- `privet check`


def test_check_warns_where_an_art_30_item_is_missing(tmp_path: Path) -> None:
    data = {**GAPPY, "processors": {}, "organization": {
        **GAPPY["organization"], "contact": {"name": "Privacy team"}}}
    root = workspace_with(tmp_path, data)
    result = runner.invoke(app, ["check", "--format", "json", "--dir", str(root)])
    assert result.exit_code == 0, result.output  # warnings, not errors
    report = json.loads(result.stdout)
    found = {d["rule"]: d for d in report["diagnostics"]}
    text = (root / "privacy" / "manifest.yaml").read_text().splitlines()
    for rule, line_text in [("purpose-no-data-subjects", "  helpdesk:"),
                            ("personal-data-no-retention", "  helpdesk:"),
                            ("security-measures-missing", "organization:"),
                            ("contact-details-missing", "  contact:")]:
        diagnostic = found[rule]
        assert diagnostic["severity"] == "warning"
        assert diagnostic["file"] == "privacy/manifest.yaml"
        assert text[diagnostic["line"] - 1] == line_text, rule
        assert diagnostic["hint"]


def test_the_demo_record_needs_no_warning(demo_workspace: Workspace) -> None:
    result = runner.invoke(app, ["check", "--dir", str(demo_workspace.root)])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output

