"""Wall times in a zone to UTC instants: DST gaps move forward, folds take the first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from django.core.exceptions import ValidationError

from outlier.publishing import timing


def test_a_time_in_the_spring_gap_moves_to_the_first_valid_minute():
    resolved = timing.resolve(date(2026, 3, 29), time(2, 30), "Europe/Paris")
    assert resolved.instant == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert timing.local(resolved.instant, "Europe/Paris").strftime("%H:%M") == "03:00"
    assert "does not exist" in resolved.note and "moved to 03:00" in resolved.note


def test_a_time_in_the_autumn_fold_takes_the_first_occurrence():
    resolved = timing.resolve(date(2026, 10, 25), time(2, 30), "Europe/Paris")
    assert resolved.instant == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, not CET
    assert "happens twice" in resolved.note and "UTC+02:00" in resolved.note


def test_an_ordinary_time_has_no_note():
    resolved = timing.resolve(date(2026, 7, 1), time(9, 0), "Europe/Paris")
    assert resolved.instant == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert resolved.note == ""


def test_an_hourly_recurrence_across_the_change_keeps_one_hour_steps():
    start = timing.resolve(date(2026, 10, 25), time(1, 0), "Europe/Paris").instant
    instants = [start]
    for _ in range(3):
        instants.append(timing.next_occurrence(instants[-1], 1, "hour", "Europe/Paris"))
    gaps = {(b - a).total_seconds() for a, b in zip(instants, instants[1:], strict=False)}
    assert gaps == {3600.0}
    walls = [timing.local(i, "Europe/Paris").strftime("%H:%M%z") for i in instants]
    assert walls == ["01:00+0200", "02:00+0200", "02:00+0100", "03:00+0100"]


def test_a_daily_recurrence_keeps_the_wall_time_across_the_change():
    start = timing.resolve(date(2026, 3, 28), time(9, 0), "Europe/Paris").instant
    following = timing.next_occurrence(start, 1, "day", "Europe/Paris")
    assert timing.local(following, "Europe/Paris").strftime("%d %H:%M") == "29 09:00"
    assert (following - start).total_seconds() == 23 * 3600


def test_an_unknown_zone_is_a_clear_error():
    with pytest.raises(ValidationError, match="Unknown time zone"):
        timing.resolve(date(2026, 1, 1), time(9, 0), "Mars/Olympus")
