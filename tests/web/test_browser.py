"""A real Chromium (Debian's, driven by Playwright): three operators take an incident from L1 through L2
to L3 with take / assign, confirmations and the number keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, Desk

pytestmark = pytest.mark.browser


def test_three_operators_take_assign_and_walk_an_incident_from_l1_through_l2_to_l3(
        served: tuple[Desk, str], operator: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    desk, url = served
    desk.operators.add("bea", "L2", PASSWORD)

    def step(page: Any) -> Any:
        return expect(page.locator("#step .step-id"))

    # ana (L1) opens the incident (it is hers) and answers every L1 step with the number keys.
    ana = operator("ana")
    ana.click("text=New incident")
    ana.fill("input[name=caller]", "alice")
    ana.fill("input[name=callee]", "bob")
    ana.fill("textarea[name=summary]", "Alice cannot call Bob since this morning")
    ana.click("button:has-text('Open incident')")
    expect(ana.locator(".flash")).to_contain_text("Opened incident")
    expect(ana.locator(".owner .assignee")).to_have_text("ana")
    incident_url = ana.url
    for key, next_node in (("2", "intake.client_error_message"), ("5", "l1.connection_status"),
                           ("1", "l1.force_reconnection"), ("2", "l1.test_call"), ("2", "l1.call_other_party"),
                           ("2", "l1.other_party_registered")):
        ana.keyboard.press(key)
        step(ana).to_have_text(next_node)
    ana.keyboard.press("2")  # the other party is registered: this escalates, so the desk asks first
    expect(ana.locator(".confirm")).to_contain_text("This escalates the incident to level 2")
    ana.click(".confirm button:has-text('Yes')")
    expect(ana.locator(".notice")).to_contain_text("This step is for level 2")
    expect(ana.locator(".owner .assignee")).to_contain_text("nobody")
    ana.goto("/queue/mine")
    expect(ana.locator("text=Nothing here.")).to_be_visible()

    # ben (L2) finds it among the new escalations, takes it, then assigns it to bea.
    ben = operator("ben")
    ben.goto("/queue/escalated")
    expect(ben.locator("table.incidents tbody tr")).to_have_count(1)
    ben.keyboard.press("j")
    ben.keyboard.press("Enter")
    expect(ben).to_have_url(incident_url)
    ben.click("button:has-text('Take it')")
    expect(ben.locator(".owner .assignee")).to_have_text("ben")
    ben.goto("/queue/escalated")
    expect(ben.locator("text=Nothing here.")).to_be_visible()
    ben.goto("/queue/mine")
    expect(ben.locator("table.incidents tbody tr")).to_have_count(1)
    ben.goto(incident_url)
    ben.select_option("select[name=operator]", "bea")
    ben.click("button:has-text('Assign')")
    expect(ben.locator(".owner .assignee")).to_have_text("bea")

    bea = operator("bea")
    bea.goto("/queue/mine")
    bea.click("table.incidents tbody tr >> nth=0")
    step(bea).to_have_text("l2.remote_party")
    bea.click("button:has-text('No conflict')")
    step(bea).to_have_text("l2.client_logs")
    bea.fill("form.answer textarea[name=note]", "client log attached to the ticket")
    bea.click("button:has-text('Logs collected')")
    bea.click(".confirm button:has-text('Yes')")
    expect(bea.locator(".notice")).to_contain_text("This step is for level 3")

    # cy (L3) confirms the client bug, which closes the incident (after the confirmation).
    cy = operator("cy")
    cy.keyboard.press("/")
    expect(cy.locator("#search")).to_be_focused()
    cy.goto("/queue/escalated")
    cy.click("table.incidents tbody tr >> nth=0")
    step(cy).to_have_text("l3.client_bug")
    cy.click("button:has-text('Bug confirmed')")
    cy.click(".confirm button:has-text('Yes')")
    expect(cy.locator(".verdict")).to_contain_text("client-bug")

    view = desk.api("GET", incident_url.removeprefix(url)).json()
    assert view["status"] == "closed" and view["resolution"] == "client-bug"
    assert {e["actor"] for e in view["events"] if e["kind"] == "answered"} == {"ana", "bea", "cy"}
    assert [e["data"]["to_level"] for e in view["events"] if e["kind"] == "escalated"] == [2, 3]
    owners = [(e["actor"], e["data"]["action"], e["data"]["to"]) for e in view["events"] if e["kind"] == "assigned"]
    assert ("ben", "take", "ben") in owners and ("ben", "assign", "bea") in owners
