"""Undo takes back a like, a boost or a follow; only the actor's own."""

from __future__ import annotations

from outlier.federation.models import Follower, Interaction
from outlier.federation.queries import interaction_counts
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer


def test_undo_like_and_boost(following: Federated, peer: FedifyPeer) -> None:
    scoop = following.scoop()
    following.deliver()
    obj = following.object(scoop)
    like = peer.like("alice", obj)
    boost = peer.announce("alice", obj)
    other = peer.like("bob", obj)
    assert interaction_counts([scoop.pk])[scoop.pk] == {"like": 2, "announce": 1, "reply": 0}

    peer.undo("alice", like)
    peer.undo("alice", boost)
    assert interaction_counts([scoop.pk])[scoop.pk] == {"like": 1, "announce": 0, "reply": 0}
    assert Interaction.objects.get().uri == other


def test_undo_follow(federated: Federated, peer: FedifyPeer) -> None:
    follow = peer.follow("alice", federated.actor)
    peer.follow("bob", federated.actor)
    assert Follower.objects.count() == 2
    peer.undo("alice", follow)
    assert [f.actor.uri for f in federated.followers()] == [peer.actor("bob")]


def test_a_deleted_actor_takes_its_follows_and_interactions(
    following: Federated, peer: FedifyPeer
) -> None:
    scoop = following.scoop()
    following.deliver()
    peer.like("alice", following.object(scoop))
    peer.delete_actor("alice", following.actor)
    assert not Follower.objects.exists()
    assert not Interaction.objects.exists()
