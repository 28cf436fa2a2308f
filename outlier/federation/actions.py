"""Writes about actors, followers, interactions and outgoing activities: what the topics'
inboxes store, the Notes their fediverse channels post, their likes and boosts, and the
tracked links their scoops' Notes carry."""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image as Picture
from PIL import UnidentifiedImageError

from outlier.core.models import Workspace
from outlier.core.write_lock import atomic_write
from outlier.curation.models import Scoop, Topic
from outlier.federation import addresses, documents, queries
from outlier.federation.models import (
    ActorKey,
    Delivery,
    DeliveryState,
    Follower,
    InstanceKey,
    Interaction,
    OutgoingActivity,
    PostedNote,
    Publication,
    PublicationState,
    RemoteActor,
    RemoteKey,
)
from outlier.links.actions import do_create_link, workspace_defaults
from outlier.links.models import LinkMedium, TrackedLink
from outlier.links.targets import check_target
from outlier.networks.activitypub import remote
from outlier.networks.activitypub import vocabulary as vocab
from outlier.networks.activitypub.http_signatures import generate_key_pair
from outlier.networks.activitypub.vocabulary import ActorDocument
from outlier.networks.base import Image

logger = logging.getLogger(__name__)


def new_activity_uri() -> str:
    return addresses.activity_uri(secrets.token_urlsafe(16))


# --- our actors -----------------------------------------------------------------------------


def ensure_actor_key(topic_id: int) -> ActorKey:
    """The topic's key pair, made on first use (concurrent callers get the same one)."""
    key = ActorKey.objects.filter(topic_id=topic_id).first()
    if key is not None:
        return key
    private_pem, public_pem = generate_key_pair()
    try:
        with transaction.atomic():
            return ActorKey.objects.create(
                topic_id=topic_id, public_key_pem=public_pem, private_key={"pem": private_pem}
            )
    except IntegrityError:
        return ActorKey.objects.get(topic_id=topic_id)


def ensure_instance_key() -> InstanceKey:
    """The instance actor's key pair, made on first use (concurrent callers get the same one)."""
    key = InstanceKey.objects.filter(pk=1).first()
    if key is not None:
        return key
    private_pem, public_pem = generate_key_pair()
    try:
        with transaction.atomic():
            return InstanceKey.objects.create(
                pk=1, public_key_pem=public_pem, private_key={"pem": private_pem}
            )
    except IntegrityError:
        return InstanceKey.objects.get(pk=1)


def fetch_signer(topic_id: int | None = None) -> remote.Signer:
    """Who signs a fetch (servers in "authorized fetch" mode refuse unsigned GETs): the topic
    when one is the natural signer, else the instance actor."""
    if topic_id is not None:
        key: ActorKey | InstanceKey = ensure_actor_key(topic_id)
        return remote.Signer(addresses.key_id(topic_id), str(key.private_key["pem"]))
    key = ensure_instance_key()
    return remote.Signer(addresses.instance_key_id(), str(key.private_key["pem"]))


# --- remote actors --------------------------------------------------------------------------


def do_remember_actor(
    doc: ActorDocument, now: datetime | None = None, *, icon: str | None = None
) -> RemoteActor:
    """Store (or refresh) a verified remote actor and the keys it lists. `icon` is its
    picture, read from the raw document (`actors.icon_of`; "" when it has none); None keeps
    the one stored (a caller that only has the parsed document, which does not carry it)."""
    now = now or timezone.now()
    values = {
        "host": urlsplit(doc.id).netloc.lower()[:255],
        "type": doc.type[:30],
        "preferred_username": doc.preferred_username[:200],
        "name": doc.name[:200],
        "url": doc.url[:2000],
        "inbox": doc.inbox[:2000],
        "shared_inbox": doc.shared_inbox[:2000],
        "fetched_at": now,
    }
    if icon is not None:
        values["icon"] = icon if len(icon) <= 2000 else ""
    with transaction.atomic():
        actor, _ = RemoteActor.objects.update_or_create(uri=doc.id, defaults=values)
        RemoteKey.objects.filter(actor=actor).exclude(key_id__in=[k.id for k in doc.keys]).delete()
        for key in doc.keys:
            RemoteKey.objects.update_or_create(
                key_id=key.id, defaults={"actor": actor, "public_key_pem": key.pem}
            )
        Follower.objects.filter(actor=actor).update(
            inbox=actor.inbox, shared_inbox=actor.shared_inbox
        )
    return actor


