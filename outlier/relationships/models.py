"""The people behind the conversations: a contact per person, their identities on each network,
what the team keeps about them (notes, tags, lists, fields, a reminder), and the sync cursor.

An identity is one account: a DID on Bluesky, an ActivityPub actor's URI on the fediverse (a
Mastodon account and a fediverse actor are the same thing, so a person who replies on a
Mastodon channel and follows a topic is one identity). Every identity belongs to exactly one
contact; a new identity gets a contact of its own, and people merge them by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from outlier.core.models import Workspace
from outlier.publishing.models import Channel


class IdentityNetwork(models.TextChoices):
    BLUESKY = "bluesky", "Bluesky"
    FEDIVERSE = "fediverse", "Fediverse"


# The channel networks whose interactions come from identities of each kind.
CHANNEL_NETWORKS = {
    "bluesky": IdentityNetwork.BLUESKY,
    "mastodon": IdentityNetwork.FEDIVERSE,
    "fediverse": IdentityNetwork.FEDIVERSE,
}


def channel_networks(network: str) -> list[str]:
    """The channel networks whose interactions come from identities on `network`."""
    return [name for name, kind in CHANNEL_NETWORKS.items() if kind == network]


class ContactList(models.Model):
    """A named group of contacts ("journalists", "partners")."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contact_lists")
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "workspace", name="contact_list_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class ContactTag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contact_tags")
    name = models.CharField(max_length=50)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "workspace", name="contact_tag_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """One person, with everything the team keeps about them.

    `inbound` and `outbound` are the decayed weights of their interactions towards us and ours
    towards them as of `scored_at` (see `strength.py`); `rank` is the strength on a scale that
    does not move with time, so lists sort by it directly."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    starred = models.BooleanField(default=False)  # important: watched for "going cold"
    fields = models.JSONField(default=dict, blank=True)  # custom fields: {label: value}
    tags: models.ManyToManyField[ContactTag, models.Model] = models.ManyToManyField(
        ContactTag, blank=True, related_name="contacts"
    )
    lists: models.ManyToManyField[ContactList, models.Model] = models.ManyToManyField(
        ContactList, blank=True, related_name="contacts"
    )
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True)  # either direction
    inbound = models.FloatField(default=0.0)
    outbound = models.FloatField(default=0.0)
    scored_at = models.DateTimeField(null=True, blank=True)
    rank = models.FloatField(default=0.0)  # 0: nothing between us yet
    interactions_in = models.PositiveIntegerField(default=0)
    interactions_out = models.PositiveIntegerField(default=0)
    remind_every_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    remind_at = models.DateTimeField(null=True, blank=True)  # next due reminder

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "-rank"], name="contact_strength"),
            models.Index(fields=["workspace", "-last_interaction_at"], name="contact_recent"),
            models.Index(fields=["workspace", "remind_at"], name="contact_reminders"),
            models.Index(  # "going cold": the starred contacts by strength
                fields=["workspace", "-rank"],
                condition=models.Q(starred=True),
                name="contact_starred",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"contact {self.pk}"


class Identity(models.Model):
    """One account of a person on one network, as the network last showed it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="identities")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    network = models.CharField(max_length=10, choices=IdentityNetwork.choices)
    remote_id = models.CharField(max_length=500)  # DID or actor URI: stable
    handle = models.CharField(max_length=300)
    name = models.CharField(max_length=300, blank=True)
    avatar = models.URLField(max_length=2000, blank=True)
    profile_url = models.URLField(max_length=2000, blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)
    bio = models.TextField(blank=True)
    website = models.URLField(max_length=2000, blank=True)  # verified by the network
    links = models.JSONField(default=list, blank=True)  # URLs in the profile
    follows_you = models.BooleanField(default=False)
    you_follow = models.BooleanField(default=False)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "network", "remote_id"], name="identity_once"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "handle"], name="identity_handle"),
            models.Index(  # "follows you", by contact
                fields=["contact"],
                condition=models.Q(follows_you=True),
                name="identity_follows_you",
            ),
        ]

    def __str__(self) -> str:
        return self.handle


class ContactNote(models.Model):
    """What the team knows about the person; never shown outside the workspace."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:50]


class ContactEvent(models.Model):
    """A change to who is who: merged, unmerged, created by hand; kept on the surviving
    contact."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    action = models.CharField(max_length=20)
    detail = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.detail}"


class Touch(models.Model):
    """Something we did towards a person (a reply sent from the inbox, a like, a repost),
    counted once: `source` names the row it came from ("reply:<InboxReply id>",
    "like:<EngageAction id>")."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="touches")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="touches")
    kind = models.CharField(max_length=10)  # reply, like, repost
    source = models.CharField(max_length=40)
    at = models.DateTimeField()
    text = models.TextField(blank=True)
    url = models.URLField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "source"], name="touch_once"),
        ]
        indexes = [models.Index(fields=["contact", "-at"], name="touch_timeline")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at}"


class SyncCursor(models.Model):
    """How far the identities have been built from a stream of rows (the inbox's interactions,
    the replies sent from it): the last id read. Claimed under a row lock by one worker."""

    name = models.CharField(max_length=40, unique=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.position}"


