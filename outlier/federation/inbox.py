"""What a verified activity does here. Each handler returns a short outcome for the log; an
activity about something that is not ours, or of a type we do not handle, changes nothing."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime

from outlier.core.markup import sanitize_html
from outlier.federation import actions, actors, addresses, queries
from outlier.federation.models import InteractionKind, RemoteActor
from outlier.networks.activitypub import remote
from outlier.networks.activitypub.vocabulary import first_id, ids, is_public, same_origin

logger = logging.getLogger(__name__)

REPLY_TAGS = {
    "p", "br", "a", "strong", "em", "b", "i", "del", "ul", "ol", "li", "blockquote", "code",
    "pre",
}  # fmt: skip
REPLY_MAX_CHARS = 20_000
NOTE_TYPES = {"Note", "Article", "Page"}
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8}){0,3}")  # "en", "pt-BR", "zh-Hant"


def sanitize_reply(content: str) -> str:
    """A reply's HTML made safe to show: a few formatting tags and http(s) links only."""
    return sanitize_html(content[:REPLY_MAX_CHARS], tags=REPLY_TAGS, url_schemes={"http", "https"})


def _type(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else None
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    return kind if isinstance(kind, str) else ""


def _published(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _content(obj: dict[str, Any]) -> str:
    content = obj.get("content")
    if not isinstance(content, str):
        content_map = obj.get("contentMap")
        if isinstance(content_map, dict):
            content = next((v for v in content_map.values() if isinstance(v, str)), "")
    return content if isinstance(content, str) else ""


def _language(obj: dict[str, Any]) -> str:
    """The language a Note names for its text: the `contentMap` key of its content (the
    first key when none matches `content`), when it looks like a BCP-47 tag; else ""."""
    content_map = obj.get("contentMap")
    if not isinstance(content_map, dict):
        return ""
    tags = [key for key, value in content_map.items() if isinstance(value, str)]
    content = obj.get("content")
    tag = next((key for key in tags if content_map[key] == content), tags[0] if tags else "")
    return tag if LANGUAGE_TAG.fullmatch(tag) else ""


def handle(activity: dict[str, Any], sender: RemoteActor) -> str:
    kind = _type(activity)
    activity_id = activity.get("id")
    if isinstance(activity_id, str) and activity_id and not same_origin(activity_id, sender.uri):
        return "ignored: the activity's id is not on its actor's host"
    handler = _HANDLERS.get(kind)
    if handler is None:
        return f"ignored: {kind or 'untyped'} activities are not handled"
    return handler(activity, sender)


def _follow(activity: dict[str, Any], sender: RemoteActor) -> str:
    topic_id = addresses.topic_id_from_actor_uri(first_id(activity.get("object")))
    topic = queries.public_topic(topic_id) if topic_id is not None else None
    if topic is None:
        return "ignored: Follow of no public topic"
    if not isinstance(activity.get("id"), str):
        return "ignored: Follow without an id"
    actions.do_follow(topic, sender, activity)
    return f"{sender.uri} follows topic {topic.pk}"


def _undo(activity: dict[str, Any], sender: RemoteActor) -> str:
    inner = activity.get("object")
    inner_id = first_id(inner)
    inner_type = _type(inner)
    if isinstance(inner, dict) and first_id(inner.get("actor")) not in ("", sender.uri):
        return "ignored: Undo of another actor's activity"
    if not inner_id:
        # Only a Follow without an id is matched by what it names: the sender's follow of
        # that topic. With an id, the id alone decides (see actions.do_unfollow).
        if isinstance(inner, dict) and inner_type == "Follow":
            topic_id = addresses.topic_id_from_actor_uri(first_id(inner.get("object")))
            if topic_id is not None and actions.do_unfollow(sender, topic_id=topic_id):
                return f"{sender.uri} unfollowed"
        return "ignored: Undo of nothing"
    if inner_type in ("", "Follow") and actions.do_unfollow(sender, inner_id):
        return f"{sender.uri} unfollowed"
    removed = actions.do_remove_interactions(sender, [inner_id])
    return f"undid {removed} interaction(s)"


def _interaction(kind: str) -> Callable[[dict[str, Any], RemoteActor], str]:
    def record(activity: dict[str, Any], sender: RemoteActor) -> str:
        uri = activity.get("id")
        if not isinstance(uri, str) or not uri:
            return f"ignored: {kind} without an id"
        subject = queries.interaction_subject(first_id(activity.get("object")))
        if subject is None:
            return f"ignored: {kind} of nothing of ours"
        published = _published(activity.get("published"))
        actions.do_record_interaction(kind, uri, subject, sender, published_at=published)
        return f"{kind} of {subject}"

    return record


def _note_of(activity: dict[str, Any], sender: RemoteActor) -> dict[str, Any] | None:
    """The activity's object as a document by the sender; fetched when only referenced."""
    obj = activity.get("object")
    if isinstance(obj, str):
        if not same_origin(obj, sender.uri):
            return None
        try:
            obj = remote.fetch_document(obj, signer=actions.fetch_signer())
        except remote.RemoteError as exc:
            logger.info("Could not fetch %s: %s", obj, exc)
            return None
    if not isinstance(obj, dict) or _type(obj) not in NOTE_TYPES:
        return None
    obj_id = obj.get("id")
    if not isinstance(obj_id, str) or not same_origin(obj_id, sender.uri):
        return None
    if first_id(obj.get("attributedTo")) != sender.uri:
        return None
    return obj


def _create(activity: dict[str, Any], sender: RemoteActor) -> str:
    note = _note_of(activity, sender)
    if note is None:
        return "ignored: Create of no note by its actor"
    subject = queries.interaction_subject(first_id(note.get("inReplyTo")))
    if subject is None:
        return "ignored: not a reply to one of our scoops or notes"
    if not is_public(note) and not is_public(activity):
        return "ignored: a reply that is not public"
    url = next((u for u in ids(note.get("url")) if u.startswith(("http://", "https://"))), "")
    actions.do_record_interaction(
        InteractionKind.REPLY, str(note["id"]), subject, sender,
        content_html=sanitize_reply(_content(note)), url=url[:2000],
        published_at=_published(note.get("published")), language=_language(note),
    )  # fmt: skip
    return f"reply to {subject}"


def _update(activity: dict[str, Any], sender: RemoteActor) -> str:
    obj = activity.get("object")
    if first_id(obj) == sender.uri:
        try:
            fetched = actors.fetch(sender.uri, signer=actions.fetch_signer())
        except remote.RemoteError as exc:
            return f"ignored: could not refresh the actor ({exc})"
        if fetched.doc.id != sender.uri:
            return "ignored: the actor's document names another actor"
        actors.remember(fetched)
        return "refreshed the actor"
    note = _note_of(activity, sender)
    if note is None:
        return "ignored: Update of nothing of ours"
    edited = actions.do_edit_reply(
        sender, str(note["id"]), sanitize_reply(_content(note)), language=_language(note)
    )
    return f"edited {edited} reply"


def _delete(activity: dict[str, Any], sender: RemoteActor) -> str:
    obj_id = first_id(activity.get("object"))
    if obj_id == sender.uri:
        actions.do_forget_actor(sender)
        return "forgot the deleted actor"
    removed = actions.do_remove_interactions(sender, [obj_id])
    return f"removed {removed} interaction(s)"


_HANDLERS: dict[str, Callable[[dict[str, Any], RemoteActor], str]] = {
    "Follow": _follow,
    "Undo": _undo,
    "Like": _interaction(InteractionKind.LIKE),
    "Announce": _interaction(InteractionKind.ANNOUNCE),
    "Create": _create,
    "Update": _update,
    "Delete": _delete,
}
