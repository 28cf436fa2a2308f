"""The peer likes, boosts and replies to a scoop: Outlier stores each, linked to the scoop,
and counts them; a reply's HTML is sanitized; a reply that is not public is not stored."""

from __future__ import annotations

import time

import pytest

from outlier.curation.models import Scoop
from outlier.federation.models import Interaction, InteractionKind
from outlier.federation.queries import interaction_counts, replies
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer


@pytest.fixture
def published(following: Federated) -> Scoop:
    scoop = following.scoop(title="Rivers are rising")
    following.deliver()
    return scoop


def test_like_boost_and_reply_are_stored_and_counted(
    following: Federated, published: Scoop, peer: FedifyPeer
) -> None:
    obj = following.object(published)
    timings = {}
    started = time.perf_counter()
    like_id = peer.like("alice", obj)
    timings["like"] = time.perf_counter() - started
    started = time.perf_counter()
    boost_id = peer.announce("bob", obj)
    timings["announce"] = time.perf_counter() - started
    started = time.perf_counter()
    reply = peer.reply(
        "alice",
        obj,
        '<p>Great <a href="https://ok.example/x">read</a><script>alert(1)</script></p><img src=x onerror=alert(2)><a href="javascript:alert(3)">bad</a>',
    )
    timings["reply"] = time.perf_counter() - started

    like = Interaction.objects.get(kind=InteractionKind.LIKE)
    assert (like.uri, like.scoop_id, like.topic_id) == (like_id, published.pk, following.topic.pk)
    assert like.actor.uri == peer.actor("alice")
    boost = Interaction.objects.get(kind=InteractionKind.ANNOUNCE)
    assert (boost.uri, boost.scoop_id, boost.actor.uri) == (
        boost_id,
        published.pk,
        peer.actor("bob"),
    )
    (stored,) = replies(published.pk)
    assert stored.uri == reply["note"]
    assert stored.actor.uri == peer.actor("alice")
    assert "script" not in stored.content_html and "alert" not in stored.content_html
    assert "onerror" not in stored.content_html and "javascript" not in stored.content_html
    assert 'href="https://ok.example/x"' in stored.content_html
    assert "nofollow" in stored.content_html

    assert interaction_counts([published.pk]) == {
        published.pk: {"like": 1, "announce": 1, "reply": 1}
    }
    print("inbox round trips (ms):", {k: round(v * 1000) for k, v in timings.items()})


def test_the_same_like_twice_counts_once(
    following: Federated, published: Scoop, peer: FedifyPeer
) -> None:
    obj = following.object(published)
    peer.like("alice", obj)
    peer.like("alice", obj)  # two Like activities (two ids): Mastodon would refuse the second
    assert interaction_counts([published.pk])[published.pk]["like"] == 2
    assert interaction_counts([9999]) == {9999: {"like": 0, "announce": 0, "reply": 0}}


def test_interactions_reach_the_scoop_through_its_public_url(
    following: Federated, published: Scoop, peer: FedifyPeer, outlier: str
) -> None:
    # What a person pastes into a fediverse search box: the scoop's page, not the /ap/ id.
    peer.like("alice", f"{outlier}{published.get_absolute_url()}")
    assert Interaction.objects.get().scoop_id == published.pk


def test_a_reply_that_is_not_public_is_not_stored(
    following: Federated, published: Scoop, peer: FedifyPeer
) -> None:
    peer.reply("alice", following.object(published), "<p>just between us</p>", public=False)
    assert not Interaction.objects.exists()


def test_reply_edit_and_delete(following: Federated, published: Scoop, peer: FedifyPeer) -> None:
    reply = peer.reply("alice", following.object(published), "<p>first</p>")
    peer.edit("alice", reply["note"], "<p>second thoughts</p>")
    assert Interaction.objects.get().content_html == "<p>second thoughts</p>"
    peer.delete("alice", reply["note"])
    assert not Interaction.objects.exists()


def test_an_interaction_with_something_not_ours_changes_nothing(
    following: Federated, peer: FedifyPeer
) -> None:
    draft = following.scoop(state="draft", published_at=None)
    with pytest.raises(Exception):  # noqa: B017 - the peer cannot even look the draft up
        peer.like("alice", following.object(draft))
    assert not Interaction.objects.exists()
