"""Small pieces of the moderation pages: a wait as people read it, a score as a percentage."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as people read them: 45 s, 12 min, 3 h 5 min, 2 d 4 h."""
    if seconds is None:
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@register.filter
def since(moment: datetime | None) -> str:
    """How long ago `moment` was, as `duration` says it."""
    if moment is None:
        return "—"
    return duration((timezone.now() - moment).total_seconds())


@register.filter
def percent(score: float | None) -> str:
    """A score between 0 and 1 as a whole percentage: 0.873 → 87%."""
    if score is None:
        return "—"
    return f"{round(max(0.0, min(1.0, float(score))) * 100)}%"
