"""An Undo names the Follow it takes back by id: a late (or replayed) Undo of an older Follow
does not remove a newer one. Only an Undo whose Follow carries no id is matched by the topic
it names."""

from __future__ import annotations

from outlier.federation import inbox
from outlier.federation.models import Follower, RemoteActor
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer


def test_a_late_undo_leaves_the_newer_follow(federated: Federated, peer: FedifyPeer) -> None:
    first = peer.follow("alice", federated.actor)
    peer.undo("alice", first)
    assert not Follower.objects.exists()
    second = peer.follow("alice", federated.actor)
    assert Follower.objects.get().follow_id == second

    peer.undo("alice", first)  # the Undo of the first Follow again, late
    assert Follower.objects.get().follow_id == second
    peer.undo("alice", second)
    assert not Follower.objects.exists()


def test_an_undo_of_a_follow_without_id_matches_by_topic(
    federated: Federated, peer: FedifyPeer
) -> None:
    peer.follow("alice", federated.actor)
    alice = RemoteActor.objects.get()
    outcome = inbox.handle(
        {
            "id": f"{alice.uri}/undos/1",
            "type": "Undo",
            "actor": alice.uri,
            "object": {"type": "Follow", "actor": alice.uri, "object": federated.actor},
        },
        alice,
    )
    assert outcome == f"{alice.uri} unfollowed"
    assert not Follower.objects.exists()
