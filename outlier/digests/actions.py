"""The writes of digests: subscribing (checked, rate-limited, the same answer whatever the
address's history), confirming, unsubscribing, and a curator removing a subscriber.

Visitors act through the public pages with no account: the topic must be public, and the
tokens of `tokens` are the only proof they hold. Curators act as members: any member reads a
topic's subscribers, editors and owners remove them (`REMOVE_ROLE`); another workspace's topic
or subscriber is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from outlier.core.actions import check_role
from outlier.core.models import Membership, Role
from outlier.curation.models import Topic
from outlier.digests import schedule, throttle, tokens
from outlier.digests.models import Frequency, Subscription, SubscriptionState, address_key
from outlier.publishing import timing

__all__ = [
    "REMOVE_ROLE",
    "Wanted",
    "access_public_topic",
    "access_subscription",
    "check_subscription",
    "do_confirm",
    "do_remove_subscription",
    "do_subscribe",
    "do_unsubscribe",
]

REMOVE_ROLE = Role.EDITOR
MAX_EMAIL = 254


class RateLimited(Exception):
    """Too many requests from this address or this client: try later."""


@dataclass(frozen=True)
class Wanted:
    """A checked subscription request."""

    email: str
    frequency: str
    weekday: int
    hour: int
    time_zone: str


def _number(value: object, field: str, low: int, high: int, what: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: f"Choose {what}."}) from exc
    if not low <= number <= high:
        raise ValidationError({field: f"Choose {what}."})
    return number


def check_subscription(email: str, frequency: str, weekday: object, hour: object,
                       time_zone: str) -> Wanted:  # fmt: skip
    """The request checked field by field; every bad field is reported at once."""
    errors: dict[str, str] = {}
    email = (email or "").strip()
    try:
        if len(email) > MAX_EMAIL:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        errors["email"] = "Enter a valid e-mail address, like name@example.org."
    if frequency not in Frequency.values:
        errors["frequency"] = "Choose daily or weekly."
    values: dict[str, int] = {}
    for field, low, high, what in (("weekday", 0, 6, "a day of the week"),
                                   ("hour", 0, 23, "an hour from 00:00 to 23:00")):  # fmt: skip
        try:
            values[field] = _number(weekday if field == "weekday" else hour, field, low, high,
                                    what)  # fmt: skip
        except ValidationError as exc:
            errors[field] = exc.message_dict[field][0]
    time_zone = (time_zone or "").strip()
    try:
        if not time_zone or len(time_zone) > 64:
            raise ValidationError("empty")
        timing.zone(time_zone)
    except ValidationError:
        errors["time_zone"] = (f"Unknown time zone “{time_zone[:64]}”: choose one from the list, "
                               "like Europe/Lisbon or America/New_York.")  # fmt: skip
    if errors:
        raise ValidationError(errors)
    return Wanted(email, frequency, values["weekday"], values["hour"], time_zone)


def access_public_topic(slug: str) -> Topic:
    topic = Topic.objects.select_related("workspace").filter(slug=slug, is_public=True).first()
    if topic is None:
        raise Http404("No such public topic.")
    return topic


def do_subscribe(topic: Topic, wanted: Wanted, client: str,
                 now: datetime | None = None) -> None:  # fmt: skip
    """Ask for a confirmation e-mail to `wanted.email` (the worker sends it).

    Returns nothing, whatever happened, so the caller cannot tell a new address from a known
    one: a new address, a pending one, or one that unsubscribed or bounced gets a
    confirmation e-mail that, once confirmed, starts the schedule asked for; an active
    subscription is left as it is and gets no e-mail. RateLimited when the address or the
    client asked too often (the same for every address).
    """
    now = now or timezone.now()
    key = address_key(wanted.email)
    if not throttle.allow(key, client):
        raise RateLimited("Too many subscription requests: try again in an hour.")
    schedule_fields = {"email": wanted.email, "frequency": wanted.frequency,
                       "weekday": wanted.weekday, "hour": wanted.hour,
                       "time_zone": wanted.time_zone, "confirm_due_at": now,
                       # a row never confirmed is deleted then (the link mailed says the same)
                       "confirm_expires_at": now + timedelta(days=tokens.CONFIRM_DAYS)}  # fmt: skip
    with transaction.atomic():
        found = Subscription.objects.select_for_update().filter(topic=topic, email_key=key).first()
        if found is None:
            try:
                with transaction.atomic():
                    Subscription.objects.create(topic=topic, email_key=key, **schedule_fields)
            except IntegrityError:
                pass  # the same address at the same moment: that one asks for it
            return
        if found.state == SubscriptionState.ACTIVE:
            return
        Subscription.objects.filter(pk=found.pk).update(**schedule_fields)


def _confirmable(token: str) -> Subscription:
    confirmation = tokens.read_confirmation(token)
    found = Subscription.objects.select_related("topic").filter(
        pk=confirmation.subscription_id).first()  # fmt: skip
    if found is None:
        raise tokens.BadToken("This confirmation link has expired: subscribe again on the "
                              "topic's page to get a new one.", 410)  # fmt: skip
    if not found.confirm_hash or found.confirm_hash != confirmation.hash:
        if found.state == SubscriptionState.ACTIVE:
            raise tokens.BadToken("This confirmation link was used already: you are "
                                  "subscribed.", 410)  # fmt: skip
        raise tokens.BadToken("This confirmation link was replaced by a newer one, or used "
                              "already: use the newest e-mail, or subscribe again.", 410)  # fmt: skip
    return found


def check_confirmation(token: str) -> Subscription:
    """The subscription a confirmation link would confirm (for its page), or BadToken."""
    return _confirmable(token)


def do_confirm(token: str, now: datetime | None = None) -> Subscription:
    """Confirm: the subscription becomes active, its first digest due at the next slot and
    holding what is published from now on. The token is used up. BadToken when it is forged
    (404), expired, replaced or used (410)."""
    now = now or timezone.now()
    found = _confirmable(token)
    next_at = schedule.next_send(found.frequency, found.weekday, found.hour, found.time_zone, now)
    changed = Subscription.objects.filter(pk=found.pk, confirm_hash=found.confirm_hash).update(
        state=SubscriptionState.ACTIVE, confirm_hash="", confirm_expires_at=None,
        confirm_due_at=None, confirmed_at=now, unsubscribed_at=None, covered_until=now,
        next_at=next_at, bounces=0, claimed_by="", claimed_at=None,
    )  # fmt: skip
    if not changed:  # the same link confirmed twice at once: the other request did it
        raise tokens.BadToken("This confirmation link was used already: you are subscribed.", 410)
    found.refresh_from_db()
    return found


def do_unsubscribe(subscription: Subscription, now: datetime | None = None) -> Subscription:
    """No more digests. Unsubscribing again changes nothing."""
    now = now or timezone.now()
    Subscription.objects.filter(pk=subscription.pk).exclude(
        state=SubscriptionState.UNSUBSCRIBED).update(
        state=SubscriptionState.UNSUBSCRIBED, unsubscribed_at=now, next_at=None,
        confirm_due_at=None, confirm_hash="", confirm_expires_at=None)  # fmt: skip
    subscription.refresh_from_db()
    return subscription


def access_subscription(member: Membership, topic: Topic, subscription_id: int,
                        role: str = Role.VIEWER) -> Subscription:  # fmt: skip
    check_role(member, role)
    if topic.workspace_id != member.workspace_id:
        raise Http404("No such topic in this workspace.")
    found = Subscription.objects.filter(pk=subscription_id, topic=topic).first()
    if found is None:
        raise Http404("No such subscriber of this topic.")
    return found


def do_remove_subscription(member: Membership, subscription: Subscription) -> None:
    """An editor removes a subscriber: the row and its digests go, address included. The
    address may subscribe again (with a new confirmation)."""
    check_role(member, REMOVE_ROLE)
    if not Subscription.objects.filter(pk=subscription.pk,
                                       topic__workspace=member.workspace).exists():  # fmt: skip
        raise Http404("No such subscriber of this topic.")
    subscription.delete()
