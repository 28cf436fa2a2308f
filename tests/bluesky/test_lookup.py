"""lookup() reads the delivery's post back at its derived key: YES with its address, or NO."""

from __future__ import annotations

from datetime import UTC, datetime

from outlier.networks.base import Content, Found
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers.bluesky import Account


def test_lookup_finds_a_published_delivery(adapter: BlueskyAdapter, alice: Account) -> None:
    published = adapter.publish(Content(text="Did it arrive?"), "lookup-1")

    answer = BlueskyAdapter(alice.config(appview="none")).lookup("lookup-1", datetime.now(UTC))

    assert answer.found == Found.YES
    assert answer.published is not None
    assert answer.published.remote_id == published.remote_id
    assert answer.published.url == published.url


def test_lookup_says_no_for_a_delivery_that_never_arrived(adapter: BlueskyAdapter) -> None:
    adapter.publish(Content(text="Another one"), "lookup-2")

    answer = adapter.lookup("lookup-3", datetime.now(UTC))

    assert answer.found == Found.NO
    assert answer.published is None
