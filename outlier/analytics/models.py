"""Metric snapshots read from the networks, the row that schedules each channel's pull,
conversions (leads and sales) with their attribution, and the rollups the reports read."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import models

from outlier.core.crypto import EncryptedJSONField
from outlier.core.models import Workspace
from outlier.curation.models import Scoop, Topic
from outlier.links.models import Campaign, Click, TrackedLink
from outlier.publishing.models import Channel, Delivery, Post


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
        indexes = [
            models.Index(fields=["delivery", "taken_at"], name="engagement_series"),
            models.Index(fields=["taken_at"], name="engagement_taken"),  # for the rollup
        ]

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
        indexes = [
            models.Index(fields=["channel", "taken_at"], name="followers_series"),
            models.Index(fields=["taken_at"], name="followers_taken"),  # for the rollup
        ]

    def __str__(self) -> str:
        return f"{self.followers} followers at {self.taken_at}"


class ChannelPull(models.Model):
    """When a channel's engagement and followers are read next, and by whom.

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

    class Meta:
        indexes = [models.Index(fields=["next_at"], name="pull_due")]

    def __str__(self) -> str:
        return f"pull of channel {self.channel_id} at {self.next_at}"


# --- conversions ------------------------------------------------------------------------------


class AttributionModel(models.TextChoices):
    LAST_CLICK = "last_click", "Last click"
    FIRST_CLICK = "first_click", "First click"


def new_public_key() -> str:
    return "pk_" + secrets.token_urlsafe(18)


class AnalyticsSettings(models.Model):
    """A workspace's measurement settings; made with defaults the first time it is needed.

    `public_key` names the workspace to the conversion script and to incoming webhooks; it is
    not a secret (it is in the destination site's HTML). The webhook secret is, and is stored
    encrypted (outlier.core.crypto): {"secret": "whsec_…"} once one has been made.
    """

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="analytics_settings"
    )
    attribution = models.CharField(
        max_length=12, choices=AttributionModel.choices, default=AttributionModel.LAST_CLICK
    )
    window_days = models.PositiveSmallIntegerField(default=90)
    currency = models.CharField(max_length=3, default="EUR")  # the reports' currency
    public_key = models.CharField(max_length=40, unique=True, default=new_public_key)
    webhook_secret = EncryptedJSONField(default=dict, blank=True)
    # Origins (scheme://host[:port]) the script may report from; empty: any.
    allowed_origins = models.JSONField(default=list, blank=True)
    # Anyone can read the public key in a page's HTML, so anyone could report a sale with it;
    # a workspace whose shop reports sales through the API or a signed webhook turns this off.
    script_sales = models.BooleanField(default=True)
    weekly_email = models.BooleanField(default=True)

    class Meta:
        verbose_name_plural = "analytics settings"

    def __str__(self) -> str:
        return f"analytics settings of {self.workspace_id}"


class ConversionKind(models.TextChoices):
    LEAD = "lead", "Lead"
    SALE = "sale", "Sale"


class ConversionSource(models.TextChoices):
    API = "api", "API"
    SCRIPT = "script", "Script"
    WEBHOOK = "webhook", "Webhook"


class Conversion(models.Model):
    """A lead or a sale, attributed when it is recorded to the click that earned it (if any)
    and, through that click's link, to a campaign, channel, post, curated item and topic.

    `customer` is a keyed hash of the customer id the caller sent (never the id itself): it is
    only compared, to let a sale follow the lead of the same customer.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="conversions")
    kind = models.CharField(max_length=4, choices=ConversionKind.choices)
    amount = models.DecimalField(max_digits=15, decimal_places=3, default=Decimal(0))
    currency = models.CharField(max_length=3)
    external_id = models.CharField(max_length=200)
    source = models.CharField(max_length=8, choices=ConversionSource.choices)
    customer = models.CharField(max_length=64, blank=True, db_index=True)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The touch points the caller named (the script sends the first and the last it saw).
    click = models.ForeignKey(
        Click, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversions"
    )
    first_click = models.ForeignKey(
        Click, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What it is attributed to (resolved once, at record time; null: not attributed).
    attributed_click = models.ForeignKey(
        Click, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    link = models.ForeignKey(
        TrackedLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="conversions"
    )
    channel = models.ForeignKey(
        Channel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scoop = models.ForeignKey(
        Scoop, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"], name="conversion_once_per_external_id"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="conversion_amount_ge_0"
            ),
        ]
        indexes = [
            models.Index(
                fields=["workspace", "customer", "occurred_at"], name="conversion_customer"
            ),
            models.Index(fields=["workspace", "-occurred_at"], name="conversion_recent"),
            models.Index(fields=["recorded_at"], name="conversion_recorded"),  # for the rollup
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.money} {self.currency} ({self.external_id})"

    @property
    def money(self) -> Decimal:
        """The amount with its currency's decimals (49.90 EUR, 1500 JPY)."""
        from .currencies import DECIMALS

        return self.amount.quantize(Decimal(1).scaleb(-DECIMALS.get(self.currency, 2)))


