"""Stay-in-touch reminders by e-mail: once a day, each member who can act on contacts
(contributors and above) gets one message listing the workspace's contacts whose reminder is
due, and every reminder sent is logged (`ReminderLog`).

Each day's message is a row (`ReminderDigest`, unique per workspace, member and UTC day) made
with its entries in one transaction, then claimed by moving it from pending to sending before
the SMTP call and marked sent after: it goes out at most once. A message left sending by a
worker that died becomes unconfirmed and is not sent again blindly.

`sweep` is a worker sweep (settings.WORKER_SWEEPS), at most every SWEEP_SECONDS per process.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from outlier.core.models import Membership, Role
from outlier.relationships.models import (
    Contact,
    DigestState,
    ReminderDigest,
    ReminderLog,
)

logger = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0
STALE_SENDING = timedelta(minutes=10)
MAX_LISTED = 100
_last = [0.0]


def due(workspace_id: int, now: datetime) -> list[Contact]:
    return list(
        Contact.objects.filter(workspace_id=workspace_id, remind_at__lte=now)
        .prefetch_related("identities")
        .order_by("remind_at", "pk")[:MAX_LISTED]
    )


def make_digests(now: datetime) -> list[ReminderDigest]:
    """Today's digests for every member of every workspace with reminders due (once a day)."""
    day = now.date()
    made = []
    workspaces = set(
        Contact.objects.filter(remind_at__lte=now).values_list("workspace_id", flat=True)
    )
    for workspace_id in workspaces:
        contacts = due(workspace_id, now)
        members = Membership.objects.filter(workspace_id=workspace_id).exclude(
            role=Role.VIEWER
        ).select_related("user")  # fmt: skip
        for member in members:
            if not member.user.email:
                continue
            with transaction.atomic():
                digest, created = ReminderDigest.objects.get_or_create(
                    workspace_id=workspace_id, user=member.user, day=day
                )
                if created:
                    ReminderLog.objects.bulk_create([
                        ReminderLog(digest=digest, contact=c, due_at=c.remind_at or now)
                        for c in contacts
                    ])  # fmt: skip
                    made.append(digest)
    return made


def text_of(digest: ReminderDigest) -> str:
    entries = digest.entries.select_related("contact").prefetch_related("contact__identities")
    lines = [f"Stay in touch: {entries.count()} contact(s) of yours are due on {digest.day}.", ""]
    ws = digest.workspace.slug
    for entry in entries:
        contact = entry.contact
        handles = ", ".join(i.handle for i in contact.identities.all())
        last = (contact.last_interaction_at.strftime("%d %b %Y") if contact.last_interaction_at
                else "never")  # fmt: skip
        path = reverse("relationships:contact", args=[ws, contact.pk])
        lines.append(f"- {contact.name} ({handles}); last interaction: {last}")
        lines.append(f"  {settings.BASE_URL}{path}")
    lines += ["", "An interaction either way starts the count again. All reminders due:",
              f"{settings.BASE_URL}{reverse('relationships:list', args=[ws])}?due=1"]  # fmt: skip
    return "\n".join(lines) + "\n"


def send(digest_id: int, now: datetime | None = None) -> str:
    """Send one pending digest; returns its state afterwards."""
    now = now or timezone.now()
    claimed = ReminderDigest.objects.filter(pk=digest_id, state=DigestState.PENDING).update(
        state=DigestState.SENDING
    )
    digest = ReminderDigest.objects.select_related("user", "workspace").get(pk=digest_id)
    if not claimed:
        return digest.state
    if not digest.entries.exists():
        ReminderDigest.objects.filter(pk=digest_id).update(state=DigestState.SENT, sent_at=now)
        return DigestState.SENT
    message = EmailMessage(
        subject=f"Outlier: stay in touch — {digest.entries.count()} contact(s) due",
        body=text_of(digest), to=[digest.user.email],
    )  # fmt: skip
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 (SMTP can fail in many ways; each is recorded)
        logger.warning("reminder digest %s failed: %s", digest_id, exc)
        ReminderDigest.objects.filter(pk=digest_id).update(
            state=DigestState.FAILED, error=str(exc)[:500]
        )
        return DigestState.FAILED
    ReminderDigest.objects.filter(pk=digest_id).update(state=DigestState.SENT, sent_at=now)
    return DigestState.SENT


def sweep(now: datetime | None = None, force: bool = False) -> int:
    """Make today's digests, send the pending ones, give up on those left sending."""
    clock = time.monotonic()
    if not force and clock - _last[0] < SWEEP_SECONDS:
        return 0
    _last[0] = clock
    now = now or timezone.now()
    ReminderDigest.objects.filter(state=DigestState.SENDING,
                                  created_at__lt=now - STALE_SENDING).update(
        state=DigestState.UNCONFIRMED)  # fmt: skip
    make_digests(now)
    sent = 0
    pending = ReminderDigest.objects.filter(state=DigestState.PENDING, day__gte=_yesterday(now))
    for digest_id in pending.values_list("pk", flat=True):
        sent += send(digest_id, now) == DigestState.SENT
    return sent


def _yesterday(now: datetime) -> date:
    return now.date() - timedelta(days=1)
