"""A remote actor's picture is read from its own document wherever federation fetches one
(`federation.actors`), in the shapes servers write it; the key owner is still only believed
as `remote.fetch_key_owner` believes it, also behind a separate key document."""

from __future__ import annotations

import json
from typing import Any

import pytest

from outlier.federation import actors
from outlier.federation.models import RemoteActor
from outlier.networks.activitypub import remote
from tests.conftest import PageServer
from tests.peers.fedify import FedifyPeer

AP = "application/activity+json"
PICTURE = "https://media.example/a.png"


@pytest.mark.parametrize(
    ("icon", "found"),
    [
        ({"type": "Image", "url": PICTURE}, PICTURE),
        (PICTURE, PICTURE),
        ([{"type": "Image", "url": "data:image/png;base64,AAAA"}, {"url": PICTURE}], PICTURE),
        ({"type": "Image", "url": {"type": "Link", "href": PICTURE}}, PICTURE),
        ({"type": "Image", "url": ["javascript:alert(1)", PICTURE]}, PICTURE),
        ([[[[PICTURE]]]], ""),  # nested beyond reason
        ({"type": "Image", "url": "ftp://media.example/a.png"}, ""),
        ({"type": "Image", "url": "https://media.example/" + "a" * 2000}, ""),  # too long
        (None, ""),
    ],
)
def test_the_picture_in_an_actor_document(icon: Any, found: str) -> None:
    assert actors.icon_of({"icon": icon}) == found


@pytest.mark.django_db
def test_a_key_document_leads_to_its_owner_and_the_owners_picture(
    page_server: PageServer,
) -> None:
    me = f"{page_server.base}/users/me"
    key = {"id": f"{page_server.base}/keys/1", "owner": me, "publicKeyPem": "PEM"}
    page_server.add("/keys/1", json.dumps({**key, "type": "CryptographicKey"}), AP)
    page_server.add("/users/me", json.dumps({
        "id": me, "type": "Person", "inbox": f"{me}/inbox", "publicKey": key,
        "icon": {"type": "Image", "url": f"{page_server.base}/me.png"},
    }), AP)  # fmt: skip
    owner, found = actors.fetch_key_owner(key["id"])
    assert (owner.doc.id, owner.icon, found.pem) == (me, f"{page_server.base}/me.png", "PEM")
    assert actors.remember(owner).icon == f"{page_server.base}/me.png"

    # A key document naming an owner elsewhere, or an owner that does not list the key.
    page_server.add("/keys/2", json.dumps({**key, "id": f"{page_server.base}/keys/2",
                                           "owner": "https://elsewhere.example/u"}), AP)  # fmt: skip
    with pytest.raises(remote.ForeignObject):
        actors.fetch_key_owner(f"{page_server.base}/keys/2")
    page_server.add("/keys/3", json.dumps({**key, "id": f"{page_server.base}/keys/3"}), AP)
    with pytest.raises(remote.RemoteError, match="does not list the key"):
        actors.fetch_key_owner(f"{page_server.base}/keys/3")


def test_an_actor_without_a_picture_loses_the_one_remembered(
    peer: FedifyPeer, page_server: PageServer
) -> None:
    fetched = actors.fetch(peer.actor("alice"))
    assert fetched.icon == ""  # the peer's actors have none
    stored = actors.remember(actors.FetchedActor(fetched.doc, PICTURE))
    assert stored.icon == PICTURE
    assert actors.remember(fetched).icon == ""
    assert RemoteActor.objects.get(uri=peer.actor("alice")).icon == ""
