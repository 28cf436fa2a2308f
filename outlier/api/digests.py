"""A topic's e-mail subscribers in the REST API: the list (with a state filter), the counts, and
removing one.

Any member reads (a read token is enough); editors and owners remove, with a write token.
Topics and subscribers of another workspace answer 404. Subscribing itself is the public
form's, with its double opt-in: the API does not add addresses. Every write calls
`outlier.digests.actions`, as the screens do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from outlier.api.auth import membership
from outlier.curation.actions import access_topic
from outlier.digests import actions, queries
from outlier.digests.models import Subscription

router = Router(tags=["digests"])

State = Literal["pending", "active", "unsubscribed", "bouncing"]


class SubscriberOut(Schema):
    id: int
    email: str
    state: State  # pending: waiting for confirmation; bouncing: refused too often
    frequency: Literal["daily", "weekly"]
    weekday: int  # 0 Monday … 6 Sunday (weekly digests)
    hour: int  # local hour of delivery
    time_zone: str  # IANA name
    created_at: datetime
    confirmed_at: datetime | None
    unsubscribed_at: datetime | None
    next_at: datetime | None  # the next digest (UTC); none unless active
    last_sent_at: datetime | None  # the last digest sent
    bounces: int  # refusals for good in a row


class CountsOut(Schema):
    total: int
    pending: int
    active: int
    unsubscribed: int
    bouncing: int
    daily: int  # active subscribers by frequency
    weekly: int


def subscriber_out(row: Subscription) -> dict[str, Any]:
    return {name: getattr(row, name) for name in SubscriberOut.model_fields if name != "id"} | {
        "id": row.pk}  # fmt: skip


@router.get("/topics/{slug}/subscribers", response=list[SubscriberOut],
            summary="List a topic's e-mail subscribers",
            description="Newest first, with each one's state, schedule (frequency, weekday, "
                        "hour and time zone), the next and the last digest. `state` filters. "
                        "At most 1,000.")  # fmt: skip
def list_subscribers(request: HttpRequest, slug: str,
                     state: State | None = None) -> list[dict[str, Any]]:  # fmt: skip
    topic = access_topic(membership(request), slug)
    return [subscriber_out(row) for row in queries.subscribers_of(topic, state or "")[:1000]]


@router.get("/topics/{slug}/subscribers/counts", response=CountsOut,
            summary="Count a topic's e-mail subscribers",
            description="By state, and the active ones by frequency.")  # fmt: skip
def count_subscribers(request: HttpRequest, slug: str) -> dict[str, int]:
    return queries.counts(access_topic(membership(request), slug))


@router.delete("/topics/{slug}/subscribers/{int:subscriber_id}", response={204: None},
               summary="Remove an e-mail subscriber (editors)",
               description="The subscriber and their digests are deleted, address included; "
                           "the address may subscribe again, with a new confirmation.")  # fmt: skip
def delete_subscriber(request: HttpRequest, slug: str, subscriber_id: int) -> Status[None]:
    member = membership(request, write=True)
    topic = access_topic(member, slug)
    found = actions.access_subscription(member, topic, subscriber_id, actions.REMOVE_ROLE)
    actions.do_remove_subscription(member, found)
    return Status(204, None)
