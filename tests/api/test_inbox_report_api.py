"""The response report through the REST API: median and 90th percentile of first-response
time and time to done, overall and by member, channel and week, and items handled per member,
for a period given in days or by dates; a bad period or channel is a 400."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from outlier.inbox.models import Interaction
from outlier.publishing.models import Channel
from tests.api.client import Api
from tests.inbox.conftest import arrive, rival_toot, toot  # noqa: F401 (the channels)
from tests.mastodon.conftest import loopback_allowed, mastodon  # noqa: F401 (their server)


@pytest.fixture
def channel(request) -> Channel:
    return request.getfixturevalue("toot")


@pytest.fixture
def rival(request) -> Channel:
    return request.getfixturevalue("rival_toot")


def answered(channel: Channel, at: datetime, seconds: int, who) -> Interaction:
    item = arrive(channel, text=f"asked at {at:%H:%M}", at=at)
    Interaction.objects.filter(pk=item.pk).update(
        first_response_at=at + timedelta(seconds=seconds), responded_by=who,
        state="done", done_at=at + timedelta(seconds=seconds * 2), done_by=who,
    )  # fmt: skip
    return item


def test_the_report_by_member_channel_and_week(team, channel):
    now = timezone.now()
    for n, seconds in enumerate([60, 120, 600, 3600]):
        answered(channel, now - timedelta(hours=5), seconds, team.editor if n < 2 else team.owner)
    arrive(channel, text="not answered", at=now - timedelta(hours=1))
    arrive(channel, kind="like", text="", at=now - timedelta(hours=1))  # activity never counts
    answered(channel, now - timedelta(days=40), 5, team.editor)  # before the period
    api = Api(team.token(team.viewer, "read"))
    answer = api.get("/inbox/report")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["first_response"] == {"label": "all", "count": 4, "median": 360.0,
                                      "p90": 3600.0}  # fmt: skip
    assert body["time_to_done"]["median"] == 720.0
    by_member = {m["label"]: m for m in body["first_response_by"]["member"]}
    assert by_member["editor@acme.test"]["median"] == 90.0
    assert by_member["owner@acme.test"]["count"] == 2
    assert [m["label"] for m in body["first_response_by"]["channel"]] == ["Toots"]
    assert [m["label"] for m in body["time_to_done_by"]["week"]] == [
        "{}-W{:02d}".format(*(now - timedelta(hours=5)).isocalendar()[:2])
    ]
    assert body["handled"] == [{"member": "editor@acme.test", "done": 2},
                               {"member": "owner@acme.test", "done": 2}]  # fmt: skip
    # 60 days reach the old item too.
    longer = api.get("/inbox/report?days=60").json()
    assert longer["first_response"]["count"] == 5


def test_a_period_by_dates_and_a_channel(team, channel):
    day = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
    answered(channel, day, 60, team.editor)
    answered(channel, day + timedelta(days=2), 600, team.editor)
    api = Api(team.token(team.editor))
    body = api.get(f"/inbox/report?start=2030-03-04&end=2030-03-04&channel={channel.pk}").json()
    assert body["start"].startswith("2030-03-04T00:00:00") and body["end"].startswith("2030-03-05")
    assert body["first_response"]["count"] == 1 and body["first_response"]["median"] == 60.0
    both = api.get("/inbox/report?start=2030-03-01&end=2030-03-31").json()
    assert both["first_response"]["count"] == 2
    nothing = api.get("/inbox/report?start=2030-04-01&end=2030-04-30").json()
    assert nothing["first_response"] == {"label": "all", "count": 0, "median": None, "p90": None}
    assert nothing["handled"] == [] and nothing["first_response_by"]["member"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("start=2030-03-10&end=2030-03-01", "end"),
        ("start=2028-01-01&end=2030-01-01", "start"),
        ("days=0", "days"),
        ("days=9999", "days"),
    ],
)
def test_a_bad_period_is_a_400(team, query, field):
    answer = Api(team.token(team.viewer, "read")).get(f"/inbox/report?{query}")
    assert answer.status_code == 400 and field in answer.json()["errors"]


def test_another_workspaces_channel_is_a_bad_filter(team, channel, rival):
    api = Api(team.token(team.editor))
    answer = api.get(f"/inbox/report?channel={rival.pk}")
    assert answer.status_code == 400
    assert answer.json()["errors"] == {"channel": ["No such channel in this workspace."]}
    assert api.get("/inbox/report?start=soon").status_code == 422  # not a date at all
