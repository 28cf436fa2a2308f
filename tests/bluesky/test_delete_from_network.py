"""From the post's page to the PDS: an editor deletes a sent post, the worker takes it down,
and the record is gone from the account's repository (a thread with all its posts).

Through Outlier's own path (do_save_post, do_schedule_post, the delivery engine, the deletion
worker), to a real PDS.
"""

from __future__ import annotations

from typing import Any

import pytest

from outlier.publishing import actions, deletions, dispatch
from outlier.publishing.models import Channel, Delivery, DeliveryState
from tests.peers.bluesky import Account
from tests.publishing.conftest import make_channel

pytestmark = pytest.mark.django_db
WORKER = "bluesky-delete-worker"
SENTENCE = "Rivers carry the stories of the towns along their banks down to the sea. "


@pytest.fixture
def sky(team: Any, alice: Account) -> Channel:
    return make_channel(team.workspace, network="bluesky", name="Sky",
                        settings={"handle": alice.handle, "pds_url": alice.pds_url,
                                  "appview": "none"},
                        credentials={"app_password": alice.app_password})  # fmt: skip


def send(team: Any, channel: Channel, text: str) -> Delivery:
    member = team.member(team.editor)
    post = actions.do_save_post(member, text=text, channels=[channel])
    actions.do_schedule_post(member, post, when="now")
    dispatch.heartbeat(WORKER)
    dispatch.run_due(WORKER, 10)
    delivery = Delivery.objects.select_related("channel").get(post=post)
    assert delivery.state == DeliveryState.SENT, delivery.error
    return delivery


def run_deletions() -> int:
    dispatch.heartbeat(WORKER)
    return deletions.run_due(WORKER, 10)


def test_the_record_is_gone_from_the_pds_after_the_worker_runs(
    team: Any, sky: Channel, alice: Account
) -> None:
    delivery = send(team, sky, "Short-lived on Bluesky")
    assert [r["uri"] for r in alice.records()] == [delivery.remote_id]

    response = team.client(team.editor).post(
        f"/app/acme/posts/{delivery.post_id}/deliveries/{delivery.pk}/delete/"
    )
    assert response.status_code == 302
    assert len(alice.records()) == 1  # the web request only asks

    assert run_deletions() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED, delivery.delete_error
    assert alice.records() == []


def test_a_thread_goes_with_all_its_posts(team: Any, sky: Channel, alice: Account) -> None:
    delivery = send(team, sky, SENTENCE * 6)  # over 300 graphemes: a thread
    assert len(alice.records()) > 1

    actions.do_delete_from_network(team.member(team.editor), delivery)
    run_deletions()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED, delivery.delete_error
    assert alice.records() == []


def test_a_worker_that_died_after_the_call_leaves_it_deleted(
    team: Any, sky: Channel, alice: Account
) -> None:
    """The PDS deleted the record but the worker died before recording it: the next worker
    deletes again, which the PDS accepts for a record already gone."""
    delivery = send(team, sky, "Deleted twice")
    actions.do_delete_from_network(team.member(team.editor), delivery)
    assert deletions.claim("dead-worker") == delivery.pk
    from outlier.publishing import content

    content.adapter_for(sky).delete(delivery.remote_id)  # type: ignore[attr-defined]
    assert alice.records() == []

    assert run_deletions() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED, delivery.delete_error
    assert delivery.delete_attempts == 2
