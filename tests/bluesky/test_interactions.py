"""interactions() reads replies, mentions, likes, reposts, quotes and follows from the AppView."""

from __future__ import annotations

from outlier.networks.base import Content, InteractionKind
from outlier.networks.bluesky import BlueskyAdapter
from tests.bluesky.conftest import eventually
from tests.bluesky.social import engage
from tests.peers.bluesky import Account


def test_notifications_become_interactions_with_a_cursor(
    listening: BlueskyAdapter, ann: Account, ben: Account
) -> None:
    published = listening.publish(Content(text="Talk to me"), "interactions-1")
    ours = ann.record(published.remote_id)
    post = {"uri": ours["uri"], "cid": ours["cid"]}
    done = engage(ben, post, ann)

    page = eventually(
        lambda: (p := listening.interactions("")) and len(p.items) == 6 and p,
        "six notifications",
    )

    found = {item.kind: item for item in page.items}
    assert set(found) == set(InteractionKind) - {InteractionKind.MESSAGE, InteractionKind.POST}
    assert [item.created_at for item in page.items] == sorted(i.created_at for i in page.items)
    for kind, item in found.items():
        assert item.remote_id == done[kind.value]
        assert item.author_id == ben.did
        assert item.author_handle == ben.handle
    assert found[InteractionKind.LIKE].subject_id == published.remote_id
    assert found[InteractionKind.REPOST].subject_id == published.remote_id
    assert found[InteractionKind.QUOTE].subject_id == published.remote_id
    assert found[InteractionKind.REPLY].subject_id == published.remote_id
    assert found[InteractionKind.REPLY].text == "Great post!"
    assert found[InteractionKind.MENTION].text == f"Hello @{ann.handle}"
    assert found[InteractionKind.FOLLOW].subject_id == ""
    assert page.cursor.startswith("appview:")

    # Next time: only what is new (items near the cursor may come again: ids are unique).
    ben.create("app.bsky.feed.like", {"subject": post})  # a second like of the same post
    later = eventually(
        lambda: (
            (p := listening.interactions(page.cursor))
            and any(i.remote_id not in done.values() for i in p.items)
            and p
        ),
        "the new like",
    )
    new = [item for item in later.items if item.remote_id not in done.values()]
    assert [item.kind for item in new] == [InteractionKind.LIKE]
    assert later.cursor >= page.cursor
