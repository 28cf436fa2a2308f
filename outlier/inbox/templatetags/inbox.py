"""Small pieces of the inbox's pages: an author's avatar, a duration."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from outlier.core.durations import spoken
from outlier.inbox.models import Interaction

register = template.Library()
register.filter("duration", spoken)


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
def shown(value: object) -> str:
    """A rule's condition or action value as text: lists joined with commas."""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "yes" if value is True else str(value)


@register.filter
def get_item(mapping: dict[str, str], key: object) -> str:
    return mapping.get(str(key), str(key))
