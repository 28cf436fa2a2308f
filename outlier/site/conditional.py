"""Conditional GET and cache headers for the public pages and feeds.

A view first loads what its page depends on (one indexed query, e.g. the topic row and
its ``changed_at``), then hands a ``Stamp`` and a render function to
``conditional_response``. That answers 304 when the client's copy is current, serves a
copy rendered earlier by this process when there is one, and renders otherwise.
"""

from __future__ import annotations

import hashlib
from calendar import timegm
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.response import SimpleTemplateResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag

from outlier import __version__
from outlier.site.page_cache import CachedPage, pages
from outlier.site.queries import Stamp

MAX_AGE = 60

# Bump when templates change what a page shows without a release.
RENDER_REVISION = "3"  # 2: "Read the full article" through tracked links; 3: e-mail digests


def make_etag(request: HttpRequest, stamp: Stamp, variant: str = "") -> str:
    changed = stamp.changed_at.isoformat() if stamp.changed_at else "-"
    parts = (__version__, RENDER_REVISION, request.path, variant, changed, stamp.token)
    return quote_etag(hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32])


def conditional_response(
    request: HttpRequest,
    stamp: Stamp,
    render: Callable[[], HttpResponse],
    *,
    variant: str = "",
    max_age: int = MAX_AGE,
) -> HttpResponseBase:
    """Answer 304, a remembered copy, or a fresh rendering, with validators and cache headers.

    ``variant`` names whatever else selects the representation (the page number).
    Only 200 answers are remembered and get validators; errors and redirects pass through.
    """
    etag = make_etag(request, stamp, variant)
    last_modified = timegm(stamp.changed_at.utctimetuple()) if stamp.changed_at else None

    # "If-None-Match: *" asks whether the page exists at all, which only rendering tells
    # (page 99 of a topic); every other validator is answered before any rendering.
    if request.META.get("HTTP_IF_NONE_MATCH", "").strip() != "*":
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            _add_headers(not_modified, etag, last_modified, max_age)
            return not_modified

    # With DEBUG, edited templates show at once: nothing is remembered.
    cached = None if settings.DEBUG else pages.get(etag)
    if cached is not None:
        response = HttpResponse(cached.content, content_type=cached.content_type)
    else:
        response = render()
        if isinstance(response, SimpleTemplateResponse):
            response.render()
        if response.status_code != 200:
            return response
        if not settings.DEBUG:
            pages.put(etag, CachedPage(response.content, response["Content-Type"]))
    _add_headers(response, etag, last_modified, max_age)
    return get_conditional_response(request, etag, last_modified, response) or response


def _add_headers(
    response: HttpResponseBase, etag: str, last_modified: int | None, max_age: int
) -> None:
    response.headers["ETag"] = etag
    if last_modified is not None:
        response.headers["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=max_age)
    patch_vary_headers(response, ["Accept-Encoding"])
