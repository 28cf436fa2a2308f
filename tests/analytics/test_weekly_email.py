"""The weekly report by e-mail: a worker sweep sends last week's figures to each workspace's
owners and editors once per week, through a real SMTP server, whatever the sweep's repeats."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, timedelta

import pytest

from outlier.analytics import actions, weekly
from outlier.analytics.models import WeeklyReport
from tests.analytics.factories import add_cost, make_campaign, make_click, make_link, noon, roll
from tests.networks.conftest import smtp_server  # noqa: F401 (the real SMTP peer)

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 16)  # a Monday
SUNDAY = MONDAY - timedelta(days=1)


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def smtp(settings, smtp_server):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.WEEKLY_REPORT_HOUR = 6
    return smtp_server.handler.messages


@pytest.fixture
def busy_week(team):
    link = make_link(team.workspace, campaign=make_campaign(team.workspace, name="Autumn"))
    for n in range(4):
        make_click(link, noon(SUNDAY - timedelta(days=n)))
    make_click(link, noon(SUNDAY - timedelta(days=8)))  # the week before
    add_cost(link.campaign, "20", day=SUNDAY)
    roll()
    return link


def test_owners_and_editors_get_last_weeks_report_once(team, smtp, busy_week):
    assert weekly.sweep(at(MONDAY, 7)) == 2
    assert sorted(r for m in smtp for r in m.rcpt_tos) == ["editor@acme.test", "owner@acme.test"]
    assert all(len(m.rcpt_tos) == 1 for m in smtp)  # one message each
    message = email.message_from_bytes(smtp[0].content, policy=email.policy.default)
    assert message["Subject"] == "Acme: your week 09 Nov – 15 Nov 2026"
    text = message.get_body(("plain",)).get_content()
    assert "Clicks      4 (+300%; 1 the week before)" in text
    assert "Autumn: 0.00 EUR, 20.00 EUR, -100.0%" in text
    assert "/app/acme/reports/?start=2026-11-09&end=2026-11-15" in text
    assert "<b>4</b>" in message.get_body(("html",)).get_content()

    # The sweep runs every few seconds, on every worker: nothing more this week.
    for hour in (8, 12, 23):
        assert weekly.sweep(at(MONDAY, hour)) == 0
    assert weekly.sweep(at(MONDAY + timedelta(days=3), 9)) == 0
    assert len(smtp) == 2
    report = WeeklyReport.objects.get(workspace=team.workspace)
    assert (report.week, report.recipients) == (MONDAY - timedelta(days=7), 2)

    # The next Monday, the next week.
    weekly.sweep(at(MONDAY + timedelta(days=7), 7))
    assert WeeklyReport.objects.filter(workspace=team.workspace).count() == 2


def test_a_quiet_week_sends_nothing(team, smtp):
    assert weekly.sweep(at(MONDAY, 7)) == 0
    assert smtp == []
    assert WeeklyReport.objects.get(workspace=team.workspace).recipients == 0


def test_a_workspace_can_turn_it_off(team, smtp, busy_week):
    actions.do_update_settings(team.member(team.owner), weekly_email=False)
    assert weekly.sweep(at(MONDAY, 7)) == 0
    assert smtp == [] and not WeeklyReport.objects.filter(workspace=team.workspace).exists()


def test_which_week_is_due():
    assert weekly.week_to_report(at(MONDAY, 7)) == MONDAY - timedelta(days=7)
    assert weekly.week_to_report(at(MONDAY, 5)) == MONDAY - timedelta(days=14)
    assert weekly.week_to_report(at(MONDAY + timedelta(days=6), 23)) == MONDAY - timedelta(days=7)


def test_a_failed_send_is_recorded_not_retried(team, settings, busy_week):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    assert weekly.sweep(at(MONDAY, 7)) == 0
    report = WeeklyReport.objects.get(workspace=team.workspace)
    assert report.error and report.sent_at is None
    assert weekly.sweep(at(MONDAY, 8)) == 0  # at most once: a person looks at the error
