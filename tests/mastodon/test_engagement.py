"""Engagement: favourites, boosts, replies (and quotes) counted by the server."""

from __future__ import annotations

from outlier.networks.base import Engagement
from outlier.networks.mastodon import MastodonAdapter

from .conftest import FakeMastodon


def _seed(mastodon: FakeMastodon) -> None:
    mastodon.add_status(id="110000000000000101", favourites_count=12, reblogs_count=3,
                        replies_count=2)  # fmt: skip
    mastodon.add_status(id="110000000000000102", favourites_count=0, reblogs_count=0,
                        replies_count=0, quotes_count=4)  # fmt: skip


def test_counts_for_several_statuses_in_one_request(mastodon: FakeMastodon) -> None:
    _seed(mastodon)
    adapter = MastodonAdapter(mastodon.config())

    found = adapter.engagement(["110000000000000101", "110000000000000102", "110000000000000999"])

    assert found == {
        "110000000000000101": Engagement(likes=12, reposts=3, replies=2),
        "110000000000000102": Engagement(quotes=4),
    }  # the deleted one is left out
    [asked] = mastodon.requests_to("GET", "/api/v1/statuses")
    assert asked.query["id[]"] == ["110000000000000101", "110000000000000102",
                                   "110000000000000999"]  # fmt: skip


def test_many_ids_are_asked_twenty_at_a_time(mastodon: FakeMastodon) -> None:
    ids = [str(110000000000000300 + n) for n in range(45)]
    for status_id in ids:
        mastodon.add_status(id=status_id, favourites_count=1)

    found = MastodonAdapter(mastodon.config()).engagement(ids)

    assert len(found) == 45 and all(e.likes == 1 for e in found.values())
    assert [len(r.query["id[]"]) for r in mastodon.requests_to("GET", "/api/v1/statuses")] == [
        20, 20, 5,
    ]  # fmt: skip


def test_servers_before_4_3_are_asked_status_by_status(mastodon: FakeMastodon) -> None:
    mastodon.instance["version"] = "4.2.10"
    _seed(mastodon)

    found = MastodonAdapter(mastodon.config()).engagement(
        ["110000000000000101", "110000000000000999"]
    )

    assert found == {"110000000000000101": Engagement(likes=12, reposts=3, replies=2)}
    assert mastodon.requests_to("GET", "/api/v1/statuses") == []
    assert len(mastodon.requests_to("GET", "/api/v1/statuses/110000000000000101")) == 1


def test_no_ids_no_request(mastodon: FakeMastodon) -> None:
    assert MastodonAdapter(mastodon.config()).engagement([]) == {}
    assert mastodon.seen == []
