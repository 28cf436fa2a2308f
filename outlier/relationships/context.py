"""The home screen's nudge when this week is all talk (relationships.balance)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from outlier.core.models import Membership
from outlier.relationships.balance import nudge


def talk_nudge(request: HttpRequest) -> dict[str, Any]:
    """`talk_nudge` (this week's Week) on the workspace's home screen, when it is all talk."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name != "curation:dashboard":
        return {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    workspace_id = (Membership.objects.filter(user=user, workspace__slug=match.kwargs.get("ws"))
                    .values_list("workspace_id", flat=True).first())  # fmt: skip
    week = nudge(workspace_id) if workspace_id else None
    return {"talk_nudge": week} if week else {}
