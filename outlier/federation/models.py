"""Topics as ActivityPub actors: their keys, who follows them, what was announced to whom,
and what the fediverse did with it.

The rows about a topic point at it without a database constraint (`db_constraint=False`,
`on_delete=DO_NOTHING`): when curation deletes a topic they stay, pointing at nothing, until
the sweep has told the topic's followers that the actor is gone (it keeps the key that signs
that news, and answers 410 at the actor's address from then on).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from outlier.core.crypto import EncryptedJSONField
from outlier.curation.models import Scoop, Topic
from outlier.links.models import TrackedLink


class ActorKey(models.Model):
    """A public topic's key pair; the private half is encrypted at rest ({"pem": …})."""

    topic = models.OneToOneField(
        Topic, on_delete=models.DO_NOTHING, db_constraint=False, related_name="actor_key"
    )
    public_key_pem = models.TextField()
    private_key = EncryptedJSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"key of {self.topic_id}"


class InstanceKey(models.Model):
    """The key pair of the instance actor (/ap/actor), which signs what no topic is the
    natural signer of: fetches for the shared inbox and for replies. One row (pk 1)."""

    public_key_pem = models.TextField()
    private_key = EncryptedJSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return "instance actor key"


class RemoteActor(models.Model):
    """A cached copy of a remote actor document: only what delivery and display need."""

    uri = models.URLField(max_length=2000, unique=True)
    host = models.CharField(max_length=255, db_index=True)
    type = models.CharField(max_length=30)
    preferred_username = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    inbox = models.URLField(max_length=2000)
    shared_inbox = models.URLField(max_length=2000, blank=True)
    icon = models.URLField(max_length=2000, blank=True)  # the actor's picture, when it has one
    # When the document was last fetched, or a fetch of it last attempted: recorded before
    # the request, so it also throttles refetches that forged signatures would provoke.
    fetched_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.uri


class RemoteKey(models.Model):
    """A public key a remote actor lists in its own document."""

    key_id = models.URLField(max_length=2000, unique=True)
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="keys")
    public_key_pem = models.TextField()

    def __str__(self) -> str:
        return self.key_id


class Follower(models.Model):
    topic = models.ForeignKey(
        Topic, on_delete=models.DO_NOTHING, db_constraint=False, related_name="fediverse_followers"
    )
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="follows")
    inbox = models.URLField(max_length=2000)
    shared_inbox = models.URLField(max_length=2000, blank=True)
    follow_id = models.URLField(max_length=2000)  # the Follow activity, for Accept and Undo
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "actor"], name="follower_unique_in_topic"),
        ]
        indexes = [models.Index(fields=["topic", "created_at"], name="follower_topic_since")]

    def __str__(self) -> str:
        return f"{self.actor_id} follows {self.topic_id}"

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox


class PublicationState(models.TextChoices):
    LIVE = "live", "Announced"
    DELETED = "deleted", "Deleted"


