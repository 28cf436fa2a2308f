"""A topic's subscribers for its curators: the counts, the list (address, state, frequency,
zone, last digest), and removing one.

Thin: the work is `actions` and `queries`. Any member reads; editors and owners remove (a
viewer or contributor sees no button and gets 403 on the POST); another workspace's topic or
subscriber is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from outlier.core.actions import access_workspace
from outlier.core.authn import request_user
from outlier.curation.actions import access_topic
from outlier.digests import actions, queries
from outlier.digests.models import SubscriptionState

PAGE = 200


@login_required
@require_GET
def subscribers(request: HttpRequest, ws: str, slug: str) -> HttpResponse:
    member = access_workspace(request_user(request), ws)
    topic = access_topic(member, slug)
    state = request.GET.get("state", "")
    state = state if state in SubscriptionState.values else ""
    return render(request, "digests/subscribers.html", {
        "membership": member, "workspace": member.workspace, "topic": topic, "state": state,
        "rows": queries.subscribers_of(topic, state)[:PAGE], "counts": queries.counts(topic),
        "states": SubscriptionState.choices, "can_remove": member.allows(actions.REMOVE_ROLE),
    })  # fmt: skip


@login_required
@require_POST
def remove(request: HttpRequest, ws: str, slug: str, subscription_id: int) -> HttpResponse:
    member = access_workspace(request_user(request), ws)
    topic = access_topic(member, slug)
    found = actions.access_subscription(member, topic, subscription_id, actions.REMOVE_ROLE)
    actions.do_remove_subscription(member, found)
    messages.success(request, f"Removed {found.email}: no more digests go to that address.")
    return redirect("digests:subscribers", ws, slug)
