"""The reads federation's views, the sweep and other apps share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, QuerySet

from outlier.curation.models import Scoop, ScoopState, Topic
from outlier.federation.models import (
    Follower,
    Interaction,
    InteractionKind,
    PostedNote,
    Publication,
    PublicationState,
)

OUTBOX_PAGE_SIZE = 20


def public_topic(topic_id: int) -> Topic | None:
    return Topic.objects.filter(pk=topic_id, is_public=True).first()


def public_topic_by_slug(slug: str) -> Topic | None:
    return Topic.objects.filter(slug=slug, is_public=True).first()


def visible_scoops() -> QuerySet[Scoop]:
    """Scoops the fediverse may see: published, in a public topic."""
    return Scoop.objects.filter(
        state=ScoopState.PUBLISHED, topic__is_public=True, published_at__isnull=False
    )


def visible_scoop(scoop_id: int) -> Scoop | None:
    return visible_scoops().select_related("topic").filter(pk=scoop_id).first()


def current_object(scoop_id: int) -> tuple[Publication | None, int]:
    """The scoop's live publication and its number, or (None, the number its next
    publication will get): what its public page and outbox show as its object."""
    live = Publication.objects.filter(scoop_id=scoop_id, state=PublicationState.LIVE).first()
    if live is not None:
        return live, live.number
    last = Publication.objects.filter(scoop_id=scoop_id).aggregate(n=Max("number"))["n"]
    return None, (last or 0) + 1


def vanished_topic_ids(limit: int) -> list[int]:
    """Topics deleted while federation still has followers or publications of theirs."""
    exists = Exists(Topic.objects.filter(pk=OuterRef("topic_id")))
    followed = Follower.objects.exclude(exists).values_list("topic_id", flat=True).distinct()
    announced = Publication.objects.exclude(exists).values_list("topic_id", flat=True).distinct()
    return sorted({*followed[:limit], *announced[:limit]})[:limit]


def delivery_inboxes(topic_id: int) -> list[str]:
    """Where an activity to a topic's followers goes: each server's shared inbox once, else
    each follower's own inbox."""
    rows = Follower.objects.filter(topic_id=topic_id).values_list("inbox", "shared_inbox")
    return sorted({shared or inbox for inbox, shared in rows})


def follower_count(topic_id: int) -> int:
    return Follower.objects.filter(topic_id=topic_id).count()


def interaction_counts(scoop_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{scoop id: {"like": n, "announce": n, "reply": n}} for the given scoops."""
    ids = list(scoop_ids)
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {kind.value: 0 for kind in InteractionKind}
    )
    for scoop_id in ids:
        counts[scoop_id]  # noqa: B018 - every asked scoop gets its zeros
    rows = (
        Interaction.objects.filter(scoop_id__in=ids)
        .values_list("scoop_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for scoop_id, kind, n in rows:
        counts[scoop_id][kind] = n
    return dict(counts)


def replies(scoop_id: int) -> QuerySet[Interaction]:
    return (
        Interaction.objects.filter(scoop_id=scoop_id, kind=InteractionKind.REPLY)
        .select_related("actor")
        .order_by("published_at", "pk")
    )


def posted_note(token: str) -> PostedNote | None:
    return PostedNote.objects.filter(token=token).first()


def posted_note_by_uri(object_uri: str) -> PostedNote | None:
    return PostedNote.objects.select_related("topic").filter(object_uri=object_uri).first()


def live_notes(topic: Topic) -> QuerySet[PostedNote]:
    return PostedNote.objects.filter(topic=topic, state=PublicationState.LIVE)


def outbox_total(topic: Topic) -> int:
    """What a topic's outbox holds: its visible scoops and its live posted notes."""
    return visible_scoops().filter(topic=topic).count() + live_notes(topic).count()


def outbox_page(topic: Topic, page: int) -> tuple[list[Scoop | PostedNote], bool]:
    """One page of a topic's outbox, newest first: its visible scoops and the notes posted on
    its fediverse channel, merged by time; and whether another page follows."""
    start = (page - 1) * OUTBOX_PAGE_SIZE
    wanted = start + OUTBOX_PAGE_SIZE + 1  # enough of each to fill this page from either
    scoops = list(
        visible_scoops()
        .filter(topic=topic)
        .select_related("topic")
        .order_by("-published_at", "-pk")[:wanted]
    )
    notes = list(live_notes(topic).order_by("-published_at", "-pk")[:wanted])

    def when(item: Scoop | PostedNote) -> datetime:
        instant = item.published_at
        assert instant is not None  # visible scoops have one
        return instant

    merged: list[Scoop | PostedNote] = sorted([*scoops, *notes], key=when, reverse=True)
    rows = merged[start : start + OUTBOX_PAGE_SIZE + 1]
    return rows[:OUTBOX_PAGE_SIZE], len(rows) > OUTBOX_PAGE_SIZE
