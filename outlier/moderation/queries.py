"""The reads of moderation that the queue page, the audit page and the REST API share, and
the ones the apps above use to show or hide what they own (`cases_for`, `visible_ids`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from outlier.core.models import Workspace
from outlier.moderation.models import (
    QUEUE_STATES,
    VISIBLE_STATES,
    AuditEntry,
    BlockedAuthor,
    Case,
    Rule,
)

OVERDUE = timedelta(hours=4)  # a held or flagged case waiting longer than this is overdue
AUDIT_LIMIT = 100
MAX_AUDIT_LIMIT = 1_000


def queue(
    workspace: Workspace,
    *,
    subject: str | None = None,
    states: Iterable[str] = QUEUE_STATES,
    oldest_first: bool = True,
) -> QuerySet[Case]:
    """The cases waiting for a look (held and flagged, unless `states` says otherwise),
    oldest first (ties by id), optionally of one subject (comment, inbox, suggestion)."""
    cases = Case.objects.filter(workspace=workspace, state__in=list(states)).select_related(
        "rule", "decided_by"
    )
    if subject is not None:
        cases = cases.filter(subject=subject)
    order = ("created_at", "pk") if oldest_first else ("-created_at", "-pk")
    return cases.order_by(*order)


def overdue(workspace: Workspace, now: datetime | None = None) -> QuerySet[Case]:
    """Held and flagged cases waiting more than OVERDUE (4 hours), oldest first."""
    cutoff = (now or timezone.now()) - OVERDUE
    return queue(workspace).filter(created_at__lt=cutoff)


def audit(
    workspace: Workspace, *, case_id: int | None = None, limit: int = AUDIT_LIMIT
) -> list[AuditEntry]:
    """The workspace's audit entries, newest first (at most `limit`, capped at 1,000),
    optionally those about one case."""
    entries = AuditEntry.objects.filter(workspace=workspace).select_related("actor")
    if case_id is not None:
        entries = entries.filter(case_id=case_id)
    return list(entries.order_by("-at", "-pk")[: max(1, min(limit, MAX_AUDIT_LIMIT))])


def rules(workspace: Workspace) -> QuerySet[Rule]:
    """The workspace's rules in the order they are tried among equals (by id)."""
    return Rule.objects.filter(workspace=workspace).order_by("pk")


def blocked_authors(workspace: Workspace) -> QuerySet[BlockedAuthor]:
    return BlockedAuthor.objects.filter(workspace=workspace).order_by("-created_at", "-pk")


def cases_for(workspace: Workspace, subject: str, subject_ids: Iterable[str]) -> dict[str, Case]:
    """The cases of these texts of the higher app, by subject_id (texts not judged: absent)."""
    ids = [str(pk) for pk in subject_ids]
    found = Case.objects.filter(workspace=workspace, subject=subject, subject_id__in=ids)
    return {case.subject_id: case for case in found}


def visible_ids(workspace: Workspace, subject: str, subject_ids: Iterable[str]) -> set[str]:
    """Which of these texts may be shown (their case is allowed, flagged or approved)."""
    ids = [str(pk) for pk in subject_ids]
    return set(
        Case.objects.filter(
            workspace=workspace,
            subject=subject,
            subject_id__in=ids,
            state__in=list(VISIBLE_STATES),
        ).values_list("subject_id", flat=True)
    )
