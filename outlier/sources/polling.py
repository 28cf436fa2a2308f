"""Polling feeds: each `Feed` is a row with a state (DESIGN.md) that says when it is read next.

A worker leases due feeds (`core.leases`: row locks, SKIP LOCKED; a lease older than
LEASE_SECONDS belongs to a dead worker), reads each through the safe client and frees it with
what happened and when to read it again:

- a conditional GET: the ETag and Last-Modified of the last answer go back as If-None-Match
  and If-Modified-Since, so an unchanged feed costs a 304 and no parsing;
- the interval follows the feed: halved when a read brought new items, a quarter longer when
  it brought none, between `settings.FEED_MIN_SECONDS` and `settings.FEED_MAX_SECONDS`; a feed
  pushed by its WebSub hub is still read, at the longest interval, in case the hub fails;
- errors back off: the interval doubles with each failure in a row, up to
  `settings.FEED_ERROR_MAX_SECONDS`; a 429 or 503 with Retry-After waits what it says (at most
  that maximum); 410 Gone stops the polling;
- every failure is kept on the feed as a sentence (the fetch's, the parser's, the status's),
  with the time of the check, of the last new item and of the next check.

The body is capped at `settings.FEED_MAX_BYTES` (decompressed, so a gzip bomb is never
inflated) and the whole read at FEED_DEADLINE seconds (a feed that never ends is cut off);
the parser (`feeds`) refuses entity declarations.

`run_due` is a worker job (settings.WORKER_DUE_JOBS).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from outlier.core import leases, safe_http
from outlier.core.write_lock import atomic_write
from outlier.sources import entries, feeds, suggest, websub
from outlier.sources.models import Feed, PushState, Source

__all__ = ["Read", "claim", "next_interval", "poll", "read", "record", "retry_after", "run_due",
           "store"]  # fmt: skip

logger = logging.getLogger(__name__)

LEASE_SECONDS = 300
BATCH = 10  # feeds leased at a time by one worker (the worker passes its batch)
FEED_DEADLINE = 30.0
ACCEPT = ("application/atom+xml, application/rss+xml, application/feed+json, "
          "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, "
          "application/json;q=0.7, */*;q=0.1")  # fmt: skip
GONE = 410
WAIT_STATUSES = (429, 503)


@dataclass(frozen=True)
class Read:
    """What one read of a feed gave: a parsed feed, "not modified", or an error to keep."""

    parsed: feeds.ParsedFeed | None = None
    not_modified: bool = False
    error: str = ""
    retry_after: float | None = None  # seconds, from a 429 or 503
    gone: bool = False
    etag: str = ""
    last_modified: str = ""
    url: str = ""  # where the feed was read, after redirects


def claim(worker_id: str, limit: int, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    followed = Source.objects.filter(active=True, feed__isnull=False).values("feed_id")
    due = Feed.objects.filter(next_at__lte=now, pk__in=followed)
    return leases.claim(due, worker_id, limit, LEASE_SECONDS, now)


def run_due(worker_id: str, limit: int = BATCH) -> int:
    """Read up to `limit` due feeds, those this worker could lease; returns how many it read."""
    ids = claim(worker_id, limit)
    unchanged: list[tuple[Feed, Read]] = []
    for feed in Feed.objects.filter(pk__in=ids, claimed_by=worker_id):
        got = read(feed)
        if got.not_modified:  # most reads: recorded together, one write for the batch
            unchanged.append((feed, got))
        else:
            record(feed, got, timezone.now())
    if unchanged:
        now = timezone.now()
        with atomic_write():
            for feed, got in unchanged:
                record(feed, got, now)
    return len(ids)


def read(feed: Feed) -> Read:
    """Fetch the feed (conditionally) and parse it; never raises for what the server does."""
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    try:
        response = safe_http.fetch(feed.url, headers=headers, accept=ACCEPT,
                                   max_bytes=settings.FEED_MAX_BYTES, deadline=FEED_DEADLINE)  # fmt: skip
    except safe_http.FetchError as exc:
        return Read(error=f"{exc}.")
    etag = response.headers.get("ETag", "")[:500]
    modified = response.headers.get("Last-Modified", "")[:100]
    if response.status == 304:
        return Read(not_modified=True, etag=etag or feed.etag,
                    last_modified=modified or feed.last_modified, url=response.url)  # fmt: skip
    if response.status == GONE:
        return Read(gone=True, error="The feed is gone (HTTP 410): it is no longer read.")
    if response.status in WAIT_STATUSES:
        return Read(error=f"The server asked to wait (HTTP {response.status}).",
                    retry_after=retry_after(response.headers.get("Retry-After", "")))  # fmt: skip
    if not response.ok:
        return Read(error=f"The server answered HTTP {response.status}.")
    try:
        parsed = feeds.parse(response.body, response.url, response.content_type)
    except feeds.FeedError as exc:
        return Read(error=str(exc))
    parsed = websub.with_header_links(parsed, response.headers.get("Link", ""), response.url)
    return Read(parsed=parsed, etag=etag, last_modified=modified, url=response.url)


def retry_after(value: str, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date)."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or timezone.now())).total_seconds())


def next_interval(current: int, new: int, pushed: bool) -> int:
    """The feed's next interval after a successful read that found `new` items."""
    low, high = settings.FEED_MIN_SECONDS, settings.FEED_MAX_SECONDS
    if pushed:
        return high
    wanted = current // 2 if new else current * 5 // 4
    return max(low, min(high, wanted))


