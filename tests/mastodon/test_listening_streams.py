"""Listening streams on Mastodon: a #hashtag reads the tag's timeline, other words search
statuses; each post with its author, its text, the links it carries (not its mentions or
hashtags) and the id that answers, likes and boosts it. Bad queries are refused before
anything is sent."""

from __future__ import annotations

import copy

import pytest

from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.mastodon import MastodonAdapter

from .conftest import FakeMastodon, fixture

TAG = "/api/v1/timelines/tag/rivers"


def failure(adapter: MastodonAdapter, query: str, cursor: str = "") -> PublishError:
    with pytest.raises(PublishError) as caught:
        adapter.search_posts(query, cursor)
    return caught.value


def test_a_hashtag_reads_its_timeline(mastodon: FakeMastodon) -> None:
    page = MastodonAdapter(mastodon.config()).search_posts("#Rivers")

    [asked] = mastodon.requests_to("GET", "/api/v1/timelines/tag/Rivers")
    assert asked.query["limit"] == ["40"]
    assert mastodon.requests_to("GET", "/api/v2/search") == []
    floods, rio = page.posts
    assert floods.remote_id == "https://other.example/users/erin/statuses/110000000000000330"
    assert floods.author.handle == "@erin@other.example"
    assert floods.author.website == "https://erin.example"
    assert floods.text == "Floods on the #rivers today: https://news.example/floods via @gina"
    assert floods.url == "https://other.example/@erin/110000000000000330"
    assert floods.language == "en" and rio.language == "pt"
    # The link and the preview card's; not the hashtag's or the mention's addresses.
    assert floods.links == ("https://news.example/floods", "https://news.example/floods?ref=card")
    assert rio.links == ()
    assert floods.reply_ref == "110000000000000330"  # the status's id on the channel's server
    assert page.cursor == ""  # two of 40: no next link


def test_a_found_post_is_liked_by_its_reply_ref(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    found = adapter.search_posts("#rivers").posts[0]
    mastodon.statuses[found.reply_ref] = copy.deepcopy(mastodon.tagged[0])

    assert adapter.like(found.reply_ref, "like-1") == found.reply_ref
    assert mastodon.requests_to("POST", f"/api/v1/statuses/{found.reply_ref}/favourite")


def test_a_hashtags_timeline_pages_by_the_link_header(mastodon: FakeMastodon) -> None:
    status = fixture("tag_timeline.json")[1]
    mastodon.tagged = [{**status, "id": str(110000000000001000 + n),
                        "uri": f"https://elsewhere.example/users/bob/statuses/{n}"}
                       for n in range(45)]  # fmt: skip
    adapter = MastodonAdapter(mastodon.config())

    first = adapter.search_posts("#rivers")
    second = adapter.search_posts("#rivers", first.cursor)

    assert len(first.posts) == 40 and first.cursor == "110000000000001005"
    assert len(second.posts) == 5 and second.cursor == ""
    assert mastodon.requests_to("GET", TAG)[1].query["max_id"] == ["110000000000001005"]


def test_words_search_statuses(mastodon: FakeMastodon) -> None:
    page = MastodonAdapter(mastodon.config()).search_posts("  floods  ")

    [asked] = mastodon.requests_to("GET", "/api/v2/search")
    assert asked.query["q"] == ["floods"] and asked.query["type"] == ["statuses"]
    assert "resolve" not in asked.query  # no lookups on other servers for a search
    [found] = page.posts
    assert found.author.handle == "@erin@other.example"
    assert found.links[0] == "https://news.example/floods"
    assert page.cursor == ""


def test_a_full_page_of_search_results_goes_on_below_its_smallest_id(
    mastodon: FakeMastodon,
) -> None:
    status = fixture("search_statuses.json")["statuses"][0]
    mastodon.searchable = [{**status, "id": str(110000000000002000 + n),
                            "uri": f"https://other.example/users/erin/statuses/x{n}"}
                           for n in range(50)]  # fmt: skip
    adapter = MastodonAdapter(mastodon.config())

    first = adapter.search_posts("floods")
    second = adapter.search_posts("floods", first.cursor)

    assert len(first.posts) == 40 and first.cursor == "110000000000002010"
    assert len(second.posts) == 10 and second.cursor == ""


@pytest.mark.parametrize("query", ["", "   ", "#", "\n"])
def test_an_empty_search_is_refused_before_anything_is_sent(
    mastodon: FakeMastodon, query: str
) -> None:
    error = failure(MastodonAdapter(mastodon.config()), query)

    assert error.kind is ErrorKind.PERMANENT and "empty search" in str(error)
    assert mastodon.seen == []


@pytest.mark.parametrize("query", ["#two words", "#../../admin", "#2026", "#a/b"])
def test_what_is_not_a_hashtag_is_refused_before_anything_is_sent(
    mastodon: FakeMastodon, query: str
) -> None:
    error = failure(MastodonAdapter(mastodon.config()), query)

    assert error.kind is ErrorKind.PERMANENT and "is not a hashtag" in str(error)
    assert mastodon.seen == []


def test_search_failures_are_classified(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    mastodon.answer("GET", TAG, 429, {"error": "Too many requests"},
                    headers={"Retry-After": "30"})  # fmt: skip
    assert failure(adapter, "#rivers").kind is ErrorKind.RATE_LIMITED

    mastodon.answer("GET", "/api/v2/search", 200, "<html>Captive portal</html>")
    assert failure(adapter, "floods").kind is ErrorKind.PERMANENT

    mastodon.revoked = True
    assert failure(adapter, "#rivers").kind is ErrorKind.AUTH
