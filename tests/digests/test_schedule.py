"""The next digest's instant, computed in the subscriber's zone and kept in UTC: daily and
weekly at the local hour, across both DST transitions of real zones. The rule: a local time
that does not exist moves forward to the first valid minute; one that happens twice is taken
at its first occurrence (one digest that night, not two)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from outlier.digests import sending
from outlier.digests.models import DigestSend
from outlier.digests.schedule import next_send
from tests.conftest import make_scoop
from tests.digests.conftest import make_subscription


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_daily_keeps_the_local_hour_across_the_change_of_offset():
    # Lisbon: WET (UTC+0) until 30 March 2025 01:00 UTC, then WEST (UTC+1).
    first = next_send("daily", 0, 8, "Europe/Lisbon", utc(2025, 3, 29, 7))
    assert first == utc(2025, 3, 29, 8)
    assert next_send("daily", 0, 8, "Europe/Lisbon", first) == utc(2025, 3, 30, 7)


def test_weekly_goes_on_the_chosen_weekday():
    # 5 March 2025 is a Wednesday; Friday 7 March 18:00 in Tokyo (UTC+9) is 09:00 UTC.
    assert next_send("weekly", 4, 18, "Asia/Tokyo", utc(2025, 3, 5, 12)) == utc(2025, 3, 7, 9)
    assert next_send("weekly", 4, 18, "Asia/Tokyo", utc(2025, 3, 7, 9)) == utc(2025, 3, 14, 9)


def test_a_time_in_the_spring_gap_moves_forward_to_the_first_valid_minute():
    # Lisbon, 30 March 2025: 01:00 jumps to 02:00, so 01:00 does not exist: 02:00 WEST.
    assert next_send("daily", 0, 1, "Europe/Lisbon", utc(2025, 3, 29, 12)) == utc(2025, 3, 30, 1)
    # New York, 9 March 2025: 02:00 jumps to 03:00 EDT (07:00 UTC).
    assert next_send("daily", 0, 2, "America/New_York", utc(2025, 3, 8, 12)) == utc(2025, 3, 9, 7)


def test_a_time_in_the_autumn_fold_is_taken_once_at_its_first_occurrence():
    # Lisbon, 26 October 2025: 02:00 WEST goes back to 01:00 WET; 01:00 happens twice.
    first = next_send("daily", 0, 1, "Europe/Lisbon", utc(2025, 10, 25, 12))
    assert first == utc(2025, 10, 26, 0)  # 01:00 WEST, the first one
    assert next_send("daily", 0, 1, "Europe/Lisbon", first) == utc(2025, 10, 27, 1)
    # New York, 2 November 2025: 01:00 EDT (05:00 UTC) first, 01:00 EST (06:00 UTC) skipped.
    assert next_send("daily", 0, 1, "America/New_York", utc(2025, 11, 1, 12)) == utc(2025, 11, 2, 5)


def test_the_worker_sends_once_on_a_fold_night(team, topic, mailbox):
    sub = make_subscription(topic, hour=1, confirmed_at=utc(2025, 10, 25, 12))
    assert sub.next_at == utc(2025, 10, 26, 0)
    make_scoop(topic, published_at=utc(2025, 10, 25, 18))
    for now in (utc(2025, 10, 26, 0), utc(2025, 10, 26, 1), utc(2025, 10, 26, 1, 30)):
        sending.run_due("w1", now=now)
    assert len(mailbox.messages()) == 1
    sub.refresh_from_db()
    assert sub.next_at == utc(2025, 10, 27, 1)
    make_scoop(topic, published_at=utc(2025, 10, 26, 12))
    sending.run_due("w1", now=utc(2025, 10, 27, 1) + timedelta(seconds=1))
    assert len(mailbox.messages()) == 2 and DigestSend.objects.count() == 2
