"""A wrong app password is an AUTH failure that says what to do, and nothing is posted."""

from __future__ import annotations

import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers.bluesky import Account


def test_connecting_with_a_wrong_app_password_is_refused_clearly(alice: Account) -> None:
    adapter = BlueskyAdapter(alice.config(app_password="aaaa-bbbb-cccc-dddd", appview="none"))

    with pytest.raises(PublishError) as failure:
        adapter.test()

    assert failure.value.kind == ErrorKind.AUTH
    message = str(failure.value)
    assert "refused the handle or app password" in message
    assert alice.handle in message
    assert "app password" in message.split("refused", 1)[1]
    assert adapter.config_changes() == {}


def test_publishing_with_a_wrong_app_password_posts_nothing(alice: Account) -> None:
    adapter = BlueskyAdapter(alice.config(app_password="wrong", appview="none"))

    with pytest.raises(PublishError) as failure:
        adapter.publish(Content(text="Should not appear"), "key-wrong-password")

    assert failure.value.kind == ErrorKind.AUTH
    assert not failure.value.unknown_outcome
    assert alice.records() == []


def test_an_unknown_handle_is_refused_the_same_way(alice: Account) -> None:
    adapter = BlueskyAdapter(alice.config(handle="nobody-here.test", appview="none"))

    with pytest.raises(PublishError) as failure:
        adapter.test()

    assert failure.value.kind == ErrorKind.AUTH
    assert "nobody-here.test" in str(failure.value)
