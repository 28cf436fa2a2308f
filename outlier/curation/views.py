"""The curator's screens: topics, saving a URL, editing a scoop. Thin: actions do the work."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from outlier.core.actions import access_workspace
from outlier.core.authn import request_user
from outlier.core.forms import add_errors
from outlier.core.models import Membership, Role
from outlier.curation import actions, queries
from outlier.curation.forms import ScoopEditForm, ScoopForm, TopicForm
from outlier.curation.models import Scoop, ScoopState, Topic
from outlier.links.models import Campaign


def _member(request: HttpRequest, ws: str, role: str = Role.VIEWER) -> Membership:
    return access_workspace(request_user(request), ws, role)


@login_required
def dashboard(request: HttpRequest, ws: str) -> HttpResponse:
    member = _member(request, ws)
    context = {
        "membership": member,
        "workspace": member.workspace,
        "topics": queries.topics_with_counts(member.workspace),
        "recent": queries.recent_scoops(member.workspace),
        "bookmarklet": _bookmarklet(request, ws),
    }
    return render(request, "curation/dashboard.html", context)


def _bookmarklet(request: HttpRequest, ws: str) -> str:
    target = request.build_absolute_uri(reverse("curation:scoop_new", args=[ws]))
    return (
        "javascript:(function(){window.open('"
        + target
        + "?url='+encodeURIComponent(location.href),'outlier','width=720,height=680');})();"
    )


@login_required
def topic_new(request: HttpRequest, ws: str) -> HttpResponse:
    member = _member(request, ws, Role.EDITOR)
    form = TopicForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic = actions.do_create_topic(member, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Topic “{topic.name}” created.")
            return redirect("curation:topic", ws, topic.slug)
    return render(request, "curation/topic_form.html", {"membership": member,
                  "workspace": member.workspace, "form": form})  # fmt: skip


@login_required
def topic_edit(request: HttpRequest, ws: str, slug: str) -> HttpResponse:
    member = _member(request, ws, Role.EDITOR)
    topic = actions.access_topic(member, slug, Role.EDITOR)
    initial = {"name": topic.name, "slug": topic.slug, "description": topic.description,
               "is_public": topic.is_public,
               "visitor_suggestions": topic.visitor_suggestions}  # fmt: skip
    form = TopicForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete"):
            actions.do_delete_topic(member, topic)
            messages.success(request, f"Topic “{topic.name}” deleted.")
            return redirect("curation:dashboard", ws)
        if form.is_valid():
            try:
                topic = actions.do_update_topic(member, topic, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, "Topic saved.")
                return redirect("curation:topic", ws, topic.slug)
    return render(request, "curation/topic_form.html", {"membership": member,
                  "workspace": member.workspace, "form": form, "topic": topic})  # fmt: skip


@login_required
def topic(request: HttpRequest, ws: str, slug: str) -> HttpResponse:
    member = _member(request, ws)
    topic = actions.access_topic(member, slug)
    state = request.GET.get("state", "")
    if state not in ScoopState.values:
        state = ""
    page = Paginator(queries.topic_scoops(topic, state), 25).get_page(request.GET.get("page"))
    form = ScoopForm(initial={"topic": topic}, topics=Topic.objects.filter(pk=topic.pk))
    context = {"membership": member, "workspace": member.workspace, "topic": topic,
               "page": page, "state": state, "states": ScoopState.choices, "form": form}  # fmt: skip
    return render(request, "curation/topic.html", context)


@login_required
def scoop_new(request: HttpRequest, ws: str) -> HttpResponse:
    """Paste a URL (also the bookmarklet's target, with ?url=)."""
    member = _member(request, ws, Role.CONTRIBUTOR)
    topics = Topic.objects.filter(workspace=member.workspace)
    initial = {"url": request.GET.get("url", ""), "topic": request.GET.get("topic")}
    form = ScoopForm(request.POST or None, initial=initial, topics=topics)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            scoop, created = actions.do_create_scoop(
                member, data["topic"], data["url"], data["insight"], data["tags"], data["publish"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            if created:
                messages.success(request, "Saved. Outlier is fetching the page.")
            else:
                messages.info(request, "This article is already in the topic; here it is.")
            return redirect("curation:scoop", ws, scoop.pk)
    return render(request, "curation/scoop_new.html", {"membership": member,
                  "workspace": member.workspace, "form": form})  # fmt: skip


@login_required
def scoop(request: HttpRequest, ws: str, scoop_id: int) -> HttpResponse:
    member = _member(request, ws)
    scoop = actions.access_scoop(member, scoop_id)
    initial = {field: getattr(scoop, field) for field in actions.EDITABLE_FIELDS}
    initial["tags"] = ", ".join(t.name for t in scoop.tags.all())
    initial.update(campaign=scoop.campaign_id, tracking=scoop.tracking)
    campaigns = Campaign.objects.filter(workspace=member.workspace)
    form = ScoopEditForm(request.POST or None, initial=initial, campaigns=campaigns)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_scoop(member, scoop, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Scoop saved.")
            return redirect("curation:scoop", ws, scoop.pk)
    context = {"membership": member, "workspace": member.workspace, "scoop": scoop, "form": form,
               "can_edit": _can_edit(member, scoop)}  # fmt: skip
    return render(request, "curation/scoop.html", context)


def _can_edit(member: Membership, scoop: Scoop) -> bool:
    try:
        actions.check_can_edit_scoop(member, scoop)
    except PermissionDenied:
        return False
    return True


@login_required
def scoop_card(request: HttpRequest, ws: str, scoop_id: int) -> HttpResponse:
    """The scoop's card alone: polled by the page while the scoop is being fetched."""
    member = _member(request, ws)
    scoop = actions.access_scoop(member, scoop_id)
    return render(request, "curation/_scoop_card.html", {"scoop": scoop, "workspace": member.workspace,
                  "membership": member})  # fmt: skip


SCOOP_VERBS = {"publish", "unpublish", "retry", "delete"}


@login_required
@require_POST
def scoop_action(request: HttpRequest, ws: str, scoop_id: int, verb: str) -> HttpResponse:
    if verb not in SCOOP_VERBS:
        raise Http404("Unknown action.")
    member = _member(request, ws, Role.CONTRIBUTOR)
    scoop = actions.access_scoop(member, scoop_id, Role.CONTRIBUTOR)
    topic_slug = scoop.topic.slug
    try:
        if verb == "publish":
            actions.do_publish_scoop(member, scoop)
            messages.success(request, "Published on the topic page.")
        elif verb == "unpublish":
            actions.do_unpublish_scoop(member, scoop)
            messages.success(request, "Unpublished: the scoop is a draft again.")
        elif verb == "retry":
            actions.do_retry_fetch(member, scoop)
            messages.success(request, "Fetching the page again.")
        elif verb == "delete":
            actions.do_delete_scoop(member, scoop)
            messages.success(request, "Scoop deleted.")
            return redirect("curation:topic", ws, topic_slug)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("curation:scoop", ws, scoop_id)
