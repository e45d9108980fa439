"""The access package: what a person receives in answer to an access request."""

from __future__ import annotations

import base64
import csv
import io
import json
import shutil
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

import privet.demo
from privet.manifest.loader import load_manifest
from privet.manifest.schema import Manifest
from privet.requests.package import (
    FORMAT,
    access_package_filename,
    build_access_package,
    csv_cell,
    json_value,
)
from privet.requests.results import AccessResult, DatastoreFailure, FoundRows

DEMO_MANIFEST = Path(privet.demo.__file__).parent / "manifest"
HOSTILE = "<script>alert('pwned')</script>"
HOSTILE_COLUMN = '<script>alert("column")</script>'
FORMULA = '=HYPERLINK("http://evil.example","click")'
MOMENT = datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    root = tmp_path_factory.mktemp("workspace")
    folder = root / "privacy"
    folder.mkdir()
    for path in DEMO_MANIFEST.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    return load_manifest(folder, root=root, environ={})


CONTACTS = FoundRows(
    datastore="app",
    table="contacts",
    key_columns=("id",),
    columns=("id", "email", "first_name", "last_name", "phone", "job_title", "created_at"),
    rows=(
        (7, "zoe@example.com", "Zoë", HOSTILE, None, FORMULA,
         datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    ),
    categories={
        "email": ("user.contact.email",),
        "first_name": ("user.name.first",),
        "last_name": ("user.name.last",),
        "phone": ("user.contact.phone_number",),
        "job_title": ("user.job_title",),
    },
    reached_by=("identity email",),
)
INVOICES = FoundRows(
    datastore="app",
    table="invoices",
    key_columns=("id",),
    columns=("id", "contact_id", "billing_name", "billing_email", "billing_address",
             "amount", "issued_on", "pdf", HOSTILE_COLUMN),
    rows=(
        (101, 7, "Zoë Ñúñez", "zoe@example.com", "1 Straße des 17. Juni, Berlin",
         Decimal("-3.50"), date(2025, 1, 31), b"\x00\x01%PDF", HOSTILE),
        (102, 7, "Zoë Ñúñez", "zoe@example.com", "@SUM(A1:A9)",
         Decimal("1234.5678"), date(2025, 2, 28), None, "+cmd|' /C calc'!A0"),
    ),
    categories={
        "billing_name": ("user.name",),
        "billing_email": ("user.contact.email",),
        "billing_address": ("user.contact.address",),
    },
    reached_by=("identity email", "foreign key invoices.contact_id → contacts"),
)
LEADS = FoundRows(
    datastore="crm",
    table="leads",
    key_columns=("lead_id",),
    columns=("lead_id", "ip"),
    rows=(("L-1", "203.0.113.9"), ("L-2", "-1+1")),
    categories={"ip": ("user.device.ip_address",)},
    reached_by=("identity email",),
)


def make_result(*, failures: tuple[DatastoreFailure, ...] = ()) -> AccessResult:
    return AccessResult(
        identities={"email": ("zoe@example.com",), "phone": ("+33 6 12 34 56 78",)},
        found=(CONTACTS, INVOICES, LEADS),
        completed=("app", "crm"),
        failures=failures,
        generated_at=MOMENT,
    )


FAILURE = DatastoreFailure("legacy", "connection timed out after 10 s")


@pytest.fixture(scope="module")
def package(manifest: Manifest) -> zipfile.ZipFile:
    content = build_access_package(make_result(failures=(FAILURE,)), manifest,
                                   request_id="REQ-42")
    return zipfile.ZipFile(io.BytesIO(content))


@pytest.fixture(scope="module")
def data(package: zipfile.ZipFile) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(package.read("data.json").decode("utf-8"))
    return parsed


def read_csv(package: zipfile.ZipFile, name: str) -> list[list[str]]:
    raw = package.read(name)
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so spreadsheets read accents"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


# ------------------------------------------------------------------------------ the ZIP


def test_members_in_a_fixed_order_all_deflated(package: zipfile.ZipFile) -> None:
    assert package.namelist() == [
        "README.txt", "summary.html", "data.json",
        "tables/app.contacts.csv", "tables/app.invoices.csv", "tables/crm.leads.csv",
    ]
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in package.infolist())
    assert package.testzip() is None