class WebhookEvent(models.Model):
    """An incoming webhook event already processed: the same event id again is refused."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=200)
    received_at = models.DateTimeField()
    conversion = models.ForeignKey(
        Conversion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "event_id"], name="webhook_event_once"),
        ]
        indexes = [models.Index(fields=["received_at"], name="webhook_event_age")]

    def __str__(self) -> str:
        return f"event {self.event_id}"


# --- rollups: what the reports read -----------------------------------------------------------
#
# Kept up to date by the worker (outlier/analytics/rollups.py): each is recomputed a whole day
# (or a whole delivery) at a time from the raw rows, so running the job twice changes nothing.
# Days are UTC days. Ids are plain integers (no foreign keys): a rollup row never blocks the
# deletion of what it counts, and the rollup job cleans up after deletions.


class RollupState(models.Model):
    """The watermark of one rollup: the last raw row id it has seen, when it last ran, and a
    lease so that two workers never run the same rollup at once."""

    name = models.CharField(max_length=30, primary_key=True)
    last_id = models.BigIntegerField(default=0)
    ran_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    # What the source looked like at the last run, when an id cannot tell (link owners).
    seen = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.name} up to {self.last_id}"


class LinkOwner(models.Model):
    """What a tracked link belongs to: its campaign, and the delivery (channel, post) or the
    curated item (topic) that published it. Lets the reports filter and group rollups."""

    link_id = models.BigIntegerField(primary_key=True)
    workspace_id = models.BigIntegerField()
    campaign_id = models.BigIntegerField(null=True)
    delivery_id = models.BigIntegerField(null=True)
    channel_id = models.BigIntegerField(null=True)
    post_id = models.BigIntegerField(null=True)
    scoop_id = models.BigIntegerField(null=True)
    topic_id = models.BigIntegerField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace_id", "campaign_id"], name="owner_campaign"),
            models.Index(fields=["workspace_id", "channel_id"], name="owner_channel"),
            models.Index(fields=["workspace_id", "topic_id"], name="owner_topic"),
        ]

    def __str__(self) -> str:
        return f"owner of link {self.link_id}"


class OwnerColumns(models.Model):
    """What a rollup row's link belongs to (LinkOwner), copied onto the row so that reports
    filter and group in one scan (`rollups.OWNER_COLUMNS`)."""

    campaign_id = models.BigIntegerField(null=True)
    channel_id = models.BigIntegerField(null=True)
    post_id = models.BigIntegerField(null=True)
    scoop_id = models.BigIntegerField(null=True)
    topic_id = models.BigIntegerField(null=True)

    class Meta:
        abstract = True


class DailyClicks(models.Model):
    """A workspace's clicks on one UTC day: people, bots apart, unique visitors that day."""

    workspace_id = models.BigIntegerField()
    day = models.DateField()
    clicks = models.PositiveIntegerField(default=0)  # browsers only
    bot_clicks = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)  # distinct browser visitors that day

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace_id", "day"], name="daily_clicks_once")
        ]
        indexes = [models.Index(fields=["day"], name="daily_clicks_day")]

    def __str__(self) -> str:
        return f"{self.day}: {self.clicks} clicks"


class DailyLinkClicks(OwnerColumns):
    """One link's clicks on one UTC day."""

    link_id = models.BigIntegerField()
    workspace_id = models.BigIntegerField()
    day = models.DateField()
    clicks = models.PositiveIntegerField(default=0)
    bot_clicks = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["link_id", "day"], name="daily_link_once")]
        indexes = [
            models.Index(fields=["workspace_id", "day", "link_id"], name="daily_link_ws_day"),
            models.Index(fields=["day"], name="daily_link_day"),
        ]

    def __str__(self) -> str:
        return f"link {self.link_id} on {self.day}: {self.clicks}"


