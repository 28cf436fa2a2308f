"""The delivery engine's per-delivery statements, written out once.

These run for every post sent (thousands a minute in a burst); building them through the ORM
cost more CPU than the network call. They are the same statements the ORM would send, with
their parameters adapted by the backend's own `connection.ops`, portable between SQLite and
PostgreSQL. Everything else in the engine uses the ORM.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from outlier.publishing.models import ChannelStatus, DeliveryState, PostStatus

OPEN = (DeliveryState.SCHEDULED.value, DeliveryState.RETRYING.value)
UNFINISHED = (DeliveryState.SCHEDULED.value, DeliveryState.RETRYING.value,
              DeliveryState.SENDING.value, DeliveryState.FAILED.value,
              DeliveryState.UNCONFIRMED.value)  # fmt: skip
# The tables of Delivery, DeliveryEvent, Post and Channel (tests/publishing checks the names).
TABLES = ("publishing_delivery", "publishing_deliveryevent", "publishing_post",
          "publishing_channel")  # fmt: skip

_BEGIN = (
    "UPDATE publishing_delivery SET state = %s, attempts = attempts + 1, claimed_at = %s, "
    "updated_at = %s WHERE id = %s AND claimed_by = %s AND state IN (%s, %s) AND channel_id IN "
    "(SELECT id FROM publishing_channel "
    "WHERE status = %s OR (status = %s AND rate_limited_until <= %s))"
)
_EVENT = (
    "INSERT INTO publishing_deliveryevent (delivery_id, at, state, message) VALUES (%s, %s, %s, %s)"
)
_SENT = (
    "UPDATE publishing_delivery SET state = %s, sent_at = %s, remote_id = %s, remote_url = %s, "
    "error = '', error_kind = '', updated_at = %s WHERE id = %s"
)
_SETTLE = (
    "UPDATE publishing_post SET status = %s WHERE id = %s AND status <> %s AND NOT EXISTS "
    "(SELECT 1 FROM publishing_delivery WHERE post_id = %s AND state IN (%s, %s, %s, %s, %s))"
)


def _at(value: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def begin(delivery_id: int, worker_id: str, now: datetime) -> bool:
    """ "sending" for a leased delivery whose channel is open; False when it is not."""
    at = _at(now)
    with connection.cursor() as cursor:
        cursor.execute(_BEGIN, [DeliveryState.SENDING.value, at, at, delivery_id, worker_id, *OPEN,
                                ChannelStatus.OK.value, ChannelStatus.RATE_LIMITED.value, at])  # fmt: skip
        return cursor.rowcount == 1


def event(delivery_id: int, state: str, message: str, now: datetime) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_EVENT, [delivery_id, _at(now), state, message[:1000]])


def sent(delivery_id: int, remote_id: str, remote_url: str, now: datetime) -> None:
    at = _at(now)
    with connection.cursor() as cursor:
        cursor.execute(_SENT, [DeliveryState.SENT.value, at, remote_id[:500], remote_url[:2000],
                               at, delivery_id])  # fmt: skip


def settle(post_id: int) -> None:
    """The post is published once none of its deliveries is unfinished (cancelled stays)."""
    with connection.cursor() as cursor:
        cursor.execute(_SETTLE, [PostStatus.PUBLISHED.value, post_id, PostStatus.CANCELLED.value,
                                 post_id, *UNFINISHED])  # fmt: skip
