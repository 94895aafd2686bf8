"""The desk's pages and forms, through a browser-like client (cookies, CSRF tokens, redirects)."""

from __future__ import annotations

import re

from calltriage.domain.model import ProbeResult, ProbeStatus
from calltriage.services.incidents import Actor
from calltriage.web.graph import GraphCache
from tests.web.conftest import TO_L2, Desk, csrf_of, login


def post_form(browser, page_url: str, action: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    page = browser.get(page_url)
    return browser.post(action, data={"csrf": csrf_of(page.text), **data})


def test_logging_in_lands_on_my_queue_with_the_owner_and_step_title(desk: Desk) -> None:
    incident = desk.open()
    browser = login(desk, "ana")
    page = browser.get("/")
    assert page.url.path == "/queue/mine"
    assert "violation of the service" in page.text and 'data-label="Owner" class="owner-cell">ana<' in page.text
    assert f'href="/incidents/{incident["id"]}"' in page.text
    assert "ana · L1" in page.text


def test_an_incident_escalated_to_l2_appears_in_l2s_escalated_queue_not_in_l1s(desk: Desk) -> None:
    incident = desk.open()
    desk.walk(incident["id"], *TO_L2)
    assert f'/incidents/{incident["id"]}"' in login(desk, "ben").get("/queue/escalated").text
    assert f'/incidents/{incident["id"]}"' not in login(desk, "ana").get("/queue/open").text


def test_the_incident_page_shows_parties_step_help_probe_evidence_timeline_and_graph(desk: Desk) -> None:
    incident = desk.open(caller="alice", callee="bob")
    desk.walk(incident["id"], ("ana", "met"), ("ana", "none"))
    result = ProbeResult("registrar.registration", ProbeStatus.OK, "alice is registered with 1 contact",
                         {"contacts": 1, "user_agent": "PrivateGSM 5.2"}, 0.01)
    desk.services.incidents.record_probe(incident["id"], "l1.connection_status", result, actor=Actor("probe"))
    text = login(desk, "ana").get(f"/incidents/{incident['id']}").text
    for expected in ("alice", "bob", "l1.force_reconnection", "Force Manual Reconnection", "Help",
                     "registrar.registration", "alice is registered with 1 contact", "PrivateGSM 5.2",
                     "Looks fine", "User agent", "Raw JSON", "Timeline", "<svg", 'data-key="1"', "Owner: "):
        assert expected in text, expected


def test_without_graphviz_the_path_is_a_plain_list(desk: Desk) -> None:
    desk.app.state.ct.graphs = GraphCache(dot="")
    incident = desk.open()
    text = login(desk, "ana").get(f"/incidents/{incident['id']}").text
    assert '<ol class="path">' in text and "<svg class=\"graph\"" not in text


def test_answering_through_the_form_moves_the_incident_on(desk: Desk) -> None:
    incident = desk.open()
    url = f"/incidents/{incident['id']}"
    response = post_form(login(desk, "ana"), url, f"{url}/answer",
                         {"outcome": "met", "node": "intake.operational_requirements", "note": "fine\nsecond line"})
    assert response.url.path == url
    assert "Answered: met" in response.text and "fine\nsecond line</div>" in response.text
    assert desk.api("GET", url).json()["current"] == "intake.client_error_message"


def test_a_stale_form_shows_already_answered_by_and_reloads(desk: Desk) -> None:
    incident = desk.open()
    url = f"/incidents/{incident['id']}"
    browser = login(desk, "ana")
    page = browser.get(url)
    desk.walk(incident["id"], ("admin", "met"))  # someone else was faster
    response = browser.post(f"{url}/answer", data={"csrf": csrf_of(page.text), "outcome": "violated",
                                                   "node": "intake.operational_requirements",
                                                   "revision": str(incident["revision"])})
    assert response.status_code == 409 and response.url.path == f"{url}/answer"
    assert "already answered by admin" in response.text
    assert desk.api("GET", url).json()["status"] == "open"


def test_an_answer_that_closes_asks_for_confirmation_and_keeps_the_note(desk: Desk) -> None:
    incident = desk.open()
    url = f"/incidents/{incident['id']}"
    browser = login(desk, "ana")
    data = {"outcome": "violated", "node": "intake.operational_requirements", "note": "app 2.1",
            "revision": str(incident["revision"])}
    asked = post_form(browser, url, f"{url}/answer", data)
    assert "This closes the incident as operational-requirements-violation" in asked.text and "app 2.1" in asked.text
    assert desk.api("GET", url).json()["status"] == "open"
    done = browser.post(f"{url}/answer", data={"csrf": csrf_of(asked.text), **data, "confirm": "yes"})
    assert "Closed: operational-requirements-violation" in done.text


def test_a_too_long_note_comes_back_with_the_text_kept(desk: Desk) -> None:
    incident = desk.open()
    url = f"/incidents/{incident['id']}"
    text = "x" * 10_001
    response = post_form(login(desk, "ana"), url, f"{url}/note", {"text": text})
    assert response.status_code == 422 and "keep it under 10000" in response.text and text in response.text


def test_an_operator_sees_another_levels_step_read_only(desk: Desk) -> None:
    incident = desk.open()
    desk.walk(incident["id"], *TO_L2)
    text = login(desk, "ana").get(f"/incidents/{incident['id']}").text
    assert "This step is for level 2" in text and 'name="outcome"' not in text
    assert 'name="outcome"' in login(desk, "ben").get(f"/incidents/{incident['id']}").text


def test_the_open_form_creates_an_incident(desk: Desk) -> None:
    browser = login(desk, "ana")
    response = post_form(browser, "/incidents/new", "/incidents",
                         {"caller": "carol", "callee": "dave", "summary": "no calls since Monday"})
    assert re.fullmatch(r"/incidents/\d+", response.url.path)
    assert "carol" in response.text and "Opened incident" in response.text


def test_the_open_form_keeps_the_input_and_explains_an_error(desk: Desk) -> None:
    response = post_form(login(desk, "ana"), "/incidents/new", "/incidents",
                         {"caller": "carol", "callee": "dave", "playbook": "no-such-playbook"})
    assert response.status_code == 404 and "no playbook" in response.text and 'value="carol"' in response.text


def test_escalate_note_override_and_close_forms(desk: Desk) -> None:
    incident = desk.open()
    iid = incident["id"]
    url = f"/incidents/{iid}"
    desk.walk(iid, ("ana", "met"))
    ana = login(desk, "ana")
    assert "Note added" in post_form(ana, url, f"{url}/note", {"text": "called back"}).text
    text = post_form(ana, url, f"{url}/override",
                     {"choice": "intake.operational_requirements::met", "reason": "checked twice"}).text
    assert "Overrode intake.operational_requirements" in text
    page = ana.get(url).text
    assert "Escalated from L1: alice cannot call bob." in page  # the note is pre-filled from the evidence
    unconfirmed = post_form(ana, url, f"{url}/escalate", {"request": "server-status-check", "note": "see above"})
    assert unconfirmed.status_code == 422 and "tick the confirmation" in unconfirmed.text
    assert "Now at L2" in post_form(ana, url, f"{url}/escalate",
                                    {"request": "server-status-check", "note": "see above", "confirm": "yes"}).text
    ben = login(desk, "ben")
    assert '<option value="">Choose a resolution…</option>' in ben.get(url).text  # nothing preselected
    closed = post_form(ben, url, f"{url}/close", {"resolution": "server-fault", "note": "disk", "confirm": "yes"})
    assert "Closed: server-fault" in closed.text
    kinds = [e["kind"] for e in desk.api("GET", url).json()["events"]]
    assert kinds[-4:] == ["note", "overridden", "escalated", "closed"]


def test_search_filters_by_text_status_and_level(desk: Desk) -> None:
    first = desk.open(caller="zelda")["id"]
    second = desk.open(caller="yuri")["id"]
    browser = login(desk, "ana")
    text = browser.get("/search", params={"q": "zeld"}).text
    assert f'/incidents/{first}"' in text and f'/incidents/{second}"' not in text
    assert f'/incidents/{first}"' not in browser.get("/search", params={"status": "closed"}).text


def test_the_reports_page_draws_svg_charts(desk: Desk) -> None:
    incident = desk.open()
    desk.walk(incident["id"], *TO_L2, ("ben", "conflict-found"))
    text = login(desk, "ana").get("/reports").text
    assert text.count('<svg class="chart"') >= 5 and "remote-party-conflict" in text
    assert "Against the seed" in text and "Escalations per level" in text and "Median time per level" in text


def test_pages_work_without_javascript_and_load_the_keyboard_script(desk: Desk) -> None:
    page = login(desk, "ana").get("/queue/open")
    assert '<script src="/static/desk.js"></script>' in page.text
    script = desk.client.get("/static/desk.js")
    assert script.status_code == 200 and "keydown" in script.text
    assert desk.client.get("/static/desk.css").status_code == 200
