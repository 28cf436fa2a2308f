"""ActivityStreams documents: builders for what Outlier sends and serves, readers for what
it receives. Plain dicts in, plain dicts out; no Django models.

Documents are compact JSON-LD with only the two contexts every implementation preloads
(ActivityStreams and security/v1), so no receiver has to fetch a context.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "ACTIVITY_JSON",
    "AP_MEDIA_TYPES",
    "CONTEXT",
    "PUBLIC",
    "ActorDocument",
    "ActorProfile",
    "DocumentError",
    "PublicKey",
    "ScoopContent",
    "accept",
    "actor_document",
    "create",
    "delete",
    "delete_actor",
    "first_id",
    "ids",
    "is_public",
    "ordered_collection",
    "ordered_collection_page",
    "parse_actor",
    "same_origin",
    "scoop_object",
    "tombstone",
    "update",
    "webfinger",
    "wants_activity_json",
]

ACTIVITY_JSON = "application/activity+json"
AP_MEDIA_TYPES = ("application/activity+json", "application/ld+json")
CONTEXT = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_PUBLIC_ALIASES = {PUBLIC, "as:Public", "Public"}
ACTOR_TYPES = {"Person", "Service", "Group", "Organization", "Application"}
_IMAGE_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "webp": "image/webp", "avif": "image/avif", "svg": "image/svg+xml",
}  # fmt: skip


class DocumentError(ValueError):
    """A remote document lacks what it must have, or has it in the wrong shape."""


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def wants_activity_json(accept: str) -> bool:
    """Whether an Accept header asks for ActivityStreams JSON rather than a web page."""
    for part in accept.lower().split(","):
        media_type, *params = (piece.strip() for piece in part.split(";"))
        if media_type in AP_MEDIA_TYPES:
            return not any(param.replace(" ", "") in ("q=0", "q=0.0", "q=0.00") for param in params)
    return False


# -- reading ------------------------------------------------------------------------------------


def ids(value: Any) -> list[str]:
    """The ids in a property that may be a URI, an object with an id, or a list of either."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, str) and item:
            found.append(item)
        elif isinstance(item, dict):
            inner = item.get("id") or item.get("href")
            if isinstance(inner, str) and inner:
                found.append(inner)
    return found


def first_id(value: Any) -> str:
    """The first id in a property ("" when there is none)."""
    found = ids(value)
    return found[0] if found else ""


def same_origin(a: str, b: str) -> bool:
    """Same scheme, host and port (what ActivityPub calls "the same origin")."""
    try:
        pa, pb = urlsplit(a), urlsplit(b)
        return (
            pa.scheme.lower() in ("http", "https")
            and pa.scheme.lower() == pb.scheme.lower()
            and (pa.hostname or "") == (pb.hostname or "")
            and bool(pa.hostname)
            and (pa.port or (443 if pa.scheme.lower() == "https" else 80))
            == (pb.port or (443 if pb.scheme.lower() == "https" else 80))
        )
    except ValueError:
        return False


