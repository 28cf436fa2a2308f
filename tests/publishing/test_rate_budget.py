"""A network's write budget (Bluesky: 5,000 points an hour, 3 per post) is never overspent:
the channel waits, visibly, until its oldest post leaves the window. Real webhook receiver."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outlier.networks.base import RateLimit
from outlier.networks.webhook import WebhookAdapter
from outlier.publishing.models import Channel, ChannelStatus, Delivery, DeliveryState
from tests.publishing.conftest import make_channel
from tests.publishing.test_delivery import post_now, run_worker


@pytest.fixture
def hook(team, receiver):
    return make_channel(team.workspace, settings={"url": receiver.url},
                        credentials={"secret": receiver.secret})  # fmt: skip


@pytest.fixture
def budget(monkeypatch):
    # Room for two posts an hour at 3 points each.
    monkeypatch.setattr(
        WebhookAdapter, "rate_limit", RateLimit(points=7, window_seconds=3600, cost=3)
    )


@pytest.mark.usefixtures("budget")
def test_the_post_beyond_the_budget_waits_for_the_window(team, hook, receiver):
    for text in ("one", "two", "three"):
        post_now(team, hook, text=text)
    run_worker()
    assert [r.json()["text"] for r in receiver.requests] == ["one", "two"]
    waiting = Delivery.objects.get(post__text="three")
    assert waiting.state == DeliveryState.SCHEDULED
    channel = Channel.objects.get(pk=hook.pk)
    assert channel.status == ChannelStatus.RATE_LIMITED
    assert "used the 7 points the network allows per 60 minutes" in channel.status_detail
    first_sent = Delivery.objects.get(post__text="one").sent_at
    assert channel.rate_limited_until == first_sent + timedelta(hours=1)
    assert "used the 7 points" in waiting.events.last().message
    assert run_worker() == 0  # held: not even claimed

    # An hour later the first post has left the window: the third goes out.
    Delivery.objects.filter(state=DeliveryState.SENT).update(
        sent_at=timezone.now() - timedelta(hours=1, seconds=1)
    )
    Channel.objects.filter(pk=hook.pk).update(rate_limited_until=timezone.now())
    run_worker()
    assert [r.json()["text"] for r in receiver.requests] == ["one", "two", "three"]


def test_a_network_without_a_budget_is_not_held(team, hook, receiver):
    for text in ("one", "two", "three"):
        post_now(team, hook, text=text)
    run_worker()
    assert len(receiver.requests) == 3


def test_what_the_adapter_renews_is_kept_encrypted_for_the_next_call(team, hook, receiver,
                                                                   monkeypatch):  # fmt: skip
    seen = []
    original = WebhookAdapter.__init__

    def remember(self, config):
        seen.append(config.get("session"))
        original(self, config)

    monkeypatch.setattr(WebhookAdapter, "__init__", remember)
    monkeypatch.setattr(WebhookAdapter, "config_changes", lambda self: {"session": "renewed"})
    post_now(team, hook, text="one")
    run_worker()
    channel = Channel.objects.get(pk=hook.pk)
    assert channel.credentials["session"] == "renewed"
    assert channel.credentials["secret"] == receiver.secret  # the rest is kept
    post_now(team, hook, text="two")
    run_worker()
    assert seen[-1] == "renewed"
