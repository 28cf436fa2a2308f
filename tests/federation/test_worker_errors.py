"""sweep() and run_due() run in the worker loop: an unexpected error about one row is logged
and recorded on that row, and the other rows are still handled; nothing reaches the loop."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from outlier.curation.models import Scoop, Topic
from outlier.federation import dispatch, documents
from outlier.federation.models import (
    ActorKey,
    Delivery,
    DeliveryState,
    Follower,
    OutgoingActivity,
    Publication,
    RemoteActor,
)
from tests.conftest import Team, make_scoop, make_topic
from tests.federation.conftest import LocalInboxes


def _followed(team: Team, slug: str, inbox: str) -> Topic:
    topic = make_topic(team.workspace, slug=slug, name=slug.title())
    actor = RemoteActor.objects.create(
        uri=f"{inbox}/{slug}-fan", host="127.0.0.1", type="Person", inbox=f"{inbox}?{slug}",
        fetched_at="2026-01-01T00:00:00Z",
    )  # fmt: skip
    Follower.objects.create(topic=topic, actor=actor, inbox=actor.inbox, follow_id=f"{actor}/f")
    return topic


def _breaking(monkeypatch: pytest.MonkeyPatch, broken: Scoop) -> None:
    real = documents.scoop_object

    def scoop_object(scoop: Scoop, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if scoop.pk == broken.pk:
            raise RuntimeError("a bug about this one scoop")
        return real(scoop, *args, **kwargs)

    monkeypatch.setattr(documents, "scoop_object", scoop_object)


def test_the_sweep_goes_on_past_a_failing_row(
    team: Team, inboxes: LocalInboxes, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    topic = _followed(team, "rivers", f"{inboxes.base}/inbox")
    bad, good = make_scoop(topic, title="Bad"), make_scoop(topic, title="Good")

    # A new scoop: no row of ours yet, so the error is logged; the other is announced.
    _breaking(monkeypatch, bad)
    with caplog.at_level(logging.ERROR, logger="outlier.federation.dispatch"):
        assert dispatch.sweep() == 1
    assert f"The federation sweep failed on scoop {bad.pk}" in caplog.messages
    assert list(Publication.objects.values_list("scoop_id", flat=True)) == [good.pk]
    monkeypatch.undo()
    assert dispatch.sweep() == 1

    # An edit: the error is recorded on the publication, which then waits a while.
    for scoop in (bad, good):
        scoop.title += " (edited)"
        scoop.save()
    _breaking(monkeypatch, bad)
    now = timezone.now()
    assert dispatch.sweep(now) == 1
    failed = Publication.objects.get(scoop=bad)
    assert "a bug about this one scoop" in failed.last_error
    assert failed.failed_at == now
    assert OutgoingActivity.objects.filter(type="Update").count() == 1
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="outlier.federation.dispatch"):
        assert dispatch.sweep(now + timedelta(minutes=1)) == 0
    assert not caplog.messages  # paused, not retried every few seconds

    monkeypatch.undo()
    assert dispatch.sweep(now + dispatch.FAILED_ROW_PAUSE + timedelta(seconds=1)) == 1
    failed.refresh_from_db()
    assert (failed.last_error, failed.failed_at) == ("", None)
    assert OutgoingActivity.objects.filter(type="Update").count() == 2


def test_run_due_goes_on_past_a_failing_row(
    team: Team, inboxes: LocalInboxes, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    broken_topic = _followed(team, "broken", f"{inboxes.base}/inbox")
    topics = [broken_topic, _followed(team, "fine", f"{inboxes.base}/inbox")]
    for topic in topics:
        make_scoop(topic)
    assert dispatch.sweep() == 2
    dispatch._signing_keys({t.pk for t in topics})  # make both keys, then break one
    ActorKey.objects.filter(topic=broken_topic).update(private_key={})

    with caplog.at_level(logging.ERROR, logger="outlier.federation.dispatch"):
        assert dispatch.run_due("w1", 10) == 2
    assert f"The signing key of topic {broken_topic.pk} could not be loaded" in caplog.messages
    broken = Delivery.objects.get(activity__topic=broken_topic)
    assert broken.state == DeliveryState.PENDING  # tried again later, with backoff
    assert "signing key could not be loaded" in broken.last_error
    fine = Delivery.objects.exclude(pk=broken.pk).get()
    assert fine.state == DeliveryState.DELIVERED

    # An error while recording one outcome: the others are recorded, the loop goes on, and
    # the row goes back in line when its lease runs out.
    for topic in topics:
        make_scoop(topic)
    dispatch.sweep()
    ActorKey.objects.filter(topic=broken_topic).delete()  # a fresh key will be made
    real_record = dispatch._record
    failing: list[int] = []

    def record(delivery: Delivery, *args: Any) -> None:
        if not failing:
            failing.append(delivery.pk)
            raise RuntimeError("a bug while recording")
        real_record(delivery, *args)

    monkeypatch.setattr(dispatch, "_record", record)
    later = timezone.now() + timedelta(hours=1)
    assert dispatch.run_due("w1", 10, now=later) == 3
    stuck = Delivery.objects.get(pk=failing[0])
    assert stuck.state == DeliveryState.SENDING
    others = Delivery.objects.exclude(pk=stuck.pk)
    assert set(others.values_list("state", flat=True)) == {DeliveryState.DELIVERED}
    monkeypatch.undo()
    assert dispatch.sweep(later + dispatch.LEASE + timedelta(seconds=1)) == 1
    assert dispatch.run_due("w1", 10, now=later + dispatch.LEASE + timedelta(seconds=2)) == 1
    stuck.refresh_from_db()
    assert stuck.state == DeliveryState.DELIVERED
