"""Telling a workspace's editors and owners, by e-mail, that texts waited too long for review.

`run_due` is a worker job (settings.WORKER_DUE_JOBS); it looks at most every CHECK_SECONDS
per process. For each workspace with held or flagged cases waiting more than
`queries.OVERDUE` (4 hours) that no alert named yet, the cases are claimed under row locks
(SKIP LOCKED: two workers never claim the same case) and their `alerted_at` set in one
transaction, *before* the e-mail goes: a case is in one alert at most. Then one message goes
to the workspace's editors and owners listing them: how many, how long the oldest waited, and
the link to the queue.

When the mail server could not be reached or refused the message before taking it (nothing
was sent), the cases are released and the next look tries again; any other failure is logged
and not retried, since the message may have arrived.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from outlier.core.models import Membership, Role, Workspace
from outlier.core.write_lock import atomic_write
from outlier.moderation.models import QUEUE_STATES, Case
from outlier.moderation.queries import OVERDUE

__all__ = ["Alert", "CHECK_SECONDS", "MAX_LISTED", "claim", "due", "run_due", "send"]

logger = logging.getLogger(__name__)

CHECK_SECONDS = 60.0
MAX_LISTED = 50  # cases named in one message; the count says how many in all
MAX_CLAIMED = 1_000  # cases one alert claims (the rest are in the next one)
TIMEOUT = 20.0  # seconds per SMTP operation, unless settings.EMAIL_TIMEOUT says otherwise
# Failures that mean the message was not taken: the cases are released and tried again.
NOT_SENT = (
    ConnectionRefusedError,
    socket.gaierror,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPRecipientsRefused,
)
_last = [float("-inf")]


@dataclass(frozen=True)
class Alert:
    """The cases one alert names (oldest first) and when they were claimed."""

    workspace: Workspace
    cases: list[Case]
    total: int  # the cases claimed; `cases` holds the first MAX_LISTED of them
    at: datetime


def _unalerted(now: datetime) -> QuerySet[Case]:
    """Overdue cases no alert named yet (read from the small partial index)."""
    return Case.objects.filter(
        alerted_at__isnull=True, state__in=list(QUEUE_STATES), created_at__lt=now - OVERDUE
    )


def due(now: datetime) -> list[int]:
    """The workspaces with overdue cases no alert named yet."""
    return sorted(_unalerted(now).values_list("workspace_id", flat=True).distinct())


def claim(workspace_id: int, now: datetime) -> Alert | None:
    """Claim the workspace's overdue cases not alerted yet: their `alerted_at` is committed
    before any e-mail goes. None when another worker took them first."""
    with atomic_write():
        ids = list(
            _unalerted(now)
            .select_for_update(skip_locked=True)
            .filter(workspace_id=workspace_id)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:MAX_CLAIMED]
        )
        if not ids:
            return None
        total = Case.objects.filter(pk__in=ids, alerted_at__isnull=True).update(alerted_at=now)
    if not total:
        return None
    listed = list(
        Case.objects.filter(pk__in=ids, alerted_at=now).order_by("created_at", "pk")[:MAX_LISTED]
    )
    workspace = Workspace.objects.get(pk=workspace_id)
    return Alert(workspace, listed, total, now)


def _waited(seconds: float) -> str:
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def recipients(workspace_id: int) -> list[str]:
    """The e-mail addresses of the workspace's editors and owners."""
    members = Membership.objects.filter(
        workspace_id=workspace_id, role__in=[Role.OWNER, Role.EDITOR]
    ).select_related("user")
    return sorted({m.user.email for m in members if m.user.email})


def message_of(alert: Alert, to: list[str], connection: Any = None) -> EmailMessage:
    workspace = alert.workspace
    oldest = _waited((alert.at - alert.cases[0].created_at).total_seconds())
    hours = int(OVERDUE.total_seconds() // 3600)
    many = "text has" if alert.total == 1 else "texts have"
    queue = settings.BASE_URL + reverse("moderation:queue", args=[workspace.slug])
    lines = [
        f"{alert.total} {many} waited more than {hours} hours for review in "
        f"“{workspace.name}”; the oldest has waited {oldest}.",
        "",
    ]
    for case in alert.cases:
        waited = _waited((alert.at - case.created_at).total_seconds())
        lines.append(f"- {case.label} ({case.get_state_display().lower()}, waiting {waited})")
    if alert.total > len(alert.cases):
        lines.append(f"- … and {alert.total - len(alert.cases)} more")
    lines += [
        "",
        "Held texts stay hidden until someone approves them. Review them here:",
        queue,
        "",
        "Each text is in one such e-mail at most.",
    ]
    subject = (f"Outlier: {alert.total} {'text' if alert.total == 1 else 'texts'} waiting for "
               f"review in {workspace.name}")  # fmt: skip
    return EmailMessage(subject=" ".join(subject.split()), body="\n".join(lines) + "\n", to=to,
                        connection=connection)  # fmt: skip


def send(alert: Alert) -> bool:
    """Send one alert; True when it went (False: nobody to tell, or the server failed)."""
    to = recipients(alert.workspace.pk)
    if not to:
        logger.info("workspace %s: %s overdue texts, no editor to tell",
                    alert.workspace.pk, alert.total)  # fmt: skip
        return False
    try:
        connection = get_connection(fail_silently=False,
                                    timeout=settings.EMAIL_TIMEOUT or TIMEOUT)  # fmt: skip
        message_of(alert, to, connection).send()
    except NOT_SENT as exc:
        logger.warning("moderation alert for workspace %s not sent, tried again later: %s",
                       alert.workspace.pk, exc)  # fmt: skip
        Case.objects.filter(workspace_id=alert.workspace.pk, alerted_at=alert.at).update(
            alerted_at=None
        )
        return False
    except Exception as exc:  # noqa: BLE001 (it may have arrived: logged, never sent twice)
        logger.warning("moderation alert for workspace %s failed: %s", alert.workspace.pk, exc)
        return False
    return True


def run_due(worker_id: str = "", batch: int = 10, *, now: datetime | None = None,
            force: bool = False) -> int:  # fmt: skip
    """Alert the workspaces with texts waiting too long (at most `batch` per look); returns
    how many e-mails went. Looks at most every CHECK_SECONDS unless `force`."""
    if not force and time.monotonic() - _last[0] < CHECK_SECONDS:
        return 0
    _last[0] = time.monotonic()
    now = now or timezone.now()
    sent = 0
    for workspace_id in due(now)[: max(1, batch)]:
        alert = claim(workspace_id, now)
        if alert is not None and send(alert):
            sent += 1
    return sent
