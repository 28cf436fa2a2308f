"""A signature that fails with a cached key makes Outlier fetch the actor again (it may have
rotated its key), but forged requests cannot turn that into a flood: the attempt is recorded
before the fetch, so however many arrive, one fetch per actor per REFETCH_AFTER goes out."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

from django.utils import timezone

from outlier.federation import authenticity
from outlier.federation.models import Follower, RemoteActor
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _follow(peer: FedifyPeer, federated: Federated) -> bytes:
    return json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.actor('alice')}/follows/{uuid.uuid4()}",
        "type": "Follow",
        "actor": peer.actor("alice"),
        "object": federated.actor,
    }).encode()  # fmt: skip


def test_forged_requests_cause_at_most_one_refetch(federated: Federated, peer: FedifyPeer) -> None:
    inbox = f"{federated.actor}/inbox"
    body = _follow(peer, federated)
    assert _post(inbox, body, peer.sign("alice", inbox, body)) == 202  # alice's key is cached
    Follower.objects.all().delete()
    long_ago = timezone.now() - authenticity.REFETCH_AFTER - timedelta(seconds=5)
    RemoteActor.objects.update(fetched_at=long_ago)
    peer.reset()

    for _ in range(3):  # signed with bob's key, claiming alice's
        body = _follow(peer, federated)
        forged = peer.sign(
            "alice", inbox, body, keyAs="bob", keyId=f"{peer.actor('alice')}#main-key"
        )
        assert _post(inbox, body, forged) == 401

    assert len(peer.fetches("/users/alice")) == 1
    assert not Follower.objects.exists()
    assert RemoteActor.objects.get().fetched_at > long_ago  # the attempt was recorded

    # alice herself still gets through, with the key she has.
    body = _follow(peer, federated)
    assert _post(inbox, body, peer.sign("alice", inbox, body)) == 202
    assert Follower.objects.get().actor.uri == peer.actor("alice")
    assert len(peer.fetches("/users/alice")) == 1
