"""Listening streams on Bluesky: searchPosts, a list's posts; each post with its author, its
address, the links it carries and a ref that likes it. Bad input is refused before anything
is sent."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from outlier.core import safe_http
from outlier.networks.base import ErrorKind, PostPage, PublishError
from outlier.networks.bluesky import BlueskyAdapter, people
from tests.bluesky.appview_front import Front
from tests.bluesky.conftest import eventually
from tests.bluesky.feed_generator import FeedGenerator
from tests.peers.bluesky import Account, Network


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL Outlier fetches (all Bluesky traffic goes through safe_http.fetch)."""
    seen: list[str] = []
    fetch = safe_http.fetch

    def recording(url: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(url)
        return fetch(url, *args, **kwargs)

    monkeypatch.setattr(safe_http, "fetch", recording)
    return seen


@pytest.fixture
def front(bluesky_network: Network) -> Iterator[Front]:
    served = Front(bluesky_network)
    try:
        yield served
    finally:
        served.stop()


def _word() -> str:
    return "zq" + secrets.token_hex(5)  # a word no other test writes


def _uris(page: PostPage) -> list[str]:
    return [post.remote_id for post in page.posts]


def _post_with_a_link(author: Account, word: str) -> dict[str, str]:
    text = f"Found {word} at https://news.example/story?id=7 today"
    start = text.index("https://")
    end = start + len("https://news.example/story?id=7")
    return author.create("app.bsky.feed.post", {
        "text": text, "langs": ["en"],
        "facets": [{"index": {"byteStart": start, "byteEnd": end},
                    "features": [{"$type": "app.bsky.richtext.facet#link",
                                  "uri": "https://news.example/story?id=7"}]}],
        "embed": {"$type": "app.bsky.embed.external", "external": {
            "uri": "https://card.example/page", "title": "A card", "description": ""}},
    })  # fmt: skip


def test_a_search_finds_a_post_with_its_author_and_a_ref_that_likes_it(
    listening: BlueskyAdapter, ann: Account, ben: Account
) -> None:
    word = _word()
    made = _post_with_a_link(ben, word)

    page = eventually(lambda: (p := listening.search_posts(word)) and p.posts and p,
                      "the AppView indexed ben's post")  # fmt: skip

    [found] = page.posts
    assert found.remote_id == made["uri"]
    assert (found.author.remote_id, found.author.handle) == (ben.did, ben.handle)
    rkey = made["uri"].rsplit("/", 1)[1]
    assert found.url == f"https://bsky.app/profile/{ben.handle}/post/{rkey}"
    assert found.text == f"Found {word} at https://news.example/story?id=7 today"
    assert found.language == "en"
    assert found.links == ("https://news.example/story?id=7", "https://card.example/page")
    assert found.reply_ref == made["uri"]

    like = listening.like(found.reply_ref, f"like-{rkey}")
    assert like.startswith(f"at://{ann.did}/app.bsky.feed.like/")
    subject = ann.record(like)["value"]["subject"]
    assert (subject["uri"], subject["cid"]) == (made["uri"], made["cid"])


def test_a_search_pages_newest_first(
    listening: BlueskyAdapter, ben: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(people, "PAGE_SIZE", 2)
    word = _word()
    made = [ben.create("app.bsky.feed.post", {"text": f"{word} number {n}"})["uri"]
            for n in range(3)]  # fmt: skip
    eventually(lambda: len(listening.search_posts(word).posts) == 2, "the posts indexed")

    first = listening.search_posts(word)
    assert first.cursor
    second = listening.search_posts(word, first.cursor)

    assert sorted(_uris(first) + _uris(second)) == sorted(made)


def test_a_search_through_an_appview_named_directly_is_signed(
    ann: Account, ben: Account, front: Front, requests: list[str]
) -> None:
    direct = BlueskyAdapter(ann.config(appview_url=front.url))
    word = _word()
    made = ben.create("app.bsky.feed.post", {"text": f"Directly {word}"})

    page = eventually(lambda: (p := direct.search_posts(word)) and p.posts and p,
                      "found through the AppView itself")  # fmt: skip

    assert _uris(page) == [made["uri"]]
    assert {url.split("/xrpc/")[0] for url in requests
            if "/xrpc/app.bsky.feed.searchPosts" in url} == {front.url}  # fmt: skip
    assert any("com.atproto.server.getServiceAuth" in url for url in requests)


def test_a_lists_posts(listening: BlueskyAdapter, ann: Account, ben: Account,
                       bluesky_network: Network) -> None:  # fmt: skip
    carol = bluesky_network.account("carol")
    made = ann.create("app.bsky.graph.list", {
        "purpose": "app.bsky.graph.defs#curatelist", "name": "Journalists"})  # fmt: skip
    ann.create("app.bsky.graph.listitem", {"subject": ben.did, "list": made["uri"]})
    word = _word()
    his = ben.create("app.bsky.feed.post", {"text": f"On the list {word}"})
    carol.create("app.bsky.feed.post", {"text": f"Not on the list {word}"})

    page = eventually(lambda: (p := listening.feed_posts(made["uri"])) and p.posts and p,
                      "the list's posts")  # fmt: skip

    assert _uris(page) == [his["uri"]]  # carol is not on the list
    assert page.posts[0].author.handle == ben.handle
    assert page.cursor == ""


def test_a_feed_generators_posts_page_by_page(
    listening: BlueskyAdapter, ann: Account, ben: Account, bluesky_network: Network
) -> None:
    generator = FeedGenerator(bluesky_network, page_size=2)
    try:
        made = [ben.create("app.bsky.feed.post", {"text": f"Feed post {n}"})["uri"]
                for n in range(3)]  # fmt: skip
        generator.uris = list(reversed(made))  # newest first, as feeds are
        feed = ann.create("app.bsky.feed.generator", {"did": generator.did,
                                                      "displayName": "Rivers"})  # fmt: skip

        first = eventually(lambda: (p := listening.feed_posts(feed["uri"])) and len(p.posts) == 2
                           and p, "the AppView serves the feed")  # fmt: skip
        second = listening.feed_posts(feed["uri"], first.cursor)
    finally:
        generator.stop()

    assert _uris(first) == list(reversed(made))[:2] and first.cursor == "2"
    assert _uris(second) == [made[0]] and second.cursor == ""
    assert first.posts[0].author.remote_id == ben.did
    assert generator.asked[-1]["cursor"] == ["2"]  # the cursor went through to the generator


@pytest.mark.parametrize("query", ["", "   ", "#", "\n\t"])
def test_an_empty_search_is_refused_before_anything_is_sent(
    listening: BlueskyAdapter, requests: list[str], query: str
) -> None:
    with pytest.raises(PublishError) as refused:
        listening.search_posts(query)

    assert refused.value.kind == ErrorKind.PERMANENT
    assert "empty search" in str(refused.value)
    assert requests == []


@pytest.mark.parametrize("ref", [
    "https://bsky.app/profile/ann.test/lists/3k",
    "at://did:plc:abc/app.bsky.feed.post/3kabc",
    "not an address",
])  # fmt: skip
def test_what_is_not_a_list_or_a_feed_is_refused_before_anything_is_sent(
    listening: BlueskyAdapter, requests: list[str], ref: str
) -> None:
    with pytest.raises(PublishError) as refused:
        listening.feed_posts(ref)

    assert refused.value.kind == ErrorKind.PERMANENT
    assert "Bluesky list or feed" in str(refused.value)
    assert requests == []


def test_a_list_that_does_not_exist_has_no_posts(listening: BlueskyAdapter, ann: Account) -> None:
    # The AppView answers a list it does not know with an empty page, not an error.
    page = listening.feed_posts(f"at://{ann.did}/app.bsky.graph.list/3kaaaaaaaaaaa")
    assert page == PostPage(posts=(), cursor="")


def test_without_an_appview_searches_and_lists_say_why(adapter: BlueskyAdapter) -> None:
    with pytest.raises(PublishError) as search:
        adapter.search_posts("rivers")
    assert search.value.kind == ErrorKind.PERMANENT
    assert "Searches come from an AppView" in str(search.value)
    with pytest.raises(PublishError) as feed:
        adapter.feed_posts("at://did:plc:abc/app.bsky.graph.list/3kabc")
    assert "Lists and feeds come from an AppView" in str(feed.value)
