"""The composer's thread preview: how a text is cut into posts on each chosen channel.

The composer's script posts the text as it is typed (debounced) and draws the parts; the cut is
the server's (`content.thread_for`, the adapter's own), never a copy in JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_POST

from outlier.core.models import Role
from outlier.publishing import content
from outlier.publishing.models import Channel
from outlier.publishing.views import member_for


@login_required
@require_POST
def thread_preview(request: HttpRequest, ws: str) -> JsonResponse:
    """{"threads": {"<channel id>": {"parts", "lengths", "max_parts", "problem"}}} for the
    chosen channels whose network makes threads."""
    member = member_for(request, ws, Role.CONTRIBUTOR)
    data = request.POST
    chosen = [int(value) for value in data.getlist("channels") if value.isdigit()]
    text, link = data.get("text", ""), data.get("link", "")
    tracking = data.get("tracking", "") in ("on", "true", "1")
    found: dict[str, Any] = {}
    for channel in Channel.objects.filter(workspace=member.workspace, pk__in=chosen):
        variant = data.get(f"variant_{channel.pk}", "")
        thread = content.thread_for(channel, variant if variant.strip() else text, link,
                                    tracking=tracking)  # fmt: skip
        if thread is not None:
            found[str(channel.pk)] = {"parts": thread.parts, "lengths": thread.lengths,
                                      "max_parts": thread.max_parts, "problem": thread.problem}  # fmt: skip
    return JsonResponse({"threads": found})
