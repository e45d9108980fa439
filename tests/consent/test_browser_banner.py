"""The cookie banner in a real browser (Playwright driving Debian's Chromium) on the demo
shop served by the live server: tags wait for consent and run once it is given, "Reject
all" is as easy as "Accept all" and leaves no tracking cookie, a choice lasts across pages
until the notice changes, a withdrawal removes the cookies, Global Privacy Control is
honoured, the keyboard alone is enough, French speakers read French, and every choice is
recorded as a receipt on the server."""

from __future__ import annotations

import gzip
import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Response, expect
from sqlalchemy import select

from privet.models.consent import ConsentReceipt
from web_helpers import LiveServer

BANNER_JS = (Path(__file__).parents[2] / "src" / "privet" / "consent" / "static"
             / "banner.js")
GPC_SCRIPT = ("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', "
              "{get: () => true})")


# ----------------------------------------------------------------------------- helpers


def _shop(server: LiveServer) -> str:
    return f"{server.url}/demo/shop"


def _notice(page: Page, server: LiveServer) -> dict[str, Any]:
    answer = page.request.get(f"{server.url}/api/consent/notice")
    assert answer.ok, answer.status
    notice: dict[str, Any] = answer.json()
    return notice


def _optional(notice: dict[str, Any]) -> list[str]:
    return [c["key"] for c in notice["categories"] if not c["required"]]


def _watch(page: Page) -> list[str]:
    """Script errors and Content-Security-Policy refusals on the page, as they happen."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(f"{message.text} {message.location}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _is_receipt(response: Response) -> bool:
    return (response.url.endswith("/api/consent/receipts")
            and response.request.method == "POST")


def _choose(page: Page, action: str) -> dict[str, Any]:
    """Click a banner button and wait until the server has answered the receipt: the
    receipt as it was sent."""
    with page.expect_response(_is_receipt) as answer:
        page.locator(f'#privet-banner button[data-action="{action}"]').click()
    assert answer.value.status == 201, answer.value.text()
    sent: dict[str, Any] = json.loads(answer.value.request.post_data or "{}")
    return sent


def _cookies(context: BrowserContext) -> dict[str, str]:
    return {cookie["name"]: cookie["value"] for cookie in context.cookies()}


def _stored(context: BrowserContext) -> dict[str, Any]:
    """The banner's cookie, decoded."""
    value = _cookies(context)["privet_consent"]
    stored: dict[str, Any] = json.loads(unquote(value))
    return stored


def _replace_stored(context: BrowserContext, server: LiveServer,
                    change: Callable[[dict[str, Any]], None]) -> None:
    stored = _stored(context)
    change(stored)
    context.add_cookies([{"name": "privet_consent", "url": server.url,
                          "value": quote(json.dumps(stored, separators=(",", ":")), safe=""),
                          "sameSite": "Lax"}])


def _receipts(server: LiveServer, device_id: str) -> list[ConsentReceipt]:
    with server.sessions() as session:
        return list(session.scalars(select(ConsentReceipt)
                                    .where(ConsentReceipt.device_id == device_id)
                                    .order_by(ConsentReceipt.id)))


def _runs(page: Page, name: str) -> Any:
    return page.evaluate(f"window.{name}")


