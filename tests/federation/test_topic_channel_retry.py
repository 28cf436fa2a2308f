"""A delivery on a topic's fediverse channel sent again (after an unknown outcome, on a
person's request, or by two workers at once) never makes a second Note: the Note is named
after the delivery's idempotency key, and `lookup` answers from the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from outlier.federation import actions, queries
from outlier.federation.channel import TopicChannelAdapter
from outlier.federation.models import OutgoingActivity, PostedNote
from outlier.networks.base import Content, Found, Image
from outlier.publishing import actions as publishing_actions
from outlier.publishing import dispatch as publishing_dispatch
from outlier.publishing.models import Delivery, DeliveryState
from tests.conftest import Team
from tests.federation.conftest import Federated, fediverse_channel, png, post_now, send_posts
from tests.peers.fedify import FedifyPeer


def test_a_retried_delivery_does_not_make_a_second_note(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    channel = fediverse_channel(team)
    post = post_now(team, channel, "Only once.")
    assert send_posts() == 1
    following.deliver()
    delivery = Delivery.objects.get(post=post)
    first = delivery.remote_id

    # The worker lost the outcome; a person asks for it to be sent again.
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.UNCONFIRMED)
    delivery.refresh_from_db()
    publishing_actions.do_retry_delivery(team.member(team.editor), delivery)
    assert send_posts() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.remote_id == first
    said = delivery.events.filter(state=DeliveryState.SENT).last()
    assert said is not None and "Already published as this note" in said.message

    assert PostedNote.objects.count() == 1
    assert OutgoingActivity.objects.filter(type="Create").count() == 1
    assert following.deliver() == 0
    assert len(peer.received("Create")) == 1


def test_reconciling_asks_the_database(federated: Federated, team: Team) -> None:
    """An unconfirmed delivery whose Note was not recorded is sent again; one whose Note was
    recorded is settled as sent, with the Note's id."""
    channel = fediverse_channel(team)
    post = post_now(team, channel, "Did it go?")
    delivery = Delivery.objects.get(post=post)
    adapter = TopicChannelAdapter(channel.adapter_config())
    assert adapter.lookup(delivery.idempotency_key, timezone.now()).found == Found.NO

    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.UNCONFIRMED)
    assert publishing_dispatch.reconcile() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.RETRYING  # not there: safe to send

    published = adapter.publish(Content(text="Did it go?"), delivery.idempotency_key)
    answer = adapter.lookup(delivery.idempotency_key, timezone.now() - timedelta(hours=1))
    assert answer.found == Found.YES and answer.published is not None
    assert answer.published.remote_id == published.remote_id
    Delivery.objects.filter(pk=delivery.pk).update(state=DeliveryState.UNCONFIRMED)
    assert publishing_dispatch.reconcile() == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.remote_id == published.remote_id
    assert PostedNote.objects.count() == 1


def test_two_attempts_at_once_make_one_note(
    federated: Federated, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both attempts miss each other's row when they look; the unique name lets one insert,
    and the other returns that Note (its stored images removed again)."""
    channel = fediverse_channel(team)
    adapter = TopicChannelAdapter(channel.adapter_config())
    picture = Content(text="Racing.", images=(Image(png(), "image/png", "Race"),))
    monkeypatch.setattr(queries, "posted_note", lambda token: None)

    first = adapter.publish(picture, "same-delivery")
    second = adapter.publish(picture, "same-delivery")
    assert second.remote_id == first.remote_id
    assert "Already published" in second.note
    assert PostedNote.objects.count() == 1
    token = actions.note_token("same-delivery")
    _, files = default_storage.listdir(f"{actions.NOTE_IMAGE_DIR}/{token}")
    assert files == ["1.png"]


def test_a_deleted_note_is_not_made_again(federated: Federated, team: Team) -> None:
    from outlier.networks.base import ErrorKind, PublishError

    adapter = TopicChannelAdapter(fediverse_channel(team).adapter_config())
    published = adapter.publish(Content(text="Here, then gone."), "delivery-7")
    adapter.delete(published.remote_id)
    with pytest.raises(PublishError, match="duplicate the post") as refused:
        adapter.publish(Content(text="Here, then gone."), "delivery-7")
    assert refused.value.kind == ErrorKind.PERMANENT
    assert PostedNote.objects.count() == 1


def test_each_delivery_is_its_own_note(federated: Federated, team: Team) -> None:
    channel = fediverse_channel(team)
    post_now(team, channel, "Once.")
    post_now(team, channel, "Twice.")
    assert send_posts() == 2
    ids = set(Delivery.objects.values_list("remote_id", flat=True))
    assert len(ids) == 2 and ids == set(PostedNote.objects.values_list("object_uri", flat=True))
