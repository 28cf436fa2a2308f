"""What a network source's new posts offer: the article each one links to, as a suggestion.

A post that links to an article is offered to the source's topic, the story being the
article's normalised address (so the same article from a feed, another account or a search is
one suggestion naming them all); its reasons name the source, the keyword whose search found
it, and `via` ("@ann.bsky.social on Bluesky", "“solar” on Mastodon"). Like every item of the
workspace's sources, it is also matched against the workspace's other keyword sources. A post
without a link is offered nowhere: there is no article to scoop.
"""

from __future__ import annotations

from outlier.sources.keywords import Matcher
from outlier.sources.models import Source, SourceKind
from outlier.sources.network_entries import Stored
from outlier.sources.network_sources import network_label
from outlier.sources.suggest import Offer

__all__ = ["offers", "via"]


def via(source: Source, keywords: list[str]) -> list[str]:
    label = network_label(source.channel.network) if source.channel is not None else "a network"
    if source.kind == SourceKind.ACCOUNT:
        return [f"{source.account} on {label}"]
    return [f"“{k}” on {label}" for k in keywords]


def offers(source: Source, stored: list[Stored]) -> list[Offer]:
    linked = [s for s in stored if s.entry.url_key]
    if not linked:
        return []
    listening = [(s, Matcher(s.keywords)) for s in Source.objects.filter(
        workspace_id=source.workspace_id, kind=SourceKind.KEYWORDS, active=True
    ).exclude(pk=source.pk)]  # fmt: skip
    made: dict[tuple[int, int], Offer] = {}
    for one in linked:
        entry = one.entry
        offer = made.setdefault((source.topic_id, entry.pk), Offer(entry, source.topic_id))
        offer.sources.add(source.pk)
        offer.keywords.extend(k for k in one.keywords if k not in offer.keywords)
        offer.via.extend(v for v in via(source, one.keywords) if v not in offer.via)
        for other, matcher in listening:
            found = matcher.found(entry.title, entry.text)
            if not found:
                continue
            mine = made.setdefault((other.topic_id, entry.pk), Offer(entry, other.topic_id))
            mine.sources.add(other.pk)
            mine.keywords.extend(k for k in found if k not in mine.keywords)
    return list(made.values())
