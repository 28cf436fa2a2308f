"""engagement() reads like, repost, reply and quote counts from the AppView (getPosts)."""

from __future__ import annotations

import pytest

from outlier.networks.base import Content, Engagement, ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.bluesky.conftest import eventually
from tests.bluesky.social import engage
from tests.peers.bluesky import Account


def test_counts_come_back_from_the_appview(
    listening: BlueskyAdapter, ann: Account, ben: Account
) -> None:
    published = listening.publish(Content(text="Count on me"), "engagement-1")
    quiet = listening.publish(Content(text="Nobody cares"), "engagement-2")
    ours = ann.record(published.remote_id)
    engage(ben, {"uri": ours["uri"], "cid": ours["cid"]}, ann)
    wanted = Engagement(likes=1, reposts=1, replies=1, quotes=1)

    counts = eventually(
        lambda: (
            (c := listening.engagement([published.remote_id, quiet.remote_id]))
            and c.get(published.remote_id) == wanted
            and c
        ),
        "the AppView's counts",
    )

    assert counts[quiet.remote_id] == Engagement()


def test_posts_the_network_no_longer_has_are_left_out(
    listening: BlueskyAdapter, ann: Account
) -> None:
    published = listening.publish(Content(text="Here and gone"), "engagement-3")
    eventually(lambda: published.remote_id in listening.engagement([published.remote_id]),
               "the post indexed")  # fmt: skip
    listening.delete(published.remote_id)

    eventually(lambda: listening.engagement([published.remote_id]) == {}, "the post forgotten")


def test_without_an_appview_engagement_says_why_not(adapter: BlueskyAdapter) -> None:
    with pytest.raises(PublishError) as failure:
        adapter.engagement(["at://did:plc:x/app.bsky.feed.post/3kabcdefghij2"])

    assert failure.value.kind == ErrorKind.PERMANENT
    assert "come from an AppView" in str(failure.value)


def test_a_pds_without_appview_set_to_use_one_says_so(alice: Account) -> None:
    adapter = BlueskyAdapter(alice.config())  # appview "pds", but this PDS has none

    with pytest.raises(PublishError) as failure:
        adapter.engagement(["at://did:plc:x/app.bsky.feed.post/3kabcdefghij2"])

    assert failure.value.kind == ErrorKind.PERMANENT
    assert "has no AppView" in str(failure.value)
    assert "“None”" in str(failure.value)
