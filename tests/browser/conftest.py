"""Playwright fixtures for the browser tests: one Chromium per module, a fresh context per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def allow_orm_beside_playwright() -> Iterator[None]:
    # Playwright's sync API runs an asyncio event loop in this thread (inside a greenlet) from
    # the moment it starts until it stops, so Django sees "a running event loop" and refuses
    # ORM calls from the test thread (fixtures, assertions, the task worker, and pytest-django's
    # flush at teardown) with SynchronousOnlyOperation. Nothing here is actually async: the ORM
    # calls happen between Playwright calls, never while the loop is doing work, so it is safe
    # to allow them. The scope matches the browser's, so the variable is set before Playwright
    # starts and removed only after it has stopped; tests outside this folder never see it.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="module")
def browser(allow_orm_beside_playwright: None) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (`make test` installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
