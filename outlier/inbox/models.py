"""What people did towards a channel's account, as read from its network."""

from __future__ import annotations

from django.db import models

from outlier.core.models import Workspace
from outlier.publishing.models import Channel, Delivery


class InteractionKind(models.TextChoices):
    REPLY = "reply", "Reply"
    MENTION = "mention", "Mention"
    LIKE = "like", "Like"
    REPOST = "repost", "Repost"
    QUOTE = "quote", "Quote"
    FOLLOW = "follow", "Follow"


class Interaction(models.Model):
    """A reply, mention, like, repost, quote or follow, once per network id."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="interactions")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="interactions")
    kind = models.CharField(max_length=10, choices=InteractionKind.choices)
    remote_id = models.CharField(max_length=500)
    author_id = models.CharField(max_length=500)
    author_handle = models.CharField(max_length=300)
    author_name = models.CharField(max_length=300, blank=True)
    author_url = models.URLField(max_length=2000, blank=True)
    text = models.TextField(blank=True)  # plain text, as the network gave it (escaped on output)
    url = models.URLField(max_length=2000, blank=True)
    subject_id = models.CharField(max_length=500, blank=True)  # our post's id on the network
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    created_at = models.DateTimeField()  # when it happened, by the network's clock
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "remote_id"], name="interaction_once"),
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="interaction_recent")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.author_handle}"
