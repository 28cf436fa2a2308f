"""The ActivityStreams documents of our own actors and objects, built from the rows."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from outlier.curation.models import Scoop, Topic
from outlier.federation import addresses
from outlier.federation.models import ActorKey, InstanceKey, Publication
from outlier.networks.activitypub import vocabulary as vocab

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
