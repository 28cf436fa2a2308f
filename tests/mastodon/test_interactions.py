"""Interactions: notifications (mention, reply, favourite, boost, follow) as plain values."""

from __future__ import annotations

from datetime import UTC, datetime

from outlier.networks.base import InteractionKind
from outlier.networks.mastodon import MastodonAdapter
from outlier.networks.mastodon.text import html_to_text

from .conftest import FakeMastodon

OUR_POST = "110000000000000101"


def test_recent_interactions_oldest_first_with_a_cursor(mastodon: FakeMastodon) -> None:
    page = MastodonAdapter(mastodon.config()).interactions()

    [asked] = mastodon.requests_to("GET", "/api/v1/notifications")
    assert set(asked.query["types[]"]) == {"mention", "favourite", "reblog", "follow", "quote"}
    assert "min_id" not in asked.query
    assert page.cursor == "4005"  # the newest notification Outlier tracks
    assert [i.kind for i in page.items] == [
        InteractionKind.MENTION, InteractionKind.REPLY, InteractionKind.LIKE,
        InteractionKind.REPOST, InteractionKind.FOLLOW,
    ]  # fmt: skip
    mention, reply, like, boost, follow = page.items

    assert mention.text == "Have you seen this, @acme?\nIt's new."
    assert mention.author_handle == "@frank@social.example"  # a local account gets the domain
    assert mention.author_name == "Frank Local"
    assert mention.subject_id == ""
    assert mention.remote_id == "https://social.example/users/frank/statuses/110000000000000140"
    assert mention.url == "https://social.example/@frank/110000000000000140"
    assert mention.created_at == datetime(2026, 4, 30, 10, 0, 1, tzinfo=UTC)

    assert reply.subject_id == OUR_POST
    assert (
        reply.text
        == "@acme Congratulations & good luck!\n\nDetails: https://news.example/launch-day"
    )
    assert reply.author_handle == "@erin@other.example"
    assert reply.author_id == "https://other.example/users/erin"
    assert reply.author_url == "https://other.example/@erin"
    assert reply.remote_id == "https://other.example/users/erin/statuses/8812"

    assert like.subject_id == OUR_POST and like.author_handle == "@dave@remote.example"
    assert like.text == "" and like.remote_id == "mastodon:social.example:notification:4003"
    assert boost.subject_id == OUR_POST and boost.author_name == "carol"  # no display name
    assert follow.subject_id == "" and follow.author_handle == "@bob@elsewhere.example"
    assert follow.url == "https://elsewhere.example/@bob"


def test_the_cursor_asks_for_what_came_after(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    first = adapter.interactions()
    mastodon.notifications.insert(0, {
        **mastodon.notifications[2], "id": "4010", "created_at": "2026-04-30T12:00:00.000Z",
    })  # fmt: skip

    later = adapter.interactions(first.cursor)

    asked = mastodon.requests_to("GET", "/api/v1/notifications")[-1]
    assert asked.query["min_id"] == ["4005"] and asked.query["limit"] == ["80"]
    assert [i.remote_id for i in later.items] == ["mastodon:social.example:notification:4010"]
    assert later.cursor == "4010"
    nothing = adapter.interactions(later.cursor)
    assert nothing.items == () and nothing.cursor == "4010"


def test_a_garbled_cursor_starts_again_from_recent(mastodon: FakeMastodon) -> None:
    page = MastodonAdapter(mastodon.config()).interactions("../../etc?x=1")
    [asked] = mastodon.requests_to("GET", "/api/v1/notifications")
    assert "min_id" not in asked.query and page.cursor == "4005"


def test_html_is_stripped_to_plain_text() -> None:
    assert (
        html_to_text("<p>a &lt;b&gt; <script>x()</script>c</p><p>d<br/>e</p>") == "a <b> c\n\nd\ne"
    )
    assert html_to_text("") == ""
