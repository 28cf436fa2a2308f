"""Who is there and what they post, through an AppView: follower lists, profiles, searches,
lists and feeds.

    followers     app.bsky.graph.getFollowers   who follows the account, newest first
    following     app.bsky.graph.getFollows     whom it follows, newest first
    profile       app.bsky.actor.getProfile     one person (with their follower count)
    search        app.bsky.feed.searchPosts     posts matching a query, newest first
    list feed     app.bsky.feed.getListFeed     posts of the members of a list
                                                (at://…/app.bsky.graph.list/…)
    feed          app.bsky.feed.getFeed         a feed generator's posts
                                                (at://…/app.bsky.feed.generator/…)

Each asks for `PAGE_SIZE` items (the lexicons' maximum) and returns the AppView's cursor as
the next one ("" when it gives none, or when a page came back empty). `call` runs one query
the way the adapter reads its AppView (through the PDS, or straight to a named AppView), so
failures come out classified.

A person's `links` are the URLs their description holds, found as Bluesky's app finds them
(`richtext.spans`, bare domains included); Bluesky verifies no website, so `website` stays "".
A post's `links` are its link facets, its link card (app.bsky.embed.external) and any http(s)
URL its text holds without a facet, in that order, once each; its `card` that link card's
address, title and description; its `reply_ref` is its at:// URI (what `reply_to`, `like`
and `repost` take).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from atproto_client import Client, models
from atproto_core.uri import AtUri

from outlier.networks.base import (
    Card,
    ErrorKind,
    PeoplePage,
    Person,
    Post,
    PostPage,
    PublishError,
)
from outlier.networks.bluesky.notifications import language
from outlier.networks.bluesky.records import post_url, profile_url
from outlier.networks.bluesky.richtext import spans

__all__ = [
    "FEED",
    "LIST",
    "PAGE_SIZE",
    "feed_kind",
    "feed_posts",
    "followers",
    "following",
    "person",
    "post",
    "profile",
    "search_posts",
]

PAGE_SIZE = 100  # what getFollowers, getFollows, searchPosts, getListFeed and getFeed allow
LIST = "app.bsky.graph.list"
FEED = "app.bsky.feed.generator"

Call = Callable[[Callable[[Client], Any]], Any]


def _field(value: Any, name: str, alias: str = "") -> Any:
    """A field of an SDK model or of a plain dict (records of unknown types stay dicts)."""
    if isinstance(value, dict):
        return value.get(alias or name)
    return getattr(value, name, None)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _web(url: Any) -> bool:
    return isinstance(url, str) and url.lower().startswith(("http://", "https://"))


def _unique(urls: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(url for url in urls if _web(url)))


def person(profile: Any) -> Person:
    """A profile view (basic, plain or detailed) as a Person."""
    did = _text(_field(profile, "did"))
    handle = _text(_field(profile, "handle")) or did
    bio = _text(_field(profile, "description"))
    count = _field(profile, "followers_count", "followersCount")
    return Person(
        remote_id=did,
        handle=handle,
        name=_text(_field(profile, "display_name", "displayName")),
        avatar=_text(_field(profile, "avatar")),
        url=profile_url(handle) if handle else "",
        followers=count if isinstance(count, int) and not isinstance(count, bool) else None,
        bio=bio,
        links=_unique(span.value for span in spans(bio) if span.kind == "link"),
    )


def _post_links(record: Any, text: str) -> tuple[str, ...]:
    found: list[str] = []
    for facet in _field(record, "facets") or []:
        for feature in _field(facet, "features") or []:
            found.append(_text(_field(feature, "uri")))
    embed = _field(record, "embed")
    for holder in (embed, _field(embed, "media")):  # a card, or one beside a quoted post
        found.append(_text(_field(_field(holder, "external"), "uri")))
    found.extend(span.value for span in spans(text) if span.kind == "link" and _web(span.value))
    return _unique(found)


def _card(record: Any) -> Card | None:
    """The post's link card (app.bsky.embed.external, alone or beside a quoted post)."""
    embed = _field(record, "embed")
    for holder in (embed, _field(embed, "media")):
        external = _field(holder, "external")
        uri = _text(_field(external, "uri"))
        if _web(uri):
            return Card(uri, _text(_field(external, "title")),
                        _text(_field(external, "description")))  # fmt: skip
    return None


