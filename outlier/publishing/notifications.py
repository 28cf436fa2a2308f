"""Marking a person's notifications read (belongs in `core` later; kept here until it moves)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from outlier.core.models import Membership, Notification


def notifications_for(membership: Membership) -> QuerySet[Notification]:
    return Notification.objects.filter(user=membership.user, workspace=membership.workspace)


def do_mark_read(membership: Membership, ids: Iterable[int] | None = None) -> int:
    """Mark the member's unread notifications in this workspace read (all, or only `ids`)."""
    unread = notifications_for(membership).filter(read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=timezone.now())
