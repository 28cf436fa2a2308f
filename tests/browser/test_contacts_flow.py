"""A community manager meets the people behind the inbox in a real browser: opens a contact
from an inbox item, finds the same person's other account and merges the two, sets a
stay-in-touch reminder, and sees the balance of talking and listening."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from outlier.relationships.models import Contact, Identity
from tests.browser.test_publishing_flow import log_in
from tests.inbox.conftest import arrive, loopback_allowed, mastodon, toot  # noqa: F401
from tests.relationships.conftest import synced

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_open_a_contact_from_the_inbox_merge_set_a_reminder_see_the_balance(
    page: Page,
    live_server,
    team,
    toot,  # noqa: F811 (the fixtures imported above)
    mastodon,  # noqa: F811
):
    base = live_server.url
    item = arrive(toot, handle="@ana@social.example", name="Ana Lima",
                  text="Can I bring a friend?")  # fmt: skip
    arrive(toot, handle="@ana@work.example", name="Ana at work", kind="like", text="",
           author_id="https://work.example/users/ana")  # fmt: skip
    synced()
    log_in(page, base, "contributor@acme.test")
    page.goto(f"{base}/app/{team.workspace.slug}/inbox/{item.pk}/")
    page.get_by_role("button", name="Contact: everything with Ana Lima").click()
    expect(page.get_by_role("heading", name="Ana Lima")).to_be_visible()
    expect(page.locator("[data-timeline]")).to_contain_text("Can I bring a friend?")
    expect(page.locator("[data-formula]")).to_contain_text("both ways")

    # The same person's work account: found by handle, merged into this contact.
    page.get_by_label("Merge with").fill("work.example")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("button", name="Merge into this contact").click()
    expect(page.get_by_text("Merged into Ana Lima.")).to_be_visible()
    expect(page.locator("[data-identity]")).to_have_count(2)
    assert Contact.objects.count() == 1
    assert Identity.objects.values("contact").distinct().count() == 1

    # Stay in touch every 3 weeks.
    page.get_by_label("Every").fill("3")
    page.locator("form:has(input[name=weeks])").get_by_role("button", name="Save").click()
    expect(page.get_by_text("Reminder set: every 3 weeks.")).to_be_visible()
    expect(page.get_by_text("We were in touch today")).to_be_visible()

    # Unmerge is there for a mistake; the balance is one click away.
    expect(page.get_by_role("button", name="Unmerge")).to_have_count(2)
    page.get_by_role("link", name="← Contacts").click()
    expect(page.locator("[data-contacts]")).to_contain_text("@ana@work.example")
    page.get_by_role("link", name="Talking and listening").click()
    expect(page.locator("[data-balance] tbody tr")).to_have_count(12)
    page.screenshot(path="/tmp/outlier-contacts-flow.png", full_page=True)
