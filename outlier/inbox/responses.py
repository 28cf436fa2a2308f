"""How fast the team answers: first-response time and time to done, per item, and a report
with the median and 90th percentile by member, channel and week, and items handled per member.

An item's first response is the first of the team's replies to it that reached its network
(the delivery's `sent_at`), recorded on the item by `sweep` (a worker sweep) with who wrote it.
Time to done is from the item's arrival at its network to when it was marked done.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Min
from django.utils import timezone

from outlier.inbox.models import InboxReply, Interaction
from outlier.publishing.models import DeliveryState


def sweep(limit: int = 500) -> int:
    """Record the first response of items answered since the last sweep; idempotent."""
    answered = (
        InboxReply.objects.filter(
            interaction__first_response_at__isnull=True,
            post__deliveries__state=DeliveryState.SENT,
        )
        .values("interaction_id")
        .annotate(first=Min("post__deliveries__sent_at"))
        .order_by()[:limit]
    )
    count = 0
    for row in answered:
        author = (
            InboxReply.objects.filter(
                interaction_id=row["interaction_id"], post__deliveries__sent_at=row["first"]
            )
            .values_list("author_id", flat=True)
            .first()
        )
        count += Interaction.objects.filter(
            pk=row["interaction_id"], first_response_at__isnull=True
        ).update(first_response_at=row["first"], responded_by_id=author)
    return count


@dataclass(frozen=True)
class Measure:
    """Seconds: the median and the 90th percentile of a group's times, and how many."""

    label: str
    count: int
    median: float | None
    p90: float | None


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (share 0.9: 90th) of the values; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(share * 100) * len(ordered) // 100))
    return ordered[min(rank, len(ordered)) - 1]


def _measures(groups: dict[str, list[float]]) -> list[Measure]:
    return [
        Measure(
            label, len(times), statistics.median(times) if times else None, percentile(times, 0.9)
        )  # fmt: skip
        for label, times in sorted(groups.items())
    ]


@dataclass(frozen=True)
class Report:
    first_response: dict[str, list[Measure]]  # "member", "channel", "week"
    time_to_done: dict[str, list[Measure]]
    handled: list[tuple[str, int]]  # items marked done per member
    overall_first: Measure
    overall_done: Measure


def _week(at: datetime) -> str:
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def report(workspace_id: int, start: datetime, end: datetime,
           channel_id: int | None = None) -> Report:  # fmt: skip
    """Items that arrived between `start` and `end` (work items only)."""
    rows = Interaction.objects.filter(
        workspace_id=workspace_id, is_work=True, created_at__gte=start, created_at__lt=end
    )
    if channel_id:
        rows = rows.filter(channel_id=channel_id)
    values: Iterable[tuple] = rows.values_list(
        "created_at", "first_response_at", "done_at", "channel__name",
        "responded_by__email", "responded_by__display_name",
        "done_by__email", "done_by__display_name",
    )  # fmt: skip
    first: dict[str, dict[str, list[float]]] = {
        k: defaultdict(list) for k in ("member", "channel", "week")
    }
    done: dict[str, dict[str, list[float]]] = {
        k: defaultdict(list) for k in ("member", "channel", "week")
    }
    handled: dict[str, int] = defaultdict(int)
    all_first: list[float] = []
    all_done: list[float] = []
    for at, responded, closed, channel, r_email, r_name, d_email, d_name in values:
        week = _week(at)
        if responded is not None:
            seconds = max(0.0, (responded - at).total_seconds())
            all_first.append(seconds)
            first["member"][r_name or r_email or "(someone who left)"].append(seconds)
            first["channel"][channel].append(seconds)
            first["week"][week].append(seconds)
        if closed is not None:
            seconds = max(0.0, (closed - at).total_seconds())
            all_done.append(seconds)
            who = d_name or d_email or "a rule"
            done["member"][who].append(seconds)
            done["channel"][channel].append(seconds)
            done["week"][week].append(seconds)
            handled[who] += 1
    return Report(
        first_response={k: _measures(v) for k, v in first.items()},
        time_to_done={k: _measures(v) for k, v in done.items()},
        handled=sorted(handled.items(), key=lambda pair: (-pair[1], pair[0])),
        overall_first=_measures({"all": all_first})[0]
        if all_first
        else Measure("all", 0, None, None),
        overall_done=_measures({"all": all_done})[0] if all_done else Measure("all", 0, None, None),
    )


def default_range(now: datetime | None = None, days: int = 28) -> tuple[datetime, datetime]:
    now = now or timezone.now()
    return now - timedelta(days=days), now
