"""A topic's subscribers for its curators: counts and the list for every member, removing for
editors and owners, another workspace's topic or subscriber a 404, and the link from the
topic's screen."""

from __future__ import annotations

from datetime import UTC, datetime

from outlier.digests.models import Subscription
from tests.conftest import make_topic
from tests.digests.conftest import make_subscription

START = datetime(2025, 5, 5, 12, tzinfo=UTC)
LIST = "/app/acme/topics/climate/subscribers/"


def test_members_see_the_counts_and_the_list(team, topic):
    make_subscription(topic, "daily@example.org", confirmed_at=START)
    make_subscription(topic, "weekly@example.org", confirmed_at=START, frequency="weekly",
                      weekday=2, time_zone="America/New_York")  # fmt: skip
    Subscription.objects.create(topic=topic, email="wait@example.org", email_key="k",
                                time_zone="UTC")  # fmt: skip
    page = team.client(team.viewer).get(LIST)
    assert page.status_code == 200
    body = page.content.decode()
    assert "<strong data-active>2</strong> subscribed (1 daily, 1 weekly)" in body
    assert "1 waiting for confirmation" in body
    assert "weekly@example.org" in body and "weekly on Wednesday at 08:00 America/New_York" in body
    assert "none yet" in body and "Remove" not in body  # viewers read only
    pending = team.client(team.viewer).get(LIST + "?state=pending").content.decode()
    assert "wait@example.org" in pending and "daily@example.org" not in pending
    topic_page = team.client(team.viewer).get("/app/acme/topics/climate/")
    assert LIST.encode() in topic_page.content


def test_editors_remove_and_others_cannot(team, topic):
    sub = make_subscription(topic, confirmed_at=START)
    url = f"{LIST}{sub.pk}/remove/"
    for user in (team.viewer, team.contributor):
        assert team.client(user).post(url).status_code == 403
    assert Subscription.objects.filter(pk=sub.pk).exists()
    done = team.client(team.editor).post(url, follow=True)
    assert done.status_code == 200 and b"Removed reader@example.org" in done.content
    assert not Subscription.objects.filter(pk=sub.pk).exists()


def test_another_workspace_is_a_404(team, topic):
    rival_topic = make_topic(team.other_workspace, slug="rival-news", name="Rival news")
    theirs = make_subscription(rival_topic, confirmed_at=START)
    outsider = team.client(team.outsider)
    assert outsider.get(LIST).status_code == 404
    owner = team.client(team.owner)
    assert owner.post(f"{LIST}{theirs.pk}/remove/").status_code == 404
    assert (
        owner.post(f"/app/acme/topics/rival-news/subscribers/{theirs.pk}/remove/").status_code
        == 404
    )
    assert Subscription.objects.filter(pk=theirs.pk).exists()
