"""When a subscriber's next digest goes out: the first slot after a given instant, computed in
the subscriber's IANA zone and returned as a UTC instant.

A slot is the chosen hour (on the minute) of every day, or of the chosen weekday, in local
time. The rule for daylight saving time is the scheduler's (`outlier.publishing.timing`):

- a local time that does not exist (the clocks go forward over it) moves forward to the first
  valid minute: 02:30 on a spring-forward night where 02:00 jumps to 03:00 becomes 03:00;
- a local time that happens twice (the clocks go back over it) is taken at its first
  occurrence, so a digest goes out once that night, not twice.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from outlier.digests.models import Frequency
from outlier.publishing import timing

__all__ = ["next_send"]


def next_send(frequency: str, weekday: int, hour: int, time_zone: str, after: datetime) -> datetime:
    """The first slot strictly after `after` (aware), in UTC."""
    day = timing.local(after, time_zone).date()
    # Start the day before: a slot early in the local day can still lie after `after` when
    # the zone's offset moved. Nine days reach the next weekly slot whatever happens.
    for offset in range(-1, 9):
        candidate = day + timedelta(days=offset)
        if frequency == Frequency.WEEKLY and candidate.weekday() != weekday:
            continue
        instant = timing.resolve(candidate, time(hour), time_zone).instant
        if instant > after:
            return instant
    raise AssertionError("no slot within nine days")  # unreachable: every week has the weekday
