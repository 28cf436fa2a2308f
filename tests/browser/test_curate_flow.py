"""A curator's day in a real browser: log in, make a topic, scoop a URL, watch it fill, publish.

Chromium (through Playwright) talks to pytest-django's live server, which shares the in-memory
SQLite test database with this thread; the article lives on the `page_server` fixture.
"""

from __future__ import annotations

import io
import logging
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.template.defaultfilters import date as date_filter
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from PIL import Image, ImageOps
from playwright.sync_api import Page, expect

from outlier.curation.models import Scoop, ScoopState
from tests.conftest import ARTICLE_HTML, PASSWORD, make_topic

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INSIGHT = "Towns *must* adapt: read **the gauges**."
# ARTICLE_HTML names https://planet.example/… as its canonical address, and "Read the full
# article" follows the canonical one; the served copy names itself so the click stays local.
ARTICLE_CANONICAL = "https://planet.example/rivers-rising"


def log_in(page: Page, base_url: str, email: str) -> None:
    """Type the e-mail and password into the login form and press the button."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def river_jpeg() -> bytes:
    """A small real picture for the article's og:image, so no broken image shows."""
    gradient = Image.linear_gradient("L").resize((640, 336))
    picture = ImageOps.colorize(gradient, black="#0b3d5c", white="#8fd3e8")
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return out.getvalue()


@contextmanager
def restored_process_state() -> Iterator[None]:
    """db_worker installs SIGINT/SIGTERM/SIGQUIT handlers and sets its loggers' levels for the
    whole process; put them back so Ctrl-C and logging behave for the rest of the session."""
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    handlers = {sig: signal.getsignal(sig) for sig in signals}
    loggers = [logging.getLogger(name) for name in ("django_tasks", "django_tasks_db")]
    levels = {log: log.level for log in loggers}
    try:
        yield
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        for log, level in levels.items():
            log.setLevel(level)


def run_one_worker_pass() -> None:
    """What `outlier worker` does, once: run every queued task, then return."""
    with restored_process_state():
        call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", verbosity=0)


def test_scoop_a_url_watch_it_fill_and_read_it_on_the_public_page(
    page: Page, live_server, team, page_server, settings
):
    # Saving only queues the fetch; this test runs the worker itself to see both states.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    article_url = f"{page_server.base}/rivers"
    page_server.add("/rivers", ARTICLE_HTML.replace(ARTICLE_CANONICAL, article_url))
    page_server.add("/img/river.jpg", river_jpeg(), "image/jpeg")
    base = live_server.url
    settings.BASE_URL = base  # tracked links (/l/…) are absolute on the public address

    log_in(page, base, "owner@acme.test")
    expect(page).to_have_url(f"{base}/app/acme/")

    page.get_by_role("link", name="New topic", exact=True).click()
    page.get_by_label("Name:", exact=True).fill("Rivers and towns")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{base}/app/acme/topics/rivers-and-towns/")
    expect(page.get_by_role("heading", name="Rivers and towns", level=1)).to_be_visible()
    expect(page.get_by_text("Topic “Rivers and towns” created.")).to_be_visible()

    form = page.locator("section.panel form")
    form.get_by_label("Article address").fill(article_url)
    form.get_by_label("Your insight").fill(INSIGHT)
    form.get_by_role("button", name="Scoop it").click()

    # The scoop's own screen: saved, queued, not fetched yet.
    expect(page.get_by_text("Saved. Outlier is fetching the page.")).to_be_visible()
    card = page.locator("article.scoop-card")
    expect(card).to_have_attribute("data-state", "fetching")
    expect(card.locator(".state")).to_have_text("Fetching…")

    # Back on the topic screen the card is fetching too, and polled.
    page.get_by_role("link", name="← Rivers and towns").click()
    expect(page).to_have_url(f"{base}/app/acme/topics/rivers-and-towns/")
    expect(card).to_have_count(1)
    expect(card).to_have_attribute("data-state", "fetching")
    expect(card.locator(".state")).to_have_text("Fetching…")
    expect(card.get_by_role("heading")).to_have_text(article_url)
    assert DBTaskResult.objects.ready().count() == 1
    page.evaluate("window.stillTheSamePage = true")

    run_one_worker_pass()
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL

    # poll.js swaps the filled card in; the page itself is not reloaded.
    expect(card).to_have_attribute("data-state", "published")
    expect(card.get_by_role("heading")).to_have_text("Rivers are rising")
    expect(card).to_contain_text("The Daily Planet")
    expect(card).to_contain_text("Scientists measured the fastest rise in a century")
    expect(card.locator(".state")).to_have_text("Published")
    assert page.evaluate("window.stillTheSamePage") is True
    page.screenshot(path="/tmp/outlier-app.png", full_page=True)

    scoop = Scoop.objects.get()
    assert scoop.state == ScoopState.PUBLISHED
    assert scoop.insight == INSIGHT

    # The public topic page, reached from the link on the topic screen.
    page.get_by_role("link", name=re.compile(r"\/t\/rivers-and-towns\/$")).click()
    expect(page).to_have_url(f"{base}/t/rivers-and-towns/")
    expect(page.get_by_role("heading", name="Rivers and towns", level=1)).to_be_visible()
    public = page.locator("article.scoop")
    expect(public).to_have_count(1)
    expect(public.locator(".date time")).to_have_text(date_filter(scoop.published_at, "j M Y"))
    expect(public.get_by_role("heading", level=2)).to_have_text("Rivers are rising")
    expect(public.locator(".excerpt")).to_contain_text(
        "Scientists measured the fastest rise in a century"
    )
    expect(public.locator(".insight em")).to_have_text("must")
    expect(public.locator(".insight strong")).to_have_text("the gauges")
    expect(public.locator(".site")).to_have_text("Sourced from The Daily Planet")
    picture = public.locator("img")
    expect(picture).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=picture.element_handle()
    )
    page.screenshot(path="/tmp/outlier-public.png", full_page=True)

    # Through the scoop's tracked link, counted, then on to the article with UTM and a click id.
    read = public.get_by_role("link", name="Read the full article →")
    expect(read).to_have_attribute("href", re.compile(rf"^{re.escape(base)}/l/\w+$"))
    read.click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(article_url)}\?utm_source=.*olr_click="))
    expect(page).to_have_title("Rivers are rising | The Daily Planet")


def test_a_bad_url_is_explained_beside_the_field_and_a_viewer_gets_no_form(
    page: Page, live_server, team
):
    make_topic(team.workspace)
    base = live_server.url

    log_in(page, base, "owner@acme.test")
    page.goto(f"{base}/app/acme/topics/climate/")
    page.get_by_label("Article address").fill("ftp://example.org/x")
    page.get_by_role("button", name="Scoop it").click()
    url_field = page.locator(".field").filter(has=page.locator("input[name=url]"))
    expect(url_field).to_have_class(re.compile(r"\binvalid\b"))
    expect(url_field.locator(".error")).to_have_text(
        "Only http:// and https:// addresses can be scooped."
    )
    expect(url_field.locator("input")).to_have_value("ftp://example.org/x")
    assert not Scoop.objects.exists()

    page.get_by_role("button", name="Log out").click()
    log_in(page, base, "viewer@acme.test")
    page.goto(f"{base}/app/acme/topics/climate/")
    expect(page.get_by_role("heading", name="Climate", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Scoop a URL")).to_have_count(0)
    expect(page.locator("input[name=url]")).to_have_count(0)
    expect(page.get_by_role("button", name="Scoop it")).to_have_count(0)
