"""Template filters of the public site."""

from __future__ import annotations

from django import template

from outlier.curation.models import Scoop
from outlier.site.addresses import http_url
from outlier.site.text import cut_at_word
from outlier.site.tracking import read_more_url

register = template.Library()


@register.filter(name="cut_at_word")
def cut_at_word_filter(text: str, limit: int) -> str:
    """Shorten plain text at a word boundary; the result is still auto-escaped."""
    return cut_at_word(str(text), int(limit))


@register.filter(name="http_url")
def http_url_filter(url: str) -> str:
    """The URL when it is http(s), else "": remote data never becomes a javascript: link."""
    return http_url(str(url))


@register.filter(name="read_more")
def read_more_filter(scoop: Scoop, medium: str) -> str:
    """Where "Read the full article →" leads: the scoop's tracked link for `medium`."""
    return read_more_url(scoop, medium)
