"""Deleting a followed topic tells its followers: the sweep notices the topic is gone (its
federation rows outlive it), sends Delete of the actor, calls off what the topic had not sent
yet, and forgets its followers and publications; the actor's address then answers 410."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from outlier.curation.actions import do_delete_topic
from outlier.federation import dispatch
from outlier.federation.models import (
    Delivery,
    DeliveryState,
    Follower,
    OutgoingActivity,
    Publication,
)
from tests.conftest import Team
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer


def test_deleting_a_followed_topic_sends_delete_of_the_actor(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    scoop = following.scoop()
    following.deliver()
    object_id = following.object(scoop)
    following.scoop(title="Not sent yet")
    dispatch.sweep()  # its Create is queued, not sent

    do_delete_topic(team.member(team.editor), following.topic)
    assert Follower.objects.count() == 1  # nothing cascaded: the sweep has work to do
    assert following.deliver() >= 1

    (deletion,) = [p["body"] for p in peer.received("Delete")]
    assert deletion["actor"] == following.actor
    assert deletion["object"] == following.actor
    assert not [p for p in peer.received("Create") if p["body"]["object"]["id"] != object_id]
    event = peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Delete"], what="the Delete event"
    )
    assert event[0]["actor"] == following.actor

    assert not Follower.objects.exists()
    assert not Publication.objects.exists()
    unsent = Delivery.objects.get(activity__type="Create", state=DeliveryState.FAILED)
    assert unsent.last_error == "The topic was deleted."
    actor = Client().get(urlsplit(following.actor).path, HTTP_ACCEPT="application/activity+json")
    assert actor.status_code == 410
    assert actor.json()["type"] == "Tombstone" and actor.json()["id"] == following.actor

    assert dispatch.sweep() == 0  # done once
    assert OutgoingActivity.objects.filter(type="Delete").count() == 1


def test_a_deleted_topic_nobody_followed_leaves_nothing(federated: Federated, team: Team) -> None:
    federated.scoop()
    dispatch.sweep()
    do_delete_topic(team.member(team.editor), federated.topic)
    assert Publication.objects.count() == 1
    assert dispatch.sweep() == 1
    assert not Publication.objects.exists()
    assert not OutgoingActivity.objects.exists()
    assert dispatch.sweep() == 0
