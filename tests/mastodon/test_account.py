"""The account: followers counted, statuses deleted, the token checked by test()."""

from __future__ import annotations

import pytest

from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.mastodon import MastodonAdapter

from .conftest import ACCOUNT_ID, FakeMastodon


def test_follower_count_is_read_fresh(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    assert adapter.follower_count() == 1523
    mastodon.account["followers_count"] = 1530
    assert adapter.follower_count() == 1530
    assert len(mastodon.requests_to("GET", "/api/v1/accounts/verify_credentials")) == 2


def test_delete_removes_the_status_and_a_missing_one_is_fine(mastodon: FakeMastodon) -> None:
    mastodon.add_status(id="110000000000000101")
    adapter = MastodonAdapter(mastodon.config())

    adapter.delete("110000000000000101")
    adapter.delete("110000000000000101")  # already gone: not an error

    assert "110000000000000101" not in mastodon.statuses
    assert len(mastodon.requests_to("DELETE", "/api/v1/statuses/110000000000000101")) == 2


def test_test_checks_the_token_and_keeps_the_account_and_limits(mastodon: FakeMastodon) -> None:
    adapter = MastodonAdapter(mastodon.config())
    adapter.test()
    changes = adapter.config_changes()
    assert changes["account"]["id"] == ACCOUNT_ID and changes["account"]["acct"] == "acme"
    assert changes["account"]["app"] == "Outlier"
    assert "access_token" not in str(changes["account"])
    assert changes["instance"]["max_characters"] == 500


def test_test_with_a_revoked_token_asks_to_reconnect(mastodon: FakeMastodon) -> None:
    mastodon.revoked = True
    with pytest.raises(PublishError) as caught:
        MastodonAdapter(mastodon.config()).test()
    assert caught.value.kind is ErrorKind.AUTH
    assert "The access token was revoked" in str(caught.value)
    assert "Reconnect the channel" in str(caught.value)
