"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 of a topic's or a workspace's newest scoops."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.urls import reverse
from django.utils import feedgenerator
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from outlier.curation.models import Scoop
from outlier.site.addresses import absolute_url, http_url
from outlier.site.text import cut_at_word
from outlier.site.tracking import FEED, link_scoops, read_more_url

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
READ_MORE = "Read the full article →"


@dataclass(frozen=True)
class FeedKind:
    name: str
    label: str
    content_type: str


RSS = FeedKind("rss", "RSS", "application/rss+xml")
ATOM = FeedKind("atom", "Atom", "application/atom+xml")
JSON = FeedKind("json", "JSON Feed", "application/feed+json")
KINDS = {kind.name: kind for kind in (RSS, ATOM, JSON)}


@dataclass(frozen=True)
class FeedLink:
    """A feed announced in a page's <head> and linked from the page."""

    kind: FeedKind
    url: str
    title: str


@dataclass(frozen=True)
class FeedSource:
    """What a feed is about: its title, the page it mirrors, and its scoops."""

    title: str
    description: str
    home_url: str
    url_name: str  # "topic" or "workspace": the feeds are named "site:<url_name>_<kind>"
    url_args: tuple[str, ...]
    scoops: list[Scoop]
    icon_url: str = ""

    def feed_url(self, kind: FeedKind) -> str:
        return absolute_url(reverse(f"site:{self.url_name}_{kind.name}", args=self.url_args))


def feed_links(url_name: str, args: tuple[str, ...], title: str) -> list[FeedLink]:
    return [
        FeedLink(kind, absolute_url(reverse(f"site:{url_name}_{kind.name}", args=args)), title)
        for kind in KINDS.values()
    ]


def feed_response(source: FeedSource, kind: FeedKind) -> HttpResponse:
    link_scoops(source.scoops, FEED)
    if kind is JSON:
        return _json_feed(source)
    return _xml_feed(source, kind)


def item_html(scoop: Scoop) -> SafeString:
    """An item's content: the image, the curator's insight, the excerpt and the way out."""
    parts: list[str] = []
    image = http_url(scoop.image_url)
    if image:
        parts.append(format_html('<p><img src="{}" alt="{}"></p>', image, scoop.title))
    if scoop.insight_html:
        parts.append(scoop.insight_html)  # sanitized when it was rendered from markdown
    if scoop.excerpt:
        parts.append(format_html("<blockquote><p>{}</p></blockquote>", scoop.excerpt))
    link = read_more_url(scoop, FEED)
    if link:
        parts.append(
            format_html(
                '<p><a href="{}">{}</a> — Sourced from {}</p>', link, READ_MORE, scoop.display_site
            )
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every part is escaped or sanitized


def _published(scoop: Scoop) -> datetime:
    return scoop.published_at or scoop.created_at


def _author(scoop: Scoop) -> str:
    return scoop.author or scoop.display_site


def _xml_feed(source: FeedSource, kind: FeedKind) -> HttpResponse:
    generator_class = feedgenerator.Atom1Feed if kind is ATOM else feedgenerator.Rss201rev2Feed
    feed = generator_class(
        title=source.title,
        link=source.home_url,
        description=source.description,
        feed_url=source.feed_url(kind),
        feed_guid=source.feed_url(kind),
        subtitle=source.description,
    )
    for scoop in source.scoops:
        url = absolute_url(scoop.get_absolute_url())
        feed.add_item(
            title=scoop.title or scoop.url,
            link=url,
            description=item_html(scoop),
            unique_id=url,
            unique_id_is_permalink=True,
            pubdate=_published(scoop),
            updateddate=scoop.updated_at,
            author_name=_author(scoop),
            categories=[tag.name for tag in scoop.tags.all()],
        )
    response = HttpResponse(content_type=f"{kind.content_type}; charset=utf-8")
    feed.write(response, "utf-8")
    return response


def _json_feed(source: FeedSource) -> HttpResponse:
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": source.title,
        "home_page_url": source.home_url,
        "feed_url": source.feed_url(JSON),
        "description": source.description,
        "items": [_json_item(scoop) for scoop in source.scoops],
    }
    if source.icon_url:
        feed["icon"] = source.icon_url
    body = json.dumps(feed, cls=DjangoJSONEncoder, ensure_ascii=False)
    # Plain-text fields stay exact once parsed, yet no "<script>" ever appears in the bytes.
    body = body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return HttpResponse(body, content_type=f"{JSON.content_type}; charset=utf-8")


def _json_item(scoop: Scoop) -> dict[str, Any]:
    url = absolute_url(scoop.get_absolute_url())
    item: dict[str, Any] = {
        "id": url,
        "url": url,
        "title": scoop.title or scoop.url,
        "content_html": str(item_html(scoop)),
        "date_published": _published(scoop).isoformat(),
        "date_modified": scoop.updated_at.isoformat(),
        "authors": [{"name": _author(scoop)}],
        "tags": [tag.name for tag in scoop.tags.all()],
    }
    external = read_more_url(scoop, FEED)
    if external:
        item["external_url"] = external
    if scoop.excerpt:
        item["summary"] = cut_at_word(scoop.excerpt, 300)
    image = http_url(scoop.image_url)
    if image:
        item["image"] = image
    if scoop.language:
        item["language"] = scoop.language
    return item
