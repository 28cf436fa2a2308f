"""Absolute addresses on the public origin, and outbound links we are willing to emit."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse`` or a storage) on the public origin BASE_URL."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.BASE_URL}{path}"


def http_url(url: str) -> str:
    """``url`` when it is an absolute http(s) URL, else "" (no javascript: or data: links)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return ""
    return url