def post(view: Any) -> Post:
    """A post view as a Post."""
    uri = _text(_field(view, "uri"))
    author = person(_field(view, "author"))
    record = _field(view, "record")
    text = _text(_field(record, "text"))
    created = (
        _instant(_field(record, "created_at", "createdAt"))
        or _instant(_field(view, "indexed_at", "indexedAt"))
        or datetime.now(UTC)
    )
    return Post(
        remote_id=uri,
        author=author,
        created_at=created,
        text=text,
        url=post_url(author.handle, uri.rsplit("/", 1)[-1]) if uri else "",
        language=language(record),
        reply_ref=uri,
        links=_post_links(record, text),
        card=_card(record),
    )


def _cursor(answer: Any, count: int) -> str:
    cursor = _field(answer, "cursor")
    return cursor if isinstance(cursor, str) and count else ""


def _people(answer: Any, key: str) -> PeoplePage:
    found = tuple(person(p) for p in _field(answer, key) or [])
    return PeoplePage(people=found, cursor=_cursor(answer, len(found)))


def _posts(answer: Any, views: Iterable[Any]) -> PostPage:
    found: dict[str, Post] = {}
    count = 0
    for view in views:
        count += 1
        item = post(view)
        if item.remote_id:
            found.setdefault(item.remote_id, item)  # a post reposted twice in a page is one
    return PostPage(posts=tuple(found.values()), cursor=_cursor(answer, count))


def followers(call: Call, actor: str, cursor: str = "") -> PeoplePage:
    params = models.AppBskyGraphGetFollowers.Params(actor=actor, limit=PAGE_SIZE,
                                                    cursor=cursor or None)  # fmt: skip
    return _people(call(lambda client: client.app.bsky.graph.get_followers(params)), "followers")


def following(call: Call, actor: str, cursor: str = "") -> PeoplePage:
    params = models.AppBskyGraphGetFollows.Params(actor=actor, limit=PAGE_SIZE,
                                                  cursor=cursor or None)  # fmt: skip
    return _people(call(lambda client: client.app.bsky.graph.get_follows(params)), "follows")


def profile(call: Call, actor: str) -> Person:
    who = actor.strip()
    if not who or any(char.isspace() for char in who):
        raise PublishError(f"“{actor}” is not a Bluesky DID or handle.", ErrorKind.PERMANENT)
    params = models.AppBskyActorGetProfile.Params(actor=who)
    return person(call(lambda client: client.app.bsky.actor.get_profile(params)))


def search_posts(
    call: Callable[[Callable[[Client, dict[str, str] | None], Any]], Any],
    query: str,
    cursor: str = "",
) -> PostPage:
    """searchPosts, newest first; `call` gives the request the headers it must carry (a
    token signed for a directly named AppView, which may not answer searches anonymously)."""
    params = models.AppBskyFeedSearchPosts.Params(q=query, limit=PAGE_SIZE, sort="latest",
                                                  cursor=cursor or None)  # fmt: skip
    answer = call(lambda client, headers: client.app.bsky.feed.search_posts(params,
                                                                            headers=headers))  # fmt: skip
    return _posts(answer, _field(answer, "posts") or [])


def feed_kind(ref: str) -> str:
    """LIST or FEED for the address of a list or a feed generator; PERMANENT otherwise."""
    try:
        target = AtUri.from_str(ref.strip())
    except Exception as exc:
        raise PublishError(
            f"“{ref}” is not the address of a Bluesky list or feed (at://…/{LIST}/… or "
            f"at://…/{FEED}/…).",
            ErrorKind.PERMANENT,
        ) from exc
    if target.collection not in (LIST, FEED) or not target.rkey:
        raise PublishError(
            f"{ref} is not a Bluesky list or feed: its address names "
            f"{target.collection or 'no collection'}, not {LIST} or {FEED}.",
            ErrorKind.PERMANENT,
        )
    return str(target.collection)


def feed_posts(call: Call, ref: str, cursor: str = "") -> PostPage:
    """The posts of a list (getListFeed) or of a feed generator (getFeed), newest first as
    the AppView or the generator orders them."""
    address = ref.strip()
    if feed_kind(address) == LIST:
        params = models.AppBskyFeedGetListFeed.Params(list=address, limit=PAGE_SIZE,
                                                      cursor=cursor or None)  # fmt: skip
        answer = call(lambda client: client.app.bsky.feed.get_list_feed(params))
    else:
        feed = models.AppBskyFeedGetFeed.Params(feed=address, limit=PAGE_SIZE,
                                                cursor=cursor or None)  # fmt: skip
        answer = call(lambda client: client.app.bsky.feed.get_feed(feed))
    return _posts(answer, (_field(item, "post") for item in _field(answer, "feed") or []))
