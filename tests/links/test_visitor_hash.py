"""The visitor hash counts unique visitors within a day: the same address and browser give the
same hash all day, and another one the next day (the salt rotates and the old one is deleted)."""

from __future__ import annotations

from datetime import date

import pytest

from outlier.links import visitors
from outlier.links.clicks import buffer, make_rows
from outlier.links.models import Click, VisitorSalt

from .conftest import FIREFOX, IPHONE, follow, make_link

pytestmark = pytest.mark.django_db

NOV_26 = 1795680000.0  # 2026-11-26 08:00 UTC
HOUR = 3600.0


def visitor(epoch: float, address: str = "203.0.113.7", agent: str = FIREFOX) -> str:
    return str(make_rows([(1, epoch, "c", "", agent, address)])[0][7])


def test_stable_within_a_day_different_the_next_day():
    morning, evening = visitor(NOV_26), visitor(NOV_26 + 14 * HOUR)
    tomorrow = visitor(NOV_26 + 24 * HOUR)
    assert morning == evening
    assert tomorrow != morning
    assert visitor(NOV_26, address="203.0.113.8") != morning
    assert visitor(NOV_26, agent=IPHONE) != morning


def test_the_same_in_every_process_of_the_day():
    first = visitor(NOV_26)
    visitors.forget_cached_salts()  # another process: reads the day's salt from the database
    assert visitor(NOV_26 + HOUR) == first


def test_salts_older_than_yesterday_are_deleted():
    for day in (NOV_26 - 3 * 24 * HOUR, NOV_26 - 24 * HOUR, NOV_26):
        visitor(day)
    days = sorted(VisitorSalt.objects.values_list("day", flat=True))
    assert days == [date(2026, 11, 25), date(2026, 11, 26)]
    visitors.sweep_salts(date(2026, 11, 28))
    assert not VisitorSalt.objects.exists()


def test_two_visits_from_one_browser_count_one_visitor(workspace):
    link = make_link(workspace)
    follow(link.code, address="203.0.113.7")
    follow(link.code, address="203.0.113.7")
    follow(link.code, address="203.0.113.9")
    buffer.flush()
    assert Click.objects.count() == 3
    assert Click.objects.values("visitor").distinct().count() == 2
