"""Notifications about posts: telling a person, and marking read (to move to `core` later)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from outlier.core.models import Membership, Notification, User
from outlier.publishing.links import post_path
from outlier.publishing.models import Post


def notifications_for(membership: Membership) -> QuerySet[Notification]:
    return Notification.objects.filter(user=membership.user, workspace=membership.workspace)


def do_mark_read(membership: Membership, ids: Iterable[int] | None = None) -> int:
    """Mark the member's unread notifications in this workspace read (all, or only `ids`)."""
    unread = notifications_for(membership).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())


def notify_about(post: Post, user: User | None, text: str) -> None:
    """Tell one person something about a post, with a link to it (nobody: nothing)."""
    if user is not None:
        Notification.objects.create(
            user=user, workspace=post.workspace, text=text[:500], link=post_path(post)
        )
