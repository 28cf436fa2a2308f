"""The inbox's reads."""

from __future__ import annotations

from django.db.models import QuerySet

from outlier.inbox.models import Interaction
from outlier.publishing.models import Channel


def recent(channel: Channel, *, kind: str = "", limit: int = 50) -> QuerySet[Interaction]:
    """A channel's interactions, newest first; `kind` keeps one kind ("reply", "like", …)."""
    rows = Interaction.objects.filter(channel=channel)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-pk")[:limit]
