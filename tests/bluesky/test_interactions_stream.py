"""Without an AppView, interactions come from the PDS's event stream, with a sequence cursor."""

from __future__ import annotations

import time

from outlier.networks.base import Content, Interaction, InteractionKind
from outlier.networks.bluesky import BlueskyAdapter
from tests.bluesky.social import engage
from tests.peers.bluesky import Account


def test_interactions_are_read_from_the_event_stream(
    adapter: BlueskyAdapter, alice: Account, bob: Account
) -> None:
    published = adapter.publish(Content(text="Tell me what you think"), "stream-1")
    ours = alice.record(published.remote_id)
    post = {"uri": ours["uri"], "cid": ours["cid"]}
    done = engage(bob, post, alice)
    bob.create("app.bsky.feed.post", {"text": "Unrelated chatter"})

    items: list[Interaction] = []
    cursor = ""
    while True:  # as the analytics pull reads it: until a page brings nothing new
        started = time.monotonic()
        page = adapter.interactions(cursor)
        assert time.monotonic() - started < 15  # bounded: it stops once caught up
        items.extend(page.items)
        if not page.items:
            break
        cursor = page.cursor

    found = {item.kind: item for item in items}
    assert set(found) == set(InteractionKind) - {InteractionKind.MESSAGE, InteractionKind.POST}
    assert len(items) == 6
    for kind, item in found.items():
        assert item.remote_id == done[kind.value]
        assert item.author_id == bob.did
        assert item.author_handle == bob.handle
        assert item.author_url == f"https://bsky.app/profile/{bob.handle}"
    for kind in (InteractionKind.LIKE, InteractionKind.REPOST, InteractionKind.QUOTE):
        assert found[kind].subject_id == published.remote_id
    assert found[InteractionKind.REPLY].subject_id == published.remote_id
    assert found[InteractionKind.REPLY].text == "Great post!"
    assert found[InteractionKind.MENTION].subject_id == ""
    assert found[InteractionKind.FOLLOW].url == f"https://bsky.app/profile/{bob.handle}"
    assert page.cursor.startswith("stream:")
    assert page.cursor == cursor  # nothing new: the cursor stays

    bob.create("app.bsky.feed.like", {"subject": post})
    later = adapter.interactions(cursor)
    assert [item.kind for item in later.items] == [InteractionKind.LIKE]
    assert int(later.cursor.removeprefix("stream:")) > int(cursor.removeprefix("stream:"))


def test_a_cursor_from_a_pds_that_started_over_reads_from_the_start(
    adapter: BlueskyAdapter, alice: Account, bob: Account
) -> None:
    bob.create("app.bsky.graph.follow", {"subject": alice.did})

    page = adapter.interactions("stream:999999999")

    assert [item.kind for item in page.items] == [InteractionKind.FOLLOW]
    assert int(page.cursor.removeprefix("stream:")) < 999999999
