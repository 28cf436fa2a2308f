"""A private topic is no actor: WebFinger, its actor, collections, inbox and objects are 404."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client

from outlier.federation.addresses import actor_uri, followers_uri, inbox_uri, object_uri, outbox_uri
from outlier.federation.models import Follower
from tests.conftest import Team, make_scoop, make_topic
from tests.peers.fedify import FedifyPeer, PeerError

AP = "application/activity+json"


def test_private_topic_is_not_found(outlier: str, team: Team) -> None:
    topic = make_topic(team.workspace, name="Secret", slug="secret", is_public=False)
    scoop = make_scoop(topic)
    client = Client()
    host = urlsplit(outlier).netloc
    assert (
        client.get("/.well-known/webfinger", {"resource": f"acct:secret@{host}"}).status_code == 404
    )
    assert (
        client.get("/.well-known/webfinger", {"resource": actor_uri(topic.pk)}).status_code == 404
    )
    for uri in (
        actor_uri(topic.pk),
        outbox_uri(topic.pk),
        followers_uri(topic.pk),
        object_uri(scoop.pk),
    ):
        assert client.get(urlsplit(uri).path, HTTP_ACCEPT=AP).status_code == 404, uri
    response = client.post(urlsplit(inbox_uri(topic.pk)).path, b"{}", content_type=AP)
    assert response.status_code == 404
    assert client.get("/t/secret/", HTTP_ACCEPT=AP).status_code == 404


def test_the_peer_cannot_follow_a_private_topic(outlier: str, team: Team, peer: FedifyPeer) -> None:
    topic = make_topic(team.workspace, name="Secret", slug="secret", is_public=False)
    with pytest.raises(PeerError):
        peer.follow("alice", actor_uri(topic.pk))
    assert not Follower.objects.exists()
