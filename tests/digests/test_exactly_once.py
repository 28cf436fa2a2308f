"""Sent exactly once per subscriber: running the job twice or two workers at once sends one
message; a worker that dies between "sending" and the outcome leaves it unconfirmed, never
resent; a deferral (4xx) is retried later; refusals for good (5xx) mark the subscriber
bouncing after BOUNCE_LIMIT."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from outlier.digests import sending
from outlier.digests.models import DigestSend, SendState, Subscription, SubscriptionState
from tests.conftest import make_scoop
from tests.digests.conftest import make_subscription, text_of

START = datetime(2025, 5, 5, 12, tzinfo=UTC)
DAY1 = datetime(2025, 5, 6, 7, tzinfo=UTC)  # 08:00 in Lisbon


@pytest.fixture
def due(team, topic):
    sub = make_subscription(topic, confirmed_at=START)
    make_scoop(topic, title="News", published_at=START + timedelta(hours=1))
    return sub


def test_running_the_job_twice_sends_one_message(due, mailbox):
    sending.run_due("w1", now=DAY1)
    sending.run_due("w1", now=DAY1 + timedelta(seconds=1))
    sending.run_due("w2", now=DAY1 + timedelta(minutes=5))
    assert len(mailbox.messages()) == 1
    assert DigestSend.objects.get().state == SendState.SENT


def test_a_second_worker_skips_what_the_first_leased(due, mailbox):
    assert sending._claim_subscriptions("w1", 10, DAY1) == [due.pk]
    assert sending.run_due("w2", now=DAY1) == 0  # leased to w1: nothing for w2
    assert not mailbox.messages()
    sending.plan(due.pk, "w1", DAY1)
    [send_id] = sending._claim_sends("w1", 10, DAY1)
    assert sending.run_due("w2", now=DAY1) == 0
    assert sending.send(send_id, "w2", DAY1) == "not leased"
    assert sending.send(send_id, "w1", DAY1) == SendState.SENT
    assert len(mailbox.messages()) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_subscriber_one_message(team, topic, mailbox):
    for n in range(12):
        make_subscription(topic, f"reader{n}@example.org", confirmed_at=START)
    make_scoop(topic, published_at=START + timedelta(hours=1))
    start = threading.Barrier(2)

    def work(worker: str) -> None:
        try:
            start.wait()
            for _ in range(4):
                sending.run_due(worker, limit=3, now=DAY1)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    received = sorted(m["To"] for m in mailbox.messages())
    assert received == sorted(f"reader{n}@example.org" for n in range(12))
    assert DigestSend.objects.filter(state=SendState.SENT).count() == 12


class WorkerDied(BaseException):
    """What a killed worker looks like from inside: nothing after it runs."""


def test_a_worker_dying_while_sending_leaves_it_unconfirmed_and_not_resent(due, mailbox,
                                                                            monkeypatch):  # fmt: skip
    class Dying:
        def send_messages(self, messages):
            raise WorkerDied

    monkeypatch.setattr(sending, "_connection", lambda: Dying())
    with pytest.raises(WorkerDied):
        sending.run_due("w1", now=DAY1)
    monkeypatch.undo()
    send = DigestSend.objects.get()
    assert send.state == SendState.SENDING  # recorded before the call
    sending.run_due("w2", now=DAY1 + timedelta(minutes=2))
    assert sending.sweep(now=DAY1 + timedelta(minutes=1), force=True) == 0  # not stale yet
    assert sending.sweep(now=DAY1 + timedelta(minutes=6), force=True) == 1
    send.refresh_from_db()
    assert send.state == SendState.UNCONFIRMED and "not sent again" in send.error
    sending.run_due("w2", now=DAY1 + timedelta(minutes=7))
    assert not mailbox.messages()  # never resent blindly
    make_scoop(due.topic, title="Later news", published_at=DAY1 + timedelta(hours=1))
    sending.run_due("w2", now=DAY1 + timedelta(days=1))
    [message] = mailbox.messages()
    assert "1. Later news" in text_of(message) and "1. News" not in text_of(message)


def test_a_timeout_after_the_message_was_sent_is_unconfirmed(due, mailbox, monkeypatch):
    monkeypatch.setattr(sending, "TIMEOUT", 1.0)
    mailbox.server.handler.hang_after_data = 3.0
    sending.run_due("w1", now=DAY1)
    send = DigestSend.objects.get()
    assert send.state == SendState.UNCONFIRMED and "may have been delivered" in send.error
    mailbox.server.handler.hang_after_data = 0.0
    sending.run_due("w1", now=DAY1 + timedelta(hours=2))
    assert DigestSend.objects.get().attempts == 1 and not mailbox.messages()


def test_a_deferral_is_retried_later(due, mailbox):
    mailbox.server.handler.refuse = {due.email: "451 4.2.0 Mailbox busy, try later"}
    sending.run_due("w1", now=DAY1)
    send = DigestSend.objects.get()
    assert send.state == SendState.RETRYING and "451 4.2.0 Mailbox busy" in send.error
    assert send.next_at == DAY1 + timedelta(seconds=sending.BACKOFF_BASE_SECONDS)
    mailbox.server.handler.refuse = {}
    sending.run_due("w1", now=DAY1 + timedelta(seconds=60))
    assert not mailbox.messages()  # not before its time
    sending.run_due("w1", now=send.next_at)
    [message] = mailbox.messages()
    send.refresh_from_db()
    assert send.state == SendState.SENT and send.attempts == 2
    assert message["Message-ID"] == f"<{send.idempotency_key}@outlier>"


def test_refusals_for_good_mark_the_subscriber_bouncing(due, mailbox):
    mailbox.server.handler.refuse = {due.email: "550 5.1.1 No such user"}
    now = DAY1
    for day in range(sending.BOUNCE_LIMIT):
        make_scoop(due.topic, published_at=now - timedelta(hours=1))
        sending.run_due("w1", now=now)
        due.refresh_from_db()
        assert due.bounces == day + 1
        now = due.next_at or now
    assert due.state == SubscriptionState.BOUNCING and due.next_at is None
    failed = DigestSend.objects.filter(state=SendState.FAILED)
    assert failed.count() == sending.BOUNCE_LIMIT
    assert "550 5.1.1 No such user" in failed.first().error
    make_scoop(due.topic, published_at=now)
    sending.run_due("w1", now=now + timedelta(days=1))
    assert DigestSend.objects.count() == sending.BOUNCE_LIMIT and not mailbox.messages()
    assert Subscription.objects.get().state == SubscriptionState.BOUNCING
