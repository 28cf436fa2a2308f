"""Taking a sent post down from its network: claim, record "deleting", call, record the outcome.

The same order of writes as the delivery engine (`dispatch.py`):

1. An editor asks (`actions.do_delete_from_network`): the delivery goes from ``sent`` to
   ``deleting``, due at once. Nothing is called from the web request.
2. A worker (`run_due`, a job of settings.WORKER_DUE_JOBS) takes one due deletion in a short
   transaction (row lock with SKIP LOCKED on PostgreSQL; SQLite's single writer does the same):
   its worker id and the time, the attempt counted and an event are committed *before* the
   network is called.
3. It calls ``adapter.delete(remote_id)`` once.
4. It records the outcome: ``deleted`` with the time; still ``deleting``, due again later,
   after a transient error (exponential backoff with jitter) or a rate limit (the network's
   wait, not counted as an attempt); back to ``sent`` with the reason in ``delete_error`` when
   the network refuses (a permanent error, revoked credentials, which also mark the channel
   "needs reconnecting", or too many failed attempts). The person who asked is told.

Deleting is idempotent where publishing is not: every adapter treats a post that is already
gone as deleted. So a worker that dies during the call needs no "unconfirmed" state: the row
stays ``deleting``, claimed by a worker that no longer beats (or for longer than any call
takes), and another worker simply calls again; at worst the network answers that the post is
gone, which counts as deleted.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import cast

from django.db.models import Q, QuerySet
from django.utils import timezone

from outlier.core.write_lock import atomic_write
from outlier.networks.base import Adapter, ErrorKind, Listening, PublishError
from outlier.publishing import actions, content, dispatch
from outlier.publishing.dispatch import Outcome
from outlier.publishing.models import (
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryEvent,
    DeliveryState,
    WorkerHeartbeat,
)
from outlier.publishing.notifications import notify_about

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = dispatch.MAX_ATTEMPTS
# A claim older than this is taken over even if its worker still beats: no call lasts so long.
STALE_SECONDS = dispatch.SENDING_STALE_SECONDS


def _event(delivery_id: int, state: str, message: str) -> None:
    DeliveryEvent.objects.create(delivery_id=delivery_id, state=state, message=message[:1000])


def _due(now: datetime) -> QuerySet[Delivery]:
    return Delivery.objects.filter(state=DeliveryState.DELETING, next_attempt_at__lte=now)


def claim(worker_id: str, now: datetime | None = None) -> int | None:
    """Take the next due deletion for this worker and commit that it is being deleted.

    A row claimed by a worker that stopped beating, or claimed longer ago than any call
    takes, is taken over. Channels that need reconnecting, or are rate-limited, wait.
    """
    now = now or timezone.now()
    if not _due(now).exists():  # a cheap look first: an idle worker takes no write lock
        return None
    alive = WorkerHeartbeat.objects.filter(
        seen_at__gte=now - timedelta(seconds=dispatch.HEARTBEAT_STALE_SECONDS)
    ).values("worker_id")
    with atomic_write():
        found = (
            _due(now)
            .select_for_update(skip_locked=True, of=("self",))
            .filter(
                Q(claimed_by="")
                | Q(claimed_at__lt=now - timedelta(seconds=STALE_SECONDS))
                | ~Q(claimed_by__in=alive)
            )
            .filter(
                Q(channel__status=ChannelStatus.OK)
                | Q(
                    channel__status=ChannelStatus.RATE_LIMITED, channel__rate_limited_until__lte=now
                )
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "delete_attempts", "claimed_by")
            .first()
        )
        if found is None:
            return None
        pk, attempts, before = found
        Delivery.objects.filter(pk=pk).update(
            claimed_by=worker_id, claimed_at=now, delete_attempts=attempts + 1, updated_at=now
        )
        taken = f"; worker {before} stopped during its attempt" if before else ""
        _event(pk, DeliveryState.DELETING,
               f"Deleting (worker {worker_id}, attempt {attempts + 1}{taken}).")  # fmt: skip
    return int(pk)


def delete(delivery_id: int, worker_id: str) -> Outcome:
    """Delete a claimed delivery's post from its network, and record what happened."""
    delivery = (
        Delivery.objects.select_related("channel", "post", "post__workspace", "delete_requested_by")
        .filter(pk=delivery_id, state=DeliveryState.DELETING, claimed_by=worker_id)
        .first()
    )
    if delivery is None:  # taken over, or changed meanwhile
        return Outcome("skipped")
    channel = delivery.channel
    label = actions.network_label(channel.network)
    adapter: Adapter | None = None
    try:
        adapter = content.adapter_for(channel)
        if "delete" not in adapter.capabilities:
            raise PublishError(f"{label} channels cannot delete what they sent.",
                               ErrorKind.PERMANENT)  # fmt: skip
        cast(Listening, adapter).delete(delivery.remote_id)
    except PublishError as exc:
        _keep_changes(channel, adapter)
        return _record_failure(delivery, worker_id, label, exc)
    except Exception as exc:  # a bug on our side, or mid-call: calling again is safe
        logger.exception("Deleting delivery %s raised", delivery_id)
        error = PublishError(str(exc) or type(exc).__name__, ErrorKind.TRANSIENT)
        return _record_failure(delivery, worker_id, label, error)
    _keep_changes(channel, adapter)
    now = timezone.now()
    with atomic_write():
        done = Delivery.objects.filter(
            pk=delivery.pk, state=DeliveryState.DELETING, claimed_by=worker_id
        ).update(state=DeliveryState.DELETED, deleted_at=now, delete_error="", claimed_by="",
                 updated_at=now)  # fmt: skip
        if done:
            _event(delivery.pk, DeliveryState.DELETED, f"Deleted from {label}.")
    return Outcome(DeliveryState.DELETED if done else "skipped")


