"""Storing what the networks report: once per network id, in bulk, with the rules run on
what is new.

`do_record_interactions` is what the inbox pulls (`outlier.inbox.pulls`) call with each page
an adapter returns. It reads which of the page's ids are already stored in one query, inserts
the rest in one statement (a concurrent pull inserting the same id is ignored by the unique
constraint), then runs the workspace's rules over the new work items.
"""

from __future__ import annotations

from collections.abc import Iterable

from outlier.inbox import rules
from outlier.inbox.models import WORK_KINDS, Interaction, conversation_of
from outlier.networks.base import Interaction as Seen
from outlier.publishing.models import Channel, Delivery, DeliveryState

BATCH = 1000


def row_for(channel: Channel, item: Seen, deliveries: dict[str, int]) -> Interaction:
    """The row an interaction read from the network becomes (fields cut to their columns)."""
    kind = item.kind.value
    return Interaction(
        workspace_id=channel.workspace_id, channel=channel, kind=kind,
        remote_id=item.remote_id[:500], author_id=item.author_id[:500],
        author_handle=item.author_handle[:300], author_name=item.author_name[:300],
        author_url=item.author_url[:2000], author_avatar=item.author_avatar[:2000],
        author_followers=item.author_followers if (item.author_followers or 0) >= 0 else None,
        text=item.text, language=item.language[:35], url=item.url[:2000],
        subject_id=item.subject_id[:500], reply_ref=item.reply_ref[:500],
        thread_root=item.thread_root[:500],
        conversation=conversation_of(kind, item.author_id, item.subject_id, item.thread_root),
        delivery_id=deliveries.get(item.subject_id), created_at=item.created_at,
        is_work=kind in WORK_KINDS,
    )  # fmt: skip


def do_record_interactions(
    channel: Channel, items: Iterable[Seen], *, run_rules: bool = True
) -> int:
    """Store what the network reported, once per network id; returns how many were new.

    Each is tied to the delivery it concerns when its subject is a post this channel sent.
    """
    new = 0
    batch: list[Seen] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            new += _record(channel, batch, run_rules)
            batch = []
    if batch:
        new += _record(channel, batch, run_rules)
    return new


def _record(channel: Channel, items: list[Seen], run_rules: bool) -> int:
    subjects = {item.subject_id for item in items if item.subject_id}
    deliveries = dict(
        Delivery.objects.filter(
            channel=channel, state=DeliveryState.SENT, remote_id__in=subjects
        ).values_list("remote_id", "pk")
    ) if subjects else {}  # fmt: skip
    ids = [item.remote_id[:500] for item in items]
    known = set(
        Interaction.objects.filter(channel=channel, remote_id__in=ids).values_list(
            "remote_id", flat=True
        )
    )
    rows = []
    for item in items:
        remote_id = item.remote_id[:500]
        if remote_id in known or not remote_id:
            continue
        known.add(remote_id)
        rows.append(row_for(channel, item, deliveries))
    if not rows:
        return 0
    Interaction.objects.bulk_create(rows, ignore_conflicts=True)
    if run_rules and any(row.is_work for row in rows):
        stored = Interaction.objects.filter(
            channel=channel, remote_id__in=[r.remote_id for r in rows if r.is_work]
        )
        rules.apply_on_arrival(channel.workspace_id, list(stored))
    return len(rows)
