"""Links, mentions and hashtags become facets whose UTF-8 byte ranges cover them exactly."""

from __future__ import annotations

from outlier.networks.base import Content
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers.bluesky import Account


def _covered(text: str, facet: dict) -> str:
    index = facet["index"]
    return text.encode("utf-8")[index["byteStart"] : index["byteEnd"]].decode("utf-8")


def test_facets_cover_links_mentions_and_tags_in_bytes(
    adapter: BlueskyAdapter, alice: Account, bob: Account
) -> None:
    text = (
        f"Café ☕ with 👨‍👩‍👧 and @{bob.handle}: read https://example.org/rivers?x=1, "
        "or planet.example.com. #Outlier #2024 #über!"
    )

    published = adapter.publish(Content(text=text), "facets-1")

    record = alice.record(published.remote_id)["value"]
    assert record["text"] == text
    found = {(_covered(text, f), f["features"][0]["$type"]) for f in record["facets"]}
    assert found == {
        (f"@{bob.handle}", "app.bsky.richtext.facet#mention"),
        ("https://example.org/rivers?x=1", "app.bsky.richtext.facet#link"),
        ("planet.example.com", "app.bsky.richtext.facet#link"),
        ("#Outlier", "app.bsky.richtext.facet#tag"),
        ("#über", "app.bsky.richtext.facet#tag"),
    }
    mentions = [f["features"][0]["did"] for f in record["facets"] if "did" in f["features"][0]]
    assert mentions == [bob.did]
    links = [f["features"][0]["uri"] for f in record["facets"] if "uri" in f["features"][0]]
    # A bare domain gets https:// in the facet, the text stays as written.
    assert links == ["https://example.org/rivers?x=1", "https://planet.example.com"]
    tags = sorted(f["features"][0]["tag"] for f in record["facets"] if "tag" in f["features"][0])
    assert tags == ["Outlier", "über"]
    # Byte offsets, not code points: the emoji before the mention are several bytes each.
    mention = next(f for f in record["facets"] if "did" in f["features"][0])
    assert mention["index"]["byteStart"] == len(text[: text.index("@")].encode("utf-8"))
    assert mention["index"]["byteStart"] != text.index("@")


def test_a_mention_that_does_not_resolve_stays_plain_text(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    text = "Thanks @nobody-at-all.test for nothing, see https://example.org"

    published = adapter.publish(Content(text=text), "facets-2")

    record = alice.record(published.remote_id)["value"]
    kinds = [f["features"][0]["$type"] for f in record["facets"]]
    assert kinds == ["app.bsky.richtext.facet#link"]


def test_published_names_the_post_and_its_web_address(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    published = adapter.publish(Content(text="Hello Bluesky"), "facets-3")

    assert published.remote_id.startswith(f"at://{alice.did}/app.bsky.feed.post/")
    rkey = published.remote_id.rsplit("/", 1)[1]
    assert published.url == f"https://bsky.app/profile/{alice.handle}/post/{rkey}"
    assert [r["uri"] for r in alice.records()] == [published.remote_id]