def test_same_input_gives_the_same_bytes(manifest: Manifest) -> None:
    first = build_access_package(make_result(), manifest, request_id="REQ-42")
    second = build_access_package(make_result(), manifest, request_id="REQ-42")
    assert first == second


def test_tables_follow_manifest_order_whatever_the_executor_order(manifest: Manifest) -> None:
    result = make_result()
    shuffled = AccessResult(result.identities, (LEADS, INVOICES, CONTACTS), result.completed,
                            (), MOMENT)
    names = zipfile.ZipFile(io.BytesIO(build_access_package(shuffled, manifest))).namelist()
    assert names[3:] == ["tables/app.contacts.csv", "tables/app.invoices.csv",
                         "tables/crm.leads.csv"]


def test_a_table_reached_twice_is_one_table_without_duplicate_rows(manifest: Manifest) -> None:
    again = FoundRows("app", "contacts", ("id",), CONTACTS.columns, CONTACTS.rows,
                      CONTACTS.categories, ("identity phone",))
    result = AccessResult({"email": ("zoe@example.com",)}, (CONTACTS, again), ("app",), (),
                          MOMENT)
    package = zipfile.ZipFile(io.BytesIO(build_access_package(result, manifest)))
    table = json.loads(package.read("data.json"))["datastores"]["app"]["contacts"]
    assert len(table["rows"]) == 1
    assert table["reached_by"] == ["identity email", "identity phone"]
    assert len(read_csv(package, "tables/app.contacts.csv")) == 2


def test_filename() -> None:
    result = make_result()
    assert access_package_filename(result, "REQ-42") == "access-package-REQ-42-20260314.zip"
    assert access_package_filename(result, "../../etc/passwd") == (
        "access-package-etc_passwd-20260314.zip"
    )
    assert access_package_filename(result) == "access-package-20260314.zip"


def test_readme_names_every_file(package: zipfile.ZipFile) -> None:
    readme = package.read("README.txt").decode("utf-8")
    for name in package.namelist():
        if name != "README.txt":
            assert name in readme
    assert "README.txt" in readme
    assert "legacy" in readme  # the incomplete datastore


# ------------------------------------------------------------------------------ data.json


def test_json_header(data: dict[str, Any]) -> None:
    assert data["format"] == FORMAT
    assert data["generated_at"] == MOMENT.isoformat()
    assert data["request_id"] == "REQ-42"
    assert data["controller"]["name"] == "Nuage Cloud"
    assert data["controller"]["contact_email"] == "privacy@nuage.example"
    assert data["controller"]["dpo_email"] == "dpo@nuage.example"
    assert data["identities"] == {"email": ["zoe@example.com"], "phone": ["+33 6 12 34 56 78"]}
    assert data["incomplete"] == [{"datastore": "legacy",
                                   "message": "connection timed out after 10 s"}]


def test_json_values_round_trip(data: dict[str, Any]) -> None:
    contact = data["datastores"]["app"]["contacts"]["rows"][0]
    assert contact["id"]["value"] == 7
    assert contact["first_name"]["value"] == "Zoë"
    assert contact["last_name"]["value"] == HOSTILE
    assert contact["phone"]["value"] is None
    assert datetime.fromisoformat(contact["created_at"]["value"]) == CONTACTS.rows[0][6]

    first, second = data["datastores"]["app"]["invoices"]["rows"]
    assert Decimal(first["amount"]["value"]) == Decimal("-3.50")
    assert first["amount"]["value"] == "-3.50"  # exact, not a float
    assert Decimal(second["amount"]["value"]) == Decimal("1234.5678")
    assert date.fromisoformat(first["issued_on"]["value"]) == date(2025, 1, 31)
    assert base64.b64decode(first["pdf"]["value"]["base64"]) == b"\x00\x01%PDF"
    assert second["pdf"]["value"] is None
    assert first[HOSTILE_COLUMN]["value"] == HOSTILE
    assert first["billing_address"]["value"] == "1 Straße des 17. Juni, Berlin"

    leads = data["datastores"]["crm"]["leads"]
    assert [r["ip"]["value"] for r in leads["rows"]] == ["203.0.113.9", "-1+1"]
    assert data["datastores"]["app"]["invoices"]["reached_by"] == list(INVOICES.reached_by)


