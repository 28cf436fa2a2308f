"""An inbox that answers a POST with a redirect has not received the activity (safe_http
follows a 301/302 as a GET, without the body): the delivery is given up with a clear message,
never recorded as delivered. An inbox that answers directly is delivered."""

from __future__ import annotations

import pytest

from outlier.federation import dispatch
from outlier.federation.models import Delivery, DeliveryState, Follower, RemoteActor
from tests.conftest import Team, make_scoop, make_topic
from tests.federation.conftest import LocalInboxes


def _follower(team: Team, inbox: str) -> None:
    topic = make_topic(team.workspace)
    actor = RemoteActor.objects.create(
        uri=f"{inbox}/actor", host="127.0.0.1", type="Person", inbox=inbox,
        fetched_at="2026-01-01T00:00:00Z",
    )  # fmt: skip
    Follower.objects.create(topic=topic, actor=actor, inbox=inbox, follow_id=f"{inbox}/f/1")
    make_scoop(topic)
    assert dispatch.sweep() == 1


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirected_post_is_not_delivered(inboxes: LocalInboxes, team: Team, status: int) -> None:
    inboxes.status = status
    _follower(team, f"{inboxes.base}/moved")
    assert dispatch.run_due("w1", 10) == 1
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.FAILED
    assert delivery.delivered_at is None
    assert "redirected the POST" in delivery.last_error
    assert f"{inboxes.base}/elsewhere" in delivery.last_error
    assert inboxes.requests[0] == ("POST", "/moved")
    assert dispatch.run_due("w1", 10) == 0  # given up, not retried


def test_a_direct_answer_is_delivered(inboxes: LocalInboxes, team: Team) -> None:
    _follower(team, f"{inboxes.base}/inbox")
    assert dispatch.run_due("w1", 10) == 1
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.last_status) == (DeliveryState.DELIVERED, 202)
    assert inboxes.requests == [("POST", "/inbox")]
