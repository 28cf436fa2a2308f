"""Every report table exports to CSV: the dashboard's figures, plain values, the period and
filters of the page, and text a spreadsheet would run as a formula defused."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from outlier.analytics.exports import TABLES
from tests.analytics.factories import (
    add_cost,
    make_campaign,
    make_click,
    make_link,
    noon,
    published_link,
    record,
    roll,
    today,
)
from tests.publishing.conftest import make_channel

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="acme-')
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def viewer(team):
    return team.client(team.viewer)


def test_every_table_of_the_dashboard_exports(team, viewer):
    page = viewer.get("/app/acme/reports/").content.decode()
    for name in TABLES:
        assert f"/app/acme/reports/{name}.csv" in page, name
        assert rows(viewer.get(f"/app/acme/reports/{name}.csv"))[0], name


def test_clicks_per_day_and_the_previous_period(team, viewer):
    link = make_link(team.workspace)
    make_click(link, noon(today() - timedelta(days=1)))
    make_click(link, noon(today() - timedelta(days=8)))
    roll()
    start, end = today() - timedelta(days=6), today()
    table = rows(viewer.get(f"/app/acme/reports/clicks.csv?start={start}&end={end}"))
    assert table[0] == ["day", "clicks", "visitors", "bot_clicks", "previous_day",
                        "previous_clicks"]  # fmt: skip
    assert len(table) == 1 + 7
    yesterday = next(r for r in table if r[0] == str(today() - timedelta(days=1)))
    assert yesterday[1:4] == ["1", "1", "0"]
    assert yesterday[4:] == [str(today() - timedelta(days=8)), "1"]


def test_roi_per_campaign_with_no_cost_is_empty_not_infinite(team, viewer):
    channel = make_channel(team.workspace)
    paid, free = make_campaign(team.workspace, name="Paid"), make_campaign(team.workspace,
                                                                           name="Free")  # fmt: skip
    add_cost(paid, "40")
    for campaign, amount in ((paid, "100"), (free, "30")):
        link = published_link(team.workspace, channel, campaign=campaign)
        record(team.workspace, click_id=make_click(link).click_id, amount=amount)
    roll()
    table = rows(viewer.get("/app/acme/reports/roi-campaigns.csv"))
    assert table[0] == ["campaign", "clicks", "leads", "sales", "revenue", "cost", "roi",
                        "currency", "not_converted", "budget"]  # fmt: skip
    found = {r[0]: r for r in table[1:]}
    assert found["Paid"][4:9] == ["100.00", "40.00", "1.50", "EUR", ""]
    assert found["Free"][4:7] == ["30.00", "0.00", ""]


def test_a_loss_exports_as_a_negative_number_and_other_currencies_apart(team, viewer):
    channel = make_channel(team.workspace)
    loss, mixed = make_campaign(team.workspace, name="Loss"), make_campaign(team.workspace,
                                                                            name="Mixed")  # fmt: skip
    add_cost(loss, "100")
    add_cost(mixed, "10")
    record(team.workspace, click_id=make_click(published_link(team.workspace, channel,
           campaign=loss)).click_id, amount="25")  # fmt: skip
    record(team.workspace, click_id=make_click(published_link(team.workspace, channel,
           campaign=mixed)).click_id, amount="7", currency="USD")  # fmt: skip
    roll()
    found = {r[0]: r for r in rows(viewer.get("/app/acme/reports/roi-campaigns.csv"))[1:]}
    # a number a spreadsheet can sum, not the text "'-0.75"
    assert found["Loss"][4:9] == ["25.00", "100.00", "-0.75", "EUR", ""]
    # dollars are not converted into euros, so there is no ROI to give
    assert found["Mixed"][4:9] == ["0.00", "10.00", "", "EUR", "revenue 7.00 USD"]


def test_filters_apply_to_the_export(team, viewer):
    channel = make_channel(team.workspace)
    spring = make_campaign(team.workspace, name="Spring")
    make_click(published_link(team.workspace, channel, campaign=spring))
    make_click(make_link(team.workspace))
    roll()
    assert len(rows(viewer.get("/app/acme/reports/links.csv"))) == 3
    only = rows(viewer.get(f"/app/acme/reports/links.csv?campaign={spring.pk}"))
    assert len(only) == 2 and only[1][2] == "Spring"


def test_formulas_are_defused(team, viewer):
    link = make_link(team.workspace)
    make_click(link, referrer_host="=HYPERLINK(evil)")
    make_click(link, referrer_host="@SUM(1)")
    roll()
    table = rows(viewer.get("/app/acme/reports/referrers.csv"))
    assert sorted(r[0] for r in table[1:]) == ["'=HYPERLINK(evil)", "'@SUM(1)"]


def test_unknown_tables_and_bad_parameters(team, viewer):
    assert viewer.get("/app/acme/reports/secrets.csv").status_code == 404
    bad = viewer.get("/app/acme/reports/links.csv?start=not-a-date")
    assert bad.status_code == 400 and "Enter a valid date" in bad.content.decode()
    assert team.client(team.outsider).get("/app/acme/reports/links.csv").status_code == 404
