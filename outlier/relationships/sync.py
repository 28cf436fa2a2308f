"""Building identities and contacts from the traffic Outlier already reads, and scoring them.

Three streams, each read past its own `SyncCursor` under a row lock (one worker at a time;
the cursor moves in the same transaction as what it produced, so a crash re-reads a batch and
nothing is counted twice):

- "interactions": the inbox's rows by id. Each author becomes an identity (a contact of its
  own the first time), its handle, name and picture refreshed; the interaction adds to the
  contact's inbound weight; a follow sets "follows you". Rows are read only once they are
  GRACE_SECONDS old, so an ingest transaction that took a lower id and commits later is not
  skipped.
- "replies": replies sent from the inbox (their delivery sent), by the time they were sent;
- "engagements": likes and reposts done from the inbox, by the time they were done. These two
  re-read GRACE_SECONDS behind their cursor and are stored once each as a `Touch` (unique by
  source), so a late commit is not lost and a re-read counts nothing twice.

`run_due` is a worker job (settings.WORKER_DUE_JOBS), at most every SYNC_EVERY_SECONDS.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from outlier.inbox.models import (
    EngageAction,
    EngageState,
    InboxReply,
    Interaction,
    InteractionKind,
)
from outlier.publishing.models import DeliveryState
from outlier.relationships import strength
from outlier.relationships.models import (
    CHANNEL_NETWORKS,
    Contact,
    Identity,
    SyncCursor,
    Touch,
)

BATCH = 1000
GRACE_SECONDS = 10
SYNC_EVERY_SECONDS = 2.0
_last_run = [0.0]


@dataclass
class Seen:
    """An author as one batch saw them last."""

    network: str
    remote_id: str
    handle: str
    name: str
    avatar: str
    url: str
    followers: int | None
    at: datetime
    profile: bool = False  # read from the profile itself: bio, website and links are known
    bio: str = ""
    website: str = ""  # verified by the network (Mastodon's rel=me check)
    links: tuple[str, ...] = ()


def _cursor(name: str) -> SyncCursor | None:
    """The cursor row, locked for this transaction; None when another worker holds it."""
    SyncCursor.objects.get_or_create(name=name)
    return SyncCursor.objects.select_for_update(skip_locked=True).filter(name=name).first()


def identities_for(workspace_id: int, seen: Iterable[Seen]) -> dict[tuple[str, str], Identity]:
    """The identities of these authors, created (each with a contact) when new and refreshed
    with what the network showed last; keyed by (network, remote_id)."""
    latest: dict[tuple[str, str], Seen] = {}
    for s in seen:
        key = (s.network, s.remote_id)
        if key not in latest or latest[key].at <= s.at:
            latest[key] = s
    if not latest:
        return {}
    found = {
        (i.network, i.remote_id): i
        for i in Identity.objects.filter(
            workspace_id=workspace_id, remote_id__in={k[1] for k in latest}
        )
        if (i.network, i.remote_id) in latest
    }
    changed = []
    for key, identity in found.items():
        s = latest[key]
        if s.at >= identity.last_seen_at:
            identity.handle, identity.last_seen_at = s.handle[:300] or identity.handle, s.at
            identity.name = s.name[:300] or identity.name
            identity.avatar = s.avatar[:2000] or identity.avatar
            identity.profile_url = s.url[:2000] or identity.profile_url
            if s.followers is not None:
                identity.followers = s.followers
            if s.profile:
                identity.bio, identity.website = s.bio, s.website[:2000]
                identity.links = list(s.links)[:20]
            changed.append(identity)
    Identity.objects.bulk_update(changed, ["handle", "name", "avatar", "profile_url", "followers",
                                           "last_seen_at", "bio", "website", "links"])  # fmt: skip
    new = [s for key, s in latest.items() if key not in found]
    contacts = Contact.objects.bulk_create([
        Contact(workspace_id=workspace_id, name=(s.name or s.handle)[:300], first_seen_at=s.at)
        for s in new
    ])  # fmt: skip
    created = Identity.objects.bulk_create([
        Identity(workspace_id=workspace_id, contact=contact, network=s.network,
                 remote_id=s.remote_id[:500], handle=s.handle[:300], name=s.name[:300],
                 avatar=s.avatar[:2000], profile_url=s.url[:2000], followers=s.followers,
                 bio=s.bio, website=s.website[:2000], links=list(s.links)[:20],
                 first_seen_at=s.at, last_seen_at=s.at)
        for s, contact in zip(new, contacts, strict=True)
    ])  # fmt: skip
    found.update({(i.network, i.remote_id): i for i in created})
    return found


def credit(workspace_id: int, weights: dict[int, list[tuple[datetime, float, bool]]],
           now: datetime) -> None:  # fmt: skip
    """Add to each contact (by id) its new interactions: (when, weight, inbound)."""
    contacts = Contact.objects.select_for_update().filter(
        workspace_id=workspace_id, pk__in=list(weights)
    )
    changed = []
    for contact in contacts:
        inbound = outbound = 0.0
        last = contact.last_interaction_at
        for at, weight, theirs in weights[contact.pk]:
            if theirs:
                inbound += weight * strength.decay(at, now)
                contact.interactions_in += 1
            else:
                outbound += weight * strength.decay(at, now)
                contact.interactions_out += 1
            last = at if last is None or at > last else last
        score = strength.Score(contact.inbound, contact.outbound)
        score = score.add(contact.scored_at or now, now, inbound, outbound)
        contact.inbound, contact.outbound, contact.scored_at = score.inbound, score.outbound, now
        contact.rank = strength.rank(score, now)
        contact.last_interaction_at = last
        if contact.remind_every_weeks and last is not None:
            contact.remind_at = last + timedelta(weeks=contact.remind_every_weeks)
        changed.append(contact)
    Contact.objects.bulk_update(changed, [
        "inbound", "outbound", "scored_at", "rank", "last_interaction_at", "interactions_in",
        "interactions_out", "remind_at",
    ])  # fmt: skip


AUTHOR = ("workspace_id", "author_id", "author_handle", "author_name", "author_avatar",
          "author_url", "author_followers", "created_at", "channel__network")  # fmt: skip


def _seen(row: Mapping[str, Any]) -> Seen:
    """The author of an interaction read with `.values(*AUTHOR)`."""
    return Seen(CHANNEL_NETWORKS[row["channel__network"]], row["author_id"][:500],
                row["author_handle"], row["author_name"], row["author_avatar"], row["author_url"],
                row["author_followers"], row["created_at"])  # fmt: skip


def _sync_interactions(now: datetime) -> int:
    with transaction.atomic():
        cursor = _cursor("interactions")
        if cursor is None:
            return 0
        rows = list(
            Interaction.objects.filter(
                pk__gt=cursor.position, received_at__lte=now - timedelta(seconds=GRACE_SECONDS)
            )
            .order_by("pk")
            .values(
                "pk",
                "workspace_id",
                "kind",
                "author_id",
                "author_handle",
                "author_name",
                "author_avatar",
                "author_url",
                "author_followers",
                "created_at",
                "channel__network",
            )[:BATCH]  # fmt: skip
        )
        if not rows:
            return 0
        by_workspace: dict[int, list[Mapping[str, Any]]] = {}
        for row in rows:
            # A post a listening stream found is not an interaction with us (streams.py).
            if (row["channel__network"] in CHANNEL_NETWORKS and row["author_id"]
                    and row["kind"] != InteractionKind.POST):  # fmt: skip
                by_workspace.setdefault(row["workspace_id"], []).append(row)
        for workspace_id, found in by_workspace.items():
            _take_interactions(workspace_id, found, now)
        cursor.position = rows[-1]["pk"]
        cursor.save(update_fields=["position", "updated_at"])
        return len(rows)


def _take_interactions(workspace_id: int, rows: list[Mapping[str, Any]], now: datetime) -> None:
    people = identities_for(workspace_id, [_seen(row) for row in rows])
    weights: dict[int, list[tuple[datetime, float, bool]]] = {}
    followed = []
    for row in rows:
        author = _seen(row)
        identity = people[(author.network, author.remote_id)]
        weight = strength.WEIGHTS_IN.get(row["kind"], 0.0)
        weights.setdefault(identity.contact_id, []).append((row["created_at"], weight, True))
        if row["kind"] == "follow" and not identity.follows_you:
            identity.follows_you = True
            followed.append(identity)
    Identity.objects.bulk_update(followed, ["follows_you"])
    credit(workspace_id, weights, now)


@dataclass
class Outgoing:
    """Something we did towards an author of an interaction."""

    source: str
    kind: str
    at: datetime
    interaction_id: int
    text: str = ""
    url: str = ""


def _replies(since: datetime) -> list[Outgoing]:
    sent = InboxReply.objects.filter(
        post__deliveries__state=DeliveryState.SENT, post__deliveries__sent_at__gt=since
    ).values("pk", "interaction_id", "post__text", "post__deliveries__sent_at",
             "post__deliveries__remote_url").order_by("post__deliveries__sent_at")[:BATCH]  # fmt: skip
    return [Outgoing(f"reply:{r['pk']}", "reply", cast(datetime, r["post__deliveries__sent_at"]),
                     r["interaction_id"], r["post__text"], r["post__deliveries__remote_url"])
            for r in sent]  # fmt: skip


def _engagements(since: datetime) -> list[Outgoing]:
    done = EngageAction.objects.filter(state=EngageState.DONE, done_at__gt=since).values(
        "pk", "kind", "done_at", "interaction_id"
    ).order_by("done_at")[:BATCH]  # fmt: skip
    return [Outgoing(f"{r['kind']}:{r['pk']}", r["kind"], cast(datetime, r["done_at"]),
                     r["interaction_id"])
            for r in done]  # fmt: skip


def _sync_outgoing(name: str, read: Any, now: datetime) -> int:
    """Store what we did since the cursor (minus the grace) as touches, once each, and credit
    the new ones to their contacts."""
    with transaction.atomic():
        cursor = _cursor(name)
        if cursor is None:
            return 0
        since = datetime.fromtimestamp(cursor.position / 1e6, UTC)
        done: list[Outgoing] = read(since - timedelta(seconds=GRACE_SECONDS))
        if not done:
            return 0
        known = set(Touch.objects.filter(source__in=[d.source for d in done]).values_list(
            "source", flat=True))  # fmt: skip
        fresh = [d for d in done if d.source not in known]
        authors = {
            r["pk"]: r
            for r in Interaction.objects.filter(pk__in={d.interaction_id for d in fresh}).values(
                "pk",
                "workspace_id",
                "author_id",
                "author_handle",
                "author_name",
                "author_avatar",
                "author_url",
                "author_followers",
                "created_at",
                "channel__network",
            )  # fmt: skip
        }
        by_workspace: dict[int, list[Outgoing]] = {}
        for d in fresh:
            row = authors.get(d.interaction_id)
            if row is not None and row["channel__network"] in CHANNEL_NETWORKS:
                by_workspace.setdefault(row["workspace_id"], []).append(d)
        for workspace_id, items in by_workspace.items():
            rows = [authors[d.interaction_id] for d in items]
            authors_seen = [_seen(r) for r in rows]
            people = identities_for(workspace_id, authors_seen)
            touches: list[Touch] = []
            weights: dict[int, list[tuple[datetime, float, bool]]] = {}
            for d, author in zip(items, authors_seen, strict=True):
                who = people[(author.network, author.remote_id)]
                touches.append(Touch(workspace_id=workspace_id, contact_id=who.contact_id,
                                     identity=who, kind=d.kind, source=d.source, at=d.at,
                                     text=d.text, url=d.url[:2000]))  # fmt: skip
                weight = strength.WEIGHTS_OUT.get(d.kind, 0.0)
                weights.setdefault(who.contact_id, []).append((d.at, weight, False))
            Touch.objects.bulk_create(touches, ignore_conflicts=True)
            credit(workspace_id, weights, now)
        newest = max(d.at for d in done)
        cursor.position = max(cursor.position, int(newest.timestamp() * 1e6))
        cursor.save(update_fields=["position", "updated_at"])
        return len(fresh)


def sync_once(now: datetime | None = None) -> int:
    """One batch of each stream; how many rows were taken."""
    now = now or timezone.now()
    return (_sync_interactions(now) + _sync_outgoing("replies", _replies, now)
            + _sync_outgoing("engagements", _engagements, now))  # fmt: skip


def run_due(worker_id: str, limit: int = 10) -> int:
    """The worker's job: at most every SYNC_EVERY_SECONDS in this process."""
    clock = time.monotonic()
    if clock - _last_run[0] < SYNC_EVERY_SECONDS:
        return 0
    _last_run[0] = clock
    return sync_once()
