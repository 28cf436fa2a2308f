"""The whole measurement chain in a real browser: a post with a link goes out, a reader
follows the tracked link in Chromium, lands on a shop (a local page that loads Outlier's
conversion script), buys; the editor sees the sale and the campaign's ROI in the reports.

Needs the links app's redirect (`/l/<code>`) and its click buffer; skipped without them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import Browser, Page, expect

from outlier.analytics import actions, rollups
from outlier.analytics.models import Conversion
from outlier.links.models import Campaign, Click
from outlier.publishing import actions as publishing
from outlier.publishing import dispatch
from outlier.publishing.models import Post
from tests.browser.conftest import TIMEOUT_MS
from tests.conftest import PASSWORD
from tests.networks.conftest import loopback_allowed, receiver  # noqa: F401 (real peers)
from tests.publishing.conftest import make_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# A reader's ordinary Chrome: headless Chromium names itself "HeadlessChrome", which the click
# recorder rightly counts as a bot, and bots never earn a conversion.
READER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
SHOTS = "/tmp/outlier-roi-{}.png"

SHOP = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Rivers shop</title>
<script>window.outlierq=window.outlierq||[];function outlier(){outlierq.push(arguments)}</script>
<script async src="OUTLIER/c.js" data-key="KEY"></script></head>
<body><h1>The river report, printed</h1><p>89.50 EUR</p>
<button id="buy" onclick="outlier('sale',{amount:89.5,currency:'EUR',id:'order-1001',
customer:'shopper-1'});this.textContent='Thank you!'">Buy</button></body></html>"""


@pytest.fixture
def shop_server(settings: Any) -> Iterator[dict[str, Any]]:
    """A local shop: serves its page at any query string (the tracked link adds UTM values and
    the click id), on 127.0.0.1, another origin than Outlier's."""
    state: dict[str, Any] = {"page": b""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = state["page"] if urlsplit(self.path).path == "/shop/report" else b"not found"
            self.send_response(200 if body != b"not found" else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state["url"] = f"http://127.0.0.1:{httpd.server_address[1]}/shop/report"
    yield state
    httpd.shutdown()
    httpd.server_close()


def redirect_is_there() -> bool:
    try:
        resolve("/l/abcdefgh")
    except Resolver404:
        return False
    return True


def wait_for(check: Any, what: str, timeout: float = TIMEOUT_MS / 1000) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.1)
    return found


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_a_click_becomes_a_sale_and_the_roi_shows(
    browser: Browser,
    page: Page,
    live_server,
    team,
    receiver,  # noqa: F811 (the fixture imported above)
    shop_server,
    settings,
):
    if not redirect_is_there():
        pytest.skip("Waits for the links app's redirect (/l/<code>).")
    settings.BASE_URL = live_server.url  # published links point at this server
    base = live_server.url
    key = actions.settings_for(team.workspace).public_key
    shop_server["page"] = SHOP.replace("OUTLIER", base).replace("KEY", key).encode()
    shop = shop_server["url"]

    # An editor sets up the campaign and its cost in the app.
    log_in(page, base, "editor@acme.test")
    page.goto(f"{base}/app/acme/campaigns/")
    page.get_by_label("Name:").fill("River report")
    page.get_by_role("button", name="Create campaign").click()
    expect(page.get_by_role("heading", name="River report")).to_be_visible()
    page.get_by_label("Amount:").fill("30")
    page.get_by_role("button", name="Add cost").click()
    expect(page.get_by_text("Cost of 30.00 EUR added.")).to_be_visible()

    # The post goes out to a webhook channel with the shop's address as its link.
    hook = make_channel(team.workspace, name="Site hook",
                        settings={"url": receiver.url}, credentials={"secret": receiver.secret})  # fmt: skip
    member = team.member(team.editor)
    post = publishing.do_save_post(member, text="The river report, in print", link=shop,
                                   channels=[hook])  # fmt: skip
    Post.objects.filter(pk=post.pk).update(campaign=Campaign.objects.get(name="River report"))
    post.refresh_from_db()
    publishing.do_schedule_post(member, post, when="now")
    dispatch.heartbeat("roi-flow")
    assert dispatch.run_due("roi-flow", 10) == 1
    published = receiver.requests[0].json()["link"]
    assert published.startswith(f"{base}/l/"), published

    # A reader follows it in Chromium and lands on the shop with the click id.
    reader = browser.new_context(user_agent=READER_AGENT)
    reader.set_default_timeout(TIMEOUT_MS)
    visit = reader.new_page()
    visit.goto(published)
    expect(visit.get_by_role("heading", name="The river report, printed")).to_be_visible()
    query = parse_qs(urlsplit(visit.url).query)
    click_id = query[settings.CLICK_ID_PARAM][0]
    assert query["utm_campaign"] == ["river-report"]
    wait_for(lambda: Click.objects.filter(click_id=click_id).exists(), "the click written")
    wait_for(lambda: {c["name"]: c["value"] for c in reader.cookies()}.get("olr_c"),
             "the click id kept in the shop's cookie")  # fmt: skip
    cookies = {c["name"]: c["value"] for c in reader.cookies()}
    assert cookies["olr_c"] == click_id == cookies["olr_f"]
    assert all(urlsplit(shop).hostname == c["domain"] for c in reader.cookies())  # first-party

    visit.get_by_role("button", name="Buy").click()
    expect(visit.get_by_role("button", name="Thank you!")).to_be_visible()
    sale = wait_for(lambda: Conversion.objects.filter(external_id="order-1001").first(),
                    "the sale recorded")  # fmt: skip
    visit.screenshot(path=SHOTS.format("shop"))
    reader.close()
    assert sale.source == "script" and sale.attributed_click.click_id == click_id
    assert sale.channel == hook and sale.post_id == post.pk
    assert str(sale.money) == "89.50"

    # The worker brings the reports up to date; the editor reads them.
    rollups.run_rollups(every=0)
    page.goto(f"{base}/app/acme/reports/")
    expect(page.locator("[data-figure=sales] .value")).to_have_text("1")
    expect(page.locator("[data-figure=revenue] .value")).to_have_text("89.50 EUR")
    expect(page.locator("[data-figure=clicks] .value")).to_have_text("1")
    row = page.locator("[data-table=roi-campaigns] tr").filter(has_text="River report")
    expect(row.locator(".roi-value")).to_have_text("+198.3%")  # (89.50 − 30) / 30
    channel_row = page.locator("[data-table=roi-channels] tr").filter(has_text="Site hook")
    expect(channel_row.locator(".roi-value")).to_have_text("+198.3%")
    page.screenshot(path=SHOTS.format("dashboard"), full_page=True)
    page.goto(f"{base}/app/acme/conversions/")
    expect(page.get_by_text("order-1001")).to_be_visible()
