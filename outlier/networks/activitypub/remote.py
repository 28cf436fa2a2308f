"""Fetching remote ActivityPub documents, always through `outlier.core.safe_http.fetch`.

A document is only believed about its own origin: whatever it claims, its `id` must be on the
host it was fetched from (also after redirects), or it is refused with `ForeignObject`.
A key is only believed to be an actor's when the actor's own document lists it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from outlier.core import safe_http
from outlier.networks.activitypub.http_signatures import sign_request
from outlier.networks.activitypub.vocabulary import (
    ActorDocument,
    DocumentError,
    PublicKey,
    first_id,
    parse_actor,
    same_origin,
)

__all__ = [
    "ACCEPT",
    "ForeignObject",
    "ObjectGone",
    "RemoteError",
    "Signer",
    "fetch_actor",
    "fetch_document",
    "fetch_key_owner",
]

ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
MAX_DOCUMENT_BYTES = 1024 * 1024
_JSON_TYPES = {"application/activity+json", "application/ld+json", "application/json"}


class RemoteError(Exception):
    """A remote document could not be fetched or is not usable; `str()` says why."""


class ObjectGone(RemoteError):
    """The server says the object does not exist (404) or no longer does (410)."""


class ForeignObject(RemoteError):
    """The document's id is not on the host it was fetched from."""


@dataclass(frozen=True)
class Signer:
    """Signs fetches (servers in "authorized fetch" mode refuse unsigned GETs)."""

    key_id: str
    private_key_pem: str = field(repr=False)


def fetch_document(
    url: str, *, signer: Signer | None = None, deadline: float = 10
) -> dict[str, Any]:
    """GET an ActivityStreams document; its id must be on the host it was fetched from."""
    target = url.split("#", 1)[0]
    headers: dict[str, str] = {}
    if signer is not None:
        headers = sign_request(
            "GET", target, None, key_id=signer.key_id, private_key_pem=signer.private_key_pem
        )
    try:
        response = safe_http.fetch(
            target, accept=ACCEPT, headers=headers, max_bytes=MAX_DOCUMENT_BYTES, deadline=deadline
        )
    except safe_http.FetchError as exc:
        raise RemoteError(str(exc)) from exc
    if response.status in (404, 410):
        raise ObjectGone(f"{target} is gone ({response.status})")
    if not response.ok:
        raise RemoteError(f"{target} answered {response.status}")
    if response.content_type not in _JSON_TYPES:
        raise RemoteError(
            f"{target} is not ActivityStreams JSON ({response.content_type or 'no type'})"
        )
    try:
        doc = json.loads(response.body)
    except ValueError as exc:
        raise RemoteError(f"{target} is not valid JSON") from exc
    if not isinstance(doc, dict):
        raise RemoteError(f"{target} is not a JSON object")
    doc_id = doc.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        raise RemoteError(f"{target} has no id")
    if not same_origin(doc_id, target) or not same_origin(doc_id, response.url):
        raise ForeignObject(
            f"{target} served an object whose id ({doc_id[:200]}) is on another host"
        )
    return doc


def fetch_actor(url: str, *, signer: Signer | None = None) -> ActorDocument:
    try:
        return parse_actor(fetch_document(url, signer=signer))
    except DocumentError as exc:
        raise RemoteError(str(exc)) from exc


def fetch_key_owner(
    key_id: str, *, signer: Signer | None = None
) -> tuple[ActorDocument, PublicKey]:
    """The actor owning `key_id` and the key, both from the actor's own document.

    The key id usually dereferences to the actor (`…/actor#main-key`); when it dereferences to
    a key document instead, its owner is fetched and must list the key.
    """
    doc = fetch_document(key_id, signer=signer)
    try:
        if "publicKeyPem" in doc and "inbox" not in doc:
            owner = first_id(doc.get("owner"))
            if not owner or not same_origin(owner, key_id):
                raise ForeignObject(f"The key {key_id} names an owner on another host")
            actor = fetch_actor(owner, signer=signer)
        else:
            actor = parse_actor(doc)
    except DocumentError as exc:
        raise RemoteError(str(exc)) from exc
    key = actor.key(key_id)
    if key is None:
        raise RemoteError(f"The actor {actor.id} does not list the key {key_id}")
    return actor, key
