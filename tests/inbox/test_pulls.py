"""Each channel's new interactions read into the inbox on their own interval (apart from the
hourly metrics), once per network id, against the Mastodon contract server."""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

from outlier.inbox import pulls
from outlier.inbox.models import InboxPull, Interaction
from outlier.publishing.models import ChannelStatus, Delivery
from tests.publishing.test_delivery import post_now, run_worker

WORKER = "inbox-worker"


def test_a_due_channel_is_read_into_the_inbox_once_per_id(team, toot, mastodon):
    post_now(team, toot, text="Launch day")
    run_worker()
    delivery = Delivery.objects.get(channel=toot)
    for note in mastodon.notifications:  # the recorded reply and like concern our post now
        if note.get("status", {}).get("in_reply_to_id") == "110000000000000101":
            note["status"]["in_reply_to_id"] = delivery.remote_id
        elif note["type"] in ("favourite", "reblog"):
            note["status"]["id"] = delivery.remote_id

    assert pulls.schedule() == 1 and pulls.schedule() == 0  # idempotent
    assert pulls.run_due(WORKER) == 1

    kinds = sorted(Interaction.objects.filter(channel=toot).values_list("kind", flat=True))
    assert kinds == ["follow", "like", "mention", "reply", "repost"]
    reply = Interaction.objects.get(channel=toot, kind="reply")
    assert reply.delivery == delivery and reply.text.startswith("@acme Congratulations")
    assert (
        reply.is_work and reply.state == "open" and reply.conversation == f"t:{delivery.remote_id}"
    )
    like = Interaction.objects.get(channel=toot, kind="like")
    assert not like.is_work
    pull = InboxPull.objects.get(channel=toot)
    assert pull.cursor == "4005" and pull.last_error == "" and pull.claimed_by == ""
    assert (
        timezone.now() + timedelta(seconds=50)
        < pull.next_at
        < timezone.now() + timedelta(seconds=70)
    )

    # Due again after its interval (a minute, not the metrics' hour); nothing stored twice.
    assert pulls.run_due(WORKER) == 0
    InboxPull.objects.filter(pk=pull.pk).update(next_at=timezone.now(), cursor="")
    assert pulls.run_due(WORKER) == 1
    assert Interaction.objects.filter(channel=toot).count() == 5


@override_settings(INBOX_PULL_SECONDS=5)
def test_the_interval_is_a_setting(team, toot, mastodon):
    pulls.schedule()
    pulls.run_due(WORKER)
    assert InboxPull.objects.get().next_at < timezone.now() + timedelta(seconds=6)


def test_an_unexpected_error_is_recorded_and_the_others_go_on(team, toot, mastodon, monkeypatch):
    from outlier.networks.mastodon import MastodonAdapter

    def broken(self, cursor=""):
        raise ValueError("a notification without an account")

    monkeypatch.setattr(MastodonAdapter, "interactions", broken)
    pulls.schedule()
    assert pulls.run_due(WORKER) == 1
    pull = InboxPull.objects.get(channel=toot)
    assert pull.last_error == "Unexpected error: a notification without an account"
    assert pull.claimed_by == "" and not Interaction.objects.exists()
    toot.refresh_from_db()
    assert toot.status == ChannelStatus.OK


def test_a_revoked_token_stops_reading_and_marks_the_channel(team, toot, mastodon):
    pulls.schedule()
    mastodon.answer("GET", "/api/v1/notifications", 401, {"error": "The access token was revoked"})
    assert pulls.run_due(WORKER) == 1
    assert "revoked" in InboxPull.objects.get().last_error
    toot.refresh_from_db()
    assert toot.status == ChannelStatus.NEEDS_RECONNECT


def test_a_lease_left_by_a_dead_worker_is_taken_over(team, toot, mastodon):
    pulls.schedule()
    assert pulls.claim("dead-worker", 5) == [InboxPull.objects.get().pk]
    assert pulls.run_due(WORKER) == 0
    InboxPull.objects.update(claimed_at=timezone.now() - timedelta(seconds=pulls.LEASE_SECONDS + 1))
    assert pulls.run_due(WORKER) == 1
    assert Interaction.objects.filter(channel=toot).count() == 5
