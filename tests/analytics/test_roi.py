"""ROI = (revenue − cost) / cost per campaign, channel, post and curated item. A campaign's
costs (ad spend, hours × rate) are split evenly across its tracked links; without a cost the
ROI is None, shown "—", never infinite."""

from __future__ import annotations

from decimal import Decimal

import pytest

from outlier.analytics import actions, queries
from outlier.analytics.queries import Filters
from outlier.analytics.templatetags.reports import roi as roi_filter
from tests.analytics.factories import (
    add_cost,
    make_campaign,
    make_click,
    make_post,
    published_link,
    record,
    roll,
)
from tests.conftest import make_scoop, make_topic
from tests.publishing.conftest import make_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(team):
    """Campaign "Spring": 100 EUR of ads and 2 h × 25 EUR of work, two links (one per channel);
    sales of 300 EUR through the first and 60 EUR through the second. "Word of mouth": no cost,
    a 50 EUR sale. "US launch": 10 USD of cost, a 40 USD sale."""
    ws = team.workspace
    member = team.member(team.editor)
    spring = actions.do_create_campaign(member, {"name": "Spring", "currency": "EUR"})
    actions.do_add_cost(member, spring, {"kind": "ad_spend", "amount": "100"})
    time_cost = actions.do_add_cost(member, spring, {"kind": "time", "hours": "2", "rate": "25"})
    assert time_cost.amount == Decimal("50.00")
    mouth = make_campaign(ws, name="Word of mouth")
    us = make_campaign(ws, name="US launch", currency="USD")
    add_cost(us, "10")
    site, social = make_channel(ws, name="Site"), make_channel(ws, name="Social")
    scoop = make_scoop(make_topic(ws))
    post = make_post(ws, text="Spring sale", scoop=scoop)
    first = published_link(ws, site, campaign=spring, post=post)
    second = published_link(ws, social, campaign=spring, text="Spring, again")
    record(ws, click_id=make_click(first).click_id, amount="300")
    make_click(first)  # a click that did not convert
    record(ws, click_id=make_click(second).click_id, amount="60")
    record(ws, click_id=make_click(published_link(ws, social, campaign=mouth)).click_id,
           amount="50")  # fmt: skip
    record(ws, click_id=make_click(published_link(ws, site, campaign=us)).click_id,
           amount="40", currency="USD")  # fmt: skip
    roll()
    return {"spring": spring, "mouth": mouth, "us": us, "site": site, "social": social,
            "post": post, "scoop": scoop}  # fmt: skip


def by_label(rows):
    return {r.label: r for r in rows}


def test_roi_per_campaign(team, shop):
    rows = by_label(queries.roi_by_campaign(team.workspace.pk, queries.period_of()))
    spring = rows["Spring"]
    assert (spring.revenue, spring.cost, spring.sales, spring.clicks) == (
        Decimal("360.000"), Decimal("150.00"), 2, 3)  # fmt: skip
    assert spring.roi == Decimal("1.4000")  # (360 − 150) / 150
    assert rows["Word of mouth"].roi is None and rows["Word of mouth"].revenue == 50
    assert roi_filter(rows["Word of mouth"].roi) == "—" and roi_filter(spring.roi) == "+140.0%"
    us = rows["US launch"]
    assert (us.currency, us.revenue, us.cost, us.roi) == ("USD", 40, 10, Decimal("3.0000"))


def test_roi_per_channel_gets_an_even_part_of_each_campaigns_cost(team, shop):
    rows = by_label(queries.roi_by_channel(team.workspace.pk, queries.period_of()))
    site, social = rows["Site (webhook)"], rows["Social (webhook)"]
    # 60 of Spring plus 50 of Word of mouth (no cost)
    assert (social.revenue, social.cost) == (110, 75)
    assert social.roi == Decimal("0.4667")
    # The site also earned 40 USD at 10 USD of cost: shown apart, never converted, and no
    # ROI mixes the two currencies.
    assert (site.revenue, site.cost) == (300, 75)
    assert (site.other_revenue, site.other_cost) == ({"USD": 40}, {"USD": 10})
    assert site.roi is None and roi_filter(site.roi) == "—"


