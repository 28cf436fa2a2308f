"""Topics and scoops (curated articles)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.text import slugify

from outlier.core.models import Workspace
from outlier.links.models import Campaign, TrackedLink


class Topic(models.Model):
    """A subject a workspace curates; public topics are pages with feeds."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    cover_image = models.ImageField(upload_to="topics/", blank=True)
    is_public = models.BooleanField(default=True)
    # Visitors may suggest articles on the public page (they wait for the curator).
    visitor_suggestions = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped whenever something visible on the public pages changes (ETag / Last-Modified).
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("site:topic", args=[self.slug])


class ScoopState(models.TextChoices):
    FETCHING = "fetching", "Fetching"
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"


class Scoop(models.Model):
    """An article saved from the web into a topic, with the curator's insight."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="scoops")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="scoops"
    )
    url = models.URLField(max_length=2000)
    # Normalised forms of the saved URL and of the page's canonical URL, for dedupe.
    url_key = models.CharField(max_length=2000)
    canonical_key = models.CharField(max_length=2000, blank=True)

    state = models.CharField(max_length=12, choices=ScoopState.choices, default=ScoopState.FETCHING)
    publish_when_fetched = models.BooleanField(default=True)
    fetch_error = models.CharField(max_length=500, blank=True)
    fetch_started_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)

    title = models.CharField(max_length=300, blank=True)
    excerpt = models.TextField(blank=True)
    image_url = models.URLField(max_length=2000, blank=True)
    site_name = models.CharField(max_length=200, blank=True)
    author = models.CharField(max_length=200, blank=True)
    article_published_at = models.DateTimeField(null=True, blank=True)
    canonical_url = models.URLField(max_length=2000, blank=True)
    language = models.CharField(max_length=20, blank=True)

    insight = models.TextField(blank=True, help_text="Markdown")
    insight_html = models.TextField(blank=True, editable=False)
    tags: models.ManyToManyField[Tag, Any] = models.ManyToManyField(
        "Tag", blank=True, related_name="scoops"
    )

    # "Read the full article →" goes through a tracked link per medium (topic pages, feeds),
    # made when a page first shows it (outlier/site/tracking.py), unless `tracking` is off.
    campaign = models.ForeignKey(
        Campaign, on_delete=models.SET_NULL, null=True, blank=True, related_name="scoops"
    )
    tracking = models.BooleanField(default=True)
    site_link = models.ForeignKey(
        TrackedLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    feed_link = models.ForeignKey(
        TrackedLink, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "url_key"], name="scoop_unique_url_in_topic"),
        ]
        indexes = [
            models.Index(fields=["topic", "state", "-published_at"], name="scoop_topic_public"),
            models.Index(fields=["topic", "canonical_key"], name="scoop_topic_canonical"),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    def get_absolute_url(self) -> str:
        return reverse("site:scoop", args=[self.topic.slug, self.pk, self.slug])

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60] or "scoop"

    @property
    def link_url(self) -> str:
        """Where "Read the full article" goes."""
        return self.canonical_url or self.url

    @property
    def display_site(self) -> str:
        from urllib.parse import urlsplit

        return self.site_name or (urlsplit(self.link_url).hostname or "").removeprefix("www.")


class Tag(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="tag_unique_in_workspace"),
        ]

    def __str__(self) -> str:
        return self.name
