"""The delivery engine against a real webhook receiver: sent once, classified failures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from outlier.core.models import Notification
from outlier.publishing import actions, dispatch
from outlier.publishing.models import ChannelStatus, Delivery, DeliveryState, PostStatus
from tests.networks.conftest import Receiver
from tests.publishing.conftest import make_channel

WORKER = "test-worker"


@pytest.fixture
def hook(team, receiver: Receiver):
    return make_channel(team.workspace, settings={"url": receiver.url},
                        credentials={"secret": receiver.secret})  # fmt: skip


def post_now(team, channel, text="Hello from Outlier", user=None):
    member = team.member(user or team.editor)
    post = actions.do_save_post(member, text=text, link="https://example.org/a", channels=[channel])
    post, _ = actions.do_schedule_post(member, post, when="now")
    return post


def run_worker() -> int:
    dispatch.heartbeat(WORKER)
    return dispatch.run_due(WORKER, 50)


def test_a_due_post_is_sent_once_with_the_networks_id(team, hook, receiver):
    post = post_now(team, hook)
    assert run_worker() == 1
    assert run_worker() == 0  # nothing left: a second pass sends nothing
    assert len(receiver.requests) == 1
    body = receiver.requests[0].json()
    assert receiver.requests[0].signature_ok
    delivery = Delivery.objects.get(post=post)
    # The link goes out as the delivery's tracked link, which leads to the link as typed.
    assert body["text"] == "Hello from Outlier"
    assert body["link"] == f"{settings.BASE_URL}/l/{delivery.tracked_link.code}"
    assert delivery.tracked_link.original == "https://example.org/a"
    assert delivery.state == DeliveryState.SENT
    assert body["id"] == delivery.idempotency_key
    assert delivery.remote_id == "rcv-1" and delivery.remote_url == "https://receiver.example/p/1"
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert [e.state for e in delivery.events.all()] == ["scheduled", "sending", "sent"]


def test_a_post_due_later_is_not_sent_early(team, hook, receiver):
    member = team.member(team.editor)
    post = actions.do_save_post(member, text="Later", channels=[hook])
    # Posts are scheduled to the minute.
    later = (timezone.now() + timedelta(hours=2)).replace(second=0, microsecond=0)
    actions.do_schedule_post(member, post, day=later.date(), at=later.time(), tz_name="UTC")
    assert run_worker() == 0
    assert not receiver.requests
    # A clock jump of +2 h makes it due.
    assert dispatch.claim_due(WORKER, now=timezone.now() + timedelta(hours=2, minutes=1))


def test_a_transient_error_retries_with_backoff(team, hook, receiver):
    receiver.answer(503, "busy")
    post = post_now(team, hook)
    run_worker()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.RETRYING
    assert delivery.attempts == 1 and "503" in delivery.error
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 10 < wait <= 31
    assert run_worker() == 0  # not before its time
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    run_worker()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 2
    keys = {r.headers["outlier-id"] for r in receiver.requests}
    assert keys == {delivery.idempotency_key}  # the retry carries the same key


@pytest.mark.parametrize("retry_after", ["120", None])
def test_a_rate_limit_waits_and_is_not_a_failure(team, hook, receiver, retry_after):
    headers = {"Retry-After": retry_after} if retry_after else {}
    receiver.answer(429, "slow down", headers=headers)
    post = post_now(team, hook)
    run_worker()
    delivery = Delivery.objects.get(post=post)
    hook.refresh_from_db()
    assert delivery.state == DeliveryState.SCHEDULED and delivery.attempts == 0
    expected = 120 if retry_after else 60
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert expected - 5 < wait <= expected
    assert hook.status == ChannelStatus.RATE_LIMITED and hook.rate_limited_until is not None
    post.refresh_from_db()
    assert post.status == PostStatus.SCHEDULED
    assert not Notification.objects.exists()


def test_revoked_credentials_fail_the_delivery_and_stop_the_channel(
    team, hook, receiver, django_capture_on_commit_callbacks
):
    receiver.answer(401, "bad signature")
    first = post_now(team, hook)
    second = post_now(team, hook, text="Second")
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    hook.refresh_from_db()
    assert hook.status == ChannelStatus.NEEDS_RECONNECT
    states = {d.post_id: d.state for d in Delivery.objects.all()}
    assert DeliveryState.FAILED in states.values()
    # The channel's queue stops: the other post waits instead of failing too.
    waiting = [pk for pk in (first.pk, second.pk) if states[pk] == DeliveryState.SCHEDULED]
    assert len(waiting) == 1
    assert len(receiver.requests) == 1
    note = Notification.objects.get(user=team.editor)
    assert "failed on Hook" in note.text
    assert mail.outbox and "failed" in mail.outbox[0].subject


def test_a_timeout_after_sending_is_unconfirmed_never_resent(team, hook, receiver, settings):
    hook.settings = {"url": receiver.url, "timeout": 1}
    hook.save()
    receiver.answer(200, "{}", sleep=2.5)
    post = post_now(team, hook)
    run_worker()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.UNCONFIRMED
    assert dispatch.reconcile() == 0  # a webhook cannot be asked: it stays unconfirmed
    assert run_worker() == 0
    assert len(receiver.requests) == 1
    # A person decides: it arrived.
    actions.do_confirm_delivery(team.member(team.editor), delivery)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT


def test_a_worker_that_died_while_sending_leaves_an_unconfirmed_row(team, hook, receiver):
    post = post_now(team, hook)
    claimed = dispatch.claim_due("dead-worker")
    assert claimed and dispatch.begin_sending(claimed[0], "dead-worker")  # then it vanished
    assert dispatch.sweep_abandoned() == 1  # no heartbeat from dead-worker
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.UNCONFIRMED
    assert "stopped while sending" in delivery.error
    assert not receiver.requests


def test_two_workers_never_claim_the_same_delivery(team, hook):
    for n in range(5):
        post_now(team, hook, text=f"Post {n}")
    first = dispatch.claim_due("worker-a", limit=3)
    second = dispatch.claim_due("worker-b", limit=10)
    assert len(first) == 3 and len(second) == 2
    assert not set(first) & set(second)


def test_a_failed_delivery_can_be_retried_from_the_post(team, hook, receiver):
    receiver.answer(400, "bad payload")
    post = post_now(team, hook)
    run_worker()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.FAILED and "400" in delivery.error
    actions.do_retry_delivery(team.member(team.editor), delivery)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_a_cancelled_post_is_not_sent(team, hook, receiver):
    post = post_now(team, hook)
    actions.do_cancel(team.member(team.editor), post)
    assert run_worker() == 0
    assert not receiver.requests


def test_the_engines_hand_written_statements_name_the_models_tables():
    from outlier.publishing import delivery_sql
    from outlier.publishing.models import Channel, DeliveryEvent, Post

    assert (
        tuple(model._meta.db_table for model in (Delivery, DeliveryEvent, Post, Channel))
        == delivery_sql.TABLES
    )