def _http_url(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme in ("http", "https") and parts.hostname else ""


@dataclass(frozen=True)
class PublicKey:
    id: str
    owner: str
    pem: str


@dataclass(frozen=True)
class ActorDocument:
    id: str
    type: str
    inbox: str
    shared_inbox: str
    preferred_username: str
    name: str
    url: str
    keys: tuple[PublicKey, ...]

    def key(self, key_id: str) -> PublicKey | None:
        return next((key for key in self.keys if key.id == key_id), None)


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def parse_actor(doc: dict[str, Any]) -> ActorDocument:
    """An actor's id, inboxes and public keys, checked: the keys must belong to the actor."""
    actor_id = _http_url(doc.get("id"))
    if not actor_id:
        raise DocumentError("The actor has no http(s) id.")
    kind = doc.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind not in ACTOR_TYPES:
        raise DocumentError(f"{actor_id} is not an actor (type {kind!r}).")
    inbox = _http_url(first_id(doc.get("inbox")))
    if not inbox:
        raise DocumentError(f"The actor {actor_id} has no inbox.")
    endpoints = doc.get("endpoints")
    shared = _http_url(endpoints.get("sharedInbox")) if isinstance(endpoints, dict) else ""
    keys = []
    raw_keys = doc.get("publicKey")
    for raw in raw_keys if isinstance(raw_keys, list) else [raw_keys]:
        if not isinstance(raw, dict):
            continue
        key_id, owner, pem = raw.get("id"), first_id(raw.get("owner")), raw.get("publicKeyPem")
        if not isinstance(key_id, str) or not isinstance(pem, str) or owner != actor_id:
            continue  # a key the actor does not own is no key of the actor's
        if not same_origin(key_id, actor_id):
            continue
        keys.append(PublicKey(id=key_id, owner=owner, pem=pem))
    return ActorDocument(
        id=actor_id,
        type=str(kind),
        inbox=inbox,
        shared_inbox=shared,
        preferred_username=_text(doc.get("preferredUsername"), 200),
        name=_text(doc.get("name"), 200),
        url=_http_url(first_id(doc.get("url"))),
        keys=tuple(keys),
    )


# -- building -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActorProfile:
    """What an actor document says about one of our actors."""

    id: str
    type: str
    username: str
    name: str
    summary: str  # plain text
    url: str  # the public web page
    inbox: str
    outbox: str
    followers: str  # "" for an actor nobody follows (the instance actor)
    shared_inbox: str
    key_id: str
    public_key_pem: str
    icon_url: str = ""
    published: datetime | None = None
    manually_approves_followers: bool = False
    discoverable: bool = True


def actor_document(profile: ActorProfile) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": profile.id,
        "type": profile.type,
        "preferredUsername": profile.username,
        "name": profile.name,
        "summary": f"<p>{html.escape(profile.summary)}</p>" if profile.summary else "",
        "url": profile.url,
        "inbox": profile.inbox,
        "outbox": profile.outbox,
        "followers": profile.followers,
        "endpoints": {"sharedInbox": profile.shared_inbox},
        "manuallyApprovesFollowers": profile.manually_approves_followers,
        "discoverable": profile.discoverable,
        "publicKey": {
            "id": profile.key_id,
            "owner": profile.id,
            "publicKeyPem": profile.public_key_pem,
        },
    }
    if not profile.followers:
        del doc["followers"]
    if profile.icon_url:
        doc["icon"] = {
            "type": "Image",
            "url": profile.icon_url,
            "mediaType": _media_type(profile.icon_url),
        }
    if profile.published:
        doc["published"] = _iso(profile.published)
    return doc


def _media_type(url: str) -> str:
    path = urlsplit(url).path.lower()
    return _IMAGE_TYPES.get(path.rsplit(".", 1)[-1] if "." in path else "", "image/jpeg")


@dataclass(frozen=True)
class ScoopContent:
    """A curated article as the fediverse sees it: a Note (or an Article) with a link to the
    original and its image attached."""

    id: str
    actor: str
    followers: str
    url: str  # the scoop's public page
    link_url: str  # the original article
    title: str
    excerpt: str = ""
    insight_html: str = ""  # already sanitized
    site_name: str = ""
    image_url: str = ""
    language: str = ""
    published: datetime | None = None
    updated: datetime | None = None


def _content_html(scoop: ScoopContent, *, with_title: bool) -> str:
    parts = []
    if with_title:
        parts.append(f"<p><strong>{html.escape(scoop.title)}</strong></p>")
    if scoop.excerpt:
        parts.append(f"<p>{html.escape(scoop.excerpt)}</p>")
    if scoop.insight_html:
        parts.append(scoop.insight_html)
    link = html.escape(scoop.link_url, quote=True)
    label = html.escape(scoop.site_name or urlsplit(scoop.link_url).hostname or scoop.link_url)
    parts.append(f'<p><a href="{link}" rel="nofollow noopener noreferrer">{label}: {link}</a></p>')
    return "".join(parts)


