"""The rollup tables the reports read, kept up to date by the worker (a sweep).

Each source has a watermark row (RollupState): the highest raw row id already looked at. A run
finds what changed since — the UTC days of new clicks and conversions, the deliveries with new
engagement snapshots, the channels and days with new follower snapshots — and recomputes those
days (or deliveries) *whole* from the raw rows, replacing the rollup rows. So:

- it is incremental: a run reads the new raw rows' keys and the raw rows of the days they
  touch, nothing older;
- it is idempotent: recomputing a day from the same raw rows writes the same figures, so
  running twice changes nothing the second time;
- it is exact under concurrency: ids are handed out before commit, so a row may become visible
  after a higher id was already seen. Each run therefore also recomputes what the last
  `LOOKBACK` (15 minutes) touched by time, which covers a click buffered in a web process or a
  metrics pull (at most 10 minutes) committing late.

Unique visitors are counted per link per day and per workspace per day (the visitor hash
changes daily, so no count spans days); a report over several days adds the daily counts.

One worker runs the rollups at a time (a lease on the "rollups" row), at most every
`settings.ROLLUP_SECONDS`.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from outlier.curation.models import Scoop
from outlier.links.models import AgentClass, Campaign, Click, TrackedLink
from outlier.publishing.models import Channel, Delivery, Post

from .attribution import Owner, link_owners
from .models import (
    Conversion,
    DailyClicks,
    DailyConversions,
    DailyFollowers,
    DailyLinkClicks,
    DailyLinkReferrers,
    DailyReferrers,
    DeliveryEngagement,
    EngagementSnapshot,
    FollowerSnapshot,
    LinkOwner,
    MonthlyLinkClicks,
    RollupState,
)

LOOKBACK = timedelta(minutes=15)
LEASE = timedelta(minutes=10)  # renewed as the run goes: a dead worker's lease soon expires
BATCH = 500


def sweep() -> int:
    """The worker's sweep (settings.WORKER_SWEEPS): run the rollups when they are due."""
    return run_rollups()


def run_rollups(now: datetime | None = None, every: float | None = None) -> int:
    """Bring every rollup up to date; returns how many days/deliveries were recomputed
    (0 when another worker holds the lease or the last run is recent)."""
    now = now or timezone.now()
    every = settings.ROLLUP_SECONDS if every is None else every
    if not _lease(now, every):
        return 0
    try:
        dirty = refresh_link_owners()
        done = roll_clicks(now, extra_days=dirty)
        done += roll_engagement(now)
        done += roll_followers(now)
        done += roll_conversions(now)
    finally:
        RollupState.objects.filter(name="rollups").update(ran_at=now, leased_until=None)
    return done


def _lease(now: datetime, every: float) -> bool:
    """Take the run for this worker; a plain read first, so that the sweep's idle calls every
    few seconds never take SQLite's write lock."""
    found = RollupState.objects.filter(name="rollups").values_list("ran_at", "leased_until")
    row = found.first()
    if row is None:
        RollupState.objects.get_or_create(name="rollups")
    else:
        ran_at, leased_until = row
        if ran_at is not None and ran_at > now - timedelta(seconds=every):
            return False
        if leased_until is not None and leased_until >= now:
            return False
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    due = Q(ran_at__isnull=True) | Q(ran_at__lte=now - timedelta(seconds=every))
    taken = RollupState.objects.filter(free, due, name="rollups").update(leased_until=now + LEASE)
    return taken == 1


def _renew() -> None:
    """Keep the lease while a long run (the first one over years of clicks) goes on."""
    RollupState.objects.filter(name="rollups").update(leased_until=timezone.now() + LEASE)


def _state(name: str) -> RollupState:
    state, _ = RollupState.objects.get_or_create(name=name)
    return state


def _advance(state: RollupState, last_id: int, now: datetime) -> None:
    RollupState.objects.filter(name=state.name).update(last_id=last_id, ran_at=now)


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _days_between(start: datetime, end: datetime) -> set[date]:
    first, last = start.astimezone(UTC).date(), end.astimezone(UTC).date()
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def _lookback_days(state: RollupState, now: datetime) -> set[date]:
    if state.ran_at is None:
        return set()
    return _days_between(state.ran_at - LOOKBACK, now)


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


