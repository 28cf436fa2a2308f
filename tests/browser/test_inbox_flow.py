"""A community manager's inbox in a real browser: a reply arrives while the inbox is open
(no reload), is assigned from the keyboard, answered from the inbox (the answer reaches the
Mastodon contract server in reply to the status), and marked done with the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from outlier.inbox.models import Interaction
from outlier.publishing.models import Delivery
from tests.browser.test_publishing_flow import log_in
from tests.inbox.conftest import arrive, loopback_allowed, mastodon, toot  # noqa: F401
from tests.publishing.test_delivery import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reply_arrives_is_assigned_answered_and_done_with_the_keyboard(
    page: Page,
    live_server,
    team,
    toot,  # noqa: F811 (the fixtures imported above)
    mastodon,  # noqa: F811
):
    base = live_server.url
    log_in(page, base, "editor@acme.test")
    page.get_by_role("link", name="Inbox").first.click()
    expect(page.get_by_text("Nothing here")).to_be_visible()
    expect(page.get_by_text("j / k next / previous item", exact=False)).to_be_visible()

    status = mastodon.add_status(id="120000000000000042", content="<p>Is the workshop on?</p>")
    item = arrive(toot, text="Is the workshop still on Friday?", reply_ref=status["id"])
    arrive(toot, kind="like", text="")  # activity: not in the list
    # The list updates itself (it polls), and the navigation counts it unread.
    row = page.locator(f'[data-item="{item.pk}"]')
    expect(row).to_be_visible(timeout=15_000)
    expect(page.locator("[data-item]")).to_have_count(1)

    # j selects it, a opens "assign to" for it.
    page.keyboard.press("j")
    expect(row).to_contain_class("current")
    page.keyboard.press("a")
    expect(page.locator("#bulk-assignee")).to_be_focused()
    page.locator("#bulk-assignee").select_option(label="contributor@acme.test")
    page.get_by_role("button", name="Assign", exact=True).click()
    expect(page.get_by_text("1 item changed.")).to_be_visible()
    assert Interaction.objects.get(pk=item.pk).assignee == team.contributor
    expect(page.locator(f'[data-item="{item.pk}"]')).to_contain_text("contributor@acme.test")

    # r opens it with the reply box ready; the author is already mentioned. (The page came back
    # from the form: its keys work once its deferred script has run.)
    page.wait_for_load_state("domcontentloaded")
    page.keyboard.press("j")
    expect(page.locator(f'[data-item="{item.pk}"]')).to_contain_class("current")
    page.keyboard.press("r")
    box = page.get_by_label("Reply on Mastodon as Toots")
    expect(box).to_be_focused()
    expect(box).to_have_value("@ana@social.example ")
    page.keyboard.type("Yes, 10:00 at the library!")
    expect(page.locator("[data-counter]")).to_contain_text("/ 500")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply on its way.")).to_be_visible()

    assert run_worker() == 1
    [sent] = [s for s in mastodon.seen if s.method == "POST" and s.path == "/api/v1/statuses"]
    assert sent.one("in_reply_to_id") == "120000000000000042"
    assert sent.one("status") == "@ana@social.example Yes, 10:00 at the library!"
    assert Delivery.objects.get().state == "sent"
    page.reload()
    expect(page.locator('[data-delivery-state="sent"]')).to_be_visible()

    # e marks it done; u goes back to the inbox, where it is no longer open.
    page.keyboard.press("e")
    expect(page.get_by_text("Marked done.")).to_be_visible()
    expect(page.locator("[data-state]")).to_have_text("Done")
    page.keyboard.press("u")
    expect(page.get_by_text("Nothing here")).to_be_visible()
    assert Interaction.objects.get(pk=item.pk).state == "done"
    page.screenshot(path="/tmp/outlier-inbox-flow.png", full_page=True)
