"""Response measures: first-response time and time to done per item, and the report's median
and 90th percentile by member, channel and week, and items handled per member."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from outlier.inbox import responses
from outlier.inbox.models import Interaction
from tests.inbox.conftest import arrive


def test_percentiles_are_nearest_rank():
    assert responses.percentile([], 0.9) is None
    assert responses.percentile([5.0], 0.9) == 5.0
    assert responses.percentile([float(n) for n in range(1, 11)], 0.9) == 9.0
    assert responses.percentile([float(n) for n in range(1, 101)], 0.5) == 50.0


def test_the_report_by_member_channel_and_week(team, toot):
    now = timezone.now()
    times = [60, 120, 600, 3600]  # seconds to first response
    for n, seconds in enumerate(times):
        item = arrive(toot, text=f"q{n}", at=now - timedelta(hours=5))
        who = team.editor if n < 2 else team.owner
        Interaction.objects.filter(pk=item.pk).update(
            first_response_at=item.created_at + timedelta(seconds=seconds), responded_by=who,
            state="done", done_at=item.created_at + timedelta(seconds=seconds * 2), done_by=who,
        )  # fmt: skip
    arrive(toot, text="not answered", at=now - timedelta(hours=1))
    arrive(toot, kind="like", text="", at=now - timedelta(hours=1))  # activity never counts
    report = responses.report(team.workspace.pk, now - timedelta(days=1), now)
    assert report.overall_first.count == 4
    assert report.overall_first.median == 360 and report.overall_first.p90 == 3600
    by_member = {m.label: m for m in report.first_response["member"]}
    assert by_member["editor@acme.test"].median == 90 and by_member["owner@acme.test"].count == 2
    assert [m.label for m in report.first_response["channel"]] == ["Toots"]
    assert report.overall_done.median == 720
    assert report.handled == [("editor@acme.test", 2), ("owner@acme.test", 2)]
    page = team.client(team.viewer).get("/app/acme/inbox/report/").content.decode()
    assert "median <strong>6 min</strong>" in page and "1 h" in page
    assert team.client(team.viewer).get("/app/acme/inbox/report/?days=x").status_code == 200


def test_the_reports_link_to_the_response_times(team):
    page = team.client(team.viewer).get("/app/acme/reports/").content.decode()
    assert 'href="/app/acme/inbox/report/">Response times</a>' in page