class Publication(models.Model):
    """Federation's record of one announcement of a scoop, as one object.

    The sweep compares these rows with curation's Scoop rows. `scoop` has no database
    constraint: when the scoop is deleted the row stays, pointing at nothing, until the sweep
    has announced the Delete. A scoop published again after a Delete is a new object with a
    new URI (`number` counts its publications): servers keep a Tombstone for a deleted URI
    and refuse a later Create of it. At most one of a scoop's publications is live.
    """

    topic = models.ForeignKey(
        Topic, on_delete=models.DO_NOTHING, db_constraint=False, related_name="publications"
    )
    scoop = models.ForeignKey(
        Scoop, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    number = models.PositiveIntegerField(default=1)
    object_uri = models.URLField(max_length=2000, unique=True)
    object_type = models.CharField(max_length=20, default="Note")
    state = models.CharField(max_length=10, choices=PublicationState.choices)
    create_uri = models.URLField(max_length=2000)
    # The tracked link (/l/<code>, medium social, source fediverse) the object carries for
    # the article, kept so every announcement and every fetch of the object shows the same
    # address; None when the scoop's tracking is off (the article's own address goes out).
    link = models.ForeignKey(
        TrackedLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    digest = models.CharField(max_length=64)  # of the object last announced
    scoop_updated_at = models.DateTimeField()  # Scoop.updated_at when last compared
    announced_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    # The last unexpected error the sweep met on this row (it goes on with the other rows).
    last_error = models.CharField(max_length=500, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scoop", "number"], name="publication_unique_number"),
            models.UniqueConstraint(
                fields=["scoop"], condition=Q(state="live"), name="publication_one_live"
            ),
        ]
        indexes = [models.Index(fields=["state"], name="publication_state")]

    def __str__(self) -> str:
        return self.object_uri


class PostedNote(models.Model):
    """A post from the publishing app sent on a topic's fediverse channel, as a Note of the
    topic's actor (outlier.federation.channel).

    Federation cannot read publishing's rows, so the Note is kept here as it was sent
    (`document`, served at its id while live) with the images it carries (`image_files`, in
    the default storage). `token` names it in its URI and is derived from the delivery's
    idempotency key: every attempt of one delivery finds the same row, so a retry cannot make
    a second Note. A deleted Note keeps its row (its id answers 410 with a Tombstone).
    """

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posted_notes")
    token = models.CharField(max_length=64, unique=True)
    object_uri = models.URLField(max_length=2000, unique=True)
    state = models.CharField(max_length=10, choices=PublicationState.choices)
    document = models.JSONField()
    image_files = models.JSONField(default=list, blank=True)  # storage names
    published_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["topic", "state", "published_at"], name="posted_note_outbox")
        ]

    def __str__(self) -> str:
        return self.object_uri

    @property
    def create_uri(self) -> str:
        return self.object_uri + "#create"


class OutgoingActivity(models.Model):
    """An activity a topic sends; one Delivery per inbox carries it."""

    uri = models.URLField(max_length=2000, unique=True)
    topic = models.ForeignKey(
        Topic, on_delete=models.DO_NOTHING, db_constraint=False, related_name="activities"
    )
    type = models.CharField(max_length=20)
    payload = models.JSONField()
    publication = models.ForeignKey(
        Publication, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.type} {self.uri}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Given up"


class Delivery(models.Model):
    """One activity to one inbox: claimed by a worker under a lease, retried with backoff.

    ActivityPub receivers deduplicate by activity id, so a delivery whose worker died mid-send
    is simply sent again once its lease has run out.
    """

    activity = models.ForeignKey(
        OutgoingActivity, on_delete=models.CASCADE, related_name="deliveries"
    )
    inbox = models.URLField(max_length=2000)
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=40, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["activity", "inbox"], name="delivery_unique_inbox"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="ap_delivery_due",
                condition=Q(state="pending"),
            ),
            models.Index(
                fields=["lease_until"], name="ap_delivery_lease", condition=Q(state="sending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.inbox} ({self.state})"


class InteractionKind(models.TextChoices):
    LIKE = "like", "Like"
    ANNOUNCE = "announce", "Boost"
    REPLY = "reply", "Reply"


class Interaction(models.Model):
    """A like, a boost or a reply from the fediverse to something a topic published: one of
    its scoops, or a post sent on its fediverse channel (a PostedNote). Exactly one of
    `scoop` and `note` is set."""

    kind = models.CharField(max_length=10, choices=InteractionKind.choices)
    uri = models.URLField(max_length=2000, unique=True)  # the Like/Announce, or the reply Note
    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="fediverse_interactions"
    )
    scoop = models.ForeignKey(
        Scoop,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="fediverse_interactions",
    )
    note = models.ForeignKey(
        PostedNote, on_delete=models.CASCADE, null=True, blank=True, related_name="interactions"
    )
    actor = models.ForeignKey(RemoteActor, on_delete=models.CASCADE, related_name="interactions")
    content_html = models.TextField(blank=True)  # replies only, sanitized
    language = models.CharField(max_length=35, blank=True)  # a reply's contentMap language
    url = models.URLField(max_length=2000, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(scoop__isnull=False, note__isnull=True)
                | Q(scoop__isnull=True, note__isnull=False),
                name="interaction_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["scoop", "kind"], name="interaction_scoop_kind"),
            models.Index(fields=["note", "kind"], name="interaction_note_kind"),
            models.Index(fields=["topic", "received_at"], name="interaction_topic_received"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.uri}"
