"""The public site's pages and feeds. Each view loads what its page depends on with one
cheap query, then lets ``conditional_response`` answer 304, a remembered copy or a render."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps.views import sitemap
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponsePermanentRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from outlier.core.models import Workspace
from outlier.curation.models import Scoop, Topic
from outlier.site import queries
from outlier.site.addresses import absolute_url
from outlier.site.conditional import conditional_response
from outlier.site.feeds import KINDS, FeedSource, feed_links, feed_response
from outlier.site.page_meta import PageMeta, cover_url, scoop_meta, topic_meta
from outlier.site.pagination import page_number, scoop_page
from outlier.site.queries import FEED_SIZE, Stamp
from outlier.site.sitemaps import SITEMAPS
from outlier.site.tracking import SITE, link_scoops

ROBOTS = """User-agent: *
Allow: /
Disallow: /app/
Disallow: /api/
Disallow: /admin/

Sitemap: {sitemap}
"""


# --- front page and workspaces ----------------------------------------------------------


@require_safe
def home(request: HttpRequest) -> HttpResponseBase:
    def page() -> HttpResponse:
        topics = list(queries.listed_topics())
        workspaces = {topic.workspace_id: topic.workspace for topic in topics}
        feeds = [
            link
            for ws in sorted(workspaces.values(), key=lambda ws: ws.name.lower())
            for link in feed_links("workspace", (ws.slug,), ws.name)
        ]
        context = {"topics": topics, "feeds": feeds, "canonical_url": absolute_url("/")}
        return render(request, "site/home.html", context)

    return conditional_response(request, queries.site_stamp(), page)


@require_safe
def workspace(request: HttpRequest, workspace: str) -> HttpResponseBase:
    stamp = queries.workspace_stamp(workspace)

    def page() -> HttpResponse:
        ws = queries.public_workspace(workspace)
        context = {
            "workspace": ws,
            "topics": list(queries.listed_topics(ws)),
            "feeds": feed_links("workspace", (ws.slug,), ws.name),
            "canonical_url": absolute_url(request.path),
        }
        return render(request, "site/workspace.html", context)

    return conditional_response(request, stamp, page)


@require_safe
def workspace_feed(request: HttpRequest, workspace: str, kind: str) -> HttpResponseBase:
    stamp = queries.workspace_stamp(workspace)

    def feed() -> HttpResponse:
        ws = queries.public_workspace(workspace)
        return feed_response(_workspace_source(ws), KINDS[kind])

    return conditional_response(request, stamp, feed)


# --- a topic's pages --------------------------------------------------------------------


@require_safe
def topic(request: HttpRequest, topic: str) -> HttpResponseBase:
    stamp = queries.topic_stamp(topic)
    number = page_number(request)

    def page() -> HttpResponse:
        t = queries.public_topic(topic)
        context = _list_context(t, request, queries.published_scoops(t), number)
        return render(request, "site/topic.html", context)

    return conditional_response(request, stamp, page, variant=str(number))


@require_safe
def scoop(request: HttpRequest, topic: str, pk: int, slug: str) -> HttpResponseBase:
    stamp = queries.topic_stamp(topic)

    def page() -> HttpResponse:
        t = queries.public_topic(topic)
        s = queries.public_scoop(t, pk)
        if s.slug != slug:
            return HttpResponsePermanentRedirect(s.get_absolute_url())
        link_scoops([s], SITE)
        meta = scoop_meta(s)
        context = {**_topic_context(t, meta), "scoop": s, "canonical_url": meta.url,
                   "activity_url": absolute_url(reverse("federation:object", args=[s.pk]))}  # fmt: skip
        return render(request, "site/scoop.html", context)

    return conditional_response(request, stamp, page)


@require_safe
def archive(request: HttpRequest, topic: str) -> HttpResponseBase:
    stamp = queries.topic_stamp(topic)

    def page() -> HttpResponse:
        t = queries.public_topic(topic)
        meta = topic_meta(t, request.path, f"Archive · {t.name}")
        context = {
            **_topic_context(t, meta),
            "months": queries.archive_months(t),
            "canonical_url": meta.url,
        }
        return render(request, "site/archive.html", context)

    return conditional_response(request, stamp, page)


@require_safe
def archive_month(request: HttpRequest, topic: str, year: int, month: int) -> HttpResponseBase:
    stamp = queries.topic_stamp(topic)
    if not (1 <= month <= 12 and 1 <= year <= 9998):
        raise Http404("No such month.")
    number = page_number(request)

    def page() -> HttpResponse:
        t = queries.public_topic(topic)
        scoops = queries.scoops_in_month(t, year, month)
        context = _list_context(t, request, scoops, number, allow_empty=False)
        context["month"] = date(year, month, 1)
        return render(request, "site/archive_month.html", context)

    return conditional_response(request, stamp, page, variant=str(number))


@require_safe
def tag(request: HttpRequest, topic: str, tag: str) -> HttpResponseBase:
    stamp = queries.topic_stamp(topic)
    number = page_number(request)

    def page() -> HttpResponse:
        t = queries.public_topic(topic)
        found = queries.topic_tag(t, tag)
        scoops = queries.tagged_scoops(t, found)
        context = _list_context(t, request, scoops, number, allow_empty=False)
        context["tag"] = found
        return render(request, "site/tag.html", context)

    return conditional_response(request, stamp, page, variant=str(number))


@require_safe
def topic_feed(request: HttpRequest, topic: str, kind: str) -> HttpResponseBase:
    stamp = queries.topic_stamp(topic)

    def feed() -> HttpResponse:
        t = queries.public_topic(topic)
        source = FeedSource(
            title=t.name,
            description=t.description or f"Articles curated in {t.name}",
            home_url=absolute_url(t.get_absolute_url()),
            url_name="topic",
            url_args=(t.slug,),
            scoops=list(queries.published_scoops(t)[:FEED_SIZE]),
            icon_url=cover_url(t),
        )
        return feed_response(source, KINDS[kind])

    return conditional_response(request, stamp, feed)


# --- for robots -------------------------------------------------------------------------


@require_safe
def sitemap_xml(request: HttpRequest) -> HttpResponseBase:
    return conditional_response(
        request,
        queries.site_stamp(),
        lambda: sitemap(request, sitemaps=SITEMAPS, template_name="site/sitemap.xml"),
        variant=request.GET.get("p", "1"),
    )


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponseBase:
    body = ROBOTS.format(sitemap=absolute_url(reverse("site:sitemap")))
    return conditional_response(
        request,
        Stamp(None, body),
        lambda: HttpResponse(body, content_type="text/plain; charset=utf-8"),
        max_age=3600,
    )


# --- shared context -----------------------------------------------------------------------


def _topic_context(t: Topic, meta: PageMeta) -> dict[str, Any]:
    return {
        "topic": t,
        "workspace": t.workspace,
        "meta": meta,
        "feeds": feed_links("topic", (t.slug,), t.name),
        # Followable from Mastodon and the fediverse (the federation app serves the actor).
        "fediverse_handle": f"@{t.slug}@{urlsplit(settings.BASE_URL).netloc.lower()}",
        "activity_url": absolute_url(reverse("federation:actor", args=[t.pk])),
    }


def _list_context(
    t: Topic,
    request: HttpRequest,
    scoops: QuerySet[Scoop],
    number: int,
    allow_empty: bool = True,
) -> dict[str, Any]:
    page = scoop_page(scoops, number, allow_empty=allow_empty)
    link_scoops(page.object_list, SITE)
    path = request.path if number == 1 else f"{request.path}?page={number}"
    meta = topic_meta(t, path)
    return {**_topic_context(t, meta), "page": page, "canonical_url": meta.url}


def _workspace_source(ws: Workspace) -> FeedSource:
    return FeedSource(
        title=ws.name,
        description=ws.description or f"Articles curated by {ws.name}",
        home_url=absolute_url(reverse("site:workspace", args=[ws.slug])),
        url_name="workspace",
        url_args=(ws.slug,),
        scoops=list(queries.workspace_scoops(ws)[:FEED_SIZE]),
    )
