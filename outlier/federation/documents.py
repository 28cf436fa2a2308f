"""The ActivityStreams documents of our own actors and objects, built from the rows."""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from outlier.core.markup import sanitize_html
from outlier.curation.models import Scoop, Topic
from outlier.federation import addresses
from outlier.federation.models import ActorKey, InstanceKey, Publication
from outlier.links.actions import link_url
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


def article_url(scoop: Scoop, publication: Publication | None) -> str:
    """Where the scoop's Note sends readers for the article: the publication's tracked link
    (`/l/<code>`, see `actions.do_track_scoop_link`), like the topic pages and the feeds;
    the article itself when tracking is off or the scoop is not announced yet."""
    if publication is not None and publication.link_id is not None and publication.link:
        return link_url(publication.link)
    return scoop.link_url


def scoop_object(
    scoop: Scoop, publication: Publication | None = None, number: int = 1
) -> dict[str, Any]:
    """The scoop's Note: the object of `publication`, or (not announced yet) of its
    `number`th publication. `updated` is set once an Update was announced for it. The
    article is linked through the publication's tracked link (`article_url`)."""
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
        link_url=article_url(scoop, publication),
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
# The terms a posted Note uses beyond ActivityStreams' own context, named as Mastodon does.
NOTE_CONTEXT: list[Any] = [*vocab.CONTEXT, {"Hashtag": "as:Hashtag", "sensitive": "as:sensitive"}]
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# "@user@server" (the server may name a port); not inside a word, a path or an address.
MENTION = re.compile(
    r"(?<![\w/@.+-])@(?P<user>[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)"
    r"@(?P<host>[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?)(?![\w@-]|[.:]\w)",
    re.IGNORECASE,
)
# "#word", with at least one letter ("#1" is not a hashtag); not inside a word or a path.
HASHTAG = re.compile(r"(?<![\w/#&)])#(?P<name>\w*[^\W\d]\w*)")


@dataclass(frozen=True)
class NoteImage:
    """An image a posted Note carries, as stored and served by Outlier."""

    url: str
    media_type: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Mentioned:
    """An actor a post mentions, as WebFinger named it: its id, and where people see it."""

    actor: str
    url: str
    inbox: str = ""  # where the Note goes to reach it ("" for one of our own topics)
    handle: str = ""  # "user@host", when known (the author a reply answers)


def _spans(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, value) of the links, mentions and hashtags in `text`, in order:
    a link's value is the link; a mention's "user@host" as typed; a hashtag's name, no #."""
    found = [(start, end, "link", text[start:end]) for start, end, _ in find_links(text)]

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _, _ in found)

    for match in MENTION.finditer(text):
        if free(match.start(), match.end()):
            found.append((match.start(), match.end(), "mention", match.group()[1:]))
    for match in HASHTAG.finditer(text):
        if free(match.start(), match.end()):
            found.append((match.start(), match.end(), "hashtag", match.group("name")))
    return sorted(found)


def _distinct(text: str, kind: str) -> list[str]:
    seen: dict[str, str] = {}
    for _, _, found, value in _spans(text):
        if found == kind:
            seen.setdefault(value.casefold(), value)
    return list(seen.values())


def mentions_in(text: str) -> list[str]:
    """The "user@host" of every mention in a post's text, once each, in order."""
    return _distinct(text, "mention")


def hashtags_in(text: str) -> list[str]:
    """The name (without #) of every hashtag in a post's text, once each, in order."""
    return _distinct(text, "hashtag")


def _anchor(href: str, label: str) -> str:
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(label, quote=False)}</a>'


def _linked(line: str, mentions: Mapping[str, Mentioned], hashtags: Mapping[str, str]) -> str:
    """One line of plain text as HTML: its http(s) links clickable, its resolved mentions
    linked to the actor's page and its hashtags to their page; the rest escaped."""
    parts: list[str] = []
    position = 0
    for start, end, kind, value in _spans(line):
        if kind == "link":
            href = value
        elif kind == "mention":
            mentioned = mentions.get(value.casefold())
            href = mentioned.url if mentioned is not None else ""
        else:
            href = hashtags.get(value.casefold(), "")
        if not href:
            continue  # stays plain text
        parts.append(html.escape(line[position:start], quote=False))
        parts.append(_anchor(href, line[start:end]))
        position = end
    parts.append(html.escape(line[position:], quote=False))
    return "".join(parts)


