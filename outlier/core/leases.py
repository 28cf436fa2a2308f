"""Leasing rows of work to one worker: the rows with a state (DESIGN.md) that say when they
are due (`next_at`) and who holds them (`claimed_by`, `claimed_at`).

`claim` takes up to `limit` due rows under row locks (SKIP LOCKED, so two workers never take
the same row), free ones or those whose lease is older than `lease_seconds` (their worker
died), and marks them as this worker's in the same transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from outlier.core.write_lock import atomic_write


def claim(due: QuerySet[Any], worker_id: str, limit: int, lease_seconds: int,
          now: datetime | None = None) -> list[int]:  # fmt: skip
    """Lease up to `limit` rows of `due` (already filtered to what is due), earliest first."""
    now = now or timezone.now()
    if not due.exists():
        return []
    with atomic_write():  # on SQLite, after the write lock: no sleeping in the busy handler
        ids = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .filter(Q(claimed_by="") | Q(claimed_at__lt=now - timedelta(seconds=lease_seconds)))
            .order_by("next_at")
            .values_list("pk", flat=True)[:limit]
        )
        due.model.objects.filter(pk__in=ids).update(claimed_by=worker_id, claimed_at=now)
    return ids
