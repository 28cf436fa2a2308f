"""Wall-clock times in a user's zone to UTC instants, with one rule for DST gaps and folds.

- A time that does not exist (spring-forward gap) moves forward to the first valid minute.
- A time that exists twice (autumn fold) takes the first occurrence.
- Times are to the minute: the scheduler refuses a time with seconds (`check_minute`)
  rather than cutting it.
- Recurrences step in wall-clock time ("every day at 09:00" stays at 09:00 across DST);
  hourly recurrences step in real hours (every instant is one hour after the previous).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Resolved:
    instant: datetime  # aware, UTC
    note: str = ""  # set when the wall time was adjusted or ambiguous


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"timezone": f"Unknown time zone {name!r}."}) from exc


def check_minute(at: time) -> None:
    """Posts go out on the minute, as in other schedulers (a calendar, a queue of slots): a
    time with seconds is refused rather than quietly cut to its minute."""
    if at.second or at.microsecond:
        typed = at.replace(tzinfo=None).isoformat()
        later = (datetime.combine(date.min, at) + timedelta(minutes=1)).time()
        raise ValidationError({"at": (
            f"Posts are scheduled to the minute, and {typed} has seconds: "
            f"choose {at:%H:%M} or {later:%H:%M}."
        )})  # fmt: skip


def _exists(wall: datetime, tz: ZoneInfo) -> bool:
    aware = wall.replace(tzinfo=tz, fold=0)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall


def resolve(day: date, at: time, tz_name: str) -> Resolved:
    tz = zone(tz_name)
    wall = datetime.combine(day, at.replace(second=0, microsecond=0))
    if not _exists(wall, tz):
        moved = wall
        for _ in range(24 * 60):
            moved += timedelta(minutes=1)
            if _exists(moved, tz):
                break
        instant = moved.replace(tzinfo=tz).astimezone(UTC)
        note = (
            f"{wall:%H:%M} does not exist on {wall:%d %b %Y} in {tz_name} (clocks go forward); "
            f"moved to {moved:%H:%M}."
        )
        return Resolved(instant, note)
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first != second:
        offset = wall.replace(tzinfo=tz, fold=0).strftime("%z")
        note = (
            f"{wall:%H:%M} happens twice on {wall:%d %b %Y} in {tz_name} (clocks go back); "
            f"using the first one (UTC{offset[:3]}:{offset[3:]})."
        )
        return Resolved(first, note)
    return Resolved(first)


def local(instant: datetime, tz_name: str) -> datetime:
    return instant.astimezone(zone(tz_name))


def next_occurrence(previous: datetime, every: int, unit: str, tz_name: str) -> datetime:
    """The occurrence after `previous` (UTC) for a recurrence of `every` `unit`s."""
    if every < 1:
        raise ValidationError({"repeat_every": "Repeat at least every 1."})
    if unit == "hour":
        return previous + timedelta(hours=every)
    step = timedelta(days=every) if unit == "day" else timedelta(weeks=every)
    wall = local(previous, tz_name)
    # Step the wall clock, keep the wall time the user chose (09:00 stays 09:00 across DST).
    target = wall.replace(tzinfo=None) + step
    return resolve(target.date(), target.time(), tz_name).instant
