"""Shared fixtures of the browser tests: a real uvicorn desk and Debian's Chromium through Playwright."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.support import require
from tests.web.conftest import PASSWORD, Desk, make_desk
from tests.web.server import running

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def served(sqlite_db_url: str) -> Iterator[tuple[Desk, str]]:
    desk, services = make_desk(sqlite_db_url)
    try:
        with running(desk.app) as url:
            yield desk, url
    finally:
        services.close()


@pytest.fixture
def chromium() -> Iterator[Any]:
    require(os.access(CHROMIUM, os.X_OK), f"Debian chromium at {CHROMIUM} (apt install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def operator(served: tuple[Desk, str], chromium: Any) -> Callable[..., Any]:
    """``operator("ana")``: a page of a browser context of its own, logged in as ana."""
    from playwright.sync_api import expect

    _, url = served

    def log_in(name: str, width: int = 1366, height: int = 900, **options: Any) -> Any:
        page = chromium.new_context(base_url=url, viewport={"width": width, "height": height},
                                    **options).new_page()
        page.goto("/login")
        page.fill("input[name=name]", name)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.locator(".who")).to_contain_text(name)
        return page

    return log_in
