"""A follower's server that is down: the delivery waits with exponential backoff, then goes
through once it is back; an inbox that refuses for good is given up; a delivery whose worker
died mid-send is sent again after its lease."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone

from outlier.federation import dispatch
from outlier.federation.models import Delivery, DeliveryState
from tests.federation.conftest import Federated
from tests.peers import fedify


@pytest.fixture
def own_peer(outlier: str) -> Iterator[list[fedify.FedifyPeer]]:
    """A peer of this test's own, which it stops and starts again."""
    peers = [fedify.start(actors=("carol",))]
    yield peers
    peers[-1].stop()


def test_delivery_is_retried_after_the_peer_was_down(
    federated: Federated, own_peer: list[fedify.FedifyPeer]
) -> None:
    peer = own_peer[0]
    peer.follow("carol", federated.actor)
    federated.deliver()
    peer.stop()

    scoop = federated.scoop()
    dispatch.sweep()
    before = timezone.now()
    assert dispatch.run_due("w1", 10) == 1
    delivery = Delivery.objects.get(activity__type="Create")
    assert delivery.state == DeliveryState.PENDING
    assert delivery.attempts == 1
    assert delivery.last_status is None
    assert "Could not connect" in delivery.last_error
    wait = delivery.next_attempt_at - before
    assert timedelta(seconds=45) < wait < timedelta(seconds=75)
    assert dispatch.run_due("w1", 10) == 0  # not due yet

    # Still down at the second attempt: the wait doubles.
    second_at = delivery.next_attempt_at
    assert dispatch.run_due("w1", 10, now=second_at) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert timedelta(seconds=95) < delivery.next_attempt_at - second_at < timedelta(seconds=145)

    own_peer.append(fedify.restart(peer))
    back = own_peer[-1]
    assert dispatch.run_due("w1", 10, now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELIVERED
    assert delivery.attempts == 3
    assert [p["body"]["object"]["id"] for p in back.received("Create")] == [federated.object(scoop)]


def test_permanent_refusal_and_too_many_attempts_give_up(
    federated: Federated, peer: fedify.FedifyPeer
) -> None:
    peer.follow("alice", federated.actor)
    federated.deliver()
    from outlier.federation.models import Follower

    # An inbox that does not exist on the peer: 404 is not worth retrying.
    Follower.objects.update(inbox=f"{peer.origin}/users/nobody/inbox", shared_inbox="")
    federated.scoop()
    federated.deliver()
    delivery = Delivery.objects.get(activity__type="Create")
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_status == 404

    # A server that stays down is given up after MAX_ATTEMPTS.
    Follower.objects.update(inbox="http://127.0.0.1:9/inbox")
    federated.scoop()
    dispatch.sweep()
    now = timezone.now()
    for _ in range(dispatch.MAX_ATTEMPTS):
        now += timedelta(hours=12)
        dispatch.run_due("w1", 10, now=now)
    stuck = Delivery.objects.get(inbox="http://127.0.0.1:9/inbox")
    assert stuck.state == DeliveryState.FAILED
    assert stuck.attempts == dispatch.MAX_ATTEMPTS


def test_an_abandoned_delivery_is_sent_again(following: Federated, peer: fedify.FedifyPeer) -> None:
    following.scoop()
    dispatch.sweep()
    # A worker claimed it, then died before sending (or before recording the outcome).
    Delivery.objects.filter(activity__type="Create").update(
        state=DeliveryState.SENDING, claimed_by="dead", attempts=1,
        lease_until=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip
    assert dispatch.run_due("w2", 10) == 0  # claimed rows are not taken
    assert dispatch.sweep() == 1  # the lease ran out: back to the queue
    assert dispatch.run_due("w2", 10) == 1
    delivery = Delivery.objects.get(activity__type="Create")
    assert (delivery.state, delivery.attempts) == (DeliveryState.DELIVERED, 2)
    assert len(peer.received("Create")) == 1


def test_a_late_outcome_of_a_lost_lease_is_not_recorded(following: Federated) -> None:
    following.scoop()
    dispatch.sweep()
    claimed = dispatch._claim("w1", 10, timezone.now())
    delivery = Delivery.objects.get(pk=claimed[0])
    Delivery.objects.update(claimed_by="w2")  # w1's lease ran out and w2 took the row over
    dispatch._record(delivery, dispatch._Outcome(202), "w1", timezone.now())
    delivery.refresh_from_db()
    assert (delivery.state, delivery.claimed_by) == (DeliveryState.SENDING, "w2")