class MonthlyLinkClicks(OwnerColumns):
    """One link's clicks in one calendar month (UTC), summed from its days: reports over long
    periods read whole months here and only the days at either end from DailyLinkClicks."""

    link_id = models.BigIntegerField()
    workspace_id = models.BigIntegerField()
    month = models.DateField()  # the first day of the month
    clicks = models.PositiveIntegerField(default=0)
    bot_clicks = models.PositiveIntegerField(default=0)
    visitors = models.PositiveIntegerField(default=0)  # the sum of the daily counts

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link_id", "month"], name="monthly_link_once")
        ]
        indexes = [
            models.Index(fields=["workspace_id", "month"], name="monthly_link_ws_month"),
            models.Index(fields=["month"], name="monthly_link_month"),
        ]

    def __str__(self) -> str:
        return f"link {self.link_id} in {self.month:%Y-%m}: {self.clicks}"


class DailyReferrers(models.Model):
    """A workspace's browser clicks per referring host on one UTC day ("" = none given)."""

    workspace_id = models.BigIntegerField()
    day = models.DateField()
    host = models.CharField(max_length=255)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "day", "host"], name="daily_referrer_once"
            )
        ]
        indexes = [models.Index(fields=["day"], name="daily_referrer_day")]

    def __str__(self) -> str:
        return f"{self.host or '(direct)'} on {self.day}: {self.clicks}"


class DailyLinkReferrers(OwnerColumns):
    """One link's browser clicks per referring host on one UTC day (for filtered reports)."""

    link_id = models.BigIntegerField()
    workspace_id = models.BigIntegerField()
    day = models.DateField()
    host = models.CharField(max_length=255)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["link_id", "day", "host"], name="daily_link_referrer_once"
            )
        ]
        indexes = [
            models.Index(fields=["workspace_id", "day"], name="daily_link_ref_ws_day"),
            models.Index(fields=["day"], name="daily_link_ref_day"),
        ]

    def __str__(self) -> str:
        return f"link {self.link_id} from {self.host or '(direct)'} on {self.day}"


class DailyFollowers(models.Model):
    """A channel's follower count at the end of one UTC day (its last snapshot that day)."""

    channel_id = models.BigIntegerField()
    workspace_id = models.BigIntegerField()
    day = models.DateField()
    followers = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel_id", "day"], name="daily_followers_once")
        ]
        indexes = [models.Index(fields=["workspace_id", "day"], name="daily_followers_ws_day")]

    def __str__(self) -> str:
        return f"channel {self.channel_id} on {self.day}: {self.followers}"


class DeliveryEngagement(models.Model):
    """The latest engagement snapshot of one published delivery, with what reports group by."""

    delivery_id = models.BigIntegerField(primary_key=True)
    workspace_id = models.BigIntegerField()
    channel_id = models.BigIntegerField()
    network = models.CharField(max_length=30)
    post_id = models.BigIntegerField()
    topic_id = models.BigIntegerField(null=True)
    campaign_id = models.BigIntegerField(null=True)
    sent_on = models.DateField()  # UTC day the delivery went out
    taken_at = models.DateTimeField()
    likes = models.PositiveIntegerField(default=0)
    reposts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    quotes = models.PositiveIntegerField(default=0)
    impressions = models.PositiveBigIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["workspace_id", "sent_on"], name="engagement_ws_sent")]

    def __str__(self) -> str:
        return f"delivery {self.delivery_id}: {self.likes} likes"


class DailyConversions(OwnerColumns):
    """Conversions on one UTC day, counted per kind, currency and what they are attributed to."""

    workspace_id = models.BigIntegerField()
    day = models.DateField()
    kind = models.CharField(max_length=4)
    currency = models.CharField(max_length=3)
    link_id = models.BigIntegerField(null=True)
    conversions = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=18, decimal_places=3, default=Decimal(0))

    class Meta:
        indexes = [
            models.Index(fields=["workspace_id", "day"], name="daily_conv_ws_day"),
            models.Index(fields=["day"], name="daily_conv_day"),
        ]

    def __str__(self) -> str:
        return f"{self.conversions} {self.kind} on {self.day}"


class WeeklyReport(models.Model):
    """The weekly e-mail of one workspace for the week starting `week` (a Monday): made
    before sending, so a week is reported at most once whatever the workers do."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    week = models.DateField()
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "week"], name="weekly_report_once")
        ]

    def __str__(self) -> str:
        return f"week of {self.week} for {self.workspace_id}"
