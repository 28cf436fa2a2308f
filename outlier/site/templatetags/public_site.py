"""Template filters of the public site."""

from __future__ import annotations

from django import template

from outlier.site.addresses import http_url
from outlier.site.text import cut_at_word

register = template.Library()


@register.filter(name="cut_at_word")
def cut_at_word_filter(text: str, limit: int) -> str:
    """Shorten plain text at a word boundary; the result is still auto-escaped."""
    return cut_at_word(str(text), int(limit))


@register.filter(name="http_url")
def http_url_filter(url: str) -> str:
    """The URL when it is http(s), else "": remote data never becomes a javascript: link."""
    return http_url(str(url))
