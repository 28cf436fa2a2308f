"""Background work for federation, called by the worker loop:

- `sweep(now)` notices what changed in curation's rows since federation last looked and
  records what to announce: Create for a scoop newly visible (published in a public topic),
  Update for an edited one, Delete for one deleted, unpublished or whose topic went private.
  It compares `Scoop` rows with federation's own `Publication` rows, so it needs no signal
  from curation, and each change is recorded together with its deliveries in one
  transaction: a crash leaves either both or neither, and the next sweep finishes the job.
  It also returns deliveries whose worker died mid-send (lease expired) to the queue.
- `run_due(worker_id, limit)` claims due deliveries under row locks, marking them `sending`
  with a lease *before* any request, sends them (signed, in parallel, no database access
  while sending), and records each outcome: delivered, retried later with exponential
  backoff, or given up. Receivers deduplicate activities by id, so a resend after a crash is
  harmless.

Both are idempotent: running them again changes nothing that is already done.
"""

from __future__ import annotations

import json
import logging
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from outlier.core import safe_http
from outlier.federation import actions, addresses, documents, queries
from outlier.federation.models import (
    ActorKey,
    Delivery,
    DeliveryState,
    Publication,
    PublicationState,
)
from outlier.networks.activitypub import vocabulary as vocab
from outlier.networks.activitypub.http_signatures import sign_request

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=3)
SEND_DEADLINE = 15.0  # seconds for one POST, connection included
SEND_THREADS = 8
MAX_ATTEMPTS = 12
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=6)
# Answers that will not change by trying again; 401 is retried (the receiver may hold a
# stale copy of our key), as are 408, 429 and 5xx.
PERMANENT_STATUSES = {400, 403, 404, 405, 410, 413, 414, 415, 422}
# A scoop becoming visible long after it was published (a topic made public again, the first
# sweep after installing) is recorded and served, but not pushed into followers' timelines.
FRESH = timedelta(days=3)
SWEEP_BATCH = 200


# --- sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    inbox: str
    body: bytes
    key_id: str
    private_key_pem: str


