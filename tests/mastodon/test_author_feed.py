"""An account's own posts on Mastodon (capability "author_feed"): the handle is looked up by
the server (a remote account it does not know yet is resolved by a search), then its statuses
are read without boosts and replies, paged by the Link header, each with its links and its
link card. An unknown handle, a bad handle or id, and a revoked token fail classified, before
anything is sent where the input alone is wrong."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.mastodon import MastodonAdapter

from .conftest import FakeMastodon, fixture

ERIN = "200002"


def erin_status(n: int, **values: Any) -> dict[str, Any]:
    """One of erin's statuses, in the recorded shape of her tagged one."""
    status = copy.deepcopy(fixture("tag_timeline.json")[0])
    status.update(id=str(110000000000003000 + n),
                  uri=f"https://other.example/users/erin/statuses/{110000000000003000 + n}",
                  url=f"https://other.example/@erin/{110000000000003000 + n}", **values)  # fmt: skip
    return status


def test_an_account_is_found_and_its_own_posts_read(mastodon: FakeMastodon) -> None:
    boosted = copy.deepcopy(fixture("tag_timeline.json")[1])
    mastodon.authored[ERIN] = [
        erin_status(1),
        erin_status(2, content="<p>No link today</p>", card=None),
        erin_status(3, in_reply_to_id="110000000000000001", in_reply_to_account_id="200005"),
        erin_status(4, reblog=boosted, content=""),
    ]
    adapter = MastodonAdapter(mastodon.config())

    found = adapter.find_author("@erin@other.example")
    page = adapter.author_posts(found.ref)

    assert found.ref == ERIN and found.person.handle == "@erin@other.example"
    [lookup] = mastodon.requests_to("GET", "/api/v1/accounts/lookup")
    assert lookup.query["acct"] == ["erin@other.example"]
    [asked] = mastodon.requests_to("GET", f"/api/v1/accounts/{ERIN}/statuses")
    assert asked.query["exclude_reblogs"] == ["1"] and asked.query["exclude_replies"] == ["1"]
    assert asked.query["limit"] == ["40"]
    newest, linked = page.posts  # the reply and the boost left out
    assert newest.text == "No link today" and newest.links == () and newest.card is None
    assert linked.links[0] == "https://news.example/floods"
    assert linked.card is not None and linked.card.title == "Floods"
    assert linked.card.url == "https://news.example/floods?ref=card"
    assert linked.remote_id == "https://other.example/users/erin/statuses/110000000000003001"
    assert page.cursor == ""


def test_an_account_pages_by_the_link_header(mastodon: FakeMastodon) -> None:
    mastodon.authored[ERIN] = [erin_status(n) for n in range(45)]
    adapter = MastodonAdapter(mastodon.config())

    first = adapter.author_posts(ERIN)
    second = adapter.author_posts(ERIN, first.cursor)

    assert len(first.posts) == 40 and first.cursor == "110000000000003005"
    assert len(second.posts) == 5 and second.cursor == ""


def test_a_remote_account_the_server_does_not_know_is_resolved(mastodon: FakeMastodon) -> None:
    far = {**copy.deepcopy(fixture("account.json")), "id": "300001",
           "acct": "fay@far.example", "uri": "https://far.example/users/fay",
           "url": "https://far.example/@fay"}  # fmt: skip
    mastodon.resolvable = [far]

    found = MastodonAdapter(mastodon.config()).find_author("fay@far.example")

    assert found.ref == "300001" and found.person.handle == "@fay@far.example"
    [searched] = mastodon.requests_to("GET", "/api/v2/search")
    assert searched.query["q"] == ["@fay@far.example"] and searched.query["resolve"] == ["1"]


def failure(call: Any) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call()
    return caught.value


def test_unknown_and_bad_accounts_are_refused(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())

    unknown = failure(lambda: adapter.find_author("@nobody@nowhere.example"))
    assert unknown.kind is ErrorKind.PERMANENT and "knows no account @nobody@nowhere" in str(
        unknown
    )

    mastodon.seen.clear()
    for bad in ("", "two words", "@a@b@c", "https://x.example/@a"):
        error = failure(lambda bad=bad: adapter.find_author(bad))
        assert error.kind is ErrorKind.PERMANENT and "is not a Mastodon handle" in str(error)
    assert failure(lambda: adapter.author_posts("../admin")).kind is ErrorKind.PERMANENT
    assert mastodon.seen == []

    mastodon.revoked = True
    assert failure(lambda: adapter.author_posts(ERIN)).kind is ErrorKind.AUTH
