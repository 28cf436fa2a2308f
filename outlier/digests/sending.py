"""The worker's side of digests: confirmation e-mails, making each due digest, and sending it
exactly once.

`run_due` is a worker job (settings.WORKER_DUE_JOBS); every loop it

1. mails the confirmations asked for (`send_confirmations`): a fresh token is drawn and only
   its hash committed, then the e-mail goes. At most once: a failed e-mail is logged, and the
   visitor may ask again;
2. plans due subscribers (`plan`): the subscriptions whose `next_at` has come are leased under
   row locks (`core.leases`: SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL), and for each, in
   one transaction, the scoops published since its last digest become a `DigestSend` (unique
   per subscriber and slot) and the schedule moves to the next slot. Nothing new: no row, the
   schedule moves on all the same. A scoop is counted once it is `SETTLE_SECONDS` old, so one
   whose publication is still committing is in the next digest rather than in none;
3. sends the digests due (`send`), leased the same way: `sending` is committed before the SMTP
   call, the outcome after — `sent`; `retrying` after a deferral or a broken connection (with
   backoff, at most `MAX_ATTEMPTS` tries); `failed` when the server refused the address for
   good (a bounce: `BOUNCE_LIMIT` in a row mark the subscriber bouncing) or anything else for
   good; `unconfirmed` when the message may have arrived (cut off after the final "."), which
   is never sent again.

`sweep` (settings.WORKER_SWEEPS) turns digests left `sending` by a worker that died into
`unconfirmed`, deletes subscriptions never confirmed once their link expired, and forgets
expired confirmation hashes.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F
from django.utils import timezone

from outlier.core import leases
from outlier.core.write_lock import atomic_write
from outlier.digests import compose, queries, schedule, tokens, tracking
from outlier.digests.models import DigestSend, SendState, Subscription, SubscriptionState
from outlier.networks.base import ErrorKind
from outlier.networks.email.outcomes import classify, per_recipient
from outlier.networks.email.transport import BACKEND, Phase, TrackingEmailBackend

__all__ = ["BOUNCE_LIMIT", "MAX_ATTEMPTS", "plan", "run_due", "send", "send_confirmations",
           "sweep"]  # fmt: skip

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60
SENDING_STALE_SECONDS = 300  # an SMTP call never takes this long (TIMEOUT per operation)
SETTLE_SECONDS = 30
TIMEOUT = 20.0
BATCH = 20
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 300
BACKOFF_CAP_SECONDS = 6 * 3600
BOUNCE_LIMIT = 3
SWEEP_SECONDS = 60.0
OPEN = (SendState.SCHEDULED, SendState.RETRYING)
DJANGO_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
ABANDONED = ("The worker stopped while sending: the subscriber may have this digest, so it "
             "is not sent again.")  # fmt: skip
_last_sweep = [0.0]


def _connection() -> Any:
    """The operator's mail server, through the SMTP client that tells how far a message got."""
    if settings.EMAIL_BACKEND == DJANGO_SMTP_BACKEND:
        return get_connection(BACKEND, fail_silently=False, timeout=TIMEOUT)
    return get_connection(fail_silently=False)


# -- 1. confirmations ----------------------------------------------------------------------


def send_confirmations(now: datetime | None = None, limit: int = BATCH) -> int:
    """Mail the confirmation links asked for; returns how many went out."""
    now = now or timezone.now()
    wanted = list(Subscription.objects.filter(confirm_due_at__lte=now)
                  .order_by("confirm_due_at", "pk").values_list("pk", "confirm_due_at")[:limit])  # fmt: skip
    sent = 0
    for pk, due in wanted:
        token, digest = tokens.new_confirmation(pk)
        with atomic_write():  # the hash first: a link is never mailed that the row does not know
            won = Subscription.objects.filter(pk=pk, confirm_due_at=due).update(
                confirm_due_at=None, confirm_hash=digest,
                confirm_expires_at=now + timedelta(days=tokens.CONFIRM_DAYS))  # fmt: skip
        if not won:
            continue  # another worker took it, or the visitor asked again meanwhile
        subscription = Subscription.objects.select_related("topic").get(pk=pk)
        backend = _connection()
        try:
            backend.send_messages([compose.confirmation_message(subscription, token, backend)])
        except Exception as exc:  # at most once: the visitor may ask again
            logger.warning("The confirmation e-mail of subscription %s failed: %s", pk, exc)
            continue
        sent += 1
    return sent