@dataclass(frozen=True)
class _Outcome:
    status: int | None
    error: str = ""


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after `attempts` failed ones, with ±20 % jitter."""
    wait = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    return wait * random.uniform(0.8, 1.2)


def _claim(worker_id: str, limit: int, now: datetime) -> list[int]:
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Delivery.objects.filter(pk__in=ids, state=DeliveryState.PENDING).update(
                state=DeliveryState.SENDING,
                claimed_by=worker_id[:40],
                lease_until=now + LEASE,
                attempts=F("attempts") + 1,
            )
    return ids


def _send(job: _Job) -> _Outcome:
    """One signed POST; no database access here (it runs in a thread)."""
    headers = sign_request(
        "POST", job.inbox, job.body, key_id=job.key_id, private_key_pem=job.private_key_pem,
        content_type=vocab.ACTIVITY_JSON,
    )  # fmt: skip
    try:
        response = safe_http.fetch(
            job.inbox, method="POST", headers=headers, body=job.body, deadline=SEND_DEADLINE,
            max_bytes=64 * 1024, accept="application/activity+json, application/json;q=0.9, */*;q=0.1",
        )  # fmt: skip
    except safe_http.FetchError as exc:
        return _Outcome(None, str(exc))
    except Exception as exc:  # a bug must not leave the row claimed until its lease runs out
        logger.exception("Delivery %s to %s failed unexpectedly", job.delivery_id, job.inbox)
        return _Outcome(None, f"Unexpected error: {exc!r}")
    if response.ok:
        return _Outcome(response.status)
    detail = response.text()[:200].strip()
    return _Outcome(
        response.status, f"{response.status} from the inbox{': ' + detail if detail else ''}"
    )


def _record(delivery: Delivery, outcome: _Outcome, worker_id: str, now: datetime) -> None:
    mine = Delivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.SENDING, claimed_by=worker_id[:40]
    )
    common = {"claimed_by": "", "lease_until": None, "last_status": outcome.status}
    if outcome.status is not None and 200 <= outcome.status < 300:
        mine.update(state=DeliveryState.DELIVERED, delivered_at=now, last_error="", **common)
    elif outcome.status in PERMANENT_STATUSES or delivery.attempts >= MAX_ATTEMPTS:
        mine.update(state=DeliveryState.FAILED, last_error=outcome.error[:500], **common)
    else:
        mine.update(
            state=DeliveryState.PENDING,
            next_attempt_at=now + backoff(delivery.attempts),
            last_error=outcome.error[:500],
            **common,
        )


def _signing_keys(topic_ids: set[int]) -> dict[int, tuple[str, str]]:
    keys = {key.topic_id: key for key in ActorKey.objects.filter(topic_id__in=topic_ids)}
    for topic_id in topic_ids - set(keys):
        keys[topic_id] = actions.ensure_actor_key(topic_id)
    return {
        topic_id: (addresses.key_id(topic_id), str(key.private_key["pem"]))
        for topic_id, key in keys.items()
    }


def run_due(worker_id: str, limit: int = 20, now: datetime | None = None) -> int:
    """Send up to `limit` due deliveries; returns how many were attempted."""
    explicit_now = now is not None
    now = now or timezone.now()
    claimed = _claim(worker_id, limit, now)
    if not claimed:
        return 0
    rows = list(
        Delivery.objects.filter(
            pk__in=claimed, state=DeliveryState.SENDING, claimed_by=worker_id[:40]
        ).select_related("activity")
    )
    keys = _signing_keys({row.activity.topic_id for row in rows})
    bodies: dict[int, bytes] = {}
    jobs = []
    for row in rows:
        if row.activity_id not in bodies:
            bodies[row.activity_id] = json.dumps(
                row.activity.payload, separators=(",", ":")
            ).encode()
        key_id, pem = keys[row.activity.topic_id]
        jobs.append(_Job(row.pk, row.inbox, bodies[row.activity_id], key_id, pem))
    with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(jobs))) as pool:
        outcomes = list(pool.map(_send, jobs))
    recorded_at = now if explicit_now else timezone.now()
    for row, outcome in zip(rows, outcomes, strict=True):
        _record(row, outcome, worker_id, recorded_at)
    return len(rows)


# --- noticing scoop changes -----------------------------------------------------------------


def _recover_abandoned(now: datetime) -> int:
    abandoned = Delivery.objects.filter(state=DeliveryState.SENDING, lease_until__lt=now)
    note = "The worker sending it stopped before recording the outcome."
    given_up = abandoned.filter(attempts__gte=MAX_ATTEMPTS).update(
        state=DeliveryState.FAILED, claimed_by="", lease_until=None, last_error=note
    )
    retried = abandoned.update(
        state=DeliveryState.PENDING, claimed_by="", lease_until=None, next_attempt_at=now,
        last_error=note,
    )  # fmt: skip
    return given_up + retried


def _publish(scoop_id: int, now: datetime) -> int:
    """Announce a newly visible scoop (Create), or re-announce one deleted before."""
    try:
        with transaction.atomic():
            scoop = queries.visible_scoop(scoop_id)
            if scoop is None:
                return 0
            publication = Publication.objects.select_for_update().filter(scoop_id=scoop_id).first()
            if publication is not None and publication.state == PublicationState.LIVE:
                return 0
            object_uri = addresses.object_uri(scoop.pk)
            if publication is None:
                publication = Publication(
                    topic_id=scoop.topic_id, scoop_id=scoop.pk, object_uri=object_uri,
                    object_type=documents.OBJECT_TYPE, create_uri=object_uri + "#create",
                )  # fmt: skip
            else:  # published again after a Delete: a new Create, with a new id
                publication.create_uri = actions.new_activity_uri()
            publication.topic_id = scoop.topic_id
            publication.state = PublicationState.LIVE
            publication.announced_at = publication.changed_at = now
            publication.scoop_updated_at = scoop.updated_at
            obj = documents.scoop_object(scoop, publication)
            publication.digest = documents.object_digest(obj)
            publication.save()
            if scoop.published_at is not None and scoop.published_at >= now - FRESH:
                actions.queue_activity(
                    scoop.topic_id, vocab.create(publication.create_uri, obj),
                    queries.delivery_inboxes(scoop.topic_id), publication=publication, now=now,
                )  # fmt: skip
    except IntegrityError:  # another sweep recorded it at the same moment
        return 0
    return 1


def _revise(publication_id: int, now: datetime) -> int:
    """Announce an edit (Update) when the object changed; otherwise just note the edit seen."""
    with transaction.atomic():
        publication = (
            Publication.objects.select_for_update()
            .filter(pk=publication_id, state=PublicationState.LIVE)
            .first()
        )
        scoop = queries.visible_scoop(publication.scoop_id) if publication else None
        if publication is None or scoop is None:
            return 0
        publication.scoop_updated_at = scoop.updated_at
        obj = documents.scoop_object(scoop, publication)
        digest = documents.object_digest(obj)
        if digest == publication.digest:
            publication.save(update_fields=["scoop_updated_at"])
            return 0
        publication.digest = digest
        publication.changed_at = now
        publication.save(update_fields=["scoop_updated_at", "digest", "changed_at"])
        obj = documents.scoop_object(scoop, publication)
        actions.queue_activity(
            scoop.topic_id, vocab.update(actions.new_activity_uri(), obj),
            queries.delivery_inboxes(scoop.topic_id), publication=publication, now=now,
        )  # fmt: skip
    return 1


def _retract(publication_id: int, now: datetime) -> int:
    """Announce that a scoop is gone (Delete with a Tombstone)."""
    with transaction.atomic():
        publication = (
            Publication.objects.select_for_update()
            .filter(pk=publication_id, state=PublicationState.LIVE)
            .first()
        )
        if publication is None or queries.visible_scoop(publication.scoop_id) is not None:
            return 0
        publication.state = PublicationState.DELETED
        publication.changed_at = now
        publication.save(update_fields=["state", "changed_at"])
        deletion = vocab.delete(
            actions.new_activity_uri(), addresses.actor_uri(publication.topic_id),
            publication.object_uri, addresses.followers_uri(publication.topic_id),
            publication.object_type,
        )  # fmt: skip
        actions.queue_activity(
            publication.topic_id, deletion, queries.delivery_inboxes(publication.topic_id),
            publication=publication, now=now,
        )  # fmt: skip
    return 1


def sweep(now: datetime | None = None) -> int:
    """Notice scoop changes and recover abandoned deliveries; returns how many rows it acted on."""
    now = now or timezone.now()
    count = _recover_abandoned(now)

    live = Publication.objects.filter(scoop_id=OuterRef("pk"), state=PublicationState.LIVE)
    new = (
        queries.visible_scoops()
        .exclude(Exists(live))
        .order_by("published_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    count += sum(_publish(scoop_id, now) for scoop_id in new)

    edited = (
        Publication.objects.filter(state=PublicationState.LIVE)
        .filter(Exists(queries.visible_scoops().filter(pk=OuterRef("scoop_id"))))
        .exclude(scoop_updated_at=F("scoop__updated_at"))
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    count += sum(_revise(pk, now) for pk in edited)

    gone = (
        Publication.objects.filter(state=PublicationState.LIVE)
        .exclude(Exists(queries.visible_scoops().filter(pk=OuterRef("scoop_id"))))
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    count += sum(_retract(pk, now) for pk in gone)
    return count
