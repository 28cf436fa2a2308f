"""Reading each channel's new interactions into the inbox, on its own interval.

Every channel whose network can list interactions has one InboxPull row saying when it is read
next (every `settings.INBOX_PULL_SECONDS`, 60 by default, apart from the hourly metrics of
`outlier.analytics.pulls`). A worker leases due rows (`claim`, row locks with SKIP LOCKED),
reads up to INTERACTION_PAGES pages from the cursor, stores them once per network id, and
frees the row with the new cursor and the next time. A lease older than LEASE_SECONDS belongs
to a dead worker and is taken over; nothing is lost, since items are stored once per id.

Networks whose interactions are pushed into Outlier's own database (capability "pushed": a
topic's fediverse channel, whose replies and likes arrive at its ActivityPub inbox) are read
on every worker loop instead (`run_pushed`, at most every PUSHED_EVERY_SECONDS per process):
a local query that writes nothing when nothing arrived, so a reply from the fediverse is in
the inbox within a second or two.

`run_due` and `run_pushed` are worker jobs (settings.WORKER_DUE_JOBS), `schedule` a sweep.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import cast

from django.conf import settings
from django.utils import timezone

from outlier.core import leases
from outlier.inbox.ingest import do_record_interactions
from outlier.inbox.models import InboxPull
from outlier.networks import registry
from outlier.networks.base import Listening, PublishError
from outlier.publishing import content
from outlier.publishing.models import Channel
from outlier.publishing.reads import read_channel

logger = logging.getLogger(__name__)

LEASE_SECONDS = 600
INTERACTION_PAGES = 10
RETRY_SECONDS = 300
PUSHED_EVERY_SECONDS = 1.0
_last_pushed = [0.0]


def _networks(pushed: bool) -> list[str]:
    return [name for name, adapter in registry.ADAPTERS.items()
            if "interactions" in adapter.capabilities
            and ("pushed" in adapter.capabilities) == pushed]  # fmt: skip


def schedule(now: datetime | None = None) -> int:
    """Give every channel that lists interactions a pull row, due now. Idempotent."""
    now = now or timezone.now()
    missing = Channel.objects.filter(
        network__in=_networks(False) + _networks(True), inbox_pull__isnull=True
    )
    rows = [InboxPull(channel_id=pk, next_at=now) for pk in missing.values_list("pk", flat=True)]
    InboxPull.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def claim(worker_id: str, limit: int, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    due = InboxPull.objects.filter(next_at__lte=now, channel__network__in=_networks(False))
    return leases.claim(due, worker_id, limit, LEASE_SECONDS, now)


def run_due(worker_id: str, limit: int = 10) -> int:
    """Pull every due channel this worker could lease; returns how many it pulled."""
    ids = claim(worker_id, max(1, limit // 5))
    leased = InboxPull.objects.filter(pk__in=ids, claimed_by=worker_id).select_related("channel")
    for pull in leased:
        pull_channel(pull)
    return len(ids)


def pull_channel(pull: InboxPull) -> int:
    """Read the channel's new interactions from its cursor; reschedule. Returns how many new."""
    channel = pull.channel
    fields, read = read_channel(
        channel, "the inbox of", lambda adapter: _read(channel, adapter, pull.cursor),
        timezone.now(), settings.INBOX_PULL_SECONDS, RETRY_SECONDS,
    )  # fmt: skip
    new = 0
    if read is not None:
        fields["cursor"], new = read
    InboxPull.objects.filter(pk=pull.pk).update(**fields)
    return new


def _read(channel: Channel, adapter: Listening, cursor: str) -> tuple[str, int]:
    new = 0
    for _ in range(INTERACTION_PAGES):
        page = adapter.interactions(cursor)
        new += do_record_interactions(channel, page.items)
        if not page.items or page.cursor == cursor:
            return page.cursor or cursor, new
        cursor = page.cursor
    return cursor, new


def run_pushed(worker_id: str, limit: int = 10) -> int:
    """Read the channels whose interactions are pushed to Outlier (a local query each), at most
    every PUSHED_EVERY_SECONDS in this process; writes only when something new arrived."""
    clock = time.monotonic()
    if clock - _last_pushed[0] < PUSHED_EVERY_SECONDS:
        return 0
    _last_pushed[0] = clock
    new = 0
    pulls = InboxPull.objects.filter(channel__network__in=_networks(True)).select_related("channel")
    for pull in pulls:
        channel = pull.channel
        try:
            cursor, found = _read(channel, cast(Listening, content.adapter_for(channel)),
                                  pull.cursor)  # fmt: skip
        except PublishError as exc:
            if pull.last_error != str(exc)[:1000]:
                InboxPull.objects.filter(pk=pull.pk).update(last_error=str(exc)[:1000])
            continue
        if found or cursor != pull.cursor or pull.last_error:
            InboxPull.objects.filter(pk=pull.pk).update(
                cursor=cursor, last_ok_at=timezone.now(), last_error=""
            )
        new += found
    return new


def read_now(channel: Channel) -> int:
    """Read a channel's new interactions at once (the inbox's "check now"); returns how many
    were new. Another worker reading it at the same time stores nothing twice."""
    pull, _ = InboxPull.objects.get_or_create(channel=channel, defaults={"next_at": timezone.now()})
    pull.channel = channel
    return pull_channel(pull)
