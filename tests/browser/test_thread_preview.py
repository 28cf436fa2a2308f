"""The composer shows a long Bluesky text as the thread it becomes, in a real browser: the posts
numbered 1/3, 2/3, 3/3 as the server cuts them (the adapter's own cut), the author's "---"
lines, and the reason when the text cannot be a thread; then it is scheduled."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from outlier.publishing.models import Post, PostStatus
from tests.browser.test_publishing_flow import log_in
from tests.publishing.conftest import make_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENTENCE = "Rivers carry the towns' stories down to the sea, one bend at a time. "  # 69
SHOTS = "/tmp/outlier-thread-{}.png"


def test_the_composer_previews_a_bluesky_thread(page: Page, live_server, team) -> None:
    sky = make_channel(team.workspace, network="bluesky", name="Sky",
                       settings={"handle": "acme.bsky.social"},
                       credentials={"app_password": "abcd-efgh-ijkl-mnop"})  # fmt: skip
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    base = live_server.url
    log_in(page, base, "editor@acme.test")
    page.goto(f"{base}/app/acme/compose/")
    expect(page.get_by_text("a line with only --- starts the next post")).to_be_visible()
    page.get_by_label("Sky", exact=True).check()
    counter = page.locator(f"#counters li[data-channel='{sky.pk}'][data-what='text']")
    card = page.locator(f".preview[data-channel='{sky.pk}']")
    text = page.get_by_label("Text:", exact=True)

    text.fill("A short post.")  # one post: the usual counter
    expect(counter.locator(".count")).to_have_text("13 / 300")
    expect(card.locator(".ppart")).to_have_count(0)

    text.fill(SENTENCE * 10)  # 690 characters: a thread of three
    expect(counter.locator(".count")).to_have_text("690 · 3 posts")
    expect(counter).not_to_have_class(re.compile(r"\bover\b"))
    parts = card.locator(".ppart")
    expect(parts).to_have_count(3)
    expect(parts.locator(".pnum")).to_have_text(["1/3", "2/3", "3/3"])
    expect(parts.nth(0).locator(".plength")).to_have_text("275 / 300")
    expect(parts.nth(0).locator(".ptext")).to_have_text((SENTENCE * 4).strip())
    page.screenshot(path=SHOTS.format("parts"), full_page=True)

    text.fill("First thought.\n---\nSecond thought.")  # the author's own cut, however short
    expect(parts.locator(".ptext")).to_have_text(["First thought.", "Second thought."])
    expect(parts.locator(".pnum")).to_have_text(["1/2", "2/2"])

    text.fill("First.\n---\n\n---\nThird.")  # an empty post between two markers
    expect(card.locator(".perror")).to_have_text(
        "Two “---” lines have nothing between them (after “First.”). Remove that “---” line "
        "or write the post it starts."
    )
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(card).to_have_class(re.compile(r"\bover\b"))

    text.fill(SENTENCE * 115)  # 29 posts, 25 at most
    expect(card.locator(".perror")).to_contain_text("hold at most 25 posts")
    expect(card.locator(".perror")).to_contain_text("this text makes 29")
    page.screenshot(path=SHOTS.format("too-many"), full_page=True)

    text.fill(SENTENCE * 10)
    expect(parts).to_have_count(3)
    day = (timezone.now() + timedelta(days=40)).date()
    page.get_by_label("Day:").fill(day.isoformat())
    page.get_by_label("Time:", exact=True).fill("09:30")
    page.get_by_role("button", name="Schedule").click()
    expect(page.get_by_text(f"Scheduled for {day:%a %d %b %Y}, 09:30")).to_be_visible()
    assert Post.objects.get().status == PostStatus.SCHEDULED
    expect(parts).to_have_count(3)  # the saved post's page previews it again
    assert errors == []