# --- link owners ------------------------------------------------------------------------------

OWNER_COLUMNS = ("campaign_id", "channel_id", "post_id", "scoop_id", "topic_id")


def _owners_fingerprint() -> str:
    """A digest of what link owners depend on: links, deliveries that published one, posts,
    scoops and campaigns (how many, the newest, the latest edit). Any change that can move a
    link to another owner changes it; reading it costs a few indexed aggregates."""
    parts = [
        TrackedLink.objects.aggregate(n=Count("pk"), top=Max("pk")),
        Delivery.objects.filter(tracked_link__isnull=False).aggregate(
            n=Count("pk"), top=Max("pk")
        ),  # fmt: skip
        Post.objects.aggregate(n=Count("pk"), at=Max("updated_at")),
        Scoop.objects.aggregate(n=Count("pk"), at=Max("updated_at")),
        Campaign.objects.aggregate(n=Count("pk"), top=Max("pk")),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def refresh_link_owners() -> set[date]:
    """Bring LinkOwner in line with the links (their campaign, their delivery or scoop) and
    copy a changed owner onto the link's click rollups; the rollup rows of links that are gone
    are removed, and the days they counted in returned so the workspace totals are redone.
    Skipped (one read of a few aggregates) when nothing they depend on changed."""
    fingerprint = _owners_fingerprint()
    if _state("owners").seen == fingerprint:
        return set()
    days = _refresh_owners()
    RollupState.objects.filter(name="owners").update(seen=fingerprint, ran_at=timezone.now())
    return days


def _refresh_owners() -> set[date]:
    owners = link_owners()
    fields = [f.name for f in dataclasses.fields(Owner)]
    stored = {row[0]: Owner(*row) for row in LinkOwner.objects.values_list(*fields)}
    changed = [
        LinkOwner(**owner.__dict__) for pk, owner in owners.items() if stored.get(pk) != owner
    ]
    gone = [pk for pk in stored if pk not in owners]
    days: set[date] = set()
    if gone:
        days = set(DailyLinkClicks.objects.filter(link_id__in=gone).values_list("day", flat=True))
    with transaction.atomic():
        if changed:
            ids = [o.link_id for o in changed]
            for start in range(0, len(ids), BATCH):
                LinkOwner.objects.filter(link_id__in=ids[start : start + BATCH]).delete()
            LinkOwner.objects.bulk_create(changed, batch_size=BATCH)
            for start in range(0, len(ids), BATCH):
                _copy_owners(ids[start : start + BATCH])
        for start in range(0, len(gone), BATCH):
            chunk = gone[start : start + BATCH]
            LinkOwner.objects.filter(link_id__in=chunk).delete()
            DailyLinkClicks.objects.filter(link_id__in=chunk).delete()
            DailyLinkReferrers.objects.filter(link_id__in=chunk).delete()
            MonthlyLinkClicks.objects.filter(link_id__in=chunk).delete()
    return days


def _copy_owners(link_ids: list[int]) -> None:
    """The owner columns of these links' click rollups, from LinkOwner (one statement each)."""
    marks = ", ".join(["%s"] * len(link_ids))
    with connection.cursor() as cursor:
        for model in (DailyLinkClicks, DailyLinkReferrers, MonthlyLinkClicks):
            table = model._meta.db_table
            sets = ", ".join(_sql(COPY_OWNER, column=col, table=table) for col in OWNER_COLUMNS)
            cursor.execute(_sql(UPDATE_OWNERS, table=table, sets=sets, marks=marks), link_ids)


# --- clicks -----------------------------------------------------------------------------------


def roll_clicks(now: datetime, extra_days: Iterable[date] = ()) -> int:
    state = _state("clicks")
    top = Click.objects.aggregate(top=Max("pk"))["top"] or 0
    days = _lookback_days(state, now) | set(extra_days)
    if top > state.last_id:
        new = Click.objects.filter(pk__gt=state.last_id, pk__lte=top)
        days |= {_as_date(d) for d in new.annotate(d=TruncDate("at")).values_list("d", flat=True)
                 .distinct() if d is not None}  # fmt: skip
    for day in sorted(days):
        recompute_click_day(day)
        _renew()
    for month in sorted({day.replace(day=1) for day in days}):
        recompute_link_month(month)
    _advance(state, max(top, state.last_id), now)
    return len(days)


def recompute_link_month(month: date) -> None:
    """Replace the month's per-link sums from its days (after those days were redone)."""
    ops = connection.ops
    following = (month + timedelta(days=32)).replace(day=1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _sql(DELETE_MONTH, table=MonthlyLinkClicks._meta.db_table),
            [ops.adapt_datefield_value(month)],
        )
        cursor.execute(
            _sql(LINK_MONTH),
            [ops.adapt_datefield_value(d) for d in (month, month, following)],
        )


def _sql_params(day: date) -> tuple[Any, Any, Any]:
    """The day and its bounds, adapted as the ORM would (text on SQLite, typed on PostgreSQL)."""
    ops = connection.ops
    start, end = _day_bounds(day)
    return (ops.adapt_datefield_value(day), ops.adapt_datetimefield_value(start),
            ops.adapt_datetimefield_value(end))  # fmt: skip


def recompute_click_day(day: date) -> None:
    """Replace the day's click rollups (per link, per link and referrer, per workspace), each
    with one INSERT … SELECT over the day's clicks: the rows never pass through Python."""
    browser, bot = AgentClass.BROWSER.value, AgentClass.BOT.value
    day_value, start, end = _sql_params(day)
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (DailyLinkClicks, DailyLinkReferrers, DailyReferrers, DailyClicks):
            cursor.execute(_sql(DELETE_DAY, table=model._meta.db_table), [day_value])
        cursor.execute(_sql(CLICKS_PER_LINK), [day_value, browser, bot, browser, start, end])
        cursor.execute(_sql(CLICKS_PER_LINK_HOST), [day_value, start, end, browser])
        cursor.execute(_sql(CLICKS_PER_HOST), [day_value])
        cursor.execute(_sql(CLICKS_PER_WORKSPACE), [day_value, browser, bot, browser, start, end])


# --- engagement -------------------------------------------------------------------------------


def _touched(model: type[EngagementSnapshot] | type[FollowerSnapshot], state: RollupState,
             now: datetime) -> tuple[list[Q], int]:  # fmt: skip
    """What to look at: rows above the watermark, and (apart, each on its own index) rows
    taken within the lookback of the last run."""
    top = model.objects.aggregate(top=Max("pk"))["top"] or 0
    where = [Q(pk__gt=state.last_id, pk__lte=top)]
    if state.ran_at is not None:
        where.append(Q(taken_at__gte=state.ran_at - LOOKBACK))
    return where, max(top, state.last_id)


def roll_engagement(now: datetime) -> int:
    state = _state("engagement")
    wheres, top = _touched(EngagementSnapshot, state, now)
    touched = sorted(
        {pk for where in wheres for pk in EngagementSnapshot.objects.filter(where)
         .order_by().values_list("delivery_id", flat=True).distinct()}
    )  # fmt: skip
    for start in range(0, len(touched), BATCH):
        recompute_engagement(touched[start : start + BATCH])
    _advance(state, top, now)
    return len(touched)


def _campaigns_of_deliveries(ids: list[int]) -> dict[int, int | None]:
    """A delivery's campaign: its link's, else its post's (as for clicks and conversions)."""
    return {
        pk: link_campaign or post_campaign
        for pk, link_campaign, post_campaign in Delivery.objects.filter(pk__in=ids).values_list(
            "pk", "tracked_link__campaign_id", "post__campaign_id"
        )
    }


def recompute_engagement(delivery_ids: list[int]) -> None:
    """Each delivery's latest snapshot (by time, then id), with what the reports group by."""
    latest: dict[int, EngagementSnapshot] = {}
    for snap in EngagementSnapshot.objects.filter(delivery_id__in=delivery_ids).order_by(
        "delivery_id", "taken_at", "pk"
    ):
        latest[snap.delivery_id] = snap  # the last one per delivery wins
    info = {
        row[0]: row
        for row in Delivery.objects.filter(pk__in=list(latest)).values_list(
            "pk", "post__workspace_id", "channel_id", "channel__network", "post_id",
            "post__scoop__topic_id", "sent_at", "due_at",
        )
    }  # fmt: skip
    campaigns = _campaigns_of_deliveries(list(latest))
    rows = []
    for pk, snap in latest.items():
        if pk not in info:
            continue
        _, workspace_id, channel_id, network, post_id, topic_id, sent_at, due_at = info[pk]
        rows.append(DeliveryEngagement(
            delivery_id=pk, workspace_id=workspace_id, channel_id=channel_id, network=network,
            post_id=post_id, topic_id=topic_id, campaign_id=campaigns.get(pk),
            sent_on=(sent_at or due_at).astimezone(UTC).date(), taken_at=snap.taken_at,
            likes=snap.likes, reposts=snap.reposts, replies=snap.replies, quotes=snap.quotes,
            impressions=snap.impressions,
        ))  # fmt: skip
    with transaction.atomic():
        DeliveryEngagement.objects.filter(delivery_id__in=delivery_ids).delete()
        DeliveryEngagement.objects.bulk_create(rows, batch_size=BATCH)


# --- followers --------------------------------------------------------------------------------


def roll_followers(now: datetime) -> int:
    state = _state("followers")
    wheres, top = _touched(FollowerSnapshot, state, now)
    touched: dict[date, set[int]] = defaultdict(set)
    for where in wheres:
        rows = (
            FollowerSnapshot.objects.filter(where)
            .order_by()
            .annotate(d=TruncDate("taken_at"))
            .values_list("d", "channel_id")
            .distinct()
        )
        for day, channel_id in rows:
            touched[_as_date(day)].add(channel_id)
    workspaces = dict(Channel.objects.values_list("pk", "workspace_id"))
    for day, channels in sorted(touched.items()):
        recompute_followers(day, sorted(channels), workspaces)
    _advance(state, top, now)
    return sum(len(c) for c in touched.values())


def recompute_followers(day: date, channel_ids: list[int], workspaces: dict[int, int]) -> None:
    start, end = _day_bounds(day)
    last: dict[int, int] = {}
    for channel_id, followers in (
        FollowerSnapshot.objects.filter(
            channel_id__in=channel_ids, taken_at__gte=start, taken_at__lt=end
        )
        .order_by("channel_id", "taken_at", "pk")
        .values_list("channel_id", "followers")
    ):
        last[channel_id] = followers
    with transaction.atomic():
        DailyFollowers.objects.filter(day=day, channel_id__in=channel_ids).delete()
        DailyFollowers.objects.bulk_create(
            [
                DailyFollowers(channel_id=c, workspace_id=workspaces[c], day=day, followers=n)
                for c, n in last.items()
                if c in workspaces
            ]  # fmt: skip
        )


# --- conversions ------------------------------------------------------------------------------


def roll_conversions(now: datetime) -> int:
    state = _state("conversions")
    top = Conversion.objects.aggregate(top=Max("pk"))["top"] or 0
    touched = [Q(pk__gt=state.last_id, pk__lte=top)]
    if state.ran_at is not None:
        touched.append(Q(recorded_at__gte=state.ran_at - LOOKBACK))
    days: set[date] = set()
    for where in touched:  # apart, so that each reads its own index
        days |= {
            _as_date(d)
            for d in Conversion.objects.filter(where)
            .order_by()
            .annotate(d=TruncDate("occurred_at"))
            .values_list("d", flat=True)
            .distinct()
            if d is not None
        }
    for day in sorted(days):
        recompute_conversion_day(day)
        _renew()
    _advance(state, max(top, state.last_id), now)
    return len(days)


KEYS = ("workspace_id", "kind", "currency", "link_id", "campaign_id", "channel_id", "post_id",
        "scoop_id", "topic_id")  # fmt: skip


def recompute_conversion_day(day: date) -> None:
    day_value, start, end = _sql_params(day)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_sql(DELETE_DAY, table=DailyConversions._meta.db_table), [day_value])
        cursor.execute(_sql(CONVERSIONS_PER_DAY), [day_value, start, end])


