"""Where a topic's suggestions come from, and the suggestions themselves.

- `Feed`: one feed address, polled once however many topics follow it (a row with a state:
  when it is read next, who holds it, what it answered last, its WebSub subscription);
- `Entry`: one item a feed gave, once per feed and GUID (a changed title or GUID of an item
  whose address is known updates that item instead of making a second one);
- `Source`: what a topic follows: a feed (found from a site or given), keywords, or an
  account on a network read through one of the workspace's channels;
- `Suggestion`: a story offered to a topic once, however many sources carried it (by URL,
  canonical URL and near-duplicate text), with why, its score and what the curator decided;
- `TopicModel`: what a topic's ranking learnt from those decisions.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from outlier.core.crypto import EncryptedJSONField
from outlier.core.models import Workspace
from outlier.curation.models import Scoop, Topic
from outlier.publishing.models import Channel


def url_hash(url: str) -> str:
    """The fixed-length key a feed address is unique by."""
    return hashlib.sha256(url.encode()).hexdigest()


class FeedKind(models.TextChoices):
    UNKNOWN = "", "Not read yet"
    RSS = "rss", "RSS"
    RDF = "rdf", "RSS 1.0"
    ATOM = "atom", "Atom"
    JSON = "json", "JSON Feed"


class PushState(models.TextChoices):
    NONE = "", "No hub"
    PENDING = "pending", "Subscribing"
    ACTIVE = "active", "Pushed by its hub"
    FAILED = "failed", "Hub refused"
    ENDING = "ending", "Unsubscribing"


class Feed(models.Model):
    """A feed address and its polling: conditional GET, an interval that follows how busy the
    feed is, backoff on errors, and the hub that pushes it (WebSub)."""

    url = models.URLField(max_length=2000)
    key = models.CharField(max_length=64, unique=True)  # url_hash(url)
    kind = models.CharField(max_length=8, choices=FeedKind.choices, blank=True)
    title = models.CharField(max_length=300, blank=True)
    site_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # The poll (a row with a state, DESIGN.md).
    next_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    interval_seconds = models.PositiveIntegerField(default=3600)
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    ok_at = models.DateTimeField(null=True, blank=True)
    new_at = models.DateTimeField(null=True, blank=True)  # when an item last was new
    error = models.CharField(max_length=1000, blank=True)
    errors = models.PositiveIntegerField(default=0)  # in a row, for the backoff
    not_modified = models.PositiveIntegerField(default=0)  # 304 answers, all told
    parsed = models.PositiveIntegerField(default=0)  # full bodies parsed, all told

    # WebSub (push): the hub the feed names and our subscription to it.
    hub_url = models.URLField(max_length=2000, blank=True)
    self_url = models.URLField(max_length=2000, blank=True)
    push_state = models.CharField(max_length=8, choices=PushState.choices, blank=True)
    push_secret = EncryptedJSONField(default=dict, blank=True)  # {"secret": …}, encrypted
    push_token = models.CharField(max_length=64, blank=True)  # in the callback's path
    push_expires_at = models.DateTimeField(null=True, blank=True)
    push_next_at = models.DateTimeField(null=True, blank=True)  # when to (re)subscribe
    push_failures = models.PositiveIntegerField(default=0)  # in a row, for the backoff
    push_error = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["next_at"], name="feed_due"),
            models.Index(fields=["push_next_at"], name="feed_push_due"),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class Entry(models.Model):
    """An item of a feed, or a post a network source read."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries", null=True)
    source = models.ForeignKey(
        "Source", on_delete=models.CASCADE, related_name="posts", null=True, blank=True
    )  # network sources only (their posts belong to no feed)
    guid_key = models.CharField(max_length=64)  # sha256 of the GUID
    url = models.URLField(max_length=2000, blank=True)
    url_key = models.CharField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)  # plain text, for matching and similarity
    summary_html = models.TextField(blank=True)  # sanitized
    image = models.URLField(max_length=2000, blank=True)
    author = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(default=timezone.now)
    signature = models.BinaryField(blank=True, default=b"")  # near-duplicate signature

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["feed", "guid_key"], name="entry_once_per_feed",
                                    condition=Q(feed__isnull=False)),
            models.UniqueConstraint(fields=["source", "guid_key"], name="entry_once_per_source",
                                    condition=Q(source__isnull=False)),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["feed", "-seen_at"], name="entry_feed_recent"),
            models.Index(fields=["feed", "url_key"], name="entry_feed_url"),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class SourceKind(models.TextChoices):
    FEED = "feed", "Feed"
    KEYWORDS = "keywords", "Keywords"
    ACCOUNT = "account", "Account on a network"


