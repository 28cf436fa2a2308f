"""Images go up as blobs, with their alt text and aspect ratio; too many or too big refused."""

from __future__ import annotations

import httpx
import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.bluesky.images import oversized, picture
from tests.peers.bluesky import Account


def test_images_are_uploaded_with_alt_text_and_aspect_ratio(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    wide = picture(64, 32, "PNG", alt="A teal banner")
    tall = picture(30, 90, "JPEG", colour="orange", alt="An orange column")

    published = adapter.publish(Content(text="Two pictures", images=(wide, tall)), "images-1")

    record = alice.record(published.remote_id)["value"]
    embed = record["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert [image["alt"] for image in embed["images"]] == ["A teal banner", "An orange column"]
    ratios = [(image["aspectRatio"]["width"], image["aspectRatio"]["height"])
              for image in embed["images"]]  # fmt: skip
    assert ratios == [(64, 32), (30, 90)]
    for sent, stored in zip((wide, tall), embed["images"], strict=True):
        blob = stored["image"]
        assert blob["mimeType"] == sent.content_type
        assert blob["size"] == len(sent.data)
        answer = httpx.get(f"{alice.pds_url}/xrpc/com.atproto.sync.getBlob",
                           params={"did": alice.did, "cid": blob["ref"]["$link"]})  # fmt: skip
        assert answer.content == sent.data


def test_an_image_over_the_blob_limit_is_refused_before_anything_is_sent(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    content = Content(text="Too big", images=(picture(10, 10), oversized(2_000_001)))

    with pytest.raises(PublishError) as failure:
        adapter.publish(content, "images-2")

    assert failure.value.kind == ErrorKind.PERMANENT
    assert "Image 2 is 2.0 MB" in str(failure.value)
    assert not failure.value.unknown_outcome
    assert alice.records() == []


def test_more_than_four_images_are_refused(adapter: BlueskyAdapter, alice: Account) -> None:
    content = Content(text="Five", images=tuple(picture(8, 8) for _ in range(5)))

    with pytest.raises(PublishError) as failure:
        adapter.publish(content, "images-3")

    assert failure.value.kind == ErrorKind.PERMANENT
    assert "at most 4 images" in str(failure.value)
    assert alice.records() == []


def test_with_images_the_link_goes_into_the_text(adapter: BlueskyAdapter, alice: Account) -> None:
    content = Content(text="Look", link="https://example.org/story", images=(picture(20, 20),))

    published = adapter.publish(content, "images-4")

    record = alice.record(published.remote_id)["value"]
    assert record["text"] == "Look\n\nhttps://example.org/story"
    assert record["embed"]["$type"] == "app.bsky.embed.images"
    assert record["facets"][0]["features"][0]["uri"] == "https://example.org/story"
    assert "link is in the text" in published.note
