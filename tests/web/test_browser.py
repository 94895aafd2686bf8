"""A real Chromium (Debian's, driven by Playwright) takes an incident from L1 through L2 to L3 and closes it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support import require
from tests.web.conftest import PASSWORD, Desk, make_desk
from tests.web.server import running

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture
def served(sqlite_db_url: str) -> Iterator[tuple[Desk, str]]:
    desk, services = make_desk(sqlite_db_url)
    try:
        with running(desk.app) as url:
            yield desk, url
    finally:
        services.close()


@pytest.fixture
def chromium() -> Iterator[object]:
    require(os.access(CHROMIUM, os.X_OK), f"Debian chromium at {CHROMIUM} (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def test_three_operators_take_an_incident_from_l1_through_l2_to_l3_and_close_it(
        served: tuple[Desk, str], chromium: object) -> None:
    from playwright.sync_api import Browser, Page, expect

    desk, url = served
    assert isinstance(chromium, Browser)

    def operator(name: str) -> Page:
        page = chromium.new_context(base_url=url).new_page()
        page.goto("/queue/open")  # not logged in: the desk sends us to the login form
        expect(page).to_have_url(f"{url}/login?next=/queue/open")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator(".who")).to_contain_text(name)
        return page

    def step(page: Page) -> object:
        return expect(page.locator("#step h2 code"))

    # ana (L1) opens the incident and answers every L1 step with the number keys.
    ana = operator("ana")
    ana.click("text=New incident")
    ana.fill("input[name=caller]", "alice")
    ana.fill("input[name=callee]", "bob")
    ana.fill("textarea[name=summary]", "Alice cannot call Bob since this morning")
    ana.click("button:has-text('Open incident')")
    expect(ana.locator(".flash")).to_contain_text("Opened incident")
    incident_url = ana.url
    for key, next_node in (("2", "intake.client_error_message"), ("5", "l1.connection_status"),
                           ("1", "l1.force_reconnection"), ("2", "l1.test_call"), ("2", "l1.call_other_party"),
                           ("2", "l1.other_party_registered")):
        ana.keyboard.press(key)
        step(ana).to_have_text(next_node)  # type: ignore[attr-defined]
    ana.keyboard.press("2")  # the other party is registered: escalate to L2
    expect(ana.locator(".notice")).to_contain_text("This step is for level 2")
    expect(ana.locator(".graph-box svg")).to_be_visible()

    # ben (L2) finds it among the new escalations, opens it with j + Enter, and answers with clicks.
    ben = operator("ben")
    ben.goto("/queue/escalated")
    expect(ben.locator("table.incidents tbody tr")).to_have_count(1)
    ben.keyboard.press("j")
    ben.keyboard.press("Enter")
    expect(ben).to_have_url(incident_url)
    step(ben).to_have_text("l2.remote_party")  # type: ignore[attr-defined]
    ben.click("button:has-text('no-conflict')")
    step(ben).to_have_text("l2.client_logs")  # type: ignore[attr-defined]
    ben.fill("textarea[name=note]", "client log attached to the ticket")
    ben.click("button:has-text('collected')")
    expect(ben.locator(".notice")).to_contain_text("This step is for level 3")

    # cy (L3) confirms the client bug, which closes the incident.
    cy = operator("cy")
    cy.keyboard.press("/")
    expect(cy.locator("#search")).to_be_focused()
    cy.goto("/queue/escalated")
    cy.click("table.incidents tbody tr >> nth=0")
    step(cy).to_have_text("l3.client_bug")  # type: ignore[attr-defined]
    cy.click("button:has-text('bug-confirmed')")
    expect(cy.locator(".verdict")).to_contain_text("client-bug")

    view = desk.api("GET", incident_url.removeprefix(url)).json()
    assert view["status"] == "closed" and view["resolution"] == "client-bug"
    assert {e["actor"] for e in view["events"] if e["kind"] == "answered"} == {"ana", "ben", "cy"}
    assert [e["data"]["to_level"] for e in view["events"] if e["kind"] == "escalated"] == [2, 3]
