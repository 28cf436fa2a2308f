"""Scheduling: at a time in a zone, in the queue, repeating; approval and missed posts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from outlier.core.models import Notification
from outlier.publishing import actions, dispatch
from outlier.publishing.models import Channel, Delivery, DeliveryState, PostStatus


def compose(team, channel, user=None, **kw):
    member = team.member(user or team.editor)
    return actions.do_save_post(member, text=kw.pop("text", "Hello"), channels=[channel], **kw)


def test_an_editor_schedules_at_a_wall_time_in_a_zone(team, channel):
    post = compose(team, channel)
    post, note = actions.do_schedule_post(
        team.member(team.editor),
        post,
        day=date(2030, 3, 31),
        at=time(2, 30),
        tz_name="Europe/Paris",
    )
    assert post.status == PostStatus.SCHEDULED
    assert post.scheduled_at == datetime(2030, 3, 31, 1, 0, tzinfo=UTC)
    assert "moved to 03:00" in note
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.SCHEDULED and delivery.due_at == post.scheduled_at
    assert delivery.events.count() == 1


def test_a_time_in_the_past_is_refused_and_nothing_changes(team, channel):
    post = compose(team, channel)
    with pytest.raises(ValidationError, match="passed"):
        actions.do_schedule_post(
            team.member(team.editor), post, day=date(2020, 1, 1), at=time(9, 0)
        )
    post.refresh_from_db()
    assert post.status == PostStatus.DRAFT and not Delivery.objects.exists()


def test_a_post_without_channels_or_text_is_refused(team, channel):
    member = team.member(team.editor)
    empty = actions.do_save_post(member, text="", channels=[channel])
    with pytest.raises(ValidationError):
        actions.do_schedule_post(member, empty, when="now")
    lonely = actions.do_save_post(member, text="Hi", channels=[])
    with pytest.raises(ValidationError, match="at least one channel"):
        actions.do_schedule_post(member, lonely, when="now")


def test_add_to_queue_takes_the_next_free_slot(team, channel):
    member = team.member(team.editor)
    first, _ = actions.do_schedule_post(member, compose(team, channel), when="queue")
    second, _ = actions.do_schedule_post(member, compose(team, channel), when="queue")
    assert first.scheduled_at < second.scheduled_at
    for post in (first, second):
        local = post.scheduled_at.astimezone(ZoneInfo("Europe/Paris"))
        assert local.strftime("%H:%M") in {"09:00", "13:00"} and local.weekday() < 5


def test_a_queue_without_posting_times_is_a_clear_error(team):
    from tests.publishing.conftest import make_channel

    bare = make_channel(team.workspace, name="Bare", queue_times=[])
    with pytest.raises(ValidationError, match="no posting times"):
        actions.do_schedule_post(team.member(team.editor), compose(team, bare), when="queue")


def test_a_daily_repeat_creates_one_delivery_per_day(team, channel):
    post = compose(team, channel)
    start = timezone.now().date() + timedelta(days=2)
    post, _ = actions.do_schedule_post(
        team.member(team.editor), post, day=start, at=time(9, 0), tz_name="Europe/Paris",
        repeat_every=1, repeat_unit="day",
        repeat_until=datetime.combine(start + timedelta(days=4), time(23, 0), tzinfo=UTC),
    )  # fmt: skip
    assert Delivery.objects.filter(post=post).count() == 5


def test_contributor_posts_wait_for_approval(team, channel):
    post = compose(team, channel, user=team.contributor)
    member = team.member(team.contributor)
    post, _ = actions.do_schedule_post(member, post, day=date(2030, 1, 2), at=time(9, 0))
    assert post.status == PostStatus.AWAITING_APPROVAL
    assert not Delivery.objects.exists()
    assert Notification.objects.filter(user=team.editor).exists()
    with pytest.raises(PermissionDenied):
        actions.do_approve(member, post)
    with pytest.raises(ValidationError, match="Say what should change"):
        actions.do_reject(team.member(team.editor), post, "  ")
    post = actions.do_approve(team.member(team.editor), post)
    assert post.status == PostStatus.SCHEDULED
    assert Delivery.objects.filter(post=post).count() == 1
    assert Notification.objects.filter(user=team.contributor, text__contains="approved").exists()


def test_a_rejected_post_returns_with_the_comment(team, channel):
    post = compose(team, channel, user=team.contributor)
    actions.do_schedule_post(
        team.member(team.contributor), post, day=date(2030, 1, 2), at=time(9, 0)
    )
    post = actions.do_reject(team.member(team.owner), post, "Shorter, please")
    assert post.status == PostStatus.REJECTED and post.review_comment == "Shorter, please"
    assert Notification.objects.filter(user=team.contributor, text__contains="Shorter").exists()


def test_a_post_whose_time_passes_while_waiting_is_missed_not_sent_late(team, channel):
    post = compose(team, channel, user=team.contributor)
    actions.do_schedule_post(
        team.member(team.contributor), post, day=date(2030, 1, 2), at=time(9, 0)
    )
    later = datetime(2030, 1, 2, 9, 5, tzinfo=UTC)
    assert dispatch.sweep_missed(now=later) == 1
    post.refresh_from_db()
    assert post.status == PostStatus.MISSED
    assert not Delivery.objects.exists()


def test_a_contributor_cannot_change_someone_elses_post(team, channel):
    post = compose(team, channel)
    with pytest.raises(PermissionDenied):
        actions.do_save_post(team.member(team.contributor), post, text="mine", channels=[channel])
    with pytest.raises(PermissionDenied):
        actions.do_save_post(team.member(team.viewer), text="x", channels=[channel])


def test_a_channel_from_another_workspace_is_refused(team, channel):
    from tests.publishing.conftest import make_channel

    foreign = make_channel(team.other_workspace, name="Theirs")
    with pytest.raises(PermissionDenied):
        compose(team, foreign)
    assert Channel.objects.count() == 2


def test_reschedule_moves_pending_deliveries(team, channel):
    member = team.member(team.editor)
    post, _ = actions.do_schedule_post(member, compose(team, channel), day=date(2030, 1, 2), at=time(9, 0),
                                       tz_name="Europe/Paris")  # fmt: skip
    post, _ = actions.do_reschedule(member, post, date(2030, 1, 5), time(9, 0))
    states = sorted(Delivery.objects.filter(post=post).values_list("state", flat=True))
    assert states == [DeliveryState.CANCELLED, DeliveryState.SCHEDULED]
    assert post.scheduled_at == datetime(2030, 1, 5, 8, 0, tzinfo=UTC)
