"""The reads federation's views, the sweep and other apps share."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from outlier.curation.models import Scoop, ScoopState, Tag, Topic
from outlier.federation import addresses
from outlier.federation.models import (
    Follower,
    Interaction,
    InteractionKind,
    OutgoingActivity,
    PostedNote,
    Publication,
    PublicationState,
    RemoteActor,
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
    live = (
        Publication.objects.filter(scoop_id=scoop_id, state=PublicationState.LIVE)
        .select_related("link")
        .first()
    )
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


def followers_page(topic_id: int, before: int | None, limit: int) -> list[Follower]:
    """Up to `limit` of the topic's followers, newest first, below the Follower id `before`
    (None: from the newest), with their actors."""
    rows = Follower.objects.filter(topic_id=topic_id).select_related("actor").order_by("-pk")
    if before is not None:
        rows = rows.filter(pk__lt=before)
    return list(rows[:limit])


def remote_actor(uri: str) -> RemoteActor | None:
    """The cached copy of a remote actor's document, by its id."""
    return RemoteActor.objects.filter(uri=uri).first()


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


@dataclass(frozen=True)
class Subject:
    """What of ours a like, a boost or a reply is about: a visible scoop, or a live Note
    posted on a public topic's channel."""

    topic_id: int
    scoop: Scoop | None = None
    note: PostedNote | None = None

    def __str__(self) -> str:
        if self.scoop is not None:
            return f"scoop {self.scoop.pk}"
        return f"note {self.note.token if self.note is not None else '?'}"


def interaction_subject(uri: str) -> Subject | None:
    """The scoop or posted Note an object URI (or a scoop's public page URL) names, when the
    fediverse may see it; None for anything else, ours or not."""
    scoop_id = addresses.scoop_id_from_uri(uri)
    if scoop_id is not None:
        scoop = visible_scoop(scoop_id)
        return Subject(scoop.topic_id, scoop=scoop) if scoop is not None else None
    token = addresses.note_token_from_uri(uri)
    if token is not None:
        note = PostedNote.objects.filter(
            token=token, state=PublicationState.LIVE, topic__is_public=True
        ).first()
        return Subject(note.topic_id, note=note) if note is not None else None
    return None


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


