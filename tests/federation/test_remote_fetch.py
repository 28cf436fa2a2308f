"""Remote documents are fetched through the safe client and only believed about their own
host: an object whose id is on another host is refused, also behind a redirect."""

from __future__ import annotations

import json
from typing import Any

import pytest

from outlier.networks.activitypub import remote
from tests.conftest import PageServer
from tests.peers.fedify import FedifyPeer


def test_fetch_a_real_actor_and_its_key(peer: FedifyPeer) -> None:
    actor = remote.fetch_actor(peer.actor("alice"))
    assert actor.id == peer.actor("alice")
    assert actor.inbox == f"{peer.actor('alice')}/inbox"
    assert actor.shared_inbox == f"{peer.origin}/inbox"
    owner, key = remote.fetch_key_owner(f"{peer.actor('alice')}#main-key")
    assert owner.id == peer.actor("alice")
    assert key.owner == owner.id and "PUBLIC KEY" in key.pem


def test_object_whose_id_is_on_another_host_is_refused(peer: FedifyPeer) -> None:
    with pytest.raises(remote.ForeignObject):
        remote.fetch_document(f"{peer.origin}/forged/actor")
    with pytest.raises(remote.ForeignObject):
        remote.fetch_key_owner(f"{peer.origin}/forged/actor#main-key")


def _actor(actor_id: str, **extra: Any) -> str:
    return json.dumps({"id": actor_id, "type": "Person", "inbox": f"{actor_id}/inbox", **extra})


def test_a_redirect_does_not_launder_a_foreign_id(page_server: PageServer) -> None:
    # localhost and 127.0.0.1 are different hosts: the document's id must match both ends.
    other = page_server.base.replace("127.0.0.1", "localhost")
    page_server.add("/real", _actor(f"{page_server.base}/real"), "application/activity+json")
    page_server.redirect("/hop", f"{other}/real")
    with pytest.raises(remote.ForeignObject):
        remote.fetch_document(f"{page_server.base}/hop")
    assert remote.fetch_document(f"{page_server.base}/real")["id"] == f"{page_server.base}/real"


def test_keys_the_actor_does_not_own_are_ignored(page_server: PageServer) -> None:
    me = f"{page_server.base}/me"
    page_server.add(
        "/me",
        _actor(
            me,
            publicKey=[
                {
                    "id": f"{me}#main-key",
                    "owner": "https://elsewhere.example/x",
                    "publicKeyPem": "x",
                },
                {"id": "https://elsewhere.example/k", "owner": me, "publicKeyPem": "x"},
            ],
        ),  # fmt: skip
        "application/activity+json",
    )
    assert remote.fetch_actor(me).keys == ()
    with pytest.raises(remote.RemoteError, match="does not list the key"):
        remote.fetch_key_owner(f"{me}#main-key")


def test_what_is_not_activity_json_is_refused(page_server: PageServer) -> None:
    url = page_server.add("/page", "<html></html>")
    with pytest.raises(remote.RemoteError, match="not ActivityStreams JSON"):
        remote.fetch_document(url)
    page_server.add("/gone", "{}", "application/activity+json", status=410)
    with pytest.raises(remote.ObjectGone):
        remote.fetch_document(f"{page_server.base}/gone")


def test_private_addresses_stay_refused_without_the_setting(settings: Any) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = []
    with pytest.raises(remote.RemoteError, match="loopback"):
        remote.fetch_document("http://127.0.0.1:9/actor")
