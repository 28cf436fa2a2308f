"""The rollups the reports read: kept by a worker sweep, incremental (a run reads only what
changed since its watermark) and idempotent (running again changes nothing)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outlier.analytics import rollups
from outlier.analytics.models import (
    DailyClicks,
    DailyConversions,
    DailyFollowers,
    DailyLinkClicks,
    DailyLinkReferrers,
    DailyReferrers,
    DeliveryEngagement,
    LinkOwner,
    RollupState,
)
from outlier.links.models import AgentClass, Click
from tests.analytics.factories import (
    followers,
    make_campaign,
    make_click,
    make_delivery,
    make_link,
    make_post,
    moments_ago,
    noon,
    published_link,
    record,
    roll,
    snapshot,
    today,
)
from tests.publishing.conftest import make_channel

pytestmark = pytest.mark.django_db


def everything() -> dict[str, list[tuple]]:
    """Every rollup row, as plain tuples (ids left out), to compare runs."""
    tables = {
        "clicks": DailyClicks.objects.values_list("workspace_id", "day", "clicks", "bot_clicks",
                                                  "visitors"),
        "links": DailyLinkClicks.objects.values_list("link_id", "day", "clicks", "bot_clicks",
                                                     "visitors"),
        "referrers": DailyReferrers.objects.values_list("workspace_id", "day", "host", "clicks"),
        "link_referrers": DailyLinkReferrers.objects.values_list("link_id", "day", "host",
                                                                 "clicks"),
        "followers": DailyFollowers.objects.values_list("channel_id", "day", "followers"),
        "engagement": DeliveryEngagement.objects.values_list("delivery_id", "likes", "reposts",
                                                             "taken_at"),
        "conversions": DailyConversions.objects.values_list("day", "kind", "link_id",
                                                            "conversions", "revenue"),
        "owners": LinkOwner.objects.values_list("link_id", "campaign_id", "channel_id"),
    }  # fmt: skip
    return {name: sorted(rows) for name, rows in tables.items()}


def test_clicks_roll_up_per_day_link_and_referrer_with_bots_apart(team):
    link, other = make_link(team.workspace), make_link(team.workspace)
    day = today() - timedelta(days=3)
    make_click(link, noon(day), visitor="a", referrer_host="news.example")
    make_click(link, noon(day), visitor="a", referrer_host="news.example")  # same visitor
    make_click(link, noon(day), visitor="b")
    make_click(link, noon(day), visitor="c", agent=AgentClass.BOT, referrer_host="crawl.example")
    make_click(other, noon(day), visitor="a")
    make_click(make_link(team.other_workspace), noon(day), visitor="z")

    assert roll() > 0
    row = DailyLinkClicks.objects.get(link_id=link.pk, day=day)
    assert (row.clicks, row.bot_clicks, row.visitors) == (3, 1, 2)
    total = DailyClicks.objects.get(workspace_id=team.workspace.pk, day=day)
    assert (total.clicks, total.bot_clicks, total.visitors) == (4, 1, 2)  # a: one visitor
    hosts = dict(DailyReferrers.objects.filter(workspace_id=team.workspace.pk)
                 .values_list("host", "clicks"))  # fmt: skip
    assert hosts == {"news.example": 2, "": 2}  # bots are not referrers


def test_running_again_changes_nothing(team):
    channel = make_channel(team.workspace)
    link = published_link(team.workspace, channel, campaign=make_campaign(team.workspace))
    for n in range(5):
        make_click(link, timezone.now() - timedelta(days=n, hours=1), visitor=f"v{n}")
    delivery = make_delivery(make_post(team.workspace), channel)
    snapshot(delivery, timezone.now() - timedelta(hours=2), likes=3)
    followers(channel, timezone.now() - timedelta(days=1), 100)
    record(team.workspace, click_id=link.clicks.first().click_id)

    roll()
    first = everything()
    assert all(first[name] for name in first), {k: len(v) for k, v in first.items()}
    roll()
    assert everything() == first
    rollups.run_rollups(every=3600)  # not due: nothing runs
    assert everything() == first


def test_a_run_reads_only_what_changed_since_its_watermark(team, monkeypatch):
    link = make_link(team.workspace)
    old_day = today() - timedelta(days=40)
    for n in range(30):
        make_click(link, noon(old_day - timedelta(days=n)))
    roll()
    state = RollupState.objects.get(name="clicks")
    assert state.last_id == link.clicks.order_by("-pk").first().pk

    # Later, one late click on an old day: only that day (and the lookback days) is recomputed.
    make_click(link, noon(old_day - timedelta(days=10)), visitor="late")
    recomputed = []
    original = rollups.recompute_click_day
    monkeypatch.setattr(rollups, "recompute_click_day",
                        lambda day, *a: (recomputed.append(day), original(day, *a)))  # fmt: skip
    roll()
    assert old_day - timedelta(days=10) in recomputed
    assert not {old_day - timedelta(days=n) for n in range(30) if n != 10} & set(recomputed)
    assert DailyLinkClicks.objects.get(day=old_day - timedelta(days=10)).clicks == 2


def test_an_idle_run_is_a_handful_of_small_queries(team):
    link = make_link(team.workspace)
    for n in range(20):
        make_click(link, noon(today() - timedelta(days=50 + n)))
    roll()
    with CaptureQueriesContext(connection) as queries:
        roll()
    touching_clicks = [q["sql"] for q in queries if 'FROM "links_click"' in q["sql"]]
    # the max id, and the lookback days (today, maybe yesterday): never the old days again
    assert len(touching_clicks) <= 1 + 3 * 2, touching_clicks


def test_a_click_committed_late_is_still_counted(team):
    """Ids are handed out before commit: a click may appear below the watermark. The lookback
    recomputes recent days, so it is counted on the next run."""
    link = make_link(team.workspace)
    late = make_click(link, moments_ago(2))
    make_click(link, moments_ago(1))
    late_row = {f.attname: getattr(late, f.attname) for f in Click._meta.concrete_fields}
    late.delete()  # not committed yet when the run looks
    roll()
    assert RollupState.objects.get(name="clicks").last_id > late_row["id"]
    assert DailyLinkClicks.objects.get(link_id=link.pk, day=today()).clicks == 1
    Click.objects.create(**late_row)  # commits now, below the watermark
    roll()
    assert DailyLinkClicks.objects.get(link_id=link.pk, day=today()).clicks == 2


def test_engagement_keeps_each_deliverys_latest_snapshot(team):
    channel = make_channel(team.workspace, network="mastodon")
    delivery = make_delivery(make_post(team.workspace), channel)
    snapshot(delivery, timezone.now() - timedelta(hours=3), likes=1, reposts=0)
    snapshot(delivery, timezone.now() - timedelta(hours=2), likes=5, reposts=2)
    roll()
    row = DeliveryEngagement.objects.get(delivery_id=delivery.pk)
    assert (row.likes, row.reposts, row.network, row.channel_id) == (5, 2, "mastodon", channel.pk)
    snapshot(delivery, timezone.now() - timedelta(hours=1), likes=9)
    roll()
    assert DeliveryEngagement.objects.get(delivery_id=delivery.pk).likes == 9


def test_followers_keep_the_last_count_of_each_day(team):
    channel = make_channel(team.workspace)
    day = today() - timedelta(days=2)
    followers(channel, noon(day) - timedelta(hours=2), 100)
    followers(channel, noon(day) + timedelta(hours=2), 120)
    followers(channel, noon(day + timedelta(days=1)), 125)
    roll()
    assert list(DailyFollowers.objects.order_by("day").values_list("day", "followers")) == [
        (day, 120), (day + timedelta(days=1), 125)
    ]  # fmt: skip


def test_conversions_roll_up_per_day_with_what_earned_them(team):
    channel = make_channel(team.workspace)
    campaign = make_campaign(team.workspace)
    link = published_link(team.workspace, channel, campaign=campaign)
    click = make_click(link)
    record(team.workspace, click_id=click.click_id, amount="10.00")
    record(team.workspace, click_id=click.click_id, amount="15.50")
    record(team.workspace, kind="lead", amount=None, click_id=click.click_id)
    roll()
    rows = {r.kind: r for r in DailyConversions.objects.all()}
    assert rows["sale"].conversions == 2 and str(rows["sale"].revenue) == "25.500"
    assert (rows["sale"].campaign_id, rows["sale"].channel_id) == (campaign.pk, channel.pk)
    assert rows["lead"].conversions == 1


def test_a_deleted_link_leaves_the_rollups(team):
    link, kept = make_link(team.workspace), make_link(team.workspace)
    day = today() - timedelta(days=20)
    make_click(link, noon(day))
    make_click(kept, noon(day))
    roll()
    assert DailyClicks.objects.get(day=day).clicks == 2
    link.delete()
    roll()
    assert not DailyLinkClicks.objects.filter(link_id=link.pk).exists()
    assert DailyClicks.objects.get(day=day).clicks == 1
    assert not LinkOwner.objects.filter(link_id=link.pk).exists()


def test_one_worker_at_a_time(team):
    now = timezone.now()
    RollupState.objects.create(name="rollups", leased_until=now + timedelta(minutes=5))
    make_click(make_link(team.workspace))
    assert rollups.run_rollups(now, every=0) == 0  # another worker holds the lease
    assert not DailyClicks.objects.exists()
    assert rollups.run_rollups(now + timedelta(minutes=6), every=0) > 0  # the lease expired


def test_the_worker_runs_the_rollups(settings):
    assert "outlier.analytics.rollups.sweep" in settings.WORKER_SWEEPS
    assert "outlier.analytics.weekly.sweep" in settings.WORKER_SWEEPS


def test_an_idle_sweep_only_reads(team):
    roll()
    with CaptureQueriesContext(connection) as queries:
        assert rollups.sweep() == 0  # ran a moment ago: not due
    assert [q["sql"].split()[0] for q in queries] == ["SELECT"]


def test_link_owners_are_read_again_only_when_something_they_depend_on_changed(team):
    ws = team.workspace
    spring, summer = make_campaign(ws, name="Spring"), make_campaign(ws, name="Summer")
    post = make_post(ws, campaign=spring)
    link = published_link(ws, make_channel(ws), post=post)
    make_click(link)
    roll()
    assert DailyLinkClicks.objects.get(link_id=link.pk).campaign_id == spring.pk
    with CaptureQueriesContext(connection) as queries:
        roll()
    assert not [q for q in queries if 'FROM "links_trackedlink"' in q["sql"]
                and "COUNT" not in q["sql"].upper()]  # fmt: skip
    post.campaign = summer  # an editor moves the post to another campaign
    post.save()
    roll()
    assert DailyLinkClicks.objects.get(link_id=link.pk).campaign_id == summer.pk
