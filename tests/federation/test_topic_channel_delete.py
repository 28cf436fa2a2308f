"""Deleting a post delivered on a topic's fediverse channel sends Delete (a Tombstone) to the
followers; its id answers 410, it leaves the outbox, its images go; deleting again does
nothing."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from outlier.federation.models import Delivery as ActivityDelivery
from outlier.federation.models import DeliveryState as ActivityState
from outlier.federation.models import OutgoingActivity, PostedNote, PublicationState
from outlier.networks.base import Listening
from outlier.publishing import content
from outlier.publishing.models import Delivery
from tests.conftest import Team
from tests.federation.conftest import Federated, fediverse_channel, png, post_now, send_posts
from tests.peers.fedify import FedifyPeer

AP = "application/activity+json"


def test_deleting_the_post_sends_delete(following: Federated, peer: FedifyPeer, team: Team) -> None:
    channel = fediverse_channel(team)
    post = post_now(team, channel, "Short-lived.", images=((png(), "Gone soon"),))
    send_posts()
    following.deliver()
    delivery = Delivery.objects.get(post=post)
    note_id = delivery.remote_id
    image_path = urlsplit(PostedNote.objects.get().document["attachment"][0]["url"]).path
    assert Client().get(image_path).status_code == 200

    adapter = content.adapter_for(channel)
    assert "delete" in adapter.capabilities
    listening: Listening = adapter  # type: ignore[assignment]
    listening.delete(delivery.remote_id)
    assert following.deliver() == 1
    (deletion,) = [p["body"] for p in peer.received("Delete")]
    assert deletion["actor"] == following.actor
    assert deletion["object"] == {"id": note_id, "type": "Tombstone", "formerType": "Note"}
    peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Delete"], what="the Delete event"
    )

    assert PostedNote.objects.get().state == PublicationState.DELETED
    gone = Client().get(urlsplit(note_id).path, HTTP_ACCEPT=AP)
    assert gone.status_code == 410 and gone.json()["type"] == "Tombstone"
    outbox = Client().get(f"/ap/topics/{following.topic.pk}/outbox", HTTP_ACCEPT=AP).json()
    assert outbox["totalItems"] == 0
    assert Client().get(image_path).status_code == 404

    listening.delete(delivery.remote_id)  # already gone: not an error, nothing sent
    listening.delete(note_id.replace("/ap/notes/", "/ap/notes/0"))  # never there: the same
    assert OutgoingActivity.objects.filter(type="Delete").count() == 1
    assert following.deliver() == 0


def test_deleting_before_the_create_went_out_calls_it_off(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    channel = fediverse_channel(team)
    post_now(team, channel, "Oops, wrong topic.")
    send_posts()  # recorded and queued, not sent yet
    content.adapter_for(channel).delete(Delivery.objects.get().remote_id)  # type: ignore[attr-defined]
    create = ActivityDelivery.objects.get(activity__type="Create")
    assert create.state == ActivityState.FAILED
    assert create.last_error == "The note was deleted before it was sent."
    following.deliver()
    assert not peer.received("Create")
    assert len(peer.received("Delete")) == 1


def test_a_channel_cannot_delete_another_workspaces_note(federated: Federated, team: Team) -> None:
    import pytest

    from outlier.curation.models import Topic
    from outlier.federation.channel import TopicChannelAdapter
    from outlier.networks.base import ErrorKind, PublishError

    post_now(team, fediverse_channel(team), "Ours.")
    send_posts()
    Topic.objects.create(workspace=team.other_workspace, name="Theirs", slug="theirs")
    theirs = TopicChannelAdapter({"topic": "theirs", "workspace_id": team.other_workspace.pk})
    with pytest.raises(PublishError) as refused:
        theirs.delete(Delivery.objects.get().remote_id)
    assert refused.value.kind == ErrorKind.PERMANENT
    assert PostedNote.objects.get().state == PublicationState.LIVE
