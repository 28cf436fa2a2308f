"""Long periods read whole months from the monthly rollup and the days at either end from the
daily one: the figures are the same as adding up every day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from outlier.analytics import queries
from outlier.analytics.models import MonthlyLinkClicks
from outlier.analytics.queries import Filters, Period, _months
from tests.analytics.factories import make_campaign, make_click, make_link, noon, roll

pytestmark = pytest.mark.django_db


def test_a_period_splits_into_whole_months_and_days():
    days, first, last = _months(Period(date(2026, 1, 20), date(2026, 4, 10)))
    assert (first, last) == (date(2026, 2, 1), date(2026, 4, 1))
    assert days == [Period(date(2026, 1, 20), date(2026, 1, 31)),
                    Period(date(2026, 4, 1), date(2026, 4, 10))]  # fmt: skip
    assert _months(Period(date(2026, 3, 1), date(2026, 3, 31))) == ([], date(2026, 3, 1),
                                                                     date(2026, 4, 1))  # fmt: skip
    short = Period(date(2026, 3, 5), date(2026, 3, 20))
    assert _months(short) == ([short], None, None)


def test_months_and_days_add_up_to_the_same(team):
    campaign = make_campaign(team.workspace)
    busy, quiet = make_link(team.workspace, campaign=campaign), make_link(team.workspace)
    start = date(2026, 1, 25)
    expected = {busy.pk: 0, quiet.pk: 0}
    for n in range(0, 80, 3):
        day = start + timedelta(days=n)
        for link, count in ((busy, 2), (quiet, 1)):
            for k in range(count):
                make_click(link, noon(day), visitor=f"{day}-{k}")
                if date(2026, 1, 28) <= day <= date(2026, 4, 5):
                    expected[link.pk] += 1
    roll()
    assert MonthlyLinkClicks.objects.filter(link_id=busy.pk).count() == 4  # Jan to Apr
    period = Period(date(2026, 1, 28), date(2026, 4, 5))
    rows = {r.link_id: r.clicks for r in queries.top_links(team.workspace.pk, period)}
    assert rows == expected
    only = queries.funnel(team.workspace.pk, period, Filters(campaign=campaign.pk))
    assert only.clicks == expected[busy.pk]
    assert only.visitors == expected[busy.pk]  # a new visitor each time