def text_html(
    text: str,
    mentions: Mapping[str, Mentioned] | None = None,
    hashtags: Mapping[str, str] | None = None,
) -> str:
    """A post's plain text as a Note's HTML: paragraphs at blank lines, line breaks kept,
    links clickable, resolved mentions and hashtags linked (`mentions` by "user@host" and
    `hashtags` by name, both case-folded); sanitized with the project's one policy (only p,
    br and http(s) links)."""
    mentions, hashtags = mentions or {}, hashtags or {}
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(text.strip().replace("\r\n", "\n")) if p]
    markup = "".join(
        "<p>"
        + "<br>".join(_linked(line, mentions, hashtags) for line in paragraph.split("\n"))
        + "</p>"
        for paragraph in paragraphs
    )
    return sanitize_html(markup, tags=NOTE_TAGS, url_schemes={"http", "https"})


def note_tags(
    text: str, mentions: Mapping[str, Mentioned], hashtags: Mapping[str, str]
) -> list[dict[str, str]]:
    """A Note's `tag`: a Mention of each resolved actor (once), then a Hashtag of each tag."""
    tags: list[dict[str, str]] = []
    actors: set[str] = set()
    for handle in mentions_in(text):
        mentioned = mentions.get(handle.casefold())
        if mentioned is not None and mentioned.actor not in actors:
            actors.add(mentioned.actor)
            tags.append({"type": "Mention", "href": mentioned.actor, "name": f"@{handle}"})
    for name in hashtags_in(text):
        href = hashtags.get(name.casefold())
        if href:
            tags.append({"type": "Hashtag", "href": href, "name": f"#{name}"})
    return tags


def web_address(value: str) -> str:
    """`value` when it is an http(s) address with a host, else ""."""
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
    mentions: Mapping[str, Mentioned] | None = None,
    hashtags: Mapping[str, str] | None = None,
    reply_author: Mentioned | None = None,
) -> dict[str, Any]:
    """The Note of a post sent on a topic's channel: the text (with the link in it) as
    sanitized HTML, the link as a Link attachment, the images as Image attachments with
    their alt text (which Mastodon shows as the description), and its resolved mentions
    and its hashtags as tags (mentioned actors are in `cc` too). A reply (`reply_to`) tags
    `reply_author`, the author of the post it answers, even when the text does not name
    them: servers notify whom a Note mentions."""
    mentions, hashtags = mentions or {}, hashtags or {}
    attachments: list[dict[str, Any]] = []
    for image in images:
        attachment: dict[str, Any] = {
            "type": "Image", "mediaType": image.media_type, "url": image.url, "name": image.alt,
        }  # fmt: skip
        if image.width and image.height:
            attachment.update(width=image.width, height=image.height)
        attachments.append(attachment)
    link = web_address(link)
    if link:
        attachments.append(
            {"type": "Link", "href": link, "mediaType": "text/html", "name": link_title or link}
        )
    tags = note_tags(text, mentions, hashtags)
    mentioned = [t["href"] for t in tags if t["type"] == "Mention"]
    if reply_author is not None and web_address(reply_to) and reply_author.actor not in mentioned:
        name = f"@{reply_author.handle}" if reply_author.handle else reply_author.actor
        tags.insert(0, {"type": "Mention", "href": reply_author.actor, "name": name})
        mentioned.insert(0, reply_author.actor)
    obj: dict[str, Any] = {
        "@context": NOTE_CONTEXT,
        "id": object_id,
        "type": "Note",
        "attributedTo": addresses.actor_uri(topic_id),
        "to": [vocab.PUBLIC],
        "cc": [addresses.followers_uri(topic_id), *mentioned],
        "url": object_id,
        "published": published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content": text_html(text, mentions, hashtags),
        "attachment": attachments,
    }
    if tags:
        obj["tag"] = tags
    if language.strip():
        obj["contentMap"] = {language.strip(): obj["content"]}
    if content_warning.strip():
        obj["summary"] = html.escape(content_warning.strip(), quote=False)
        obj["sensitive"] = True
    if web_address(reply_to):
        obj["inReplyTo"] = reply_to.strip()
    return obj


# --- likes and boosts by a topic ------------------------------------------------------------


def engagement_activity(
    kind: str, activity_id: str, topic_id: int, object_uri: str, author: str, published: datetime
) -> dict[str, Any]:
    """A topic's Like or Announce of someone's post. A like is for the author (Mastodon shows
    who liked a post); a boost is public, for the author and the topic's followers."""
    if kind == "Like":
        audience: dict[str, Any] = {"to": [author]}
    elif kind == "Announce":
        audience = {"to": [vocab.PUBLIC], "cc": [author, addresses.followers_uri(topic_id)]}
    else:
        raise ValueError(f"{kind} is not a like or a boost")
    return {
        "@context": vocab.CONTEXT,
        "id": activity_id,
        "type": kind,
        "actor": addresses.actor_uri(topic_id),
        "object": object_uri,
        **audience,
        "published": published.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
