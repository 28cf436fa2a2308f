"""Subscribing on the public page: the same answer for a new and a known address, clear 400s
for a bad address or zone, the honeypot, and the rate limits per address and per client."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.test import Client

from outlier.digests.models import Subscription, SubscriptionState
from tests.conftest import make_topic
from tests.digests.conftest import confirmed, run, subscribe


def test_the_answer_is_the_same_for_a_new_and_a_known_address(team, topic, mailbox):
    client = Client()
    new = subscribe(client, email="new@example.org")
    confirmed(client, mailbox, "known@example.org")
    known = subscribe(client, email="known@example.org")
    assert new.status_code == known.status_code == 200
    assert new.content == known.content  # no token in the answer: the same page
    run()
    # The new address's confirmation went earlier; an active one gets nothing and stays as it is.
    assert not mailbox.messages("known@example.org")
    assert Subscription.objects.get(email="known@example.org").state == SubscriptionState.ACTIVE


def test_a_bad_address_is_a_400_with_the_reason_and_nothing_stored(team, topic, mailbox):
    answer = subscribe(Client(), email="not-an-address")
    assert answer.status_code == 400
    assert b"Enter a valid e-mail address" in answer.content
    assert not Subscription.objects.exists()


def test_an_unknown_time_zone_is_a_400_with_the_reason_and_nothing_stored(team, topic, mailbox):
    answer = subscribe(Client(), time_zone="Mars/Olympus_Mons")
    assert answer.status_code == 400
    assert "Unknown time zone “Mars/Olympus_Mons”".encode() in answer.content
    assert not Subscription.objects.exists()
    assert subscribe(Client(), hour="25").status_code == 400


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(team, topic, mailbox):
    answer = subscribe(Client(), website="https://spam.example")
    assert answer.status_code == 200 and b"Check your inbox" in answer.content
    run()
    assert not Subscription.objects.exists() and not mailbox.messages()


def test_a_flood_from_one_client_stops_while_another_still_subscribes(team, topic, mailbox):
    client = Client()
    answers = [subscribe(client, email=f"victim{n}@example.org", ip="203.0.113.9").status_code
               for n in range(12)]  # fmt: skip
    assert answers[:10] == [200] * 10 and answers[10:] == [429, 429]
    assert b"Too many subscription requests" in subscribe(client, ip="203.0.113.9").content
    assert Subscription.objects.count() == 10
    assert subscribe(Client(), email="other@example.org", ip="192.0.2.44").status_code == 200
    assert Subscription.objects.filter(email="other@example.org").exists()


def test_one_address_asked_for_again_and_again_is_stopped(team, topic, mailbox):
    codes = [subscribe(Client(), email="target@example.org", ip=f"192.0.2.{n}").status_code
             for n in range(1, 6)]  # fmt: skip
    assert codes == [200, 200, 200, 429, 429]
    run()
    assert len(mailbox.messages("target@example.org")) == 1  # one confirmation, the newest


def test_a_private_or_unknown_topic_cannot_be_subscribed_to(team, mailbox):
    make_topic(team.workspace, slug="secret", name="Secret", is_public=False)
    assert subscribe(Client(), slug="secret").status_code == 404
    assert subscribe(Client(), slug="nowhere").status_code == 404
    assert not Subscription.objects.exists()


def test_the_form_posts_only_with_a_csrf_token(team, topic, mailbox):
    refused = subscribe(Client(enforce_csrf_checks=True))
    assert refused.status_code == 403 and not Subscription.objects.exists()


def test_weekly_at_an_hour_is_kept(team, topic, mailbox):
    row = confirmed(Client(), mailbox, frequency="weekly", weekday="4", hour="18",
                    time_zone="Asia/Tokyo")  # fmt: skip
    assert (row.frequency, row.weekday, row.hour, row.time_zone) == ("weekly", 4, 18, "Asia/Tokyo")
    assert row.schedule_label == "weekly on Friday at 18:00 Asia/Tokyo"
    local = row.next_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert (local.weekday(), local.hour) == (4, 18)
