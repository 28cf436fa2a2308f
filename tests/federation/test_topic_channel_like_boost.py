"""Liking and boosting a reply from the inbox on a topic's fediverse channel: the topic's Like
reaches its author, its Announce the author and the followers (the Fedify peer); the same
action tried again (same key) sends nothing twice. A topic does not like its own posts."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from outlier.federation.channel import TopicChannelAdapter
from outlier.federation.models import OutgoingActivity
from outlier.inbox import engage
from outlier.inbox.models import EngageState
from outlier.inbox.models import Interaction as InboxItem
from outlier.networks.activitypub.vocabulary import PUBLIC
from outlier.networks.base import ErrorKind, PublishError
from outlier.publishing import content
from outlier.publishing.models import Channel
from tests.conftest import Team
from tests.federation.conftest import Federated, fediverse_channel, inbox_items
from tests.peers.fedify import FedifyPeer

WORKER = "engage-worker"


@pytest.fixture
def channel(following: Federated, team: Team) -> Channel:
    return fediverse_channel(team)


@pytest.fixture
def asked(following: Federated, channel: Channel, peer: FedifyPeer) -> InboxItem:
    """alice's reply to one of the topic's scoops, as the inbox holds it."""
    scoop = following.scoop(title="Rivers are rising")
    following.deliver()
    peer.reset()
    peer.reply("alice", following.object(scoop), "<p>Which rivers?</p>")
    inbox_items(channel)
    return InboxItem.objects.get(kind="reply")


def test_a_like_and_a_boost_reach_the_peer_once(
    following: Federated, channel: Channel, asked: InboxItem, peer: FedifyPeer, team: Team
) -> None:
    member = team.member(team.editor)
    liked = engage.do_engage(member, asked, "like")
    boosted = engage.do_engage(member, asked, "repost")
    assert engage.run_due(WORKER) == 2
    liked.refresh_from_db()
    boosted.refresh_from_db()
    assert (liked.state, boosted.state) == (EngageState.DONE, EngageState.DONE)
    like = OutgoingActivity.objects.get(type="Like")
    boost = OutgoingActivity.objects.get(type="Announce")
    assert (liked.remote_id, boosted.remote_id) == (like.uri, boost.uri)
    # To alice's server (her shared inbox, which is also where the followers are).
    assert [d.inbox for d in like.deliveries.all()] == [f"{peer.origin}/inbox"]
    assert [d.inbox for d in boost.deliveries.all()] == [f"{peer.origin}/inbox"]

    assert following.deliver() == 2
    (got_like,) = [p["body"] for p in peer.received("Like")]
    assert (got_like["id"], got_like["actor"]) == (like.uri, following.actor)
    assert got_like["object"] == asked.reply_ref and got_like["to"] == [peer.actor("alice")]
    (got_boost,) = [p["body"] for p in peer.received("Announce")]
    assert (got_boost["id"], got_boost["object"]) == (boost.uri, asked.reply_ref)
    assert got_boost["to"] == [PUBLIC] and peer.actor("alice") in got_boost["cc"]
    kinds = peer.wait_for(
        lambda s: {e["type"] for e in s["events"]} >= {"Like", "Announce"}, what="both"
    )
    assert kinds
    # Each is served at its id, as receivers may check.
    served = Client().get(urlsplit(like.uri).path, HTTP_ACCEPT="application/activity+json")
    assert served.status_code == 200 and served.json()["type"] == "Like"

    # The same actions again: from the inbox (the row is done) and at the adapter with the
    # same key (a worker that died after the call): the same activities, nothing new sent.
    assert engage.do_engage(member, asked, "like").pk == liked.pk
    assert engage.run_due(WORKER) == 0
    adapter = content.adapter_for(channel)
    assert isinstance(adapter, TopicChannelAdapter)
    assert adapter.like(asked.reply_ref, liked.key) == like.uri
    assert adapter.repost(asked.reply_ref, boosted.key) == boost.uri
    assert OutgoingActivity.objects.filter(type__in=("Like", "Announce")).count() == 2
    assert following.deliver() == 0
    assert len(peer.received("Like")) == len(peer.received("Announce")) == 1


def test_a_topic_does_not_like_its_own_scoop(following: Federated, channel: Channel) -> None:
    scoop = following.scoop()
    following.deliver()
    adapter = content.adapter_for(channel)
    assert isinstance(adapter, TopicChannelAdapter)
    for act in (adapter.like, adapter.repost):
        with pytest.raises(PublishError, match="does not (like|boost) its own posts") as refused:
            act(following.object(scoop), "some-key")
        assert refused.value.kind == ErrorKind.PERMANENT
    assert not OutgoingActivity.objects.filter(type__in=("Like", "Announce")).exists()
