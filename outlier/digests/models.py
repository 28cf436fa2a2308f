"""A topic's e-mail subscribers, each digest sent to one of them, and the tracked links digests
carry.

- `Subscription`: one address on one topic (unique by a hash of the address), with its
  schedule (daily or weekly, the local hour, the IANA zone) and its state; also the row the
  worker claims when its next digest is due (`next_at`, `claimed_by`, `claimed_at`);
- `DigestSend`: one digest for one subscriber and one slot (unique), a row with a state like
  a publishing Delivery: scheduled → sending → sent | retrying | failed | unconfirmed, or
  skipped when nothing was left to send;
- `DigestLink`: the tracked link (`/l/<code>`, medium e-mail) of a scoop in digests, one per
  scoop, which the reports attribute to the scoop and its topic.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.db import models
from django.db.models import Q

from outlier.curation.models import Scoop, Topic
from outlier.links.models import TrackedLink


def address_key(email: str) -> str:
    """What a subscriber's address is unique by (and rate-limited by): a hash, case apart."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def new_nonce() -> str:
    return secrets.token_hex(16)


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


class SubscriptionState(models.TextChoices):
    PENDING = "pending", "Waiting for confirmation"
    ACTIVE = "active", "Subscribed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    BOUNCING = "bouncing", "Bouncing"


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class Subscription(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="subscriptions")
    email = models.CharField(max_length=254)
    email_key = models.CharField(max_length=64)  # address_key(email)
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    weekday = models.PositiveSmallIntegerField(default=0)  # 0 Monday … 6 Sunday (weekly)
    hour = models.PositiveSmallIntegerField(default=8)  # local hour of delivery, 0–23
    time_zone = models.CharField(max_length=64)  # IANA name
    state = models.CharField(max_length=12, choices=SubscriptionState.choices,
                             default=SubscriptionState.PENDING)  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    # Double opt-in: a confirmation is wanted from `confirm_due_at` (the worker mails it, then
    # clears it); only the hash of the token it mailed is kept, until it is used or expires.
    confirm_due_at = models.DateTimeField(null=True, blank=True)
    confirm_hash = models.CharField(max_length=64, blank=True)
    confirm_expires_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Keyed into the unsubscribe link's HMAC (`tokens.unsubscribe_token`).
    unsubscribe_nonce = models.CharField(max_length=32, default=new_nonce)

    # The schedule (a row with a state, DESIGN.md): the next digest's instant in UTC.
    next_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Scoops published up to this instant were offered already (or came before confirming).
    covered_until = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    bounces = models.PositiveSmallIntegerField(default=0)  # refusals for good, in a row

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "email_key"], name="subscription_once"),
        ]
        indexes = [
            models.Index(fields=["next_at"], condition=Q(state="active"), name="subscription_due"),
            models.Index(fields=["confirm_due_at"], condition=Q(confirm_due_at__isnull=False),
                         name="subscription_confirm_due"),
            models.Index(fields=["topic", "state"], name="subscription_topic_state"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.email} on {self.topic_id} ({self.state})"

    @property
    def schedule_label(self) -> str:
        when = f"{self.hour:02d}:00 {self.time_zone}"
        if self.frequency == Frequency.WEEKLY:
            return f"weekly on {WEEKDAYS[self.weekday]} at {when}"
        return f"daily at {when}"


class SendState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"  # may have arrived: never sent again
    SKIPPED = "skipped", "Skipped"  # unsubscribed, or its scoops unpublished, before it went


class DigestSend(models.Model):
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="sends")
    due_at = models.DateTimeField()  # the slot it was made for
    since = models.DateTimeField()  # it holds scoops published after this …
    until = models.DateTimeField()  # … up to this
    scoop_ids = models.JSONField(default=list)  # in the order shown
    state = models.CharField(max_length=12, choices=SendState.choices,
                             default=SendState.SCHEDULED)  # fmt: skip
    next_at = models.DateTimeField()  # when a worker may take it (the first try, a retry)
    attempts = models.PositiveSmallIntegerField(default=0)
    idempotency_key = models.CharField(max_length=64, unique=True, default=new_idempotency_key)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-due_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "due_at"], name="digest_send_once"),
        ]
        indexes = [
            models.Index(fields=["next_at"], condition=Q(state__in=["scheduled", "retrying"]),
                         name="digest_send_open"),
            models.Index(fields=["claimed_at"], condition=Q(state="sending"),
                         name="digest_send_sending"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"digest {self.pk} for {self.subscription_id} at {self.due_at} ({self.state})"


class DigestLink(models.Model):
    """A scoop's tracked link in digests (made the first time a digest carries the scoop, made
    again when the article's address or the scoop's campaign changes)."""

    scoop = models.OneToOneField(Scoop, on_delete=models.CASCADE, related_name="digest_link")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"scoop {self.scoop_id} → link {self.link_id}"
