"""A topic's sources in the REST API: the list with each source's health, adding a feed or a
site (a site naming several feeds answers them to pick one), keywords (also searched on a network
channel), an account on a network, removing a source, and
OPML import (multipart) and export (a topic's, or the workspace's with each topic as the top
folder).

Any member reads and exports; contributors and above (with a write token) change. Topics and
sources of another workspace answer 404. Every write calls `outlier.sources.actions`, as the
screens do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from outlier.api.auth import membership
from outlier.curation.actions import access_topic
from outlier.sources import actions, keywords, network_sources, source_queries
from outlier.sources.source_queries import Health

router = Router(tags=["sources"])

OPML_TYPE = "text/x-opml; charset=utf-8"


class HealthOut(Schema):
    state: Literal["ok", "error", "waiting", "gone"]  # waiting: not read yet
    checked_at: datetime | None  # the last check
    new_at: datetime | None  # when an item was last new
    next_at: datetime | None  # the next check (none once a feed is gone)
    error: str  # why the last check failed ("" when it did not)
    errors: int  # failures in a row
    items: int  # a feed's stored items; a keyword source's suggestions
    pushed: bool  # a WebSub hub pushes the feed
    push_state: Literal["", "pending", "active", "failed"]
    push_error: str


class SourceOut(Schema):
    id: int
    topic: str  # the topic's slug
    kind: Literal["feed", "keywords", "account"]
    name: str  # the curator's name, else the feed's title, else its address
    url: str  # the feed's address ("" for keywords)
    site_url: str
    feed_title: str
    category: str  # a "/"-path: "News/Tech"
    keywords: list[str]
    channel: int | None  # the channel a keyword or account source is read through
    account: str  # an account source's handle ("" for others)
    active: bool
    created_at: datetime
    health: HealthOut


class OfferedOut(Schema):
    url: str
    title: str


class ChoiceOut(Schema):
    detail: str
    site: str  # the page that was read, after redirects
    offered: list[OfferedOut]  # its feeds that parse; add one by posting its `url`


class FeedIn(Schema):
    url: str = Field(max_length=2000, description="A feed's address, or a site's")
    name: str = Field("", max_length=300)
    category: str = Field("", max_length=300, description='Folders as "News/Tech"')


class KeywordsIn(Schema):
    keywords: list[str] = Field(
        description=f"Words and phrases (a phrase is one item): at most {keywords.MAX_KEYWORDS}, "
                    f"each at most {keywords.MAX_LENGTH} characters, none empty",
    )  # fmt: skip
    name: str = Field("", max_length=300)
    channel: int | None = Field(None, description="A channel of the workspace whose network "
                                "searches (Bluesky, Mastodon): the keywords are also searched "
                                "there, a #tag as a hashtag")  # fmt: skip


class AccountIn(Schema):
    channel: int = Field(description="The workspace's channel on the account's network")
    account: str = Field(max_length=300, description="@alice.bsky.social, @alice@server")
    name: str = Field("", max_length=300)


class ImportOut(Schema):
    title: str  # the OPML file's own title
    listed: int  # feeds the file lists
    added: int  # sources made
    already: int  # feeds the topic already followed (left alone)
    problems: list[str]  # outlines skipped, one sentence each


def source_out(found: Health) -> dict[str, Any]:
    source, feed = found.source, found.source.feed
    return {
        "id": source.pk, "topic": source.topic.slug, "kind": source.kind, "name": found.title,
        "url": found.url, "site_url": found.site_url, "feed_title": feed.title if feed else "",
        "category": source.category, "keywords": list(source.keywords or []),
        "channel": source.channel_id, "account": source.account,
        "active": source.active, "created_at": source.created_at,
        "health": {"state": found.state, "checked_at": found.checked_at, "new_at": found.new_at,
                   "next_at": found.next_at, "error": found.error, "errors": found.errors,
                   "items": found.items, "pushed": found.pushed, "push_state": found.push_state,
                   "push_error": found.push_error},
    }  # fmt: skip


@router.get("/topics/{slug}/sources", response=list[SourceOut], summary="List a topic's sources",
            description="Each with its health: the last check, when an item was last new, the "
                        "error of the last check and its reason, the next check, how many "
                        "items, and whether a WebSub hub pushes it. By category, then name.")  # fmt: skip
def list_sources(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    topic = access_topic(membership(request), slug)
    return [source_out(h) for h in source_queries.sources_of(topic)]


@router.post(
    "/topics/{slug}/sources", response={201: SourceOut, 200: ChoiceOut},
    summary="Add a feed or a site to a topic (contributors)",
    description="The address is read at once. A feed (RSS, Atom, JSON Feed) becomes a source: "
                "201. A web page is searched for its feeds (`<link rel=alternate>`, then the "
                "usual addresses) and only those that parse count: one is added (201); several "
                "answer 200 with `offered` and add nothing (post the chosen `url`). Anything "
                "else is a 400 with the reason on `url` (no feed, HTML, a hostile or oversized "
                "feed, a forbidden address, a feed the topic already follows), and nothing is "
                "stored.",
)  # fmt: skip
def add_feed(request: HttpRequest, slug: str, payload: FeedIn) -> Status[dict[str, Any]]:
    member = membership(request, write=True)
    topic = access_topic(member, slug, actions.MANAGE_ROLE)
    source, found = actions.do_add_feed(member, topic, payload.url, payload.name,
                                        payload.category)  # fmt: skip
    if source is None:
        return Status(200, {"detail": f"This site names {len(found.offered)} feeds: add one of "
                                      "them by its url.", "site": found.url,
                            "offered": [{"url": u, "title": t} for u, t in found.offered]})  # fmt: skip
    return Status(201, source_out(source_queries.one(source)))


@router.post(
    "/topics/{slug}/sources/keywords", response={201: SourceOut},
    summary="Add a keyword source to a topic (contributors)",
    description="Its words and phrases are matched, whatever the case and as whole words, over "
                "every item of every source of the workspace. With a `channel` they are also "
                "searched on its network (Bluesky search; on Mastodon a #tag reads the "
                "hashtag's timeline, other words its full-text search where the server has "
                "one) and the posts that link to an article are suggested. A 400 on `keywords` "
                "when one is empty or too long, or there are too many; on `channel` when it is "
                "not the workspace's or its network cannot search.",
)  # fmt: skip
def add_keywords(request: HttpRequest, slug: str, payload: KeywordsIn) -> Status[dict[str, Any]]:
    member = membership(request, write=True)
    topic = access_topic(member, slug, actions.MANAGE_ROLE)
    source = network_sources.do_add_keywords(member, topic, payload.keywords, payload.channel,
                                             payload.name)  # fmt: skip
    return Status(201, source_out(source_queries.one(source)))


@router.post(
    "/topics/{slug}/sources/accounts", response={201: SourceOut},
    summary="Follow an account on a network (contributors)",
    description="The account (Bluesky or Mastodon) is looked up at once through the channel; "
                "its own posts (not its reposts or replies) are then read on an interval and "
                "those that link to an article are suggested, the article being the story. "
                "A 400 on `account` when the network knows no such account or the channel "
                "cannot read it now; on `channel` when it is not the workspace's or its network "
                "cannot read accounts' posts. Nothing is stored then.",
)  # fmt: skip
def add_account(request: HttpRequest, slug: str, payload: AccountIn) -> Status[dict[str, Any]]:
    member = membership(request, write=True)
    topic = access_topic(member, slug, actions.MANAGE_ROLE)
    source = network_sources.do_add_account(member, topic, payload.channel, payload.account,
                                            payload.name)  # fmt: skip
    return Status(201, source_out(source_queries.one(source)))


@router.get("/sources/{int:source_id}", response=SourceOut, summary="Read a source")
def read_source(request: HttpRequest, source_id: int) -> dict[str, Any]:
    return source_out(source_queries.one(actions.access_source(membership(request), source_id)))


@router.delete("/sources/{int:source_id}", response={204: None},
               summary="Remove a source (contributors)",
               description="Its feed stays read while another topic follows it; the "
                           "suggestions it brought stay.")  # fmt: skip
def delete_source(request: HttpRequest, source_id: int) -> Status[None]:
    member = membership(request, write=True)
    actions.do_remove_source(member, actions.access_source(member, source_id, actions.MANAGE_ROLE))
    return Status(204, None)


IMPORT_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": f"An OPML 1.0 or 2.0 file ({actions.MAX_OPML_BYTES // 1024 // 1024}"
                                " MB at most)"},
    },
}  # fmt: skip


@router.post(
    "/topics/{slug}/sources/import", response=ImportOut,
    summary="Import an OPML file into a topic (contributors)",
    description="Multipart form with `file`. Each feed listed becomes a source in the category "
                "of its folders (or its `category` attribute); feeds the topic already follows "
                "are counted in `already` and left alone; outlines that are no feed address are "
                "listed in `problems`. Nothing is fetched during the import: the feeds are due "
                "at once and read in the background, and each source's health shows its first "
                "result. A file that is not a readable OPML (malformed, larger than 2 MB, more "
                "than 10,000 feeds, more than the workspace has room for) is a 400 on `file`, "
                "and nothing is stored.",
    openapi_extra={"requestBody": {"required": True,
                                   "content": {"multipart/form-data": {"schema": IMPORT_FORM}}}},
)  # fmt: skip
def import_opml(request: HttpRequest, slug: str) -> dict[str, Any]:
    member = membership(request, write=True)
    topic = access_topic(member, slug, actions.MANAGE_ROLE)
    upload = request.FILES.get("file")
    if upload is None:
        raise ValidationError({"file": "Send the file as the multipart field “file”."})
    return actions.do_import_opml(member, topic, upload).as_dict()


def _opml_response(description: str) -> dict[str, Any]:
    return {"responses": {200: {"description": description,
                                "content": {"text/x-opml": {"schema": {"type": "string"}}}}}}  # fmt: skip


def _download(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=OPML_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/topics/{slug}/sources/export.opml", summary="Export a topic's feeds as OPML",
    description="OPML 2.0, UTF-8: each feed in the nested folders of its category.",
    openapi_extra=_opml_response("The topic's feeds."),
)  # fmt: skip
def export_topic(request: HttpRequest, slug: str) -> HttpResponse:
    member = membership(request)
    topic = access_topic(member, slug)
    return _download(source_queries.export_opml(member.workspace, topic),
                     source_queries.export_filename(member.workspace, topic))  # fmt: skip


@router.get(
    "/sources/export.opml", summary="Export every topic's feeds as OPML",
    description="OPML 2.0, UTF-8: one top folder per topic (its name), each feed in the "
                "folders of its category below it.",
    openapi_extra=_opml_response("The workspace's feeds."),
)  # fmt: skip
def export_workspace(request: HttpRequest) -> HttpResponse:
    member = membership(request)
    return _download(source_queries.export_opml(member.workspace),
                     source_queries.export_filename(member.workspace))  # fmt: skip
