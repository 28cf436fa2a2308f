"""Small pieces of the inbox's pages: an author's avatar, a duration."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from outlier.inbox.models import Interaction

register = template.Library()


@register.simple_tag
def avatar(item: Interaction) -> str:
    """The author's picture where the network gave an https or http one, else their initial.
    Loaded without a referrer, lazily: the remote server learns nothing of this page."""
    url = item.author_avatar
    if url.startswith(("https://", "http://")):
        return format_html('<img class="avatar" src="{}" alt="" loading="lazy" '
                           'referrerpolicy="no-referrer" width="40" height="40">', url)  # fmt: skip
    initial = (item.author_name or item.author_handle.lstrip("@") or "?")[:1].upper()
    return format_html('<span class="avatar initial" aria-hidden="true">{}</span>', initial)


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
def shown(value: object) -> str:
    """A rule's condition or action value as text: lists joined with commas."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "yes" if value is True else str(value)


@register.filter
def get_item(mapping: dict[str, str], key: object) -> str:
    return mapping.get(str(key), str(key))
