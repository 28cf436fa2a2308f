"""Unsubscribing: the page's button (GET changes nothing), the one-click POST without CSRF (that
view alone is exempt), a link matching nothing, and subscribing again afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

from django.test import Client

from outlier.digests import tokens
from outlier.digests.models import Subscription, SubscriptionState
from tests.digests.conftest import make_subscription, path_in, run, subscribe, text_of

START = datetime(2025, 5, 5, 12, tzinfo=UTC)


def test_the_page_shows_a_button_and_the_button_unsubscribes(team, topic):
    sub = make_subscription(topic, confirmed_at=START)
    url = f"/digests/unsubscribe/{tokens.unsubscribe_token(sub)}/"
    page = Client().get(url)
    assert page.status_code == 200 and b">Unsubscribe</button>" in page.content
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ACTIVE  # a GET changes nothing
    done = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click",
                                                      "button": "1"})  # fmt: skip
    assert done.status_code == 200 and b"data-unsubscribed" in done.content
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.UNSUBSCRIBED and sub.unsubscribed_at


def test_a_link_matching_nothing_is_a_404_and_changes_nothing(team, topic):
    sub = make_subscription(topic, confirmed_at=START)
    for bad in (f"{sub.pk}.{'0' * 40}", "nothing", f"{sub.pk + 1}.abc"):
        answer = Client().post(f"/digests/unsubscribe/{bad}/", "List-Unsubscribe=One-Click",
                               content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert answer.status_code == 404 and b"matches no subscription" in answer.content
    sub.refresh_from_db()
    assert sub.state == SubscriptionState.ACTIVE


def test_only_the_unsubscribe_view_is_exempt_from_csrf(team, topic, mailbox):
    subscribe(Client())
    run()
    [message] = mailbox.messages()
    link = path_in(text_of(message), "confirm")
    assert Client(enforce_csrf_checks=True).post(link).status_code == 403
    assert Subscription.objects.get().state == SubscriptionState.PENDING


def test_an_unsubscribed_address_may_subscribe_again_with_a_new_confirmation(team, topic, mailbox):
    sub = make_subscription(topic, confirmed_at=START)
    Client().post(f"/digests/unsubscribe/{tokens.unsubscribe_token(sub)}/", {"button": "1"})
    assert subscribe(Client(), email=sub.email).status_code == 200
    run()
    [message] = mailbox.messages(sub.email)
    assert Subscription.objects.get().state == SubscriptionState.UNSUBSCRIBED  # until confirmed
    assert Client().post(path_in(text_of(message), "confirm")).status_code == 200
    assert Subscription.objects.get().state == SubscriptionState.ACTIVE
