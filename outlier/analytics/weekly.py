"""The weekly report by e-mail: on Monday (from settings.WEEKLY_REPORT_HOUR, UTC) each workspace's
owners and editors get last week's figures (Monday to Sunday, beside the week before).

A worker sweep. A WeeklyReport row is made *before* sending, under a unique constraint on
(workspace, week): however many workers run the sweep, however often, a week is reported at
most once per workspace. A send that fails is recorded on the row and not retried (a second
mail is worse than a missing one). A quiet week (no clicks, conversions or costs) sends nothing.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from outlier.core.models import Membership, Role, Workspace

from . import queries
from .models import WeeklyReport

logger = logging.getLogger(__name__)


def week_to_report(now: datetime) -> date:
    """The Monday of the last full week whose report may go out at `now`: last week's from
    this Monday's sending hour on, the week before's until then."""
    today = now.astimezone(UTC).date()
    monday = today - timedelta(days=today.weekday())
    if now < datetime.combine(monday, time(settings.WEEKLY_REPORT_HOUR), tzinfo=UTC):
        monday -= timedelta(days=7)
    return monday - timedelta(days=7)


def sweep(now: datetime | None = None) -> int:
    """Send every workspace's report for the last full week that has not gone out yet;
    returns the number of e-mails sent."""
    now = now or timezone.now()
    week = week_to_report(now)
    done = WeeklyReport.objects.filter(week=week).values("workspace_id")
    pending = (
        Workspace.objects.exclude(pk__in=done)
        .exclude(analytics_settings__weekly_email=False)
        .order_by("pk")
    )
    sent = 0
    for workspace in pending:
        try:
            with transaction.atomic():
                report = WeeklyReport.objects.create(workspace=workspace, week=week)
        except IntegrityError:
            continue  # another worker has it
        sent += send(report, workspace, now)
    return sent


def recipients(workspace: Workspace) -> list[str]:
    members = Membership.objects.filter(
        workspace=workspace, role__in=[Role.OWNER, Role.EDITOR], user__is_active=True
    ).select_related("user")
    return sorted({m.user.email for m in members if m.user.email})


def send(report: WeeklyReport, workspace: Workspace, now: datetime) -> int:
    period = queries.Period(report.week, report.week + timedelta(days=6))
    wid = workspace.pk
    summary = queries.summary(wid, period)
    quiet = not any(
        summary[name].now for name in ("clicks", "bot_clicks", "leads", "sales", "cost")
    )
    to = [] if quiet else recipients(workspace)
    if not to:
        WeeklyReport.objects.filter(pk=report.pk).update(sent_at=now, recipients=0)
        return 0
    dashboard = settings.BASE_URL + reverse("analytics:dashboard", args=[workspace.slug])
    context = {
        "workspace": workspace, "period": period, "previous": period.previous(),
        "summary": summary, "links": queries.top_links(wid, period, limit=5),
        "referrers": queries.top_referrers(wid, period, limit=5),
        "campaigns": queries.roi_by_campaign(wid, period)[:10],
        "channels": queries.roi_by_channel(wid, period),
        "followers": [r for r in queries.follower_growth(wid, period) if r.series],
        "url": f"{dashboard}?start={period.start}&end={period.end}",
        "currency": queries.reporting_currency(wid),
    }  # fmt: skip
    subject = f"{workspace.name}: your week {period.start:%d %b} – {period.end:%d %b %Y}"
    text = render_to_string("analytics/weekly_email.txt", context)
    html = render_to_string("analytics/weekly_email.html", context)
    messages = []
    for address in to:
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    try:
        count = get_connection().send_messages(messages) or 0
    except Exception as exc:  # recorded; not retried (at most once)
        logger.exception("The weekly report of %s failed", workspace)
        WeeklyReport.objects.filter(pk=report.pk).update(error=str(exc)[:500])
        return 0
    WeeklyReport.objects.filter(pk=report.pk).update(sent_at=now, recipients=count)
    return count
