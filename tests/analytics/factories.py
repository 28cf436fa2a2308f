"""Factories for measurement tests: links, clicks, deliveries that published a link,
campaigns and costs, conversions and snapshots — each with keyword overrides."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from outlier.analytics import actions, rollups
from outlier.analytics.models import EngagementSnapshot, FollowerSnapshot
from outlier.core.models import Workspace
from outlier.links.models import AgentClass, Campaign, CampaignCost, Click, TrackedLink
from outlier.publishing.models import Channel, Delivery, DeliveryState, Post

_numbers = itertools.count(1)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def early(day: date) -> datetime:
    """A minute past midnight (UTC): on `day`, and already past when `day` is today."""
    return datetime(day.year, day.month, day.day, 0, 1, tzinfo=UTC)


def today() -> date:
    return timezone.now().date()


def moments_ago(minutes: float = 1) -> datetime:
    """A little before now, but never before today's midnight (UTC): a test that says "today"
    stays right in the first minutes of a day."""
    now = timezone.now()
    return max(now - timedelta(minutes=minutes), early(now.date()) - timedelta(minutes=1))


def make_campaign(workspace: Workspace, **overrides: Any) -> Campaign:
    n = next(_numbers)
    values: dict[str, Any] = {"name": f"Campaign {n}", "slug": f"campaign-{n}", "currency": "EUR"}
    values.update(overrides)
    return Campaign.objects.create(workspace=workspace, **values)


def add_cost(campaign: Campaign, amount: str | Decimal, day: date | None = None,
             **overrides: Any) -> CampaignCost:  # fmt: skip
    return CampaignCost.objects.create(campaign=campaign, amount=Decimal(amount),
                                       incurred_on=day or today(), **overrides)  # fmt: skip


def make_link(workspace: Workspace, **overrides: Any) -> TrackedLink:
    n = next(_numbers)
    values: dict[str, Any] = {
        "code": f"code{n:06d}",
        "target": f"https://shop.example/p/{n}?utm_source=test",
        "original": f"https://shop.example/p/{n}",
    }
    values.update(overrides)
    return TrackedLink.objects.create(workspace=workspace, **values)


def make_click(link: TrackedLink, at: datetime | None = None, **overrides: Any) -> Click:
    n = next(_numbers)
    values: dict[str, Any] = {
        "at": at or moments_ago(),
        "click_id": f"clk{n:08d}",
        "agent": AgentClass.BROWSER,
        "visitor": f"visitor-{n}",
        "referrer_host": "",
    }
    values.update(overrides)
    return Click.objects.create(link=link, **values)


def make_post(workspace: Workspace, **overrides: Any) -> Post:
    values: dict[str, Any] = {"text": "Read this", "link": "https://shop.example/p/1"}
    values.update(overrides)
    return Post.objects.create(workspace=workspace, **values)


def make_delivery(post: Post, channel: Channel, link: TrackedLink | None = None,
                  sent_at: datetime | None = None, **overrides: Any) -> Delivery:  # fmt: skip
    """A sent delivery of `post` to `channel`; with `link`, the tracked link it published."""
    at = sent_at or timezone.now() - timedelta(hours=1)
    values: dict[str, Any] = {"due_at": at, "next_attempt_at": at, "sent_at": at,
                              "state": DeliveryState.SENT, "remote_id": f"r-{next(_numbers)}"}  # fmt: skip
    values.update(overrides)
    if link is not None:
        values["tracked_link"] = link
    return Delivery.objects.create(post=post, channel=channel, **values)


def published_link(workspace: Workspace, channel: Channel, campaign: Campaign | None = None,
                   post: Post | None = None, **post_fields: Any) -> TrackedLink:  # fmt: skip
    """A link that `post` (made if not given) published on `channel`."""
    link = make_link(workspace, campaign=campaign)
    post = post or make_post(workspace, **post_fields)
    make_delivery(post, channel, link)
    return link


def record(workspace: Workspace, **data: Any) -> Any:
    """A conversion recorded as the API records it (checked, deduplicated, attributed)."""
    values: dict[str, Any] = {"kind": "sale", "amount": "10.00", "currency": "EUR",
                              "external_id": f"order-{next(_numbers)}"}  # fmt: skip
    values.update(data)
    checked = actions.check_conversion(workspace.pk, values, "api")
    return actions.do_record_conversion(checked)[0]


def snapshot(delivery: Delivery, at: datetime, **counts: Any) -> EngagementSnapshot:
    return EngagementSnapshot.objects.create(delivery=delivery, taken_at=at, **counts)


def followers(channel: Channel, at: datetime, count: int) -> FollowerSnapshot:
    return FollowerSnapshot.objects.create(channel=channel, taken_at=at, followers=count)


def roll() -> int:
    """Run the rollups now, whenever they last ran (as the worker's sweep does when due)."""
    return rollups.run_rollups(every=0)