def scoop_object(scoop: ScoopContent, kind: str = "Note") -> dict[str, Any]:
    """The Note or Article for a scoop, with the link and the image as attachments."""
    if kind not in ("Note", "Article"):
        raise ValueError(f"A scoop is a Note or an Article, not {kind!r}.")
    content = _content_html(scoop, with_title=kind == "Note")
    attachments: list[dict[str, Any]] = [
        {"type": "Link", "href": scoop.link_url, "mediaType": "text/html", "name": scoop.title}
    ]
    if scoop.image_url:
        attachments.insert(
            0,
            {
                "type": "Image",
                "mediaType": _media_type(scoop.image_url),
                "url": scoop.image_url,
                "name": scoop.title,
            },
        )
    obj: dict[str, Any] = {
        "@context": CONTEXT,
        "id": scoop.id,
        "type": kind,
        "attributedTo": scoop.actor,
        "to": [PUBLIC],
        "cc": [scoop.followers],
        "url": scoop.url,
        "content": content,
        "attachment": attachments,
    }
    if kind == "Article":
        obj["name"] = scoop.title
        if scoop.excerpt:
            obj["summary"] = html.escape(scoop.excerpt)
    if scoop.language:
        obj["contentMap"] = {scoop.language: content}
    if scoop.published:
        obj["published"] = _iso(scoop.published)
    if scoop.updated:
        obj["updated"] = _iso(scoop.updated)
    return obj


def _embedded(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if key != "@context"}


def _activity(kind: str, activity_id: str, actor: str, obj: Any, **extra: Any) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": activity_id,
        "type": kind,
        "actor": actor,
        "object": obj,
        **extra,
    }


def create(activity_id: str, obj: dict[str, Any]) -> dict[str, Any]:
    extra = {"to": obj.get("to", [PUBLIC]), "cc": obj.get("cc", [])}
    if "published" in obj:
        extra["published"] = obj["published"]
    return _activity("Create", activity_id, obj["attributedTo"], _embedded(obj), **extra)


def update(activity_id: str, obj: dict[str, Any]) -> dict[str, Any]:
    extra = {"to": obj.get("to", [PUBLIC]), "cc": obj.get("cc", [])}
    return _activity("Update", activity_id, obj["attributedTo"], _embedded(obj), **extra)


def tombstone(
    object_id: str, former_type: str = "Note", deleted: datetime | None = None
) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": object_id, "type": "Tombstone", "formerType": former_type}
    if deleted:
        doc["deleted"] = _iso(deleted)
    return doc


def delete(
    activity_id: str, actor: str, object_id: str, followers: str, former_type: str = "Note"
) -> dict[str, Any]:
    return _activity(
        "Delete", activity_id, actor, tombstone(object_id, former_type), to=[PUBLIC], cc=[followers]
    )


def delete_actor(activity_id: str, actor: str, followers: str) -> dict[str, Any]:
    """The actor itself is gone (receivers remove it, its posts and its follows)."""
    return _activity("Delete", activity_id, actor, actor, to=[PUBLIC], cc=[followers])


def accept(activity_id: str, actor: str, follow: dict[str, Any]) -> dict[str, Any]:
    """Accept a Follow; the Follow is embedded with the fields a receiver matches it by."""
    embedded = {key: follow[key] for key in ("id", "type", "actor", "object") if key in follow}
    return _activity("Accept", activity_id, actor, embedded, to=[first_id(follow.get("actor"))])


def ordered_collection(collection_id: str, total: int, first: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if first:
        doc["first"] = first
    return doc


def ordered_collection_page(
    page_id: str,
    part_of: str,
    items: Iterable[dict[str, Any]],
    *,
    next_page: str | None = None,
    prev_page: str | None = None,
    total: int | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": [_embedded(item) for item in items],
    }
    if total is not None:
        doc["totalItems"] = total
    if next_page:
        doc["next"] = next_page
    if prev_page:
        doc["prev"] = prev_page
    return doc


def webfinger(subject: str, actor_id: str, profile_url: str) -> dict[str, Any]:
    return {
        "subject": subject,
        "aliases": [actor_id, profile_url],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": actor_id},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": profile_url,
            },
        ],
    }


def is_public(activity: dict[str, Any]) -> bool:
    return any(
        address in _PUBLIC_ALIASES for address in ids(activity.get("to")) + ids(activity.get("cc"))
    )