# -- 2. planning ---------------------------------------------------------------------------


def plan(subscription_id: int, worker_id: str, now: datetime) -> DigestSend | None:
    """Make the due digest of a subscription this worker leased (None when nothing is new),
    and move its schedule to the next slot, in one transaction."""
    with atomic_write():
        sub = (Subscription.objects.select_for_update(of=("self",))
               .filter(pk=subscription_id, claimed_by=worker_id, state=SubscriptionState.ACTIVE,
                       next_at__lte=now).first())  # fmt: skip
        if sub is None or sub.next_at is None:
            return None
        since = sub.covered_until or sub.confirmed_at or now
        until = now - timedelta(seconds=SETTLE_SECONDS)
        made = None
        covered = since
        if until > since:
            scoops = queries.new_scoops(sub.topic_id, since, until)
            covered = until
            if len(scoops) == queries.MAX_SCOOPS:  # the rest go in the next digest
                covered = scoops[-1].published_at or until
            if scoops:
                made, _ = DigestSend.objects.get_or_create(
                    subscription=sub, due_at=sub.next_at,
                    defaults={"since": since, "until": covered, "next_at": now,
                              "scoop_ids": [s.pk for s in scoops]},
                )  # fmt: skip
        Subscription.objects.filter(pk=sub.pk).update(
            next_at=schedule.next_send(sub.frequency, sub.weekday, sub.hour, sub.time_zone, now),
            covered_until=covered, claimed_by="", claimed_at=None,
        )  # fmt: skip
    return made


def _claim_subscriptions(worker_id: str, limit: int, now: datetime) -> list[int]:
    due = Subscription.objects.filter(state=SubscriptionState.ACTIVE, next_at__lte=now)
    return leases.claim(due, worker_id, limit, LEASE_SECONDS, now)


def _claim_sends(worker_id: str, limit: int, now: datetime) -> list[int]:
    due = DigestSend.objects.filter(state__in=OPEN, next_at__lte=now)
    return leases.claim(due, worker_id, limit, LEASE_SECONDS, now)


# -- 3. sending ----------------------------------------------------------------------------


def _finish(send_id: int, state: str, error: str = "", **more: Any) -> str:
    DigestSend.objects.filter(pk=send_id).update(state=state, error=error[:1000], claimed_by="",
                                                 claimed_at=None, **more)  # fmt: skip
    return state


def _backoff(attempts: int) -> timedelta:
    return timedelta(
        seconds=min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    )


def _retry_or_fail(row: DigestSend, attempts: int, error: str, now: datetime) -> str:
    if attempts >= MAX_ATTEMPTS:
        return _finish(row.pk, SendState.FAILED, f"{error} Gave up after {attempts} attempts.")
    return _finish(row.pk, SendState.RETRYING, error, next_at=now + _backoff(attempts))


def _bounce(row: DigestSend, sub: Subscription, reply: str) -> str:
    with atomic_write():
        _finish(row.pk, SendState.FAILED, f"The mail server refused the address: {reply}.")
        Subscription.objects.filter(pk=sub.pk).update(bounces=F("bounces") + 1)
        Subscription.objects.filter(pk=sub.pk, bounces__gte=BOUNCE_LIMIT,
                                    state=SubscriptionState.ACTIVE).update(
            state=SubscriptionState.BOUNCING, next_at=None)  # fmt: skip
    return SendState.FAILED