def backoff(errors: int, retry_after: float | None) -> float:
    """Seconds to wait after a failure (of a feed or a network source), `errors` failures in a
    row before it: what the server asked, else doubling with each failure, with a little
    jitter so that sources of one host spread out."""
    ceiling = settings.FEED_ERROR_MAX_SECONDS
    if retry_after is not None:
        return float(min(max(retry_after, 1.0), ceiling))
    doubled = settings.FEED_MIN_SECONDS * 2 ** min(errors, 16)
    return min(doubled, ceiling) * random.uniform(1.0, 1.1)  # noqa: S311


def poll(feed: Feed, now: datetime | None = None) -> int:
    """Read the feed, store what is new, reschedule it. Returns how many items were new."""
    return record(feed, read(feed), now or timezone.now())


def store(feed: Feed, parsed: feeds.ParsedFeed, now: datetime) -> int:
    """Store the items of a read, or of what the feed's hub pushed (`websub`), and offer the
    new ones to the topics, in one transaction (an item is never seen without its
    suggestions; on SQLite after the write lock, `core.write_lock`); returns how many were
    new."""
    with atomic_write():
        stored = entries.do_store(feed, parsed, now)
        suggest.do_offer(stored, now)
    return len(stored)


def record(feed: Feed, got: Read, now: datetime, subscribe: bool = True) -> int:
    """Store what a read gave (new items are offered to the topics) and reschedule the feed
    by it; returns how many items were new. A feed that names a WebSub hub is then subscribed
    to it when that is due (`websub.after_read`); with `subscribe` False (a read in a person's
    request) that is left to the worker's sweep, which subscribes a feed that names a hub."""
    fields: dict[str, object] = {"claimed_by": "", "checked_at": now}
    new = 0
    if got.parsed is not None or got.not_modified:
        if got.parsed is not None:
            new = store(feed, got.parsed, now)
            fields.update(parsed=F("parsed") + 1, **_described(feed, got.parsed))
        else:
            fields["not_modified"] = F("not_modified") + 1
        interval = next_interval(feed.interval_seconds, new, feed.push_state == PushState.ACTIVE)
        fields.update(ok_at=now, error="", errors=0, interval_seconds=interval,
                      next_at=now + timedelta(seconds=interval), etag=got.etag,
                      last_modified=got.last_modified)  # fmt: skip
        if new:
            fields["new_at"] = now
    else:
        logger.info("Reading the feed %s failed: %s", feed.url, got.error)
        fields.update(error=got.error[:1000], errors=F("errors") + 1,
                      next_at=now + timedelta(seconds=backoff(feed.errors, got.retry_after)))  # fmt: skip
        if got.gone:
            fields["next_at"] = now + timedelta(days=36500)
    with atomic_write():
        Feed.objects.filter(pk=feed.pk).update(**fields)
    if got.parsed is not None and subscribe:
        websub.after_read(feed, got.parsed, now)
    return new


def _described(feed: Feed, parsed: feeds.ParsedFeed) -> dict[str, object]:
    """What the feed says about itself, kept for its sources' names and its hub."""
    return {"kind": parsed.kind, "title": (parsed.title or feed.title)[:300],
            "site_url": (parsed.site_url or feed.site_url)[:2000],
            "hub_url": (parsed.hub_url or "")[:2000],
            "self_url": (parsed.self_url or "")[:2000]}  # fmt: skip
