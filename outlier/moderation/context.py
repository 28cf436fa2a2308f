"""The count of texts waiting for review, in the navigation of every workspace page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from outlier.moderation.queries import Waiting, waiting_for_member

_CACHE = "_moderation_waiting"


def waiting(request: HttpRequest) -> dict[str, Any]:
    """`moderation_waiting` (a `queries.Waiting`) for the workspace of the page, when the
    person is one of its members. Lazy, and kept on the request: one query, made only when a
    page shows the badge, however many templates a request renders."""
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("ws") if match is not None else None
    user = getattr(request, "user", None)
    if not slug or user is None or not user.is_authenticated:
        return {}

    def found() -> Waiting:
        cached = getattr(request, _CACHE, None)
        if not isinstance(cached, Waiting):
            cached = waiting_for_member(user.pk, str(slug))
            setattr(request, _CACHE, cached)
        return cached

    return {"moderation_waiting": SimpleLazyObject(found)}
