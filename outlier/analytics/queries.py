"""The reads the reports share: the dashboard, its CSV exports, the weekly e-mail and the API
all call these. They read the rollup tables (outlier/analytics/rollups.py), never raw clicks.

Every function takes the workspace id, a `Period` (UTC days, both ends included) and
`Filters` (channel, campaign, topic). Money is in the workspace's reporting currency
(AnalyticsSettings.currency) unless said otherwise: revenue in other currencies is counted
apart, never converted.

Costs: a campaign's costs (CampaignCost, by the day they were incurred) are the campaign's.
To give a channel, a post or a curated item its part, each cost is split evenly across the
campaign's tracked links, and a link's part goes to the delivery (channel, post) or the
curated item that published it. ROI = (revenue − cost) / cost; without a cost it is None
(shown "—"), never infinite.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from outlier.curation.models import Scoop, Topic
from outlier.links.models import Campaign, CampaignCost, TrackedLink
from outlier.publishing.models import Channel, Post

from .currencies import DECIMALS
from .models import (
    AnalyticsSettings,
    Conversion,
    DailyClicks,
    DailyConversions,
    DailyFollowers,
    DailyLinkClicks,
    DailyLinkReferrers,
    DailyReferrers,
    DeliveryEngagement,
    LinkOwner,
    MonthlyLinkClicks,
)

MAX_DAYS = 732
ZERO = Decimal(0)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range(self.days)]


def period_of(start: date | None = None, end: date | None = None, days: int = 30) -> Period:
    """A checked period: by default the last `days` days up to today (UTC)."""
    end = end or timezone.now().date()
    start = start or end - timedelta(days=days - 1)
    if end < start:
        raise ValidationError({"end": "The end comes before the start."})
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError({"start": f"A report spans at most {MAX_DAYS} days."})
    return Period(start, end)


@dataclass(frozen=True)
class Filters:
    channel: int | None = None
    campaign: int | None = None
    topic: int | None = None

    @property
    def any(self) -> bool:
        return bool(self.channel or self.campaign or self.topic)

    def owner_q(self, prefix: str = "") -> Q:
        q = Q()
        if self.channel:
            q &= Q(**{f"{prefix}channel_id": self.channel})
        if self.campaign:
            q &= Q(**{f"{prefix}campaign_id": self.campaign})
        if self.topic:
            q &= Q(**{f"{prefix}topic_id": self.topic})
        return q


def filters_of(
    workspace_id: int,
    channel: int | None = None,
    campaign: int | None = None,
    topic: int | None = None,
) -> Filters:
    """Filters whose ids belong to the workspace (another workspace's id is a bad filter)."""
    errors = {}
    if channel and not Channel.objects.filter(pk=channel, workspace_id=workspace_id).exists():
        errors["channel"] = "No such channel in this workspace."
    if campaign and not Campaign.objects.filter(pk=campaign, workspace_id=workspace_id).exists():
        errors["campaign"] = "No such campaign in this workspace."
    if topic and not Topic.objects.filter(pk=topic, workspace_id=workspace_id).exists():
        errors["topic"] = "No such topic in this workspace."
    if errors:
        raise ValidationError(errors)
    return Filters(channel or None, campaign or None, topic or None)


def reporting_currency(workspace_id: int) -> str:
    found = (
        AnalyticsSettings.objects.filter(workspace_id=workspace_id)
        .values_list("currency", flat=True)
        .first()
    )
    return found or "EUR"


def _in(period: Period, name: str = "day") -> Q:
    return Q(**{f"{name}__gte": period.start, f"{name}__lte": period.end})


def _link_clicks(workspace_id: int, period: Period, filters: Filters) -> QuerySet[Any, Any]:
    return DailyLinkClicks.objects.filter(_in(period), filters.owner_q(), workspace_id=workspace_id)


def _months(period: Period) -> tuple[list[Period], date | None, date | None]:
    """The period as its whole calendar months [first, last) and the days either side."""
    first = period.start if period.start.day == 1 else (
        period.start.replace(day=1) + timedelta(days=32)).replace(day=1)  # fmt: skip
    last = (period.end + timedelta(days=1)).replace(day=1)
    if first >= last:
        return [period], None, None
    days = []
    if period.start < first:
        days.append(Period(period.start, first - timedelta(days=1)))
    if last <= period.end:
        days.append(Period(last, period.end))
    return days, first, last


GROUPS = frozenset({"link_id", "campaign_id", "channel_id", "post_id", "scoop_id", "topic_id"})
LINK_BRANCH = "SELECT {select} clicks, bot_clicks, visitors FROM {table} WHERE {where}"
LINK_TOTALS = """SELECT {select} SUM(clicks), SUM(bot_clicks), SUM(visitors)
    FROM ({branches}) AS t {group_by} {order_by}"""


def _link_sums(workspace_id: int, period: Period, filters: Filters, group: str | None = None,
               *, only: Iterable[int] | None = None, top: int | None = None,
               ) -> dict[Any, list[int]]:  # fmt: skip
    """[clicks, bot clicks, visitors] per `group` (link_id, channel_id, …; None: in all) of
    the links that match the filters, optionally only for some ids of the group, or only for
    the `top` groups by clicks (ties by id), in that order.

    Whole months come from MonthlyLinkClicks and the days at either end from DailyLinkClicks
    (a year is a dozen rows per link rather than one per day), in one statement: the branches
    are added up in the database and only the result comes back, without the ORM's per-row
    conversions (thousands of groups over a long period)."""
    if group is not None and group not in GROUPS:
        raise ValueError(f"Cannot group clicks by {group!r}.")
    ops = connection.ops
    days, first, last = _months(period)
    conditions = ["workspace_id = %s"]
    base: list[Any] = [workspace_id]
    for name, value in (("channel_id", filters.channel), ("campaign_id", filters.campaign),
                        ("topic_id", filters.topic)):  # fmt: skip
        if value:
            conditions.append(f"{name} = %s")
            base.append(value)
    if group is not None:
        conditions.append(f"{group} IS NOT NULL")
    wanted = list(only) if only is not None else None
    if wanted is not None:
        if not wanted:
            return {}
        conditions.append(f"{group} IN ({', '.join(['%s'] * len(wanted))})")
        base += wanted
    select = f"{group}," if group else ""
    branches, params = [], []
    for part in days:
        where = " AND ".join([*conditions, "day >= %s", "day <= %s"])
        branches.append(LINK_BRANCH.format(select=select, where=where,
                                           table=DailyLinkClicks._meta.db_table))  # fmt: skip
        params += [*base, ops.adapt_datefield_value(part.start),
                   ops.adapt_datefield_value(part.end)]  # fmt: skip
    if first is not None and last is not None:
        where = " AND ".join([*conditions, "month >= %s", "month < %s"])
        branches.append(LINK_BRANCH.format(select=select, where=where,
                                           table=MonthlyLinkClicks._meta.db_table))  # fmt: skip
        params += [*base, ops.adapt_datefield_value(first), ops.adapt_datefield_value(last)]
    sql = LINK_TOTALS.format(
        select=select, branches=" UNION ALL ".join(branches),
        group_by=f"GROUP BY {group}" if group else "",
        order_by=f"ORDER BY 2 DESC, 1 LIMIT {int(top)}" if group and top else "",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if group is None:
        clicks, bots, visitors = found[0] if found else (0, 0, 0)
        return {None: [int(clicks or 0), int(bots or 0), int(visitors or 0)]}
    return {key: [int(c or 0), int(b or 0), int(v or 0)] for key, c, b, v in found}


def money(value: Decimal | None, currency: str) -> Decimal:
    """An amount with its currency's decimals (sums come back from the database as they may)."""
    return Decimal(value or 0).quantize(Decimal(1).scaleb(-DECIMALS.get(currency, 2)))


def roi(revenue: Decimal, cost: Decimal | None) -> Decimal | None:
    """(revenue − cost) / cost; None without a cost (shown "—")."""
    if not cost:
        return None
    return ((revenue - cost) / cost).quantize(Decimal("0.0001"))


# --- clicks -----------------------------------------------------------------------------------


@dataclass
class DayClicks:
    day: date
    clicks: int = 0
    bot_clicks: int = 0
    visitors: int = 0


def clicks_over_time(workspace_id: int, period: Period, filters: Filters = Filters()
                     ) -> list[DayClicks]:  # fmt: skip
    """Browser clicks, bot clicks (apart) and unique visitors per day, every day listed."""
    if filters.any:
        rows = (
            _link_clicks(workspace_id, period, filters)
            .values("day")
            .annotate(c=Sum("clicks"), b=Sum("bot_clicks"), v=Sum("visitors"))
            .order_by()
        )
    else:
        rows = (
            DailyClicks.objects.filter(_in(period), workspace_id=workspace_id)
            .annotate(c=F("clicks"), b=F("bot_clicks"), v=F("visitors"))
            .values("day", "c", "b", "v")
        )
    found = {r["day"]: DayClicks(r["day"], r["c"] or 0, r["b"] or 0, r["v"] or 0) for r in rows}
    return [found.get(day, DayClicks(day)) for day in period.each_day()]


@dataclass
class LinkRow:
    link_id: int
    code: str
    target: str
    campaign: str
    clicks: int
    bot_clicks: int
    visitors: int


def top_links(workspace_id: int, period: Period, filters: Filters = Filters(), limit: int = 10
              ) -> list[LinkRow]:  # fmt: skip
    best = _link_sums(workspace_id, period, filters, "link_id", top=limit)
    rows = [{"link_id": key, "c": c, "b": b, "v": v} for key, (c, b, v) in best.items()]
    links = {
        pk: (code, target, campaign or "")
        for pk, code, target, campaign in TrackedLink.objects.filter(
            pk__in=[r["link_id"] for r in rows]
        ).values_list("pk", "code", "target", "campaign__name")
    }
    return [
        LinkRow(r["link_id"], *links.get(r["link_id"], ("?", "", "")), r["c"], r["b"], r["v"])
        for r in rows
    ]


@dataclass
class ReferrerRow:
    host: str  # "" = no referrer (direct, an app, a privacy setting)
    clicks: int


def top_referrers(workspace_id: int, period: Period, filters: Filters = Filters(),
                  limit: int = 10) -> list[ReferrerRow]:  # fmt: skip
    rows: QuerySet[Any, Any]
    if filters.any:
        rows = DailyLinkReferrers.objects.filter(
            _in(period), filters.owner_q(), workspace_id=workspace_id
        )
    else:
        rows = DailyReferrers.objects.filter(_in(period), workspace_id=workspace_id)
    grouped = rows.values("host").annotate(c=Sum("clicks")).order_by("-c", "host")[:limit]
    return [ReferrerRow(r["host"], r["c"]) for r in grouped]


# --- engagement and followers -----------------------------------------------------------------


def _engagement(workspace_id: int, period: Period, filters: Filters) -> QuerySet[Any, Any]:
    return DeliveryEngagement.objects.filter(
        _in(period, "sent_on"), filters.owner_q(), workspace_id=workspace_id
    )


@dataclass
class EngagementRow:
    key: str
    label: str
    posts: int
    likes: int
    reposts: int
    replies: int
    quotes: int
    impressions: int | None

    @property
    def interactions(self) -> int:
        return self.likes + self.reposts + self.replies + self.quotes


_SUMS = {"n": Count("delivery_id"), "l": Sum("likes"), "r": Sum("reposts"),
         "p": Sum("replies"), "q": Sum("quotes"), "i": Sum("impressions")}  # fmt: skip


def engagement_by_network(workspace_id: int, period: Period, filters: Filters = Filters()
                          ) -> list[EngagementRow]:  # fmt: skip
    """Per network, the latest counts of the posts delivered in the period."""
    rows = (
        _engagement(workspace_id, period, filters)
        .values("network")
        .annotate(**_SUMS)
        .order_by("network")
    )
    return [EngagementRow(r["network"], r["network"].capitalize(), r["n"], r["l"] or 0,
                          r["r"] or 0, r["p"] or 0, r["q"] or 0, r["i"])
            for r in rows]  # fmt: skip


def engagement_by_post(workspace_id: int, period: Period, filters: Filters = Filters(),
                       limit: int = 20) -> list[EngagementRow]:  # fmt: skip
    """The posts delivered in the period with the most interactions (all their channels)."""
    rows = list(
        _engagement(workspace_id, period, filters)
        .values("post_id")
        .annotate(**_SUMS, total=Sum(F("likes") + F("reposts") + F("replies") + F("quotes")))
        .order_by("-total", "-post_id")[:limit]
    )
    labels = _post_labels([r["post_id"] for r in rows])
    return [EngagementRow(str(r["post_id"]), labels.get(r["post_id"], f"Post {r['post_id']}"),
                          r["n"], r["l"] or 0, r["r"] or 0, r["p"] or 0, r["q"] or 0, r["i"])
            for r in rows]  # fmt: skip


def _post_labels(ids: Iterable[int]) -> dict[int, str]:
    return {
        pk: (title or text or link or f"Post {pk}")[:80]
        for pk, title, text, link in Post.objects.filter(pk__in=list(ids)).values_list(
            "pk", "title", "text", "link"
        )
    }


@dataclass
class FollowerRow:
    channel_id: int
    channel: str
    network: str
    first: int | None
    last: int | None
    series: list[tuple[date, int]] = field(default_factory=list)

    @property
    def change(self) -> int | None:
        if self.first is None or self.last is None:
            return None
        return self.last - self.first


def follower_growth(workspace_id: int, period: Period, filters: Filters = Filters()
                    ) -> list[FollowerRow]:  # fmt: skip
    """Per channel, followers at the first and last day of the period with data, and the
    daily series. (Campaign and topic filters do not apply to followers.)"""
    channels = Channel.objects.filter(workspace_id=workspace_id)
    if filters.channel:
        channels = channels.filter(pk=filters.channel)
    found: dict[int, FollowerRow] = {
        pk: FollowerRow(pk, name, network, None, None)
        for pk, name, network in channels.values_list("pk", "name", "network")
    }
    rows = DailyFollowers.objects.filter(_in(period), workspace_id=workspace_id).order_by("day")
    if filters.channel:
        rows = rows.filter(channel_id=filters.channel)
    for channel_id, day, followers in rows.values_list("channel_id", "day", "followers"):
        row = found.get(channel_id)
        if row is not None:
            row.series.append((day, followers))
    for row in found.values():
        if row.series:
            row.first, row.last = row.series[0][1], row.series[-1][1]
    return list(found.values())


# --- conversions, the funnel and ROI ----------------------------------------------------------


def _conversions(workspace_id: int, period: Period, filters: Filters) -> QuerySet[Any, Any]:
    return DailyConversions.objects.filter(
        _in(period), filters.owner_q(), workspace_id=workspace_id
    )


@dataclass
class Money:
    """Revenue and cost in `currency`, and what was recorded in other currencies: those are
    never converted, and a figure that has any of them gets no ROI (it could not be
    honest)."""

    currency: str
    revenue: Decimal = ZERO
    cost: Decimal = ZERO
    other_revenue: dict[str, Decimal] = field(default_factory=dict)
    other_cost: dict[str, Decimal] = field(default_factory=dict)

    def add_revenue(self, currency: str, amount: Decimal | None) -> None:
        if currency == self.currency:
            self.revenue += amount or ZERO
        elif amount:
            self.other_revenue[currency] = self.other_revenue.get(currency, ZERO) + amount

    def add_cost(self, currency: str, amount: Decimal | None) -> None:
        if currency == self.currency:
            self.cost += amount or ZERO
        elif amount:
            self.other_cost[currency] = self.other_cost.get(currency, ZERO) + amount

    def rounded(self) -> None:
        """Every amount with its currency's decimals (sums come back from the database as
        they may)."""
        self.revenue, self.cost = (
            money(self.revenue, self.currency),
            money(self.cost, self.currency),
        )
        self.other_revenue = {c: money(v, c) for c, v in sorted(self.other_revenue.items())}
        self.other_cost = {c: money(v, c) for c, v in sorted(self.other_cost.items())}

    @property
    def mixed(self) -> bool:
        return bool(self.other_revenue or self.other_cost)

    @property
    def roi(self) -> Decimal | None:
        return None if self.mixed else roi(self.revenue, self.cost)


@dataclass
class Funnel(Money):
    clicks: int = 0
    bot_clicks: int = 0
    visitors: int = 0
    leads: int = 0
    sales: int = 0

    @property
    def lead_rate(self) -> float | None:
        return self.leads / self.clicks if self.clicks else None

    @property
    def sale_rate(self) -> float | None:
        return self.sales / self.leads if self.leads else None


def funnel(workspace_id: int, period: Period, filters: Filters = Filters()) -> Funnel:
    """Clicks → leads → sales, revenue and cost (in the reporting currency, the rest apart)."""
    currency = reporting_currency(workspace_id)
    result = Funnel(currency)
    if filters.any:
        c, b, v = _link_sums(workspace_id, period, filters)[None]
        totals = {"c": c, "b": b, "v": v}
    else:
        totals = DailyClicks.objects.filter(_in(period), workspace_id=workspace_id).aggregate(
            c=Sum("clicks"), b=Sum("bot_clicks"), v=Sum("visitors")
        )
    result.clicks, result.bot_clicks = totals["c"] or 0, totals["b"] or 0
    result.visitors = totals["v"] or 0
    for r in (
        _conversions(workspace_id, period, filters)
        .values("kind", "currency")
        .annotate(n=Sum("conversions"), money=Sum("revenue"))
        .order_by()
    ):
        if r["kind"] == "lead":
            result.leads += r["n"]
        else:
            result.sales += r["n"]
        result.add_revenue(r["currency"], r["money"])
    for cost_currency, amount in (
        _costs(workspace_id, period, filters).by_key("workspace").get("workspace", {}).items()
    ):
        result.add_cost(cost_currency, amount)
    result.rounded()
    return result


@dataclass
class Costs:
    """The costs incurred in a period, per campaign, and how to share them out."""

    workspace_id: int
    per_campaign: dict[int, Decimal]  # the whole cost of each campaign in the period
    currency_of: dict[int, str]  # each campaign's currency
    filters: Filters

    def by_key(self, key: str, only: list[int] | None = None) -> dict[Any, dict[str, Decimal]]:
        """Cost per campaign/channel/post/scoop id (or "workspace" for the total) and currency,
        for the links that match the filters (a campaign filter alone keeps the whole cost)."""
        totals: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        wanted = {pk: amount for pk, amount in self.per_campaign.items()
                  if not self.filters.campaign or pk == self.filters.campaign}  # fmt: skip
        narrow = bool(self.filters.channel or self.filters.topic)
        if key in ("campaign_id", "workspace") and not narrow:
            for campaign_id, amount in wanted.items():
                group = "workspace" if key == "workspace" else campaign_id
                totals[group][self.currency_of[campaign_id]] += amount
            return dict(totals)
        if not wanted:
            return {}
        owners = LinkOwner.objects.filter(workspace_id=self.workspace_id,
                                          campaign_id__in=list(wanted))  # fmt: skip
        links_of = dict(
            owners.values("campaign_id").annotate(n=Count("link_id"))
            .values_list("campaign_id", "n").order_by()
        )  # fmt: skip
        groups = ["campaign_id"] if key in ("campaign_id", "workspace") else [key, "campaign_id"]
        shares = owners.filter(self.filters.owner_q())
        if only is not None:
            shares = shares.filter(**{f"{key}__in": only})
        for row in shares.values(*groups).annotate(n=Count("link_id")).order_by():
            group = "workspace" if key == "workspace" else row[key]
            if group is not None:
                campaign = row["campaign_id"]
                share = wanted[campaign] * row["n"] / links_of[campaign]
                totals[group][self.currency_of[campaign]] += share
        return dict(totals)


def _costs(workspace_id: int, period: Period, filters: Filters) -> Costs:
    """Costs incurred in the period, per campaign, with the campaign's currency."""
    costs = CampaignCost.objects.filter(
        _in(period, "incurred_on"), campaign__workspace_id=workspace_id
    )
    per_campaign, currency_of = {}, {}
    for r in (
        costs.values("campaign_id", "campaign__currency").annotate(total=Sum("amount")).order_by()
    ):
        per_campaign[r["campaign_id"]] = r["total"] or ZERO
        currency_of[r["campaign_id"]] = r["campaign__currency"]
    return Costs(workspace_id, per_campaign, currency_of, filters)


@dataclass(kw_only=True)
class RoiRow(Money):
    key: int
    label: str
    clicks: int = 0
    leads: int = 0
    sales: int = 0
    budget: Decimal | None = None


def _clicks_by(workspace_id: int, period: Period, filters: Filters, key: str,
               only: Iterable[int] | None = None) -> dict[int, int]:  # fmt: skip
    sums = _link_sums(workspace_id, period, filters, key, only=only)
    return {group: totals[0] for group, totals in sums.items()}


def _top_keys(workspace_id: int, period: Period, filters: Filters, key: str, limit: int
              ) -> list[int]:  # fmt: skip
    """The `limit` ids of `key` with the most revenue (in the reporting currency), then the
    most clicks: the rows a "top" ROI table shows, found before anything is added up."""
    currency = reporting_currency(workspace_id)
    chosen = list(
        _conversions(workspace_id, period, filters)
        .filter(currency=currency).exclude(**{f"{key}__isnull": True})
        .values(key).annotate(r=Sum("revenue")).filter(r__gt=0)
        .order_by("-r", key).values_list(key, flat=True)[:limit]
    )  # fmt: skip
    if len(chosen) < limit:
        for pk in _link_sums(workspace_id, period, filters, key, top=2 * limit):
            if pk not in chosen:
                chosen.append(pk)
    return chosen[:limit]


def _roi_rows(workspace_id: int, period: Period, filters: Filters, key: str,
              labels: dict[int, tuple[str, str]], only: list[int] | None = None
              ) -> dict[int, RoiRow]:  # fmt: skip
    """`labels`: id → (label, currency) of the rows listed even without figures; `only`:
    these ids of `key` and no others."""
    rows = {pk: RoiRow(key=pk, label=label, currency=currency)
            for pk, (label, currency) in labels.items()}  # fmt: skip
    default_currency = reporting_currency(workspace_id)

    def row(pk: int) -> RoiRow:
        if pk not in rows:
            rows[pk] = RoiRow(key=pk, label="", currency=default_currency)
        return rows[pk]

    for pk, clicks in _clicks_by(workspace_id, period, filters, key, only).items():
        row(pk).clicks = clicks
    conversions = _conversions(workspace_id, period, filters)
    if only is not None:
        conversions = conversions.filter(**{f"{key}__in": only})
    for r in (
        conversions.exclude(**{f"{key}__isnull": True})
        .values(key, "kind", "currency")
        .annotate(n=Sum("conversions"), money=Sum("revenue"))
        .order_by()
    ):
        target = row(r[key])
        if r["kind"] == "lead":
            target.leads += r["n"]
        else:
            target.sales += r["n"]
        target.add_revenue(r["currency"], r["money"])
    for pk, amounts in _costs(workspace_id, period, filters).by_key(key, only).items():
        for currency, amount in amounts.items():
            row(pk).add_cost(currency, amount)
    for r in rows.values():
        r.rounded()
    return rows


def roi_by_campaign(workspace_id: int, period: Period, filters: Filters = Filters()
                    ) -> list[RoiRow]:  # fmt: skip
    """Every campaign (or the one filtered on), in its own currency."""
    campaigns = Campaign.objects.filter(workspace_id=workspace_id)
    if filters.campaign:
        campaigns = campaigns.filter(pk=filters.campaign)
    found = {pk: (name, currency, budget) for pk, name, currency, budget in
             campaigns.values_list("pk", "name", "currency", "budget")}  # fmt: skip
    rows = _roi_rows(workspace_id, period, filters, "campaign_id",
                     {pk: (name, cur) for pk, (name, cur, _) in found.items()})  # fmt: skip
    result = []
    for pk, r in rows.items():
        if pk in found:
            result.append(replace(r, budget=found[pk][2]))
    return sorted(result, key=lambda r: (-r.revenue, r.label.lower()))


def roi_by_channel(workspace_id: int, period: Period, filters: Filters = Filters()
                   ) -> list[RoiRow]:  # fmt: skip
    channels = Channel.objects.filter(workspace_id=workspace_id)
    if filters.channel:
        channels = channels.filter(pk=filters.channel)
    currency = reporting_currency(workspace_id)
    labels = {pk: (f"{name} ({network})", currency)
              for pk, name, network in channels.values_list("pk", "name", "network")}  # fmt: skip
    rows = _roi_rows(workspace_id, period, filters, "channel_id", labels)
    return sorted((r for pk, r in rows.items() if pk in labels),
                  key=lambda r: (-r.revenue, r.label.lower()))  # fmt: skip


def roi_by_post(workspace_id: int, period: Period, filters: Filters = Filters(),
                limit: int = 50) -> list[RoiRow]:  # fmt: skip
    only = _top_keys(workspace_id, period, filters, "post_id", limit)
    rows = _roi_rows(workspace_id, period, filters, "post_id", {}, only)
    ordered = sorted(rows.values(), key=lambda r: (-r.revenue, -r.clicks, r.key))[:limit]
    labels = _post_labels(r.key for r in ordered)
    for r in ordered:
        r.label = labels.get(r.key, f"Post {r.key}")
    return ordered


def roi_by_scoop(workspace_id: int, period: Period, filters: Filters = Filters(),
                 limit: int = 50) -> list[RoiRow]:  # fmt: skip
    """Per curated item (scoop)."""
    only = _top_keys(workspace_id, period, filters, "scoop_id", limit)
    rows = _roi_rows(workspace_id, period, filters, "scoop_id", {}, only)
    ordered = sorted(rows.values(), key=lambda r: (-r.revenue, -r.clicks, r.key))[:limit]
    labels = {pk: (title or url)[:80] for pk, title, url in Scoop.objects.filter(
        pk__in=[r.key for r in ordered]).values_list("pk", "title", "url")}  # fmt: skip
    for r in ordered:
        r.label = labels.get(r.key, f"Scoop {r.key}")
    return ordered


def recent_conversions(workspace_id: int, kind: str | None = None) -> QuerySet[Conversion]:
    """The workspace's conversions, newest first (the conversions page and the API)."""
    rows = Conversion.objects.filter(workspace_id=workspace_id).select_related(
        "campaign", "channel", "link", "attributed_click"
    )
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-occurred_at", "-pk")


# --- the summary ------------------------------------------------------------------------------


@dataclass
class Compared:
    """A figure in the period and in the previous one."""

    now: Any
    before: Any

    @property
    def change(self) -> float | None:
        if self.now is None or self.before in (None, 0):
            return None
        return float((self.now - self.before) / self.before)


FIGURES = ("clicks", "bot_clicks", "visitors", "leads", "sales", "revenue", "cost", "roi")


def compare(now: Funnel, before: Funnel) -> dict[str, Compared]:
    return {name: Compared(getattr(now, name), getattr(before, name)) for name in FIGURES}


def summary(workspace_id: int, period: Period, filters: Filters = Filters()) -> dict[str, Compared]:
    """The dashboard's headline figures beside the previous period's."""
    return compare(
        funnel(workspace_id, period, filters), funnel(workspace_id, period.previous(), filters)
    )
