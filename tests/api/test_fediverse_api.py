"""What came back — fediverse followers, likes, boosts and replies, and each channel's
interactions — in the REST API, within the caller's workspace only."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone

from outlier.federation.models import Follower, Interaction, RemoteActor
from outlier.inbox.ingest import do_record_interactions
from outlier.networks.base import Interaction as Seen
from outlier.networks.base import InteractionKind
from tests.api.client import Api
from tests.conftest import make_scoop
from tests.publishing.conftest import make_channel


def remote(name: str) -> RemoteActor:
    return RemoteActor.objects.create(
        uri=f"https://social.example/users/{name}", host="social.example", type="Person",
        preferred_username=name, url=f"https://social.example/@{name}",
        inbox=f"https://social.example/users/{name}/inbox", fetched_at=timezone.now(),
    )  # fmt: skip


def test_a_topics_fediverse_handle_and_followers(team, topic, settings):
    for name in ("ana", "bo"):
        actor = remote(name)
        Follower.objects.create(topic=topic, actor=actor, inbox=actor.inbox,
                                follow_id=f"{actor.uri}#follow")  # fmt: skip
    body = Api(team.token(team.viewer)).get("/topics/climate/fediverse").json()
    assert body == {"handle": "@climate@testserver",
                    "actor_url": f"{settings.BASE_URL}/ap/topics/{topic.pk}", "followers": 2}  # fmt: skip
    assert Api(team.token(team.outsider)).get("/topics/climate/fediverse").status_code == 404


def test_a_scoops_likes_boosts_and_replies(team, topic):
    scoop = make_scoop(topic, title="Rivers")
    ana, bo = remote("ana"), remote("bo")
    for n, (kind, actor) in enumerate([("like", ana), ("like", bo), ("announce", ana)]):
        Interaction.objects.create(kind=kind, uri=f"https://social.example/a/{n}", topic=topic,
                                   scoop=scoop, actor=actor)  # fmt: skip
    Interaction.objects.create(kind="reply", uri="https://social.example/n/1", topic=topic,
                               scoop=scoop, actor=bo, content_html="<p>Good read</p>",
                               url="https://social.example/@bo/1",
                               published_at=datetime(2026, 11, 25, 9, tzinfo=UTC))  # fmt: skip
    body = Api(team.token(team.viewer)).get(f"/scoops/{scoop.pk}/fediverse").json()
    assert body["counts"] == {"like": 2, "announce": 1, "reply": 1}
    assert body["replies"] == [{"author": "bo", "author_url": "https://social.example/@bo",
                                "content_html": "<p>Good read</p>",
                                "url": "https://social.example/@bo/1",
                                "published_at": "2026-11-25T09:00:00Z"}]  # fmt: skip
    assert Api(team.token(team.outsider)).get(f"/scoops/{scoop.pk}/fediverse").status_code == 404


def test_a_channels_interactions_newest_first_and_by_kind(team):
    channel = make_channel(team.workspace)
    at = datetime(2026, 11, 25, 9, tzinfo=UTC)
    do_record_interactions(channel, [
        Seen(InteractionKind.LIKE, "like-1", "did:plc:a", "a.test", at),
        Seen(InteractionKind.REPLY, "reply-1", "did:plc:b", "b.test", at.replace(hour=10),
             text="Congratulations!"),
    ])  # fmt: skip
    api = Api(team.token(team.viewer))
    rows = api.get(f"/channels/{channel.pk}/interactions").json()
    assert [(r["kind"], r["author_handle"]) for r in rows] == [("reply", "b.test"),
                                                              ("like", "a.test")]  # fmt: skip
    assert [
        r["text"] for r in api.get(f"/channels/{channel.pk}/interactions?kind=reply").json()
    ] == ["Congratulations!"]
    other = make_channel(team.other_workspace)
    assert api.get(f"/channels/{other.pk}/interactions").status_code == 404
