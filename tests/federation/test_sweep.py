"""The sweep notices scoop changes by reading curation's rows: idempotent, and crash-safe
(a change and its deliveries are recorded together or not at all)."""

from __future__ import annotations

from typing import Any

import pytest

from outlier.curation.models import ScoopState
from outlier.federation import actions, dispatch
from outlier.federation.models import (
    Delivery,
    Follower,
    OutgoingActivity,
    Publication,
    PublicationState,
    RemoteActor,
)
from tests.conftest import Team, make_scoop, make_topic


@pytest.fixture
def topic_with_follower(team: Team) -> Any:
    topic = make_topic(team.workspace)
    actor = RemoteActor.objects.create(
        uri="https://peer.example/users/a", host="peer.example", type="Person",
        inbox="https://peer.example/users/a/inbox", shared_inbox="https://peer.example/inbox",
        fetched_at="2026-01-01T00:00:00Z",
    )  # fmt: skip
    Follower.objects.create(
        topic=topic,
        actor=actor,
        inbox=actor.inbox,
        shared_inbox=actor.shared_inbox,
        follow_id="https://peer.example/f/1",
    )
    return topic


def test_sweep_is_idempotent(topic_with_follower: Any) -> None:
    scoop = make_scoop(topic_with_follower)
    make_scoop(topic_with_follower, state=ScoopState.DRAFT, published_at=None)
    assert dispatch.sweep() == 1
    assert dispatch.sweep() == 0
    publication = Publication.objects.get()
    assert (publication.scoop_id, publication.state) == (scoop.pk, PublicationState.LIVE)
    (create,) = OutgoingActivity.objects.all()
    assert create.type == "Create" and create.uri.endswith("#create")
    assert list(Delivery.objects.values_list("inbox", flat=True)) == ["https://peer.example/inbox"]


def test_a_crash_while_recording_leaves_nothing_half_done(
    topic_with_follower: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_scoop(topic_with_follower)

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(actions, "queue_activity", crash)
    assert dispatch.sweep() == 0  # logged, not raised (see test_sweep_errors.py)
    assert not Publication.objects.exists()
    monkeypatch.undo()
    assert dispatch.sweep() == 1
    assert Delivery.objects.count() == 1


def test_a_deleted_scoop_leaves_a_record_pointing_at_nothing(topic_with_follower: Any) -> None:
    scoop = make_scoop(topic_with_follower)
    dispatch.sweep()
    scoop_id = scoop.pk
    scoop.delete()
    publication = Publication.objects.get()
    assert publication.scoop_id == scoop_id  # nothing cascaded
    assert dispatch.sweep() == 1
    assert dispatch.sweep() == 0
    publication.refresh_from_db()
    assert publication.state == PublicationState.DELETED
    assert OutgoingActivity.objects.filter(type="Delete").count() == 1


def test_edits_only_announce_visible_changes(topic_with_follower: Any) -> None:
    scoop = make_scoop(topic_with_follower, title="One")
    dispatch.sweep()
    scoop.save()  # updated_at moves, nothing visible changes
    assert dispatch.sweep() == 0
    scoop.title = "Two"
    scoop.save()
    assert dispatch.sweep() == 1
    assert OutgoingActivity.objects.filter(type="Update").count() == 1
    assert dispatch.sweep() == 0


def test_nothing_is_queued_without_followers(team: Team) -> None:
    topic = make_topic(team.workspace, slug="quiet")
    make_scoop(topic)
    assert dispatch.sweep() == 1
    assert Publication.objects.count() == 1
    assert not OutgoingActivity.objects.exists()
    assert dispatch.run_due("w", 10) == 0
