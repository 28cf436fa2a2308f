"""A Fedify account follows a topic: Outlier stores the follower and its Accept reaches it."""

from __future__ import annotations

import logging
import time

import pytest

from outlier.federation import dispatch
from outlier.federation.models import Delivery, DeliveryState, Follower, OutgoingActivity
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer


def test_follow_is_stored_and_accepted(
    federated: Federated, peer: FedifyPeer, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.perf_counter()
    with caplog.at_level(logging.DEBUG, logger="outlier.federation"):
        follow_id = peer.follow("alice", federated.actor)
    follow_seconds = time.perf_counter() - started
    # Fedify knocks with RFC 9421 first; Outlier verifies it, so no fallback was needed.
    messages = [r.getMessage() for r in caplog.records]
    assert f"Verified rfc9421 signature of {peer.actor('alice')}" in messages
    assert not [m for m in messages if m.startswith("Refused")]

    follower = Follower.objects.select_related("actor").get(topic=federated.topic)
    assert follower.actor.uri == peer.actor("alice")
    assert follower.follow_id == follow_id
    assert follower.inbox == f"{peer.actor('alice')}/inbox"
    assert follower.shared_inbox == f"{peer.origin}/inbox"

    accept = OutgoingActivity.objects.get(type="Accept")
    assert accept.payload["object"]["id"] == follow_id
    assert dispatch.run_due("w1", 10) == 1
    assert Delivery.objects.get(activity=accept).state == DeliveryState.DELIVERED

    events = peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Accept"], what="the Accept"
    )
    assert events[0]["recipient"] == "alice"
    assert events[0]["actor"] == federated.actor
    print(f"follow round trip (peer → Outlier inbox → 202): {follow_seconds * 1000:.0f} ms")


def test_follow_again_with_the_same_id_changes_nothing(
    federated: Federated, peer: FedifyPeer
) -> None:
    peer.follow("alice", federated.actor)
    peer.follow("alice", federated.actor)  # a new Follow id: accepted again, still one follower
    assert Follower.objects.filter(topic=federated.topic).count() == 1
    assert OutgoingActivity.objects.filter(type="Accept").count() == 2
