"""Offering new items to topics as suggestions, once per story.

A new item of a feed is offered to every topic with an active source on that feed, and to
every topic of the same workspaces whose keyword source it matches (keywords are matched over
every item of every feed the workspace follows). A topic gets a story once:

1. by address: the item's normalised URL (`curation.urlkeys.url_key`) is the suggestion's
   `story_key`, unique per topic; a story already scooped into the topic (under its URL or
   its page's canonical URL) is not suggested at all;
2. by text: an item whose signature (`similar`) matches a recent suggestion of the topic is
   the same story told by another source: it joins that suggestion (its `copies`, the
   sources and the other addresses it names grow) instead of making a second one. Only an
   item with a lead (MIN_TERMS terms) is matched by text: headlines alone are too short.

Each suggestion keeps why it is there (`reasons`: the sources, the keywords matched, the
networks' accounts and searches that found it (`via`), the terms the topic's model weighed) and a score: the topic's relevance (`ranking`) and the
story's freshness, stored time-invariantly (`score`: the log of the relevance plus the
half-lives since an epoch of the story's time), so a list sorted by score needs no rescoring
as time passes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from outlier.curation.models import Scoop
from outlier.sources import learn, similar
from outlier.sources.keywords import Matcher
from outlier.sources.models import Entry, Source, SourceKind, Suggestion, SuggestionState
from outlier.sources.ranker import Ranker

__all__ = ["Offer", "do_offer", "do_offer_all"]

RECENT_LIMIT = 5000
MIN_TERMS = similar.MIN_TERMS  # the index matches shorter items by address only
MAX_TEXT = 5000
MAX_STORY_TERMS = 2000  # a story's signature stops growing there (about 8 kB stored)


@dataclass
class Offer:
    """One item for one topic, and why."""

    entry: Entry
    topic_id: int
    sources: set[int] = field(default_factory=set)
    keywords: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)  # "@ann.bsky.social on Bluesky": networks'


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
    return do_offer_all(_offers(entries), now)


def do_offer_all(offers: Iterable[Offer], now: datetime) -> int:
    """Make the offers (built by the caller: a network source's, `network_offers`), once per
    story and topic as above; how many suggestions were made."""
    made = 0
    by_topic: dict[int, list[Offer]] = defaultdict(list)
    for offer in offers:
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
    model = learn.model_of(topic_id)
    stories: _Stories | None = None  # read on the first item that needs matching by text
    for key, offer in keys.items():
        if key in taken:
            continue
        existing = known.get(key)
        if existing is not None:
            _join(existing, offer)
            continue
        entry = offer.entry
        signature = similar.Signature.from_bytes(bytes(entry.signature))
        if len(signature.terms) >= MIN_TERMS:
            stories = stories if stories is not None else _Stories.recent(topic_id, now)
            match = stories.closest(signature, entry.published_at)
            same = Suggestion.objects.filter(pk=match.story_id).first() if match else None
            if same is not None:
                _join(same, offer, also=entry.url, signature=signature)
                stories.told(same.pk, signature, entry.published_at)
                continue
        made_one = _make(topic_id, key, offer, model, now)
        if made_one is not None:
            made += 1
            if stories is not None:
                stories.told(made_one.pk, signature, entry.published_at)
    return made


@dataclass
class _Story:
    stored: bytes  # its signature as stored, read in full only when its anchors overlap
    anchors: frozenset[int]
    latest: datetime | None
    told: similar.Signature | None = None

    @property
    def signature(self) -> similar.Signature:
        if self.told is None:
            self.told = similar.Signature.from_bytes(self.stored)
        return self.told


@dataclass
class _Stories:
    """A topic's recent suggestions as stories, to find another telling of one of them.

    A read offers a topic a few items at a time, so each is compared with every recent story
    (`similar.closest`), reading only the anchors of most: building a `similar.StoryIndex` of
    them (its postings) cost ten times as much, for every read."""

    stories: dict[int, _Story]

    @classmethod
    def recent(cls, topic_id: int, now: datetime) -> _Stories:
        """The topic's newest `RECENT_LIMIT` suggestions within the window."""
        rows = (Suggestion.objects.filter(topic_id=topic_id, created_at__gte=now - similar.WINDOW)
                .annotate(latest=Coalesce("published_at", "created_at")).order_by("-pk")
                .values_list("pk", "signature", "latest")[:RECENT_LIMIT])  # fmt: skip
        stories = {}
        for pk, signature, latest in rows:
            stored = bytes(signature)
            stories[pk] = _Story(stored, similar.Signature.anchors_in(stored), latest)
        return cls(stories)

    def closest(self, signature: similar.Signature,
                published: datetime | None) -> similar.Match | None:  # fmt: skip
        return similar.closest(signature, self._candidates(signature, published))

    def _candidates(self, signature: similar.Signature,
                    published: datetime | None) -> Iterator[tuple[int, similar.Signature]]:  # fmt: skip
        for pk, story in self.stories.items():
            if signature.anchors.isdisjoint(story.anchors):
                continue
            latest = story.latest
            if published is None or latest is None or abs(published - latest) <= similar.WINDOW:
                yield pk, story.signature

    def told(self, pk: int, signature: similar.Signature, published: datetime | None) -> None:
        """An item told story `pk` (a new one, or one it joined): match later items against
        everything the story's items said."""
        story = self.stories.get(pk)
        if story is None:
            self.stories[pk] = _Story(b"", signature.anchors, published, signature)
            return
        told = story.signature.union(signature)
        if len(told.terms) <= MAX_STORY_TERMS:
            story.told, story.anchors = told, told.anchors
        if published is not None:
            story.latest = published if story.latest is None else max(story.latest, published)


def _reasons(offer: Offer) -> dict[str, object]:
    found: dict[str, object] = {"sources": sorted(offer.sources), "keywords": offer.keywords}
    if offer.via:
        found["via"] = offer.via
    return found


def _join(suggestion: Suggestion, offer: Offer, also: str = "",
          signature: similar.Signature | None = None) -> None:  # fmt: skip
    """Another source carried a story the topic was offered (under the same address, or
    `also` another one telling the same story, whose `signature` the story's then takes in,
    so that a later telling need only share facts with one of its copies): say so on it."""
    reasons = dict(suggestion.reasons or {})
    sources = set(reasons.get("sources") or []) | offer.sources
    keywords = list(reasons.get("keywords") or [])
    keywords += [k for k in offer.keywords if k not in keywords]
    others = list(reasons.get("also") or [])
    if also and also not in others and also != suggestion.url:
        others.append(also)
    via = list(reasons.get("via") or [])
    via += [v for v in offer.via if v not in via]
    if (sources == set(reasons.get("sources") or []) and keywords == reasons.get("keywords")
            and others == list(reasons.get("also") or [])
            and via == list(reasons.get("via") or [])):  # fmt: skip
        return
    reasons.update(sources=sorted(sources), keywords=keywords, also=others[:20])
    if via:
        reasons["via"] = via[:20]
    fields: dict[str, object] = {"reasons": reasons, "copies": F("copies") + 1}
    if signature is not None:
        told = similar.Signature.from_bytes(bytes(suggestion.signature)).union(signature)
        if len(told.terms) <= MAX_STORY_TERMS:
            fields["signature"] = told.to_bytes()
    Suggestion.objects.filter(pk=suggestion.pk).update(**fields)


def _make(topic_id: int, key: str, offer: Offer, model: Ranker,
          now: datetime) -> Suggestion | None:  # fmt: skip
    entry = offer.entry
    when = min(entry.published_at or entry.seen_at, now)
    relevance, terms = learn.relevance(model, entry.title, entry.text)
    try:
        with transaction.atomic():
            return Suggestion.objects.create(
                topic_id=topic_id, entry=entry, story_key=key[:2000], url=entry.url,
                title=entry.title, text=entry.text[:MAX_TEXT], published_at=entry.published_at,
                relevance=relevance, score=learn.score(relevance, when),
                reasons={**_reasons(offer), "terms": terms},
                signature=entry.signature, state=SuggestionState.NEW,
            )  # fmt: skip
    except IntegrityError:  # offered at the same moment by another worker
        return None