def test_every_field_carries_its_categories_and_purposes(data: dict[str, Any]) -> None:
    contact = data["datastores"]["app"]["contacts"]["rows"][0]
    email = contact["email"]
    assert email["categories"] == ["user.contact.email"]
    assert {"provide_hosting", "newsletter", "billing", "support"} <= set(email["purposes"])
    # The contacts table holds customers and prospects: not job applicants, not the
    # recipients of our customers' campaigns.
    assert "recruitment" not in email["purposes"]
    assert "email_campaigns" not in email["purposes"]
    assert "demo_scheduling" in email["purposes"]  # prospects
    # Keys, links and undeclared columns have no categories, hence no purposes.
    for column in ("id", "created_at"):
        assert contact[column] == {"value": contact[column]["value"], "categories": [],
                                   "purposes": []}
    # `user.name` on the invoice overlaps the purposes' `user.name`; the invoices table
    # holds customers only, so no demo scheduling (prospects).
    billing_name = data["datastores"]["app"]["invoices"]["rows"][0]["billing_name"]
    assert billing_name["categories"] == ["user.name"]
    assert "billing" in billing_name["purposes"]
    assert "demo_scheduling" not in billing_name["purposes"]
    # A category below a purpose's (user.name.first under user.name) is served by it.
    assert "newsletter" in contact["first_name"]["purposes"]
    # ip_address is covered by `user.device` (form protection) and named by security.
    ip = data["datastores"]["crm"]["leads"]["rows"][0]["ip"]
    assert {"security", "form_protection", "website_analytics"} <= set(ip["purposes"])
    assert "newsletter" not in ip["purposes"]
    # The purposes named are explained in the glossary.
    named = {p for ds in data["datastores"].values() for t in ds.values()
             for r in t["rows"] for f in r.values() for p in f["purposes"]}
    assert set(data["purposes"]) == named
    assert data["purposes"]["billing"]["legal_basis"] == "legal_obligation"


def test_json_value_edge_cases() -> None:
    assert json_value(float("nan")) == "nan"
    assert json_value(bytearray(b"ab")) == {"base64": "YWI="}
    assert json_value({"tags": [Decimal("1.0"), date(2020, 1, 2)]}) == {
        "tags": ["1.0", "2020-01-02"]}
    assert json_value("\ud800x") == "\ufffdx"  # a lone surrogate cannot be UTF-8
    assert json_value(True) is True


# ------------------------------------------------------------------------------ CSV


def test_csv_rows_equal_the_result_rows(package: zipfile.ZipFile) -> None:
    rows = read_csv(package, "tables/app.invoices.csv")
    header = [c if not c.startswith("'") else c[1:] for c in rows[0]]
    assert header == list(INVOICES.columns)
    assert rows[1] == ["101", "7", "Zoë Ñúñez", "zoe@example.com",
                       "1 Straße des 17. Juni, Berlin", "-3.50", "2025-01-31",
                       "base64:" + base64.b64encode(b"\x00\x01%PDF").decode(), HOSTILE]
    assert rows[2] == ["102", "7", "Zoë Ñúñez", "zoe@example.com", "'@SUM(A1:A9)",
                       "1234.5678", "2025-02-28", "", "'+cmd|' /C calc'!A0"]

    contacts = read_csv(package, "tables/app.contacts.csv")
    assert contacts[0] == list(CONTACTS.columns)
    assert contacts[1] == ["7", "zoe@example.com", "Zoë", HOSTILE, "", "'" + FORMULA,
                           "2024-05-01T12:30:00+00:00"]

    leads = read_csv(package, "tables/crm.leads.csv")
    assert leads == [["lead_id", "ip"], ["L-1", "203.0.113.9"], ["L-2", "'-1+1"]]