# --- the statements ---------------------------------------------------------------------------
# Templates: the names filled in are table and column names from the models, never input.

DELETE_DAY = "DELETE FROM {table} WHERE day = %s"
DELETE_MONTH = "DELETE FROM {table} WHERE month = %s"
COPY_OWNER = "{column} = (SELECT o.{column} FROM {owner} o WHERE o.link_id = {table}.link_id)"
UPDATE_OWNERS = "UPDATE {table} SET {sets} WHERE link_id IN ({marks})"
_CLICKS_OF_THE_DAY = """
    FROM {click} c JOIN {link} l ON l.id = c.link_id LEFT JOIN {owner} o ON o.link_id = c.link_id
    WHERE c."at" >= %s AND c."at" < %s"""
CLICKS_PER_LINK = (
    """
    INSERT INTO {per_link} (link_id, workspace_id, day, clicks, bot_clicks, visitors, {owners})
    SELECT c.link_id, l.workspace_id, %s, SUM(CASE WHEN c.agent = %s THEN 1 ELSE 0 END),
           SUM(CASE WHEN c.agent = %s THEN 1 ELSE 0 END),
           COUNT(DISTINCT CASE WHEN c.agent = %s THEN c.visitor END), {owner_values}
    """
    + _CLICKS_OF_THE_DAY
    + """
    GROUP BY c.link_id, l.workspace_id, {owner_values}"""
)
CLICKS_PER_LINK_HOST = (
    """
    INSERT INTO {per_link_host} (link_id, workspace_id, day, host, clicks, {owners})
    SELECT c.link_id, l.workspace_id, %s, c.referrer_host, COUNT(*), {owner_values}
    """
    + _CLICKS_OF_THE_DAY
    + """ AND c.agent = %s
    GROUP BY c.link_id, l.workspace_id, c.referrer_host, {owner_values}"""
)
LINK_MONTH = """
    INSERT INTO {per_link_month} (link_id, workspace_id, month, clicks, bot_clicks, visitors,
                                  {owners})
    SELECT link_id, workspace_id, %s, SUM(clicks), SUM(bot_clicks), SUM(visitors), {owners}
    FROM {per_link} WHERE day >= %s AND day < %s GROUP BY link_id, workspace_id, {owners}"""