def do_forget_actor(actor: RemoteActor) -> None:
    """The actor deleted itself: its follows, likes, boosts and replies go with it."""
    actor.delete()


# --- outgoing activities --------------------------------------------------------------------


def queue_activity(
    topic_id: int,
    payload: dict[str, Any],
    inboxes: Iterable[str],
    *,
    publication: Publication | None = None,
    now: datetime | None = None,
) -> OutgoingActivity | None:
    """Record an activity and one due delivery per inbox (call inside the transaction that
    records the change it announces). Nothing is recorded when there is no inbox."""
    targets = sorted(set(inboxes))
    if not targets:
        return None
    now = now or timezone.now()
    activity = OutgoingActivity.objects.create(
        uri=payload["id"], topic_id=topic_id, type=payload["type"], payload=payload,
        publication=publication,
    )  # fmt: skip
    Delivery.objects.bulk_create(
        Delivery(activity=activity, inbox=inbox, next_attempt_at=now) for inbox in targets
    )
    return activity


# --- followers ------------------------------------------------------------------------------


def do_follow(topic: Topic, actor: RemoteActor, follow: dict[str, Any]) -> bool:
    """Record the follower and queue the Accept. False when this Follow was already accepted.

    Idempotent under concurrency: when the same actor's Follows arrive at once, the unique
    constraint lets one insert and the others find its row (get_or_create reads it back after
    the IntegrityError), so none of them fails.
    """
    follow_id = str(follow["id"])
    with transaction.atomic():
        follower, created = Follower.objects.get_or_create(
            topic=topic, actor=actor,
            defaults={
                "inbox": actor.inbox, "shared_inbox": actor.shared_inbox, "follow_id": follow_id,
            },
        )  # fmt: skip
        if not created:
            follower = Follower.objects.select_for_update().get(pk=follower.pk)
            if follower.follow_id == follow_id:
                return False
            follower.follow_id = follow_id
            follower.save(update_fields=["follow_id"])
        acceptance = vocab.accept(new_activity_uri(), addresses.actor_uri(topic.pk), follow)
        queue_activity(topic.pk, acceptance, [actor.inbox])
    return True


def do_unfollow(actor: RemoteActor, follow_id: str = "", topic_id: int | None = None) -> int:
    """Undo(Follow): by the Follow's id; only an Undo whose Follow carries no id is matched by
    the topic it named (a late Undo of an older Follow must not remove a newer one)."""
    if follow_id:
        removed, _ = Follower.objects.filter(actor=actor, follow_id=follow_id).delete()
    elif topic_id is not None:
        removed, _ = Follower.objects.filter(actor=actor, topic_id=topic_id).delete()
    else:
        removed = 0
    return removed


# --- interactions ---------------------------------------------------------------------------


def do_record_interaction(
    kind: str,
    uri: str,
    subject: queries.Subject,
    actor: RemoteActor,
    *,
    content_html: str = "",
    url: str = "",
    published_at: datetime | None = None,
    language: str = "",
) -> bool:
    """Store a like, boost or reply to a scoop or a posted Note once (by its URI). False when
    it was already stored."""
    try:
        with transaction.atomic():
            _, created = Interaction.objects.get_or_create(
                uri=uri,
                defaults={
                    "kind": kind, "topic_id": subject.topic_id, "scoop": subject.scoop,
                    "note": subject.note, "actor": actor, "content_html": content_html,
                    "url": url, "published_at": published_at, "language": language[:35],
                },
            )  # fmt: skip
    except IntegrityError:
        return False
    return created


def do_edit_reply(actor: RemoteActor, uri: str, content_html: str, language: str = "") -> int:
    """The actor edited their reply: its text, and the language it names now."""
    return Interaction.objects.filter(uri=uri, actor=actor, kind="reply").update(
        content_html=content_html, language=language[:35]
    )


def do_remove_interactions(actor: RemoteActor, uris: Iterable[str]) -> int:
    """Undo(Like/Announce) and Delete(reply): only the actor's own."""
    removed, _ = Interaction.objects.filter(actor=actor, uri__in=list(uris)).delete()
    return removed


# --- posts sent on a topic's fediverse channel ----------------------------------------------

