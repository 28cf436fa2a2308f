"""What the fediverse and the networks sent back, in the REST API: a topic's followers and
the likes, boosts and replies its scoops received, and each channel's interactions."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from outlier.api.auth import membership
from outlier.curation import actions as curation
from outlier.federation import addresses
from outlier.federation import queries as federation
from outlier.inbox import queries as inbox
from outlier.publishing import actions as publishing

router = Router(tags=["fediverse and interactions"])


class Counts(Schema):
    like: int
    announce: int
    reply: int


class TopicFediverseOut(Schema):
    handle: str
    actor_url: str
    followers: int


class ReplyOut(Schema):
    author: str
    author_url: str
    content_html: str
    url: str
    published_at: datetime | None


class ScoopFediverseOut(Schema):
    counts: Counts
    replies: list[ReplyOut]


@router.get("/topics/{slug}/fediverse", response=TopicFediverseOut,
            summary="How the topic is followed from the fediverse")  # fmt: skip
def topic_fediverse(request: HttpRequest, slug: str) -> dict[str, object]:
    topic = curation.access_topic(membership(request), slug)
    return {
        "handle": f"@{topic.slug}@{addresses.host()}",
        "actor_url": addresses.actor_uri(topic.pk),
        "followers": federation.follower_count(topic.pk),
    }


@router.get("/scoops/{scoop_id}/fediverse", response=ScoopFediverseOut,
            summary="Likes, boosts and replies a scoop received from the fediverse")  # fmt: skip
def scoop_fediverse(request: HttpRequest, scoop_id: int) -> dict[str, object]:
    scoop = curation.access_scoop(membership(request), scoop_id)
    replies = [
        {"author": r.actor.preferred_username or r.actor.uri, "author_url": r.actor.url or r.actor.uri,
         "content_html": r.content_html, "url": r.url, "published_at": r.published_at}
        for r in federation.replies(scoop.pk)
    ]  # fmt: skip
    return {"counts": federation.interaction_counts([scoop.pk])[scoop.pk], "replies": replies}


class InteractionOut(Schema):
    id: int
    kind: str
    author_handle: str
    author_name: str
    author_url: str
    text: str
    url: str
    delivery_id: int | None
    created_at: datetime


@router.get("/channels/{channel_id}/interactions", response=list[InteractionOut],
            summary="Replies, mentions, likes, reposts, quotes and follows read from a channel")  # fmt: skip
def channel_interactions(request: HttpRequest, channel_id: int, kind: str = "",
                         limit: int = 50) -> list[object]:  # fmt: skip
    channel = publishing.access_channel(membership(request), channel_id)
    return list(inbox.recent(channel, kind=kind, limit=min(max(limit, 1), 200)))
