"""Polling network sources: an account's own posts, or keywords searched on a network, each
a `Source` row with a state (DESIGN.md) read through its channel, like feeds (`polling`).

A worker leases due sources (`core.leases`: row locks, SKIP LOCKED; a lease older than
LEASE_SECONDS belongs to a dead worker) and reads each through `publishing.reads.read_channel`
(a channel that needs reconnecting is not read; refused credentials mark it so; whatever the
adapter renewed is saved). Then, in one transaction, the new posts are stored once as entries
of the source (`network_entries`) and those that link to an article are offered
(`network_offers`); the row is freed with what happened:

- `checked_at` the check, `new_at` the last time a post was new, `error` why it failed (or
  which keywords the network refused), `next_at` the next check;
- the interval follows the source as a feed's does (`polling.next_interval`: halved when
  posts were new, a quarter longer when none were, between settings.FEED_MIN_SECONDS and
  settings.FEED_MAX_SECONDS);
- a failure backs off: the wait doubles with each failure in a row, up to
  settings.FEED_ERROR_MAX_SECONDS; a rate limit with Retry-After waits what it says.

A source whose channel was removed, or belongs to another workspace, keeps saying so and
is read no more than the backoff allows. `run_due` is a worker job (settings.WORKER_DUE_JOBS).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from outlier.core import leases
from outlier.networks.base import ErrorKind, PublishError
from outlier.publishing.reads import read_channel
from outlier.sources import network_entries, network_offers, network_reads, polling, suggest
from outlier.sources.models import Source, SourceKind

__all__ = ["BATCH", "LEASE_SECONDS", "claim", "due", "poll", "run_due"]

logger = logging.getLogger(__name__)

LEASE_SECONDS = 600
BATCH = 4  # sources leased at a time by one worker


def due(now: datetime) -> QuerySet[Source]:
    return Source.objects.filter(active=True, next_at__lte=now).filter(
        Q(kind=SourceKind.ACCOUNT) | Q(kind=SourceKind.KEYWORDS, channel__isnull=False))  # fmt: skip


def claim(worker_id: str, limit: int, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return leases.claim(due(now), worker_id, limit, LEASE_SECONDS, now)


def run_due(worker_id: str, limit: int = BATCH) -> int:
    """Read up to `limit` due network sources (at most BATCH: each read is a few calls to a
    network, so a worker leases few at a time), those it could lease; returns how many it read."""
    ids = claim(worker_id, min(limit, BATCH))
    for source in Source.objects.filter(pk__in=ids, claimed_by=worker_id).select_related(
        "channel"
    ):  # fmt: skip
        poll(source)
    return len(ids)


def _unusable(source: Source) -> str:
    channel = source.channel
    if channel is None:
        return ("The channel that read this source was removed: remove the source and add it "
                "again with another channel.")  # fmt: skip
    if channel.workspace_id != source.workspace_id:
        return "The source's channel belongs to another workspace: it is not read."
    return ""


def _backoff(source: Source, failure: PublishError | None) -> float:
    """Seconds to wait after a failure: what a rate limit asked, else as for feeds."""
    asked = None
    if failure is not None and failure.kind == ErrorKind.RATE_LIMITED:
        asked = failure.retry_after or None
    return polling.backoff(source.errors, asked)


def poll(source: Source, now: datetime | None = None) -> int:
    """Read the source, store and offer what is new, reschedule it; how many posts were new."""
    now = now or timezone.now()
    problem = _unusable(source)
    if problem:
        return _record(source, now, None, problem, None)
    failures: list[PublishError] = []

    def run(adapter: Any) -> network_reads.Read:
        try:
            return network_reads.read(
                source, adapter, lambda ids: network_entries.known(source, ids)
            )
        except PublishError as exc:
            failures.append(exc)
            raise

    assert source.channel is not None
    fields, got = read_channel(source.channel, "the source", run, now,
                               source.interval_seconds, source.interval_seconds)  # fmt: skip
    return _record(source, now, got, str(fields.get("last_error") or ""),
                   failures[0] if failures else None)  # fmt: skip


def _record(source: Source, now: datetime, got: network_reads.Read | None, error: str,
            failure: PublishError | None) -> int:  # fmt: skip
    fields: dict[str, object] = {"claimed_by": "", "checked_at": now}
    new = 0
    if got is not None:
        with transaction.atomic():
            stored = network_entries.do_store(source, got.found, now)
            suggest.do_offer_all(network_offers.offers(source, stored), now)
        new = len(stored)
        error = " ".join(got.problems)
    if got is not None and (got.queries or not got.problems):
        interval = polling.next_interval(source.interval_seconds, new, False)
        fields.update(error=error[:1000], errors=0, interval_seconds=interval,
                      next_at=now + timedelta(seconds=interval))  # fmt: skip
    else:
        logger.info("Reading the source %s failed: %s", source.pk, error)
        fields.update(error=(error or "The read failed.")[:1000], errors=F("errors") + 1,
                      next_at=now + timedelta(seconds=_backoff(source, failure)))  # fmt: skip
    if new:
        fields["new_at"] = now
    Source.objects.filter(pk=source.pk).update(**fields)
    return new
