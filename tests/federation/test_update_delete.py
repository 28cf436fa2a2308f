"""Editing a published scoop sends Update; unpublishing or deleting it sends Delete, and its
object then answers 410 with a Tombstone; an edit nobody can see sends nothing. (Publishing it
again: test_republish_new_object.py.)"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from outlier.curation.actions import do_delete_scoop, do_unpublish_scoop, do_update_scoop
from outlier.federation.models import Publication, PublicationState
from tests.conftest import Team
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer


def test_edit_sends_update(following: Federated, peer: FedifyPeer, team: Team) -> None:
    scoop = following.scoop(title="Rivers are rising")
    following.deliver()
    editor = team.member(team.editor)

    do_update_scoop(editor, scoop, title="Rivers are rising fast", insight="Now with *numbers*.")
    assert following.deliver() == 1
    (update,) = [p["body"] for p in peer.received("Update")]
    assert update["object"]["id"] == following.object(scoop)
    assert "Rivers are rising fast" in update["object"]["content"]
    assert "<em>numbers</em>" in update["object"]["content"]
    assert "updated" in update["object"]
    served = Client().get(urlsplit(update["id"]).path, HTTP_ACCEPT="application/activity+json")
    assert served.status_code == 200 and served.json() == update
    note = Client().get(
        urlsplit(following.object(scoop)).path, HTTP_ACCEPT="application/activity+json"
    )
    assert note.json()["updated"] == update["object"]["updated"]
    event = peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Update"], what="the Update"
    )
    assert event[0]["actor"] == following.actor

    do_update_scoop(editor, scoop, tags="")  # saved, but the Note is the same
    assert following.deliver() == 0
    assert len(peer.received("Update")) == 1


def test_unpublish_sends_delete(following: Federated, peer: FedifyPeer, team: Team) -> None:
    scoop = following.scoop()
    following.deliver()
    editor = team.member(team.editor)
    do_unpublish_scoop(editor, scoop)
    assert following.deliver() == 1
    (deletion,) = [p["body"] for p in peer.received("Delete")]
    assert deletion["object"] == {
        "id": following.object(scoop),
        "type": "Tombstone",
        "formerType": "Note",
    }
    gone = Client().get(
        urlsplit(following.object(scoop)).path, HTTP_ACCEPT="application/activity+json"
    )
    assert gone.status_code == 410
    assert Publication.objects.get().state == PublicationState.DELETED
    # Published again: see test_republish_new_object.py.


def test_delete_sends_delete(following: Federated, peer: FedifyPeer, team: Team) -> None:
    scoop = following.scoop()
    following.deliver()
    object_id = following.object(scoop)
    do_delete_scoop(team.member(team.editor), scoop)
    publication = Publication.objects.get()
    assert publication.state == PublicationState.LIVE  # points at nothing until the sweep

    assert following.deliver() == 1
    (deletion,) = [p["body"] for p in peer.received("Delete")]
    assert deletion["object"]["id"] == object_id
    assert deletion["actor"] == following.actor
    peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Delete"], what="the Delete event"
    )
    publication.refresh_from_db()
    assert publication.state == PublicationState.DELETED
    assert following.deliver() == 0


def test_topic_going_private_deletes_its_objects(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    following.scoop()
    following.deliver()
    following.topic.is_public = False
    following.topic.save()
    assert following.deliver() == 1
    assert len(peer.received("Delete")) == 1
