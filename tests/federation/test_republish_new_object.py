"""A scoop published again after a Delete is a new object: Mastodon keeps a Tombstone for a
deleted URI and refuses a later Create of it, so the new Create carries a new object id; the
old id keeps answering 410, and the scoop's public page negotiates to the new object."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from outlier.curation.actions import do_publish_scoop, do_unpublish_scoop
from outlier.federation.models import Publication, PublicationState
from tests.conftest import Team
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer

AP = "application/activity+json"


def _get(uri: str, accept: str = AP):  # type: ignore[no-untyped-def]
    return Client().get(urlsplit(uri).path, HTTP_ACCEPT=accept)


def test_republish_sends_a_create_of_a_new_object(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    editor = team.member(team.editor)
    scoop = following.scoop(title="Rivers are rising")
    following.deliver()
    first = following.object(scoop)

    do_unpublish_scoop(editor, scoop)
    following.deliver()
    (deletion,) = [p["body"] for p in peer.received("Delete")]
    assert deletion["object"]["id"] == first
    peer.reset()

    # Before the sweep has run, the page already names the object the Create will carry.
    scoop.refresh_from_db()
    do_publish_scoop(editor, scoop)
    page = Client().get(scoop.get_absolute_url(), HTTP_ACCEPT=AP).json()
    assert page["id"] != first

    assert following.deliver() == 1
    (create,) = [p["body"] for p in peer.received("Create")]
    assert create["object"]["id"] != first
    assert create["object"]["id"] == page["id"]
    assert create["id"] != f"{first}#create"
    event = peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Create"], what="the Create event"
    )
    assert event[0]["json"]["object"]["id"] == create["object"]["id"]

    # The deleted object stays gone; the new one is served, and is what the page shows.
    old = _get(first)
    assert old.status_code == 410 and old.json()["type"] == "Tombstone"
    assert old.json()["id"] == first
    new = _get(create["object"]["id"])
    assert new.status_code == 200 and new.json()["id"] == create["object"]["id"]
    assert Client().get(scoop.get_absolute_url(), HTTP_ACCEPT=AP).json() == new.json()
    states = list(Publication.objects.order_by("number").values_list("number", "state"))
    assert states == [(1, PublicationState.DELETED), (2, PublicationState.LIVE)]

    # The peer can like the new object; a later unpublish deletes that one.
    peer.like("alice", create["object"]["id"])
    do_unpublish_scoop(editor, scoop)
    peer.reset()
    following.deliver()
    (second_deletion,) = [p["body"] for p in peer.received("Delete")]
    assert second_deletion["object"]["id"] == create["object"]["id"]
    assert _get(create["object"]["id"]).status_code == 410


def test_an_object_number_that_never_was_is_not_found(following: Federated) -> None:
    scoop = following.scoop()
    following.deliver()
    assert _get(f"{following.object(scoop)}/1").status_code == 404
    assert _get(f"{following.object(scoop)}/2").status_code == 404
    assert _get(following.object(scoop)).status_code == 200
