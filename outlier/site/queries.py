"""The reads the public pages and feeds share.

Only published scoops of public topics are ever returned. Every list is ordered by the
index ``scoop_topic_public`` (topic, state, -published_at) and loads its tags in one
extra query, whatever the number of scoops.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from outlier.core.models import Workspace
from outlier.curation.models import Scoop, ScoopState, Tag, Topic

PUBLISHED = ScoopState.PUBLISHED
PAGE_SIZE = 20
FEED_SIZE = 50


@dataclass(frozen=True)
class Stamp:
    """What a public representation depends on: its newest change, plus anything else."""

    changed_at: datetime | None
    token: str = ""


@dataclass(frozen=True)
class ArchiveMonth:
    month: date
    count: int


# --- topics and workspaces ------------------------------------------------------------------


def public_topic(slug: str) -> Topic:
    """The public topic with this slug, with its workspace; 404 when missing or private."""
    topic = Topic.objects.select_related("workspace").filter(slug=slug, is_public=True).first()
    if topic is None:
        raise Http404("No such topic.")
    return topic


_TOPIC_STAMP_SQL = (
    "SELECT t.changed_at, w.name FROM {topic} t INNER JOIN {workspace} w ON w.id = t.workspace_id"
    " WHERE t.slug = %s AND t.is_public = %s"
)


def topic_stamp(slug: str) -> Stamp:
    """Freshness of a public topic's pages and feeds; 404 when missing or private.

    Runs before every topic page and feed, 304s included: one lookup on the unique slug
    index, written as SQL because compiling the ORM query costs more than running it.
    The pages also show the workspace's name, which does not bump the topic.
    """
    sql = _TOPIC_STAMP_SQL.format(
        topic=connection.ops.quote_name(Topic._meta.db_table),
        workspace=connection.ops.quote_name(Workspace._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug, True])
        row = cursor.fetchone()
    if row is None:
        raise Http404("No such topic.")
    return Stamp(_aware(row[0]), _digest(row[1]))


def public_workspace(slug: str) -> Workspace:
    workspace = Workspace.objects.filter(slug=slug, topics__is_public=True).distinct().first()
    if workspace is None:
        raise Http404("No such workspace.")
    return workspace


def workspace_stamp(slug: str) -> Stamp:
    """Freshness of a workspace's public pages in one query; 404 without public topics.

    Private topics count too: a topic turned private bumps its own ``changed_at`` and
    must drop out of the listing.
    """
    row = (
        Workspace.objects.filter(slug=slug)
        .annotate(
            latest=Max("topics__changed_at"),
            topics_count=Count("topics"),
            public_count=Count("topics", filter=Q(topics__is_public=True)),
        )
        .values("name", "description", "latest", "topics_count", "public_count")
        .first()
    )
    if row is None or not row["public_count"]:
        raise Http404("No such workspace.")
    token = _digest(row["name"], row["description"], str(row["topics_count"]))
    return Stamp(row["latest"], token)


def site_stamp() -> Stamp:
    """Freshness of the pages that span every workspace (front page, sitemap)."""
    row = Topic.objects.aggregate(latest=Max("changed_at"), count=Count("id"))
    names = Workspace.objects.filter(topics__is_public=True).distinct().values_list("name")
    return Stamp(row["latest"], _digest(str(row["count"]), *(name for (name,) in names)))


def listed_topics(workspace: Workspace | None = None) -> QuerySet[Topic]:
    """Public topics with their number of published scoops and newest date, busiest first."""
    published = Q(scoops__state=PUBLISHED)
    topics = Topic.objects.filter(is_public=True)
    if workspace is not None:
        topics = topics.filter(workspace=workspace)
    return (
        topics.select_related("workspace")
        .annotate(
            scoop_count=Count("scoops", filter=published),
            latest_at=Max("scoops__published_at", filter=published),
        )
        .order_by(F("latest_at").desc(nulls_last=True), "name")
    )


def public_workspaces() -> QuerySet[Workspace]:
    return Workspace.objects.filter(topics__is_public=True).distinct().order_by("name")


# --- scoops -------------------------------------------------------------------------------


def published_scoops(topic: Topic) -> QuerySet[Scoop]:
    """A topic's published scoops, newest first, with topic and tags loaded."""
    return (
        Scoop.objects.filter(topic=topic, state=PUBLISHED)
        .select_related("topic", "site_link", "feed_link")
        .prefetch_related("tags")
        .order_by("-published_at", "-id")
    )


def workspace_scoops(workspace: Workspace) -> QuerySet[Scoop]:
    """The published scoops of all of a workspace's public topics, newest first."""
    return (
        Scoop.objects.filter(topic__workspace=workspace, topic__is_public=True, state=PUBLISHED)
        .select_related("topic", "site_link", "feed_link")
        .prefetch_related("tags")
        .order_by("-published_at", "-id")
    )


def public_scoop(topic: Topic, pk: int) -> Scoop:
    scoop = published_scoops(topic).filter(pk=pk).first()
    if scoop is None:
        raise Http404("No such scoop.")
    return scoop


def scoops_in_month(topic: Topic, year: int, month: int) -> QuerySet[Scoop]:
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return published_scoops(topic).filter(published_at__gte=start, published_at__lt=end)


def archive_months(topic: Topic) -> list[ArchiveMonth]:
    """Months that have published scoops, newest first, with how many each."""
    rows = (
        Scoop.objects.filter(topic=topic, state=PUBLISHED, published_at__isnull=False)
        .annotate(month=TruncMonth("published_at"))
        .values("month")
        .annotate(count=Count("id"))
        .order_by("-month")
    )
    return [ArchiveMonth(row["month"].date(), row["count"]) for row in rows]


def topic_tag(topic: Topic, slug: str) -> Tag:
    tag = Tag.objects.filter(workspace_id=topic.workspace_id, slug=slug).first()
    if tag is None:
        raise Http404("No such tag.")
    return tag


def tagged_scoops(topic: Topic, tag: Tag) -> QuerySet[Scoop]:
    return published_scoops(topic).filter(tags=tag)


def _aware(value: datetime | str) -> datetime:
    """A timestamp column read with a raw cursor, as the ORM would return it."""
    if isinstance(value, str):  # a backend without converters
        parsed = parse_datetime(value)
        if parsed is None:
            raise ValueError(f"not a timestamp: {value!r}")
        value = parsed
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]
