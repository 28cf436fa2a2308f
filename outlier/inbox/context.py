"""The unread count of the inbox, in the navigation of every workspace page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from outlier.core.models import Membership
from outlier.inbox.queries import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    """`inbox_unread` for the workspace of the page, when the person is one of its members."""
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("ws") if match is not None else None
    user = getattr(request, "user", None)
    if not slug or user is None or not user.is_authenticated:
        return {}
    workspace_id = (
        Membership.objects.filter(user=user, workspace__slug=slug)
        .values_list("workspace_id", flat=True)
        .first()
    )
    return {"inbox_unread": unread_count(workspace_id)} if workspace_id else {}
