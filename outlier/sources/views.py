"""A topic's sources page: every source with its health (last check, last new item, the error
and its reason, next check, items, WebSub push), adding a feed or a site (a site naming several
feeds offers those that parse), keywords, removing, and OPML import and export (a topic's, or
the workspace's with each topic as the top folder).

Thin: the work is `actions` and `source_queries`. Any member reads and exports; contributors
and above change (a viewer sees no forms and gets 403 on a POST); another workspace's topic
is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from outlier.core.actions import access_workspace
from outlier.core.authn import request_user
from outlier.core.forms import add_errors
from outlier.core.models import Membership, Role
from outlier.curation.actions import access_topic
from outlier.curation.models import Topic
from outlier.sources import actions, network_sources, source_queries
from outlier.sources.forms import AccountForm, FeedForm, KeywordsForm, OpmlForm

OPML_TYPE = "text/x-opml; charset=utf-8"


def _topic(request: HttpRequest, ws: str, slug: str,
           role: str = Role.VIEWER) -> tuple[Membership, Topic]:  # fmt: skip
    member = access_workspace(request_user(request), ws)
    return member, access_topic(member, slug, role)


def _page(request: HttpRequest, member: Membership, topic: Topic, status: int = 200,
          **context: Any) -> HttpResponse:  # fmt: skip
    rows = source_queries.sources_of(topic)
    searching, authors = network_sources.channels_for_forms(member.workspace)
    return render(request, "sources/sources.html", {
        "membership": member, "workspace": member.workspace, "topic": topic, "rows": rows,
        "now": timezone.now(), "can_manage": member.allows(actions.MANAGE_ROLE),
        "categories": sorted({h.source.category for h in rows if h.source.category}),
        "feed_form": context.pop("feed_form", None) or FeedForm(auto_id="feed-%s"),
        "keywords_form": context.pop("keywords_form", None)
        or KeywordsForm(auto_id="kw-%s", channels=searching),
        "account_form": context.pop("account_form", None)
        or AccountForm(auto_id="acct-%s", channels=authors),
        "account_channels": authors,
        "opml_form": context.pop("opml_form", None) or OpmlForm(auto_id="opml-%s"),
        **context,
    }, status=status)  # fmt: skip


@login_required
@require_GET
def source_list(request: HttpRequest, ws: str, slug: str) -> HttpResponse:
    member, topic = _topic(request, ws, slug)
    return _page(request, member, topic)


@login_required
@require_POST
def add_feed(request: HttpRequest, ws: str, slug: str) -> HttpResponse:
    """A feed is added at once; a site naming one feed adds it; a site naming several shows
    them to pick one (picking posts here again with the feed's address)."""
    member, topic = _topic(request, ws, slug, actions.MANAGE_ROLE)
    form = FeedForm(request.POST, auto_id="feed-%s")
    if not form.is_valid():
        return _page(request, member, topic, status=400, feed_form=form)
    data = form.cleaned_data
    try:
        source, found = actions.do_add_feed(member, topic, data["url"], data["name"],
                                            data["category"])  # fmt: skip
    except ValidationError as exc:
        add_errors(form, exc)
        return _page(request, member, topic, status=400, feed_form=form)
    if source is None:
        return _page(request, member, topic, feed_form=form, offered=found.offered,
                     site=found.url, picked=data)  # fmt: skip
    title = source.name or (found.parsed.title if found.parsed else "") or found.url
    messages.success(request, f"Added {title}.")
    return redirect("sources:list", ws, slug)


@login_required
@require_POST
def add_keywords(request: HttpRequest, ws: str, slug: str) -> HttpResponse:
    member, topic = _topic(request, ws, slug, actions.MANAGE_ROLE)
    searching, _ = network_sources.channels_for_forms(member.workspace)
    form = KeywordsForm(request.POST, auto_id="kw-%s", channels=searching)
    if form.is_valid():
        try:
            source = network_sources.do_add_keywords(
                member, topic, form.cleaned_data["keywords"], form.cleaned_data["channel"],
                form.cleaned_data["name"])  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Listening for {source.name}.")
            return redirect("sources:list", ws, slug)
    return _page(request, member, topic, status=400, keywords_form=form)


@login_required
@require_POST
def remove(request: HttpRequest, ws: str, slug: str, source_id: int) -> HttpResponse:
    member, topic = _topic(request, ws, slug, actions.MANAGE_ROLE)
    source = actions.access_source(member, source_id, actions.MANAGE_ROLE)
    if source.topic_id != topic.pk:
        raise Http404("No such source in this topic.")
    name = str(source)
    actions.do_remove_source(member, source)
    messages.success(request, f"Removed {name}.")
    return redirect("sources:list", ws, slug)


@login_required
@require_POST
def import_opml(request: HttpRequest, ws: str, slug: str) -> HttpResponse:
    member, topic = _topic(request, ws, slug, actions.MANAGE_ROLE)
    form = OpmlForm(request.POST, request.FILES, auto_id="opml-%s")
    if form.is_valid():
        try:
            report = actions.do_import_opml(member, topic, form.cleaned_data["file"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            return _page(request, member, topic, report=report)
    return _page(request, member, topic, status=400, opml_form=form)


def _opml(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=OPML_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def export_topic(request: HttpRequest, ws: str, slug: str) -> HttpResponse:
    member, topic = _topic(request, ws, slug)
    return _opml(source_queries.export_opml(member.workspace, topic),
                 source_queries.export_filename(member.workspace, topic))  # fmt: skip


@login_required
@require_GET
def export_workspace(request: HttpRequest, ws: str) -> HttpResponse:
    member = access_workspace(request_user(request), ws)
    return _opml(source_queries.export_opml(member.workspace),
                 source_queries.export_filename(member.workspace))  # fmt: skip
