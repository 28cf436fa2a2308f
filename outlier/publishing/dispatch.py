"""The delivery engine: claim due rows, record "sending", call the network, record the outcome.

Crash safety comes from the order of writes:

1. A worker claims due deliveries in one short transaction (row locks with SKIP LOCKED on
   PostgreSQL; SQLite's single writer does the same) and commits state ``sending`` with its
   worker id and the time, *before* any network call.
2. It calls the network once. It never retries inside the call.
3. It records the outcome: ``sent`` (with the network's id and URL), ``retrying`` (transient
   error, exponential backoff with jitter), ``scheduled`` again after a rate limit (not counted
   as an attempt), ``failed`` (permanent; revoked credentials also mark the channel), or
   ``unconfirmed`` when the network may have accepted it (timeout after sending).
4. A row left ``sending`` by a worker that stopped beating becomes ``unconfirmed``; the
   reconciler then asks the network where it can. Nothing is resent blindly.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outlier.core.write_lock import atomic_write
from outlier.networks.base import ErrorKind, Found, Published, PublishError
from outlier.publishing import actions, content, delivery_sql
from outlier.publishing.links import post_path
from outlier.publishing.models import (
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryEvent,
    DeliveryState,
    Post,
    PostStatus,
    WorkerHeartbeat,
)
from outlier.publishing.notifications import notify_about

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
RATE_LIMIT_CAP_SECONDS = 6 * 3600
HEARTBEAT_STALE_SECONDS = 60
# A call never takes longer (the safe client's deadline is far lower); counted from the call.
SENDING_STALE_SECONDS = 300
ABANDONED = "The worker stopped while sending; the network may have it."


def _event(delivery_id: int, state: str, message: str = "") -> None:
    DeliveryEvent.objects.create(delivery_id=delivery_id, state=state, message=message[:1000])


OPEN_FOR_CLAIM = (DeliveryState.SCHEDULED, DeliveryState.RETRYING)
HEARTBEAT_EVERY_SECONDS = 5.0
LEASE_SECONDS = 60  # a worker's hold on rows it leased but has not started
_last_beat: dict[str, float] = {}


def heartbeat(worker_id: str, *, force: bool = True) -> None:
    """Say this worker is alive (at most every few seconds unless forced)."""
    clock = time.monotonic()
    if not force and clock - _last_beat.get(worker_id, 0.0) < HEARTBEAT_EVERY_SECONDS:
        return
    now = timezone.now()
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now):
        WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": now})
    _last_beat[worker_id] = clock


def claim_due(worker_id: str, limit: int = 10, now: datetime | None = None) -> list[int]:
    """Lease up to `limit` due deliveries to this worker, in one short transaction.

    A lease (claimed_by, claimed_at) leaves the state as it is: each delivery becomes
    "sending" only in `send`, just before its own call. A worker killed mid-batch thus leaves
    one delivery "sending" (the one in flight) and the rest "scheduled", leased until
    LEASE_SECONDS pass, when another worker takes them.
    """
    now = now or timezone.now()
    # A cheap look first: an idle worker does not take the (SQLite) write lock.
    if not Delivery.objects.filter(state__in=OPEN_FOR_CLAIM, next_attempt_at__lte=now).exists():
        return []
    with atomic_write():
        due = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state__in=OPEN_FOR_CLAIM, next_attempt_at__lte=now)
            .filter(Q(claimed_by="") | Q(claimed_at__lt=now - timedelta(seconds=LEASE_SECONDS)))
            .filter(
                Q(channel__status=ChannelStatus.OK)
                | Q(
                    channel__status=ChannelStatus.RATE_LIMITED, channel__rate_limited_until__lte=now
                )
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        ids = list(due)
        if ids:
            Delivery.objects.filter(pk__in=ids).update(claimed_by=worker_id, claimed_at=now)
    return ids


Deferred = list[Callable[[], None]]


def begin_sending(delivery_id: int, worker_id: str, deferred: Deferred | None = None) -> bool:
    """Commit "sending" for a delivery this worker leased, right before the network call.

    Conditional: a lease another worker took over, a row changed meanwhile, or a channel that
    stopped (needs reconnecting, rate-limited) is not sent. `deferred` writes (the previous
    delivery's outcome) commit in the same transaction: one write transaction per delivery
    instead of two, which is what two workers on SQLite's single writer wait for.
    """
    now = timezone.now()
    with atomic_write():
        for write in deferred or ():
            write()
        started = delivery_sql.begin(delivery_id, worker_id, now)
        if started:
            delivery_sql.event(delivery_id, DeliveryState.SENDING, f"Sending (worker {worker_id}).",
                               now)  # fmt: skip
    if deferred:
        deferred.clear()
    return bool(started)


def flush(deferred: Deferred) -> None:
    """Commit outcomes that were waiting to share the next delivery's transaction."""
    if deferred:
        with atomic_write():
            for write in deferred:
                write()
        deferred.clear()


@dataclass(frozen=True)
class Outcome:
    state: str
    message: str = ""


def _leased(ids: list[int], worker_id: str) -> dict[int, Delivery]:
    """This worker's leased deliveries with everything sending them reads, in 3 queries."""
    rows = (
        Delivery.objects.select_related(
            "post", "channel", "post__scoop", "post__workspace", "post__author"
        )
        .prefetch_related("post__variants", "post__images")
        .filter(pk__in=ids, state__in=OPEN_FOR_CLAIM, claimed_by=worker_id)
    )
    # One Channel object per channel: what an adapter renews (a session) is saved on it, and
    # the batch's next delivery to that channel builds its adapter from it (one login).
    channels: dict[int, Channel] = {}
    for delivery in rows:
        delivery.channel = channels.setdefault(delivery.channel_id, delivery.channel)
    return {delivery.pk: delivery for delivery in rows}


def send(
    delivery_id: int, worker_id: str, delivery: Delivery | None = None,
    deferred: Deferred | None = None,
) -> Outcome:  # fmt: skip
    """Send a delivery this worker leased, and record what happened.

    With `deferred` (a batch in progress), a success is not committed at once but added to
    it, to commit with the next delivery's "sending"; the caller flushes what remains.
    """
    if delivery is None:
        delivery = _leased([delivery_id], worker_id).get(delivery_id)
    if delivery is None:
        flush(deferred or [])
        return Outcome("skipped")
    channel = delivery.channel
    held = _budget_hold(channel)
    if held or not begin_sending(delivery_id, worker_id, deferred):
        flush(deferred or [])
        return _not_started(delivery, worker_id, held)
    delivery.state, delivery.attempts = DeliveryState.SENDING, delivery.attempts + 1
    try:
        adapter = content.adapter_for(channel)
        payload = content.content_for(delivery.post, channel, delivery)
    except Exception as exc:  # nothing was sent: our side could not build the post
        logger.exception("Building delivery %s failed", delivery_id)
        return _record_failure(delivery, PublishError(f"Could not prepare the post: {exc}",
                                                      ErrorKind.PERMANENT))  # fmt: skip
    try:
        published = adapter.publish(payload, delivery.idempotency_key)
    except PublishError as exc:
        content.save_changes(channel, adapter)
        return _record_failure(delivery, exc)
    except Exception as exc:  # an adapter bug after the call may have started: do not resend
        logger.exception("Publishing delivery %s raised", delivery_id)
        return _record_failure(delivery, PublishError(str(exc) or type(exc).__name__,
                                                      ErrorKind.TRANSIENT, unknown_outcome=True))  # fmt: skip
    content.save_changes(channel, adapter)
    write = _sent_writes(delivery, published)
    if deferred is None:
        with atomic_write():
            write()
    else:
        deferred.append(write)
    return Outcome(DeliveryState.SENT)


def _not_started(delivery: Delivery, worker_id: str, held: str) -> Outcome:
    """Why a leased delivery did not start: its channel stopped (wait, visibly) or the row
    is no longer this worker's (skip)."""
    if not held:
        current = Channel.objects.filter(pk=delivery.channel_id).values_list(
            "status", "rate_limited_until"
        )
        found = current.first()
        if found is None:  # the channel was removed meanwhile
            return Outcome("skipped")
        delivery.channel.status, delivery.channel.rate_limited_until = found
        held = _channel_hold(delivery.channel)
    if not held:
        return Outcome("skipped")
    released = Delivery.objects.filter(
        pk=delivery.pk, state__in=OPEN_FOR_CLAIM, claimed_by=worker_id
    ).update(claimed_by="")
    if released:
        _event(delivery.pk, delivery.state, held)
    return Outcome(delivery.state, held)


def _channel_hold(channel: Channel) -> str:
    if channel.status == ChannelStatus.NEEDS_RECONNECT:
        return f"Waiting: {channel.name} needs reconnecting."
    until = channel.rate_limited_until
    if channel.status == ChannelStatus.RATE_LIMITED and until and until > timezone.now():
        return f"Waiting: {channel.name} is rate-limited until {until:%H:%M:%S} UTC."
    return ""


def _budget_hold(channel: Channel) -> str:
    """A network with a write budget (Bluesky: 5,000 points an hour, 3 per post) is never
    asked for more: the channel waits until its oldest post in the window leaves it."""
    budget = content.adapter_class(channel.network).rate_limit
    if budget is None:
        return ""
    now = timezone.now()
    window = timedelta(seconds=budget.window_seconds)
    recent = Delivery.objects.filter(channel_id=channel.pk, sent_at__gt=now - window)
    in_flight = Delivery.objects.filter(channel_id=channel.pk, state=DeliveryState.SENDING)
    spent = (recent.count() + in_flight.count() + 1) * budget.cost  # this post included
    if spent <= budget.points:
        return ""
    oldest = recent.order_by("sent_at").values_list("sent_at", flat=True).first() or now
    until = oldest + window
    message = (f"Waiting: {channel.name} has used the {budget.points} points the network allows "
               f"per {budget.window_seconds // 60} minutes; it can post again at {until:%H:%M} UTC.")  # fmt: skip
    Channel.objects.filter(pk=channel.pk).update(
        status=ChannelStatus.RATE_LIMITED, rate_limited_until=until, status_detail=message
    )
    return message


def _record_sent(delivery: Delivery, published: Published, note: str = "") -> Outcome:
    with atomic_write():
        _sent_writes(delivery, published, note)()
    return Outcome(DeliveryState.SENT)


def _sent_writes(delivery: Delivery, published: Published, note: str = "") -> Callable[[], None]:
    """The writes that record a success, to run inside a transaction."""
    now = timezone.now()

    def write() -> None:
        delivery_sql.sent(delivery.pk, published.remote_id, published.url, now)
        said = note or f"Accepted as {published.remote_id}."
        delivery_sql.event(delivery.pk, DeliveryState.SENT, f"{said} {published.note}".strip(),
                           now)  # fmt: skip
        delivery_sql.settle(delivery.post_id)

    return write


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter: up to 30 s, 60 s, 120 s … capped at an hour."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


def _record_failure(delivery: Delivery, error: PublishError) -> Outcome:
    now = timezone.now()
    message = str(error)[:1000]
    fields: dict[str, object] = {
        "error": message,
        "error_kind": error.kind.value,
        "updated_at": now,
    }
    channel_update: dict[str, object] = {}
    if error.unknown_outcome:
        state = DeliveryState.UNCONFIRMED
        note = f"The network may have received it: {message}"
    elif error.kind == ErrorKind.RATE_LIMITED:
        wait = min(error.retry_after or 60.0, RATE_LIMIT_CAP_SECONDS)
        until = now + timedelta(seconds=wait)
        state, fields["next_attempt_at"] = DeliveryState.SCHEDULED, until
        fields["claimed_by"] = ""
        fields["attempts"] = max(0, delivery.attempts - 1)  # a rate limit is not a failure
        channel_update = {"status": ChannelStatus.RATE_LIMITED, "rate_limited_until": until,
                          "status_detail": message}  # fmt: skip
        note = f"Rate-limited; waiting until {until:%H:%M:%S} UTC."
    elif error.kind == ErrorKind.TRANSIENT and delivery.attempts < MAX_ATTEMPTS:
        state = DeliveryState.RETRYING
        fields["next_attempt_at"] = now + timedelta(seconds=backoff(delivery.attempts))
        fields["claimed_by"] = ""
        note = f"Attempt {delivery.attempts} failed, will retry: {message}"
    else:
        state = DeliveryState.FAILED
        note = message
    with atomic_write():
        Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.SENDING).update(
            state=state, **fields
        )
        _event(delivery.pk, state, note)
        if channel_update:
            Channel.objects.filter(pk=delivery.channel_id).update(**channel_update)
        if state == DeliveryState.FAILED and error.kind == ErrorKind.AUTH:
            actions.do_mark_needs_reconnect(delivery.channel_id, message)
        if state in (DeliveryState.FAILED, DeliveryState.UNCONFIRMED):
            Post.objects.filter(pk=delivery.post_id).update(status=PostStatus.FAILED)
            _tell_author(delivery, state, message)
    return Outcome(state, message)


