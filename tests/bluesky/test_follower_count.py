"""follower_count() reads the AppView's count; without an AppView it says what it can do."""

from __future__ import annotations

import pytest

from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.bluesky.conftest import eventually
from tests.peers.bluesky import Account, Network


def test_followers_are_counted_by_the_appview(
    listening: BlueskyAdapter, ann: Account, ben: Account, bluesky_network: Network
) -> None:
    carol = bluesky_network.account("carol")
    eventually(lambda: listening.follower_count() == 0 or None, "ann's profile indexed")

    ben.create("app.bsky.graph.follow", {"subject": ann.did})
    carol.create("app.bsky.graph.follow", {"subject": ann.did})

    eventually(lambda: listening.follower_count() == 2, "two followers")


def test_without_an_appview_the_count_is_refused_with_the_reason(adapter: BlueskyAdapter) -> None:
    with pytest.raises(PublishError) as failure:
        adapter.follower_count()

    assert failure.value.kind == ErrorKind.PERMANENT
    message = str(failure.value)
    assert "Follower counts come from an AppView" in message
    assert "event stream" in message  # what it can do instead: follows arrive as interactions
