"""Safe actions and kept text in a real Chromium: a double click answers one step, a stale tab answers
nothing, a session that ends under a typed note loses nothing, a too-long note comes back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.web.conftest import PASSWORD, Desk

pytestmark = pytest.mark.browser


def _answered(desk: Desk, incident: int) -> list[str]:
    return [e["node"] for e in desk.api("GET", f"/incidents/{incident}").json()["events"] if e["kind"] == "answered"]


def test_a_double_click_on_an_answer_answers_only_that_step(served: tuple[Desk, str],
                                                            operator: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    desk, _ = served
    incident = desk.open("ana")["id"]
    ana = operator("ana")
    ana.goto(f"/incidents/{incident}")
    ana.dblclick("button:has-text('Requirements are met')")
    expect(ana.locator("#step .step-id")).to_have_text("intake.client_error_message")
    ana.wait_for_load_state("networkidle")
    # the page's answer buttons take clicks once armed (a double click's second click is ignored before):
    # wait for that state instead of racing its timer
    ana.locator("html.armed").wait_for(state="attached")
    # Two clicks 150 ms apart at the same place: the second lands where "User offline" (a hand-off) will be.
    box = ana.locator("button:has-text('A licence problem')").bounding_box()
    ana.mouse.click(box["x"] + 5, box["y"] + 5)
    ana.wait_for_timeout(150)
    ana.mouse.click(box["x"] + 5, box["y"] + 5)
    expect(ana.locator(".confirm")).to_contain_text("This hands the incident off")
    ana.wait_for_load_state("networkidle")
    assert _answered(desk, incident) == ["intake.operational_requirements"]
    view = desk.api("GET", f"/incidents/{incident}").json()
    assert view["current"] == "intake.client_error_message" and view["status"] == "open"


def test_a_stale_tab_answers_nothing_and_keeps_the_note(served: tuple[Desk, str],
                                                        operator: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    desk, _ = served
    incident = desk.open("ana")["id"]
    first = operator("ana")
    second = first.context.new_page()
    first.goto(f"/incidents/{incident}")
    second.goto(f"/incidents/{incident}")
    first.click("button:has-text('Requirements are met')")
    expect(first.locator("#step .step-id")).to_have_text("intake.client_error_message")
    second.fill("form.answer textarea[name=note]", "the user reads the version\nfrom the About screen")
    second.click("button:has-text('A requirement is violated')")
    expect(second.locator(".kept")).to_contain_text("already answered by ana")
    expect(second.locator(".kept-text")).to_have_value("the user reads the version\nfrom the About screen")
    expect(second.locator("#step .step-id")).to_have_text("intake.client_error_message")
    assert _answered(desk, incident) == ["intake.operational_requirements"]


def test_a_note_typed_when_the_session_ends_is_sent_after_logging_in_again(
        served: tuple[Desk, str], operator: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    desk, _ = served
    incident = desk.open("ana")["id"]
    ana = operator("ana")
    ana.goto(f"/incidents/{incident}")
    note = "Called the user at 9:10.\nThe app shows 'registered'.\n\nWill call back at 11."
    ana.fill("#actions textarea[name=text]", note)
    ana.context.clear_cookies(name="ct_session")  # the session ends while the operator types
    ana.click("#actions button:has-text('Add note')")
    expect(ana.locator("h1")).to_have_text("Log in")
    expect(ana.locator(".error")).to_contain_text("session ended")
    expect(ana.locator(".kept-text")).to_have_value(note)
    ana.fill("input[name=name]", "ana")
    ana.fill("input[name=password]", PASSWORD)
    ana.click("button:has-text('Log in')")
    expect(ana.locator("h1")).to_have_text("Send what you typed?")
    expect(ana.locator("textarea[name=text]")).to_have_value(note)
    ana.click("button:has-text('Send it now')")
    expect(ana.locator(".flash")).to_contain_text("Note added")
    expect(ana.locator(".timeline .note-text").last).to_have_text(note)
    notes = [e["note"] for e in desk.api("GET", f"/incidents/{incident}").json()["events"] if e["kind"] == "note"]
    assert notes == [note]


def test_a_too_long_note_comes_back_with_its_text_and_a_long_word_wraps(
        served: tuple[Desk, str], operator: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    desk, _ = served
    incident = desk.open("ana")["id"]
    ana = operator("ana", width=390, height=844)
    ana.goto(f"/incidents/{incident}")
    long = "word " * 2001
    ana.eval_on_selector("#actions textarea[name=text]", "(el, v) => { el.value = v; }", long)
    ana.click("#actions button:has-text('Add note')")
    expect(ana.locator(".kept")).to_contain_text("keep it under 10000")
    assert ana.locator(".kept-text").input_value() == long
    word = "x" * 3000
    ana.fill("#actions textarea[name=text]", word)
    ana.click("#actions button:has-text('Add note')")
    expect(ana.locator(".flash")).to_contain_text("Note added")
    assert ana.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_override_shows_the_level_change_and_strikes_the_abandoned_branch(
        served: tuple[Desk, str], operator: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    from tests.web.conftest import TO_L2

    desk, _ = served
    incident = desk.open("ana")["id"]
    desk.walk(incident, *TO_L2)
    ana = operator("ana")
    ana.goto(f"/incidents/{incident}")
    expect(ana.locator("form[action$='/override']")).to_have_count(0)  # L2 owns it: no override for L1
    ben = operator("ben")
    ben.goto(f"/incidents/{incident}")
    ben.select_option("form[action$='/override'] select", "l1.test_call::failed")
    ben.fill("form[action$='/override'] textarea[name=reason]", "the user says the test call dropped")
    ben.click("form[action$='/override'] button")
    expect(ben.locator(".flash")).to_contain_text("Overrode l1.test_call")
    expect(ben.locator(".timeline .ev.level-changed")).to_contain_text("L2 → L1")
    expect(ben.locator(".timeline .superseded").first).to_contain_text("superseded by an override")
    assert ben.locator(".timeline .superseded").count() >= 3
    view = desk.api("GET", f"/incidents/{incident}").json()
    assert (view["level"], view["current"]) == (1, "l1.client_config")


def test_the_whole_graph_opens_readable_and_zooms(served: tuple[Desk, str], operator: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    desk, _ = served
    incident = desk.open("ana")["id"]
    ana = operator("ana")
    ana.goto(f"/incidents/{incident}")
    expect(ana.locator(".near li.now")).to_contain_text("violation of the service")
    ana.click("summary:has-text('Whole playbook')")
    svg = ana.locator(".graph-box svg")
    expect(svg).to_be_visible()
    text_height = ana.evaluate("document.querySelector('.graph-box svg text').getBoundingClientRect().height")
    assert text_height >= 10, f"graph labels are {text_height} px tall"
    before = svg.bounding_box()["width"]
    ana.click("button:has-text('Zoom in')")
    ana.wait_for_function(f"document.querySelector('.graph-box svg').getBoundingClientRect().width > {before}")
    assert ana.evaluate("document.documentElement.scrollWidth") <= 1366
