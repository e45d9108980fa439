"""The privacy center in a real browser (Playwright driving Debian's Chromium) against the
live server and its job runner: a person of the demo company asks for their data, types
the emailed code, watches the request complete and downloads a zip that holds their rows;
the form is usable with the keyboard alone, and without JavaScript."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from privet.demo.database import sample_subject_email
from web_helpers import LiveServer, code_for

STATUS_URL = re.compile(r"/privacy-center/requests/(R-[0-9A-Z]{4}-[0-9A-Z]{4})\?token=")


def _demo_database(server: LiveServer) -> Path:
    return server.workspace.root / "data" / "nuage.db"


def _person(server: LiveServer) -> dict[str, Any]:
    """A demo customer with a login, orders and invoices, and how many of their rows some
    tables hold, read straight from the company's database."""
    database = _demo_database(server)
    email = sample_subject_email(database)
    with sqlite3.connect(database) as connection:
        connection.row_factory = sqlite3.Row
        contact = dict(connection.execute(
            "SELECT id, email, first_name, last_name FROM contacts WHERE email = ?",
            (email,)).fetchone())
        contact["web_visits"] = connection.execute(
            "SELECT count(*) FROM web_visits WHERE contact_id = ?",
            (contact["id"],)).fetchone()[0]
        contact["orders"] = connection.execute(
            "SELECT count(*) FROM orders WHERE contact_id = ?", (contact["id"],)).fetchone()[0]
    connection.close()
    return contact


def _reference(page: Page) -> str:
    found = STATUS_URL.search(page.url)
    assert found is not None, page.url
    return found.group(1)


def test_a_person_gets_a_copy_of_their_data(live_server: LiveServer, page: Page) -> None:
    person = _person(live_server)
    assert person["web_visits"] > 0 and person["orders"] > 0
    problems: list[str] = []  # script errors and refusals by the Content-Security-Policy
    page.on("console", lambda message: problems.append(f"{message.text} {message.location}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/privacy-center")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your data at Nuage Cloud")

    page.get_by_label("Get a copy of my data").check()
    page.get_by_label("Your email address").fill(person["email"])
    page.get_by_role("button", name="Send my request").click()

    expect(page.locator("#state")).to_have_text("Waiting for you to confirm")
    reference = _reference(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)

    page.get_by_label("Code from the email").fill(code_for(live_server.sessions, reference))
    page.get_by_role("button", name="Confirm my request").click()
    expect(page.get_by_role("status")).to_contain_text("your request is confirmed")
    expect(page.locator("#state")).not_to_have_text("Waiting for you to confirm")

    # the page follows the request by itself until it completes
    expect(page.locator("#state")).to_have_text("Completed", timeout=30_000)
    download_link = page.get_by_role("link", name="Download my data (zip)")
    expect(download_link).to_be_visible()
    with page.expect_download() as started:
        download_link.click()
    download = started.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.path()) as package:
        data = json.loads(package.read("data.json"))
        contacts_csv = package.read("tables/app.contacts.csv").decode("utf-8-sig")
    tables = data["datastores"]["app"]
    [contact] = tables["contacts"]["rows"]
    assert {field: contact[field]["value"] for field in ("email", "first_name", "last_name")} \
        == {field: person[field] for field in ("email", "first_name", "last_name")}
    assert len(tables["web_visits"]["rows"]) == person["web_visits"]
    assert len(tables["orders"]["rows"]) == person["orders"]
    [row] = list(csv.DictReader(io.StringIO(contacts_csv)))
    assert (row["email"], row["first_name"], row["last_name"]) == (
        person["email"], person["first_name"], person["last_name"])
    assert problems == []


def _tab_to(page: Page, element_id: str, most: int = 25) -> None:
    """Press Tab until ``element_id`` has the focus (fails if it never gets it)."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
    pytest.fail(f"#{element_id} cannot be reached with the Tab key")


def test_the_form_works_with_the_keyboard_alone(live_server: LiveServer, page: Page) -> None:
    page.goto(f"{live_server.url}/privacy-center")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()

    _tab_to(page, "type-access")  # Tab enters the group on its first choice
    page.keyboard.press("ArrowDown")  # arrows move between the choices
    expect(page.get_by_label("Erase my data")).to_be_checked()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Space")
    expect(page.get_by_label("Get a copy of my data")).to_be_checked()
    _tab_to(page, "email")
    page.keyboard.type("not-an-email")
    _tab_to(page, "details")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send my request")).to_be_focused()
    page.keyboard.press("Enter")

    # the error is announced, named next to its field, and the choice is kept
    expect(page.get_by_role("alert")).to_contain_text("Enter an email address like")
    expect(page.locator("#email-error")).to_contain_text("Enter an email address like")
    expect(page.get_by_label("Your email address")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Get a copy of my data")).to_be_checked()

    _tab_to(page, "email")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(_person(live_server)["email"])
    page.keyboard.press("Enter")  # Enter in a field submits the form
    expect(page.locator("#state")).to_have_text("Waiting for you to confirm")
    reference = _reference(page)

    _tab_to(page, "code")
    page.keyboard.type(code_for(live_server.sessions, reference))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("your request is confirmed")


def test_the_pages_work_without_javascript(live_server: LiveServer, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/privacy-center")
        page.get_by_label("Stop marketing messages").check()
        page.get_by_label("Your email address").fill(_person(live_server)["email"])
        page.get_by_label("Language of our emails").select_option("en")
        page.get_by_role("button", name="Send my request").click()

        expect(page.locator("#state")).to_have_text("Waiting for you to confirm")
        reference = _reference(page)
        page.get_by_role("button", name="Send me a new code").click()
        expect(page.get_by_role("status")).to_contain_text("We sent you a new code")
        page.get_by_label("Code from the email").fill(code_for(live_server.sessions, reference))
        page.get_by_role("button", name="Confirm my request").click()
        expect(page.get_by_role("status")).to_contain_text("your request is confirmed")
        expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    finally:
        context.close()