def _tell_author(delivery: Delivery, state: str, message: str) -> None:
    post = delivery.post
    if post.author is None:
        return
    what = "failed" if state == DeliveryState.FAILED else "may not have arrived"
    text = f"“{post}” {what} on {delivery.channel.name}: {message}"
    link = post_path(post)
    notify_about(post, post.author, text)
    transaction.on_commit(
        lambda: send_mail(
            subject=f"Outlier: a post {what} on {delivery.channel.name}",
            message=f"{text}\n\nOpen it: {settings.BASE_URL}{link}\n",
            from_email=None,
            recipient_list=[post.author.email] if post.author else [],
            fail_silently=True,
        )
    )


def sweep_abandoned(now: datetime | None = None) -> int:
    """Rows left "sending" by a worker that died become unconfirmed (never resent blindly)."""
    now = now or timezone.now()
    alive = set(
        WorkerHeartbeat.objects.filter(
            seen_at__gte=now - timedelta(seconds=HEARTBEAT_STALE_SECONDS)
        ).values_list("worker_id", flat=True)
    )
    stuck = Delivery.objects.filter(state=DeliveryState.SENDING).filter(
        Q(claimed_at__lt=now - timedelta(seconds=SENDING_STALE_SECONDS)) | ~Q(claimed_by__in=alive)
    )
    count = 0
    for delivery in stuck.select_related("post", "channel", "post__workspace", "post__author"):
        with atomic_write():
            updated = Delivery.objects.filter(
                pk=delivery.pk, state=DeliveryState.SENDING, claimed_by=delivery.claimed_by
            ).update(state=DeliveryState.UNCONFIRMED, updated_at=now,
                     error=ABANDONED)  # fmt: skip
            if updated:
                count += 1
                _event(delivery.pk, DeliveryState.UNCONFIRMED,
                       f"Worker {delivery.claimed_by} stopped while sending.")  # fmt: skip
                Post.objects.filter(pk=delivery.post_id).update(status=PostStatus.FAILED)
                _tell_author(delivery, DeliveryState.UNCONFIRMED, ABANDONED)
    return count


