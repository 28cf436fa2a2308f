"""Reading back from a network on a schedule: follower counts and each published post's
engagement stored as time-stamped snapshots. (The interactions that feed the inbox are read on
their own interval: tests/inbox/test_pulls.py.)

Runs against the Mastodon contract server (tests/mastodon/conftest.py): the post is published
by the delivery engine, then the worker's pull job reads the network back.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outlier.analytics import pulls
from outlier.analytics.models import ChannelPull, EngagementSnapshot, FollowerSnapshot
from outlier.inbox import pulls as inbox_pulls
from outlier.inbox.models import Interaction
from outlier.publishing.models import Channel, ChannelStatus, Delivery
from tests.mastodon.conftest import FakeMastodon
from tests.publishing.conftest import make_channel
from tests.publishing.test_delivery import post_now, run_worker

WORKER = "pull-worker"


@pytest.fixture
def toot(team, mastodon: FakeMastodon) -> Channel:
    config = mastodon.config()
    return make_channel(team.workspace, network="mastodon", name="Acme on Mastodon",
                        settings={"instance_url": config["instance_url"], "visibility": "public"},
                        credentials={"access_token": config["access_token"]})  # fmt: skip


def published(team, channel: Channel, mastodon: FakeMastodon) -> Delivery:
    post_now(team, channel, text="Launch day")
    run_worker()
    delivery = Delivery.objects.get(channel=channel)
    assert delivery.state == "sent", delivery.error
    return delivery


def test_a_due_channel_is_pulled_into_snapshots(team, toot, mastodon):
    delivery = published(team, toot, mastodon)
    status = mastodon.statuses[delivery.remote_id]
    status.update(favourites_count=12, reblogs_count=3, replies_count=2)
    mastodon.account["followers_count"] = 321
    for note in mastodon.notifications:  # the recorded reply and like concern our post now
        if note.get("status", {}).get("in_reply_to_id") == "110000000000000101":
            note["status"]["in_reply_to_id"] = delivery.remote_id
        elif note["type"] in ("favourite", "reblog"):
            note["status"]["id"] = delivery.remote_id

    assert pulls.schedule_pulls() == 1 and pulls.schedule_pulls() == 0  # idempotent
    assert pulls.run_due(WORKER) == 1

    [followers] = FollowerSnapshot.objects.filter(channel=toot)
    assert followers.followers == 321
    [snapshot] = EngagementSnapshot.objects.filter(delivery=delivery)
    assert (snapshot.likes, snapshot.reposts, snapshot.replies) == (12, 3, 2)
    assert not Interaction.objects.exists()  # the inbox's own pull reads those
    pull = ChannelPull.objects.get(channel=toot)
    assert pull.last_error == "" and pull.claimed_by == ""
    assert pull.next_at > timezone.now() + timedelta(minutes=59)

    # Not due again before the interval; when it is, a new snapshot is added.
    assert pulls.run_due(WORKER) == 0
    ChannelPull.objects.filter(pk=pull.pk).update(next_at=timezone.now())
    status.update(favourites_count=15)
    assert pulls.run_due(WORKER) == 1
    assert list(EngagementSnapshot.objects.filter(delivery=delivery)
                .values_list("likes", flat=True)) == [12, 15]  # fmt: skip
    assert FollowerSnapshot.objects.filter(channel=toot).count() == 2


def test_a_revoked_token_stops_the_pull_and_says_so(team, toot, mastodon):
    pulls.schedule_pulls()
    mastodon.answer("GET", "/api/v1/accounts/verify_credentials", 401,
                    {"error": "The access token was revoked"})  # fmt: skip
    assert pulls.run_due(WORKER) == 1
    pull = ChannelPull.objects.get(channel=toot)
    assert "revoked" in pull.last_error
    toot.refresh_from_db()
    assert toot.status == ChannelStatus.NEEDS_RECONNECT
    assert not FollowerSnapshot.objects.exists()


def test_a_lease_left_by_a_dead_worker_is_taken_over(team, toot, mastodon):
    pulls.schedule_pulls()
    assert pulls.claim("dead-worker", 5) == [ChannelPull.objects.get().pk]
    assert pulls.run_due(WORKER) == 0  # leased: not pulled twice at once
    ChannelPull.objects.update(
        claimed_at=timezone.now() - timedelta(seconds=pulls.LEASE_SECONDS + 1)
    )
    assert pulls.run_due(WORKER) == 1
    assert FollowerSnapshot.objects.count() == 1


def test_networks_that_cannot_read_back_get_no_pull(team, receiver):
    make_channel(team.workspace, settings={"url": receiver.url},
                 credentials={"secret": receiver.secret})  # fmt: skip
    assert pulls.schedule_pulls() == 0


def test_an_unexpected_error_is_recorded_and_stores_nothing_new(team, toot, mastodon, monkeypatch):
    from outlier.networks.mastodon import MastodonAdapter

    def broken(self):
        raise ValueError("an account without counts")

    monkeypatch.setattr(MastodonAdapter, "follower_count", broken)
    pulls.schedule_pulls()
    assert pulls.run_due(WORKER) == 1
    pull = ChannelPull.objects.get(channel=toot)
    assert pull.last_error == "Unexpected error: an account without counts"
    assert pull.claimed_by == "" and pull.next_at <= timezone.now() + timedelta(minutes=5)
    assert not FollowerSnapshot.objects.exists()
    toot.refresh_from_db()
    assert toot.status == ChannelStatus.OK


def test_what_a_network_cannot_give_does_not_stop_the_rest(team, toot, mastodon, monkeypatch):
    # Like a Bluesky PDS without an AppView: no follower count, but engagement all the same.
    from outlier.networks.base import ErrorKind, PublishError
    from outlier.networks.mastodon import MastodonAdapter

    def no_count(self):
        raise PublishError("Follower counts need an AppView.", ErrorKind.PERMANENT)

    monkeypatch.setattr(MastodonAdapter, "follower_count", no_count)
    pulls.schedule_pulls()
    assert pulls.run_due(WORKER) == 1
    pull = ChannelPull.objects.get(channel=toot)
    assert pull.last_error == "followers: Follower counts need an AppView."
    assert pull.last_ok_at is not None
    assert not FollowerSnapshot.objects.exists()


def test_without_counts_from_the_network_engagement_is_counted_from_interactions(
    team, toot, mastodon, monkeypatch
):
    # Like a Bluesky PDS without an AppView: no counts, but the event stream's likes and replies.
    from outlier.networks.base import ErrorKind, PublishError
    from outlier.networks.mastodon import MastodonAdapter

    def no_counts(self, ids):
        raise PublishError("Counts need an AppView.", ErrorKind.PERMANENT)

    delivery = published(team, toot, mastodon)
    for note in mastodon.notifications:
        if note.get("status", {}).get("in_reply_to_id") == "110000000000000101":
            note["status"]["in_reply_to_id"] = delivery.remote_id
        elif note["type"] in ("favourite", "reblog"):
            note["status"]["id"] = delivery.remote_id
    monkeypatch.setattr(MastodonAdapter, "engagement", no_counts)
    inbox_pulls.schedule()
    assert inbox_pulls.run_due(WORKER) == 1  # the inbox read the likes and replies
    pulls.schedule_pulls()
    assert pulls.run_due(WORKER) == 1
    [snapshot] = EngagementSnapshot.objects.filter(delivery=delivery)
    assert (snapshot.likes, snapshot.reposts, snapshot.replies) == (1, 1, 1)
    pull = ChannelPull.objects.get(channel=toot)
    assert pull.last_error.startswith("engagement: Counts need an AppView.")
    assert "Counted from the interactions read instead." in pull.last_error
