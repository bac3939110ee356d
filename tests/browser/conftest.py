"""Playwright on the system Chromium; never a downloaded browser."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DOC_SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--lang=ko-KR",
]


@pytest.fixture
def screenshots(tmp_path) -> Path:
    """Where a browser test saves its screenshots: the test's own temporary directory, so that a test run
    leaves the tree as it was; docs/screenshots with UPDATE_SCREENSHOTS=1 (`make screenshots`)."""
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        return DOC_SCREENSHOTS
    return tmp_path


@contextmanager
def system_chromium():
    """Headless system Chromium under Playwright (skips locally without them; fails in CI); closed on exit."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def chromium_page():
    """A fresh page in headless system Chromium (skips locally without it; fails in CI)."""
    with system_chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ko-KR")
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            # ORM calls made while Playwright's event loop is current open connections that belong to
            # that context (asgiref's Local), which the database teardown cannot see: close them here.
            connections.close_all()


def login(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")


MAX_TAB_STOPS = 300


def tab_to(page, selector: str) -> None:
    """Press Tab until an element matching `selector` (any Playwright selector) has the focus, as a keyboard
    user moves through the page; fails if it is never reached."""
    target = page.locator(selector)
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        if target.evaluate_all("elements => elements.includes(document.activeElement)"):
            return
    pytest.fail(f"{selector} is not reachable with Tab")


def keyboard_login(page, live_server, username: str, password: str) -> None:
    """Log in with the keyboard alone: Tab to the fields, type, Enter."""
    page.goto(f"{live_server.url}/accounts/login/")
    tab_to(page, "input[name=username]")
    page.keyboard.type(username)
    tab_to(page, "input[name=password]")
    page.keyboard.type(password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, f"{username} could not log in"
