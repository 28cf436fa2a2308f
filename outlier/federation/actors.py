"""Remote actors as federation fetches and remembers them: the parsed document (id, inboxes,
keys: `networks.activitypub.vocabulary.parse_actor`) and the actor's picture, which the
parsed document leaves out and the inbox shows beside what they wrote.

Every fetch goes through `networks.activitypub.remote` (the safe HTTP client; a document is
only believed about its own origin). `fetch_key_owner` follows `remote.fetch_key_owner`
step by step, keeping the raw actor document it reads so its icon is not lost.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from outlier.federation import actions
from outlier.federation.documents import web_address
from outlier.federation.models import RemoteActor
from outlier.networks.activitypub import remote
from outlier.networks.activitypub.vocabulary import (
    ActorDocument,
    DocumentError,
    PublicKey,
    first_id,
    parse_actor,
    same_origin,
)

__all__ = ["FetchedActor", "fetch", "fetch_key_owner", "icon_of", "remember"]

MAX_ICON_LENGTH = 2000  # RemoteActor.icon; a longer address is dropped, not cut


@dataclass(frozen=True)
class FetchedActor:
    doc: ActorDocument
    icon: str  # the http(s) address of its picture, "" when it has none


def _addresses(value: Any, depth: int = 0) -> Iterator[str]:
    """The strings in an `icon`: a link, an Image (its `url`) or a Link (its `href`), or a
    list of them, nested a few levels at most."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict) and depth < 3:
        yield from _addresses(value.get("url") or value.get("href"), depth + 1)
    elif isinstance(value, list) and depth < 3:
        for item in value:
            yield from _addresses(item, depth + 1)


def icon_of(doc: dict[str, Any]) -> str:
    """The first http(s) address in an actor document's `icon`, "" when there is none."""
    for address in _addresses(doc.get("icon")):
        found = web_address(address)
        if found and len(found) <= MAX_ICON_LENGTH:
            return found
    return ""


def _parsed(doc: dict[str, Any]) -> FetchedActor:
    try:
        return FetchedActor(parse_actor(doc), icon_of(doc))
    except DocumentError as exc:
        raise remote.RemoteError(str(exc)) from exc


def fetch(url: str, *, signer: remote.Signer | None = None) -> FetchedActor:
    """The actor at `url`; raises remote.RemoteError (ObjectGone when it is gone)."""
    return _parsed(remote.fetch_document(url, signer=signer))


def fetch_key_owner(
    key_id: str, *, signer: remote.Signer | None = None
) -> tuple[FetchedActor, PublicKey]:
    """The actor owning `key_id` and the key, both from the actor's own document (see
    `remote.fetch_key_owner`: a key id that names a key document leads to its owner, who
    must be on the key's host and list the key)."""
    doc = remote.fetch_document(key_id, signer=signer)
    if "publicKeyPem" in doc and "inbox" not in doc:
        owner = first_id(doc.get("owner"))
        if not owner or not same_origin(owner, key_id):
            raise remote.ForeignObject(f"The key {key_id} names an owner on another host")
        actor = fetch(owner, signer=signer)
    else:
        actor = _parsed(doc)
    key = actor.doc.key(key_id)
    if key is None:
        raise remote.RemoteError(f"The actor {actor.doc.id} does not list the key {key_id}")
    return actor, key


def remember(actor: FetchedActor, now: datetime | None = None) -> RemoteActor:
    """Store (or refresh) the actor, its keys and its picture."""
    return actions.do_remember_actor(actor.doc, now, icon=actor.icon)