class Source(models.Model):
    """Something a topic follows for suggestions."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="sources")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(max_length=8, choices=SourceKind.choices)
    feed = models.ForeignKey(Feed, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="sources")  # fmt: skip
    name = models.CharField(max_length=300, blank=True)  # the curator's, else the feed's title
    category = models.CharField(max_length=300, blank=True)  # "News/Tech": OPML folders
    keywords = models.JSONField(default=list, blank=True)  # words and "phrases"
    channel = models.ForeignKey(Channel, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="sources")  # fmt: skip
    account = models.CharField(max_length=300, blank=True)  # a handle, for kind account
    # What the channel reads the account by (a DID, a Mastodon account's id on its server).
    account_ref = models.CharField(max_length=300, blank=True)
    hashtags = models.JSONField(default=list, blank=True)  # the keywords written as #tags
    active = models.BooleanField(default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    # The poll of a network source (keywords searched, an account read through `channel`;
    # see `network_polling`).
    next_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    new_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    errors = models.PositiveIntegerField(default=0)  # in a row, for the backoff
    interval_seconds = models.PositiveIntegerField(default=900)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "feed"], name="source_feed_once",
                                    condition=Q(feed__isnull=False)),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["workspace", "kind"], name="source_kind"),
            models.Index(fields=["next_at"], name="source_due"),
        ]

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.feed_id and self.feed:
            return self.feed.title or self.feed.url
        return ", ".join(self.keywords) or self.account or self.kind


class SuggestionState(models.TextChoices):
    NEW = "new", "New"
    SCOOPED = "scooped", "Scooped"
    DISMISSED = "dismissed", "Dismissed"


class Suggestion(models.Model):
    """A story offered to a topic, once: the sources that carried it, why, and the decision."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="suggestions")
    entry = models.ForeignKey(Entry, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="suggestions")  # fmt: skip
    story_key = models.CharField(max_length=2000)  # url_key of its address
    url = models.URLField(max_length=2000)
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=SuggestionState.choices,
                             default=SuggestionState.NEW)  # fmt: skip
    score = models.FloatField(default=0.0)
    relevance = models.FloatField(default=0.0)
    # {"sources": [ids], "keywords": [...], "similar": [scoop ids], "terms": [...]}
    reasons = models.JSONField(default=dict, blank=True)
    copies = models.PositiveIntegerField(default=1)  # how many sources carried the story
    signature = models.BinaryField(blank=True, default=b"")
    # A visitor's suggestion, from the public topic page.
    from_visitor = models.BooleanField(default=False)
    visitor_name = models.CharField(max_length=100, blank=True)
    visitor_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")  # fmt: skip
    scoop = models.ForeignKey(Scoop, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "story_key"], name="suggestion_once_per_topic"
            ),
        ]
        indexes = [
            models.Index(fields=["topic", "state", "-score"], name="suggestion_ranked"),
            models.Index(fields=["topic", "-created_at"], name="suggestion_recent"),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class TopicModel(models.Model):
    """The ranking a topic learnt from its curator's scoops and dismissals."""

    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="ranking")
    state = models.JSONField(default=dict)  # the model's own weights, not pickled objects
    positives = models.PositiveIntegerField(default=0)
    negatives = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"ranking of topic {self.topic_id}"
