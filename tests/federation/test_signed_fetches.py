"""Servers in "authorized fetch" mode refuse unsigned GETs. Outlier signs every fetch: with
the topic's key when a topic is the natural signer, else with the instance actor's (/ap/actor,
an Application with its own key pair, found by WebFinger as acct:host@host). The Fedify peer,
switched to authorized fetch, verifies those signatures and serves what they ask for."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from outlier.federation.addresses import instance_actor_uri, instance_key_id, shared_inbox_uri
from outlier.federation.models import Follower, Interaction, InteractionKind
from outlier.networks.activitypub import remote
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer

AP = "application/activity+json"


def test_the_instance_actor(outlier: str) -> None:
    host = urlsplit(outlier).netloc
    response = Client().get("/ap/actor", HTTP_ACCEPT=AP)
    assert response.status_code == 200
    actor = json.loads(response.content)
    assert actor["id"] == instance_actor_uri() == f"{outlier}/ap/actor"
    assert actor["type"] == "Application"
    assert actor["preferredUsername"] == host
    assert actor["manuallyApprovesFollowers"] is True
    assert actor["inbox"] == shared_inbox_uri()
    assert "followers" not in actor
    assert Client().get(urlsplit(actor["outbox"]).path).json()["totalItems"] == 0
    key = actor["publicKey"]
    assert key["id"] == instance_key_id() and key["owner"] == actor["id"]
    assert isinstance(
        serialization.load_pem_public_key(key["publicKeyPem"].encode()), rsa.RSAPublicKey
    )
    assert json.loads(Client().get("/ap/actor").content)["publicKey"] == key  # one key pair

    for resource in (f"acct:{host}@{host}", instance_actor_uri(), outlier, f"{outlier}/"):
        found = Client().get("/.well-known/webfinger", {"resource": resource})
        assert found.status_code == 200, resource
        doc = json.loads(found.content)
        assert doc["subject"] == f"acct:{host}@{host}"
        assert {"rel": "self", "type": AP, "href": instance_actor_uri()} in doc["links"]


def test_fetches_are_signed_for_a_peer_in_authorized_fetch_mode(
    federated: Federated, peer: FedifyPeer
) -> None:
    peer.authorized_fetch()
    with pytest.raises(remote.RemoteError, match="401"):  # the peer does refuse unsigned GETs
        remote.fetch_actor(peer.actor("alice"))
    assert [f["keyId"] for f in peer.fetches("/users/alice")] == [None]
    peer.reset()
    peer.authorized_fetch()

    # alice's Follow reaches the shared inbox: her key is fetched signed by the instance actor
    # (at a topic's own inbox, by that topic), and the peer verified the signature.
    peer.follow("alice", federated.actor)
    assert Follower.objects.get().actor.uri == peer.actor("alice")
    (fetch,) = peer.fetches("/users/alice")
    assert (fetch["status"], fetch["keyId"]) == (200, instance_key_id())

    # A reply that names its note only by id: the note is fetched, signed by the instance actor.
    scoop = federated.scoop()
    federated.deliver()
    reply = peer.reply("alice", federated.object(scoop), "<p>Signed for</p>", by_reference=True)
    note_path = urlsplit(reply["note"]).path
    (note_fetch,) = peer.fetches(note_path)
    assert (note_fetch["status"], note_fetch["keyId"]) == (200, instance_key_id())
    stored = Interaction.objects.get(kind=InteractionKind.REPLY)
    assert stored.uri == reply["note"] and "Signed for" in stored.content_html
