"""A social media manager's week in a real browser: compose, see the counter, schedule, see the
post on the calendar and drag it; a contributor's post goes through approval.

The webhook's real limit is 100,000 characters, too far to type; the test lowers it to 300
graphemes (Bluesky's rule) with `monkeypatch`, which the live server sees too (same process):
the page's counters and the server's check both read `registry.RULES`.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from outlier.networks import registry
from outlier.publishing.models import Delivery, DeliveryState, Post, PostStatus
from tests.conftest import PASSWORD
from tests.publishing.conftest import make_channel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PARIS = ZoneInfo("Europe/Paris")
SHOTS = "/tmp/outlier-publishing-{}.png"


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def next_month_day(day: int) -> date:
    today = timezone.now().astimezone(PARIS).date()
    return (today.replace(day=1) + timedelta(days=32)).replace(day=day)


def test_compose_fit_schedule_and_drag_on_the_calendar(page: Page, live_server, team, monkeypatch):
    monkeypatch.setitem(
        registry.RULES,
        "webhook",
        dataclasses.replace(registry.RULES["webhook"], max_length=300, counter="graphemes"),
    )
    hook = make_channel(team.workspace, name="Site hook")  # Europe/Paris
    base = live_server.url
    day = next_month_day(15)
    log_in(page, base, "editor@acme.test")

    page.get_by_role("link", name="Compose", exact=True).first.click()
    expect(page).to_have_url(f"{base}/app/acme/compose/")
    page.get_by_label("Site hook", exact=True).check()
    counter = page.locator(f"#counters li[data-channel='{hook.pk}'][data-what='text']")
    # 300 letters and a wave: the family of code points "🌊" is one grapheme, so 301.
    page.get_by_label("Text:", exact=True).fill("🌊" + "x" * 300)
    expect(counter.locator(".count")).to_have_text("301 / 300")
    expect(counter).to_have_class(re.compile(r"\bover\b"))
    expect(page.locator(f".preview[data-channel='{hook.pk}']")).to_have_class(
        re.compile(r"\bover\b")
    )
    expect(page.get_by_label("Time zone:")).to_have_value("Europe/Paris")  # the channel's zone
    page.get_by_label("Day:").fill(day.isoformat())
    page.get_by_label("Time:", exact=True).fill("09:30")
    page.screenshot(path=SHOTS.format("composer"), full_page=True)
    page.get_by_role("button", name="Schedule").click()

    # The server's check is the judge: the reason stands beside the text, nothing is scheduled.
    text_field = page.locator(".field").filter(has=page.locator("textarea[name=text]"))
    expect(text_field.locator(".error")).to_have_text(
        "Site hook: Webhook allows 300 characters; this text has 301."
    )
    post = Post.objects.get()
    expect(page).to_have_url(f"{base}/app/acme/posts/{post.pk}/")
    assert post.status == PostStatus.DRAFT and not Delivery.objects.exists()

    page.get_by_label("Text:", exact=True).fill("Rivers are rising: read the report 🌊")
    expect(counter.locator(".count")).to_have_text("36 / 300")
    expect(counter).not_to_have_class(re.compile(r"\bover\b"))
    page.get_by_role("button", name="Schedule").click()
    expect(
        page.get_by_text(f"Scheduled for {day:%a %d %b %Y}, 09:30 (Europe/Paris).")
    ).to_be_visible()
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert post.scheduled_at == datetime.combine(day, time(9, 30), tzinfo=PARIS)

    # The calendar, in Paris time: the post on its day; drag it to the next day.
    page.goto(f"{base}/app/acme/calendar/?month={day:%Y-%m}&tz=Europe/Paris")
    card = page.locator(f"article.card[data-post='{post.pk}']")
    expect(page.locator(f"[data-day='{day}']").locator(card)).to_be_visible()
    expect(card.locator(".card-time")).to_have_text("09:30")
    page.screenshot(path=SHOTS.format("month"), full_page=True)
    later = day + timedelta(days=1)
    card.drag_to(page.locator(f"[data-day='{later}']"))
    expect(page.locator("#cal-status")).to_contain_text("Moved:")
    expect(page.locator(f"[data-day='{later}']").locator(card)).to_be_visible()
    post.refresh_from_db()
    assert post.scheduled_at == datetime.combine(later, time(9, 30), tzinfo=PARIS)  # same time

    # A move the server refuses (part of it went out meanwhile): the reason, the card back.
    Delivery.objects.filter(post=post, state=DeliveryState.SCHEDULED).update(
        state=DeliveryState.SENT
    )
    card.drag_to(page.locator(f"[data-day='{day}']"))
    expect(page.locator("#cal-status")).to_have_text(
        "Not moved: Part of this post went out already; it cannot be moved."
    )
    expect(page.locator(f"[data-day='{later}']").locator(card)).to_be_visible()
    Delivery.objects.filter(post=post, state=DeliveryState.SENT).update(
        state=DeliveryState.SCHEDULED
    )

    # The week view: hourly slots; a drop keeps the minutes.
    page.goto(f"{base}/app/acme/calendar/?view=week&week={later}&tz=Europe/Paris")
    expect(page.locator(f"[data-day='{later}'][data-hour='9']").locator(card)).to_be_visible()
    page.screenshot(path=SHOTS.format("week"), full_page=True)
    card.drag_to(page.locator(f"[data-day='{later}'][data-hour='14']"))
    expect(page.locator("#cal-status")).to_contain_text("Moved:")
    expect(card.locator(".card-time")).to_have_text("14:30")
    post.refresh_from_db()
    assert post.scheduled_at == datetime.combine(later, time(14, 30), tzinfo=PARIS)


def test_a_contributor_submits_and_an_editor_approves(page: Page, live_server, team):
    make_channel(team.workspace, name="Site hook")
    base = live_server.url
    day = next_month_day(10)

    log_in(page, base, "contributor@acme.test")
    page.goto(f"{base}/app/acme/compose/")
    expect(page.get_by_role("button", name="Schedule")).to_have_count(0)
    page.get_by_label("Text:", exact=True).fill("A thread on the river report")
    page.get_by_label("Site hook", exact=True).check()
    page.get_by_label("Day:").fill(day.isoformat())
    page.get_by_label("Time:", exact=True).fill("10:00")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("Sent to the editors for approval")).to_be_visible()
    expect(page.locator("[data-post-status]")).to_have_text("Awaiting approval")
    log_out(page)

    log_in(page, base, "editor@acme.test")
    page.goto(f"{base}/app/acme/approvals/")
    item = page.locator("li.approval").filter(has_text="A thread on the river report")
    item.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Nothing is waiting for approval.")).to_be_visible()
    post = Post.objects.get()
    assert post.status == PostStatus.SCHEDULED and post.reviewed_by == team.editor
    assert Delivery.objects.get(post=post).state == DeliveryState.SCHEDULED