CLICKS_PER_HOST = """
    INSERT INTO {per_host} (workspace_id, day, host, clicks)
    SELECT workspace_id, day, host, SUM(clicks) FROM {per_link_host} WHERE day = %s
    GROUP BY workspace_id, day, host"""
CLICKS_PER_WORKSPACE = """
    INSERT INTO {per_workspace} (workspace_id, day, clicks, bot_clicks, visitors)
    SELECT l.workspace_id, %s, SUM(CASE WHEN c.agent = %s THEN 1 ELSE 0 END),
           SUM(CASE WHEN c.agent = %s THEN 1 ELSE 0 END),
           COUNT(DISTINCT CASE WHEN c.agent = %s THEN c.visitor END)
    FROM {click} c JOIN {link} l ON l.id = c.link_id
    WHERE c."at" >= %s AND c."at" < %s GROUP BY l.workspace_id"""
CONVERSIONS_PER_DAY = """
    INSERT INTO {per_conversion_day} (day, {keys}, conversions, revenue)
    SELECT %s, {keys}, COUNT(*), SUM(amount) FROM {conversion}
    WHERE occurred_at >= %s AND occurred_at < %s GROUP BY {keys}"""


def _sql(template: str, **names: str) -> str:
    tables = {
        "click": Click._meta.db_table, "link": TrackedLink._meta.db_table,
        "owner": LinkOwner._meta.db_table, "per_link": DailyLinkClicks._meta.db_table,
        "per_link_month": MonthlyLinkClicks._meta.db_table,
        "per_link_host": DailyLinkReferrers._meta.db_table,
        "per_host": DailyReferrers._meta.db_table, "per_workspace": DailyClicks._meta.db_table,
        "per_conversion_day": DailyConversions._meta.db_table,
        "conversion": Conversion._meta.db_table, "owners": ", ".join(OWNER_COLUMNS),
        "owner_values": ", ".join(f"o.{col}" for col in OWNER_COLUMNS), "keys": ", ".join(KEYS),
    }  # fmt: skip
    return template.format(**{**tables, **names})
