"""Reads shared by the publishing screens and the API."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from outlier.core.models import Membership, Workspace
from outlier.publishing.models import Delivery, DeliveryState, Post, PostStatus, PostVariant

# Saved posts that are not on their way: drafts, posts an editor sent back, and posts approved
# after their time had passed. None of them has a delivery to show on the calendar or queue.
UNSCHEDULED = (PostStatus.DRAFT, PostStatus.REJECTED, PostStatus.MISSED)
SEARCH_MAX = 200


def access_delivery(membership: Membership, delivery_id: int) -> Delivery:
    delivery = (
        Delivery.objects.select_related("post", "channel", "post__workspace")
        .filter(pk=delivery_id, post__workspace=membership.workspace)
        .first()
    )
    if delivery is None:
        raise Http404("No such delivery in this workspace.")
    return delivery


def calendar_deliveries(
    workspace: Workspace, start: datetime, end: datetime, channel_id: int | None = None
) -> QuerySet[Delivery]:
    rows = (
        Delivery.objects.filter(post__workspace=workspace, due_at__gte=start, due_at__lt=end)
        .exclude(state=DeliveryState.CANCELLED)
        .select_related("post", "channel")
        .order_by("due_at", "pk")
    )
    if channel_id:
        rows = rows.filter(channel_id=channel_id)
    return rows


def drafts(workspace: Workspace, search: str = "") -> QuerySet[Post]:
    """The workspace's unscheduled posts, last edited first; `search` finds words in their
    text, title or any channel's own text (case-insensitive, as typed, at most 200 chars)."""
    rows = Post.objects.filter(workspace=workspace, status__in=UNSCHEDULED)
    words = search.strip()[:SEARCH_MAX].split()
    for word in words:
        in_variant = PostVariant.objects.filter(post=OuterRef("pk"), text__icontains=word)
        rows = rows.filter(Q(text__icontains=word) | Q(title__icontains=word) | Exists(in_variant))
    return (
        rows.select_related("author", "reviewed_by")
        .prefetch_related("channels")
        .order_by("-updated_at", "-pk")
    )
