"""Moderation's rows: rules, one case per judged text, blocked authors, each workspace's spam
model, and the append-only audit log.

This app sits low (layer 2): the site's comments, the inbox and visitors' suggestions call
`outlier.moderation.judging.judge` and read the case's `visible`; nothing here knows them.
Texts are told apart by `subject` (what kind of text) and `subject_id` (the higher app's id).
"""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from outlier.core.models import Workspace
from outlier.moderation.spam import Text

BODY_MAX = 10_000  # characters of a text kept in its case (and judged)
NAME_MAX = 200
URL_MAX = 500
LINKS_MAX = 50  # further links kept per case, each at most URL_MAX characters
REASON_MAX = 500


class RuleKind(models.TextChoices):
    WORDS = "words", "Words or phrases"
    REGEX = "regex", "Pattern (regular expression)"
    LINKS = "links", "Too many links"
    DOMAIN = "domain", "Link to a domain"
    NEW_AUTHOR = "new_author", "First text of a new author"
    RATE = "rate", "Too many texts too fast"
    LANGUAGE = "language", "Language not allowed"


class RuleAction(models.TextChoices):
    BLOCK = "block", "Block"
    HOLD = "hold", "Hold for review"
    FLAG = "flag", "Show, and flag for review"


# The strictest action wins: block > hold > flag.
ACTION_RANK = {RuleAction.BLOCK: 3, RuleAction.HOLD: 2, RuleAction.FLAG: 1}


class Rule(models.Model):
    """One of a workspace's rules. `value` is stored as `rules.check_rule` normalised it."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="moderation_rules"
    )
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    action = models.CharField(max_length=10, choices=RuleAction.choices)
    value = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["workspace", "enabled"], name="modrule_enabled")]

    def __str__(self) -> str:
        return f"rule #{self.pk}: {self.kind} → {self.action}"

    def as_dict(self) -> dict[str, Any]:
        """What the audit log keeps of a rule, before and after a change."""
        return {
            "kind": self.kind,
            "action": self.action,
            "value": self.value,
            "enabled": self.enabled,
        }


class Subject(models.TextChoices):
    COMMENT = "comment", "Comment"
    INBOX = "inbox", "Inbox item"
    SUGGESTION = "suggestion", "Suggestion"


class CaseState(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    HELD = "held", "Held for review"
    FLAGGED = "flagged", "Shown, flagged for review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SPAM = "spam", "Spam"
    BLOCKED = "blocked", "Blocked"


VISIBLE_STATES = frozenset({CaseState.ALLOWED, CaseState.FLAGGED, CaseState.APPROVED})
QUEUE_STATES = (CaseState.HELD, CaseState.FLAGGED)


class Case(models.Model):
    """One judged text: a snapshot of what was judged, the verdict and the decision on it.

    `decided_at` is set only by a moderator's decision (never by `judge`), so a case with a
    `decided_at` in the approved, spam or blocked state is a decision the spam model learnt.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="moderation_cases"
    )
    subject = models.CharField(max_length=20, choices=Subject.choices)
    subject_id = models.CharField(max_length=64)
    body = models.TextField(blank=True)  # at most BODY_MAX characters
    author_name = models.CharField(max_length=NAME_MAX, blank=True)
    author_url = models.CharField(max_length=URL_MAX, blank=True)
    links = models.JSONField(default=list, blank=True)
    language = models.CharField(max_length=20, blank=True)
    author_key = models.CharField(max_length=64)  # keys.author_key_for: an HMAC, never the raw id
    address_key = models.CharField(max_length=64, blank=True)  # keys.address_key_for
    state = models.CharField(max_length=10, choices=CaseState.choices)
    rule = models.ForeignKey(
        Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    reason = models.CharField(max_length=REASON_MAX, blank=True)
    spam_score = models.FloatField(default=0.0)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the workspace's editors were e-mailed that this case waited too long
    # (`alerts.run_due`); set once, so each case is in one alert at most.
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "subject", "subject_id"], name="modcase_subject_once"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "state", "created_at"], name="modcase_queue"),
            models.Index(fields=["workspace", "author_key", "created_at"], name="modcase_author"),
            models.Index(fields=["workspace", "address_key", "created_at"], name="modcase_address"),
            # The alert job's look, every minute, across workspaces: only the waiting cases
            # not alerted yet are in this index, so it stays small however many cases pile up.
            models.Index(
                fields=["created_at"],
                condition=models.Q(alerted_at__isnull=True, state__in=["held", "flagged"]),
                name="modcase_unalerted",
            ),
        ]

    def __str__(self) -> str:
        return f"case #{self.pk}: {self.subject} {self.subject_id} {self.state}"

    @property
    def visible(self) -> bool:
        """Whether the higher app shows the text: allowed, flagged (shown, waiting for a look)
        or approved."""
        return self.state in VISIBLE_STATES

    @property
    def waiting(self) -> bool:
        """In the queue: held or flagged."""
        return self.state in QUEUE_STATES

    @property
    def text(self) -> Text:
        """The snapshot as the spam model reads it."""
        return Text(
            self.body,
            author_name=self.author_name,
            author_url=self.author_url,
            links=tuple(str(link) for link in self.links or ()),
        )

    @property
    def label(self) -> str:
        """A short reading of the case for the audit log and lists."""
        body = " ".join(self.body.split())
        if len(body) > 60:
            body = body[:59] + "…"
        who = self.author_name or "someone"
        return f"{Subject(self.subject).label} {self.subject_id} by {who}: “{body}”"


