"""Every report's figures in the REST API: the dashboard's own queries, the same period and
filters, for any member with a read token; the measurement settings for owners."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outlier.analytics import queries
from tests.analytics.factories import (
    add_cost,
    early,
    followers,
    make_campaign,
    make_click,
    make_delivery,
    make_post,
    noon,
    published_link,
    record,
    roll,
    snapshot,
    today,
)
from tests.api.client import Api
from tests.conftest import make_topic
from tests.publishing.conftest import make_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(team):
    ws = team.workspace
    channel = make_channel(ws, name="Toots", network="mastodon")
    campaign = make_campaign(ws, name="Spring")
    add_cost(campaign, "100")
    post = make_post(ws, text="Spring post")
    link = published_link(ws, channel, campaign=campaign, post=post)
    for n in range(4):
        make_click(link, early(today() - timedelta(days=n)), referrer_host="news.example")
    make_click(link, noon(today() - timedelta(days=40)))  # the previous period
    record(ws, click_id=link.clicks.first().click_id, amount="180")
    snapshot(make_delivery(post, channel), early(today()), likes=4, replies=1)
    followers(channel, noon(today() - timedelta(days=1)), 50)
    followers(channel, early(today()), 57)
    roll()
    return {"channel": channel, "campaign": campaign, "post": post}


@pytest.fixture
def api(team):
    return Api(team.token(team.viewer, scope="read"))


def test_summary_beside_the_previous_period(team, data, api):
    body = api.get("/reports/summary").json()
    assert body["period"]["end"] == str(today()) and body["currency"] == "EUR"
    clicks = body["figures"]["clicks"]
    assert (clicks["now"], clicks["before"], clicks["change"]) == (4, 1, 3.0)
    assert body["figures"]["roi"]["now"] == 0.8  # (180 − 100) / 100


def test_each_report_matches_the_dashboards_query(team, data, api):
    ws, period = team.workspace.pk, queries.period_of()
    days = api.get("/reports/clicks").json()
    assert len(days) == 30 and sum(d["clicks"] for d in days) == 4
    assert [d["clicks"] for d in days] == [d.clicks for d in queries.clicks_over_time(ws, period)]
    [link] = api.get("/reports/links").json()
    assert (link["clicks"], link["campaign"]) == (4, "Spring")
    assert api.get("/reports/referrers").json() == [{"host": "news.example", "clicks": 4}]
    [network] = api.get("/reports/engagement/networks").json()
    assert (network["key"], network["likes"], network["replies"]) == ("mastodon", 4, 1)
    [post] = api.get("/reports/engagement/posts").json()
    assert post["label"] == "Spring post"
    [channel] = api.get("/reports/followers").json()
    assert (channel["first"], channel["last"], channel["change"]) == (50, 57, 7)
    funnel = api.get("/reports/funnel").json()
    assert (funnel["clicks"], funnel["sales"], funnel["revenue"], funnel["roi"]) == (
        4, 1, "180.00", "0.8000")  # fmt: skip
    [campaign] = api.get("/reports/roi/campaigns").json()
    assert (campaign["label"], campaign["cost"], campaign["roi"]) == ("Spring", "100.00", "0.8000")
    [channel_roi] = api.get("/reports/roi/channels").json()
    assert channel_roi["revenue"] == "180.00" and channel_roi["cost"] == "100.00"
    assert len(api.get("/reports/roi/posts").json()) == 1
    assert api.get("/reports/roi/scoops").json() == []


def test_period_and_filters(team, data, api):
    start = today() - timedelta(days=45)
    days = api.get(f"/reports/clicks?start={start}&end={today()}").json()
    assert len(days) == 46 and sum(d["clicks"] for d in days) == 5
    topic = make_topic(team.workspace)
    assert api.get(f"/reports/links?topic={topic.pk}").json() == []
    assert len(api.get(f"/reports/links?campaign={data['campaign'].pk}").json()) == 1


def test_bad_periods_and_foreign_filters_are_400(team, data, api):
    backwards = api.get(f"/reports/clicks?start={today()}&end={today() - timedelta(days=3)}")
    assert backwards.status_code == 400 and "end" in backwards.json()["errors"]
    too_long = api.get(f"/reports/clicks?start={today() - timedelta(days=800)}")
    assert too_long.status_code == 400
    theirs = make_channel(team.other_workspace)
    foreign = api.get(f"/reports/summary?channel={theirs.pk}")
    assert foreign.status_code == 400
    assert foreign.json()["detail"] == "No such channel in this workspace."
    assert api.get("/reports/roi/secrets").status_code == 422


def test_settings_read_by_members_changed_by_owners(team, api):
    body = api.get("/analytics/settings").json()
    assert body["attribution"] == "last_click" and body["window_days"] == 90
    assert body["public_key"].startswith("pk_") and body["script_url"].endswith("/c.js")
    assert not body["has_webhook_secret"]
    editor = Api(team.token(team.editor))
    assert editor.patch("/analytics/settings", {"window_days": 30}).status_code == 403
    owner = Api(team.token(team.owner))
    changed = owner.patch("/analytics/settings", {"attribution": "first_click", "window_days": 30})
    assert changed.json()["attribution"] == "first_click"
    assert owner.patch("/analytics/settings", {"window_days": 0}).status_code == 400
    assert owner.patch("/analytics/settings", {"allowed_origins": ["javascript:alert(1)"]}
                       ).status_code == 400  # fmt: skip
    secret = owner.post("/analytics/webhook-secret").json()["secret"]
    assert secret.startswith("whsec_") and api.get("/analytics/settings").json()[
        "has_webhook_secret"]  # fmt: skip
    assert Api(team.token(team.owner, scope="read")).post(
        "/analytics/webhook-secret").status_code == 403  # fmt: skip


def test_reports_need_a_token(data):
    assert Api("olr_nope").get("/reports/summary").status_code == 401
