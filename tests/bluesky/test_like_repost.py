"""Liking and reposting someone's post: one record each in the channel's repository, made once
however often the action is retried; a post that is gone is refused clearly."""

from __future__ import annotations

import pytest

from outlier.networks.base import Engagement, ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.bluesky.conftest import eventually
from tests.peers.bluesky import Account


@pytest.mark.parametrize(
    ("action", "collection"), [("like", "app.bsky.feed.like"), ("repost", "app.bsky.feed.repost")]
)
def test_one_record_whatever_the_retries(
    adapter: BlueskyAdapter, alice: Account, bob: Account, action: str, collection: str
) -> None:
    post = bob.create("app.bsky.feed.post", {"text": "Worth sharing"})

    made = getattr(adapter, action)(post["uri"], "engage-key-1")
    again = getattr(BlueskyAdapter(alice.config(appview="none")), action)(
        post["uri"], "engage-key-1"
    )

    assert again == made
    assert made.startswith(f"at://{alice.did}/{collection}/")
    [record] = alice.records(collection)
    assert record["uri"] == made
    subject = record["value"]["subject"]
    assert {"uri": subject["uri"], "cid": subject["cid"]} == post
    assert alice.records() == []  # no post was made


def test_another_key_is_another_like(adapter: BlueskyAdapter, alice: Account, bob: Account) -> None:
    first = bob.create("app.bsky.feed.post", {"text": "One"})
    second = bob.create("app.bsky.feed.post", {"text": "Two"})

    adapter.like(first["uri"], "key-a")
    adapter.like(second["uri"], "key-b")

    subjects = {r["value"]["subject"]["uri"] for r in alice.records("app.bsky.feed.like")}
    assert subjects == {first["uri"], second["uri"]}


@pytest.mark.parametrize("action", ["like", "repost"])
def test_a_deleted_post_is_refused(
    adapter: BlueskyAdapter, alice: Account, bob: Account, action: str
) -> None:
    gone = bob.create("app.bsky.feed.post", {"text": "Soon deleted"})
    bob.xrpc("com.atproto.repo.deleteRecord", body={
        "repo": bob.did, "collection": "app.bsky.feed.post",
        "rkey": gone["uri"].rsplit("/", 1)[1]})  # fmt: skip

    with pytest.raises(PublishError) as failure:
        getattr(adapter, action)(gone["uri"], "engage-gone")

    assert failure.value.kind == ErrorKind.PERMANENT
    assert "no longer exists" in str(failure.value) and gone["uri"] in str(failure.value)
    assert alice.records(f"app.bsky.feed.{action}") == []


def test_something_that_is_not_a_post_is_refused(adapter: BlueskyAdapter) -> None:
    with pytest.raises(PublishError) as failure:
        adapter.like("https://bsky.app/profile/x/post/y", "engage-bad")

    assert failure.value.kind == ErrorKind.PERMANENT


def test_the_network_counts_them(listening: BlueskyAdapter, ben: Account) -> None:
    post = ben.create("app.bsky.feed.post", {"text": "Count me"})

    listening.like(post["uri"], "engage-network-1")
    listening.repost(post["uri"], "engage-network-2")
    listening.like(post["uri"], "engage-network-1")  # a retry

    eventually(
        lambda: (
            listening.engagement([post["uri"]]).get(post["uri"]) == Engagement(likes=1, reposts=1)
        ),
        "one like and one repost on the AppView",
    )
