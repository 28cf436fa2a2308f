"""A schedule time with seconds: posts go out on the minute (as in Hootsuite, Buffer or
Postiz, whose pickers have no seconds), so "09:30:15" is refused with a clear error beside
the time, nothing is saved, and "09:30:00" (as a browser may send 09:30) is 09:30."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outlier.publishing.models import Delivery, Post, PostStatus
from tests.api.client import Api
from tests.publishing.test_screens import compose_data, field_errors, page, text_of


@pytest.mark.parametrize(("typed", "message"), [
    ("09:30:15", "Posts are scheduled to the minute, and 09:30:15 has seconds: choose 09:30 or 09:31."),
    ("23:59:59", "Posts are scheduled to the minute, and 23:59:59 has seconds: choose 23:59 or 00:00."),
    ("09:30:00.5", "Posts are scheduled to the minute, and 09:30:00.500000 has seconds: choose 09:30 or 09:31."),
])  # fmt: skip
def test_a_time_with_seconds_is_refused_beside_the_time(team, channel, typed, message):
    client = team.client(team.editor)
    response = client.post("/app/acme/compose/", compose_data([channel], at=typed))
    assert response.status_code == 200
    assert field_errors(response, "at") == [message]
    # What was typed stays in the form to correct; nothing was saved or scheduled.
    assert page(response).xpath("//textarea[@name='text']")[0].text_content().strip() == (
        "Rivers are rising"
    )
    assert not Post.objects.exists() and not Delivery.objects.exists()


def test_an_existing_draft_is_left_as_it_was(team, channel):
    client = team.client(team.editor)
    client.post("/app/acme/compose/", compose_data([channel], action="save"))
    post = Post.objects.get()
    response = client.post(f"/app/acme/posts/{post.pk}/",
                           compose_data([channel], text="Changed", at="09:30:15"))  # fmt: skip
    assert field_errors(response, "at")[0].startswith("Posts are scheduled to the minute")
    post.refresh_from_db()
    assert post.text == "Rivers are rising" and post.status == PostStatus.DRAFT
    assert post.scheduled_at is None


@pytest.mark.parametrize("typed", ["09:30", "09:30:00"])
def test_a_time_on_the_minute_is_scheduled_as_shown(team, channel, typed):
    client = team.client(team.editor)
    response = client.post("/app/acme/compose/", compose_data([channel], at=typed), follow=True)
    post = Post.objects.get()
    assert post.status == PostStatus.SCHEDULED
    assert post.scheduled_at == datetime(2030, 6, 12, 7, 30, tzinfo=UTC)  # 09:30 in Paris
    assert "Scheduled for Wed 12 Jun 2030, 09:30 (Europe/Paris)." in text_of(page(response))
    assert page(response).xpath("//input[@name='at']/@value") == ["09:30"]


def test_the_api_refuses_seconds_too_and_the_draft_says_why(team, channel):
    api = Api(team.token(team.editor))
    created = api.post("/posts", {"text": "Rivers", "channels": [channel.pk]}).json()
    refused = api.post(f"/posts/{created['id']}/schedule", {
        "when": "at", "date": "2030-06-12", "time": "09:30:15", "timezone": "Europe/Paris"})  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "Posts are scheduled to the minute, and 09:30:15 has seconds: choose 09:30 or 09:31."
    )
    post = Post.objects.get()
    assert post.status == PostStatus.DRAFT and post.scheduled_at is None
    assert post.schedule_refused.startswith("Posts are scheduled to the minute")
    ok = api.post(f"/posts/{created['id']}/schedule", {
        "when": "at", "date": "2030-06-12", "time": "09:30:00", "timezone": "Europe/Paris"})  # fmt: skip
    assert ok.status_code == 200 and ok.json()["scheduled_at"] == "2030-06-12T07:30:00Z"
