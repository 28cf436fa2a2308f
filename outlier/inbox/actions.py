"""The inbox's writes."""

from __future__ import annotations

from collections.abc import Iterable

from outlier.inbox.models import Interaction
from outlier.networks.base import Interaction as Seen
from outlier.publishing.models import Channel, Delivery, DeliveryState


def do_record_interactions(channel: Channel, items: Iterable[Seen]) -> int:
    """Store what the network reported, once per network id; returns how many were new.

    Each is tied to the delivery it concerns when its subject is a post this channel sent.
    """
    items = list(items)
    if not items:
        return 0
    subjects = {item.subject_id for item in items if item.subject_id}
    deliveries = dict(
        Delivery.objects.filter(
            channel=channel, state=DeliveryState.SENT, remote_id__in=subjects
        ).values_list("remote_id", "pk")
    )
    known = set(
        Interaction.objects.filter(
            channel=channel, remote_id__in=[i.remote_id for i in items]
        ).values_list("remote_id", flat=True)
    )
    rows = []
    for item in items:
        if item.remote_id in known:
            continue
        known.add(item.remote_id)
        rows.append(Interaction(
            workspace_id=channel.workspace_id, channel=channel, kind=item.kind.value,
            remote_id=item.remote_id[:500], author_id=item.author_id[:500],
            author_handle=item.author_handle[:300], author_name=item.author_name[:300],
            author_url=item.author_url[:2000], text=item.text, url=item.url[:2000],
            subject_id=item.subject_id[:500], delivery_id=deliveries.get(item.subject_id),
            created_at=item.created_at,
        ))  # fmt: skip
    Interaction.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
