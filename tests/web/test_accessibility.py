"""The main desk pages pass axe-core (labels, contrast, landmarks, ARIA) in a real Chromium, and the
keyboard reaches the content first (skip link) in reading order. axe-core comes from the npm registry,
installed by `make` into tests/a11y (pinned by its package-lock.json)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.services.incidents import Actor
from tests.support import require
from tests.web.conftest import TO_L2, Desk

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[1] / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]]


def test_the_main_pages_have_no_accessibility_violations(served: tuple[Desk, str],
                                                         operator: Callable[..., Any]) -> None:
    require(AXE.exists(), f"axe-core at {AXE} (run `make a11y-deps`)")
    desk, url = served
    incident = desk.open("ana")["id"]
    desk.walk(incident, ("ana", "met"), ("ana", "none"))
    desk.services.incidents.record_probe(incident, "l1.connection_status", ProbeResult(
        "registrar.registration", ProbeStatus.FAIL, "alice is not registered", {"contacts": 0, "code": 404}),
        actor=Actor("calltriage"))
    escalated = desk.open("ana", caller="carol")["id"]
    desk.walk(escalated, *TO_L2)
    ana = operator("ana", bypass_csp=True)  # axe is injected as a script tag; the desk's CSP allows none
    found = {}
    for path in ("/queue/mine", f"/incidents/{incident}", f"/incidents/{escalated}", "/incidents/new",
                 "/reports", "/search?q=alice"):
        ana.goto(path)
        found[path] = _violations(ana)
    login = ana.context.browser.new_context(base_url=url, bypass_csp=True).new_page()
    login.goto("/login")
    found["/login"] = _violations(login)
    assert {p: v for p, v in found.items() if v} == {}


def test_the_keyboard_reaches_the_skip_link_first_and_then_the_menu_in_order(
        served: tuple[Desk, str], operator: Callable[..., Any]) -> None:
    from playwright.sync_api import expect

    desk, _ = served
    incident = desk.open("ana")["id"]
    ana = operator("ana")
    ana.goto(f"/incidents/{incident}")
    ana.keyboard.press("Tab")
    expect(ana.locator(".skip")).to_be_focused()
    ana.keyboard.press("Enter")
    order = []
    for _ in range(3):
        ana.keyboard.press("Tab")
        order.append(ana.evaluate("document.activeElement.textContent.trim() || document.activeElement.name"))
    assert order[0] != "calltriage"  # the skip link jumped past the header
    ana.goto(f"/incidents/{incident}")
    ana.keyboard.press("Tab")
    ana.keyboard.press("Tab")
    ana.keyboard.press("Tab")
    expect(ana.locator("nav[aria-label=Main] a").first).to_be_focused()
