"""Answering from the inbox on a topic's fediverse channel: the reply goes through publishing's
delivery worker like any post and reaches the Fedify peer as a Note with `inReplyTo`, which
mentions the author (tag and cc) and goes to the author's inbox even when they do not follow
the topic. A conversation under a scoop stays one conversation however often both sides
answer each other."""

from __future__ import annotations

from typing import Any

import pytest

from outlier.federation.addresses import absolute
from outlier.federation.models import Delivery as ActivityDelivery
from outlier.federation.models import OutgoingActivity, PostedNote
from outlier.inbox.models import Interaction as InboxItem
from outlier.inbox.replies import do_reply, reply_prefix
from outlier.networks.base import Content
from outlier.publishing import content
from outlier.publishing.models import Channel, Delivery, DeliveryState
from tests.conftest import Team
from tests.federation.conftest import (
    Federated,
    fediverse_channel,
    handle_of,
    inbox_items,
    send_posts,
)
from tests.peers.fedify import FedifyPeer


@pytest.fixture
def channel(federated: Federated, team: Team) -> Channel:
    return fediverse_channel(team)


def _answer(team: Team, item: InboxItem, text: str) -> PostedNote:
    """Reply from the inbox as an editor and run publishing's worker; the Note it made."""
    reply = do_reply(team.member(team.editor), item, text)
    assert send_posts() == 1
    delivery = Delivery.objects.get(post=reply.post)
    assert delivery.state == DeliveryState.SENT, delivery.error
    return PostedNote.objects.get(object_uri=delivery.remote_id)


def _received_note(peer: FedifyPeer, note: PostedNote) -> dict[str, Any]:
    found = [p["body"]["object"] for p in peer.received("Create")
             if p["body"]["object"]["id"] == note.object_uri]  # fmt: skip
    assert len(found) == 1
    obj: dict[str, Any] = found[0]
    return obj


def test_a_reply_from_the_inbox_reaches_the_author(
    federated: Federated, channel: Channel, peer: FedifyPeer, team: Team
) -> None:
    scoop = federated.scoop(title="Rivers are rising")
    federated.deliver()  # nobody follows the topic: the scoop goes nowhere
    asked = peer.reply("alice", federated.object(scoop), "<p>Which rivers?</p>")
    (item,) = inbox_items(channel)
    assert reply_prefix(item) == handle_of(peer, "alice") + " "

    note = _answer(team, item, reply_prefix(item) + "The Rhine and the Danube.")
    create = OutgoingActivity.objects.get(type="Create")
    assert [d.inbox for d in create.deliveries.all()] == [f"{peer.origin}/inbox"]  # the author's
    assert federated.deliver() == 1
    assert ActivityDelivery.objects.get(activity=create).state == "delivered"

    obj = _received_note(peer, note)
    assert obj["inReplyTo"] == asked["note"]
    assert obj["tag"] == [{"type": "Mention", "href": peer.actor("alice"),
                           "name": handle_of(peer, "alice")}]  # fmt: skip
    assert peer.actor("alice") in obj["cc"]
    assert f'<a href="{peer.actor("alice")}"' in obj["content"]  # the mention, linked
    assert "The Rhine and the Danube." in obj["content"]
    # Fedify took it as a reply to alice's note.
    event = peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Create"], what="the reply"
    )[0]
    assert event["json"]["object"]["inReplyTo"] == asked["note"]


def test_a_conversation_under_a_scoop_stays_one(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    channel = fediverse_channel(team)
    scoop = following.scoop(title="Rivers are rising")
    following.deliver()
    scoop_uri = following.object(scoop)
    peer.reply("alice", scoop_uri, "<p>Which rivers?</p>")
    (asked,) = inbox_items(channel)[1:]  # after alice's follow
    ours = _answer(team, asked, reply_prefix(asked) + "The Rhine.")
    following.deliver()

    joined = peer.reply("bob", ours.object_uri, "<p>And the Elbe.</p>")
    inbox_items(channel)
    later = InboxItem.objects.get(remote_id=joined["note"])
    assert later.subject_id == ours.object_uri  # it answers our reply ...
    assert later.thread_root == scoop_uri  # ... in the thread under the scoop
    assert later.conversation == asked.conversation == f"t:{scoop_uri}"

    # Answered without naming bob: he is mentioned all the same, so his server tells him.
    again = _answer(team, later, "Yes, the Elbe too.")
    following.deliver()
    obj = _received_note(peer, again)
    assert obj["inReplyTo"] == joined["note"]
    assert obj["tag"] == [{"type": "Mention", "href": peer.actor("bob"),
                           "name": handle_of(peer, "bob")}]  # fmt: skip
    assert peer.actor("bob") in obj["cc"]


def test_answering_one_of_the_topics_own_scoops(federated: Federated, channel: Channel) -> None:
    """In its own thread, by the scoop's object (its page's address names the same scoop);
    nobody to mention."""
    scoop = federated.scoop()
    federated.deliver()
    adapter = content.adapter_for(channel)
    adapter.publish(Content(text="More on this."), "first")  # not a reply: no inReplyTo
    adapter.publish(Content(text="Update: rising.", reply_to=absolute(scoop.get_absolute_url())),
                    "second")  # fmt: skip
    plain, reply = PostedNote.objects.order_by("pk")
    assert "inReplyTo" not in plain.document
    assert reply.document["inReplyTo"] == federated.object(scoop)
    assert "tag" not in reply.document
