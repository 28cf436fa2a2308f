"""Channels, posts, their per-channel variants, images, video or audio, notes, and deliveries."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from outlier.core.crypto import EncryptedJSONField
from outlier.core.models import Workspace
from outlier.curation.models import Scoop
from outlier.links.models import Campaign, TrackedLink


class ChannelStatus(models.TextChoices):
    OK = "ok", "OK"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
    RATE_LIMITED = "rate_limited", "Rate-limited"


class Channel(models.Model):
    """One connected account on one network, owned by a workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    network = models.CharField(max_length=30)
    name = models.CharField(max_length=120)
    settings = models.JSONField(default=dict, blank=True)  # not secret: URLs, recipients
    credentials = EncryptedJSONField(default=dict, blank=True)  # secret: encrypted at rest
    timezone = models.CharField(max_length=64, default="UTC")
    # Posting times for "add to queue": [{"days": [0..6] (Monday=0), "time": "09:00"}, ...]
    queue_times = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=20, choices=ChannelStatus.choices, default=ChannelStatus.OK
    )
    status_detail = models.CharField(max_length=500, blank=True)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.network})"

    def adapter_config(self) -> dict[str, Any]:
        # The workspace too, last so no setting can claim another (a fediverse channel checks
        # that its topic is one of the workspace's).
        return {**self.settings, **self.credentials, "workspace_id": self.workspace_id}


class PostStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    REJECTED = "rejected", "Rejected"
    SCHEDULED = "scheduled", "Scheduled"
    MISSED = "missed", "Missed (not approved in time)"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Has failed deliveries"
    CANCELLED = "cancelled", "Cancelled"


class RepeatUnit(models.TextChoices):
    HOUR = "hour", "hours"
    DAY = "day", "days"
    WEEK = "week", "weeks"


class Post(models.Model):
    """Composed once; delivered to one or more channels at a time in the author's zone."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="posts"
    )
    scoop = models.ForeignKey(
        Scoop, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    link = models.URLField(max_length=2000, blank=True)
    # The link goes out as a tracked link (/l/<code>, UTM for the channel and campaign)
    # unless `tracking` is off; see outlier/publishing/content.py.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="posts"
    )
    tracking = models.BooleanField(default=True)
    # The network id of the post this one answers (a reply from the inbox): what its one
    # channel's adapter takes as Content.reply_to. "" for a post of its own.
    reply_to = models.CharField(max_length=500, blank=True)
    channels: models.ManyToManyField[Channel, Any] = models.ManyToManyField(
        Channel, related_name="posts", blank=True
    )
    status = models.CharField(max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    # The instant (UTC) and the IANA zone the user chose it in; null = not scheduled yet.
    scheduled_at = models.DateTimeField(null=True, blank=True, db_index=True)
    timezone = models.CharField(max_length=64, default="UTC")
    repeat_every = models.PositiveIntegerField(null=True, blank=True)
    repeat_unit = models.CharField(max_length=10, choices=RepeatUnit.choices, blank=True)
    repeat_until = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    review_comment = models.TextField(blank=True)
    # Why the last attempt to schedule it was refused (its rules, a time in the past…), and
    # when: kept while it is not scheduled, so the drafts list can say it; cleared once it is.
    schedule_refused = models.CharField(max_length=1000, blank=True)
    schedule_refused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The drafts list: a workspace's posts in one status, last edited first.
            models.Index(fields=["workspace", "status", "-updated_at"], name="post_status_edited")
        ]

    def __str__(self) -> str:
        return (self.title or self.text or self.link)[:60] or f"Post {self.pk}"


class PostVariant(models.Model):
    """The text for one channel when it must differ from the post's."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="variants")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "channel"], name="variant_one_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.post} on {self.channel}"


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    file = models.ImageField(upload_to="posts/%Y/%m/")
    alt = models.CharField(max_length=1000, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.file.name


class MediaKind(models.TextChoices):
    VIDEO = "video", "Video"
    AUDIO = "audio", "Audio"


class PostMedia(models.Model):
    """A post's one video or audio file, with its description; a post with one has no images.

    `content_type` is what its bytes were identified as (outlier/publishing/signatures.py),
    never what the browser said; `size` in bytes, so the rules are checked without reading it.
    """

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=5, choices=MediaKind.choices)
    file = models.FileField(upload_to="posts/%Y/%m/", max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveBigIntegerField()
    description = models.CharField(max_length=1500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.file.name


class PostNote(models.Model):
    """A note for teammates on a post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class DeliveryState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    CANCELLED = "cancelled", "Cancelled"
    # A sent post being taken down from its network, then gone (outlier/publishing/deletions.py).
    DELETING = "deleting", "Deleting"
    DELETED = "deleted", "Deleted"


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class Delivery(models.Model):
    """One post to one channel at one instant: the row the worker claims and moves along.

    scheduled/retrying --claim--> sending --network--> sent | retrying | failed | unconfirmed

    An editor may then take a sent post down from its network (deletions.py):

    sent --request--> deleting --network--> deleted | deleting (retry later) | sent (refused)
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    due_at = models.DateTimeField()
    state = models.CharField(
        max_length=12, choices=DeliveryState.choices, default=DeliveryState.SCHEDULED
    )
    # When the worker may take it: due_at at first, later the backoff or the rate-limit reset.
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    idempotency_key = models.CharField(max_length=64, unique=True, default=new_idempotency_key)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    remote_id = models.CharField(max_length=500, blank=True)
    remote_url = models.URLField(max_length=2000, blank=True)
    # The tracked link this delivery published (made when it was first sent, kept for retries).
    tracked_link = models.ForeignKey(
        TrackedLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    error = models.CharField(max_length=1000, blank=True)
    error_kind = models.CharField(max_length=20, blank=True)
    # Taking the post down from its network: when an editor asked, how many calls were made,
    # why the last one failed (kept while retrying, and when the network refused), when it went.
    delete_requested_at = models.DateTimeField(null=True, blank=True)
    delete_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    delete_attempts = models.PositiveIntegerField(default=0)
    delete_error = models.CharField(max_length=1000, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "channel", "due_at"], name="delivery_once_per_occurrence"
            )
        ]
        indexes = [
            # Only the rows a worker may claim: the claim query reads this small index.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(state__in=["scheduled", "retrying"]),
                name="delivery_due_open",
            ),
            # Only the deletions a worker may take: read every loop, so it must stay small.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=models.Q(state="deleting"),
                name="delivery_deleting",
            ),
            models.Index(fields=["channel", "due_at"], name="delivery_channel_time"),
            models.Index(fields=["channel", "sent_at"], name="delivery_channel_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.post} → {self.channel} at {self.due_at:%Y-%m-%d %H:%M} ({self.state})"


class DeliveryEvent(models.Model):
    """The history of a delivery: each state change with its reason."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=12, choices=DeliveryState.choices)
    message = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.state} {self.message}"


class WorkerHeartbeat(models.Model):
    """Each worker says it is alive; a delivery held by a silent worker is looked into."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.worker_id
