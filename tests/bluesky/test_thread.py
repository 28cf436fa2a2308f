"""A text too long for one post becomes a thread: each post fits, each answers the one before."""

from __future__ import annotations

import pytest

from outlier.networks.base import Content, ErrorKind, Found, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from outlier.networks.bluesky.richtext import grapheme_count
from tests.bluesky.images import picture
from tests.peers.bluesky import Account

LONG = (
    " ".join(
        f"Sentence {n} of the essay talks about rivers, towns and the people along the banks."
        for n in range(1, 13)
    )
    + "\n\nThe second paragraph ends it with a link https://example.org/essay and #rivers."
)


def test_a_long_text_is_published_as_a_thread(adapter: BlueskyAdapter, alice: Account) -> None:
    content = Content(text=LONG, images=(picture(40, 20, alt="Map"),))

    published = adapter.publish(content, "thread-1")

    posts = {r["uri"]: r["value"] for r in alice.records()}
    assert len(posts) >= 3
    assert f"thread of {len(posts)} posts" in published.note
    root = posts[published.remote_id]
    assert "reply" not in root
    assert root["embed"]["$type"] == "app.bsky.embed.images"  # images on the first post
    chain = [published.remote_id]
    while True:  # follow the replies from the first post down
        children = [uri for uri, post in posts.items()
                    if post.get("reply", {}).get("parent", {}).get("uri") == chain[-1]]  # fmt: skip
        if not children:
            break
        assert len(children) == 1
        chain.append(children[0])
    assert len(chain) == len(posts)
    texts = [posts[uri]["text"] for uri in chain]
    for uri in chain[1:]:
        assert posts[uri]["reply"]["root"]["uri"] == published.remote_id
        assert "embed" not in posts[uri]
    assert all(grapheme_count(text) <= 300 for text in texts)
    assert " ".join(texts).split() == LONG.split()  # nothing lost, nothing cut inside a word
    assert texts[0].endswith(".")  # cut at a sentence end
    last = posts[chain[-1]]
    assert {f["features"][0]["$type"] for f in last["facets"]} == {
        "app.bsky.richtext.facet#link",
        "app.bsky.richtext.facet#tag",
    }


def test_deleting_a_thread_removes_every_post_of_it(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    published = adapter.publish(Content(text=LONG), "thread-2")
    other = adapter.publish(Content(text="Another post"), "thread-3")
    assert len(alice.records()) >= 4

    adapter.delete(published.remote_id)

    assert [r["uri"] for r in alice.records()] == [other.remote_id]
    assert adapter.lookup("thread-2", since=None).found == Found.NO  # type: ignore[arg-type]


def test_a_thread_that_broke_off_is_completed_by_sending_it_again(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    published = adapter.publish(Content(text=LONG), "thread-4")
    posts = sorted(alice.records(), key=lambda r: r["uri"])
    total = len(posts)
    last = posts[-1]["uri"].rsplit("/", 1)[1]
    alice.xrpc("com.atproto.repo.deleteRecord", body={
        "repo": alice.did, "collection": "app.bsky.feed.post", "rkey": last})  # fmt: skip

    again = adapter.publish(Content(text=LONG), "thread-4")

    assert again.remote_id == published.remote_id
    assert len(alice.records()) == total
    assert f"{total - 1} of its posts were already there" in again.note


def test_the_authors_markers_cut_the_thread_where_they_stand(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    published = adapter.publish(Content(text="One.\n---\nTwo.\n---\nThree."), "thread-5")

    posts = {r["uri"]: r["value"] for r in alice.records()}
    assert sorted(post["text"] for post in posts.values()) == ["One.", "Three.", "Two."]
    assert posts[published.remote_id]["text"] == "One."
    assert "thread of 3 posts" in published.note


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Sentence here. " * 530, "hold at most 25 posts"),
        ("One.\n---\n---\nThree.", "Two “---” lines have nothing between them"),
        ("Read https://example.org/" + "a" * 400, "A link is too long for one Bluesky post"),
    ],
)
def test_a_text_that_cannot_be_a_thread_is_refused_before_anything_is_posted(
    adapter: BlueskyAdapter, alice: Account, text: str, says: str
) -> None:
    with pytest.raises(PublishError) as refused:
        adapter.publish(Content(text=text), "thread-bad")

    assert refused.value.kind == ErrorKind.PERMANENT
    assert says in str(refused.value)
    assert alice.records() == []


def test_each_post_carries_the_language_of_the_content(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    thread = adapter.publish(Content(text=LONG, language="de-AT"), "langs-1")
    unknown = adapter.publish(Content(text="No language"), "langs-2")
    invalid = adapter.publish(Content(text="Not a tag", language="english please"), "langs-3")

    posts = {r["uri"]: r["value"] for r in alice.records()}
    assert {tuple(post.get("langs", ())) for uri, post in posts.items()
            if uri not in (unknown.remote_id, invalid.remote_id)} == {("de-AT",)}  # fmt: skip
    assert posts[thread.remote_id]["langs"] == ["de-AT"]
    assert "langs" not in posts[unknown.remote_id]
    assert "langs" not in posts[invalid.remote_id]
