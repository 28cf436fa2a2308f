"""Deleting a sent status from Mastodon through Outlier's deletion worker, against the contract
server: DELETE /api/v1/statuses/:id with the channel's token; a status already gone (404)
counts as deleted. (The screens, roles and failure modes: tests/publishing.)"""

from __future__ import annotations

from typing import Any

import pytest

from outlier.publishing import actions, deletions, dispatch
from outlier.publishing.models import Channel, Delivery, DeliveryState
from tests.publishing.conftest import make_channel

from .conftest import FakeMastodon

pytestmark = pytest.mark.django_db
WORKER = "mastodon-delete-worker"


@pytest.fixture
def toot(team: Any, mastodon: FakeMastodon) -> Channel:
    config = mastodon.config()
    return make_channel(team.workspace, network="mastodon", name="Acme on Mastodon",
                        settings={"instance_url": config["instance_url"], "visibility": "public"},
                        credentials={"access_token": config["access_token"]})  # fmt: skip


def sent(team: Any, channel: Channel) -> Delivery:
    member = team.member(team.editor)
    post = actions.do_save_post(member, text="Launch day", channels=[channel])
    actions.do_schedule_post(member, post, when="now")
    dispatch.heartbeat(WORKER)
    dispatch.run_due(WORKER, 10)
    delivery = Delivery.objects.select_related("channel").get(post=post)
    assert delivery.state == DeliveryState.SENT, delivery.error
    return delivery


def run_deletions() -> int:
    dispatch.heartbeat(WORKER)
    return deletions.run_due(WORKER, 10)


def test_the_status_is_deleted_with_the_channels_token(team, toot, mastodon) -> None:
    delivery = sent(team, toot)
    actions.do_delete_from_network(team.member(team.editor), delivery)
    assert run_deletions() == 1

    [call] = mastodon.requests_to("DELETE", f"/api/v1/statuses/{delivery.remote_id}")
    assert call.headers["authorization"] == f"Bearer {mastodon.token}"
    assert delivery.remote_id not in mastodon.statuses
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED and delivery.deleted_at is not None


def test_a_status_already_gone_counts_as_deleted(team, toot, mastodon) -> None:
    delivery = sent(team, toot)
    mastodon.statuses.pop(delivery.remote_id)  # deleted on Mastodon's own site meanwhile
    actions.do_delete_from_network(team.member(team.editor), delivery)
    run_deletions()

    [call] = mastodon.requests_to("DELETE", f"/api/v1/statuses/{delivery.remote_id}")
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED
    assert delivery.delete_error == ""
