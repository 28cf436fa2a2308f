"""Keeping the texts others wrote only as long as a workspace says (`keep_texts_days`): older
inbox items and touches keep their kind, time, author and measures, and lose their text.

`sweep` is a worker sweep (settings.WORKER_SWEEPS), at most every SWEEP_SECONDS per process.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.utils import timezone

from outlier.inbox.actions import do_blank_texts
from outlier.relationships.models import RelationshipSettings, Touch

SWEEP_SECONDS = 3600.0
_last = [0.0]


def apply(now: datetime | None = None) -> int:
    """Blank what is past every workspace's retention; how many texts went."""
    now = now or timezone.now()
    blanked = 0
    for choice in RelationshipSettings.objects.filter(keep_texts_days__isnull=False):
        before = now - timedelta(days=choice.keep_texts_days or 0)
        blanked += do_blank_texts(choice.workspace_id, before)
        blanked += Touch.objects.filter(workspace_id=choice.workspace_id, at__lt=before).exclude(
            text="").update(text="")  # fmt: skip
    return blanked


def sweep(now: datetime | None = None) -> int:
    clock = time.monotonic()
    if clock - _last[0] < SWEEP_SECONDS:
        return 0
    _last[0] = clock
    return apply(now)
