"""Replies, likes and boosts the Fedify peer sends to a topic's scoop and to a Note posted on
its fediverse channel arrive in the inbox app (pushed: read on every worker loop), with what
answering needs: the reply's own id to answer it by, the first post of its thread, the
author's picture and the reply's language."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from outlier.federation.models import PostedNote, RemoteActor
from outlier.inbox import pulls
from outlier.inbox.models import Interaction as InboxItem
from outlier.networks.activitypub.vocabulary import PUBLIC
from outlier.publishing.models import Channel, Delivery
from tests.conftest import PageServer, Team
from tests.federation.conftest import (
    Federated,
    fediverse_channel,
    handle_of,
    inbox_items,
    post_now,
    send_posts,
)
from tests.peers.fedify import FedifyPeer

AP = "application/activity+json"
CAVAGE = "draft-cavage-http-signatures-12"


@pytest.fixture
def channel(federated: Federated, team: Team) -> Channel:
    channel = fediverse_channel(team)
    assert pulls.schedule() == 1  # the inbox reads it from now on
    return channel


def test_replies_to_a_scoop_and_a_note_arrive_in_the_inbox(
    following: Federated, channel: Channel, peer: FedifyPeer, team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    scoop = following.scoop(title="Rivers are rising")
    post = post_now(team, channel, "Rivers are rising, the maps.")
    assert send_posts() == 1
    following.deliver()
    note = PostedNote.objects.get()
    scoop_uri = following.object(scoop)

    on_scoop = peer.reply("alice", scoop_uri, "<p>Which rivers?</p>")
    on_note = peer.reply("bob", note.object_uri, "<p>Scary <b>maps</b>.</p>")
    like = peer.like("bob", scoop_uri)

    monkeypatch.setattr(pulls, "PUSHED_EVERY_SECONDS", 0)
    assert pulls.run_pushed("inbox-worker") == 4  # with alice's follow
    assert pulls.run_pushed("inbox-worker") == 0  # nothing new: nothing stored twice

    first = InboxItem.objects.get(remote_id=on_scoop["note"])
    assert (first.kind, first.is_work, first.text) == ("reply", True, "Which rivers?")
    assert first.reply_ref == on_scoop["note"]  # what a reply, a like or a boost answers
    assert first.subject_id == first.thread_root == scoop_uri
    assert first.conversation == f"t:{scoop_uri}"
    assert (first.author_id, first.author_handle) == (peer.actor("alice"), handle_of(peer, "alice"))
    assert first.author_avatar == ""  # the peer's actors have no picture
    second = InboxItem.objects.get(remote_id=on_note["note"])
    assert (second.reply_ref, second.thread_root) == (on_note["note"], note.object_uri)
    assert second.text == "Scary maps."
    assert second.delivery == Delivery.objects.get(post=post)  # the post it answers
    liked = InboxItem.objects.get(remote_id=like)
    assert (liked.kind, liked.is_work, liked.reply_ref) == ("like", False, "")
    assert liked.thread_root == ""
    assert liked.subject_id == scoop_uri
    follow = InboxItem.objects.get(kind="follow")
    assert (follow.author_id, follow.reply_ref, follow.thread_root) == (peer.actor("alice"), "", "")


def _alices_key(peer: FedifyPeer) -> str:
    request = urllib.request.Request(peer.actor("alice"), headers={"Accept": AP})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.loads(response.read())["publicKey"]["publicKeyPem"])


def _carol(page_server: PageServer, key_pem: str, icon: str | None) -> str:
    """carol, an actor on another server (the page server), holding alice's key: Fedify signs
    her requests with it."""
    actor = f"{page_server.base}/users/carol"
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor, "type": "Person", "preferredUsername": "carol", "name": "Carol",
        "inbox": f"{actor}/inbox", "url": f"{page_server.base}/@carol",
        "publicKey": {"id": f"{actor}#main-key", "owner": actor, "publicKeyPem": key_pem},
    }  # fmt: skip
    if icon is not None:
        doc["icon"] = {"type": "Image", "mediaType": "image/png", "url": icon}
    page_server.add("/users/carol", json.dumps(doc), content_type=AP)
    return actor


def _post_as_carol(peer: FedifyPeer, inbox: str, actor: str, activity: dict[str, Any]) -> int:
    body = json.dumps(activity).encode()
    headers = peer.sign("alice", inbox, body, spec=CAVAGE, keyId=f"{actor}#main-key")
    request = urllib.request.Request(inbox, data=body, method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def test_the_authors_picture_and_the_replys_language_are_kept(
    federated: Federated, channel: Channel, peer: FedifyPeer, page_server: PageServer
) -> None:
    scoop = federated.scoop()
    federated.deliver()
    icon = f"{page_server.base}/avatars/carol.png"
    carol = _carol(page_server, _alices_key(peer), icon)
    reply = {
        "id": f"{carol}/notes/1", "type": "Note", "attributedTo": carol,
        "inReplyTo": federated.object(scoop), "to": [PUBLIC],
        "content": "<p>Que rios?</p>", "contentMap": {"pt-BR": "<p>Que rios?</p>"},
    }  # fmt: skip
    create = {
        "@context": "https://www.w3.org/ns/activitystreams", "id": f"{carol}/creates/1",
        "type": "Create", "actor": carol, "to": [PUBLIC], "object": reply,
    }  # fmt: skip
    inbox = f"{federated.actor}/inbox"
    assert _post_as_carol(peer, inbox, carol, create) == 202

    assert RemoteActor.objects.get(uri=carol).icon == icon  # read when her key was fetched
    (item,) = inbox_items(channel)
    assert (item.author_avatar, item.language, item.text) == (icon, "pt-BR", "Que rios?")
    assert (item.author_handle, item.author_url) == (
        f"@carol@{carol.split('/')[2]}", f"{page_server.base}/@carol",
    )  # fmt: skip

    # She changes her picture and says so: the actor is fetched again, picture and all.
    _carol(page_server, _alices_key(peer), None)
    update = {
        "@context": "https://www.w3.org/ns/activitystreams", "id": f"{carol}/updates/1",
        "type": "Update", "actor": carol, "to": [PUBLIC], "object": carol,
    }  # fmt: skip
    assert _post_as_carol(peer, inbox, carol, update) == 202
    assert RemoteActor.objects.get(uri=carol).icon == ""
