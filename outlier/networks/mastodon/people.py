"""Mastodon accounts and statuses as Outlier's people and posts, and the pages they come in.

    followers     GET /api/v1/accounts/:id/followers     newest follow first, 80 a page
    following     GET /api/v1/accounts/:id/following
    a #hashtag    GET /api/v1/timelines/tag/:tag          newest first, 40 a page
    other words   GET /api/v2/search?type=statuses        full-text search, where the server
                                                          has it (Elasticsearch) and only over
                                                          the posts it lets be searched
    profile       GET /api/v1/accounts/:id (an id), /api/v1/accounts/lookup (a handle the
                  server knows), or /api/v2/search?type=accounts&resolve=true (an actor URI)
    own posts     GET /api/v1/accounts/:id/statuses      exclude_reblogs, exclude_replies,
                                                          40 a page, by the Link header

Follower lists page by the `Link` header: its rel="next" address names the `max_id` of the
next page (a follow's id, not an account's), which becomes the cursor; no such link, no more
pages. A hashtag's timeline pages the same way; a search, which sends no Link header, by the
smallest status id of a full page.

A person's `remote_id` is the account's ActivityPub `uri` (as interactions name authors), its
`handle` "@user@server", its `bio` the note as plain text. Profile fields carry links as HTML;
their http(s) addresses are the person's `links`, and the first one Mastodon verified (a
field with `verified_at`: the page links back with rel="me") is the `website`. A post's
`links` are the addresses its text links to, mentions and hashtags left out, and its preview
card's (also its `card`, with the card's title and description); its `reply_ref` is its id
on the channel's server.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from outlier.networks.base import (
    Card,
    ErrorKind,
    PeoplePage,
    Person,
    Post,
    PostPage,
    PublishError,
)
from outlier.networks.mastodon.interactions import valid_cursor, when
from outlier.networks.mastodon.text import html_to_text

__all__ = [
    "FOLLOWS_PAGE",
    "STATUSES_PAGE",
    "check_cursor",
    "check_handle",
    "handle",
    "hashtag",
    "links_in",
    "next_max_id",
    "people_page",
    "person",
    "post",
    "post_page",
]

FOLLOWS_PAGE = 80  # the most /followers and /following give at once
STATUSES_PAGE = 40  # the most a timeline or a search gives at once
_TAG = re.compile(r"[\w\u00b7\u200c]+")
_HANDLE = re.compile(r"\w[\w.-]{0,99}(?:@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)?")


class _Links(HTMLParser):
    """The addresses a fragment of status or field HTML links to, mentions and hashtags left
    out (Mastodon marks them class="mention" and rel="tag")."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        values = {name: value or "" for name, value in attrs}
        classes = values.get("class", "").split()
        if "mention" in classes or "hashtag" in classes or "tag" in values.get("rel", "").split():
            return
        href = values.get("href", "").strip()
        if href.lower().startswith(("http://", "https://")):
            self.found.append(href)


def links_in(html: str) -> list[str]:
    if not html:
        return []
    parser = _Links()
    parser.feed(html)
    parser.close()
    return parser.found


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _unique(urls: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(url for url in urls if url))


def handle(acct: str, domain: str) -> str:
    acct = acct.lstrip("@")
    if acct and "@" not in acct and domain:
        acct = f"{acct}@{domain}"
    return f"@{acct}" if acct else ""


def person(account: Mapping[str, Any], domain: str) -> Person:
    """A Mastodon account as a Person; `domain` is the channel's server (local accounts'
    `acct` names no server)."""
    links: list[str] = []
    website = ""
    for field in account.get("fields") or []:
        if not isinstance(field, Mapping):
            continue
        found = links_in(_text(field.get("value")))
        links.extend(found)
        if not website and field.get("verified_at") and found:
            website = found[0]
    count = account.get("followers_count")
    remote_id = _text(account.get("uri")) or _text(account.get("url"))
    remote_id = remote_id or str(account.get("id") or "")
    return Person(
        remote_id=remote_id[:500],
        handle=handle(_text(account.get("acct")) or _text(account.get("username")), domain),
        name=_text(account.get("display_name")) or _text(account.get("username")),
        avatar=_text(account.get("avatar")),
        url=_text(account.get("url")),
        followers=count if isinstance(count, int) and not isinstance(count, bool) else None,
        bio=html_to_text(_text(account.get("note"))),
        website=website,
        links=_unique(links),
    )


