"""A post's link becomes a link card: title, description and the scoop's picture as thumb."""

from __future__ import annotations

from outlier.networks.base import Content
from outlier.networks.bluesky import BlueskyAdapter
from tests.bluesky.images import oversized, picture
from tests.peers.bluesky import Account


def test_the_link_becomes_a_card_with_its_thumbnail(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    thumb = picture(120, 63, "JPEG", alt="River")
    content = Content(
        text="Worth a read",
        link="https://planet.example/rivers-rising",
        title="Rivers are rising",
        description="Scientists measured the fastest rise in a century.",
        link_image=thumb,
    )

    published = adapter.publish(content, "card-1")

    record = alice.record(published.remote_id)["value"]
    assert record["text"] == "Worth a read"
    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert external["uri"] == "https://planet.example/rivers-rising"
    assert external["title"] == "Rivers are rising"
    assert external["description"] == "Scientists measured the fastest rise in a century."
    assert external["thumb"]["mimeType"] == "image/jpeg"
    assert external["thumb"]["size"] == len(thumb.data)


def test_a_card_without_a_picture_or_title_still_goes_out(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    content = Content(text="", link="https://planet.example/x", link_image=oversized(1_000_001))

    published = adapter.publish(content, "card-2")

    record = alice.record(published.remote_id)["value"]
    external = record["embed"]["external"]
    assert record["text"] == ""
    assert external["title"] == "planet.example"
    assert "thumb" not in external  # over the 1 MB thumbnail limit: left out, not a failure
