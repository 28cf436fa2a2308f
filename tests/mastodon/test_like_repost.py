"""Favouriting and boosting a status (POST /api/v1/statuses/:id/favourite, /reblog): once,
however often it is retried; a status that is gone, or that may not be boosted, is refused."""

from __future__ import annotations

import pytest

from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.mastodon import MastodonAdapter

from .conftest import FakeMastodon


def test_a_like_is_a_favourite_made_once(mastodon: FakeMastodon) -> None:
    theirs = mastodon.add_status(id="110000000000000150")
    adapter = MastodonAdapter(mastodon.config())

    assert adapter.like("110000000000000150", "key-1") == "110000000000000150"
    assert adapter.like("110000000000000150", "key-1") == "110000000000000150"  # a retry

    sent = mastodon.requests_to("POST", "/api/v1/statuses/110000000000000150/favourite")
    assert len(sent) == 2 and sent[0].headers["authorization"] == f"Bearer {mastodon.token}"
    assert theirs["favourited"] and theirs["favourites_count"] == 1


def test_a_repost_is_a_boost_made_once(mastodon: FakeMastodon) -> None:
    theirs = mastodon.add_status(id="110000000000000150")
    adapter = MastodonAdapter(mastodon.config())

    boost = adapter.repost("110000000000000150", "key-2")

    assert boost != "110000000000000150"
    assert mastodon.statuses[boost]["reblog"]["id"] == "110000000000000150"
    assert adapter.repost("110000000000000150", "key-2") == boost  # the same boost
    assert theirs["reblogs_count"] == 1


@pytest.mark.parametrize(("action", "verb"), [("like", "like"), ("repost", "boost")])
def test_a_deleted_status_is_refused(mastodon: FakeMastodon, action: str, verb: str) -> None:
    with pytest.raises(PublishError) as failure:
        getattr(MastodonAdapter(mastodon.config()), action)("110000000000000404", "key-3")

    assert failure.value.kind is ErrorKind.PERMANENT and not failure.value.unknown_outcome
    assert f"no longer has the post to {verb} (110000000000000404)" in str(failure.value)
    assert "Record not found" in str(failure.value)


def test_a_direct_status_cannot_be_boosted(mastodon: FakeMastodon) -> None:
    mastodon.add_status(id="110000000000000160", visibility="direct")

    with pytest.raises(PublishError) as failure:
        MastodonAdapter(mastodon.config()).repost("110000000000000160", "key-4")

    assert failure.value.kind is ErrorKind.PERMANENT  # the post, not the channel's token
    assert "This action is not allowed" in str(failure.value)


def test_a_token_without_the_scope_needs_reconnecting(mastodon: FakeMastodon) -> None:
    mastodon.add_status(id="110000000000000150")
    mastodon.answer("POST", "/api/v1/statuses/110000000000000150/favourite", 403,
                    {"error": "This action is outside the authorized scopes"})  # fmt: skip

    with pytest.raises(PublishError) as failure:
        MastodonAdapter(mastodon.config()).like("110000000000000150", "key-5")

    assert failure.value.kind is ErrorKind.AUTH


def test_something_that_is_not_a_status_id_is_refused(mastodon: FakeMastodon) -> None:
    with pytest.raises(PublishError) as failure:
        MastodonAdapter(mastodon.config()).like("https://other.example/@erin/1", "key-6")

    assert failure.value.kind is ErrorKind.PERMANENT
    assert mastodon.requests_to("POST", "/api/v1/statuses/https:") == []


def test_a_server_error_is_tried_again(mastodon: FakeMastodon) -> None:
    mastodon.add_status(id="110000000000000150")
    mastodon.answer("POST", "/api/v1/statuses/110000000000000150/reblog", 503, "<html>busy</html>")

    with pytest.raises(PublishError) as failure:
        MastodonAdapter(mastodon.config()).repost("110000000000000150", "key-7")

    # Boosting again cannot make a second boost: never an unknown outcome.
    assert failure.value.kind is ErrorKind.TRANSIENT and not failure.value.unknown_outcome