def post(status: Mapping[str, Any], domain: str) -> Post | None:
    """A status as a Post (a boost stands for the status it boosts); None without an author."""
    boosted = status.get("reblog")
    if isinstance(boosted, Mapping):
        status = boosted
    account = status.get("account")
    if not isinstance(account, Mapping):
        return None
    content = _text(status.get("content"))
    card = status.get("card")
    card_url = _text(card.get("url")) if isinstance(card, Mapping) else ""
    links = [*links_in(content)]
    preview: Card | None = None
    if isinstance(card, Mapping) and card_url.lower().startswith(("http://", "https://")):
        links.append(card_url)
        preview = Card(card_url, _text(card.get("title")), _text(card.get("description")))
    return Post(
        remote_id=(_text(status.get("uri")) or _text(status.get("url")))[:500],
        author=person(account, domain),
        created_at=when(status.get("created_at")),
        text=html_to_text(content),
        url=_text(status.get("url")) or _text(status.get("uri")),
        language=_text(status.get("language")),
        reply_ref=str(status.get("id") or ""),
        links=_unique(links),
        card=preview,
    )


def check_cursor(cursor: str, what: str) -> str | None:
    """The max_id a cursor stands for (None for the first page); PERMANENT when it is not
    one Outlier gave."""
    if not cursor:
        return None
    if not valid_cursor(cursor):
        raise PublishError(f"“{cursor[:80]}” is not a page of {what}: start again from the "
                           "first page.", ErrorKind.PERMANENT)  # fmt: skip
    return cursor


def next_max_id(response: requests.Response | None) -> str:
    """The max_id of the Link header's rel="next" address; "" when there is no next page."""
    header = response.headers.get("Link", "") if response is not None else ""
    if not header:
        return ""
    for link in requests.utils.parse_header_links(header):
        if "next" not in str(link.get("rel", "")).split():
            continue
        found = parse_qs(urlsplit(str(link.get("url", ""))).query).get("max_id") or [""]
        return found[0] if valid_cursor(found[0]) else ""
    return ""


def people_page(accounts: Any, response: requests.Response | None, domain: str) -> PeoplePage:
    found = tuple(person(a, domain) for a in accounts or [] if isinstance(a, Mapping))
    return PeoplePage(people=found, cursor=next_max_id(response) if found else "")


def post_page(statuses: Any, cursor: str, domain: str) -> PostPage:
    found: dict[str, Post] = {}
    for status in statuses or []:
        item = post(status, domain) if isinstance(status, Mapping) else None
        if item is not None and item.remote_id:
            found.setdefault(item.remote_id, item)
    return PostPage(posts=tuple(found.values()), cursor=cursor if found else "")


def check_handle(handle: str) -> str:
    """The handle "user@server" (or "user") from "@user@server"; PERMANENT when it is none."""
    acct = handle.strip().removeprefix("@").strip() if isinstance(handle, str) else ""
    if not _HANDLE.fullmatch(acct):
        raise PublishError(f"“{str(handle)[:100]}” is not a Mastodon handle (@user@server).",
                           ErrorKind.PERMANENT)  # fmt: skip
    return acct


def hashtag(query: str) -> str:
    """The tag of a "#tag" query, without "#"; PERMANENT when it is not one hashtag."""
    tag = query.strip().removeprefix("#").strip()
    if not _TAG.fullmatch(tag) or not any(char.isalpha() or char == "_" for char in tag):
        raise PublishError(
            f"“{query.strip()}” is not a hashtag Mastodon can follow: one word of letters, "
            "digits and underscores after the #, with at least one letter.",
            ErrorKind.PERMANENT,
        )
    return tag
