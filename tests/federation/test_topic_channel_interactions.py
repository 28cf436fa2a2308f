"""The Fedify peer likes, boosts and replies to a Note posted on a topic's fediverse channel:
the topic's inbox stores each like those to scoops (verified, once per id, taken back by Undo
or Delete), linked to the posted note, and the channel's adapter counts them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest

from outlier.federation import actions
from outlier.federation.channel import TopicChannelAdapter
from outlier.federation.models import Interaction, InteractionKind, PostedNote
from outlier.networks.base import Engagement
from outlier.publishing import content
from outlier.publishing.models import Channel
from tests.conftest import Team, make_topic
from tests.federation.conftest import Federated, fediverse_channel, post_now, send_posts
from tests.peers.fedify import FedifyPeer


@pytest.fixture
def channel(following: Federated, team: Team) -> Channel:
    return fediverse_channel(team)


@pytest.fixture
def note(following: Federated, channel: Channel, team: Team) -> PostedNote:
    post_now(team, channel, "Rivers are rising.")
    assert send_posts() == 1
    following.deliver()
    return PostedNote.objects.get()


def counts(channel: Channel, *uris: str) -> dict[str, Engagement]:
    return content.adapter_for(channel).engagement(list(uris))  # type: ignore[attr-defined, no-any-return]


def test_like_boost_and_reply_to_a_posted_note(
    following: Federated, channel: Channel, note: PostedNote, peer: FedifyPeer
) -> None:
    like_id = peer.like("alice", note.object_uri)
    boost_id = peer.announce("bob", note.object_uri)
    reply = peer.reply(
        "alice", note.object_uri, '<p>Thanks <a href="https://ok.example/x">for this</a></p>'
        "<script>alert(1)</script>",
    )  # fmt: skip

    like = Interaction.objects.get(kind=InteractionKind.LIKE)
    assert (like.uri, like.note_id, like.scoop_id) == (like_id, note.pk, None)
    assert (like.topic_id, like.actor.uri) == (following.topic.pk, peer.actor("alice"))
    boost = Interaction.objects.get(kind=InteractionKind.ANNOUNCE)
    assert (boost.uri, boost.note_id, boost.actor.uri) == (boost_id, note.pk, peer.actor("bob"))
    stored = Interaction.objects.get(kind=InteractionKind.REPLY)
    assert (stored.uri, stored.note_id) == (reply["note"], note.pk)
    assert (
        "script" not in stored.content_html and 'href="https://ok.example/x"' in stored.content_html
    )

    # The channel reads them back from federation's rows; ids not its notes are left out.
    elsewhere = "https://social.example/notes/1"
    assert counts(channel, note.object_uri, elsewhere) == {
        note.object_uri: Engagement(likes=1, reposts=1, replies=1)
    }

    # Undo takes a like and a boost back; Delete takes a reply back.
    peer.undo("alice", like_id)
    peer.undo("bob", boost_id)
    assert counts(channel, note.object_uri)[note.object_uri] == Engagement(replies=1)
    peer.delete("alice", reply["note"])
    assert counts(channel, note.object_uri)[note.object_uri] == Engagement()
    assert not Interaction.objects.exists()


def test_a_reply_sent_by_reference_is_fetched_and_stored(
    note: PostedNote, peer: FedifyPeer
) -> None:
    reply = peer.reply("bob", note.object_uri, "<p>Fetched</p>", by_reference=True)
    stored = Interaction.objects.get()
    assert (stored.kind, stored.uri, stored.note_id) == ("reply", reply["note"], note.pk)


def test_the_same_like_delivered_twice_is_stored_once(
    following: Federated, note: PostedNote, peer: FedifyPeer
) -> None:
    body = json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.actor('alice')}/likes/{uuid.uuid4()}",
        "type": "Like",
        "actor": peer.actor("alice"),
        "object": note.object_uri,
    }).encode()  # fmt: skip
    inbox = f"{following.actor}/inbox"
    for _ in range(2):
        headers = peer.sign("alice", inbox, body, spec="draft-cavage-http-signatures-12")
        request = urllib.request.Request(inbox, data=body, method="POST", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 202
    assert Interaction.objects.filter(note=note).count() == 1


def test_an_unsigned_like_of_a_note_is_refused(
    following: Federated, note: PostedNote, peer: FedifyPeer
) -> None:
    body = json.dumps({
        "id": f"{peer.actor('alice')}/likes/{uuid.uuid4()}", "type": "Like",
        "actor": peer.actor("alice"), "object": note.object_uri,
    }).encode()  # fmt: skip
    request = urllib.request.Request(
        f"{following.actor}/inbox", data=body, method="POST",
        headers={"Content-Type": "application/activity+json"},
    )  # fmt: skip
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    assert not Interaction.objects.exists()


def test_a_deleted_note_is_not_counted_and_takes_nothing_more(
    channel: Channel, note: PostedNote, peer: FedifyPeer
) -> None:
    peer.like("alice", note.object_uri)
    actions.do_delete_note(note.pk)
    assert counts(channel, note.object_uri) == {}  # gone from the network: left out
    with pytest.raises(Exception):  # noqa: B017 - its id answers 410: the peer cannot look it up
        peer.like("bob", note.object_uri)
    assert Interaction.objects.count() == 1


def test_another_workspaces_channel_does_not_count_this_topics_notes(
    note: PostedNote, peer: FedifyPeer, team: Team
) -> None:
    peer.like("alice", note.object_uri)
    make_topic(team.other_workspace, name="Lakes", slug="lakes")
    theirs = TopicChannelAdapter({"topic": "lakes", "workspace_id": team.other_workspace.pk})
    assert theirs.engagement([note.object_uri]) == {}
