"""The topic's suggestions: ranked, each with why it is there; scoop (with an insight),
dismiss, or "more like this", by button or by key. Thin: the work is `decide` and `suggestion_queries`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from outlier.core.actions import access_workspace
from outlier.core.authn import request_user
from outlier.core.models import Membership
from outlier.curation.actions import access_topic
from outlier.curation.models import Topic
from outlier.sources import decide
from outlier.sources import suggestion_queries as queries

PAGE = 30


def _page(request: HttpRequest, member: Membership, topic: Topic, state: str = "new",
          status: int = 200) -> HttpResponse:  # fmt: skip
    return render(request, "sources/suggestions.html", {
        "membership": member, "workspace": member.workspace, "topic": topic, "state": state,
        "rows": queries.suggestions(topic, state, PAGE), "tabs": queries.counts(topic).items(),
        "can_decide": member.allows(decide.DECIDE_ROLE),
    }, status=status)  # fmt: skip


@login_required
def suggestions(request: HttpRequest, ws: str, slug: str) -> HttpResponse:
    member = access_workspace(request_user(request), ws)
    topic = access_topic(member, slug)
    state = request.GET.get("state", "new")
    return _page(request, member, topic, state if state in queries.STATES else "new")


@login_required
@require_POST
def decide_on(request: HttpRequest, ws: str, slug: str, suggestion_id: int,
              verb: str) -> HttpResponse:  # fmt: skip
    member = access_workspace(request_user(request), ws)
    topic = access_topic(member, slug)
    suggestion = decide.access_suggestion(member, suggestion_id)
    if suggestion.topic_id != topic.pk:
        raise Http404("No such suggestion in this topic.")
    try:
        if verb == "scoop":
            scoop = decide.do_scoop(member, suggestion, insight=request.POST.get("insight", ""))
            messages.success(request, f"Scooped: {suggestion.title or suggestion.url}")
            if request.POST.get("then") == "edit":
                return redirect("curation:scoop", ws, scoop.pk)
        elif verb == "dismiss":
            decide.do_dismiss(member, suggestion)
            messages.success(request, "Dismissed: the topic will suggest less like it.")
        elif verb == "more":
            decide.do_more_like_this(member, suggestion)
            messages.success(request, "The topic will suggest more like it.")
        else:
            raise Http404("No such action.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _page(request, member, topic, status=400)
    return redirect("suggestions:list", ws, slug)
