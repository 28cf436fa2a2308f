"""Offering new items to topics as suggestions, once per story.

A new item of a feed is offered to every topic with an active source on that feed, and to
every topic of the same workspaces whose keyword source it matches (keywords are matched over
every item of every feed the workspace follows). A topic gets a story once:

1. by address: the item's normalised URL (`curation.urlkeys.url_key`) is the suggestion's
   `story_key`, unique per topic; a story already scooped into the topic (under its URL or
   its page's canonical URL) is not suggested at all;
2. by text: an item whose signature (`similar`) matches a recent suggestion of the topic is
   the same story told by another source: it joins that suggestion (its `copies` and the
   sources it names grow) instead of making a second one.

Each suggestion keeps why it is there (`reasons`: the sources, the keywords matched, the
terms the topic's model weighed) and a score: the topic's relevance (`ranking`) and the
story's freshness, stored time-invariantly (`score`: the log of the relevance plus the
half-lives since an epoch of the story's time), so a list sorted by score needs no rescoring
as time passes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q

from outlier.curation.models import Scoop
from outlier.sources.keywords import Matcher
from outlier.sources.models import Entry, Source, SourceKind, Suggestion, SuggestionState

__all__ = ["HALF_LIFE_HOURS", "Offer", "do_offer", "score"]

HALF_LIFE_HOURS = 24.0
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
RECENT_DAYS = 14  # near-duplicates are looked for among the topic's suggestions this recent
RECENT_LIMIT = 5000
MAX_TEXT = 5000


def score(relevance: float, when: datetime) -> float:
    """Relevance × freshness as a number that sorts the same at every moment: the log of the
    relevance plus how many half-lives after EPOCH the story came out."""
    hours = (when - EPOCH).total_seconds() / 3600
    return math.log(max(relevance, 1e-6)) + math.log(2) * hours / HALF_LIFE_HOURS


@dataclass
class Offer:
    """One item for one topic, and why."""

    entry: Entry
    topic_id: int
    sources: set[int] = field(default_factory=set)
    keywords: list[str] = field(default_factory=list)


def _offers(entries: Sequence[Entry]) -> list[Offer]:
    feed_ids = {e.feed_id for e in entries if e.feed_id}
    following = list(Source.objects.filter(feed_id__in=feed_ids, active=True,
                                           kind=SourceKind.FEED))  # fmt: skip
    workspaces = {s.workspace_id for s in following}
    listening = [(s, Matcher(s.keywords)) for s in Source.objects.filter(
        workspace_id__in=workspaces, kind=SourceKind.KEYWORDS, active=True)]  # fmt: skip
    by_feed: dict[int, list[Source]] = defaultdict(list)
    for source in following:
        by_feed[source.feed_id or 0].append(source)
    offers: dict[tuple[int, int], Offer] = {}
    for entry in entries:
        sources = by_feed.get(entry.feed_id or 0, [])
        for source in sources:
            offers.setdefault((source.topic_id, entry.pk), Offer(entry, source.topic_id)) \
                .sources.add(source.pk)  # fmt: skip
        here = {s.workspace_id for s in sources}
        for source, matcher in listening:
            if source.workspace_id not in here:
                continue
            found = matcher.found(entry.title, entry.text)
            if found:
                offer = offers.setdefault((source.topic_id, entry.pk),
                                          Offer(entry, source.topic_id))  # fmt: skip
                offer.sources.add(source.pk)
                offer.keywords.extend(k for k in found if k not in offer.keywords)
    return list(offers.values())


def do_offer(entries: Sequence[Entry], now: datetime) -> int:
    """Offer new items to the topics that follow or listen for them; how many suggestions
    were made (stories already offered only gain a source)."""
    made = 0
    by_topic: dict[int, list[Offer]] = defaultdict(list)
    for offer in _offers(entries):
        by_topic[offer.topic_id].append(offer)
    for topic_id, offers in by_topic.items():
        made += _offer_to_topic(topic_id, offers, now)
    return made


def _story_key(entry: Entry) -> str:
    return entry.url_key or f"entry:{entry.feed_id or 0}:{entry.guid_key}"


def _offer_to_topic(topic_id: int, offers: list[Offer], now: datetime) -> int:
    keys = {_story_key(o.entry): o for o in offers}
    scooped = set(Scoop.objects.filter(topic_id=topic_id).filter(
        Q(url_key__in=list(keys)) | Q(canonical_key__in=list(keys))
    ).values_list("url_key", "canonical_key").iterator())  # fmt: skip
    taken = {key for pair in scooped for key in pair}
    known = {s.story_key: s for s in Suggestion.objects.filter(topic_id=topic_id,
                                                               story_key__in=list(keys))}  # fmt: skip
    made = 0
    for key, offer in keys.items():
        if key in taken:
            continue
        existing = known.get(key)
        if existing is not None:
            _join(existing, offer)
            continue
        if _make(topic_id, key, offer, now):
            made += 1
    return made


def _reasons(offer: Offer) -> dict[str, object]:
    return {"sources": sorted(offer.sources), "keywords": offer.keywords}


def _join(suggestion: Suggestion, offer: Offer) -> None:
    """Another source carried a story the topic was offered: say so on it."""
    reasons = dict(suggestion.reasons or {})
    sources = set(reasons.get("sources") or []) | offer.sources
    keywords = list(reasons.get("keywords") or [])
    keywords += [k for k in offer.keywords if k not in keywords]
    if sources == set(reasons.get("sources") or []) and keywords == reasons.get("keywords"):
        return
    reasons.update(sources=sorted(sources), keywords=keywords)
    Suggestion.objects.filter(pk=suggestion.pk).update(reasons=reasons, copies=F("copies") + 1)


def _make(topic_id: int, key: str, offer: Offer, now: datetime) -> bool:
    entry = offer.entry
    when = min(entry.published_at or entry.seen_at, now)
    relevance = 1.0
    try:
        with transaction.atomic():
            Suggestion.objects.create(
                topic_id=topic_id, entry=entry, story_key=key[:2000], url=entry.url,
                title=entry.title, text=entry.text[:MAX_TEXT], published_at=entry.published_at,
                relevance=relevance, score=score(relevance, when), reasons=_reasons(offer),
                signature=entry.signature, state=SuggestionState.NEW,
            )  # fmt: skip
    except IntegrityError:  # offered at the same moment by another worker
        return False
    return True


def recent(topic_id: int, now: datetime) -> list[Suggestion]:
    """The topic's suggestions of the last RECENT_DAYS, for near-duplicate checks."""
    since = now - timedelta(days=RECENT_DAYS)
    return list(Suggestion.objects.filter(topic_id=topic_id, created_at__gte=since)
                .only("pk", "signature", "reasons", "copies")
                .order_by("-created_at")[:RECENT_LIMIT])  # fmt: skip
