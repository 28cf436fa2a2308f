"""Background work for federation, called by the worker loop:

- `sweep(now)` notices what changed in curation's rows since federation last looked and
  records what to announce: Create for a scoop newly visible (published in a public topic),
  its Note linking the article through the publication's tracked link
  (`actions.do_track_scoop_link`, like the topic pages and feeds), Update for an edited one, Delete for one deleted, unpublished or whose topic went private,
  and Delete of the actor for a topic deleted while followed (then forgets its rows).
  A scoop published again after a Delete is announced as a new object, with a new URI.
  It compares `Scoop` rows with federation's own `Publication` rows, so it needs no signal
  from curation, and each change is recorded together with its deliveries in one
  transaction: a crash leaves either both or neither, and the next sweep finishes the job.
  It also returns deliveries whose worker died mid-send (lease expired) to the queue.
- `run_due(worker_id, limit)` claims due deliveries under row locks, marking them `sending`
  with a lease *before* any request, sends them (signed, in parallel, no database access
  while sending), and records each outcome: delivered, retried later with exponential
  backoff, or given up. Receivers deduplicate activities by id, so a resend after a crash is
  harmless. A POST the inbox redirected is not delivered (a 301/302 turns it into a GET).

Both are idempotent: running them again changes nothing that is already done. Both are called
by the worker loop, so an unexpected error about one row is logged and recorded on that row,
and the others are still handled.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from outlier.core import safe_http
from outlier.curation.models import Topic
from outlier.federation import actions, addresses, documents, queries
from outlier.federation.models import (
    ActorKey,
    Delivery,
    DeliveryState,
    Follower,
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
# A publication the sweep met an unexpected error on is left alone this long before it is
# tried again, so a row that keeps failing neither floods the log nor crowds out the others.
FAILED_ROW_PAUSE = timedelta(minutes=10)


# --- sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    inbox: str
    body: bytes
    key_id: str
    private_key_pem: str = field(repr=False)


@dataclass(frozen=True)
class _Outcome:
    status: int | None
    error: str = ""
    permanent: bool = False  # not worth trying again, whatever the status


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
    if _normalised(response.url) != _normalised(job.inbox):
        # safe_http followed the redirect: a 301/302/303 turned the POST into a GET without
        # its body, so whatever answered says nothing about the activity (and a 307/308 only
        # may have carried it). An inbox that moves is not followed blindly: given up.
        return _Outcome(
            response.status,
            f"The inbox redirected the POST to {response.url[:200]}: the activity may not have "
            "arrived, and a redirected inbox is not retried.",
            permanent=True,
        )
    if response.ok:
        return _Outcome(response.status)
    detail = response.text()[:200].strip()
    return _Outcome(
        response.status, f"{response.status} from the inbox{': ' + detail if detail else ''}"
    )


def _normalised(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def _record(delivery: Delivery, outcome: _Outcome, worker_id: str, now: datetime) -> None:
    mine = Delivery.objects.filter(
        pk=delivery.pk, state=DeliveryState.SENDING, claimed_by=worker_id[:40]
    )
    common = {"claimed_by": "", "lease_until": None, "last_status": outcome.status}
    if outcome.permanent:
        mine.update(state=DeliveryState.FAILED, last_error=outcome.error[:500], **common)
    elif outcome.status is not None and 200 <= outcome.status < 300:
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


def _signing_keys(topic_ids: set[int]) -> dict[int, tuple[str, str] | str]:
    """Each topic's (key id, private key), or why it could not be had: one topic's broken
    key row holds back only that topic's deliveries."""
    keys: dict[int, tuple[str, str] | str] = {}
    for topic_id in sorted(topic_ids):
        try:
            key = ActorKey.objects.filter(topic_id=topic_id).first()
            key = key or actions.ensure_actor_key(topic_id)
            keys[topic_id] = (addresses.key_id(topic_id), str(key.private_key["pem"]))
        except Exception as exc:
            logger.exception("The signing key of topic %s could not be loaded", topic_id)
            keys[topic_id] = f"The signing key could not be loaded: {exc!r}"
    return keys


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
    outcomes: dict[int, _Outcome] = {}
    for row in rows:
        try:
            key = keys[row.activity.topic_id]
            if isinstance(key, str):
                outcomes[row.pk] = _Outcome(None, key)
                continue
            if row.activity_id not in bodies:
                bodies[row.activity_id] = json.dumps(
                    row.activity.payload, separators=(",", ":")
                ).encode()
            jobs.append(_Job(row.pk, row.inbox, bodies[row.activity_id], *key))
        except Exception as exc:
            logger.exception("Delivery %s could not be prepared", row.pk)
            outcomes[row.pk] = _Outcome(None, f"Unexpected error before sending: {exc!r}")
    if jobs:
        with ThreadPoolExecutor(max_workers=min(SEND_THREADS, len(jobs))) as pool:
            sent = list(pool.map(_send, jobs))
        outcomes.update(zip([job.delivery_id for job in jobs], sent, strict=True))
    recorded_at = now if explicit_now else timezone.now()
    for row in rows:
        try:
            _record(row, outcomes[row.pk], worker_id, recorded_at)
        except Exception:
            # The row stays claimed; when its lease runs out the sweep puts it back in line.
            logger.exception("The outcome of delivery %s could not be recorded", row.pk)
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
    """Announce a newly visible scoop (Create). A scoop published again after a Delete gets a
    new publication, so a new object URI: receivers keep a Tombstone for the old one."""
    try:
        with transaction.atomic():
            scoop = queries.visible_scoop(scoop_id)
            if scoop is None:
                return 0
            live, number = queries.current_object(scoop_id)
            if live is not None:
                return 0
            object_uri = addresses.object_uri(scoop.pk, number)
            publication = Publication(
                topic_id=scoop.topic_id, scoop_id=scoop.pk, number=number,
                object_uri=object_uri, object_type=documents.OBJECT_TYPE,
                create_uri=object_uri + "#create", state=PublicationState.LIVE,
                announced_at=now, changed_at=now, scoop_updated_at=scoop.updated_at,
                link=actions.do_track_scoop_link(scoop, None),
            )  # fmt: skip
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
        publication.last_error, publication.failed_at = "", None
        # A new tracked link when the article or the campaign changed, none once tracking is
        # off: a change of the object like any other.
        publication.link = actions.do_track_scoop_link(scoop, publication.link)
        obj = documents.scoop_object(scoop, publication)
        digest = documents.object_digest(obj)
        if digest == publication.digest:
            publication.save(update_fields=["scoop_updated_at", "link", "last_error", "failed_at"])
            return 0
        publication.digest = digest
        publication.changed_at = now
        publication.save(update_fields=[
            "scoop_updated_at", "link", "digest", "changed_at", "last_error", "failed_at",
        ])  # fmt: skip
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
        publication.last_error, publication.failed_at = "", None
        publication.save(update_fields=["state", "changed_at", "last_error", "failed_at"])
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


