"""Client logs and the dossier in a real Chromium; the desk at 390, 1366 and 1920 px (screenshots kept in
``$CALLTRIAGE_SHOTS`` when set) without the page scrolling sideways."""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.services.incidents import Actor
from tests.records.cast import PLANTED_PASSWORDS, planted_log
from tests.web.conftest import TO_L2, Desk

pytestmark = pytest.mark.browser


def test_a_client_log_is_uploaded_with_its_causes_shown_and_a_bad_file_is_refused_whole(
        served: tuple[Desk, str], operator: Callable[..., Any], tmp_path: Path) -> None:
    from playwright.sync_api import expect

    desk, _ = served
    incident = desk.open("ana")["id"]
    desk.walk(incident, *TO_L2, ("ben", "no-conflict"))
    ben = operator("ben")
    ben.goto(f"/incidents/{incident}")
    binary = tmp_path / "photo.log"
    binary.write_bytes(bytes(range(256)) * 40)
    ben.set_input_files("input[name=log]", str(binary))
    ben.click("button:has-text('Upload')")
    expect(ben.locator(".kept")).to_contain_text("photo.log")
    assert desk.api("GET", f"/incidents/{incident}").json()["events"][-1]["kind"] != "attached"

    log = tmp_path / "alice.log.gz"
    log.write_bytes(gzip.compress(planted_log()))
    ben.set_input_files("input[name=log]", str(log))
    ben.click("button:has-text('Upload')")
    expect(ben.locator(".flash")).to_contain_text("Attached alice.log.gz")
    expect(ben.locator("#logs .causes li").first).to_be_visible()
    expect(ben.locator("#logs .causes pre.loglines").first).to_be_visible()
    page = ben.content()
    assert "\\u0027" not in page
    for secret in PLANTED_PASSWORDS:
        assert secret not in page

    markdown = ben.request.get(f"/incidents/{incident}/dossier?format=md&download=true")
    assert markdown.ok and "attachment; filename=\"incident-" in markdown.headers["content-disposition"]
    assert "alice" in markdown.text()
    hidden = ben.request.get(f"/incidents/{incident}/dossier?format=json&pseudonymise=true&download=true").text()
    assert "alice" not in hidden and "user-1" in hidden
    with ben.context.expect_page() as opened:
        ben.click("#logs a:has-text('view') >> nth=0")
    dossier = opened.value
    dossier.wait_for_load_state()
    assert "alice" in dossier.content()


def _stage(desk: Desk) -> int:
    """An incident with readable evidence: a finding, a SIP answer, and a probe that could not tell."""
    incident = desk.open("ana", caller="alice", callee="bob")["id"]
    desk.walk(incident, ("ana", "met"), ("ana", "none"))
    probe = Actor("calltriage")
    desk.services.incidents.record_probe(incident, "l1.connection_status", ProbeResult(
        "registrar.registration", ProbeStatus.ERROR, "the accounts database did not answer within 5 s"), actor=probe)
    desk.services.incidents.record_probe(incident, "l1.connection_status", ProbeResult(
        "registrar.registration", ProbeStatus.FAIL, "alice is not registered",
        {"aor": "alice@lab.test", "contacts": 0, "last_register": "2026-11-30T09:12:00Z",
         "attempts": [{"at": "2026-11-30T09:12:00Z", "code": 401, "source": "203.0.113.7:5061"},
                      {"at": "2026-11-30T09:12:01Z", "code": 403, "source": "203.0.113.7:5061"}]}), actor=probe)
    desk.services.incidents.add_note(incident, "A long word: " + "y" * 400 + "\nand a second line",
                                     actor=Actor("ana", 1))
    return incident


@pytest.mark.parametrize("width", [390, 1366, 1920])
def test_the_desk_fits_the_screen_at_390_1366_and_1920_px(served: tuple[Desk, str], operator: Callable[..., Any],
                                                          width: int) -> None:
    from playwright.sync_api import expect

    desk, _ = served
    for n in range(6):
        desk.open("ana", caller=f"caller-with-a-rather-long-name-{n}", callee="+15550001")
    incident = _stage(desk)
    ana = operator("ana", width=width, height=900)
    shots = os.environ.get("CALLTRIAGE_SHOTS")
    for path in ("/queue/mine", f"/incidents/{incident}", "/reports", "/incidents/new"):
        ana.goto(path)
        overflow = ana.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} at {width} px scrolls sideways by {overflow} px"
        if shots:
            name = path.strip("/").replace("/", "-") or "home"
            ana.screenshot(path=str(Path(shots) / f"{name}-{width}.png"), full_page=True)
    ana.goto(f"/incidents/{incident}")
    expect(ana.locator("#evidence .tone.unknown").first).to_have_text("The probe could not tell")
    expect(ana.locator("#evidence .tone.bad").first).to_have_text("Problem found")
    expect(ana.locator("#evidence").first).to_contain_text("401 Unauthorized")
    if width == 390:
        expect(ana.locator("#menu")).to_be_hidden()
        ana.click(".menu-toggle")
        expect(ana.locator("#menu")).to_be_visible()
        expect(ana.locator("#menu a:has-text('Reports')")).to_be_visible()
