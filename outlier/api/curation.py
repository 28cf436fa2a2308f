"""Topics and scoops in the REST API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from outlier.api.auth import membership
from outlier.core.models import Role
from outlier.curation import actions
from outlier.curation.models import Scoop, ScoopState, Topic

router = Router(tags=["curation"])


def absolute(name: str, *args: object) -> str:
    return settings.BASE_URL + reverse(name, args=args)


class FeedsOut(Schema):
    rss: str
    atom: str
    json_feed: str


class TopicOut(Schema):
    id: int
    name: str
    slug: str
    description: str
    is_public: bool
    visitor_suggestions: bool  # visitors may suggest articles on the public page
    cover_image_url: str | None
    public_url: str | None
    feeds: FeedsOut | None
    created_at: datetime


def topic_out(topic: Topic) -> dict[str, object]:
    public = topic.is_public
    return {
        "id": topic.pk,
        "name": topic.name,
        "slug": topic.slug,
        "description": topic.description,
        "is_public": public,
        "visitor_suggestions": topic.visitor_suggestions,
        "cover_image_url": settings.BASE_URL + topic.cover_image.url if topic.cover_image else None,
        "public_url": absolute("site:topic", topic.slug) if public else None,
        "feeds": {
            "rss": absolute("site:topic_rss", topic.slug),
            "atom": absolute("site:topic_atom", topic.slug),
            "json_feed": absolute("site:topic_json", topic.slug),
        }
        if public
        else None,
        "created_at": topic.created_at,
    }


class TopicIn(Schema):
    name: str
    slug: str = ""
    description: str = ""
    is_public: bool = True
    visitor_suggestions: bool = True


class TopicPatch(Schema):
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    is_public: bool | None = None
    visitor_suggestions: bool | None = None


@router.get("/topics", response=list[TopicOut], summary="List the workspace's topics")
def list_topics(request: HttpRequest) -> list[dict[str, object]]:
    member = membership(request)
    return [topic_out(t) for t in Topic.objects.filter(workspace=member.workspace)]


@router.post("/topics", response={201: TopicOut}, summary="Create a topic")
def create_topic(request: HttpRequest, payload: TopicIn) -> Status[dict[str, object]]:
    member = membership(request, write=True)
    topic = actions.do_create_topic(member, **payload.dict())
    return Status(201, topic_out(topic))


@router.get("/topics/{slug}", response=TopicOut, summary="Read a topic")
def read_topic(request: HttpRequest, slug: str) -> dict[str, object]:
    return topic_out(actions.access_topic(membership(request), slug))


@router.patch("/topics/{slug}", response=TopicOut, summary="Change a topic")
def update_topic(request: HttpRequest, slug: str, payload: TopicPatch) -> dict[str, object]:
    member = membership(request, write=True)
    topic = actions.access_topic(member, slug, Role.EDITOR)
    changes = payload.dict(exclude_none=True)
    return topic_out(actions.do_update_topic(member, topic, **changes))


@router.delete("/topics/{slug}", response={204: None}, summary="Delete a topic and its scoops")
def delete_topic(request: HttpRequest, slug: str) -> Status[None]:
    member = membership(request, write=True)
    actions.do_delete_topic(member, actions.access_topic(member, slug, Role.EDITOR))
    return Status(204, None)


class ScoopOut(Schema):
    id: int
    topic: str
    url: str
    state: str
    reason: str = Field(description="Why the page could not be fetched or read, when it could not")
    title: str
    excerpt: str
    image_url: str
    site_name: str
    author: str
    article_published_at: datetime | None
    canonical_url: str
    language: str
    insight: str
    insight_html: str
    tags: list[str]
    public_url: str | None
    created_at: datetime
    published_at: datetime | None


def scoop_out(scoop: Scoop) -> dict[str, object]:
    public = scoop.state == ScoopState.PUBLISHED and scoop.topic.is_public
    return {
        "id": scoop.pk,
        "topic": scoop.topic.slug,
        "url": scoop.url,
        "state": scoop.state,
        "reason": scoop.fetch_error,
        "title": scoop.title,
        "excerpt": scoop.excerpt,
        "image_url": scoop.image_url,
        "site_name": scoop.site_name,
        "author": scoop.author,
        "article_published_at": scoop.article_published_at,
        "canonical_url": scoop.canonical_url,
        "language": scoop.language,
        "insight": scoop.insight,
        "insight_html": scoop.insight_html,
        "tags": [t.name for t in scoop.tags.all()],
        "public_url": settings.BASE_URL + scoop.get_absolute_url() if public else None,
        "created_at": scoop.created_at,
        "published_at": scoop.published_at,
    }


class ScoopIn(Schema):
    url: str
    topic: str
    insight: str = ""
    tags: list[str] = []
    publish: bool = True


class ScoopPatch(Schema):
    title: str | None = None
    excerpt: str | None = None
    image_url: str | None = None
    site_name: str | None = None
    author: str | None = None
    article_published_at: datetime | None = None
    insight: str | None = None
    tags: list[str] | None = None
    state: Literal["published", "draft"] | None = None


@router.get("/scoops", response=list[ScoopOut], summary="List scoops, newest first")
def list_scoops(
    request: HttpRequest,
    topic: str | None = None,
    state: Literal["fetching", "draft", "published", "failed"] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, object]]:
    member = membership(request)
    scoops = Scoop.objects.filter(topic__workspace=member.workspace)
    if topic:
        scoops = scoops.filter(topic=actions.access_topic(member, topic))
    if state:
        scoops = scoops.filter(state=state)
    limit = max(1, min(limit, 200))
    page = scoops.select_related("topic").prefetch_related("tags").order_by("-created_at", "-id")
    return [scoop_out(s) for s in page[max(0, offset) : max(0, offset) + limit]]


@router.post("/scoops", response={200: ScoopOut, 201: ScoopOut}, summary="Scoop a URL into a topic")
def create_scoop(request: HttpRequest, payload: ScoopIn) -> Status[dict[str, object]]:
    """Saves the URL and fetches the page in the background (state `fetching`).

    A URL already in the topic answers 200 with the existing scoop instead of a second one.
    """
    member = membership(request, write=True)
    topic = actions.access_topic(member, payload.topic)
    scoop, created = actions.do_create_scoop(
        member, topic, payload.url, payload.insight, payload.tags, payload.publish
    )
    return Status(201 if created else 200, scoop_out(scoop))


@router.get("/scoops/{int:scoop_id}", response=ScoopOut, summary="Read a scoop")
def read_scoop(request: HttpRequest, scoop_id: int) -> dict[str, object]:
    return scoop_out(actions.access_scoop(membership(request), scoop_id))


@router.patch(
    "/scoops/{int:scoop_id}", response=ScoopOut, summary="Edit, publish or unpublish a scoop"
)
def update_scoop(request: HttpRequest, scoop_id: int, payload: ScoopPatch) -> dict[str, object]:
    member = membership(request, write=True)
    scoop = actions.access_scoop(member, scoop_id, Role.CONTRIBUTOR)
    changes = payload.dict(exclude_unset=True)
    state = changes.pop("state", None)
    if changes:
        scoop = actions.do_update_scoop(member, scoop, **changes)
    if state == ScoopState.PUBLISHED:
        scoop = actions.do_publish_scoop(member, scoop)
    elif state == ScoopState.DRAFT:
        scoop = actions.do_unpublish_scoop(member, scoop)
    return scoop_out(scoop)


@router.delete("/scoops/{int:scoop_id}", response={204: None}, summary="Delete a scoop")
def delete_scoop(request: HttpRequest, scoop_id: int) -> Status[None]:
    member = membership(request, write=True)
    actions.do_delete_scoop(member, actions.access_scoop(member, scoop_id, Role.CONTRIBUTOR))
    return Status(204, None)


@router.post("/scoops/{int:scoop_id}/retry", response=ScoopOut, summary="Fetch the page again")
def retry_scoop(request: HttpRequest, scoop_id: int) -> dict[str, object]:
    member = membership(request, write=True)
    scoop = actions.access_scoop(member, scoop_id, Role.CONTRIBUTOR)
    return scoop_out(actions.do_retry_fetch(member, scoop))
