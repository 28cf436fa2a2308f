"""Reading back from the networks: engagement per published post and follower counts. One
ChannelPull row per channel says when it is due. (The interactions that feed the inbox are
read on their own, more frequent interval: `outlier.inbox.pulls`.)

`run_due` is a worker job (settings.WORKER_DUE_JOBS), `schedule_pulls` a sweep.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from outlier.analytics.models import ChannelPull, EngagementSnapshot, FollowerSnapshot
from outlier.inbox.models import Interaction
from outlier.networks import registry
from outlier.networks.base import ErrorKind, Listening, PublishError
from outlier.publishing.models import Channel, Delivery, DeliveryState
from outlier.publishing.reads import read_channel

logger = logging.getLogger(__name__)

LISTENING = {"engagement", "followers"}
LEASE_SECONDS = 600  # a pull never takes longer; an older lease belongs to a dead worker
ENGAGEMENT_BATCH = 25  # ids per engagement call (Bluesky's getPosts takes 25)
RETRY_SECONDS = 300


def listening_networks() -> list[str]:
    return [name for name, adapter in registry.ADAPTERS.items()
            if LISTENING & adapter.capabilities]  # fmt: skip


def schedule_pulls(now: datetime | None = None) -> int:
    """Give every channel that can be read back a pull row, due now. Idempotent."""
    now = now or timezone.now()
    missing = Channel.objects.filter(network__in=listening_networks(), pull__isnull=True)
    rows = [ChannelPull(channel_id=pk, next_at=now) for pk in missing.values_list("pk", flat=True)]
    ChannelPull.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def claim(worker_id: str, limit: int, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    if not ChannelPull.objects.filter(next_at__lte=now).exists():
        return []
    with transaction.atomic():
        due = (
            ChannelPull.objects.select_for_update(skip_locked=True)
            .filter(next_at__lte=now)
            .filter(Q(claimed_by="") | Q(claimed_at__lt=now - timedelta(seconds=LEASE_SECONDS)))
            .order_by("next_at")
            .values_list("pk", flat=True)[:limit]
        )
        ids = list(due)
        ChannelPull.objects.filter(pk__in=ids).update(claimed_by=worker_id, claimed_at=now)
    return ids


def run_due(worker_id: str, limit: int = 10) -> int:
    """Pull every due channel this worker could lease; returns how many it pulled."""
    ids = claim(worker_id, max(1, limit // 5))
    for pull in ChannelPull.objects.filter(pk__in=ids, claimed_by=worker_id).select_related(
        "channel"
    ):
        pull_channel(pull)
    return len(ids)


def pull_channel(pull: ChannelPull) -> None:
    """Read the channel's followers and its posts' engagement; reschedule."""
    channel = pull.channel
    now = timezone.now()
    fields, problems = read_channel(
        channel, "the metrics of", lambda adapter: _pull(channel, adapter, now), now,
        settings.METRICS_PULL_SECONDS, RETRY_SECONDS,
    )  # fmt: skip
    if problems:
        fields["last_error"] = problems[:1000]
    ChannelPull.objects.filter(pk=pull.pk).update(**fields)


def _pull(channel: Channel, adapter: Listening, now: datetime) -> str:
    """Each capability on its own: a network that cannot give one (a Bluesky PDS without an
    AppView has no follower count) still gives the others. Refused credentials or a rate
    limit stop the pull (PublishError); other refusals are returned as the problems."""
    can = adapter.capabilities
    problems: list[str] = []
    failed: set[str] = set()
    steps = [("engagement", lambda: _engagement(channel, adapter, now)),
             ("followers", lambda: _followers(channel, adapter, now))]  # fmt: skip
    for name, step in steps:
        if name not in can:
            continue
        try:
            step()
        except PublishError as exc:
            if exc.kind in (ErrorKind.AUTH, ErrorKind.RATE_LIMITED):
                raise
            problems.append(f"{name}: {exc}")
            failed.add(name)
            continue
    if "engagement" in failed and "interactions" in can:
        # No counts from the network (a Bluesky PDS without an AppView): count what the
        # interactions the inbox read (the repository's event stream) say about each post.
        _engagement_from_interactions(channel, now)
        problems[0] += " Counted from the interactions read instead."
    return "; ".join(problems)


def _engagement_from_interactions(channel: Channel, now: datetime) -> None:
    since = now - timedelta(days=settings.ENGAGEMENT_DAYS)
    kinds = {"like": "likes", "repost": "reposts", "reply": "replies", "quote": "quotes"}
    rows = (
        Interaction.objects.filter(
            channel=channel, delivery__sent_at__gte=since, kind__in=list(kinds)
        )  # fmt: skip
        .values_list("delivery_id", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for delivery_id, kind, n in rows:
        counts.setdefault(delivery_id, {})[kinds[kind]] = n
    sent = Delivery.objects.filter(channel=channel, state=DeliveryState.SENT, sent_at__gte=since)
    EngagementSnapshot.objects.bulk_create(
        EngagementSnapshot(delivery_id=pk, taken_at=now, **counts.get(pk, {}))
        for pk in sent.values_list("pk", flat=True)
    )


def _engagement(channel: Channel, adapter: Listening, now: datetime) -> None:
    since = now - timedelta(days=settings.ENGAGEMENT_DAYS)
    sent = dict(
        Delivery.objects.filter(channel=channel, state=DeliveryState.SENT, sent_at__gte=since)
        .exclude(remote_id="")
        .values_list("remote_id", "pk")
    )
    ids = list(sent)
    for start in range(0, len(ids), ENGAGEMENT_BATCH):
        counts = adapter.engagement(ids[start : start + ENGAGEMENT_BATCH])
        EngagementSnapshot.objects.bulk_create(
            EngagementSnapshot(
                delivery_id=sent[remote_id],
                taken_at=now,
                likes=c.likes,
                reposts=c.reposts,
                replies=c.replies,
                quotes=c.quotes,
                impressions=c.impressions,
            )  # fmt: skip
            for remote_id, c in counts.items()
            if remote_id in sent
        )


def _followers(channel: Channel, adapter: Listening, now: datetime) -> None:
    FollowerSnapshot.objects.create(channel=channel, taken_at=now,
                                    followers=adapter.follower_count())  # fmt: skip
