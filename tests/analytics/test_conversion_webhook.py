"""Signed incoming webhooks from shops and CRMs: HMAC-SHA256 over the timestamp and the raw
body with the workspace's secret (kept encrypted), a 5-minute window, each event id once.
Every refusal is a 4xx that says why, and stores nothing."""

from __future__ import annotations

import json
import time

import pytest
from django.db import connection
from django.test import Client

from outlier.analytics import actions
from outlier.analytics.models import Conversion, WebhookEvent
from outlier.networks.webhook import sign
from tests.analytics.factories import make_click, make_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def hook(team):
    secret = actions.do_rotate_webhook_secret(team.member(team.owner))
    key = actions.settings_for(team.workspace).public_key
    return key, secret


def send(key: str, secret: str, body: dict | bytes, stamp: int | None = None,
         signature: str | None = None):  # fmt: skip
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    stamp = int(time.time()) if stamp is None else stamp
    return Client().post(
        f"/c/{key}/webhook", raw, content_type="application/json",
        HTTP_OUTLIER_TIMESTAMP=str(stamp),
        HTTP_OUTLIER_SIGNATURE=signature if signature is not None else sign(secret, stamp, raw),
    )  # fmt: skip


def event(click, **overrides):
    body = {"event_id": "evt_1", "kind": "sale", "amount": "120.00", "currency": "EUR",
            "external_id": "shop-order-77", "click_id": click.click_id}  # fmt: skip
    body.update(overrides)
    return body


def test_a_signed_event_records_a_conversion(team, hook):
    key, secret = hook
    click = make_click(make_link(team.workspace))
    response = send(key, secret, event(click))
    assert response.status_code == 201, response.content
    conversion = Conversion.objects.get()
    assert conversion.source == "webhook" and conversion.attributed_click == click
    assert WebhookEvent.objects.get().conversion == conversion


def test_a_wrong_signature_is_refused(team, hook):
    key, _ = hook
    click = make_click(make_link(team.workspace))
    response = send(key, "whsec_not-the-secret", event(click))
    assert response.status_code == 401
    assert "signature does not match" in response.json()["detail"]
    assert not Conversion.objects.exists() and not WebhookEvent.objects.exists()


def test_a_body_changed_after_signing_is_refused(team, hook):
    key, secret = hook
    click = make_click(make_link(team.workspace))
    stamp = int(time.time())
    signed = json.dumps(event(click)).encode()
    tampered = json.dumps(event(click, amount="1200.00")).encode()
    response = send(key, secret, tampered, stamp, signature=sign(secret, stamp, signed))
    assert response.status_code == 401
    assert not Conversion.objects.exists()


def test_an_old_timestamp_is_refused_even_when_signed(team, hook):
    key, secret = hook
    click = make_click(make_link(team.workspace))
    response = send(key, secret, event(click), stamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert "more than 5 minutes" in response.json()["detail"]
    assert not Conversion.objects.exists()
    assert send(key, secret, event(click), stamp=int(time.time()) - 240).status_code == 201


def test_a_missing_timestamp_is_refused(team, hook):
    key, secret = hook
    click = make_click(make_link(team.workspace))
    raw = json.dumps(event(click)).encode()
    response = Client().post(f"/c/{key}/webhook", raw, content_type="application/json",
                             HTTP_OUTLIER_SIGNATURE=sign(secret, 0, raw))  # fmt: skip
    assert response.status_code == 400 and "Outlier-Timestamp" in response.json()["detail"]


def test_a_replayed_event_id_changes_nothing_and_gets_the_first_answer(team, hook):
    # A shop retries when it missed the answer, so a repeated event is not an error; and a
    # replayed request, even with a new body signed again, records nothing new.
    key, secret = hook
    click = make_click(make_link(team.workspace))
    first = send(key, secret, event(click))
    assert first.status_code == 201
    again = send(key, secret, event(click, external_id="another-order", amount="9999"))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == first.json()["id"] and again.json()["amount"] == "120.00"
    assert Conversion.objects.count() == 1 and WebhookEvent.objects.count() == 1


def test_a_timestamp_of_other_digits_is_refused_not_a_crash(team, hook):
    key, secret = hook
    click = make_click(make_link(team.workspace))
    raw = json.dumps(event(click)).encode()
    response = Client().post(f"/c/{key}/webhook", raw, content_type="application/json",
                             HTTP_OUTLIER_TIMESTAMP="\u00b2\u0663",
                             HTTP_OUTLIER_SIGNATURE=sign(secret, 0, raw))  # fmt: skip
    assert response.status_code == 400 and "Outlier-Timestamp" in response.json()["detail"]
    assert not Conversion.objects.exists()


def test_the_same_order_under_a_new_event_id_records_one_conversion(team, hook):
    key, secret = hook
    click = make_click(make_link(team.workspace))
    assert send(key, secret, event(click)).status_code == 201
    retry = send(key, secret, event(click, event_id="evt_2"))
    assert retry.status_code == 200 and retry.json()["duplicate"] is True
    assert Conversion.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": "-10"}, "The amount cannot be negative."),
        ({"amount": "12 EUR"}, "The amount must be a number"),
        ({"amount": True}, "The amount must be a number"),
        ({"currency": "BTC"}, "Unknown currency"),
        ({"click_id": "clk-missing"}, "No click has the id"),
        ({"event_id": None}, "event_id"),
    ],
)
def test_an_invalid_event_is_refused_and_its_id_not_kept(team, hook, change, message):
    key, secret = hook
    click = make_click(make_link(team.workspace))
    response = send(key, secret, event(click, **change))
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Conversion.objects.exists() and not WebhookEvent.objects.exists()
    # The shop fixes it and sends the same event again: accepted.
    assert send(key, secret, event(click)).status_code == 201


def test_not_json_is_refused(team, hook):
    key, secret = hook
    response = send(key, secret, b"order=77&amount=10")
    assert response.status_code == 400 and "JSON object" in response.json()["detail"]


def test_without_a_secret_webhooks_are_off(team):
    key = actions.settings_for(team.workspace).public_key
    click = make_click(make_link(team.workspace))
    response = send(key, "whatever", event(click))
    assert response.status_code == 404
    assert not Conversion.objects.exists()


def test_the_secret_is_encrypted_at_rest_and_a_new_one_replaces_it(team, hook):
    key, secret = hook
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_secret FROM analytics_analyticssettings")
        [(stored,)] = cursor.fetchall()
    assert secret not in stored and "whsec_" not in stored
    fresh = actions.do_rotate_webhook_secret(team.member(team.owner))
    click = make_click(make_link(team.workspace))
    assert send(key, secret, event(click)).status_code == 401  # the old one stops working
    assert send(key, fresh, event(click)).status_code == 201


def test_only_owners_make_secrets(team):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.do_rotate_webhook_secret(team.member(team.editor))


def test_event_ids_are_forgotten_after_a_day(team, hook):
    from datetime import timedelta

    from django.utils import timezone

    key, secret = hook
    click = make_click(make_link(team.workspace))
    send(key, secret, event(click))
    assert actions.prune_webhook_events() == 0
    assert actions.prune_webhook_events(timezone.now() + timedelta(days=2)) == 1
