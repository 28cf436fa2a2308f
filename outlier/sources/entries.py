"""Storing what a feed gave: each item once per feed.

An item is known by its GUID (RSS guid, Atom id, JSON Feed id; the parser falls back to the
link, then to a digest of the title and summary). When a feed changes an item's GUID but not
its address (a CMS that renumbers, a feed moved to another generator) the item is found by its
normalised address and takes the new GUID, and a changed title or summary updates it: neither
makes a second entry, so nothing is suggested twice. Only new items are returned, to be offered
to the topics that follow the feed (`suggest`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from outlier.curation.urlkeys import url_key
from outlier.sources import feeds, similar
from outlier.sources.models import Entry, Feed

__all__ = ["do_store", "guid_key"]

MAX_TEXT = 20_000
MAX_SUMMARY = 50_000


def guid_key(guid: str) -> str:
    return hashlib.sha256(guid.encode("utf-8", "surrogatepass")).hexdigest()


def _fields(item: feeds.Entry) -> dict[str, object]:
    return {"url": item.url[:2000], "url_key": url_key(item.url)[:2000],
            "title": item.title[:500], "text": item.text[:MAX_TEXT],
            "summary_html": item.summary_html[:MAX_SUMMARY], "image": item.image[:2000],
            "author": item.author[:200],
            "published_at": item.published or item.updated}  # fmt: skip


def _signed(title: str, text: str) -> bytes:
    """The near-duplicate signature, only for an item that is new or says something new."""
    return similar.signature(title, text).to_bytes()


def _unique(items: Iterable[feeds.Entry]) -> dict[str, feeds.Entry]:
    """The feed's items by GUID key, the first of a GUID that appears twice."""
    found: dict[str, feeds.Entry] = {}
    for item in items:
        found.setdefault(guid_key(item.guid), item)
    return found


def do_store(feed: Feed, parsed: feeds.ParsedFeed, now: datetime) -> list[Entry]:
    """Store the feed's items once; returns the entries that are new."""
    items = _unique(parsed.entries)
    if not items:
        return []
    addresses = {url_key(item.url) for item in items.values() if item.url} - {""}
    with transaction.atomic():
        known = list(Entry.objects.filter(feed=feed).filter(
            Q(guid_key__in=list(items)) | Q(url_key__in=list(addresses))))  # fmt: skip
        by_guid = {entry.guid_key: entry for entry in known}
        by_url = {entry.url_key: entry for entry in known if entry.url_key}
        fresh: list[Entry] = []
        changed: list[Entry] = []
        for key, item in items.items():
            values = _fields(item)
            entry = by_guid.get(key) or by_url.get(str(values["url_key"]))
            if entry is None:
                fresh.append(Entry(feed=feed, guid_key=key, seen_at=now,
                                   signature=_signed(item.title, item.text), **values))  # fmt: skip
                by_url[str(values["url_key"])] = fresh[-1]  # the same address twice: once
                continue
            if entry.pk is None:
                continue
            before = (entry.guid_key, entry.title, entry.text, entry.summary_html)
            entry.guid_key = key
            for name in ("title", "text", "summary_html", "image"):
                if values[name]:
                    setattr(entry, name, values[name])
            if (entry.title, entry.text) != before[1:3]:
                entry.signature = _signed(entry.title, entry.text)
            if (entry.guid_key, entry.title, entry.text, entry.summary_html) != before:
                changed.append(entry)
        Entry.objects.bulk_create(fresh, ignore_conflicts=True)
        if changed:
            Entry.objects.bulk_update(changed, ["guid_key", "title", "text", "summary_html",
                                                "image", "signature"])  # fmt: skip
    if not fresh:
        return []
    # ignore_conflicts leaves no ids: read the new rows back (another worker may have stored
    # some of them first; those are not new here either way).
    return list(Entry.objects.filter(feed=feed, guid_key__in=[e.guid_key for e in fresh],
                                     seen_at=now))  # fmt: skip