def _keep_changes(channel: Channel, adapter: Adapter | None) -> None:
    if adapter is not None:
        try:
            content.save_changes(channel, adapter)
        except Exception:  # a renewed session not kept is logged, never a lost outcome
            logger.exception("Keeping channel %s's renewed settings failed", channel.pk)


def _record_failure(delivery: Delivery, worker_id: str, label: str, error: PublishError) -> Outcome:
    now = timezone.now()
    message = str(error)[:1000]
    attempts = delivery.delete_attempts
    mine = Delivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.DELETING, claimed_by=worker_id
    )
    with atomic_write():
        if error.kind == ErrorKind.RATE_LIMITED:
            wait = min(error.retry_after or 60.0, dispatch.RATE_LIMIT_CAP_SECONDS)
            until = now + timedelta(seconds=wait)
            if mine.update(next_attempt_at=until, claimed_by="", delete_error=message,
                           delete_attempts=max(0, attempts - 1), updated_at=now):  # fmt: skip
                Channel.objects.filter(pk=delivery.channel_id).update(
                    status=ChannelStatus.RATE_LIMITED, rate_limited_until=until,
                    status_detail=message[:500],
                )  # fmt: skip
                _event(delivery.pk, DeliveryState.DELETING,
                       f"Rate-limited; waiting until {until:%H:%M:%S} UTC.")  # fmt: skip
            return Outcome(DeliveryState.DELETING, message)
        if error.kind == ErrorKind.TRANSIENT and attempts < MAX_ATTEMPTS:
            later = now + timedelta(seconds=dispatch.backoff(attempts))
            if mine.update(next_attempt_at=later, claimed_by="", delete_error=message,
                           updated_at=now):  # fmt: skip
                _event(delivery.pk, DeliveryState.DELETING,
                       f"Attempt {attempts} failed, will retry: {message}")  # fmt: skip
            return Outcome(DeliveryState.DELETING, message)
        # Refused: the post stays up, and says why.
        if error.kind == ErrorKind.TRANSIENT:
            reason = f"Gave up after {attempts} attempts: {message}"
        elif error.kind == ErrorKind.AUTH:
            reason = f"{message} Reconnect the channel, then delete it again."
        else:
            reason = message
        reason = reason[:1000]
        if mine.update(state=DeliveryState.SENT, claimed_by="", delete_error=reason,
                       updated_at=now):  # fmt: skip
            _event(delivery.pk, DeliveryState.SENT, f"Not deleted from {label}: {reason}")
            if error.kind == ErrorKind.AUTH:
                actions.do_mark_needs_reconnect(delivery.channel_id, message)
            notify_about(delivery.post, delivery.delete_requested_by,
                         f"“{delivery.post}” could not be deleted from {delivery.channel.name}: "
                         f"{reason}")  # fmt: skip
    return Outcome(DeliveryState.SENT, reason)


def run_due(worker_id: str, limit: int = 10) -> int:
    """One pass (a worker job): take due deletions one by one and carry them out."""
    dispatch.heartbeat(worker_id, force=False)
    done = 0
    while done < limit:
        delivery_id = claim(worker_id)
        if delivery_id is None:
            break
        delete(delivery_id, worker_id)
        done += 1
        dispatch.heartbeat(worker_id, force=False)
    return done
