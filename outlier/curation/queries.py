"""Reads the curation screens and the API share."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from outlier.core.models import Workspace
from outlier.curation.models import Scoop, ScoopState, Topic


def topics_with_counts(workspace: Workspace) -> QuerySet[Topic]:
    return Topic.objects.filter(workspace=workspace).annotate(
        published_count=Count("scoops", filter=Q(scoops__state=ScoopState.PUBLISHED)),
        draft_count=Count("scoops", filter=~Q(scoops__state=ScoopState.PUBLISHED)),
    )


def topic_scoops(topic: Topic, state: str = "") -> QuerySet[Scoop]:
    scoops = topic.scoops.select_related("created_by").prefetch_related("tags")
    if state:
        scoops = scoops.filter(state=state)
    return scoops.order_by("-created_at", "-id")


def recent_scoops(workspace: Workspace, limit: int = 10) -> QuerySet[Scoop]:
    return (
        Scoop.objects.filter(topic__workspace=workspace)
        .select_related("topic")
        .order_by("-created_at", "-id")[:limit]
    )