def _settled(page: Page) -> None:
    """The banner has read the notice and applied the stored choice (no banner)."""
    expect(page.locator("#privet-settings")).to_be_visible()
    expect(page.locator("#privet-banner")).to_be_hidden()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Browser contexts with options (locale, headers), closed after the test."""
    opened: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(**options)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


# ------------------------------------------------------------------------------- tests


def test_the_banner_script_stays_small() -> None:
    assert len(gzip.compress(BANNER_JS.read_bytes(), 9)) < 15 * 1024


def test_tags_wait_for_consent_then_run_once(live_server: LiveServer, page: Page) -> None:
    problems = _watch(page)
    page.goto(_shop(live_server))
    banner = page.get_by_role("dialog", name="Your choice about cookies")
    expect(banner).to_be_visible()
    expect(banner.locator('[data-action="accept_all"]')).to_be_focused()

    assert _runs(page, "demoAnalyticsRuns") is None
    assert _runs(page, "demoAdsRuns") is None
    expect(page.locator("#analytics-status")).to_have_text("Analytics: off")
    assert "_ga" not in _cookies(page.context)

    sent = _choose(page, "accept_all")
    assert sent["action"] == "accept_all" and all(sent["categories"].values())
    expect(banner).to_be_hidden()
    expect(page.locator("#analytics-status")).to_have_text("Analytics: on")
    expect(page.locator("#ads-status")).to_have_text("Advertising: on")
    assert _runs(page, "demoAnalyticsRuns") == 1
    assert {"_ga", "_ga_DEMO", "_fbp"} <= set(_cookies(page.context))

    # a second choice, granting again, does not run the tags a second time
    page.locator("#privet-settings").click()
    expect(banner).to_be_visible()
    _choose(page, "accept_all")
    expect(banner).to_be_hidden()
    assert _runs(page, "demoAnalyticsRuns") == 1
    assert _runs(page, "demoAdsRuns") == 1
    assert page.locator("script[data-privet-activated]").count() == 2
    assert problems == []


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720},
                                      {"width": 375, "height": 667}])
def test_reject_all_is_as_easy_and_leaves_no_tracking(
        live_server: LiveServer, new_context: Callable[..., BrowserContext],
        viewport: dict[str, int]) -> None:
    page = new_context(viewport=viewport).new_page()
    problems = _watch(page)
    page.goto(_shop(live_server))
    accept = page.locator('#privet-banner [data-action="accept_all"]')
    reject = page.locator('#privet-banner [data-action="reject_all"]')
    expect(accept).to_be_visible()
    expect(reject).to_be_visible()
    expect(accept).to_be_in_viewport(ratio=1)
    expect(reject).to_be_in_viewport(ratio=1)
    accept_box, reject_box = accept.bounding_box(), reject.bounding_box()
    assert accept_box is not None and reject_box is not None
    assert (accept_box["width"], accept_box["height"]) == (reject_box["width"],
                                                           reject_box["height"])
    assert accept.evaluate("e => e.tagName + '.' + e.className") == \
        reject.evaluate("e => e.tagName + '.' + e.className")

    sent = _choose(page, "reject_all")
    assert sent["action"] == "reject_all" and not any(sent["categories"].values())
    expect(page.locator("#privet-banner")).to_be_hidden()
    expect(page.locator("#privet-settings")).to_be_visible()

    page.reload()
    _settled(page)
    assert _runs(page, "demoAnalyticsRuns") is None
    assert _runs(page, "demoAdsRuns") is None
    expect(page.locator("#analytics-status")).to_have_text("Analytics: off")
    notice = _notice(page, live_server)
    necessary = {cookie["name"] for category in notice["categories"] if category["required"]
                 for cookie in category["cookies"] if cookie["name"]}
    names = set(_cookies(page.context))
    assert "privet_consent" in names
    assert names <= necessary, names - necessary
    assert page.evaluate("PrivetConsent.granted('analytics')") is False
    assert problems == []


@pytest.mark.parametrize(("action", "runs"), [("accept_all", 1), ("reject_all", None)])
def test_the_choice_holds_across_pages(live_server: LiveServer, page: Page, action: str,
                                       runs: int | None) -> None:
    page.goto(_shop(live_server))
    _choose(page, action)
    expect(page.locator("#privet-settings")).to_be_visible()
    device_id = _stored(page.context)["id"]

    page.reload()
    _settled(page)
    if runs:
        expect(page.locator("#analytics-status")).to_have_text("Analytics: on")
    assert _runs(page, "demoAnalyticsRuns") == runs
    assert page.evaluate("PrivetConsent.get().categories.analytics") is bool(runs)
    assert _stored(page.context)["id"] == device_id
    assert len(_receipts(live_server, device_id)) == 1  # a reload records nothing


def test_a_new_notice_or_an_old_choice_asks_again(live_server: LiveServer,
                                                  page: Page) -> None:
    page.goto(_shop(live_server))
    _choose(page, "accept_all")
    device_id = _stored(page.context)["id"]
    version = _notice(page, live_server)["version"]

    def older_notice(stored: dict[str, Any]) -> None:
        stored["v"] = version - 1

    _replace_stored(page.context, live_server, older_notice)
    page.reload()
    expect(page.locator("#privet-banner")).to_be_visible()
    assert _runs(page, "demoAnalyticsRuns") is None  # the old choice no longer counts
    sent = _choose(page, "reject_all")
    assert sent["device_id"] == device_id and sent["notice_version"] == version

    notice = _notice(page, live_server)

    def expired(stored: dict[str, Any]) -> None:  # a refusal is kept refusal_days
        stored["t"] = int(time.time()) - (notice["refusal_days"] + 1) * 86400

    _replace_stored(page.context, live_server, expired)
    page.reload()
    expect(page.locator("#privet-banner")).to_be_visible()


def test_withdrawing_removes_the_cookies(live_server: LiveServer, page: Page) -> None:
    page.goto(_shop(live_server))
    _choose(page, "accept_all")
    expect(page.locator("#analytics-status")).to_have_text("Analytics: on")
    expect(page.locator("#ads-status")).to_have_text("Advertising: on")
    assert {"_ga", "_ga_DEMO", "_fbp"} <= set(_cookies(page.context))

    page.locator("#privet-settings").click()
    banner = page.locator("#privet-banner")
    expect(banner).to_be_visible()
    banner.locator('[data-action="customise"]').click()
    analytics = banner.locator('input[name="privet-category"][value="analytics"]')
    expect(analytics).to_be_checked()  # the choice in force
    analytics.uncheck()
    sent = _choose(page, "save")
    assert sent["action"] == "withdraw"
    assert sent["categories"] == {"analytics": False}  # a withdrawal names what it refuses

    names = set(_cookies(page.context))
    assert not {"_ga", "_ga_DEMO"} & names, names
    assert "_fbp" in names  # advertising is still granted
    assert page.evaluate("PrivetConsent.granted('analytics')") is False
    assert _stored(page.context)["c"]["analytics"] is False

    page.reload()
    _settled(page)
    assert _runs(page, "demoAnalyticsRuns") is None
    assert _runs(page, "demoAdsRuns") == 1


def test_global_privacy_control_is_honoured(live_server: LiveServer,
                                            new_context: Callable[..., BrowserContext]) -> None:
    context = new_context(extra_http_headers={"Sec-GPC": "1"})
    context.add_init_script(GPC_SCRIPT)
    page = context.new_page()
    problems = _watch(page)
    with page.expect_response(_is_receipt) as answer:  # recorded on arrival
        page.goto(_shop(live_server))
    assert answer.value.status == 201
    gpc_receipt = json.loads(answer.value.request.post_data or "{}")
    assert gpc_receipt["action"] == "gpc" and gpc_receipt["gpc"] is True

    banner = page.locator("#privet-banner")
    expect(banner).to_be_visible()  # the person may still grant the rest
    expect(page.locator("#privet-gpc-note")).to_be_visible()
    pending = _stored(context)
    assert "c" not in pending  # remembered, but not a choice: the banner still asks
    page.reload()  # no second GPC receipt: the receipts below are exactly gpc, accept_all
    expect(banner).to_be_visible()
    banner.locator('[data-action="customise"]').click()
    marketing = banner.locator('input[name="privet-category"][value="marketing"]')
    expect(marketing).not_to_be_checked()
    expect(marketing).to_be_disabled()

    sent = _choose(page, "accept_all")  # the server refuses marketing itself (gpc)
    assert sent["action"] == "accept_all" and sent["gpc"] is True
    expect(page.locator("#analytics-status")).to_have_text("Analytics: on")
    assert _runs(page, "demoAdsRuns") is None
    expect(page.locator("#ads-status")).to_have_text("Advertising: off")
    assert "_fbp" not in _cookies(context)
    stored = _stored(context)
    assert stored["g"] is True and stored["c"]["marketing"] is False
    assert stored["id"] == pending["id"]  # one browser, one id, before and after choosing

    receipts = _receipts(live_server, stored["id"])
    assert [r.action for r in receipts] == ["gpc", "accept_all"]
    assert all(r.gpc for r in receipts)
    assert all(r.categories["marketing"] is False for r in receipts)
    assert receipts[1].categories["analytics"] is True
    assert problems == []


def test_a_stored_choice_meets_global_privacy_control(
        live_server: LiveServer, new_context: Callable[..., BrowserContext]) -> None:
    context = new_context()
    page = context.new_page()
    page.goto(_shop(live_server))
    _choose(page, "accept_all")
    expect(page.locator("#ads-status")).to_have_text("Advertising: on")
    device_id = _stored(context)["id"]

    context.add_init_script(GPC_SCRIPT)  # the person turns GPC on
    with page.expect_response(_is_receipt) as answer:
        page.reload()
    assert json.loads(answer.value.request.post_data or "{}")["action"] == "gpc"
    _settled(page)  # the rest of the choice still holds: no banner
    expect(page.locator("#analytics-status")).to_have_text("Analytics: on")
    assert _runs(page, "demoAdsRuns") is None
    assert "_fbp" not in _cookies(context)
    stored = _stored(context)
    assert stored["g"] is True and stored["c"]["marketing"] is False
    assert stored["c"]["analytics"] is True and stored["id"] == device_id
    receipts = _receipts(live_server, device_id)
    assert [r.action for r in receipts] == ["accept_all", "gpc"]
    assert receipts[1].categories["marketing"] is False
    assert receipts[1].categories["analytics"] is True

    page.reload()  # recorded once
    _settled(page)
    assert _runs(page, "demoAdsRuns") is None
    assert len(_receipts(live_server, device_id)) == 2


def test_the_keyboard_alone_is_enough(live_server: LiveServer, page: Page) -> None:
    page.goto(_shop(live_server))
    banner = page.locator("#privet-banner")
    expect(banner.locator('[data-action="accept_all"]')).to_be_focused()
    page.keyboard.press("Escape")  # not a choice
    expect(banner).to_be_visible()
    assert "privet_consent" not in _cookies(page.context)

    def tab_to(selector: str) -> None:
        target = banner.locator(selector)
        for _ in range(40):
            page.keyboard.press("Tab")
            if target.evaluate("e => e === document.activeElement"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to('[data-action="customise"]')
    page.keyboard.press("Enter")
    expect(banner.locator("#privet-panel")).to_be_visible()
    tab_to('input[value="analytics"]')
    page.keyboard.press("Space")
    expect(banner.locator('input[value="analytics"]')).to_be_checked()
    tab_to('[data-action="save"]')
    with page.expect_response(_is_receipt) as answer:
        page.keyboard.press("Enter")
    sent = json.loads(answer.value.request.post_data or "{}")
    assert sent["action"] == "custom"
    assert sent["categories"]["analytics"] is True and sent["categories"]["marketing"] is False
    expect(banner).to_be_hidden()
    expect(page.locator("#analytics-status")).to_have_text("Analytics: on")
    assert _runs(page, "demoAdsRuns") is None


def test_a_french_browser_reads_french(live_server: LiveServer,
                                       new_context: Callable[..., BrowserContext]) -> None:
    page = new_context(locale="fr-FR").new_page()
    page.goto(_shop(live_server))
    notice = _notice(page, live_server)
    french, english = notice["texts"]["fr"], notice["texts"]["en"]
    assert french["title"] != english["title"]
    banner = page.get_by_role("dialog", name=french["title"])
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("lang", "fr")
    expect(banner.locator('[data-action="accept_all"]')).to_have_text(french["accept_all"])
    expect(banner.locator('[data-action="reject_all"]')).to_have_text(french["reject_all"])
    policy = banner.get_by_role("link", name=french["policy"])  # the manifest's policy_url
    expect(policy).to_have_attribute("href", notice["policy_url"])
    banner.locator('[data-action="customise"]').click()
    analytics = next(c for c in notice["categories"] if c["key"] == "analytics")
    expect(page.get_by_label(analytics["label"]["fr"], exact=True)).not_to_be_checked()
    sent = _choose(page, "reject_all")
    assert sent["language"] == "fr"
    expect(page.locator("#privet-settings")).to_have_text(french["settings"])


def test_each_choice_is_a_receipt(live_server: LiveServer, page: Page) -> None:
    page.goto(_shop(live_server))
    notice = _notice(page, live_server)
    banner = page.locator("#privet-banner")
    banner.locator('[data-action="customise"]').click()
    banner.locator('input[name="privet-category"][value="analytics"]').check()
    _choose(page, "save")
    stored = _stored(page.context)
    assert re.fullmatch(r"d-[0-9a-f]{24}", stored["id"])
    assert stored["v"] == notice["version"]

    expected = {key: key == "analytics" for key in _optional(notice)}
    assert stored["c"] == expected
    [receipt] = _receipts(live_server, stored["id"])
    assert receipt.action == "custom" and receipt.source == "banner"
    assert receipt.gpc is False
    assert receipt.notice_version == notice["version"]
    assert receipt.notice_hash == notice["text_hash"]
    assert {key: receipt.categories[key] for key in expected} == expected


def test_google_consent_mode_signals(live_server: LiveServer, page: Page) -> None:
    page.goto(_shop(live_server))
    expect(page.locator("#privet-banner")).to_be_visible()
    _choose(page, "reject_all")
    banner = page.locator("#privet-banner")
    page.locator("#privet-settings").click()
    banner.locator('[data-action="customise"]').click()
    banner.locator('input[name="privet-category"][value="analytics"]').check()
    _choose(page, "save")
    commands = page.evaluate("""() => window.dataLayer.map(entry => [
        Object.prototype.toString.call(entry), Array.from(entry)])""")
    assert all(kind == "[object Arguments]" for kind, _ in commands)  # as gtag.js pushes
    calls = [args for _, args in commands]
    assert calls[0][:2] == ["consent", "default"]
    assert calls[0][2]["ad_storage"] == "denied" and calls[0][2]["wait_for_update"] == 500
    assert calls[0][2]["security_storage"] == "granted"
    assert calls[-1][:2] == ["consent", "update"]
    assert calls[-1][2]["analytics_storage"] == "granted"
    assert calls[-1][2]["ad_storage"] == "denied"
    assert calls[-1][2]["ad_user_data"] == "denied"
