"""What people did towards a workspace's accounts, and the team's work on it.

An `Interaction` is one reply, mention, quote, direct message, like, repost or follow, as read
from its network, stored once per network id. Replies, mentions, quotes and messages are work
items (`is_work`): they have a state (open, done), an assignee, a snooze, tags, notes, a
priority, and the replies the team sent. Likes, reposts and follows are activity, shown apart.
Each item belongs to a `conversation`: the thread under one of our posts, or one person's
messages to us.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from outlier.core.models import Workspace
from outlier.publishing.models import Channel, Delivery, Post


class InteractionKind(models.TextChoices):
    REPLY = "reply", "Reply"
    MENTION = "mention", "Mention"
    QUOTE = "quote", "Quote"
    MESSAGE = "message", "Direct message"
    LIKE = "like", "Like"
    REPOST = "repost", "Repost"
    FOLLOW = "follow", "Follow"
    # Someone's own post found by a listening stream (outlier.relationships.streams): neither
    # work nor activity towards us, but it can be answered, liked and reposted from here.
    POST = "post", "Post"


WORK_KINDS = (
    InteractionKind.REPLY,
    InteractionKind.MENTION,
    InteractionKind.QUOTE,
    InteractionKind.MESSAGE,
)


class ItemState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class Priority(models.IntegerChoices):
    LOW = -1, "Low"
    NORMAL = 0, "Normal"
    HIGH = 1, "High"
    URGENT = 2, "Urgent"


class InboxTag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_tags")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "workspace", name="inbox_tag_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Interaction(models.Model):
    """A reply, mention, quote, message, like, repost or follow, once per network id."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="interactions")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=10, choices=InteractionKind.choices)
    remote_id = models.CharField(max_length=500)
    author_id = models.CharField(max_length=500)
    author_handle = models.CharField(max_length=300)
    author_name = models.CharField(max_length=300, blank=True)
    author_url = models.URLField(max_length=2000, blank=True)
    author_avatar = models.URLField(max_length=2000, blank=True)
    author_followers = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)  # plain text, as the network gave it (escaped on output)
    language = models.CharField(max_length=35, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    subject_id = models.CharField(max_length=500, blank=True)  # our post's id on the network
    reply_ref = models.CharField(max_length=500, blank=True)  # what a reply answers (networks.base)
    thread_root = models.CharField(max_length=500, blank=True)
    # "t:<root id>" for a thread under one of our posts, "a:<author id>" for one person's
    # messages: see `conversation_of`.
    conversation = models.CharField(max_length=520)
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    created_at = models.DateTimeField()  # when it happened, by the network's clock
    received_at = models.DateTimeField(auto_now_add=True)

    # The team's work on it (work kinds only; activity stays open and is never counted).
    is_work = models.BooleanField(default=False)
    state = models.CharField(max_length=4, choices=ItemState.choices, default=ItemState.OPEN)
    priority = models.SmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    hidden = models.BooleanField(default=False)  # a rule or a member hid it (spam, noise)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="inbox_items",
    )  # fmt: skip
    snoozed_until = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # first opened by anyone of the team
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The first reply of the team that reached the network, and who wrote it.
    first_response_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who is writing a reply now, and since when (a warning to anyone else who starts one).
    replying_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    replying_since = models.DateTimeField(null=True, blank=True)
    tags: models.ManyToManyField[InboxTag, models.Model] = models.ManyToManyField(
        InboxTag, blank=True, related_name="items"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "remote_id"], name="interaction_once"),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="interaction_recent"),
            models.Index(
                fields=["workspace", "state", "-created_at"],
                condition=Q(is_work=True, hidden=False),
                name="inbox_work",
            ),
            models.Index(
                fields=["workspace", "assignee", "-created_at"],
                condition=Q(is_work=True),
                name="inbox_assigned",
            ),
            models.Index(
                fields=["workspace", "channel", "-created_at"], name="inbox_channel_recent"
            ),
            models.Index(fields=["workspace", "conversation"], name="inbox_conversation"),
            # a person's items, for their contact's timeline (outlier.relationships)
            models.Index(fields=["workspace", "author_id", "-created_at"], name="inbox_author"),
            models.Index(
                fields=["workspace"],
                condition=Q(is_work=True, state="open", read_at__isnull=True, hidden=False),
                name="inbox_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.author_handle}"

    @property
    def can_reply(self) -> bool:
        return (self.is_work or self.kind == InteractionKind.POST) and bool(self.reply_ref)


def conversation_of(kind: str, author_id: str, subject_id: str, thread_root: str) -> str:
    """The conversation an interaction belongs to: a thread under one of our posts (by its
    root, or our post it answers), else the person's own messages."""
    root = thread_root or (subject_id if kind in ("reply", "quote") else "")
    return f"t:{root}"[:520] if root else f"a:{author_id}"[:520]


class InboxNote(models.Model):
    """A note for the team on an item: never sent to the network."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class InboxEvent(models.Model):
    """What happened to an item, by whom or by which rule: assigned, done, tagged, replied…"""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule = models.ForeignKey(
        "InboxRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    action = models.CharField(max_length=20)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.detail}"


class InboxReply(models.Model):
    """A reply the team wrote to an item: a post (one channel, `reply_to` set) that goes through
    the delivery engine like any other, so it is sent exactly once and its failures show."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="replies")
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="inbox_reply")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"reply to {self.interaction_id}"


class EngageKind(models.TextChoices):
    LIKE = "like", "Like"
    REPOST = "repost", "Repost"


class EngageState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    DONE = "done", "Done"
    RETRYING = "retrying", "Retrying"
    FAILED = "failed", "Failed"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"


class EngageAction(models.Model):
    """A like or a repost of an item, done from the inbox: a row the worker claims, marks
    "sending" before the network call and settles after (see `outlier.inbox.engage`)."""

    interaction = models.ForeignKey(
        Interaction, on_delete=models.CASCADE, related_name="engagements"
    )
    kind = models.CharField(max_length=6, choices=EngageKind.choices)
    state = models.CharField(
        max_length=12, choices=EngageState.choices, default=EngageState.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(max_length=64, unique=True)  # idempotency key, stable across retries
    remote_id = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["interaction", "kind"], name="engage_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "retrying"]),
                name="engage_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.interaction_id} ({self.state})"


class SavedReply(models.Model):
    """A reply template: `{name}`, `{handle}`, `{first_name}`, `{channel}`, `{me}` are filled."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="saved_replies")
    name = models.CharField(max_length=80)
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "workspace", name="saved_reply_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class InboxRule(models.Model):
    """A rule run on each new item, in `position` order: when every condition holds, its
    actions apply, and with `stop` no later rule runs (see `outlier.inbox.rules`)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="inbox_rules")
    name = models.CharField(max_length=120)
    position = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    conditions = models.JSONField(default=dict, blank=True)
    actions = models.JSONField(default=dict, blank=True)
    stop = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name


class InboxPull(models.Model):
    """When a channel's new interactions are read next, and by whom (a worker's lease), apart
    from the hourly metrics: every `settings.INBOX_PULL_SECONDS`."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="inbox_pull")
    next_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    cursor = models.CharField(max_length=500, blank=True)  # the network's interactions cursor
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_at"], name="inbox_pull_due")]

    def __str__(self) -> str:
        return f"inbox pull of channel {self.channel_id} at {self.next_at}"
