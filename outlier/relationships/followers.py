"""Reading each channel's followers and followed accounts into identities, and the growth they
show: who was gained and who was lost, per channel and day.

Every channel whose network can list followers (capability "follower_list") has a PeoplePull
row saying when it is read next (every `settings.FOLLOWERS_PULL_SECONDS`). A worker leases due
rows (row locks, SKIP LOCKED), reads up to MAX_PAGES pages of followers and of followed
accounts, and in one transaction: makes or refreshes an identity for each person (with what
their profile says: bio, verified website, links, for merge suggestions on proof), sets
"follows you" and "you follow", records a `FollowEvent` "gained" for each new follower and,
when the list was read to its end, "lost" for each one gone. A list cut off at MAX_PAGES
counts only gains (nobody is said to have left on a partial read).

`run_due` is a worker job (settings.WORKER_DUE_JOBS), `schedule` a sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from outlier.core import leases
from outlier.inbox.models import Interaction, InteractionKind
from outlier.networks import registry
from outlier.publishing.models import Channel
from outlier.publishing.reads import read_channel
from outlier.relationships import suggestions
from outlier.relationships.models import (
    CHANNEL_NETWORKS,
    Follow,
    FollowEvent,
    Identity,
    PeoplePull,
)
from outlier.relationships.sync import Seen, identities_for

logger = logging.getLogger(__name__)

LEASE_SECONDS = 900
MAX_PAGES = 50
RETRY_SECONDS = 600


def _networks() -> list[str]:
    return [name for name, adapter in registry.ADAPTERS.items()
            if "follower_list" in adapter.capabilities and name in CHANNEL_NETWORKS]  # fmt: skip


def schedule(now: datetime | None = None) -> int:
    """Give every channel that lists followers a pull row, due now. Idempotent."""
    now = now or timezone.now()
    missing = Channel.objects.filter(network__in=_networks(), people_pull__isnull=True)
    rows = [PeoplePull(channel_id=pk, next_at=now) for pk in missing.values_list("pk", flat=True)]
    PeoplePull.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def claim(worker_id: str, limit: int, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    due = PeoplePull.objects.filter(next_at__lte=now, channel__network__in=_networks())
    return leases.claim(due, worker_id, limit, LEASE_SECONDS, now)


def run_due(worker_id: str, limit: int = 10) -> int:
    """Read every due channel this worker could lease (one at a time); how many it read."""
    ids = claim(worker_id, 1)
    for pull in PeoplePull.objects.filter(pk__in=ids, claimed_by=worker_id).select_related(
        "channel"
    ):  # fmt: skip
        pull_channel(pull)
    return len(ids)


def read_all(list_page: Callable[[str], Any]) -> tuple[list[Any], bool]:
    """Every person of a paged list, and whether the list was read to its end."""
    people: list[Any] = []
    cursor = ""
    for _ in range(MAX_PAGES):
        page = list_page(cursor)
        people.extend(page.people)
        if not page.cursor or page.cursor == cursor:
            return people, True
        cursor = page.cursor
    return people, False


def pull_channel(pull: PeoplePull, now: datetime | None = None) -> int:
    """Read the channel's followers and followed accounts; reschedule. Returns how many
    followers were gained."""
    channel = pull.channel
    now = now or timezone.now()

    def read(adapter: Any) -> tuple[int, int, bool]:
        followers, complete = read_all(adapter.followers)
        following, following_complete = read_all(adapter.following)
        gained = record(channel, followers, complete, following, following_complete, now)
        return gained, len(followers), complete

    fields, done = read_channel(channel, "the followers of", read, now,
                                settings.FOLLOWERS_PULL_SECONDS, RETRY_SECONDS)  # fmt: skip
    gained = 0
    if done is not None:
        gained, fields["followers"], fields["complete"] = done
    PeoplePull.objects.filter(pk=pull.pk).update(**fields)
    return gained


def _seen(network: str, person: Any, now: datetime) -> Seen:
    return Seen(network, person.remote_id[:500], person.handle, person.name, person.avatar,
                person.url, person.followers, now, profile=True, bio=person.bio,
                website=person.website, links=tuple(person.links))  # fmt: skip


def record(channel: Channel, followers: list[Any], complete: bool, following: list[Any],
           following_complete: bool, now: datetime) -> int:  # fmt: skip
    """Store what the lists say (see the module's docstring); returns the followers gained."""
    network = CHANNEL_NETWORKS[channel.network]
    workspace_id = channel.workspace_id
    with transaction.atomic():
        people = identities_for(workspace_id, [_seen(network, p, now)
                                               for p in [*followers, *following]])  # fmt: skip
        follower_ids = {people[(network, p.remote_id[:500])].pk for p in followers}
        gained, lost = _follows(channel, Follow.IN, follower_ids, complete, now)
        started, stopped = _follows(channel, Follow.OUT, {
            people[(network, p.remote_id[:500])].pk for p in following}, following_complete,
            now)  # fmt: skip
        FollowEvent.objects.bulk_create(
            [FollowEvent(workspace_id=workspace_id, channel=channel, identity_id=pk,
                         kind=FollowEvent.GAINED, at=now) for pk in sorted(gained)]
            + [FollowEvent(workspace_id=workspace_id, channel=channel, identity_id=pk,
                           kind=FollowEvent.LOST, at=now) for pk in sorted(lost)]
        )  # fmt: skip
        stale = _heard_but_gone(channel, network, follower_ids) if complete else set()
        _flags(gained | lost | started | stopped | stale)
    suggestions.suggest(Identity.objects.filter(pk__in=[i.pk for i in people.values()
                                                        if i.website]))  # fmt: skip
    return len(gained)


def _follows(channel: Channel, direction: str, now_ids: set[int], complete: bool,
             now: datetime) -> tuple[set[int], set[int]]:  # fmt: skip
    """Open the follows that are new, close those gone (only after a complete read)."""
    current = dict(Follow.objects.filter(channel=channel, direction=direction,
                                         until__isnull=True).values_list("identity_id", "pk"))  # fmt: skip
    new = now_ids - set(current)
    Follow.objects.bulk_create([Follow(channel=channel, identity_id=pk, direction=direction,
                                       since=now) for pk in new])  # fmt: skip
    gone = set(current) - now_ids if complete else set()
    Follow.objects.filter(pk__in=[current[pk] for pk in gone]).update(until=now)
    return new, gone


def _heard_but_gone(channel: Channel, network: str, follower_ids: set[int]) -> set[int]:
    """Identities marked "follows you" because the inbox heard them follow this channel, that
    its complete list no longer shows: they left between two reads, unseen by the lists."""
    heard = Interaction.objects.filter(channel=channel, kind=InteractionKind.FOLLOW)
    return set(Identity.objects.filter(
        workspace_id=channel.workspace_id, network=network, follows_you=True,
        remote_id__in=heard.values("author_id"),
    ).exclude(pk__in=follower_ids).values_list("pk", flat=True))  # fmt: skip


def _flags(identity_ids: set[int]) -> None:
    """ "Follows you" and "you follow" from the follows open on any of the workspace's
    channels."""
    if not identity_ids:
        return
    open_follows = Follow.objects.filter(identity_id__in=identity_ids, until__isnull=True)
    ins = set(open_follows.filter(direction=Follow.IN).values_list("identity_id", flat=True))
    outs = set(open_follows.filter(direction=Follow.OUT).values_list("identity_id", flat=True))
    for flag, on in (("follows_you", ins), ("you_follow", outs)):
        Identity.objects.filter(pk__in=on).update(**{flag: True})
        Identity.objects.filter(pk__in=identity_ids - on).update(**{flag: False})
