"""Forged, tampered, stale, unsigned, or signed with another actor's key: 401, nothing stored.
The same requests signed properly — by Fedify itself, in either signature scheme — pass."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from outlier.federation.models import Follower, Interaction, RemoteActor
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer

CAVAGE = "draft-cavage-http-signatures-12"


def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _follow(peer: FedifyPeer, federated: Federated, who: str = "alice") -> bytes:
    return json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{peer.actor(who)}/follows/{uuid.uuid4()}",
        "type": "Follow",
        "actor": peer.actor(who),
        "object": federated.actor,
    }).encode()  # fmt: skip


def _inbox(federated: Federated) -> str:
    return f"{federated.actor}/inbox"


def _nothing_stored() -> None:
    assert not Follower.objects.exists()
    assert not Interaction.objects.exists()
    assert not RemoteActor.objects.exists()


@pytest.mark.parametrize("spec", [CAVAGE, "rfc9421"])
def test_a_properly_signed_request_passes(
    federated: Federated, peer: FedifyPeer, spec: str
) -> None:
    body = _follow(peer, federated)
    headers = peer.sign("alice", _inbox(federated), body, spec=spec)
    assert _post(_inbox(federated), body, headers) == 202
    assert Follower.objects.get().actor.uri == peer.actor("alice")


def test_unsigned(federated: Federated, peer: FedifyPeer) -> None:
    body = _follow(peer, federated)
    assert _post(_inbox(federated), body, {"Content-Type": "application/activity+json"}) == 401
    _nothing_stored()


@pytest.mark.parametrize("spec", [CAVAGE, "rfc9421"])
def test_forged_signature(federated: Federated, peer: FedifyPeer, spec: str) -> None:
    # Signed with bob's private key, claiming alice's key id.
    body = _follow(peer, federated)
    headers = peer.sign(
        "alice",
        _inbox(federated),
        body,
        spec=spec,
        keyAs="bob",
        keyId=f"{peer.actor('alice')}#main-key",
    )
    assert _post(_inbox(federated), body, headers) == 401
    _nothing_stored()


@pytest.mark.parametrize("spec", [CAVAGE, "rfc9421"])
def test_tampered_body(federated: Federated, peer: FedifyPeer, spec: str) -> None:
    body = _follow(peer, federated)
    headers = peer.sign("alice", _inbox(federated), body, spec=spec)
    tampered = body.replace(b'"Follow"', b'"Follow" ')
    headers["Content-Length"] = str(len(tampered))
    assert _post(_inbox(federated), tampered, headers) == 401
    # …and with the digest recomputed to match, the signature no longer does.
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha256(tampered).digest()).decode()
    if spec == CAVAGE:
        headers["Digest"] = f"SHA-256={digest}"
    else:
        headers["Content-Digest"] = f"sha-256=:{digest}:"
    assert _post(_inbox(federated), tampered, headers) == 401
    _nothing_stored()


@pytest.mark.parametrize("spec", [CAVAGE, "rfc9421"])
@pytest.mark.parametrize("offset", [timedelta(hours=-2), timedelta(minutes=10)])
def test_stale_or_future_date(
    federated: Federated, peer: FedifyPeer, spec: str, offset: timedelta
) -> None:
    body = _follow(peer, federated)
    when = (datetime.now(UTC) + offset).isoformat()
    headers = peer.sign("alice", _inbox(federated), body, spec=spec, time=when)
    assert _post(_inbox(federated), body, headers) == 401
    _nothing_stored()


@pytest.mark.parametrize("spec", [CAVAGE, "rfc9421"])
def test_key_of_another_actor(federated: Federated, peer: FedifyPeer, spec: str) -> None:
    # bob signs, properly, an activity whose actor is alice.
    body = _follow(peer, federated, who="alice")
    headers = peer.sign("alice", _inbox(federated), body, spec=spec, keyAs="bob")
    assert _post(_inbox(federated), body, headers) == 401
    _nothing_stored()


def test_key_of_another_actor_already_known(federated: Federated, peer: FedifyPeer) -> None:
    # Both actors are cached; bob's key still cannot speak for alice.
    for who in ("alice", "bob"):
        body = _follow(peer, federated, who)
        assert _post(_inbox(federated), body, peer.sign(who, _inbox(federated), body)) == 202
    Follower.objects.all().delete()
    body = _follow(peer, federated, who="alice")
    assert (
        _post(_inbox(federated), body, peer.sign("alice", _inbox(federated), body, keyAs="bob"))
        == 401
    )
    assert not Follower.objects.exists()


def test_key_document_on_another_host(federated: Federated, peer: FedifyPeer) -> None:
    # The key id points at a document served by the peer that claims to be an actor elsewhere.
    forged = f"{peer.origin}/forged/actor"
    body = json.dumps({
        "id": f"{peer.origin}/forged/follows/1", "type": "Follow", "actor": forged,
        "object": federated.actor,
    }).encode()  # fmt: skip
    headers = peer.sign("alice", _inbox(federated), body, keyId=f"{forged}#main-key")
    assert _post(_inbox(federated), body, headers) == 401
    _nothing_stored()


def test_signature_must_cover_the_digest(federated: Federated, peer: FedifyPeer) -> None:
    body = _follow(peer, federated)
    headers = peer.sign("alice", _inbox(federated), body)
    headers.pop("Digest", None)
    headers.pop("digest", None)
    assert _post(_inbox(federated), body, headers) == 401
    _nothing_stored()