def test_a_sale_in_another_currency_than_its_campaign_gives_no_false_roi(team):
    ws = team.workspace
    spring = make_campaign(ws, name="Spring")  # EUR
    add_cost(spring, "100")
    record(ws, click_id=make_click(published_link(ws, make_channel(ws), campaign=spring)).click_id,
           amount="500", currency="USD")  # fmt: skip
    roll()
    [row] = queries.roi_by_campaign(ws.pk, queries.period_of())
    assert (row.sales, row.revenue, row.cost) == (1, 0, 100)
    assert row.other_revenue == {"USD": 500}
    assert row.roi is None  # not −100 %: the sale is there, in dollars


def test_a_cost_in_another_currency_is_not_left_out_of_a_channel(team):
    ws = team.workspace
    us = make_campaign(ws, name="US launch", currency="USD")
    add_cost(us, "100")
    record(
        ws,
        click_id=make_click(
            published_link(ws, make_channel(ws, name="Site"), campaign=us)
        ).click_id,
        amount="500",
    )  # fmt: skip  (EUR, the reporting currency)
    roll()
    [row] = queries.roi_by_channel(ws.pk, queries.period_of())
    assert (row.revenue, row.cost, row.other_cost) == (500, 0, {"USD": 100})
    assert row.roi is None  # not +400 % with the dollars of cost forgotten
    funnel = queries.funnel(ws.pk, queries.period_of())
    assert funnel.other_cost == {"USD": 100} and funnel.roi is None


def test_roi_per_post_and_per_curated_item(team, shop):
    ws = team.workspace.pk
    posts = {r.key: r for r in queries.roi_by_post(ws, queries.period_of())}
    post = posts[shop["post"].pk]
    assert (post.label, post.revenue, post.cost, post.roi) == ("Spring sale", 300, 75, 3)
    [scoop] = queries.roi_by_scoop(ws, queries.period_of())
    assert (scoop.key, scoop.revenue, scoop.cost) == (shop["scoop"].pk, 300, 75)


def test_the_funnel_and_the_filters(team, shop):
    ws = team.workspace.pk
    funnel = queries.funnel(ws, queries.period_of())
    assert (funnel.clicks, funnel.sales, funnel.revenue, funnel.cost) == (5, 4, 410, 150)
    assert funnel.other_revenue == {"USD": Decimal("40.000")}
    assert funnel.other_cost == {"USD": Decimal("10.00")}
    assert funnel.roi is None  # two currencies: no single ROI
    euros = queries.funnel(ws, queries.period_of(), Filters(channel=shop["social"].pk))
    assert euros.roi == Decimal("0.4667")
    only_site = queries.funnel(ws, queries.period_of(), Filters(channel=shop["site"].pk))
    assert (only_site.clicks, only_site.revenue, only_site.cost) == (3, 300, 75)
    spring = queries.funnel(ws, queries.period_of(), Filters(campaign=shop["spring"].pk))
    assert (spring.revenue, spring.cost, spring.roi) == (360, 150, Decimal("1.4000"))


def test_costs_count_in_the_period_they_were_incurred(team, shop):
    from datetime import timedelta

    from tests.analytics.factories import today

    add_cost(shop["spring"], "1000", day=today() - timedelta(days=60))
    rows = by_label(queries.roi_by_campaign(team.workspace.pk, queries.period_of(days=30)))
    assert rows["Spring"].cost == 150
    rows = by_label(queries.roi_by_campaign(team.workspace.pk, queries.period_of(days=90)))
    assert rows["Spring"].cost == 1150


def test_a_campaign_without_links_keeps_its_cost_to_itself(team):
    lonely = make_campaign(team.workspace, name="Print ads")
    add_cost(lonely, "80")
    [row] = queries.roi_by_campaign(team.workspace.pk, queries.period_of())
    assert (row.cost, row.revenue, row.roi) == (80, 0, Decimal("-1.0000"))
    assert queries.roi_by_channel(team.workspace.pk, queries.period_of()) == []


def test_cost_checks(team):
    member = team.member(team.editor)
    spring = actions.do_create_campaign(member, {"name": "Spring"})
    from django.core.exceptions import ValidationError

    for bad, field in [({"amount": "-3"}, "amount"), ({"kind": "time", "hours": "2"}, "rate"),
                       ({"kind": "time", "rate": "20"}, "hours"), ({"amount": "x"}, "amount"),
                       ({"amount": "3", "incurred_on": "tomorrow"}, "incurred_on"),
                       ({"kind": "bribe", "amount": "1"}, "kind")]:  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            actions.do_add_cost(member, spring, bad)
        assert field in caught.value.message_dict
    assert not spring.costs.exists()