def _retire_topic(topic_id: int, now: datetime) -> int:
    """A topic was deleted: tell its followers the actor is gone (servers then drop its posts
    too), call off what it had not sent yet, and forget its followers and publications. Its
    key stays: it signs the Delete, and marks the actor as gone (410) from now on."""
    with transaction.atomic():
        if Topic.objects.filter(pk=topic_id).exists():
            return 0
        followers = list(Follower.objects.select_for_update().filter(topic_id=topic_id))
        deletion = vocab.delete_actor(
            actions.new_activity_uri(), addresses.actor_uri(topic_id),
            addresses.followers_uri(topic_id),
        )  # fmt: skip
        activity = actions.queue_activity(
            topic_id, deletion, {f.delivery_inbox for f in followers}, now=now
        )
        unsent = Delivery.objects.filter(activity__topic_id=topic_id, state=DeliveryState.PENDING)
        if activity is not None:
            unsent = unsent.exclude(activity=activity)
        unsent.update(state=DeliveryState.FAILED, last_error="The topic was deleted.")
        Follower.objects.filter(topic_id=topic_id).delete()
        Publication.objects.filter(topic_id=topic_id).delete()
    return 1


def _note_failure(publications: Iterable[int] | None, exc: Exception, now: datetime) -> None:
    if publications:
        Publication.objects.filter(pk__in=list(publications)).update(
            last_error=f"Unexpected error in the sweep: {exc!r}"[:500], failed_at=now
        )


def _each(
    what: str,
    ids: Iterable[int],
    step: Callable[[int, datetime], int],
    rows_of: Callable[[int], Iterable[int] | None],
    now: datetime,
) -> int:
    """`step` for each id; an unexpected error is logged, recorded on the publication rows it
    concerns (`rows_of`), and the next id is handled."""
    done = 0
    for ident in ids:
        try:
            done += step(ident, now)
        except Exception as exc:
            logger.exception("The federation sweep failed on %s %s", what, ident)
            try:
                _note_failure(rows_of(ident), exc, now)
            except Exception:
                logger.exception("The failure on %s %s could not be recorded", what, ident)
    return done


def _latest_publication(scoop_id: int) -> list[int]:
    return list(
        Publication.objects.filter(scoop_id=scoop_id)
        .order_by("-number")
        .values_list("pk", flat=True)[:1]
    )


def _topic_publications(topic_id: int) -> list[int]:
    return list(Publication.objects.filter(topic_id=topic_id).values_list("pk", flat=True))


def sweep(now: datetime | None = None) -> int:
    """Notice scoop and topic changes and recover abandoned deliveries; returns how many rows
    it acted on."""
    now = now or timezone.now()
    count = _recover_abandoned(now)

    live = Publication.objects.filter(scoop_id=OuterRef("pk"), state=PublicationState.LIVE)
    new = (
        queries.visible_scoops()
        .exclude(Exists(live))
        .order_by("published_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    count += _each("scoop", list(new), _publish, _latest_publication, now)

    settled = (
        Publication.objects.filter(state=PublicationState.LIVE)
        .filter(Exists(Topic.objects.filter(pk=OuterRef("topic_id"))))
        .exclude(failed_at__gt=now - FAILED_ROW_PAUSE)
    )
    visible = Exists(queries.visible_scoops().filter(pk=OuterRef("scoop_id")))
    edited = (
        settled.filter(visible)
        .exclude(scoop_updated_at=F("scoop__updated_at"))
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    count += _each("publication", list(edited), _revise, lambda pk: [pk], now)

    gone = settled.exclude(visible).values_list("pk", flat=True)[:SWEEP_BATCH]
    count += _each("publication", list(gone), _retract, lambda pk: [pk], now)

    vanished = queries.vanished_topic_ids(SWEEP_BATCH)
    count += _each("deleted topic", vanished, _retire_topic, _topic_publications, now)
    return count
