"""Every report table as rows for CSV: the same queries as the dashboard, plain values (ROI as a
ratio, empty when there is no cost; money as decimals; dates as ISO 8601)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import queries
from .queries import Filters, Period

Rows = tuple[list[str], list[list[Any]]]
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class Table:
    title: str
    build: Callable[[int, Period, Filters], Rows]


def _clicks(ws: int, period: Period, filters: Filters) -> Rows:
    previous = queries.clicks_over_time(ws, period.previous(), filters)
    rows = [
        [d.day.isoformat(), d.clicks, d.visitors, d.bot_clicks, p.day.isoformat(), p.clicks]
        for d, p in zip(queries.clicks_over_time(ws, period, filters), previous, strict=True)
    ]
    return ["day", "clicks", "visitors", "bot_clicks", "previous_day", "previous_clicks"], rows


def _links(ws: int, period: Period, filters: Filters) -> Rows:
    rows = [[r.code, r.target, r.campaign, r.clicks, r.visitors, r.bot_clicks]
            for r in queries.top_links(ws, period, filters, limit=1000)]  # fmt: skip
    return ["code", "target", "campaign", "clicks", "visitors", "bot_clicks"], rows


def _referrers(ws: int, period: Period, filters: Filters) -> Rows:
    rows = [[r.host or "(none)", r.clicks]
            for r in queries.top_referrers(ws, period, filters, limit=1000)]  # fmt: skip
    return ["referrer_host", "clicks"], rows


ENGAGEMENT = ["posts", "likes", "reposts", "replies", "quotes", "impressions"]


def _engagement_rows(rows: Iterable[queries.EngagementRow]) -> list[list[Any]]:
    return [[r.label, r.posts, r.likes, r.reposts, r.replies, r.quotes,
             "" if r.impressions is None else r.impressions] for r in rows]  # fmt: skip


def _networks(ws: int, period: Period, filters: Filters) -> Rows:
    return ["network", *ENGAGEMENT], _engagement_rows(
        queries.engagement_by_network(ws, period, filters)
    )


def _posts(ws: int, period: Period, filters: Filters) -> Rows:
    return ["post", "deliveries", *ENGAGEMENT[1:]], _engagement_rows(
        queries.engagement_by_post(ws, period, filters, limit=1000)
    )


def _followers(ws: int, period: Period, filters: Filters) -> Rows:
    rows = []
    for r in queries.follower_growth(ws, period, filters):
        for day, followers in r.series:
            rows.append([r.channel, r.network, day.isoformat(), followers])
    return ["channel", "network", "day", "followers"], rows


def _funnel(ws: int, period: Period, filters: Filters) -> Rows:
    now = queries.funnel(ws, period, filters)
    before = queries.funnel(ws, period.previous(), filters)
    names = ["clicks", "visitors", "bot_clicks", "leads", "sales", "revenue", "cost", "roi"]
    rows = [[name, _plain(getattr(now, name)), _plain(getattr(before, name))] for name in names]
    for currency, amount in now.other_revenue.items():
        rows.append([f"revenue_{currency}_not_converted", _plain(amount), ""])
    for currency, amount in now.other_cost.items():
        rows.append([f"cost_{currency}_not_converted", _plain(amount), ""])
    header = ["figure", f"{period.start}..{period.end} ({now.currency})",
              f"{period.previous().start}..{period.previous().end}"]  # fmt: skip
    return header, rows


ROI = ["clicks", "leads", "sales", "revenue", "cost", "roi", "currency", "not_converted"]


def _roi(rows: Sequence[queries.RoiRow]) -> list[list[Any]]:
    return [[r.label, r.clicks, r.leads, r.sales, _plain(r.revenue), _plain(r.cost),
             _plain(r.roi), r.currency, _not_converted(r)] for r in rows]  # fmt: skip


def _not_converted(r: queries.Money) -> str:
    """Revenue and cost in other currencies, e.g. "revenue 40.00 USD; cost 10.00 USD"."""
    parts = [f"revenue {_plain(v)} {c}" for c, v in r.other_revenue.items()]
    parts += [f"cost {_plain(v)} {c}" for c, v in r.other_cost.items()]
    return "; ".join(parts)


def _roi_campaigns(ws: int, period: Period, filters: Filters) -> Rows:
    rows = queries.roi_by_campaign(ws, period, filters)
    return ["campaign", *ROI, "budget"], [
        [*line, _plain(r.budget)] for line, r in zip(_roi(rows), rows, strict=True)
    ]


def _roi_of(name: str, fn: Callable[..., list[queries.RoiRow]]) -> Callable[..., Rows]:
    def build(ws: int, period: Period, filters: Filters) -> Rows:
        return [name, *ROI], _roi(fn(ws, period, filters))

    return build


TABLES: dict[str, Table] = {
    "clicks": Table("Clicks per day", _clicks),
    "links": Table("Top links", _links),
    "referrers": Table("Referrers", _referrers),
    "networks": Table("Engagement per network", _networks),
    "posts": Table("Engagement per post", _posts),
    "followers": Table("Followers per channel", _followers),
    "funnel": Table("Funnel", _funnel),
    "roi-campaigns": Table("ROI per campaign", _roi_campaigns),
    "roi-channels": Table("ROI per channel", _roi_of("channel", queries.roi_by_channel)),
    "roi-posts": Table("ROI per post", _roi_of("post", queries.roi_by_post)),
    "roi-scoops": Table("ROI per curated item", _roi_of("curated_item", queries.roi_by_scoop)),
}


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        cents = value.quantize(Decimal("0.01"))
        return format(cents if cents == value else value.normalize(), "f")
    return value


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe; a plain
    number (a loss is negative) stays a number."""
    if (
        isinstance(value, str)
        and value[:1] in ("=", "+", "-", "@", "\t", "\r")
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def to_csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
