"""The reads of moderation that the queue page, the audit page and the REST API share, and
the ones the apps above use to show or hide what they own (`cases_for`, `visible_ids`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, Min, Q, QuerySet
from django.utils import timezone

from outlier.core.models import Workspace
from outlier.moderation.models import (
    QUEUE_STATES,
    VISIBLE_STATES,
    AuditEntry,
    BlockedAuthor,
    Case,
    CaseState,
    Rule,
)

OVERDUE = timedelta(hours=4)  # a held or flagged case waiting longer than this is overdue
AUDIT_LIMIT = 100
MAX_AUDIT_LIMIT = 1_000
# What the queue's "decided" view lists: a moderator's decisions, and texts blocked when judged.
DECIDED_STATES = (CaseState.APPROVED, CaseState.REJECTED, CaseState.SPAM, CaseState.BLOCKED)
# The queue's views (the page's filter and the API's `state`) and the states each lists.
QUEUE_VIEWS: dict[str, tuple[str, ...]] = {
    "waiting": tuple(QUEUE_STATES),
    "held": (CaseState.HELD,),
    "flagged": (CaseState.FLAGGED,),
    "decided": DECIDED_STATES,
}


@dataclass(frozen=True)
class Waiting:
    """How many cases wait (held or flagged), how many of them are overdue, and since when
    the oldest waits (None when none does)."""

    count: int = 0
    overdue: int = 0
    oldest: datetime | None = None


def _waiting(cases: QuerySet[Case], now: datetime | None) -> Waiting:
    cutoff = (now or timezone.now()) - OVERDUE
    found = cases.filter(state__in=list(QUEUE_STATES)).aggregate(
        count=Count("pk"), overdue=Count("pk", filter=Q(created_at__lt=cutoff)),
        oldest=Min("created_at"),
    )  # fmt: skip
    return Waiting(found["count"] or 0, found["overdue"] or 0, found["oldest"])


def waiting(workspace: Workspace | int, now: datetime | None = None) -> Waiting:
    """The workspace's queue in numbers, in one query (the queue page's banner)."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return _waiting(Case.objects.filter(workspace_id=workspace_id), now)


def waiting_for_member(user_id: int, slug: str, now: datetime | None = None) -> Waiting:
    """The queue in numbers of workspace `slug`, when `user_id` is one of its members (else
    zeros), in one query: the navigation's badge."""
    cases = Case.objects.filter(workspace__slug=slug, workspace__memberships__user_id=user_id)
    return _waiting(cases, now)


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


def is_overdue(case: Case, now: datetime | None = None) -> bool:
    """Whether `case` waits (held or flagged) for more than OVERDUE."""
    return case.waiting and (now or timezone.now()) - case.created_at > OVERDUE


def audit_log(workspace: Workspace, *, case_id: int | None = None) -> QuerySet[AuditEntry]:
    """The workspace's audit entries, newest first, optionally those about one case (the audit
    page pages through it)."""
    entries = AuditEntry.objects.filter(workspace=workspace).select_related("actor")
    if case_id is not None:
        entries = entries.filter(case_id=case_id)
    return entries.order_by("-at", "-pk")


def audit(
    workspace: Workspace, *, case_id: int | None = None, limit: int = AUDIT_LIMIT
) -> list[AuditEntry]:
    """The workspace's audit entries, newest first (at most `limit`, capped at 1,000),
    optionally those about one case."""
    entries = audit_log(workspace, case_id=case_id)
    return list(entries[: max(1, min(limit, MAX_AUDIT_LIMIT))])


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


def hidden(workspace: Workspace | int, subject: str, subject_id: Any) -> Exists:
    """For filtering a higher app's rows in SQL: true for a text whose case is not visible
    (held, rejected, spam or blocked). `subject_id` is an expression of the row's id as text,
    e.g. `Cast(OuterRef("pk"), CharField())`. A text that was never judged is not hidden.

        rows.filter(~hidden(workspace, Subject.SUGGESTION, Cast(OuterRef("pk"), CharField())))
    """
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return Exists(
        Case.objects.filter(
            workspace_id=workspace_id, subject=subject, subject_id=subject_id
        ).exclude(state__in=list(VISIBLE_STATES))
    )