def note_engagement(topic_id: int, object_uris: Iterable[str]) -> dict[str, dict[str, int]]:
    """{object URI: {"like": n, "announce": n, "reply": n}} for the topic's live posted notes
    among `object_uris`; the others (deleted, unknown, another topic's) are left out."""
    notes = dict(
        PostedNote.objects.filter(
            topic_id=topic_id, state=PublicationState.LIVE, object_uri__in=list(object_uris)
        ).values_list("pk", "object_uri")
    )
    counts = {uri: {kind.value: 0 for kind in InteractionKind} for uri in notes.values()}
    rows = (
        Interaction.objects.filter(note_id__in=list(notes))
        .values_list("note_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for note_id, kind, n in rows:
        counts[notes[note_id]][kind] = n
    return counts


def reply_author(uri: str) -> RemoteActor | None:
    """Who wrote the reply with this id, when the topic's inbox stored it (no fetch needed)."""
    row = (
        Interaction.objects.filter(uri=uri, kind=InteractionKind.REPLY)
        .select_related("actor")
        .first()
    )
    return row.actor if row is not None else None


def activity_exists(uri: str) -> bool:
    """Whether a topic already recorded the activity with this id (a Like, an Announce...)."""
    return OutgoingActivity.objects.filter(uri=uri).exists()


MAX_THREAD_DEPTH = 20


def _subject_uri(row: Interaction) -> str:
    if row.note_id is not None:
        return row.note.object_uri if row.note else ""
    return _subjects([row]).get(row.scoop_id or 0, "")


def thread_root(uri: str) -> str:
    """The first post of the thread `uri` (a scoop's object or a posted Note) belongs to.

    A scoop starts its thread. A posted Note that answers something (its `inReplyTo`) belongs
    to that post's thread: a reply the topic's inbox stored leads on to what it answered, so
    a conversation under a scoop keeps the scoop as its root however often the topic and
    its readers answer each other; a post outside what Outlier holds is the root as far as
    can be told. Followed for at most MAX_THREAD_DEPTH steps."""
    current = uri
    for _ in range(MAX_THREAD_DEPTH):
        token = addresses.note_token_from_uri(current)
        if token is None:
            return current
        parent = (
            PostedNote.objects.filter(token=token)
            .values_list("document__inReplyTo", flat=True)
            .first()
        )
        if not isinstance(parent, str) or not parent:
            return current
        answered = Interaction.objects.filter(uri=parent).select_related("note").first()
        if answered is not None:  # a reply the inbox stored: on to what it answered
            current = _subject_uri(answered) or parent
        elif addresses.note_token_from_uri(parent) is not None:  # another Note of ours
            current = parent
        else:  # a scoop of ours, or someone else's post beyond what Outlier holds
            return parent
    return current


def mentioned_actors(note: PostedNote) -> list[RemoteActor]:
    """The remote actors a posted Note mentions (its Mention tags), as far as they are known."""
    tags = note.document.get("tag") if isinstance(note.document, dict) else None
    hrefs = [
        t["href"] for t in tags or []
        if isinstance(t, dict) and t.get("type") == "Mention" and isinstance(t.get("href"), str)
    ]  # fmt: skip
    return list(RemoteActor.objects.filter(uri__in=hrefs)) if hrefs else []


def _tag_key(value: str) -> str:
    """How a hashtag and a tag are compared: "#ClimateChange" is the tag "climate-change"."""
    return "".join(ch for ch in value.casefold() if ch.isalnum())


def hashtag_urls(topic: Topic, names: Iterable[str]) -> dict[str, str]:
    """{name: URL} for hashtags in a post of the topic: the topic's tag page when the topic
    has published scoops with a tag of that name on its public site, else the topic's page."""
    wanted = {name: _tag_key(name) for name in names}
    if not wanted:
        return {}
    used = (
        Tag.objects.filter(
            workspace_id=topic.workspace_id, scoops__in=visible_scoops().filter(topic=topic)
        )
        .distinct()
        .values_list("name", "slug")
    )
    pages: dict[str, str] = {}
    for name, slug in used:
        for key in (_tag_key(slug), _tag_key(name)):
            pages.setdefault(key, slug)
    topic_page = addresses.absolute(topic.get_absolute_url())
    return {
        name: addresses.absolute(reverse("site:tag", args=[topic.slug, pages[key]]))
        if key in pages
        else topic_page
        for name, key in wanted.items()
    }


# --- what a topic's fediverse channel reads back (outlier.federation.channel) ---------------

HEARD_PAGE_SIZE = 100
# Rows are read by the time they were stored. A row stored a little before another can be
# committed after it (two inbox requests at once), so each read goes back HEARD_GRACE behind
# the cursor, up to HEARD_REREAD rows: the channel's reader keeps one row per id.
HEARD_GRACE = timedelta(minutes=2)
HEARD_REREAD = 500
HEARD_CURSOR = "fediverse:"


@dataclass(frozen=True)
class Heard:
    """A like, boost or reply to something the topic published, or a follow of the topic."""

    kind: str  # an InteractionKind value, or "follow"
    uri: str  # the Like, the Announce, the reply Note, the Follow
    actor: RemoteActor
    at: datetime  # when Outlier stored it
    content_html: str = ""
    url: str = ""
    subject: str = ""  # the object URI of ours it concerns; "" for a follow
    language: str = ""  # a reply's, where its contentMap named one


def heard_cursor(at: datetime) -> str:
    return HEARD_CURSOR + at.isoformat()


def parse_heard_cursor(cursor: str) -> datetime | None:
    if not cursor.startswith(HEARD_CURSOR):
        return None
    try:
        at = parse_datetime(cursor[len(HEARD_CURSOR) :])
    except ValueError:
        return None
    return at if at is not None and timezone.is_aware(at) else None


def _subjects(rows: Sequence[Interaction]) -> dict[int, str]:
    """{scoop id: the object URI its interactions concern}: the live publication's, or the
    first publication's when none is live."""
    ids = {row.scoop_id for row in rows if row.scoop_id is not None}
    live = dict(
        Publication.objects.filter(scoop_id__in=ids, state=PublicationState.LIVE).values_list(
            "scoop_id", "object_uri"
        )
    )
    return {pk: live.get(pk) or addresses.object_uri(pk) for pk in ids}


def _heard(interactions: Iterable[Interaction], follows: Iterable[Follower]) -> list[Heard]:
    interactions = list(interactions)
    subjects = _subjects(interactions)
    found = [
        Heard(
            kind=row.kind, uri=row.uri, actor=row.actor, at=row.received_at,
            content_html=row.content_html, url=row.url, language=row.language,
            subject=row.note.object_uri if row.note is not None
            else subjects.get(row.scoop_id or 0, ""),
        )
        for row in interactions
    ]  # fmt: skip
    found += [
        Heard(kind="follow", uri=row.follow_id, actor=row.actor, at=row.created_at)
        for row in follows
    ]
    return sorted(found, key=lambda h: (h.at, h.uri))


def heard_since(
    topic_id: int, cursor: str = "", now: datetime | None = None
) -> tuple[list[Heard], str]:
    """What the fediverse did with the topic since `cursor`, oldest first, at most a page of
    it past the cursor (plus what was re-read behind it), and the cursor for next time.

    Without a cursor, reading starts settings.ENGAGEMENT_DAYS back."""
    since = parse_heard_cursor(cursor)
    interactions = (
        Interaction.objects.filter(topic_id=topic_id)
        .select_related("actor", "note")
        .defer("note__document", "note__image_files")
    )
    follows = Follower.objects.filter(topic_id=topic_id).select_related("actor")
    again: list[Heard] = []
    if since is None:
        now = now or timezone.now()
        start = now - timedelta(days=settings.ENGAGEMENT_DAYS)
        ahead_i = interactions.filter(received_at__gte=start)
        ahead_f = follows.filter(created_at__gte=start)
    else:
        again = _heard(
            interactions.filter(received_at__gt=since - HEARD_GRACE, received_at__lte=since)
            .order_by("-received_at")[:HEARD_REREAD],
            follows.filter(created_at__gt=since - HEARD_GRACE, created_at__lte=since)
            .order_by("-created_at")[:HEARD_REREAD],
        )  # fmt: skip
        ahead_i = interactions.filter(received_at__gt=since)
        ahead_f = follows.filter(created_at__gt=since)
    ahead = _heard(
        ahead_i.order_by("received_at", "pk")[:HEARD_PAGE_SIZE],
        ahead_f.order_by("created_at", "pk")[:HEARD_PAGE_SIZE],
    )[:HEARD_PAGE_SIZE]
    if ahead:
        next_cursor = heard_cursor(ahead[-1].at)
    elif since is not None:
        next_cursor = cursor
    else:
        next_cursor = ""
    return again + ahead, next_cursor
