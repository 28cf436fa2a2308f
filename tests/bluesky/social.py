"""What another account does to the channel's post, as raw records in its own repository."""

from __future__ import annotations

from tests.peers.bluesky import Account


def engage(other: Account, post: dict[str, str], channel: Account) -> dict[str, str]:
    """`other` likes, reposts, replies to, quotes `post`, mentions and follows `channel`.

    Returns the URI of each of those records by kind.
    """
    text = f"Hello @{channel.handle}"
    at = text.index("@")
    return {
        "like": other.create("app.bsky.feed.like", {"subject": post})["uri"],
        "repost": other.create("app.bsky.feed.repost", {"subject": post})["uri"],
        "reply": other.create("app.bsky.feed.post", {
            "text": "Great post!", "reply": {"root": post, "parent": post}})["uri"],
        "quote": other.create("app.bsky.feed.post", {
            "text": "Look at this", "embed": {"$type": "app.bsky.embed.record", "record": post}})["uri"],
        "mention": other.create("app.bsky.feed.post", {
            "text": text, "facets": [{
                "index": {"byteStart": at, "byteEnd": len(text.encode())},
                "features": [{"$type": "app.bsky.richtext.facet#mention", "did": channel.did}],
            }]})["uri"],
        "follow": other.create("app.bsky.graph.follow", {"subject": channel.did})["uri"],
    }  # fmt: skip