def test_csv_neutralises_formulas_but_not_numbers() -> None:
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert csv_cell(text) == "'" + text
    assert csv_cell(-5) == "-5"
    assert csv_cell(Decimal("-3.50")) == "-3.50"
    assert csv_cell(None) == ""
    assert csv_cell(False) == "false"
    assert csv_cell("a=b") == "a=b"


# ------------------------------------------------------------------------------ summary.html


class Page(HTMLParser):
    """The page as a reader sees it: text, tags, and table rows as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self.headings: list[str] = []
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag in ("h1", "h2", "h3"):
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag in ("h1", "h2", "h3") and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)

    def row_starting(self, text: str) -> str:
        matches = [r for r in self.rows if r and r[0].startswith(text)]
        assert matches, f"no table row starts with {text!r}"
        return " | ".join(matches[0])

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture(scope="module")
def raw_html(package: zipfile.ZipFile) -> str:
    return package.read("summary.html").decode("utf-8")


@pytest.fixture(scope="module")
def page(raw_html: str) -> Page:
    parser = Page()
    parser.feed(raw_html)
    parser.close()
    return parser


def test_page_is_self_contained_and_accessible(page: Page) -> None:
    tags = [t for t, _ in page.tags]
    assert page.tags[0] == ("html", {"lang": "en"})
    assert "style" in tags
    for forbidden in ("script", "link", "img", "iframe", "object", "embed", "base"):
        assert forbidden not in tags
    for tag, attrs in page.tags:
        assert "src" not in attrs
        assert not any(name.startswith("on") for name in attrs)
        href = attrs.get("href")
        assert href is None or href.startswith("mailto:"), (tag, href)
        if tag == "th":
            assert attrs.get("scope") in ("col", "row")
    assert "h1" in tags and "h2" in tags
    assert "Your rights" in page.headings


def test_page_escapes_hostile_values(raw_html: str, page: Page) -> None:
    assert "<script" not in raw_html
    assert "&lt;script&gt;" in raw_html
    assert HOSTILE in page.all_text  # shown as text, not run
    assert HOSTILE_COLUMN in page.all_text
    assert not any(tag == "script" for tag, _ in page.tags)


def test_page_names_the_controller_and_dpo(page: Page) -> None:
    text = page.all_text
    assert "Nuage Cloud" in text and "13 rue de l'Aubrac, 75012 Paris, France" in text
    assert "dpo@nuage.example" in page.row_starting("Data protection officer")
    assert "Camille Martin" in text
    assert "privacy@nuage.example" in text


def test_page_lists_the_identities_used(page: Page) -> None:
    assert page.row_starting("email") == "email | zoe@example.com"
    assert page.row_starting("phone") == "phone | +33 6 12 34 56 78"


def test_page_counts_each_category_in_its_tables(page: Page, manifest: Manifest) -> None:
    name = manifest.taxonomy_index.name("data_category", "user.contact.email")
    row = page.row_starting(name)
    # one contact row + two invoice rows hold an email
    assert row.split(" | ")[1] == "3"
    assert "contacts (Nuage Cloud application database)" in row
    assert "invoices (Nuage Cloud application database)" in row
    # the phone column is NULL: nothing held, so it is not listed
    phone = manifest.taxonomy_index.name("data_category", "user.contact.phone_number")
    assert not any(r and r[0] == phone for r in page.rows)
    assert "First Name" in page.all_text  # human names, not keys


RELEVANT = {
    # purpose served by a value found: its legal basis in words
    "provide_hosting": "performance of a contract",
    "billing": "compliance with a legal obligation",
    "support": "performance of a contract",
    "newsletter": "your consent",
    "events": "performance of a contract",
    "demo_scheduling": "our legitimate interests",
    "security": "our legitimate interests",
    "form_protection": "our legitimate interests",
    "website_analytics": "your consent",
    "email_campaigns": "performance of a contract",  # reached by the crm IP address
}


def test_page_explains_every_relevant_purpose(page: Page, manifest: Manifest) -> None:
    for key, basis in RELEVANT.items():
        purpose = manifest.purposes[key]
        assert purpose.retention is not None
        row = page.row_starting(purpose.name)
        assert basis in row, row
        assert purpose.retention.describe() in row, row
        assert (purpose.retention_note or "") in row, row
    assert "10 years, from the invoice date" in page.row_starting("Invoicing and accounting")
    hosting = page.row_starting("Hosting our customers' databases")
    assert "after the account is closed" in hosting
    assert manifest.purposes["provide_hosting"].description in hosting  # type: ignore[operator]
    security = page.row_starting("Securing accounts and the service")
    assert "Keeping our customers' accounts and databases safe from misuse." in security
    # Purposes that serve nothing found are not claimed.
    text = page.all_text
    for absent in ("Recruitment", "Advertising on other websites", "UX improvement programme"):
        assert absent not in text


def test_page_names_the_recipients_and_their_countries(page: Page) -> None:
    ovh = page.row_starting("OVHcloud SAS")
    assert "France" in ovh and "inside the EEA" in ovh
    assert "Ireland" in page.row_starting("Stripe Payments Europe Ltd")
    cloudflare = page.row_starting("Cloudflare, Inc.")
    assert "United States" in cloudflare and "Data Privacy Framework" in cloudflare
    analytics = page.row_starting("Google Ireland Ltd (Google Analytics)")
    assert "standard contractual clauses, module 2" in analytics
    assert "United States" in page.row_starting("Acuity Scheduling")
    assert "independent controller" in page.row_starting("Local event organisers")
    text = page.all_text
    # They receive nothing that was found (database content, campaigns, cookies).
    for absent in ("Google Cloud EMEA Ltd", "FullStory, Inc.", "Meta Platforms", "Google Ads"):
        assert absent not in text


def test_page_states_the_rights_and_the_deadline(page: Page) -> None:
    text = page.all_text
    for right in ("Access", "Rectification", "Erasure", "Restriction", "Objection",
                  "Portability", "Withdrawing consent", "Complaint"):
        assert right in text
    assert "CNIL" in text
    assert "within 30 days" in text
    assert "2 months" in text


def test_page_says_what_could_not_be_searched(page: Page) -> None:
    assert "This copy may be incomplete" in page.headings
    assert page.row_starting("legacy") == "legacy | connection timed out after 10 s"


def test_complete_search_has_no_incompleteness_note(manifest: Manifest) -> None:
    package = zipfile.ZipFile(io.BytesIO(build_access_package(make_result(), manifest)))
    html = package.read("summary.html").decode("utf-8")
    assert "This copy may be incomplete" not in html
    assert json.loads(package.read("data.json"))["incomplete"] == []


def test_nothing_found(manifest: Manifest) -> None:
    result = AccessResult({"email": ("nobody@example.com",)}, (), ("app",), (), MOMENT)
    package = zipfile.ZipFile(io.BytesIO(build_access_package(result, manifest)))
    assert package.namelist() == ["README.txt", "summary.html", "data.json"]
    page = Page()
    page.feed(package.read("summary.html").decode("utf-8"))
    assert "We found no personal data about you" in page.all_text
    assert "None of the data we found is shared" in page.all_text
    assert json.loads(package.read("data.json"))["datastores"] == {}
