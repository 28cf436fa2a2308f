"""Double opt-in: GET shows a button and confirms nothing, POST confirms once; forged, expired
and used links get a clear 4xx page; subscriptions never confirmed are purged by the worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outlier.digests import sending, tokens
from outlier.digests.models import Subscription, SubscriptionState
from tests.digests.conftest import path_in, run, subscribe, text_of


@pytest.fixture
def link(team, topic, mailbox) -> str:
    assert subscribe(Client()).status_code == 200
    run()
    [message] = mailbox.messages()
    return path_in(text_of(message), "confirm")


def test_get_shows_a_button_and_post_confirms_once(link):
    client = Client()
    for _ in range(2):
        page = client.get(link)
        assert (
            page.status_code == 200 and b"<button>Confirm the subscription</button>" in page.content
        )
    assert Subscription.objects.get().state == SubscriptionState.PENDING
    assert client.post(link).status_code == 200
    row = Subscription.objects.get()
    assert row.state == SubscriptionState.ACTIVE and row.confirmed_at and not row.confirm_hash
    used = client.post(link)
    assert used.status_code == 410 and b"used already" in used.content
    assert client.get(link).status_code == 410


def test_a_forged_link_is_refused(link):
    forged = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    for client_call in (Client().get, Client().post):
        answer = client_call(forged)
        assert answer.status_code == 404 and b"not a valid confirmation link" in answer.content
    made_up, _ = tokens.new_confirmation(Subscription.objects.get().pk)  # right form, other token
    assert Client().post(f"/digests/confirm/{made_up}/").status_code == 410
    assert Subscription.objects.get().state == SubscriptionState.PENDING


def test_an_expired_link_is_refused(link, monkeypatch):
    later = timezone.now() + timedelta(days=tokens.CONFIRM_DAYS, minutes=1)
    monkeypatch.setattr("time.time", lambda: later.timestamp())
    answer = Client().post(link)
    assert answer.status_code == 410 and b"has expired" in answer.content
    assert Subscription.objects.get().state == SubscriptionState.PENDING


def test_asking_again_replaces_the_link(link, mailbox):
    mailbox.clear()
    assert subscribe(Client(), ip="192.0.2.8").status_code == 200
    run()
    [message] = mailbox.messages()
    newer = path_in(text_of(message), "confirm")
    assert Client().post(link).status_code == 410  # the older link no longer works
    assert Client().post(newer).status_code == 200


def test_unconfirmed_subscriptions_are_purged_after_their_link_expires(link, topic):
    assert sending.sweep(force=True) == 0
    assert Subscription.objects.count() == 1
    later = timezone.now() + timedelta(days=tokens.CONFIRM_DAYS, hours=1)
    assert sending.sweep(now=later, force=True) == 1
    assert not Subscription.objects.exists()
