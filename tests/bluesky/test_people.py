"""Follower lists and profiles from the AppView: who follows the channel's account, whom it
follows, one person's profile; paging; and what a channel without an AppView says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outlier.networks.base import ErrorKind, PeoplePage, PublishError
from outlier.networks.bluesky import BlueskyAdapter, people
from tests.bluesky.conftest import eventually
from tests.peers.bluesky import Account, Network


def _handles(page: PeoplePage) -> set[str]:
    return {person.handle for person in page.people}


def test_a_follower_is_listed_with_handle_did_and_name(
    listening: BlueskyAdapter, ann: Account, ben: Account
) -> None:
    ben.xrpc("com.atproto.repo.putRecord", body={
        "repo": ben.did, "collection": "app.bsky.actor.profile", "rkey": "self",
        "record": {"$type": "app.bsky.actor.profile", "displayName": "Ben <b>Bold</b>",
                   "description": "Writes at ben.example.com and https://blog.example.org/ben"},
    })  # fmt: skip
    ben.create("app.bsky.graph.follow", {"subject": ann.did})

    page = eventually(lambda: (p := listening.followers()) and p.people and p, "ben follows ann")

    [him] = page.people
    assert (him.remote_id, him.handle) == (ben.did, ben.handle)
    assert him.name == "Ben <b>Bold</b>"  # plain data: nothing here reads it as HTML
    assert him.url == f"https://bsky.app/profile/{ben.handle}"
    assert him.bio.startswith("Writes at")
    assert him.links == ("https://ben.example.com", "https://blog.example.org/ben")
    assert him.website == ""  # Bluesky verifies no website
    assert page.cursor == ""  # one page: the end of the list


def test_following_and_an_unfollow(listening: BlueskyAdapter, ann: Account, ben: Account) -> None:
    follow = ann.create("app.bsky.graph.follow", {"subject": ben.did})

    eventually(lambda: _handles(listening.following()) == {ben.handle}, "ann follows ben")
    assert listening.followers().people == ()  # following is one way

    rkey = follow["uri"].rsplit("/", 1)[1]
    ann.xrpc("com.atproto.repo.deleteRecord", body={
        "repo": ann.did, "collection": "app.bsky.graph.follow", "rkey": rkey})  # fmt: skip
    eventually(lambda: listening.following().people == () or None, "ann unfollowed ben")


def test_an_unfollower_is_gone_from_the_followers(
    listening: BlueskyAdapter, ann: Account, ben: Account
) -> None:
    follow = ben.create("app.bsky.graph.follow", {"subject": ann.did})
    eventually(lambda: _handles(listening.followers()) == {ben.handle}, "ben follows ann")

    rkey = follow["uri"].rsplit("/", 1)[1]
    ben.xrpc("com.atproto.repo.deleteRecord", body={
        "repo": ben.did, "collection": "app.bsky.graph.follow", "rkey": rkey})  # fmt: skip

    eventually(lambda: listening.followers().people == () or None, "ben unfollowed ann")


def test_followers_page_by_page(
    listening: BlueskyAdapter, ann: Account, bluesky_network: Network,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(people, "PAGE_SIZE", 2)
    others = [bluesky_network.account(f"fan{n}") for n in range(5)]
    start = datetime.now(UTC)
    for n, other in enumerate(others):
        # Each at its own millisecond: with five follows of the same createdAt, dev-env's
        # AppView skipped those after its cursor that shared the cursor's time.
        at = (start + timedelta(milliseconds=n)).isoformat(timespec="milliseconds")
        other.create("app.bsky.graph.follow", {"subject": ann.did,
                                               "createdAt": at.replace("+00:00", "Z")})  # fmt: skip
    eventually(lambda: listening.profile(ann.did).followers == 5, "five followers indexed")

    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        page = listening.followers(cursor)
        pages += 1
        assert len(page.people) <= 2
        seen.extend(person.remote_id for person in page.people)
        if not page.cursor:
            break
        cursor = page.cursor

    assert sorted(seen) == sorted(other.did for other in others)  # each one once
    assert seen[0] == others[-1].did  # newest first
    assert pages >= 3


def test_a_profile_with_its_follower_count(
    listening: BlueskyAdapter, ann: Account, ben: Account
) -> None:
    ben.create("app.bsky.graph.follow", {"subject": ann.did})

    found = eventually(lambda: (p := listening.profile(ann.did)) and p.followers == 1 and p,
                       "ann's profile with one follower")  # fmt: skip

    assert (found.remote_id, found.handle) == (ann.did, ann.handle)
    assert listening.profile(ben.handle).remote_id == ben.did  # a handle works too


def test_an_unknown_or_malformed_profile_is_refused(listening: BlueskyAdapter) -> None:
    with pytest.raises(PublishError) as unknown:
        listening.profile("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
    assert unknown.value.kind == ErrorKind.PERMANENT

    with pytest.raises(PublishError) as malformed:
        listening.profile("not a did")
    assert malformed.value.kind == ErrorKind.PERMANENT
    assert "is not a Bluesky DID or handle" in str(malformed.value)


def test_without_an_appview_the_lists_are_refused_with_the_reason(
    adapter: BlueskyAdapter,
) -> None:
    for read in (adapter.followers, adapter.following):
        with pytest.raises(PublishError) as failure:
            read()
        assert failure.value.kind == ErrorKind.PERMANENT
        assert "Follower lists come from an AppView" in str(failure.value)
    with pytest.raises(PublishError) as profile:
        adapter.profile("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
    assert "Profiles come from an AppView" in str(profile.value)
