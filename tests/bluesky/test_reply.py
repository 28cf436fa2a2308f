"""A reply names its thread's root and its parent; a reply to a deleted post is refused."""

from __future__ import annotations

import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers.bluesky import Account


def _ref(value: dict) -> dict:
    return {"uri": value["uri"], "cid": value["cid"]}


def test_a_reply_to_a_post_has_it_as_root_and_parent(
    adapter: BlueskyAdapter, alice: Account, bob: Account
) -> None:
    question = bob.create("app.bsky.feed.post", {"text": "Anyone measured the river?"})

    published = adapter.publish(Content(text="We did.", reply_to=question["uri"]), "reply-1")

    reply = alice.record(published.remote_id)["value"]["reply"]
    assert _ref(reply["root"]) == question
    assert _ref(reply["parent"]) == question


def test_a_reply_deeper_in_a_thread_keeps_the_thread_root(
    adapter: BlueskyAdapter, alice: Account, bob: Account
) -> None:
    root = bob.create("app.bsky.feed.post", {"text": "Root"})
    middle = bob.create(
        "app.bsky.feed.post", {"text": "Middle", "reply": {"root": root, "parent": root}}
    )

    published = adapter.publish(Content(text="Answer", reply_to=middle["uri"]), "reply-2")

    reply = alice.record(published.remote_id)["value"]["reply"]
    assert _ref(reply["root"]) == root
    assert _ref(reply["parent"]) == middle


def test_a_long_reply_is_a_thread_inside_the_conversation(
    adapter: BlueskyAdapter, alice: Account, bob: Account
) -> None:
    question = bob.create("app.bsky.feed.post", {"text": "Tell me everything"})
    text = " ".join(f"Part {n} of a long answer that goes on." for n in range(20))

    published = adapter.publish(Content(text=text, reply_to=question["uri"]), "reply-3")

    posts = [r["value"] for r in alice.records()]
    assert len(posts) >= 2
    assert all(post["reply"]["root"]["uri"] == question["uri"] for post in posts)
    parents = {post["reply"]["parent"]["uri"] for post in posts}
    assert question["uri"] in parents and published.remote_id in parents


def test_a_reply_to_a_deleted_post_is_refused_clearly(
    adapter: BlueskyAdapter, alice: Account, bob: Account
) -> None:
    gone = bob.create("app.bsky.feed.post", {"text": "Soon deleted"})
    bob.xrpc("com.atproto.repo.deleteRecord", body={
        "repo": bob.did, "collection": "app.bsky.feed.post",
        "rkey": gone["uri"].rsplit("/", 1)[1]})  # fmt: skip

    with pytest.raises(PublishError) as failure:
        adapter.publish(Content(text="Too late", reply_to=gone["uri"]), "reply-4")

    assert failure.value.kind == ErrorKind.PERMANENT
    assert "no longer exists" in str(failure.value)
    assert gone["uri"] in str(failure.value)
    assert alice.records() == []


def test_a_reply_to_something_that_is_not_a_post_is_refused(adapter: BlueskyAdapter) -> None:
    with pytest.raises(PublishError) as failure:
        adapter.publish(Content(text="Hm", reply_to="https://bsky.app/profile/x/post/y"), "reply-5")

    assert failure.value.kind == ErrorKind.PERMANENT
