"""Two followers on one server get one delivery, to their shared inbox."""

from __future__ import annotations

from outlier.federation.models import Delivery, DeliveryState
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer


def test_two_followers_one_delivery(federated: Federated, peer: FedifyPeer) -> None:
    peer.follow("alice", federated.actor)
    peer.follow("bob", federated.actor)
    federated.deliver()  # the two Accepts, each to its follower's own inbox
    peer.reset()

    scoop = federated.scoop()
    assert federated.deliver() == 1
    delivery = Delivery.objects.get(activity__type="Create")
    assert delivery.inbox == f"{peer.origin}/inbox"
    assert delivery.state == DeliveryState.DELIVERED
    posts = peer.received("Create")
    assert [(p["path"], p["body"]["object"]["id"]) for p in posts] == [
        ("/inbox", federated.object(scoop))
    ]
    events = peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Create"], what="the Create"
    )
    assert [e["recipient"] for e in events] == [None]  # the shared inbox
