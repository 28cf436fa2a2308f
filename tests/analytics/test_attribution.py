"""Attribution, resolved when a conversion is recorded: the last click by default, the first
as a workspace option, within a window (90 days by default); a sale follows the lead of the
same customer; bots never count. The click's link gives the campaign, and the delivery or
curated item that published it gives the channel, post, scoop and topic."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outlier.analytics import actions
from outlier.analytics.attribution import link_owners
from outlier.curation.models import Scoop
from outlier.links.models import AgentClass
from tests.analytics.factories import (
    make_campaign,
    make_click,
    make_link,
    make_post,
    published_link,
    record,
)
from tests.conftest import make_scoop, make_topic
from tests.publishing.conftest import make_channel

pytestmark = pytest.mark.django_db

NOW = timezone.now


def test_the_last_click_wins_by_default(team):
    first = make_click(make_link(team.workspace), at=NOW() - timedelta(days=5))
    last = make_click(make_link(team.workspace), at=NOW() - timedelta(days=1))
    conversion = record(team.workspace, click_id=last.click_id, first_click_id=first.click_id)
    assert conversion.attributed_click == last and conversion.link == last.link


def test_the_first_click_wins_when_the_workspace_says_so(team):
    actions.do_update_settings(team.member(team.owner), attribution="first_click")
    first = make_click(make_link(team.workspace), at=NOW() - timedelta(days=5))
    last = make_click(make_link(team.workspace), at=NOW() - timedelta(days=1))
    conversion = record(team.workspace, click_id=last.click_id, first_click_id=first.click_id)
    assert conversion.attributed_click == first and conversion.link == first.link


def test_clicks_outside_the_window_do_not_count(team):
    old = make_click(make_link(team.workspace), at=NOW() - timedelta(days=91))
    conversion = record(team.workspace, click_id=old.click_id)
    assert conversion.attributed_click is None and conversion.link is None
    assert conversion.click == old  # what the caller said is kept

    recent = make_click(make_link(team.workspace), at=NOW() - timedelta(days=89))
    assert record(team.workspace, click_id=recent.click_id).attributed_click == recent


def test_the_window_is_a_workspace_setting(team):
    actions.do_update_settings(team.member(team.owner), window_days=7)
    click = make_click(make_link(team.workspace), at=NOW() - timedelta(days=8))
    assert record(team.workspace, click_id=click.click_id).attributed_click is None


def test_first_click_within_the_window_only(team):
    actions.do_update_settings(team.member(team.owner), attribution="first_click",
                               window_days=30)  # fmt: skip
    too_old = make_click(make_link(team.workspace), at=NOW() - timedelta(days=40))
    last = make_click(make_link(team.workspace), at=NOW() - timedelta(days=2))
    conversion = record(team.workspace, click_id=last.click_id, first_click_id=too_old.click_id)
    assert conversion.attributed_click == last


def test_bots_never_count(team):
    bot = make_click(make_link(team.workspace), agent=AgentClass.BOT)
    conversion = record(team.workspace, click_id=bot.click_id)
    assert conversion.attributed_click is None and conversion.campaign is None
    person = make_click(make_link(team.workspace), at=NOW() - timedelta(days=3))
    mixed = record(team.workspace, click_id=bot.click_id, first_click_id=person.click_id)
    assert mixed.attributed_click == person


def test_a_sale_follows_the_lead_of_the_same_customer(team):
    campaign = make_campaign(team.workspace)
    click = make_click(make_link(team.workspace, campaign=campaign), at=NOW() - timedelta(days=4))
    lead = record(team.workspace, kind="lead", amount=None, click_id=click.click_id,
                  customer_id="crm-42", occurred_at=(NOW() - timedelta(days=3)).isoformat())  # fmt: skip
    sale = record(team.workspace, kind="sale", amount="300", customer_id="crm-42")
    assert lead.attributed_click == click
    assert sale.click is None and sale.attributed_click == click
    assert sale.campaign == campaign
    assert "crm-42" not in sale.customer  # kept as a keyed hash, never as sent

    stranger = record(team.workspace, kind="sale", amount="5", customer_id="crm-43")
    assert stranger.attributed_click is None


def test_a_sale_long_after_the_lead_keeps_the_leads_credit(team):
    # The window is counted from the lead: a click 95 days ago earned a lead 94 days ago, and
    # the customer buys today.
    click = make_click(make_link(team.workspace), at=NOW() - timedelta(days=95))
    lead = record(team.workspace, kind="lead", amount=None, click_id=click.click_id,
                  customer_id="crm-9", occurred_at=(NOW() - timedelta(days=94)).isoformat())  # fmt: skip
    assert lead.attributed_click == click
    sale = record(team.workspace, kind="sale", amount="80", customer_id="crm-9")
    assert sale.attributed_click == click and sale.link == click.link


def test_a_customer_in_another_workspace_is_another_customer(team):
    click = make_click(make_link(team.workspace))
    record(team.workspace, kind="lead", amount=None, click_id=click.click_id, customer_id="c-1")
    make_click(make_link(team.other_workspace))
    theirs = record(team.other_workspace, kind="sale", customer_id="c-1")
    assert theirs.attributed_click is None


def test_a_sale_with_its_own_later_click_is_the_later_clicks(team):
    early = make_click(make_link(team.workspace), at=NOW() - timedelta(days=10))
    record(team.workspace, kind="lead", amount=None, click_id=early.click_id,
           customer_id="c-7", occurred_at=(NOW() - timedelta(days=9)).isoformat())  # fmt: skip
    late = make_click(make_link(team.workspace), at=NOW() - timedelta(days=1))
    assert (
        record(team.workspace, customer_id="c-7", click_id=late.click_id).attributed_click == late
    )
    actions.do_update_settings(team.member(team.owner), attribution="first_click")
    again = record(team.workspace, customer_id="c-7", click_id=late.click_id)
    assert again.attributed_click == early


def test_a_published_link_gives_campaign_channel_post_scoop_and_topic(team):
    topic = make_topic(team.workspace)
    scoop = make_scoop(topic)
    campaign = make_campaign(team.workspace)
    channel = make_channel(team.workspace, name="Hook")
    post = make_post(team.workspace, scoop=scoop)
    link = published_link(team.workspace, channel, campaign=campaign, post=post)
    conversion = record(team.workspace, click_id=make_click(link).click_id)
    assert (conversion.campaign, conversion.channel, conversion.post, conversion.scoop,
            conversion.topic) == (campaign, channel, post, scoop, topic)  # fmt: skip
    assert conversion.delivery is not None and conversion.delivery.channel == channel


def test_a_curated_items_own_link_gives_the_scoop_and_topic(team):
    topic = make_topic(team.workspace)
    scoop = make_scoop(topic)
    site, feed = make_link(team.workspace), make_link(team.workspace)
    Scoop.objects.filter(pk=scoop.pk).update(site_link=site, feed_link=feed)
    for link in (site, feed):  # the topic page's "Read the full article" and the feed's
        owner = link_owners([link.pk])[link.pk]
        assert (owner.scoop_id, owner.topic_id, owner.channel_id) == (scoop.pk, topic.pk, None)
        assert record(team.workspace, click_id=make_click(link).click_id).scoop == scoop


def test_a_link_without_a_campaign_takes_its_posts(team):
    campaign = make_campaign(team.workspace)
    channel = make_channel(team.workspace)
    post = make_post(team.workspace, campaign=campaign)
    link = published_link(team.workspace, channel, post=post)
    assert record(team.workspace, click_id=make_click(link).click_id).campaign == campaign
