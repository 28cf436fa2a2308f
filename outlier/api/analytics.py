"""Campaigns and their costs, conversions, measurement settings and every report's figures in
the REST API. The reports are the dashboard's own queries (outlier.analytics.queries)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from outlier.analytics import actions, queries
from outlier.analytics.models import Conversion
from outlier.api.auth import membership
from outlier.core.models import Membership, Role
from outlier.links.models import Campaign, CampaignCost

router = Router(tags=["analytics"])

Money = float | str | None  # checked by the actions: a clear 400 for "abc" or -1


# --- campaigns and costs ----------------------------------------------------------------------


class CampaignOut(Schema):
    id: int
    name: str
    slug: str
    budget: Decimal | None
    currency: str
    starts_on: date | None
    ends_on: date | None
    created_at: datetime


class CampaignIn(Schema):
    name: str
    slug: str | None = None
    budget: Money = None
    currency: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None


class CampaignPatch(Schema):
    name: str | None = None
    slug: str | None = None
    budget: Money = None
    currency: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None


def campaign_out(c: Campaign) -> dict[str, Any]:
    return {"id": c.pk, "name": c.name, "slug": c.slug, "budget": c.budget,
            "currency": c.currency, "starts_on": c.starts_on, "ends_on": c.ends_on,
            "created_at": c.created_at}  # fmt: skip


class CostOut(Schema):
    id: int
    campaign: int
    kind: str
    description: str
    amount: Decimal
    hours: Decimal | None
    rate: Decimal | None
    incurred_on: date


class CostIn(Schema):
    kind: Literal["ad_spend", "time", "other"] = "ad_spend"
    description: str = ""
    amount: Money = None
    hours: Money = None
    rate: Money = None
    incurred_on: str | None = None


class CostPatch(Schema):
    kind: Literal["ad_spend", "time", "other"] | None = None
    description: str | None = None
    amount: Money = None
    hours: Money = None
    rate: Money = None
    incurred_on: str | None = None


def cost_out(c: CampaignCost) -> dict[str, Any]:
    return {"id": c.pk, "campaign": c.campaign_id, "kind": c.kind, "description": c.description,
            "amount": c.amount, "hours": c.hours, "rate": c.rate,
            "incurred_on": c.incurred_on}  # fmt: skip


@router.get("/campaigns", response=list[CampaignOut], summary="List campaigns")
def list_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    member = membership(request)
    return [campaign_out(c) for c in Campaign.objects.filter(workspace=member.workspace)]


@router.post("/campaigns", response={201: CampaignOut}, summary="Create a campaign (editors)")
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[dict[str, Any]]:
    member = membership(request, write=True)
    data = payload.dict(exclude_none=True)
    return Status(201, campaign_out(actions.do_create_campaign(member, data)))


@router.get("/campaigns/{int:campaign_id}", response=CampaignOut, summary="Read a campaign")
def read_campaign(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return campaign_out(actions.access_campaign(membership(request), campaign_id))


@router.patch("/campaigns/{int:campaign_id}", response=CampaignOut,
              summary="Change a campaign (editors)")  # fmt: skip
def update_campaign(request: HttpRequest, campaign_id: int, payload: CampaignPatch
                    ) -> dict[str, Any]:  # fmt: skip
    member = membership(request, write=True)
    found = actions.access_campaign(member, campaign_id, Role.EDITOR)
    data = payload.dict(exclude_unset=True)
    return campaign_out(actions.do_update_campaign(member, found, data))


@router.delete("/campaigns/{int:campaign_id}", response={204: None},
               summary="Remove a campaign and its costs (editors)")  # fmt: skip
def delete_campaign(request: HttpRequest, campaign_id: int) -> Status[None]:
    member = membership(request, write=True)
    actions.do_delete_campaign(member, actions.access_campaign(member, campaign_id, Role.EDITOR))
    return Status(204, None)


@router.get("/campaigns/{int:campaign_id}/costs", response=list[CostOut],
            summary="A campaign's costs")  # fmt: skip
def list_costs(request: HttpRequest, campaign_id: int) -> list[dict[str, Any]]:
    found = actions.access_campaign(membership(request), campaign_id)
    return [cost_out(c) for c in found.costs.all()]


@router.post("/campaigns/{int:campaign_id}/costs", response={201: CostOut},
             summary="Add a cost: an amount, or hours × rate (editors)")  # fmt: skip
def add_cost(request: HttpRequest, campaign_id: int, payload: CostIn) -> Status[dict[str, Any]]:
    member = membership(request, write=True)
    found = actions.access_campaign(member, campaign_id, Role.EDITOR)
    return Status(201, cost_out(actions.do_add_cost(member, found, payload.dict())))


@router.patch("/costs/{int:cost_id}", response=CostOut, summary="Change a cost (editors)")
def update_cost(request: HttpRequest, cost_id: int, payload: CostPatch) -> dict[str, Any]:
    member = membership(request, write=True)
    cost = actions.access_cost(member, cost_id, Role.EDITOR)
    return cost_out(actions.do_update_cost(member, cost, payload.dict(exclude_unset=True)))


@router.delete("/costs/{int:cost_id}", response={204: None}, summary="Remove a cost (editors)")
def delete_cost(request: HttpRequest, cost_id: int) -> Status[None]:
    member = membership(request, write=True)
    actions.do_delete_cost(member, actions.access_cost(member, cost_id, Role.EDITOR))
    return Status(204, None)


# --- conversions ------------------------------------------------------------------------------


class ConversionIn(Schema):
    kind: str
    amount: Money = None
    currency: str
    external_id: str
    click_id: str | None = None
    customer_id: str | None = None
    occurred_at: str | None = None


class ConversionOut(Schema):
    id: int
    kind: str
    amount: Decimal
    currency: str
    external_id: str
    source: str
    occurred_at: datetime
    recorded_at: datetime
    duplicate: bool = False
    attributed: bool
    click_id: str | None
    link: int | None
    campaign: int | None
    channel: int | None
    delivery: int | None
    post: int | None
    scoop: int | None


def conversion_out(c: Conversion, duplicate: bool = False) -> dict[str, Any]:
    return {
        "id": c.pk, "kind": c.kind, "amount": c.money, "currency": c.currency,
        "external_id": c.external_id, "source": c.source, "occurred_at": c.occurred_at,
        "recorded_at": c.recorded_at, "duplicate": duplicate,
        "attributed": c.attributed_click_id is not None,
        "click_id": c.attributed_click.click_id if c.attributed_click else None,
        "link": c.link_id, "campaign": c.campaign_id, "channel": c.channel_id,
        "delivery": c.delivery_id, "post": c.post_id, "scoop": c.scoop_id,
    }  # fmt: skip


@router.post(
    "/conversions", response={200: ConversionOut, 201: ConversionOut},
    summary="Record a lead or a sale (editors; the same external_id twice records one)",
)  # fmt: skip
def record_conversion(request: HttpRequest, payload: ConversionIn) -> Status[dict[str, Any]]:
    """201 with the new conversion, attributed to its click (or the click of the same
    customer's lead); 200 with the first one when `external_id` was recorded already."""
    member = membership(request, write=True)
    conversion, created = actions.do_record_from_api(member, payload.dict())
    return Status(201 if created else 200, conversion_out(conversion, duplicate=not created))


@router.get("/conversions", response=list[ConversionOut], summary="Conversions, newest first")
def list_conversions(request: HttpRequest, kind: Literal["lead", "sale"] | None = None,
                     limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    member = membership(request)
    rows = queries.recent_conversions(member.workspace.pk, kind)
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    return [conversion_out(c) for c in rows[offset : offset + limit]]


# --- measurement settings ---------------------------------------------------------------------


class SettingsOut(Schema):
    attribution: str
    window_days: int
    currency: str
    weekly_email: bool
    allowed_origins: list[str]
    script_sales: bool
    public_key: str
    has_webhook_secret: bool
    script_url: str
    webhook_url: str


class SettingsPatch(Schema):
    attribution: Literal["last_click", "first_click"] | None = None
    window_days: int | None = None
    currency: str | None = None
    weekly_email: bool | None = None
    allowed_origins: list[str] | None = None
    script_sales: bool | None = None


class SecretOut(Schema):
    secret: str


def settings_out(member: Membership) -> dict[str, Any]:
    from django.conf import settings

    row = actions.settings_for(member.workspace)
    return {
        "attribution": row.attribution, "window_days": row.window_days,
        "currency": row.currency, "weekly_email": row.weekly_email,
        "allowed_origins": row.allowed_origins, "script_sales": row.script_sales,
        "public_key": row.public_key,
        "has_webhook_secret": bool(row.webhook_secret),
        "script_url": f"{settings.BASE_URL}/c.js",
        "webhook_url": f"{settings.BASE_URL}/c/{row.public_key}/webhook",
    }  # fmt: skip


@router.get("/analytics/settings", response=SettingsOut, summary="Attribution and keys")
def read_settings(request: HttpRequest) -> dict[str, Any]:
    return settings_out(membership(request))


@router.patch("/analytics/settings", response=SettingsOut, summary="Change them (owners)")
def update_settings(request: HttpRequest, payload: SettingsPatch) -> dict[str, Any]:
    member = membership(request, write=True)
    actions.do_update_settings(member, **payload.dict(exclude_none=True))
    return settings_out(member)


@router.post("/analytics/webhook-secret", response=SecretOut,
             summary="Make a new webhook secret, shown once (owners)")  # fmt: skip
def rotate_secret(request: HttpRequest) -> dict[str, str]:
    return {"secret": actions.do_rotate_webhook_secret(membership(request, write=True))}


# --- reports ----------------------------------------------------------------------------------


class ReportQuery(Schema):
    start: date | None = None
    end: date | None = None
    channel: int | None = None
    campaign: int | None = None
    topic: int | None = None


def _report(request: HttpRequest, q: ReportQuery) -> tuple[int, queries.Period, queries.Filters]:
    member = membership(request)
    wid = member.workspace.pk
    period = queries.period_of(q.start, q.end)
    return wid, period, queries.filters_of(wid, q.channel, q.campaign, q.topic)


class PeriodOut(Schema):
    start: date
    end: date


class FigureOut(Schema):
    now: float | None
    before: float | None
    change: float | None


class SummaryOut(Schema):
    period: PeriodOut
    previous: PeriodOut
    currency: str
    figures: dict[str, FigureOut]
    other_revenue: dict[str, Decimal]
    other_cost: dict[str, Decimal]


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


@router.get("/reports/summary", response=SummaryOut,
            summary="Headline figures beside the previous period")  # fmt: skip
def report_summary(request: HttpRequest, q: Query[ReportQuery]) -> dict[str, Any]:
    wid, period, filters = _report(request, q)
    prev = period.previous()
    funnel = queries.funnel(wid, period, filters)
    figures = queries.compare(funnel, queries.funnel(wid, prev, filters))
    return {
        "period": {"start": period.start, "end": period.end},
        "previous": {"start": prev.start, "end": prev.end},
        "currency": funnel.currency, "other_revenue": funnel.other_revenue,
        "other_cost": funnel.other_cost,
        "figures": {name: {"now": _num(f.now), "before": _num(f.before), "change": f.change}
                    for name, f in figures.items()},
    }  # fmt: skip


class DayOut(Schema):
    day: date
    clicks: int
    visitors: int
    bot_clicks: int


@router.get("/reports/clicks", response=list[DayOut], summary="Clicks per day")
def report_clicks(request: HttpRequest, q: Query[ReportQuery]) -> list[Any]:
    return list(queries.clicks_over_time(*_report(request, q)))


class LinkOut(Schema):
    link_id: int
    code: str
    target: str
    campaign: str
    clicks: int
    visitors: int
    bot_clicks: int


@router.get("/reports/links", response=list[LinkOut], summary="Top links")
def report_links(request: HttpRequest, q: Query[ReportQuery], limit: int = 10) -> list[Any]:
    return list(queries.top_links(*_report(request, q), limit=max(1, min(limit, 1000))))


class ReferrerOut(Schema):
    host: str
    clicks: int


@router.get("/reports/referrers", response=list[ReferrerOut], summary="Top referring sites")
def report_referrers(request: HttpRequest, q: Query[ReportQuery], limit: int = 10) -> list[Any]:
    return list(queries.top_referrers(*_report(request, q), limit=max(1, min(limit, 1000))))


class EngagementOut(Schema):
    key: str
    label: str
    posts: int
    likes: int
    reposts: int
    replies: int
    quotes: int
    impressions: int | None


@router.get("/reports/engagement/networks", response=list[EngagementOut],
            summary="Engagement per network (posts delivered in the period)")  # fmt: skip
def report_networks(request: HttpRequest, q: Query[ReportQuery]) -> list[Any]:
    return list(queries.engagement_by_network(*_report(request, q)))


@router.get("/reports/engagement/posts", response=list[EngagementOut],
            summary="Engagement per post")  # fmt: skip
def report_posts(request: HttpRequest, q: Query[ReportQuery], limit: int = 20) -> list[Any]:
    return list(queries.engagement_by_post(*_report(request, q), limit=max(1, min(limit, 1000))))


class FollowerOut(Schema):
    channel_id: int
    channel: str
    network: str
    first: int | None
    last: int | None
    change: int | None
    series: list[tuple[date, int]]


@router.get("/reports/followers", response=list[FollowerOut], summary="Followers per channel")
def report_followers(request: HttpRequest, q: Query[ReportQuery]) -> list[dict[str, Any]]:
    return [
        {"channel_id": r.channel_id, "channel": r.channel, "network": r.network,
         "first": r.first, "last": r.last, "change": r.change, "series": r.series}
        for r in queries.follower_growth(*_report(request, q))
    ]  # fmt: skip


class FunnelOut(Schema):
    currency: str
    clicks: int
    visitors: int
    bot_clicks: int
    leads: int
    sales: int
    revenue: Decimal
    cost: Decimal
    roi: Decimal | None
    lead_rate: float | None
    sale_rate: float | None
    other_revenue: dict[str, Decimal]
    other_cost: dict[str, Decimal]


@router.get("/reports/funnel", response=FunnelOut, summary="Clicks → leads → sales")
def report_funnel(request: HttpRequest, q: Query[ReportQuery]) -> dict[str, Any]:
    f = queries.funnel(*_report(request, q))
    return {
        "currency": f.currency, "clicks": f.clicks, "visitors": f.visitors,
        "bot_clicks": f.bot_clicks, "leads": f.leads, "sales": f.sales, "revenue": f.revenue,
        "cost": f.cost, "roi": f.roi, "lead_rate": f.lead_rate, "sale_rate": f.sale_rate,
        "other_revenue": f.other_revenue, "other_cost": f.other_cost,
    }  # fmt: skip


class RoiOut(Schema):
    id: int
    label: str
    currency: str
    clicks: int
    leads: int
    sales: int
    revenue: Decimal
    cost: Decimal
    roi: Decimal | None  # (revenue − cost) / cost; null without a cost or with two currencies
    other_revenue: dict[str, Decimal]  # in other currencies than `currency`, not converted
    other_cost: dict[str, Decimal]
    budget: Decimal | None = None


ROI_BY: dict[str, Callable[..., list[queries.RoiRow]]] = {
    "campaigns": queries.roi_by_campaign,
    "channels": queries.roi_by_channel,
    "posts": queries.roi_by_post,
    "scoops": queries.roi_by_scoop,
}


@router.get("/reports/roi/{by}", response=list[RoiOut],
            summary="ROI per campaign, channel, post or curated item (scoop)")  # fmt: skip
def report_roi(request: HttpRequest, by: Literal["campaigns", "channels", "posts", "scoops"],
               q: Query[ReportQuery]) -> list[dict[str, Any]]:  # fmt: skip
    rows = ROI_BY[by](*_report(request, q))
    return [{"id": r.key, "label": r.label, "currency": r.currency, "clicks": r.clicks,
             "leads": r.leads, "sales": r.sales, "revenue": r.revenue, "cost": r.cost,
             "roi": r.roi, "other_revenue": r.other_revenue, "other_cost": r.other_cost,
             "budget": r.budget} for r in rows]  # fmt: skip
