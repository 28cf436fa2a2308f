"""Storing what a network source read: each post once per source, as an `Entry` of that
source (its GUID the post's at:// URI or ActivityPub URI).

A post that carries a link stands for the article it links to: the entry's address is the
link's (its first http(s) link, its link card's included), its title the card's title when
the card is that link's, else the post's first line; its text the post's text and the card's
description. A post without a link is stored under its own address with no `url_key`: it is
not offered (`network_offers`), but it is not read as new again either. A post found by two
keywords is one entry, found by both. Only new entries are returned.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from outlier.curation.urlkeys import url_key
from outlier.networks.base import Post
from outlier.sources import similar
from outlier.sources.entries import MAX_TEXT, guid_key
from outlier.sources.models import Entry, Source
from outlier.sources.network_reads import Found

__all__ = ["TITLE_LENGTH", "Stored", "do_store", "known", "link_of", "title_of"]

TITLE_LENGTH = 140


@dataclass
class Stored:
    """A new entry and the keywords whose searches found its post."""

    entry: Entry
    keywords: list[str] = field(default_factory=list)


def link_of(post: Post) -> str:
    """The post's first outside link a curator could scoop ("" for none)."""
    for url in post.links:
        if url.lower().startswith(("https://", "http://")) and len(url) <= 2000:
            return url
    return ""


def title_of(post: Post, link: str) -> str:
    """The card's title when the card is the link's, else the post's first line, cut at a
    word boundary."""
    card = post.card
    if card is not None and card.url == link and card.title.strip():
        return " ".join(card.title.split())[:500]
    line = next((" ".join(part.split()) for part in post.text.splitlines() if part.strip()), "")
    if len(line) > TITLE_LENGTH:
        line = line[:TITLE_LENGTH].rsplit(" ", 1)[0] + "…"
    return line or link or post.url


def _text(post: Post, link: str) -> str:
    card = post.card
    extra = card.description.strip() if card is not None and card.url == link else ""
    return "\n\n".join(part for part in (post.text.strip(), extra) if part)[:MAX_TEXT]


def _entry(source: Source, post: Post, now: datetime) -> Entry:
    link = link_of(post)
    title = title_of(post, link)
    text = _text(post, link)
    return Entry(source=source, guid_key=guid_key(post.remote_id), seen_at=now,
                 url=(link or post.url)[:2000], url_key=url_key(link)[:2000] if link else "",
                 title=title[:500], text=text, author=post.author.handle[:200],
                 published_at=post.created_at,
                 signature=similar.signature(title, text).to_bytes())  # fmt: skip


def known(source: Source, remote_ids: Iterable[str]) -> set[str]:
    """Which of these posts the source already stored."""
    keys = {guid_key(r): r for r in remote_ids}
    stored = Entry.objects.filter(source=source, guid_key__in=list(keys)).values_list(
        "guid_key", flat=True)  # fmt: skip
    return {keys[k] for k in stored}


def do_store(source: Source, found: list[Found], now: datetime) -> list[Stored]:
    """Store the posts not stored yet; the new entries, with the keywords that found them."""
    by_id: dict[str, tuple[Post, list[str]]] = {}
    for one in found:
        _, found_by = by_id.setdefault(one.post.remote_id, (one.post, []))
        if one.keyword and one.keyword not in found_by:
            found_by.append(one.keyword)
    fresh_ids = set(by_id) - known(source, by_id)
    if not fresh_ids:
        return []
    rows = [_entry(source, by_id[r][0], now) for r in by_id if r in fresh_ids]
    Entry.objects.bulk_create(rows, ignore_conflicts=True)
    # ignore_conflicts leaves no ids: read the new rows back (a row another worker stored
    # first carries its own seen_at and is not new here).
    words = {guid_key(r): by_id[r][1] for r in fresh_ids}
    return [Stored(e, words.get(e.guid_key, [])) for e in Entry.objects.filter(
        source=source, guid_key__in=list(words), seen_at=now).order_by("pk")]  # fmt: skip
