"""Follows of one actor arriving at once: the unique constraint lets one insert, and the
others read its row instead of failing with an IntegrityError (a 500 at the inbox)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import QuerySet

from outlier.federation import actions
from outlier.federation.models import Follower, OutgoingActivity, RemoteActor
from tests.conftest import Team, make_topic


def _actor() -> RemoteActor:
    return RemoteActor.objects.create(
        uri="https://peer.example/users/a", host="peer.example", type="Person",
        inbox="https://peer.example/users/a/inbox", fetched_at="2026-01-01T00:00:00Z",
    )  # fmt: skip


def _follow(actor: RemoteActor, topic_id: int, n: int) -> dict[str, Any]:
    return {"id": f"{actor.uri}/follows/{n}", "type": "Follow", "actor": actor.uri,
            "object": f"https://outlier.example/ap/topics/{topic_id}"}  # fmt: skip


@pytest.mark.parametrize("same_follow", [True, False])
def test_a_follow_racing_another_is_idempotent(
    team: Team, monkeypatch: pytest.MonkeyPatch, same_follow: bool
) -> None:
    topic = make_topic(team.workspace)
    actor = _actor()
    ours = _follow(actor, topic.pk, 1)
    theirs = ours if same_follow else _follow(actor, topic.pk, 2)
    real_get, real_first = QuerySet.get, QuerySet.first
    raced = []

    def the_other_request_wins(queryset: QuerySet[Any]) -> bool:
        """Whether this is our first look for the follower; if so the other request's row
        lands now, after our look and before our insert."""
        if queryset.model is not Follower or raced:
            return False
        raced.append(True)
        Follower.objects.create(topic=topic, actor=actor, inbox=actor.inbox, follow_id=theirs["id"])
        return True

    def racing_get(self: QuerySet[Any], *args: Any, **kwargs: Any) -> Any:
        if the_other_request_wins(self):
            raise Follower.DoesNotExist
        return real_get(self, *args, **kwargs)

    def racing_first(self: QuerySet[Any]) -> Any:
        return None if the_other_request_wins(self) else real_first(self)

    monkeypatch.setattr(QuerySet, "get", racing_get)
    monkeypatch.setattr(QuerySet, "first", racing_first)

    accepted = actions.do_follow(topic, actor, ours)

    assert raced
    assert accepted is not same_follow  # the same Follow is accepted once, by the winner
    follower = Follower.objects.get()
    assert follower.follow_id == ours["id"]
    assert OutgoingActivity.objects.filter(type="Accept").count() == (0 if same_follow else 1)
