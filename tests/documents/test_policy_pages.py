"""The published documents on the demo company's server: /privacy, /privacy/cookies and
/privacy/subprocessors in each language (``?lang=``, then Accept-Language, then the policy's
first language), a company's template override served, the privacy center linking to them;
and in a real browser, from the policy to the cookie table and into French."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from privet.kit.workspace import Workspace
from web_helpers import LiveServer

PAGES = {
    "/privacy": {"en": "Privacy policy", "fr": "Politique de confidentialité"},
    "/privacy/cookies": {"en": "Cookie policy", "fr": "Politique relative aux cookies"},
    "/privacy/subprocessors": {"en": "Subprocessors and recipients",
                               "fr": "Sous-traitants et destinataires"},
}
FACTS = {  # something of the demo manifest each page must show, by language
    "/privacy": {"en": ["Camille Martin", "Right to erasure", "Cloudflare, Inc.",
                        "Browser data is kept for a maximum of 12 months."],
                 "fr": ["Camille Martin", "Droit à l\u2019effacement", "États-Unis",
                        "Nous répondons sous 30 jours"]},
    "/privacy/cookies": {"en": ["<code>_ga_*</code>", "Audience measurement", "13 months"],
                         "fr": ["<code>_ga_*</code>", "Mesure d\u2019audience", "13 mois"]},
    "/privacy/subprocessors": {"en": ["OVHcloud SAS", "Stripe Payments Europe Ltd",
                                      "United States"],
                               "fr": ["OVHcloud SAS", "Irlande", "États-Unis"]},
}


def h1(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page)
    assert found is not None, "the page has no title"
    return found.group(1)


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_page_in_each_language(client: TestClient, path: str, language: str) -> None:
    response = client.get(path, params={"lang": language})
    assert response.status_code == 200
    assert response.headers["content-language"] == language
    assert f'<html lang="{language}">' in response.text
    assert h1(response.text) == PAGES[path][language]
    for fact in FACTS[path][language]:
        assert fact in response.text, fact
    # The document sits in the site's layout, with the way to the others.
    for link in ("/privacy/cookies", "/privacy/subprocessors", "/privacy/versions",
                 "/privacy-center"):
        assert f'href="{link}' in response.text


def test_the_language_comes_from_the_browser_unless_asked(client: TestClient) -> None:
    french = client.get("/privacy", headers={"accept-language": "de-CH, fr;q=0.8, en;q=0.5"})
    assert french.headers["content-language"] == "fr"
    assert h1(french.text) == "Politique de confidentialité"
    assert french.headers["vary"] == "Accept-Language"

    asked = client.get("/privacy?lang=en", headers={"accept-language": "fr"})
    assert h1(asked.text) == "Privacy policy"
    # No language in common, or none said: the policy's first language (en for the demo).
    for header in ({"accept-language": "de, it;q=0.5"}, {}):
        assert client.get("/privacy/cookies", headers=header).headers[
            "content-language"] == "en"


def test_a_language_the_policy_is_not_published_in_is_not_found(client: TestClient) -> None:
    missing = client.get("/privacy?lang=de", headers={"accept": "text/html"})
    assert missing.status_code == 404
    assert "not published in `de`" in missing.text and "en, fr" in missing.text
    malformed = client.get("/privacy/cookies?lang=<b>", headers={"accept": "text/html"})
    assert malformed.status_code == 422
    assert "<b>" not in malformed.text


def test_the_workspace_template_is_served(demo_workspace: Workspace,
                                          client: TestClient) -> None:
    overrides = demo_workspace.root / "privacy" / "templates"
    overrides.mkdir()
    (overrides / "subprocessors.html").write_text(
        '{% extends "_document.html" %}{% block body %}<h1>Our partners</h1>'
        "<p>{{ policy.subprocessors | length }} processors</p>{% endblock %}",
        encoding="utf-8")
    page = client.get("/privacy/subprocessors")
    assert h1(page.text) == "Our partners"
    processors = [p for p in demo_workspace.load_manifest().processors.values()
                  if p.role == "subprocessor"]
    assert f"<p>{len(processors)} processors</p>" in page.text
    assert h1(client.get("/privacy").text) == "Privacy policy"  # the others are Privet's


def test_the_privacy_center_and_start_page_link_to_the_documents(client: TestClient) -> None:
    center = client.get("/privacy-center").text
    for link in ("/privacy", "/privacy/cookies", "/privacy/subprocessors", "/privacy/versions"):
        assert f'<a href="{link}">' in center, link
    assert 'href="/privacy"' in client.get("/").text


def test_from_the_policy_to_the_cookie_table_in_a_browser(live_server: LiveServer,
                                                          page: Any) -> None:
    page.goto(f"{live_server.url}/privacy", wait_until="load")
    assert page.locator("h1").inner_text() == "Privacy policy"
    assert page.locator("#your-rights").get_by_text("Right of access").is_visible()

    page.get_by_role("navigation", name="Privacy documents").get_by_role(
        "link", name="Cookies", exact=True).click()
    page.wait_for_url("**/privacy/cookies?lang=en")
    assert page.locator("h1").inner_text() == "Cookie policy"
    analytics = page.locator('table[data-category="analytics"]')
    assert analytics.is_visible()
    row = analytics.locator("tr", has=page.locator("code", has_text="_gid"))
    assert row.locator("td").all_inner_texts() == [
        "Google Ireland Ltd (Google Analytics)", "Distinguishes visitors over a day.",
        "1 day"]
    assert page.locator("section#cookies-marketing h2").inner_text() == "Advertising"

    page.get_by_role("link", name="Français").click()
    page.wait_for_url("**/privacy/cookies?lang=fr")
    assert page.locator("h1").inner_text() == "Politique relative aux cookies"
    assert page.locator('table[data-category="analytics"]').locator(
        "tr", has=page.locator("code", has_text="_gid")).locator("td").last.inner_text() \
        == "1 jour"
