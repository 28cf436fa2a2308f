"""The reports dashboard, its CSV exports, campaigns and costs, conversions and the measurement
settings. Thin: reads come from `queries`, writes go through `actions`. Every view checks the
role: any member reads, editors change campaigns and costs, owners change settings; someone
outside the workspace gets a 404."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from outlier.core.actions import access_workspace
from outlier.core.authn import request_user
from outlier.core.forms import add_errors
from outlier.core.models import Membership, Role
from outlier.links.models import Campaign
from outlier.relationships import growth

from . import actions, charts, exports, queries
from .forms import CampaignForm, CostForm, ReportForm, SettingsForm
from .queries import Filters, Period


def member_for(request: HttpRequest, ws: str, role: str = Role.VIEWER) -> Membership:
    return access_workspace(request_user(request), ws, role)


def render_page(request: HttpRequest, template: str, member: Membership, **context: Any
                ) -> HttpResponse:  # fmt: skip
    context.update(membership=member, workspace=member.workspace,
                   can_edit=member.allows(Role.EDITOR), is_owner=member.allows(Role.OWNER))  # fmt: skip
    return render(request, f"analytics/{template}", context)


def report_params(request: HttpRequest, member: Membership) -> tuple[ReportForm, Period, Filters]:
    """The period and filters from the query string; bad values fall back to the defaults,
    with the reason on the form."""
    period, filters = queries.period_of(), Filters()
    form = ReportForm(request.GET or None, workspace_id=member.workspace.pk,
                      initial={"start": period.start, "end": period.end})  # fmt: skip
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            period = queries.period_of(data["start"], data["end"])
            filters = Filters(data["channel"], data["campaign"], data["topic"])
        except ValidationError as exc:
            add_errors(form, exc)
    return form, period, filters


def _labels(period: Period) -> list[str]:
    return [day.strftime("%d %b") for day in period.each_day()]


@login_required
def dashboard(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    form, period, filters = report_params(request, member)
    wid = member.workspace.pk
    clicks = queries.clicks_over_time(wid, period, filters)
    previous = queries.clicks_over_time(wid, period.previous(), filters)
    clicks_chart = charts.line_chart(
        [charts.Series("Clicks", [d.clicks for d in clicks]),
         charts.Series("Previous period", [d.clicks for d in previous], dashed=True,
                       color="#adb5bd"),
         charts.Series("Bot clicks (not counted)", [d.bot_clicks for d in clicks],
                       color="#e67700")],
        _labels(period), "Clicks per day",
    )  # fmt: skip
    followers = queries.follower_growth(wid, period, filters)
    by_day = [{day: n for day, n in row.series} for row in followers]
    followers_chart = charts.line_chart(
        [charts.Series(row.channel, [days.get(d) for d in period.each_day()])
         for row, days in zip(followers, by_day, strict=True) if row.series],
        _labels(period), "Followers per channel", floor_zero=False,
    )  # fmt: skip
    people = growth.by_channel(wid, period.start, period.end, filters.channel)
    gains = {g.channel_id: g for g in people}
    funnel = queries.funnel(wid, period, filters)
    funnel_chart = charts.bar_chart(
        [("Clicks", funnel.clicks), ("Leads", funnel.leads), ("Sales", funnel.sales)], "Funnel"
    )
    networks = queries.engagement_by_network(wid, period, filters)
    context = {
        "form": form, "period": period, "previous": period.previous(), "filters": filters,
        "query": request.GET.urlencode(),
        "summary": queries.compare(funnel, queries.funnel(wid, period.previous(), filters)),
        "clicks_chart": clicks_chart, "followers_chart": followers_chart,
        "funnel": funnel, "funnel_chart": funnel_chart,
        "links": queries.top_links(wid, period, filters),
        "referrers": queries.top_referrers(wid, period, filters),
        "networks": networks,
        "networks_chart": charts.bar_chart(
            [(r.label, r.interactions) for r in networks], "Interactions per network"
        ),
        "posts": queries.engagement_by_post(wid, period, filters),
        "followers": followers,
        "follower_rows": [(row, gains.get(row.channel_id)) for row in followers],
        "rises": growth.rises(people, period.days),
        "roi_campaigns": queries.roi_by_campaign(wid, period, filters),
        "roi_channels": queries.roi_by_channel(wid, period, filters),
        "roi_posts": queries.roi_by_post(wid, period, filters, limit=10),
        "roi_scoops": queries.roi_by_scoop(wid, period, filters, limit=10),
        "ranges": [(label, (timezone.now().date() - timedelta(days=n - 1)).isoformat())
                   for label, n in (("7 days", 7), ("30 days", 30), ("90 days", 90),
                                    ("12 months", 365))],
        "today": timezone.now().date().isoformat(),
    }  # fmt: skip
    return render_page(request, "dashboard.html", member, **context)


@login_required
def export(request: HttpRequest, ws: str, table: str) -> HttpResponse:
    member = member_for(request, ws)
    found = exports.TABLES.get(table)
    if found is None:
        raise Http404("No such table.")
    form, period, filters = report_params(request, member)
    if form.is_bound and form.errors:
        return HttpResponse(
            "Bad report parameters: " + "; ".join(str(m) for ms in form.errors.values() for m in ms),
            status=400, content_type="text/plain; charset=utf-8",
        )  # fmt: skip
    header, rows = found.build(member.workspace.pk, period, filters)
    response = HttpResponse(exports.to_csv(header, rows), content_type="text/csv; charset=utf-8")
    name = f"{member.workspace.slug}-{table}-{period.start}-{period.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- campaigns and costs ----------------------------------------------------------------------


@login_required
def campaigns(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    currency = actions.settings_for(member.workspace).currency
    form = CampaignForm(request.POST or None, initial={"currency": currency})
    if request.method == "POST":
        actions.check_role(member, Role.EDITOR)
        if form.is_valid():
            try:
                campaign = actions.do_create_campaign(member, form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, f"Campaign “{campaign.name}” created.")
                return redirect("analytics:campaign", ws, campaign.pk)
    period = queries.period_of(days=365)
    rows = queries.roi_by_campaign(member.workspace.pk, period)
    listed = {c.pk: c for c in Campaign.objects.filter(workspace=member.workspace)}
    return render_page(request, "campaigns.html", member, form=form, period=period,
                       rows=[(listed[r.key], r) for r in rows if r.key in listed])  # fmt: skip


@login_required
def campaign(request: HttpRequest, ws: str, campaign_id: int) -> HttpResponse:
    member = member_for(request, ws)
    found = actions.access_campaign(member, campaign_id)
    initial = {"name": found.name, "slug": found.slug, "budget": found.budget,
               "currency": found.currency, "starts_on": found.starts_on,
               "ends_on": found.ends_on}  # fmt: skip
    form = CampaignForm(None, initial=initial)
    cost_form = CostForm(None, initial={"incurred_on": timezone.now().date()})
    if request.method == "POST":
        actions.check_role(member, Role.EDITOR)
        if request.POST.get("action") == "cost":
            cost_form = CostForm(request.POST)
            if cost_form.is_valid():
                try:
                    cost = actions.do_add_cost(member, found, cost_form.cleaned_data)
                except ValidationError as exc:
                    add_errors(cost_form, exc)
                else:
                    messages.success(request, f"Cost of {cost.amount} {found.currency} added.")
                    return redirect("analytics:campaign", ws, found.pk)
        else:
            form = CampaignForm(request.POST, initial=initial)
            if form.is_valid():
                try:
                    actions.do_update_campaign(member, found, form.cleaned_data)
                except ValidationError as exc:
                    add_errors(form, exc)
                else:
                    messages.success(request, "Campaign saved.")
                    return redirect("analytics:campaign", ws, found.pk)
    period = queries.period_of(days=365)
    [figures] = queries.roi_by_campaign(member.workspace.pk, period, Filters(campaign=found.pk))
    return render_page(request, "campaign.html", member, campaign=found, form=form,
                       cost_form=cost_form, costs=found.costs.all(), figures=figures,
                       period=period, links=found.links.order_by("-created_at")[:50])  # fmt: skip


@login_required
@require_POST
def campaign_delete(request: HttpRequest, ws: str, campaign_id: int) -> HttpResponse:
    member = member_for(request, ws, Role.EDITOR)
    found = actions.access_campaign(member, campaign_id, Role.EDITOR)
    actions.do_delete_campaign(member, found)
    messages.success(request, f"Campaign “{found.name}” removed.")
    return redirect("analytics:campaigns", ws)


@login_required
def cost(request: HttpRequest, ws: str, campaign_id: int, cost_id: int) -> HttpResponse:
    member = member_for(request, ws, Role.EDITOR)
    found = actions.access_cost(member, cost_id, Role.EDITOR)
    if found.campaign_id != campaign_id:
        raise Http404("No such cost.")
    initial = {"kind": found.kind, "description": found.description, "amount": found.amount,
               "hours": found.hours, "rate": found.rate, "incurred_on": found.incurred_on}  # fmt: skip
    form = CostForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_cost(member, found, form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Cost saved.")
            return redirect("analytics:campaign", ws, campaign_id)
    return render_page(request, "cost.html", member, campaign=found.campaign, cost=found,
                       form=form)  # fmt: skip


@login_required
@require_POST
def cost_delete(request: HttpRequest, ws: str, campaign_id: int, cost_id: int) -> HttpResponse:
    member = member_for(request, ws, Role.EDITOR)
    cost = actions.access_cost(member, cost_id, Role.EDITOR)
    if cost.campaign_id != campaign_id:
        raise Http404("No such cost.")
    actions.do_delete_cost(member, cost)
    messages.success(request, "Cost removed.")
    return redirect("analytics:campaign", ws, campaign_id)


# --- conversions and settings -----------------------------------------------------------------


@login_required
def conversions(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws)
    rows = queries.recent_conversions(member.workspace.pk)[:100]
    return render_page(request, "conversions.html", member, conversions=rows)


@login_required
def measurement_settings(request: HttpRequest, ws: str) -> HttpResponse:
    member = member_for(request, ws, Role.OWNER)
    row = actions.settings_for(member.workspace)
    initial = {"attribution": row.attribution, "window_days": row.window_days,
               "currency": row.currency, "weekly_email": row.weekly_email,
               "script_sales": row.script_sales,
               "allowed_origins": "\n".join(row.allowed_origins)}  # fmt: skip
    form = SettingsForm(None, initial=initial)
    secret = ""
    verb = request.POST.get("action", "")
    if request.method == "POST" and verb == "secret":
        secret = actions.do_rotate_webhook_secret(member)
        messages.success(request, "New webhook secret made: copy it now, it is shown once.")
    elif request.method == "POST" and verb == "key":
        actions.do_rotate_public_key(member)
        messages.success(request, "New public key made: update the script tag on your sites.")
        return redirect("analytics:settings", ws)
    elif request.method == "POST":
        form = SettingsForm(request.POST, initial=initial)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["allowed_origins"] = data["allowed_origins"].split()
            try:
                actions.do_update_settings(member, **data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Settings saved.")
                return redirect("analytics:settings", ws)
    row.refresh_from_db()
    return render_page(request, "settings.html", member, form=form, settings_row=row,
                       secret=secret, has_secret=bool(row.webhook_secret),
                       base_url=settings.BASE_URL,
                       click_param=settings.CLICK_ID_PARAM)  # fmt: skip