class RelationshipSettings(models.Model):
    """A workspace's choices about the people it keeps: how much listening it aims at for each
    post it publishes, and how long the texts others wrote are kept."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="relationship_settings"
    )
    # Listening (replies, conversations answered, likes and reposts of others) per post
    # published, each week; below it the home screen says the week is all talk.
    listen_per_post = models.FloatField(default=1.0)
    # Days the texts of others' interactions are kept (None: for ever); older ones are blanked.
    keep_texts_days = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"settings of {self.workspace}"


class DigestState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    UNCONFIRMED = "unconfirmed", "Unconfirmed"  # the send was cut off: not sent again blindly


class ReminderDigest(models.Model):
    """One member's e-mail of the stay-in-touch reminders due on one day: made once per day
    (unique), marked sending before the SMTP call and sent after, so it goes out at most once."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    state = models.CharField(max_length=12, choices=DigestState.choices,
                             default=DigestState.PENDING)  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user", "day"], name="digest_once"),
        ]

    def __str__(self) -> str:
        return f"reminders of {self.day} for {self.user}"


class ReminderLog(models.Model):
    """A reminder sent: which contact was due, in which digest, to whom."""

    digest = models.ForeignKey(ReminderDigest, on_delete=models.CASCADE, related_name="entries")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["digest", "contact"], name="reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} due {self.due_at}"


class SuggestionState(models.TextChoices):
    OPEN = "open", "Open"
    MERGED = "merged", "Merged"
    DISMISSED = "dismissed", "Dismissed"


class MergeSuggestion(models.Model):
    """Two identities that proof says are one person (`reason` says which proof), waiting for
    a person's click: never merged without one. Dismissed ones are not suggested again."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    first = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=300)
    state = models.CharField(max_length=10, choices=SuggestionState.choices,
                             default=SuggestionState.OPEN)  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="suggestion_once"),
        ]
        indexes = [models.Index(fields=["workspace", "state"], name="suggestion_open")]

    def __str__(self) -> str:
        return f"{self.first_id} = {self.second_id}? {self.reason}"


class PeoplePull(models.Model):
    """When a channel's followers and followed accounts are read next, and by whom (a lease):
    every `settings.FOLLOWERS_PULL_SECONDS`. `complete` says whether the last read got every
    page (only a complete read can tell who left)."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="people_pull")
    next_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)  # as last read
    complete = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["next_at"], name="people_pull_due")]

    def __str__(self) -> str:
        return f"people pull of channel {self.channel_id} at {self.next_at}"


class Follow(models.Model):
    """An identity following one of our channels ("in"), or one of our channels following
    it ("out"); `until` is empty while it lasts."""

    IN, OUT = "in", "out"
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="follows")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="follows")
    direction = models.CharField(max_length=3, choices=[(IN, "Follows us"), (OUT, "We follow")])
    since = models.DateTimeField()
    until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "identity", "direction"],
                condition=models.Q(until__isnull=True),
                name="follow_current",
            ),  # fmt: skip
        ]

    def __str__(self) -> str:
        return f"{self.identity_id} follows {self.channel_id}"


class FollowEvent(models.Model):
    """A follower gained or lost, as the follower lists showed it: network growth."""

    GAINED, LOST = "gained", "lost"
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="follow_events")
    identity = models.ForeignKey(Identity, on_delete=models.CASCADE, related_name="follow_events")
    kind = models.CharField(max_length=6, choices=[(GAINED, "Gained"), (LOST, "Lost")])
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["workspace", "at"], name="follow_event_growth")]

    def __str__(self) -> str:
        return f"{self.kind} {self.identity_id} on {self.channel_id}"


class StreamKind(models.TextChoices):
    SEARCH = "search", "Search (keyword or #hashtag)"
    FEED = "feed", "Bluesky list or feed"


class Stream(models.Model):
    """A listening stream of a community: what one channel's account reads on its network
    (a keyword or hashtag search, a Bluesky list or feed), pulled on a schedule (a leased row);
    the posts found go to the inbox's table as kind "post", once each."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="streams")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="streams")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=6, choices=StreamKind.choices)
    query = models.CharField(max_length=500)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    found = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["active", "next_at"], name="stream_due")]

    def __str__(self) -> str:
        return self.name


class StreamHit(models.Model):
    """A post a stream found (an inbox row of kind "post")."""

    stream = models.ForeignKey(Stream, on_delete=models.CASCADE, related_name="hits")
    interaction = models.ForeignKey(
        "inbox.Interaction", on_delete=models.CASCADE, related_name="stream_hits"
    )
    found_at = models.DateTimeField(auto_now_add=True)
    link = models.URLField(max_length=2000, blank=True)  # the post's first outside link

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stream", "interaction"], name="stream_hit_once"),
        ]
        indexes = [models.Index(fields=["stream", "-interaction"], name="stream_hits_recent")]

    def __str__(self) -> str:
        return f"{self.stream_id}: {self.interaction_id}"
