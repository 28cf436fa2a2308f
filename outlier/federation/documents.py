"""The ActivityStreams documents of our own actors and objects, built from the rows."""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from outlier.core.markup import sanitize_html
from outlier.curation.models import Scoop, Topic
from outlier.federation import addresses
from outlier.federation.models import ActorKey, InstanceKey, Publication
from outlier.networks.activitypub import vocabulary as vocab
from outlier.networks.counting import find_links

OBJECT_TYPE = "Note"  # Mastodon and most servers show a Note in full; an Article as a link


def actor_document(topic: Topic, key: ActorKey) -> dict[str, Any]:
    icon = ""
    if topic.cover_image:
        icon = addresses.absolute(topic.cover_image.url)
    return vocab.actor_document(
        vocab.ActorProfile(
            id=addresses.actor_uri(topic.pk),
            type="Service",
            username=topic.slug,
            name=topic.name,
            summary=topic.description,
            url=addresses.absolute(topic.get_absolute_url()),
            inbox=addresses.inbox_uri(topic.pk),
            outbox=addresses.outbox_uri(topic.pk),
            followers=addresses.followers_uri(topic.pk),
            shared_inbox=addresses.shared_inbox_uri(),
            key_id=addresses.key_id(topic.pk),
            public_key_pem=key.public_key_pem,
            icon_url=icon,
            published=topic.created_at,
        )
    )


def instance_actor_document(key: InstanceKey) -> dict[str, Any]:
    """Outlier itself, as an Application actor: the owner of the key that signs fetches no
    topic is the natural signer of. Nobody follows it."""
    return vocab.actor_document(
        vocab.ActorProfile(
            id=addresses.instance_actor_uri(),
            type="Application",
            username=addresses.host(),
            name="Outlier",
            summary="",
            url=addresses.absolute("/"),
            inbox=addresses.shared_inbox_uri(),
            outbox=addresses.instance_outbox_uri(),
            followers="",
            shared_inbox=addresses.shared_inbox_uri(),
            key_id=addresses.instance_key_id(),
            public_key_pem=key.public_key_pem,
            manually_approves_followers=True,
            discoverable=False,
        )
    )


def scoop_object(
    scoop: Scoop, publication: Publication | None = None, number: int = 1
) -> dict[str, Any]:
    """The scoop's Note: the object of `publication`, or (not announced yet) of its
    `number`th publication. `updated` is set once an Update was announced for it."""
    updated = None
    if publication is not None and publication.changed_at > publication.announced_at:
        updated = publication.changed_at
    content = vocab.ScoopContent(
        id=(
            publication.object_uri
            if publication is not None
            else addresses.object_uri(scoop.pk, number)
        ),
        actor=addresses.actor_uri(scoop.topic_id),
        followers=addresses.followers_uri(scoop.topic_id),
        url=addresses.absolute(scoop.get_absolute_url()),
        link_url=scoop.link_url,
        title=scoop.title,
        excerpt=scoop.excerpt,
        insight_html=scoop.insight_html,
        site_name=scoop.display_site,
        image_url=scoop.image_url,
        language=scoop.language.split("-")[0].lower() if scoop.language else "",
        published=scoop.published_at,
        updated=updated,
    )
    kind = publication.object_type if publication is not None else OBJECT_TYPE
    return vocab.scoop_object(content, kind)


def object_digest(obj: dict[str, Any]) -> str:
    """What decides whether an edit is worth an Update: the object without its `updated`."""
    stable = {key: value for key, value in obj.items() if key != "updated"}
    return hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()


# --- posts sent on a topic's fediverse channel ----------------------------------------------

NOTE_TAGS = {"p", "br", "a"}
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


@dataclass(frozen=True)
class NoteImage:
    """An image a posted Note carries, as stored and served by Outlier."""

    url: str
    media_type: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


def _linked(line: str) -> str:
    """One line of plain text as HTML, its http(s) links made clickable."""
    parts: list[str] = []
    position = 0
    for start, end, _certain in find_links(line):
        link = line[start:end]
        parts.append(html.escape(line[position:start], quote=False))
        parts.append(
            f'<a href="{html.escape(link, quote=True)}">{html.escape(link, quote=False)}</a>'
        )
        position = end
    parts.append(html.escape(line[position:], quote=False))
    return "".join(parts)


def text_html(text: str) -> str:
    """A post's plain text as a Note's HTML: paragraphs at blank lines, line breaks kept,
    links clickable; sanitized with the project's one policy (only p, br and http(s) links)."""
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text.strip().replace("\r\n", "\n")) if p]
    markup = "".join(
        "<p>" + "<br>".join(_linked(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
    return sanitize_html(markup, tags=NOTE_TAGS, url_schemes={"http", "https"})


def _web_address(value: str) -> str:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    return value.strip() if parts.scheme.lower() in ("http", "https") and parts.hostname else ""


def posted_note(
    object_id: str,
    topic_id: int,
    text: str,
    *,
    published: datetime,
    link: str = "",
    link_title: str = "",
    images: Sequence[NoteImage] = (),
    content_warning: str = "",
    reply_to: str = "",
    language: str = "",
) -> dict[str, Any]:
    """The Note of a post sent on a topic's channel: the text (with the link in it) as
    sanitized HTML, the link as a Link attachment, and the images as Image attachments with
    their alt text (which Mastodon shows as the description)."""
    attachments: list[dict[str, Any]] = []
    for image in images:
        attachment: dict[str, Any] = {
            "type": "Image", "mediaType": image.media_type, "url": image.url, "name": image.alt,
        }  # fmt: skip
        if image.width and image.height:
            attachment.update(width=image.width, height=image.height)
        attachments.append(attachment)
    link = _web_address(link)
    if link:
        attachments.append(
            {"type": "Link", "href": link, "mediaType": "text/html", "name": link_title or link}
        )
    obj: dict[str, Any] = {
        "@context": vocab.CONTEXT,
        "id": object_id,
        "type": "Note",
        "attributedTo": addresses.actor_uri(topic_id),
        "to": [vocab.PUBLIC],
        "cc": [addresses.followers_uri(topic_id)],
        "url": object_id,
        "published": published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content": text_html(text),
        "attachment": attachments,
    }
    if language.strip():
        obj["contentMap"] = {language.strip(): obj["content"]}
    if content_warning.strip():
        obj["summary"] = html.escape(content_warning.strip(), quote=False)
        obj["sensitive"] = True
    if _web_address(reply_to):
        obj["inReplyTo"] = reply_to.strip()
    return obj
