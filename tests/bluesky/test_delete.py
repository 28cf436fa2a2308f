"""Deleting a published post; a post already gone is no error; others' posts are refused."""

from __future__ import annotations

import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers.bluesky import Account


def test_a_published_post_can_be_deleted_and_deleting_again_is_fine(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    published = adapter.publish(Content(text="Short-lived"), "delete-1")
    assert len(alice.records()) == 1

    adapter.delete(published.remote_id)
    adapter.delete(published.remote_id)

    assert alice.records() == []


def test_someone_elses_post_is_not_deleted(adapter: BlueskyAdapter, bob: Account) -> None:
    theirs = bob.create("app.bsky.feed.post", {"text": "Mine, not yours"})

    with pytest.raises(PublishError) as failure:
        adapter.delete(theirs["uri"])

    assert failure.value.kind == ErrorKind.PERMANENT
    assert "not a post of this channel" in str(failure.value)
    assert len(bob.records()) == 1
