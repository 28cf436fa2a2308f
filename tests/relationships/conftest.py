"""Relationship fixtures: the inbox's channels and items (tests/inbox/conftest.py), and a way to
run the sync as the worker does, past its grace period."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from outlier.relationships import sync
from tests.inbox.conftest import (  # noqa: F401
    FakeMastodon,
    arrive,
    loopback_allowed,
    mastodon,
    rival_toot,
    toot,
)


def synced() -> int:
    """Everything stored so far, taken into contacts (as the worker does after the grace)."""
    total = 0
    later = timezone.now() + timedelta(seconds=sync.GRACE_SECONDS + 1)
    while taken := sync.sync_once(later):
        total += taken
    return total