NOTE_IMAGE_DIR = "fediverse/notes"
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


def note_token(idempotency_key: str) -> str:
    """The name of a delivery's Note, derived from its idempotency key: every attempt of the
    delivery names the same Note (32 hex digits; the key itself is not published)."""
    digest = hashlib.sha256(b"outlier-posted-note\0" + idempotency_key.encode("utf-8"))
    return digest.hexdigest()[:32]


def _size(data: bytes) -> tuple[int | None, int | None]:
    try:
        with Picture.open(io.BytesIO(data)) as picture:
            return picture.size
    except (UnidentifiedImageError, Picture.DecompressionBombError, OSError, ValueError):
        return None, None


def _remove_files(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("Could not remove %s", name, exc_info=True)


def _store_images(
    token: str, images: Sequence[Image]
) -> tuple[list[str], list[documents.NoteImage]]:
    """Save a Note's images where /media/ serves them; (storage names, attachments)."""
    names: list[str] = []
    attachments: list[documents.NoteImage] = []
    try:
        for number, image in enumerate(images, 1):
            extension = _EXTENSIONS.get(image.content_type.lower(), "bin")
            name = default_storage.save(
                f"{NOTE_IMAGE_DIR}/{token}/{number}.{extension}", ContentFile(image.data)
            )
            names.append(name)
            width, height = _size(image.data)
            attachments.append(documents.NoteImage(
                url=addresses.absolute(default_storage.url(name)), media_type=image.content_type,
                alt=image.alt, width=width, height=height,
            ))  # fmt: skip
    except BaseException:
        _remove_files(names)
        raise
    return names, attachments


def do_post_note(
    topic: Topic,
    token: str,
    text: str,
    *,
    link: str = "",
    link_title: str = "",
    images: Sequence[Image] = (),
    content_warning: str = "",
    reply_to: str = "",
    language: str = "",
    mentions: Mapping[str, documents.Mentioned] | None = None,
    reply_author: documents.Mentioned | None = None,
    now: datetime | None = None,
) -> tuple[PostedNote, bool, int]:
    """Record a post as a Note of the topic and queue its Create to every follower's inbox
    (shared inboxes once) and to every mentioned actor's, in one transaction. Returns (the
    note, whether it is new, how many inboxes it was queued for). A Note already recorded
    under `token` is returned as it is: nothing is recorded or sent again.

    `mentions` are the actors the text's "@user@server" name, resolved beforehand
    (`mentions.resolve_all`, which goes on the network); the others stay plain text. Its
    hashtags link to the topic's tag pages (`queries.hashtag_urls`). A reply goes to the
    inbox of `reply_author`, who wrote the post it answers (`targets.find`), and tags them."""
    found = queries.posted_note(token)
    if found is not None:
        return found, False, 0
    now = now or timezone.now()
    mentions = mentions or {}
    object_id = addresses.note_uri(token)
    hashtags = {
        name.casefold(): url
        for name, url in queries.hashtag_urls(topic, documents.hashtags_in(text)).items()
    }
    names, attachments = _store_images(token, images)
    try:
        document = documents.posted_note(
            object_id, topic.pk, text, published=now, link=link, link_title=link_title,
            images=attachments, content_warning=content_warning, reply_to=reply_to,
            language=language, mentions=mentions, hashtags=hashtags, reply_author=reply_author,
        )  # fmt: skip
        mentioned = {t["href"] for t in document.get("tag", []) if t["type"] == "Mention"}
        addressed = [*mentions.values(), *([reply_author] if reply_author else [])]
        extra = [m.inbox for m in addressed if m.inbox and m.actor in mentioned]
        with atomic_write():
            note = PostedNote.objects.create(
                topic=topic, token=token, object_uri=object_id, state=PublicationState.LIVE,
                document=document, image_files=names, published_at=now,
            )  # fmt: skip
            inboxes = sorted({*queries.delivery_inboxes(topic.pk), *extra})
            creation = vocab.create(note.create_uri, document)
            creation["@context"] = document["@context"]  # the Note's terms (Hashtag)
            queue_activity(topic.pk, creation, inboxes, now=now)
    except IntegrityError:  # the same delivery, recorded by another attempt meanwhile
        _remove_files(names)
        return PostedNote.objects.get(token=token), False, 0
    except BaseException:
        _remove_files(names)
        raise
    return note, True, len(inboxes)


def do_delete_note(note_id: int, now: datetime | None = None) -> bool:
    """Delete a posted Note: its id answers 410 from now on, a Delete goes to the topic's
    followers, a Create not sent yet is called off, and its images are removed. False when it
    was already deleted (or is not there)."""
    now = now or timezone.now()
    with atomic_write():
        note = PostedNote.objects.select_for_update().filter(pk=note_id).first()
        if note is None or note.state == PublicationState.DELETED:
            return False
        files = list(note.image_files)
        note.state, note.deleted_at, note.image_files = PublicationState.DELETED, now, []
        note.save(update_fields=["state", "deleted_at", "image_files"])
        Delivery.objects.filter(activity__uri=note.create_uri, state=DeliveryState.PENDING).update(
            state=DeliveryState.FAILED, last_error="The note was deleted before it was sent."
        )
        deletion = vocab.delete(
            new_activity_uri(), addresses.actor_uri(note.topic_id), note.object_uri,
            addresses.followers_uri(note.topic_id), "Note",
        )  # fmt: skip
        mentioned = [a.shared_inbox or a.inbox for a in queries.mentioned_actors(note)]
        inboxes = {*queries.delivery_inboxes(note.topic_id), *mentioned}
        queue_activity(note.topic_id, deletion, inboxes, now=now)
        transaction.on_commit(lambda: _remove_files(files))
    return True


# --- likes and boosts by a topic ------------------------------------------------------------


def engagement_uri(kind: str, key: str) -> str:
    """The id of a topic's Like or Announce, derived from the action's key: every retry of
    the action is the same activity, which receivers take once (they deduplicate by id)."""
    digest = hashlib.sha256(f"outlier-{kind.lower()}\0{key}".encode())
    return addresses.activity_uri(digest.hexdigest()[:32])


def do_engage(
    topic: Topic, kind: str, key: str, object_uri: str, author: RemoteActor,
    now: datetime | None = None,
) -> tuple[str, bool]:  # fmt: skip
    """Record the topic's Like or Announce of `author`'s post and queue it for the author's
    inbox (a boost also for the topic's followers); (its id, whether it is new). The same
    key again records and sends nothing."""
    uri = engagement_uri(kind, key)
    now = now or timezone.now()
    payload = documents.engagement_activity(kind, uri, topic.pk, object_uri, author.uri, now)
    inboxes = {author.shared_inbox or author.inbox}
    if kind == "Announce":
        inboxes |= set(queries.delivery_inboxes(topic.pk))
    try:
        with atomic_write():
            if queries.activity_exists(uri):
                return uri, False
            queue_activity(topic.pk, payload, inboxes, now=now)
    except IntegrityError:  # the same action, recorded by another attempt meanwhile
        return uri, False
    return uri, True


# --- the article behind a scoop's Note ------------------------------------------------------

LINK_SOURCE = "fediverse"  # utm_source, as on posts sent on a topic's fediverse channel


def do_track_scoop_link(scoop: Scoop, current: TrackedLink | None) -> TrackedLink | None:
    """The tracked link a scoop's Note sends readers through to the article, as the topic
    pages and feeds do (`curation.actions.do_link_scoops`; with links' own `do_create_link`:
    medium social, source fediverse, content scoop-<id>, the scoop's campaign). `current`
    is kept while the article and campaign are the same; a new one replaces it when either
    changed. None when the scoop's tracking is off or its address cannot be tracked: then
    the Note links the article itself."""
    if not scoop.tracking:
        return None
    try:
        original = check_target(scoop.link_url)
    except ValidationError:
        return None
    if (current is not None and current.original == original
            and current.campaign_id == scoop.campaign_id):  # fmt: skip
        return current
    workspace_id = scoop.topic.workspace_id
    try:
        return do_create_link(
            Workspace(pk=workspace_id), original, campaign=scoop.campaign,
            medium=LinkMedium.SOCIAL, source=LINK_SOURCE, content=f"scoop-{scoop.pk}",
            defaults=workspace_defaults(workspace_id),
        )  # fmt: skip
    except ValidationError:  # e.g. a campaign of another workspace: the article as it is
        logger.warning("Scoop %s goes to the fediverse untracked", scoop.pk, exc_info=True)
        return None
