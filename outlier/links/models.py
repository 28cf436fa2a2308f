"""Tracked links, their clicks, and the campaigns (with their costs) links and posts belong to.

This app sits low (layer 2): publishing and curation point at its rows (a delivery's or a
scoop's tracked link, a post's or a scoop's campaign); analytics reads them for attribution.
"""

from __future__ import annotations

from django.db import models

from outlier.core.models import Workspace


class Campaign(models.Model):
    """A group of posts and scoops with a budget; its slug is the `utm_campaign` value."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="EUR")  # ISO 4217
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="campaign_slug_once"),
        ]

    def __str__(self) -> str:
        return self.name


class CostKind(models.TextChoices):
    AD_SPEND = "ad_spend", "Ad spend"
    TIME = "time", "Time (hours × rate)"
    OTHER = "other", "Other"


class CampaignCost(models.Model):
    """Money spent on a campaign: an amount, or hours at a rate (amount = hours × rate)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="costs")
    kind = models.CharField(max_length=10, choices=CostKind.choices, default=CostKind.AD_SPEND)
    description = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)  # in the campaign's currency
    hours = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    rate = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    incurred_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["incurred_on", "pk"]

    def __str__(self) -> str:
        return f"{self.amount} {self.campaign.currency} on {self.incurred_on}"


class LinkMedium(models.TextChoices):
    SOCIAL = "social", "Social"
    EMAIL = "email", "E-mail"
    FEED = "feed", "Feed"
    SITE = "site", "Topic page"
    MANUAL = "manual", "Made by hand"


class TrackedLink(models.Model):
    """`/l/<code>` → `target` (UTM parameters already applied), counted on each visit."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="links")
    code = models.CharField(max_length=16, unique=True)  # random, not guessable in sequence
    target = models.URLField(max_length=2000)
    original = models.URLField(max_length=2000)  # the URL before UTM parameters were added
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="links"
    )
    medium = models.CharField(max_length=10, choices=LinkMedium.choices, default=LinkMedium.MANUAL)
    source = models.CharField(max_length=40, blank=True)  # utm_source: the network, "feed", …
    utm = models.JSONField(default=dict, blank=True)  # the UTM values applied, overrides kept
    enabled = models.BooleanField(default=True)  # a disabled link answers 410
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="link_recent")]

    def __str__(self) -> str:
        return f"/l/{self.code} → {self.target}"


class AgentClass(models.TextChoices):
    BROWSER = "browser", "Browser"
    BOT = "bot", "Bot"


class Device(models.TextChoices):
    DESKTOP = "desktop", "Desktop"
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    OTHER = "other", "Other"


class Click(models.Model):
    """One visit of a tracked link. No IP address is stored: `visitor` is a hash of the
    address and user agent with a salt that changes every day (unique counts per day)."""

    # No index of its own: "click_link_time" (link, at) serves every lookup by link, and one
    # index fewer makes the batched inserts of the redirect's clicks cheaper.
    link = models.ForeignKey(
        TrackedLink, on_delete=models.CASCADE, related_name="clicks", db_index=False
    )
    at = models.DateTimeField()
    click_id = models.CharField(max_length=32, unique=True)  # handed to the target, for conversions
    referrer_host = models.CharField(max_length=255, blank=True)
    agent = models.CharField(max_length=8, choices=AgentClass.choices, default=AgentClass.BROWSER)
    device = models.CharField(max_length=8, choices=Device.choices, default=Device.OTHER)
    country = models.CharField(max_length=2, blank=True)  # ISO 3166, with a GeoLite2 database
    visitor = models.CharField(max_length=32)

    class Meta:
        indexes = [
            models.Index(fields=["link", "at"], name="click_link_time"),
            models.Index(fields=["at"], name="click_time"),
        ]

    def __str__(self) -> str:
        return f"click {self.click_id} on {self.link_id} at {self.at}"


class LinkDefaults(models.Model):
    """A workspace's default UTM values, used for any parameter nothing else sets."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="link_defaults"
    )
    utm = models.JSONField(default=dict, blank=True)  # {"utm_source": "…", "utm_term": "…"}
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"link defaults of {self.workspace_id}"


class VisitorSalt(models.Model):
    """The random salt of one UTC day for visitor hashes. Rows older than yesterday are
    deleted, after which nobody, the operator included, can link a hash to an address."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)  # 32 random bytes, hex

    def __str__(self) -> str:
        return f"salt of {self.day}"
