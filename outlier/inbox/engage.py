"""Liking and reposting an item from the inbox, crash-safe like a delivery.

`do_engage` stores an EngageAction row (once per item and kind); the worker (`run_due`) claims
due rows under a row lock, commits "sending" before the network call, and records the outcome:
done (with the remote id), retrying (transient, with backoff), failed (permanent, with the
network's reason) or unconfirmed (a timeout after the call started: never blindly resent; a
person can ask again, and networks that take the action's key make the retry a no-op).
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from outlier.core.actions import check_role
from outlier.core.models import Membership
from outlier.inbox.actions import WORK_ROLE
from outlier.inbox.models import EngageAction, EngageKind, EngageState, InboxEvent, Interaction
from outlier.networks.base import Engaging, ErrorKind, PublishError
from outlier.publishing import actions as publishing
from outlier.publishing import content

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
LEASE_SECONDS = 120
OPEN = (EngageState.PENDING, EngageState.RETRYING)


def check_engage(item: Interaction, kind: str) -> None:
    if kind not in EngageKind.values:
        raise ValidationError({"kind": "Like or repost."})
    adapter = content.adapter_class(item.channel.network)
    if not item.reply_ref or kind not in adapter.capabilities:
        verb = "liked" if kind == EngageKind.LIKE else "reposted"
        raise ValidationError(f"This {item.get_kind_display().lower()} cannot be {verb} on "
                              f"{adapter.label} from Outlier.")  # fmt: skip


def do_engage(member: Membership, item: Interaction, kind: str) -> EngageAction:
    """Like or repost the item on its network (once: asking again returns the same row, and a
    failed one is tried again)."""
    check_role(member, WORK_ROLE)
    check_engage(item, kind)
    now = timezone.now()
    with transaction.atomic():
        action, made = EngageAction.objects.get_or_create(
            interaction=item, kind=kind,
            defaults={"requested_by": member.user, "next_attempt_at": now,
                      "key": uuid.uuid4().hex},
        )  # fmt: skip
        if not made and action.state in (EngageState.FAILED, EngageState.UNCONFIRMED):
            EngageAction.objects.filter(pk=action.pk).update(
                state=EngageState.RETRYING, next_attempt_at=now, claimed_by="", attempts=0
            )
            action.state = EngageState.RETRYING
            made = True
        if made:
            InboxEvent.objects.create(interaction=item, user=member.user, action=kind)
    return action


def claim(worker_id: str, limit: int, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    due = EngageAction.objects.filter(state__in=OPEN, next_attempt_at__lte=now)
    if not due.exists():
        return []
    with transaction.atomic():
        ids = list(
            due.select_for_update(skip_locked=True)
            .filter(Q(claimed_by="") | Q(claimed_at__lt=now - timedelta(seconds=LEASE_SECONDS)))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        EngageAction.objects.filter(pk__in=ids).update(
            state=EngageState.SENDING, claimed_by=worker_id, claimed_at=now
        )
    return ids


def run_due(worker_id: str, limit: int = 10) -> int:
    now = timezone.now()
    stale = now - timedelta(seconds=LEASE_SECONDS)
    if EngageAction.objects.filter(state=EngageState.SENDING, claimed_at__lt=stale).exists():
        EngageAction.objects.filter(state=EngageState.SENDING, claimed_at__lt=stale).update(
            state=EngageState.UNCONFIRMED, claimed_by="",
            error="The worker stopped while sending; the network may have it.",
        )  # fmt: skip
    ids = claim(worker_id, limit, now)
    rows = EngageAction.objects.filter(pk__in=ids, claimed_by=worker_id).select_related(
        "interaction__channel"
    )
    for action in rows:
        send(action)
    return len(ids)


def send(action: EngageAction) -> str:
    """One call to the network for a claimed action (state "sending"), and its outcome."""
    channel = action.interaction.channel
    adapter = content.adapter_for(channel)
    now = timezone.now()
    attempts = action.attempts + 1
    fields: dict[str, object] = {"attempts": attempts, "claimed_by": ""}
    try:
        engaging = cast(Engaging, adapter)
        call = engaging.like if action.kind == EngageKind.LIKE else engaging.repost
        remote_id = call(action.interaction.reply_ref, action.key)
    except PublishError as exc:
        fields["error"] = str(exc)[:1000]
        if exc.unknown_outcome:
            fields["state"] = EngageState.UNCONFIRMED
        elif exc.kind == ErrorKind.RATE_LIMITED:
            fields["state"] = EngageState.RETRYING
            fields["next_attempt_at"] = now + timedelta(seconds=min(exc.retry_after or 60, 3600))
            fields["attempts"] = action.attempts
        elif exc.kind == ErrorKind.TRANSIENT and attempts < MAX_ATTEMPTS:
            fields["state"] = EngageState.RETRYING
            fields["next_attempt_at"] = now + timedelta(
                seconds=random.uniform(15, 30) * 2 ** (attempts - 1)
            )
        else:
            fields["state"] = EngageState.FAILED
            if exc.kind == ErrorKind.AUTH:
                publishing.do_mark_needs_reconnect(channel.pk, str(exc))
    except Exception as exc:  # an adapter bug after the call may have started
        logger.exception("Engagement %s raised", action.pk)
        fields.update(state=EngageState.UNCONFIRMED, error=str(exc)[:1000] or type(exc).__name__)
    else:
        fields.update(state=EngageState.DONE, remote_id=remote_id[:500], error="", done_at=now)
    finally:
        content.save_changes(channel, adapter)
    EngageAction.objects.filter(pk=action.pk, state=EngageState.SENDING).update(**fields)
    return str(fields["state"])
