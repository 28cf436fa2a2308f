"""The worker's pulls read a topic's fediverse channel back like any channel: after the Fedify
peer followed the topic and liked, boosted and replied to a posted Note, the metrics pull
(outlier.analytics.pulls) stores the follower count and the note's engagement as a snapshot,
and the inbox (outlier.inbox.pulls) each follow, like, boost and reply once as an interaction
tied to the delivery; later pulls add a new snapshot and only what is new."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.utils import timezone

from outlier.analytics import pulls
from outlier.analytics.models import ChannelPull, EngagementSnapshot, FollowerSnapshot
from outlier.federation.models import PostedNote
from outlier.inbox import pulls as inbox_pulls
from outlier.inbox.models import InboxPull, Interaction
from outlier.publishing.models import Delivery
from tests.conftest import Team
from tests.federation.conftest import Federated, fediverse_channel, post_now, send_posts
from tests.peers.fedify import FedifyPeer

WORKER = "pull-worker"


def test_the_pull_stores_engagement_and_interactions_of_a_fediverse_channel(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    channel = fediverse_channel(team)
    post_now(team, channel, "Rivers are rising.")
    assert send_posts() == 1
    following.deliver()
    delivery = Delivery.objects.get(channel=channel)
    note = PostedNote.objects.get()
    assert delivery.remote_id == note.object_uri

    like_id = peer.like("alice", note.object_uri)
    peer.announce("bob", note.object_uri)
    reply = peer.reply("alice", note.object_uri, "<p>Thanks <b>for</b> this.</p><p>Really.</p>")

    assert pulls.schedule_pulls() == 1
    assert pulls.run_due(WORKER) == 1
    assert inbox_pulls.read_now(channel) == 4

    pull = ChannelPull.objects.get(channel=channel)
    assert pull.last_error == "" and pull.claimed_by == ""
    assert InboxPull.objects.get(channel=channel).cursor.startswith("fediverse:")
    [followers] = FollowerSnapshot.objects.filter(channel=channel)
    assert followers.followers == 1
    [snapshot] = EngagementSnapshot.objects.filter(delivery=delivery)
    assert (snapshot.likes, snapshot.reposts, snapshot.replies, snapshot.quotes) == (1, 1, 1, 0)
    assert snapshot.impressions is None

    rows = {i.kind: i for i in Interaction.objects.filter(channel=channel)}
    assert sorted(rows) == ["follow", "like", "reply", "repost"]
    host = urlsplit(peer.origin).netloc
    follow, like, boost, answer = rows["follow"], rows["like"], rows["repost"], rows["reply"]
    assert (follow.author_id, follow.author_handle) == (peer.actor("alice"), f"@alice@{host}")
    assert (follow.delivery, follow.subject_id) == (None, "")
    assert (like.remote_id, like.delivery, like.subject_id) == (like_id, delivery, note.object_uri)
    assert (boost.author_id, boost.author_name, boost.delivery) == (
        peer.actor("bob"),
        "Bob",
        delivery,
    )
    assert (answer.remote_id, answer.delivery) == (reply["note"], delivery)
    assert answer.text == "Thanks for this.\n\nReally."
    assert answer.workspace_id == team.workspace.pk

    # A like undone, a new boost and a like of one of the topic's scoops, then the next pull:
    # a new snapshot; the new interactions once each, the older ones not twice.
    peer.undo("alice", like_id)
    scoop = following.scoop(title="Lakes too")
    following.deliver()
    peer.announce("alice", note.object_uri)
    scoop_like = peer.like("bob", following.object(scoop))
    ChannelPull.objects.filter(pk=pull.pk).update(next_at=timezone.now() - timedelta(seconds=1))
    assert inbox_pulls.read_now(channel) == 2
    assert pulls.run_due(WORKER) == 1

    assert [(s.likes, s.reposts, s.replies) for s in
            EngagementSnapshot.objects.filter(delivery=delivery).order_by("taken_at")] == [
        (1, 1, 1), (0, 2, 1),
    ]  # fmt: skip
    assert Interaction.objects.filter(channel=channel).count() == 6
    assert Interaction.objects.filter(channel=channel, kind="repost").count() == 2
    liked = Interaction.objects.get(channel=channel, remote_id=scoop_like)
    assert (liked.kind, liked.delivery, liked.subject_id) == (
        "like", None, following.object(scoop),
    )  # fmt: skip
    assert FollowerSnapshot.objects.filter(channel=channel).count() == 2
    assert ChannelPull.objects.get(pk=pull.pk).last_error == ""

    # Nothing new: the next pull stores nothing more but a snapshot.
    ChannelPull.objects.filter(pk=pull.pk).update(next_at=timezone.now() - timedelta(seconds=1))
    assert pulls.run_due(WORKER) == 1
    assert inbox_pulls.read_now(channel) == 0
    assert Interaction.objects.filter(channel=channel).count() == 6
