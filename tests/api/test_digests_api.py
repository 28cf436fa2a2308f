"""A topic's e-mail subscribers through the REST API: the list with a state filter, the counts,
removing one (editors, write tokens), other workspaces as 404, and the operations in OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime

from django.test import Client

from outlier.digests.models import Subscription
from tests.api.client import Api
from tests.conftest import make_topic
from tests.digests.conftest import make_subscription

START = datetime(2025, 5, 5, 12, tzinfo=UTC)


def test_members_list_and_count_subscribers(team, topic):
    sub = make_subscription(topic, confirmed_at=START, frequency="weekly", weekday=3)
    Subscription.objects.create(topic=topic, email="wait@example.org", email_key="k",
                                time_zone="UTC")  # fmt: skip
    api = Api(team.token(team.viewer, "read"))
    listed = api.get("/topics/climate/subscribers")
    assert listed.status_code == 200
    rows = {row["email"]: row for row in listed.json()}
    row = rows["reader@example.org"]
    assert row["id"] == sub.pk and row["state"] == "active" and row["frequency"] == "weekly"
    assert row["weekday"] == 3 and row["hour"] == 8 and row["time_zone"] == "Europe/Lisbon"
    assert row["next_at"] and row["last_sent_at"] is None and row["bounces"] == 0
    assert [r["email"] for r in api.get("/topics/climate/subscribers?state=pending").json()] == [
        "wait@example.org"]  # fmt: skip
    assert api.get("/topics/climate/subscribers?state=gone").status_code == 422
    counts = api.get("/topics/climate/subscribers/counts").json()
    assert counts == {"total": 2, "pending": 1, "active": 1, "unsubscribed": 0, "bouncing": 0,
                      "daily": 0, "weekly": 1}  # fmt: skip


def test_editors_remove_with_a_write_token(team, topic):
    sub = make_subscription(topic, confirmed_at=START)
    path = f"/topics/climate/subscribers/{sub.pk}"
    assert Api(team.token(team.editor, "read")).delete(path).status_code == 403
    assert Api(team.token(team.contributor)).delete(path).status_code == 403
    assert Subscription.objects.filter(pk=sub.pk).exists()
    editor = Api(team.token(team.editor))
    assert editor.delete(path).status_code == 204
    assert not Subscription.objects.filter(pk=sub.pk).exists()
    assert editor.delete(path).status_code == 404


def test_another_workspace_is_a_404(team, topic):
    rival = make_topic(team.other_workspace, slug="rival-news", name="Rival news")
    theirs = make_subscription(rival, confirmed_at=START)
    owner = Api(team.token(team.owner))
    assert owner.get("/topics/rival-news/subscribers").status_code == 404
    assert owner.delete(f"/topics/climate/subscribers/{theirs.pk}").status_code == 404
    assert owner.delete(f"/topics/rival-news/subscribers/{theirs.pk}").status_code == 404
    assert Subscription.objects.filter(pk=theirs.pk).exists()
    assert Api(team.token(team.outsider)).get("/topics/climate/subscribers").status_code == 404


def test_the_operations_are_in_openapi(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/topics/{slug}/subscribers"]) == {"get"}
    assert set(paths["/api/v1/topics/{slug}/subscribers/counts"]) == {"get"}
    assert set(paths["/api/v1/topics/{slug}/subscribers/{subscriber_id}"]) == {"delete"}
    assert Client().get("/api/v1/topics/climate/subscribers").status_code == 401
