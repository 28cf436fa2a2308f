"""Metric snapshots read from the networks, and the row that schedules each channel's pull."""

from __future__ import annotations

from django.db import models

from outlier.publishing.models import Channel, Delivery


class EngagementSnapshot(models.Model):
    """What people did with one published post, as the network counted it at `taken_at`."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="engagement")
    taken_at = models.DateTimeField()
    likes = models.PositiveIntegerField(default=0)
    reposts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    quotes = models.PositiveIntegerField(default=0)
    impressions = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "taken_at"]
        indexes = [models.Index(fields=["delivery", "taken_at"], name="engagement_series")]

    def __str__(self) -> str:
        return (
            f"{self.likes} likes, {self.reposts} reposts, {self.replies} replies at {self.taken_at}"
        )


class FollowerSnapshot(models.Model):
    """How many followed a channel's account at `taken_at`."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="followers")
    taken_at = models.DateTimeField()
    followers = models.PositiveIntegerField()

    class Meta:
        ordering = ["channel", "taken_at"]
        indexes = [models.Index(fields=["channel", "taken_at"], name="followers_series")]

    def __str__(self) -> str:
        return f"{self.followers} followers at {self.taken_at}"


class ChannelPull(models.Model):
    """When a channel's engagement, followers and interactions are read next, and by whom.

    A worker leases the row (claimed_by, claimed_at) before pulling and frees it after; a
    lease older than the pull's deadline is taken over, so a killed worker delays a pull and
    loses nothing (snapshots are independent rows; interactions are stored once per id).
    """

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="pull")
    next_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    cursor = models.CharField(max_length=500, blank=True)  # the network's interactions cursor

    class Meta:
        indexes = [models.Index(fields=["next_at"], name="pull_due")]

    def __str__(self) -> str:
        return f"pull of channel {self.channel_id} at {self.next_at}"
