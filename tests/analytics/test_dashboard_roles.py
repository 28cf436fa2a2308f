"""The reports dashboard and the measurement screens, per role: any member reads reports,
editors change campaigns and costs, owners change the settings, outsiders get a 404."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from outlier.links.models import Campaign, CampaignCost
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
from tests.publishing.conftest import make_channel

pytestmark = pytest.mark.django_db

PAGES = ["/app/acme/reports/", "/app/acme/campaigns/", "/app/acme/conversions/",
         "/app/acme/reports/links.csv"]  # fmt: skip


@pytest.fixture
def data(team):
    ws = team.workspace
    channel = make_channel(ws, name="Acme hook", network="mastodon")
    campaign = make_campaign(ws, name="Spring <launch>")
    add_cost(campaign, "100")
    post = make_post(ws, text="Spring is here")
    link = published_link(ws, channel, campaign=campaign, post=post)
    for n in range(3):
        make_click(link, early(today() - timedelta(days=n)), referrer_host="news.example")
    record(ws, click_id=link.clicks.first().click_id, amount="250")
    delivery = make_delivery(post, channel)
    snapshot(delivery, early(today()), likes=7, reposts=2)
    followers(channel, noon(today() - timedelta(days=2)), 100)
    followers(channel, early(today()), 130)
    roll()
    return {"channel": channel, "campaign": campaign}


@pytest.mark.parametrize("who", ["owner", "editor", "contributor", "viewer"])
def test_every_member_reads_the_reports(team, data, who):
    client = team.client(getattr(team, who))
    for page in PAGES:
        assert client.get(page).status_code == 200, page


def test_the_dashboard_shows_every_section(team, data):
    page = team.client(team.viewer).get("/app/acme/reports/").content.decode()
    for heading in ("Clicks over time", "Funnel", "Top links", "Referrers",
                    "Engagement per network", "Engagement per post", "Follower growth",
                    "ROI per campaign", "ROI per channel", "ROI per post",
                    "ROI per curated item"):  # fmt: skip
        assert heading in page, heading
    assert page.count("<svg") >= 4  # clicks, funnel, engagement, followers
    assert "news.example" in page and "Spring is here" in page
    assert "Spring &lt;launch&gt;" in page and "<launch>" not in page  # escaped
    assert "+150.0%" in page  # (250 − 100) / 100
    assert "250.00 EUR" in page
    assert re.search(r'data-figure="clicks">.*?<div class="value">3</div>', page, re.S)
    assert "cdn" not in page.lower() and "<script src" not in page


def test_outsiders_get_a_404_and_strangers_the_login(team, data):
    outsider = team.client(team.outsider)
    for page in PAGES + ["/app/acme/reports/settings/",
                         f"/app/acme/campaigns/{data['campaign'].pk}/"]:  # fmt: skip
        assert outsider.get(page).status_code == 404, page
        anonymous = Client().get(page)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_only_editors_create_and_change_campaigns(team, data):
    form = {"name": "Summer", "currency": "EUR"}
    for who in ("viewer", "contributor"):
        assert team.client(getattr(team, who)).post("/app/acme/campaigns/", form).status_code == 403
    assert not Campaign.objects.filter(name="Summer").exists()
    response = team.client(team.editor).post("/app/acme/campaigns/", form)
    summer = Campaign.objects.get(name="Summer")
    assert response.status_code == 302 and response["Location"].endswith(f"/{summer.pk}/")
    assert summer.slug == "summer" and summer.workspace == team.workspace


def test_only_editors_add_and_remove_costs(team, data):
    campaign = data["campaign"]
    url = f"/app/acme/campaigns/{campaign.pk}/"
    cost = {"action": "cost", "kind": "time", "hours": "3", "rate": "40",
            "incurred_on": today().isoformat(), "description": "Writing"}  # fmt: skip
    assert team.client(team.viewer).post(url, cost).status_code == 403
    assert team.client(team.editor).post(url, cost).status_code == 302
    added = CampaignCost.objects.get(description="Writing")
    assert added.amount == 120
    page = team.client(team.viewer).get(url).content.decode()
    assert "120.00 EUR" in page and "Add a cost" not in page
    delete = f"{url}costs/{added.pk}/delete/"
    assert team.client(team.contributor).post(delete).status_code == 403
    assert team.client(team.editor).post(delete).status_code == 302
    assert not CampaignCost.objects.filter(pk=added.pk).exists()


def test_a_bad_cost_is_shown_beside_its_field(team, data):
    url = f"/app/acme/campaigns/{data['campaign'].pk}/"
    page = team.client(team.editor).post(url, {"action": "cost", "kind": "time", "hours": "3",
                                               "incurred_on": today().isoformat()})  # fmt: skip
    assert page.status_code == 200
    assert "Give the rate per hour in EUR, like 40." in page.content.decode()
    assert CampaignCost.objects.count() == 1


def test_the_settings_are_for_owners(team, data):
    assert team.client(team.editor).get("/app/acme/reports/settings/").status_code == 403
    owner = team.client(team.owner)
    page = owner.get("/app/acme/reports/settings/").content.decode()
    assert "/c.js" in page and "data-key=" in page
    response = owner.post("/app/acme/reports/settings/", {
        "attribution": "first_click", "window_days": "30", "currency": "EUR",
        "weekly_email": "on", "allowed_origins": "https://shop.example/\nhttp://Localhost:8080",
    })  # fmt: skip
    assert response.status_code == 302
    from outlier.analytics.actions import settings_for

    row = settings_for(team.workspace)
    assert (row.attribution, row.window_days) == ("first_click", 30)
    assert row.allowed_origins == ["http://localhost:8080", "https://shop.example"]
    shown = owner.post("/app/acme/reports/settings/", {"action": "secret"}).content.decode()
    assert "shown once" in shown and "whsec_" in shown
    assert "whsec_" not in owner.get("/app/acme/reports/settings/").content.decode()


def test_a_bad_period_falls_back_with_a_reason(team, data):
    page = team.client(team.viewer).get("/app/acme/reports/?start=2026-02-10&end=2026-01-01")
    assert page.status_code == 200
    assert "The end comes before the start." in page.content.decode()
    foreign = team.client(team.viewer).get("/app/acme/reports/?channel=99999")
    assert foreign.status_code == 200 and "Select a valid choice" in foreign.content.decode()


def test_the_navigation_links_to_the_reports(team, data):
    page = team.client(team.viewer).get("/app/acme/calendar/").content.decode()
    assert 'href="/app/acme/reports/"' in page


def test_editors_change_a_cost(team, data):
    campaign = data["campaign"]
    cost = campaign.costs.get()
    url = f"/app/acme/campaigns/{campaign.pk}/costs/{cost.pk}/"
    assert team.client(team.viewer).get(url).status_code == 403
    assert team.client(team.outsider).get(url).status_code == 404
    editor = team.client(team.editor)
    assert 'value="100.00"' in editor.get(url).content.decode()
    changed = editor.post(url, {"kind": "ad_spend", "amount": "120", "incurred_on": today()})
    assert changed.status_code == 302
    cost.refresh_from_db()
    assert cost.amount == 120
    refused = editor.post(url, {"kind": "ad_spend", "amount": "-3", "incurred_on": today()})
    assert refused.status_code == 200
    cost.refresh_from_db()
    assert cost.amount == 120
    other = f"/app/acme/campaigns/{campaign.pk + 999}/costs/{cost.pk}/"
    assert editor.get(other).status_code == 404
