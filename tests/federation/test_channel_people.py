"""A topic's fediverse channel lists who follows the topic (capability "follower_list"), from
federation's own Follower rows: the Fedify peer's follows and unfollows, newest first, page by
page; a topic follows nobody and cannot search."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from outlier.federation import channel as topic_channel
from outlier.federation.models import Follower, RemoteActor
from outlier.networks.base import ErrorKind, PeoplePage, Person, PublishError
from outlier.publishing import content
from outlier.publishing.models import Channel
from tests.conftest import Team, make_topic
from tests.federation.conftest import Federated, fediverse_channel
from tests.peers.fedify import FedifyPeer


def adapter(channel: Channel) -> Any:
    return content.adapter_for(channel)


def test_the_peers_follows_and_unfollows(
    federated: Federated, peer: FedifyPeer, team: Team
) -> None:
    channel = fediverse_channel(team)
    alice = peer.follow("alice", federated.actor)
    peer.follow("bob", federated.actor)

    page = adapter(channel).followers()

    assert [p.remote_id for p in page.people] == [peer.actor("bob"), peer.actor("alice")]
    bob = page.people[0]
    assert bob.handle == f"@bob@127.0.0.1:{peer.port}"
    assert bob.url and page.cursor == ""
    assert adapter(channel).following() == PeoplePage(people=())
    assert adapter(channel).profile(peer.actor("bob")) == bob

    peer.undo("alice", alice)
    assert [p.remote_id for p in adapter(channel).followers().people] == [peer.actor("bob")]


def _actor(n: int, **values: Any) -> RemoteActor:
    fields: dict[str, Any] = {
        "uri": f"https://social.example/users/p{n}", "host": "social.example",
        "type": "Person", "preferred_username": f"p{n}", "name": f"Person {n}",
        "url": f"https://social.example/@p{n}", "inbox": f"https://social.example/users/p{n}/inbox",
        "icon": f"https://social.example/avatars/p{n}.png", "fetched_at": timezone.now(),
    }  # fmt: skip
    return RemoteActor.objects.create(**(fields | values))


@pytest.fixture
def rivers(team: Team) -> Channel:
    topic = make_topic(team.workspace, name="Rivers", slug="rivers")
    for n in range(5):
        Follower.objects.create(topic=topic, actor=_actor(n), inbox=f"https://x.example/{n}",
                                follow_id=f"https://social.example/follows/{n}")  # fmt: skip
    return fediverse_channel(team)


def test_followers_page_by_page_newest_first(
    rivers: Channel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(topic_channel, "FOLLOWERS_PAGE", 2)
    handles: list[str] = []
    cursor = ""
    for _ in range(5):
        page = adapter(rivers).followers(cursor)
        handles += [p.handle for p in page.people]
        cursor = page.cursor
        if not cursor:
            break

    assert handles == [f"@p{n}@social.example" for n in (4, 3, 2, 1, 0)]


def test_a_person_is_the_actor_as_outlier_keeps_it(rivers: Channel) -> None:
    RemoteActor.objects.filter(uri="https://social.example/users/p0").update(
        name='<img src=x onerror="alert(1)">Zoë', preferred_username=""
    )

    people = adapter(rivers).followers().people

    assert people[0] == Person(
        remote_id="https://social.example/users/p4", handle="@p4@social.example",
        name="Person 4", avatar="https://social.example/avatars/p4.png",
        url="https://social.example/@p4",
    )  # fmt: skip
    hostile = people[-1]
    assert hostile.name == '<img src=x onerror="alert(1)">Zoë'  # plain data, as stored
    assert hostile.handle == hostile.remote_id  # no preferredUsername: the actor's id


def test_bad_cursors_and_unknown_actors_are_permanent(rivers: Channel) -> None:
    for cursor in ("abc", "-1", "9" * 40):
        with pytest.raises(PublishError) as refused:
            adapter(rivers).followers(cursor)
        assert refused.value.kind == ErrorKind.PERMANENT
        assert "is not a page of the topic's followers" in str(refused.value)
    with pytest.raises(PublishError) as unknown:
        adapter(rivers).profile("https://nowhere.example/users/x")
    assert unknown.value.kind == ErrorKind.PERMANENT
    assert "has no copy of the actor" in str(unknown.value)


def test_a_topic_cannot_search(rivers: Channel) -> None:
    assert "follower_list" in adapter(rivers).capabilities
    assert not {"search", "feed"} & adapter(rivers).capabilities
    assert not hasattr(adapter(rivers), "search_posts")
