"""The inbox's reads, shared by its screen and the API.

The list is read newest first by keyset (`before`: the last item's time and id), never with a
count of every match: one index range per page however large the inbox grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from outlier.inbox import search
from outlier.inbox.models import (
    WORK_KINDS,
    InboxReply,
    InboxTag,
    Interaction,
    InteractionKind,
    ItemState,
)
from outlier.publishing.models import Channel

ACTIVITY_KINDS = (InteractionKind.LIKE, InteractionKind.REPOST, InteractionKind.FOLLOW)
VIEWS = ("open", "done", "snoozed", "hidden", "all", "activity")


@dataclass(frozen=True)
class Filters:
    """What a person asked the list for. `view`: open (not snoozed, not hidden), done,
    snoozed, hidden, all work, or activity (likes, reposts, follows)."""

    view: str = "open"
    channel: int | None = None
    network: str = ""
    kind: str = ""
    assignee: str = ""  # "me", "none", or a user id
    tag: str = ""
    language: str = ""
    q: str = ""


def items(workspace_id: int, filters: Filters, user_id: int | None = None,
          now: datetime | None = None) -> QuerySet[Interaction]:  # fmt: skip
    """The workspace's items that match, newest first."""
    now = now or timezone.now()
    rows = Interaction.objects.filter(workspace_id=workspace_id)
    view = filters.view if filters.view in VIEWS else "open"
    if view == "activity":
        rows = rows.filter(kind__in=ACTIVITY_KINDS)
    else:
        rows = rows.filter(is_work=True)
        if view == "hidden":
            rows = rows.filter(hidden=True)
        elif view != "all":
            rows = rows.filter(hidden=False)
        if view == "open":
            rows = rows.filter(state=ItemState.OPEN).filter(
                Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now)
            )
        elif view == "done":
            rows = rows.filter(state=ItemState.DONE)
        elif view == "snoozed":
            rows = rows.filter(state=ItemState.OPEN, snoozed_until__gt=now)
    if filters.channel:
        rows = rows.filter(channel_id=filters.channel)
    if filters.network:
        rows = rows.filter(channel__network=filters.network)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.assignee == "me" and user_id is not None:
        rows = rows.filter(assignee_id=user_id)
    elif filters.assignee == "none":
        rows = rows.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        rows = rows.filter(assignee_id=int(filters.assignee))
    if filters.tag:
        rows = rows.filter(tags__name__iexact=filters.tag)
    if filters.language:
        lang = filters.language.lower()
        rows = rows.filter(Q(language__iexact=lang) | Q(language__istartswith=lang + "-"))
    if filters.q:
        rows = search.matching(rows, filters.q)
    return rows.order_by("-created_at", "-pk")


def page(rows: QuerySet[Interaction], size: int, before: tuple[datetime, int] | None = None
         ) -> tuple[list[Interaction], tuple[datetime, int] | None]:  # fmt: skip
    """One page, and the keyset of the next one (None on the last page)."""
    if before is not None:
        at, pk = before
        rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    found = list(rows.select_related("channel", "assignee").prefetch_related("tags")[: size + 1])
    more = len(found) > size
    found = found[:size]
    return found, ((found[-1].created_at, found[-1].pk) if more and found else None)


def unread_count(workspace_id: int, now: datetime | None = None) -> int:
    """Open work items nobody of the team has opened yet (for the navigation)."""
    now = now or timezone.now()
    return (
        Interaction.objects.filter(
            workspace_id=workspace_id,
            is_work=True,
            state=ItemState.OPEN,
            read_at__isnull=True,
            hidden=False,
        )  # fmt: skip
        .filter(Q(snoozed_until__isnull=True) | Q(snoozed_until__lte=now))
        .count()
    )


def conversation(item: Interaction, limit: int = 100) -> list[Interaction]:
    """The items of the item's conversation, oldest first (the item included)."""
    if item.kind == InteractionKind.POST:  # a post a stream found stands alone
        return [item]
    rows = Interaction.objects.filter(
        workspace_id=item.workspace_id, conversation=item.conversation, kind__in=WORK_KINDS
    ).select_related("channel")
    return list(reversed(rows.order_by("-created_at", "-pk")[:limit]))


def replies(item_ids: list[int]) -> list[InboxReply]:
    """The team's replies to these items, oldest first, with their post and deliveries."""
    return list(
        InboxReply.objects.filter(interaction_id__in=item_ids)
        .select_related("post", "author")
        .prefetch_related("post__deliveries")
    )


def filter_choices(workspace_id: int) -> dict[str, list[tuple[str, str]]]:
    """What the filters offer: the workspace's channels, networks and tags."""
    channels = list(Channel.objects.filter(workspace_id=workspace_id).values_list("pk", "name",
                                                                                   "network"))  # fmt: skip
    return {
        "channels": [(str(pk), f"{name} ({network})") for pk, name, network in channels],
        "networks": sorted({(network, network.title()) for _, _, network in channels}),
        "tags": [
            (t, t)
            for t in InboxTag.objects.filter(workspace_id=workspace_id).values_list(
                "name", flat=True
            )
        ],  # fmt: skip
    }


def recent(channel: Channel, *, kind: str = "", limit: int = 50) -> QuerySet[Interaction]:
    """A channel's interactions, newest first; `kind` keeps one kind ("reply", "like", …)."""
    rows = Interaction.objects.filter(channel=channel).exclude(kind=InteractionKind.POST)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-pk")[:limit]
