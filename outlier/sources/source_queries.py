"""The reads of a topic's sources that the screens and the API share: each source with its
health (as a feed reader shows it: last check, last new item, the error and its reason, next
check, how many items, whether a WebSub hub pushes it), and the feeds followed as OPML
outlines for an export (a topic's, or the workspace's with each topic as the top folder).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils import timezone

from outlier.core.models import Workspace
from outlier.curation.models import Topic
from outlier.sources.models import Entry, PushState, Source, SourceKind, Suggestion
from outlier.sources.opml import OutlineFeed, write_opml

__all__ = [
    "Health",
    "export_opml",
    "export_outlines",
    "health",
    "export_filename",
    "one",
    "sources_of",
]


@dataclass(frozen=True)
class Health:
    """A source as its list shows it."""

    source: Source
    title: str  # the curator's name, else the feed's title, else its address
    url: str  # the feed's address ("" for keywords and accounts)
    site_url: str
    state: str  # "ok", "error", "waiting" (not read yet), "gone"
    checked_at: datetime | None
    new_at: datetime | None  # when an item was last new
    next_at: datetime | None
    error: str
    errors: int  # failures in a row
    items: int  # items stored (a feed's), or suggestions it brought (keywords)
    pushed: bool  # a WebSub hub pushes the feed
    push_state: str  # "", "pending", "active", "failed"
    push_label: str
    push_error: str


GONE_AFTER = timedelta(days=3650)  # a gone feed (HTTP 410) is rescheduled a century away


def health(source: Source, items: int) -> Health:
    feed = source.feed if source.kind == SourceKind.FEED else None
    due: datetime | None
    if feed is not None:
        error, checked, new, due = feed.error, feed.checked_at, feed.new_at, feed.next_at
        errors, push = feed.errors, feed.push_state
    else:
        error, checked, new, due = source.error, source.checked_at, source.new_at, source.next_at
        errors, push = source.errors or (1 if source.error else 0), ""
    if error:
        gone = due is not None and checked is not None and due - checked > GONE_AFTER
        state = "gone" if gone else "error"
    elif checked is None and (feed is not None or source.next_at is not None):
        state = "waiting"
    else:
        state = "ok"
    return Health(
        source=source,
        title=source.name or (feed.title if feed else "") or (feed.url if feed else source.kind),
        url=feed.url if feed else "", site_url=feed.site_url if feed else "", state=state,
        checked_at=checked, new_at=new, next_at=due if state != "gone" else None, error=error,
        errors=errors, items=items, pushed=push == PushState.ACTIVE, push_state=push,
        push_label=PushState(push).label if push in PushState.values else "",
        push_error=feed.push_error if feed else "",
    )  # fmt: skip


def _items(sources: list[Source]) -> dict[int, int]:
    """Items per source: a feed's stored entries (one aggregate query); a keyword source's
    suggestions, those naming it among their reasons (one pass over the topic's reasons)."""
    feed_ids = {s.feed_id for s in sources if s.feed_id}
    per_feed = dict(Entry.objects.filter(feed_id__in=feed_ids).values_list("feed_id")
                    .annotate(n=Count("pk")).values_list("feed_id", "n"))  # fmt: skip
    others = {s.pk: s.topic_id for s in sources if not s.feed_id}
    named: dict[int, int] = dict.fromkeys(others, 0)
    if others:
        reasons = Suggestion.objects.filter(topic_id__in=set(others.values())).values_list(
            "reasons", flat=True)  # fmt: skip
        for reason in reasons.iterator():
            for pk in (reason or {}).get("sources", []):
                if pk in named:
                    named[pk] += 1
    return {s.pk: per_feed.get(s.feed_id, 0) if s.feed_id else named.get(s.pk, 0)
            for s in sources}  # fmt: skip


def sources_of(topic: Topic) -> list[Health]:
    """The topic's sources with their health: by category, then name."""
    rows = list(Source.objects.filter(topic=topic).select_related("feed", "channel"))
    counts = _items(rows)
    found = [health(s, counts.get(s.pk, 0)) for s in rows]
    return sorted(found, key=lambda h: (h.source.category.casefold(), h.title.casefold(),
                                        h.source.pk))  # fmt: skip


def one(source: Source) -> Health:
    """One source with its health, read afresh (a poll updates its feed's row, not the object
    an action returned)."""
    fresh = Source.objects.select_related("feed", "topic", "channel").get(pk=source.pk)
    return health(fresh, _items([fresh]).get(fresh.pk, 0))


def _folder_name(name: str) -> str:
    """A topic's name as one OPML folder ("/" separates folders)."""
    return " ".join(name.replace("/", "-").split()) or "Topic"


def export_outlines(workspace: Workspace, topic: Topic | None = None) -> list[OutlineFeed]:
    """The feeds followed, as OPML outlines: a topic's in the folders of their categories;
    the workspace's with each topic's name as the top folder."""
    rows = (Source.objects.filter(workspace=workspace, kind=SourceKind.FEED, feed__isnull=False)
            .select_related("feed", "topic").order_by("topic__name", "category", "name", "pk"))  # fmt: skip
    if topic is not None:
        rows = rows.filter(topic=topic)
    outlines = []
    for source in rows:
        assert source.feed is not None
        folder = source.category
        if topic is None:
            folder = "/".join(p for p in (_folder_name(source.topic.name), folder) if p)
        outlines.append(OutlineFeed(xml_url=source.feed.url,
                                    title=source.name or source.feed.title or source.feed.url,
                                    html_url=source.feed.site_url,
                                    categories=(folder,) if folder else ()))  # fmt: skip
    return outlines


def export_opml(workspace: Workspace, topic: Topic | None = None) -> bytes:
    """The OPML 2.0 file of `export_outlines`."""
    title = f"{topic.name} ({workspace.name})" if topic else f"{workspace.name}: every topic"
    return write_opml(f"Outlier sources: {title}", export_outlines(workspace, topic),
                      created=timezone.now())  # fmt: skip


def export_filename(workspace: Workspace, topic: Topic | None = None) -> str:
    day = timezone.now().date().isoformat()
    return f"sources-{workspace.slug}{'-' + topic.slug if topic else ''}-{day}.opml"
