"""Answering a post that is gone fails visibly and sends nothing: a reply the Fedify peer
deleted after the inbox read it (the delivery fails, permanent, saying why; a like of it
too), and a Note of the topic's own that was deleted."""

from __future__ import annotations

import pytest

from outlier.federation.channel import TopicChannelAdapter
from outlier.federation.models import Interaction, OutgoingActivity, PostedNote
from outlier.inbox import engage
from outlier.inbox.models import EngageState
from outlier.inbox.replies import do_reply
from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.publishing import content
from outlier.publishing.models import Channel, Delivery, DeliveryState
from tests.conftest import Team
from tests.federation.conftest import (
    Federated,
    fediverse_channel,
    inbox_items,
    post_now,
    send_posts,
)
from tests.peers.fedify import FedifyPeer


@pytest.fixture
def channel(federated: Federated, team: Team) -> Channel:
    return fediverse_channel(team)


def test_answering_a_deleted_reply_fails_visibly(
    federated: Federated, channel: Channel, peer: FedifyPeer, team: Team
) -> None:
    scoop = federated.scoop()
    federated.deliver()
    asked = peer.reply("alice", federated.object(scoop), "<p>Which rivers?</p>")
    (item,) = inbox_items(channel)
    peer.delete("alice", asked["note"])  # gone from her server; the topic's inbox hears it
    assert not Interaction.objects.exists()
    peer.reset()

    reply = do_reply(team.member(team.editor), item, "The Rhine.")
    assert send_posts() == 1
    delivery = Delivery.objects.get(post=reply.post)
    assert (delivery.state, delivery.error_kind) == (DeliveryState.FAILED, "permanent")
    assert delivery.error == (
        f"The post this reply answers no longer exists ({asked['note']}): it was deleted, or "
        "its server no longer has it."
    )
    assert not PostedNote.objects.exists()
    assert federated.deliver() == 0 and peer.received("Create") == []

    liked = engage.do_engage(team.member(team.editor), item, "like")
    engage.run_due("engage-worker")
    liked.refresh_from_db()
    assert liked.state == EngageState.FAILED
    assert liked.error.startswith(f"The post to like no longer exists ({asked['note']})")
    assert not OutgoingActivity.objects.filter(type="Like").exists()


def test_answering_a_deleted_note_of_the_topic_fails(
    federated: Federated, channel: Channel, team: Team
) -> None:
    post_now(team, channel, "Rivers are rising.")
    assert send_posts() == 1
    note = PostedNote.objects.get()
    adapter = content.adapter_for(channel)
    assert isinstance(adapter, TopicChannelAdapter)
    adapter.delete(note.object_uri)

    with pytest.raises(PublishError, match="no longer exists") as refused:
        adapter.publish(Content(text="Still rising.", reply_to=note.object_uri), "reply-key")
    assert refused.value.kind == ErrorKind.PERMANENT
    assert PostedNote.objects.count() == 1

    # Not a fediverse address at all: refused as such.
    with pytest.raises(PublishError, match="not the address of a fediverse post") as refused:
        adapter.publish(Content(text="Hm.", reply_to="110000000000000101"), "other-key")
    assert refused.value.kind == ErrorKind.PERMANENT
