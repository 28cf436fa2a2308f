"""Small pieces of the moderation pages: a wait as people read it, a score as a percentage."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from outlier.core.durations import spoken

register = template.Library()
register.filter("duration", spoken)


@register.filter
def since(moment: datetime | None) -> str:
    """How long ago `moment` was, as `duration` says it."""
    if moment is None:
        return "—"
    return spoken((timezone.now() - moment).total_seconds())


@register.filter
def percent(score: float | None) -> str:
    """A score between 0 and 1 as a whole percentage: 0.873 → 87%."""
    if score is None:
        return "—"
    return f"{round(max(0.0, min(1.0, float(score))) * 100)}%"