def reconcile(now: datetime | None = None, limit: int = 20) -> int:
    """Ask the network about unconfirmed deliveries: sent, or safe to send again."""
    now = now or timezone.now()
    settled = 0
    rows = Delivery.objects.filter(state=DeliveryState.UNCONFIRMED).select_related(
        "channel", "post"
    )
    for delivery in rows.order_by("updated_at")[:limit]:
        adapter = content.adapter_for(delivery.channel)
        try:
            answer = adapter.lookup(
                delivery.idempotency_key, delivery.claimed_at or delivery.due_at
            )
            content.save_changes(delivery.channel, adapter)
        except PublishError as exc:
            logger.info("Cannot reconcile delivery %s yet: %s", delivery.pk, exc)
            continue
        if answer.found == Found.YES and answer.published is not None:
            Delivery.objects.filter(pk=delivery.pk, state=DeliveryState.UNCONFIRMED).update(
                state=DeliveryState.SENDING
            )
            _record_sent(delivery, answer.published, "Found on the network: it did arrive.")
            settled += 1
        elif answer.found == Found.NO:
            with atomic_write():
                updated = Delivery.objects.filter(
                    pk=delivery.pk, state=DeliveryState.UNCONFIRMED
                ).update(state=DeliveryState.RETRYING, next_attempt_at=now, updated_at=now,
                         claimed_by="")  # fmt: skip
                if updated:
                    _event(delivery.pk, DeliveryState.RETRYING,
                           "Not found on the network: safe to send again.")  # fmt: skip
                    settled += 1
    return settled


def sweep_missed(now: datetime | None = None) -> int:
    """Posts still awaiting approval when their time passes are marked missed, not sent late."""
    now = now or timezone.now()
    missed = Post.objects.filter(status=PostStatus.AWAITING_APPROVAL, scheduled_at__lt=now)
    count = 0
    for post in missed.select_related("author", "workspace"):
        if Post.objects.filter(pk=post.pk, status=PostStatus.AWAITING_APPROVAL).update(
            status=PostStatus.MISSED
        ):
            count += 1
            notify_about(post, post.author,
                         f"“{post}” was not approved before its time and was not sent.")  # fmt: skip
    return count


def run_due(worker_id: str, limit: int = 10) -> int:
    """One pass: claim what is due and send it. Returns how many were handled."""
    heartbeat(worker_id, force=False)
    ids = claim_due(worker_id, limit)
    loaded = _leased(ids, worker_id)
    deferred: Deferred = []
    try:
        for pk in ids:
            if pk in loaded:
                send(pk, worker_id, loaded[pk], deferred)
            heartbeat(worker_id, force=False)
    finally:
        flush(deferred)
    return len(ids)
