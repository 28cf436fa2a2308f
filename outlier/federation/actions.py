"""Writes about actors, followers, interactions and outgoing activities."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone

from outlier.curation.models import Scoop, Topic
from outlier.federation import addresses
from outlier.federation.models import (
    ActorKey,
    Delivery,
    Follower,
    InstanceKey,
    Interaction,
    OutgoingActivity,
    Publication,
    RemoteActor,
    RemoteKey,
)
from outlier.networks.activitypub import remote
from outlier.networks.activitypub import vocabulary as vocab
from outlier.networks.activitypub.http_signatures import generate_key_pair
from outlier.networks.activitypub.vocabulary import ActorDocument


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


def do_remember_actor(doc: ActorDocument, now: datetime | None = None) -> RemoteActor:
    """Store (or refresh) a verified remote actor and the keys it lists."""
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
    scoop: Scoop,
    actor: RemoteActor,
    *,
    content_html: str = "",
    url: str = "",
    published_at: datetime | None = None,
) -> bool:
    """Store a like, boost or reply once (by its URI). False when it was already stored."""
    try:
        with transaction.atomic():
            _, created = Interaction.objects.get_or_create(
                uri=uri,
                defaults={
                    "kind": kind, "topic_id": scoop.topic_id, "scoop": scoop, "actor": actor,
                    "content_html": content_html, "url": url, "published_at": published_at,
                },
            )  # fmt: skip
    except IntegrityError:
        return False
    return created


def do_edit_reply(actor: RemoteActor, uri: str, content_html: str) -> int:
    return Interaction.objects.filter(uri=uri, actor=actor, kind="reply").update(
        content_html=content_html
    )


def do_remove_interactions(actor: RemoteActor, uris: Iterable[str]) -> int:
    """Undo(Like/Announce) and Delete(reply): only the actor's own."""
    removed, _ = Interaction.objects.filter(actor=actor, uri__in=list(uris)).delete()
    return removed
