"""WebFinger finds a public topic; its actor document, outbox and followers describe it; a
topic or scoop page asked for ActivityStreams JSON answers with the actor or the Note."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from outlier.federation.addresses import followers_uri, inbox_uri, outbox_uri, shared_inbox_uri
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer

AP = "application/activity+json"


def _json(response) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(response.content)


def test_webfinger_finds_the_topic_by_acct_and_by_url(federated: Federated, outlier: str) -> None:
    host = urlsplit(outlier).netloc
    client = Client()
    for resource in (
        f"acct:rivers@{host}",
        f"rivers@{host}",
        federated.actor,
        f"{outlier}/t/rivers/",
    ):
        response = client.get("/.well-known/webfinger", {"resource": resource})
        assert response.status_code == 200, resource
        assert response["Content-Type"] == "application/jrd+json"
        doc = _json(response)
        assert doc["subject"] == f"acct:rivers@{host}"
        self_link = next(link for link in doc["links"] if link["rel"] == "self")
        assert self_link == {"rel": "self", "type": AP, "href": federated.actor}
        assert f"{outlier}/t/rivers/" in doc["aliases"]


def test_webfinger_refuses_what_is_not_here(federated: Federated, outlier: str) -> None:
    client = Client()
    host = urlsplit(outlier).netloc
    assert client.get("/.well-known/webfinger").status_code == 400
    assert (
        client.get("/.well-known/webfinger", {"resource": f"acct:nope@{host}"}).status_code == 404
    )
    assert (
        client.get(
            "/.well-known/webfinger", {"resource": "acct:rivers@elsewhere.example"}
        ).status_code
        == 404
    )
    assert (
        client.get(
            "/.well-known/webfinger", {"resource": "https://elsewhere.example/ap/topics/1"}
        ).status_code
        == 404
    )


def test_actor_document(federated: Federated, outlier: str) -> None:
    response = Client().get(urlsplit(federated.actor).path, HTTP_ACCEPT=AP)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(AP)
    actor = _json(response)
    topic_id = federated.topic.pk
    assert actor["id"] == federated.actor
    assert actor["type"] == "Service"
    assert actor["preferredUsername"] == "rivers"
    assert actor["name"] == "Rivers"
    assert actor["summary"] == "<p>Water news.</p>"
    assert actor["url"] == f"{outlier}/t/rivers/"
    assert actor["inbox"] == inbox_uri(topic_id)
    assert actor["outbox"] == outbox_uri(topic_id)
    assert actor["followers"] == followers_uri(topic_id)
    assert actor["endpoints"]["sharedInbox"] == shared_inbox_uri()
    key = actor["publicKey"]
    assert key["id"] == f"{federated.actor}#main-key"
    assert key["owner"] == federated.actor
    public = serialization.load_pem_public_key(key["publicKeyPem"].encode())
    assert isinstance(public, rsa.RSAPublicKey) and public.key_size == 2048
    # The same key on every fetch; the private half is stored encrypted.
    again = _json(Client().get(urlsplit(federated.actor).path, HTTP_ACCEPT=AP))
    assert again["publicKey"] == key
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key FROM federation_actorkey")
        (stored,) = cursor.fetchone()
    assert "PRIVATE KEY" not in stored


def test_a_browser_is_sent_to_the_topic_page(federated: Federated) -> None:
    response = Client().get(urlsplit(federated.actor).path, HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert response.status_code == 302
    assert response["Location"] == "/t/rivers/"


def test_outbox_is_paged_newest_first(federated: Federated) -> None:
    scoops = [federated.scoop() for _ in range(23)]
    federated.scoop(state="draft", published_at=None)
    client = Client()
    outbox = _json(client.get(urlsplit(outbox_uri(federated.topic.pk)).path, HTTP_ACCEPT=AP))
    assert outbox["type"] == "OrderedCollection"
    assert outbox["totalItems"] == 23
    first = _json(client.get(urlsplit(outbox["first"]).path + "?page=1", HTTP_ACCEPT=AP))
    assert first["type"] == "OrderedCollectionPage"
    assert len(first["orderedItems"]) == 20
    assert first["orderedItems"][0]["type"] == "Create"
    assert first["orderedItems"][0]["object"]["id"] == federated.object(scoops[-1])
    second = _json(client.get(urlsplit(first["next"]).path + "?page=2", HTTP_ACCEPT=AP))
    assert len(second["orderedItems"]) == 3
    assert "next" not in second
    assert client.get(urlsplit(outbox_uri(federated.topic.pk)).path + "?page=x").status_code == 400


def test_followers_collection_counts(federated: Federated) -> None:
    doc = _json(Client().get(urlsplit(followers_uri(federated.topic.pk)).path, HTTP_ACCEPT=AP))
    assert doc == {
        "@context": doc["@context"],
        "id": followers_uri(federated.topic.pk),
        "type": "OrderedCollection",
        "totalItems": 0,
    }


def test_public_pages_negotiate_activity_json(federated: Federated, outlier: str) -> None:
    scoop = federated.scoop(title="Rivers are rising")
    client = Client()
    page = scoop.get_absolute_url()
    note = _json(
        client.get(
            page, HTTP_ACCEPT='application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
        )
    )
    assert note["id"] == federated.object(scoop)
    assert note["type"] == "Note"
    assert note["url"] == f"{outlier}{page}"
    assert _json(client.get(urlsplit(federated.object(scoop)).path, HTTP_ACCEPT=AP)) == note
    actor = _json(client.get("/t/rivers/", HTTP_ACCEPT=AP))
    assert actor["id"] == federated.actor
    html = client.get(page, HTTP_ACCEPT="text/html")
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")
    assert "Accept" in html["Vary"]
    assert (
        client.get(urlsplit(federated.object(scoop)).path, HTTP_ACCEPT="text/html")["Location"]
        == page
    )


def test_the_peer_reads_the_actor_over_http(
    federated: Federated, peer: FedifyPeer, outlier: str
) -> None:
    # Fedify resolves the topic page URL to the actor (content negotiation), then follows it.
    peer.follow("alice", f"{outlier}/t/rivers/")
    assert [f.actor.uri for f in federated.followers()] == [peer.actor("alice")]