class BlockedAuthor(models.Model):
    """An author whose texts are blocked in a workspace, known by the author key alone."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="blocked_authors"
    )
    author_key = models.CharField(max_length=64)
    label = models.CharField(max_length=NAME_MAX, blank=True)  # the name shown
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "author_key"], name="modblocked_author_once"
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.author_key[:12]


class SpamState(models.Model):
    """A workspace's spam model (`SpamModel.to_bytes`), and how many decisions it learnt."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="spam_state")
    data = models.BinaryField()
    learned = models.PositiveIntegerField(default=0)  # moderators' decisions, beyond the seed
    updated_at = models.DateTimeField(default=timezone.now)  # set by learning.save_model

    def __str__(self) -> str:
        return f"spam model of workspace {self.workspace_id}, {self.learned} decisions"


class AuditAction(models.TextChoices):
    JUDGED = "judged", "Judged"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SPAM = "spam", "Marked spam"
    BLOCKED_AUTHOR = "blocked_author", "Blocked the author"
    UNBLOCKED_AUTHOR = "unblocked_author", "Unblocked an author"
    UNDONE = "undone", "Undone"
    RULE_CREATED = "rule_created", "Created a rule"
    RULE_CHANGED = "rule_changed", "Changed a rule"
    RULE_DELETED = "rule_deleted", "Deleted a rule"


class AppendOnly(Exception):
    """An attempt to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Audit entries are append-only: they cannot be changed.")

    def delete(self) -> NoReturn:  # type: ignore[override]
        raise AppendOnly("Audit entries are append-only: they cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Audit entries are append-only: they cannot be changed.")


class AuditEntry(models.Model):
    """One thing that happened in moderation, kept as it was written.

    Append-only three ways: `save` refuses to update an existing row, `delete` (of a row or
    of a queryset through `objects`) and `update` raise, and the database refuses any UPDATE
    of the table (a trigger, migration 0002) save the one Django issues when a user is
    deleted, setting `actor` to NULL and nothing else. DELETE stays allowed at the SQL level
    so that deleting a workspace deletes its log with it (the CASCADE below).

    `case_id` and `rule_id` are plain integers, not foreign keys, so that deleting a rule or
    a case never touches this table. `batch` is shared by the entries of one action (a bulk
    decision writes one entry per case); `do_undo` takes it.
    """

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="moderation_audit"
    )
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(  # None: the system (judge)
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    case_id = models.BigIntegerField(null=True, blank=True)
    rule_id = models.BigIntegerField(null=True, blank=True)
    label = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    batch = models.UUIDField(default=uuid.uuid4)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["workspace", "at"], name="modaudit_at"),
            models.Index(fields=["workspace", "case_id"], name="modaudit_case"),
            models.Index(fields=["batch"], name="modaudit_batch"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AppendOnly("Audit entries are append-only: they cannot be changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("Audit entries are append-only: they cannot be deleted.")