def _failed(row: DigestSend, sub: Subscription, exc: BaseException, phase: Phase | None,
            now: datetime) -> str:  # fmt: skip
    attempts = row.attempts + 1
    said = per_recipient(exc, sub.email)
    if said is not None:
        code, reply = said
        if 500 <= code < 600:
            return _bounce(row, sub, reply)
        return _retry_or_fail(row, attempts, f"The mail server deferred the address: {reply}.",
                              now)  # fmt: skip
    error = classify(exc, phase)
    if error.unknown_outcome:
        return _finish(row.pk, SendState.UNCONFIRMED, str(error))
    if error.kind in (ErrorKind.TRANSIENT, ErrorKind.RATE_LIMITED):
        return _retry_or_fail(row, attempts, str(error), now)
    return _finish(row.pk, SendState.FAILED, str(error))


def send(send_id: int, worker_id: str, now: datetime | None = None) -> str:
    """Send one digest this worker leased; returns its state afterwards."""
    now = now or timezone.now()
    row = (DigestSend.objects.select_related("subscription__topic__workspace")
           .filter(pk=send_id, claimed_by=worker_id, state__in=OPEN).first())  # fmt: skip
    if row is None:
        return "not leased"
    sub = row.subscription
    if sub.state != SubscriptionState.ACTIVE:
        return _finish(row.pk, SendState.SKIPPED, f"Not sent: the subscriber is {sub.state}.")
    scoops = queries.digest_scoops(sub.topic_id, list(row.scoop_ids))
    if not scoops:
        return _finish(row.pk, SendState.SKIPPED, "Not sent: its scoops were unpublished.")
    backend = _connection()
    try:
        message = compose.digest_message(sub, row, scoops, tracking.scoop_links(scoops), backend)
        message.message()  # a header that cannot be built fails here, before anything is sent
    except Exception as exc:  # nothing was sent: our side could not build it
        logger.exception("Building digest %s failed", row.pk)
        return _finish(row.pk, SendState.FAILED, f"Could not build the digest: {exc}")
    with atomic_write():  # "sending" is committed before the SMTP call
        started = DigestSend.objects.filter(
            pk=row.pk, claimed_by=worker_id, state__in=OPEN,
            subscription__state=SubscriptionState.ACTIVE,
        ).update(state=SendState.SENDING, attempts=F("attempts") + 1, claimed_at=now)  # fmt: skip
    if not started:
        return "not leased"
    try:
        if backend.send_messages([message]) != 1:
            raise RuntimeError("the mail backend sent nothing")
    except Exception as exc:
        phase = backend.phase if isinstance(backend, TrackingEmailBackend) else None
        return _failed(row, sub, exc, phase, now)
    with atomic_write():
        _finish(row.pk, SendState.SENT, sent_at=now)
        Subscription.objects.filter(pk=sub.pk).update(last_sent_at=now, bounces=0)
    return SendState.SENT


def run_due(worker_id: str, limit: int = BATCH, now: datetime | None = None) -> int:
    """Confirmations, then due digests planned, then digests sent; returns the work done."""
    now = now or timezone.now()
    done = send_confirmations(now, limit)
    for pk in _claim_subscriptions(worker_id, limit, now):
        plan(pk, worker_id, now)
        done += 1
    for pk in _claim_sends(worker_id, limit, now):
        send(pk, worker_id, now)
        done += 1
    return done


def sweep(now: datetime | None = None, force: bool = False) -> int:
    """Digests abandoned while sending become unconfirmed; subscriptions never confirmed go
    once their link expired; expired confirmation hashes are forgotten."""
    clock = time.monotonic()
    if not force and clock - _last_sweep[0] < SWEEP_SECONDS:
        return 0
    _last_sweep[0] = clock
    now = now or timezone.now()
    stale = now - timedelta(seconds=SENDING_STALE_SECONDS)
    abandoned = DigestSend.objects.filter(state=SendState.SENDING, claimed_at__lt=stale).update(
        state=SendState.UNCONFIRMED, error=ABANDONED, claimed_by="", claimed_at=None)  # fmt: skip
    expired = Subscription.objects.filter(confirm_expires_at__lt=now)
    purged, _ = expired.filter(state=SubscriptionState.PENDING).delete()
    expired.update(confirm_hash="", confirm_expires_at=None)
    return abandoned + purged
