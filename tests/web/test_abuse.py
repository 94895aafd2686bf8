"""Abuse limits: body sizes, login throttling and lockouts, bounded argon2 work, sessions that end
on the server, the password policy and API tokens that expire."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from calltriage.errors import InvalidAnswer, TooManyRequests, Unauthorized
from calltriage.services.operators import OperatorService
from calltriage.services.passwords import HashGate, check_password
from calltriage.web.limits import DEFAULT_BYTES, LOGIN_BYTES
from tests.web.conftest import FAST_HASHER, PASSWORD, Desk, csrf_of, login


def try_login(client: TestClient, name: str, password: str) -> object:
    page = client.get("/login")
    return client.post("/login", data={"name": name, "password": password, "csrf": csrf_of(page.text)},
                       follow_redirects=False)


# -- request bodies -----------------------------------------------------------------------------

def test_a_declared_oversized_body_is_refused_unread_with_one_line(desk: Desk) -> None:
    body = b"x" * (DEFAULT_BYTES + 1)
    response = desk.client.post("/api/v1/incidents", content=body,
                                headers={**desk.auth("ana"), "Content-Type": "application/json"})
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "too-large" and "256 KiB limit of /api/v1/incidents" in error["message"]
    assert desk.api("GET", "/incidents").json()["total"] == 0


def test_a_chunked_body_is_cut_off_at_the_limit(desk: Desk) -> None:
    sent = []

    def chunks() -> Iterator[bytes]:
        for _ in range(1000):  # 64 MiB if it were all read
            sent.append(1)
            yield b"x" * 65536

    response = desk.client.post("/api/v1/incidents", content=chunks(),
                                headers={**desk.auth("ana"), "Content-Type": "application/json"})
    assert response.status_code == 413
    assert desk.api("GET", "/incidents").json()["total"] == 0


def test_the_login_form_has_a_small_limit_of_its_own(desk: Desk) -> None:
    response = desk.client.post("/login", content=b"name=ana&password=" + b"x" * LOGIN_BYTES,
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert response.text.count("\n") == 1 and "8 KiB limit of /login" in response.text


# -- login throttling ---------------------------------------------------------------------------

def test_an_account_is_locked_after_five_wrong_passwords_and_the_lockout_is_audited(
        desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="calltriage.audit")
    browser = TestClient(desk.app, base_url="http://testserver")
    for _ in range(5):
        assert try_login(browser, "ana", "wrong horse battery").status_code == 401  # type: ignore[attr-defined]
    refused = try_login(browser, "ana", PASSWORD)  # even the right password: guessing must stop
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert 800 <= int(refused.headers["Retry-After"]) <= 900  # type: ignore[attr-defined]
    assert "too many failed logins for operator &#39;ana&#39;" in refused.text  # type: ignore[attr-defined]
    assert [r.getMessage() for r in caplog.records if "lockout" in r.getMessage()] == [
        caplog.records[-1].getMessage()]
    assert "operator ana after 5 failed logins" in caplog.records[-1].getMessage()
    assert try_login(browser, "ben", PASSWORD).status_code == 303  # type: ignore[attr-defined]
    assert "ana" in login(desk, "admin").get("/admin").text.split("Login lockouts", 1)[1]


def test_an_address_trying_many_names_is_throttled(desk: Desk) -> None:
    browser = TestClient(desk.app, base_url="http://testserver")
    codes = [try_login(browser, f"user{i}", "wrong horse battery").status_code  # type: ignore[attr-defined]
             for i in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429
    assert try_login(browser, "ben", PASSWORD).status_code == 429  # type: ignore[attr-defined]


def test_two_serve_processes_on_one_database_count_the_same_failures(db_url: str) -> None:
    """Behind a reverse proxy N desks share the database: N processes must not give N times the tries."""
    from tests.web.conftest import make_desk

    first, first_services = make_desk(db_url, workers=0)
    second, second_services = make_desk(db_url, workers=0)  # the cast already exists: the same operators
    try:
        one = TestClient(first.app, base_url="http://testserver")
        other = TestClient(second.app, base_url="http://testserver")
        codes = [try_login(one if i % 2 else other, "ana", "wrong horse battery").status_code  # type: ignore[attr-defined]
                 for i in range(5)]
        assert codes == [401] * 5
        for browser in (one, other):
            refused = try_login(browser, "ana", PASSWORD)
            assert refused.status_code == 429  # type: ignore[attr-defined]
            assert 800 <= int(refused.headers["Retry-After"]) <= 900  # type: ignore[attr-defined]
        listed = login(second, "admin").get("/admin").text.split("Login lockouts", 1)[1]
        assert "ana" in listed
    finally:
        first_services.close()
        second_services.close()


def test_a_lockout_is_audited_once_when_failures_race(db_url: str, caplog: pytest.LogCaptureFixture) -> None:
    from calltriage.services.login_throttle import LoginThrottle
    from calltriage.store import Store

    caplog.set_level(logging.WARNING, logger="calltriage.audit")
    store = Store(db_url)
    throttles = [LoginThrottle(store, per_account=5, per_address=1000) for _ in range(2)]
    start = threading.Barrier(8)

    def fail(i: int) -> None:
        start.wait(60)
        throttles[i % 2].failed("ben", f"198.51.100.{i}")

    threads = [threading.Thread(target=fail, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    lockouts = [r.getMessage() for r in caplog.records if "login lockout: operator ben" in r.getMessage()]
    assert len(lockouts) == 1, lockouts
    with pytest.raises(TooManyRequests, match="operator 'ben'"):
        throttles[1].check("ben", "203.0.113.9")
    assert [(lo.kind, lo.who) for lo in throttles[0].recent()] == [("operator", "ben")]
    store.dispose()


def test_a_lockout_ends_and_the_name_may_try_again(sqlite_db_url: str) -> None:
    from sqlalchemy import func, select

    from calltriage.services.login_throttle import LoginThrottle
    from calltriage.store import Store
    from calltriage.store.auth_models import LoginFailure

    now = [1_800_000_000.0]
    store = Store(sqlite_db_url)
    throttle = LoginThrottle(store, per_account=2, per_address=1000, window=60, lockout=120, clock=lambda: now[0],
                             prune_every=0)
    throttle.failed("cy", "192.0.2.1")
    throttle.failed("cy", "192.0.2.1")
    with pytest.raises(TooManyRequests) as refused:
        throttle.check("cy", "192.0.2.1")
    assert refused.value.retry_after == 120
    now[0] += 121
    throttle.check("cy", "192.0.2.1")  # the lockout ended; its failures left the window
    throttle.failed("cy", "192.0.2.1")
    throttle.check("cy", "192.0.2.1")  # one failure is not a lockout
    with store.read() as session:  # the failures that left the window were deleted
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 2  # this one, name and address
    store.dispose()


def test_argon2_runs_in_at_most_two_slots_at_once() -> None:
    gate = HashGate(slots=2, wait=60)
    inside = 0
    most = 0
    entered = threading.Semaphore(0)
    release = threading.Event()
    lock = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        with gate.slot():
            with lock:
                inside += 1
                most = max(most, inside)
            entered.release()
            release.wait(60)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    assert entered.acquire(timeout=60) and entered.acquire(timeout=60)  # two are in; six wait
    assert most == 2
    release.set()
    for t in threads:
        t.join(60)
    assert most == 2


def test_a_login_that_finds_no_free_hashing_slot_gets_429(db_url: str) -> None:
    from calltriage.store import Store

    store = Store(db_url)
    gate = HashGate(slots=1, wait=0.05)
    operators = OperatorService(store, hasher=FAST_HASHER, gate=gate)
    operators.add("ana", "L1", PASSWORD)
    with gate.slot(), pytest.raises(TooManyRequests, match="busy checking other logins"):
        operators.authenticate("ana", PASSWORD)
    assert operators.authenticate("ana", PASSWORD).name == "ana"
    store.dispose()


# -- sessions end on the server -----------------------------------------------------------------

def test_logout_makes_a_copied_session_cookie_useless(desk: Desk) -> None:
    browser = login(desk, "ana")
    stolen = TestClient(desk.app, base_url="http://testserver", cookies={"ct_session": browser.cookies["ct_session"]})
    assert stolen.get("/queue/open", follow_redirects=False).status_code == 200
    page = browser.get("/queue/open")
    browser.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert stolen.get("/queue/open", follow_redirects=False).status_code == 303


def test_logout_ends_this_browsers_session_and_not_the_operators_others(desk: Desk) -> None:
    phone, laptop = login(desk, "ana"), login(desk, "ana")
    copied = TestClient(desk.app, base_url="http://testserver", cookies={"ct_session": phone.cookies["ct_session"]})
    page = phone.get("/queue/open")
    assert phone.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False).status_code == 303
    assert copied.get("/queue/open", follow_redirects=False).status_code == 303  # this session ended
    assert laptop.get("/queue/open", follow_redirects=False).status_code == 200  # the other one did not


def test_a_logged_out_cookie_is_refused_by_another_serve_process(db_url: str) -> None:
    from tests.web.conftest import make_desk

    first, first_services = make_desk(db_url, workers=0)
    second, second_services = make_desk(db_url, workers=0)  # same database, same secret key
    try:
        browser = login(first, "ana")
        cookie = {"ct_session": browser.cookies["ct_session"]}
        elsewhere = TestClient(second.app, base_url="http://testserver", cookies=cookie)
        page = browser.get("/queue/open")
        browser.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
        assert elsewhere.get("/queue/open", follow_redirects=False).status_code == 303
        assert login(second, "ana").get("/queue/open", follow_redirects=False).status_code == 200
    finally:
        first_services.close()
        second_services.close()


def test_a_password_change_ends_every_session(desk: Desk) -> None:
    browser = login(desk, "ana")
    desk.operators.set_password("ana", "another horse battery staple")
    assert browser.get("/queue/open", follow_redirects=False).status_code == 303


# -- password policy and token expiry -----------------------------------------------------------

@pytest.mark.parametrize("weak", ["password", "Password1", "12345678", "qwertyuiop", "iloveyou1"])
def test_guessable_passwords_are_refused_with_the_fix(weak: str) -> None:
    with pytest.raises(InvalidAnswer, match=r"too weak.*passphrase"):
        check_password(weak, hints=("ana",))


def test_a_passphrase_is_accepted() -> None:
    check_password("correct horse battery", hints=("ana",))


def test_an_api_token_with_a_lifetime_stops_working_when_it_ends(db_url: str) -> None:
    from calltriage.store import Store

    now = [datetime(2026, 3, 2, 9, 0, tzinfo=UTC)]
    store = Store(db_url)
    operators = OperatorService(store, clock=lambda: now[0], hasher=FAST_HASHER)
    operators.add("ana", "L1", PASSWORD)
    token, _ = operators.issue_token("ana", "ticketing", days=7)
    forever, _ = operators.issue_token("ana", "monitoring")
    assert operators.verify_token(token).name == "ana"
    now[0] += timedelta(days=8)
    operators._forget()
    with pytest.raises(Unauthorized, match="expired"):
        operators.verify_token(token)
    assert operators.verify_token(forever).name == "ana"
    assert [t["expires_at"] is not None for t in operators.tokens("ana")] == [True, False]
    with pytest.raises(InvalidAnswer, match="1 to 3650 days"):
        operators.issue_token("ana", days=0)
    store.dispose()
