"""An e-mail channel delivering through the dispatcher to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from django.conf import settings

from outlier.core.models import Notification
from outlier.publishing import actions, dispatch
from outlier.publishing.models import Channel, ChannelStatus, Delivery, DeliveryState, PostStatus
from tests.networks import conftest as peers
from tests.networks.conftest import SMTP_PASSWORD, MailServer

# The SMTP servers of tests/networks/conftest.py (loopback_allowed comes with this package's).
smtp_server = peers.smtp_server
smtp_auth_server = peers.smtp_auth_server

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

WORKER = "mail-test-worker"
SECRET_KEYS = ("username", "password")


def run_worker() -> int:
    dispatch.heartbeat(WORKER)
    return dispatch.run_due(WORKER, 50)


def mail_channel(team, server: MailServer, **overrides) -> Channel:
    """An e-mail channel as an editor connects it: its own SMTP server, the login kept secret."""
    config = server.config(**overrides)
    credentials = {k: config.pop(k) for k in SECRET_KEYS if k in config}
    return actions.do_create_channel(team.member(team.editor), "email", "Newsletter", config,
                                     credentials, "Europe/Paris")  # fmt: skip


def post_now(team, channel: Channel, title: str = "Rivers are rising"):
    member = team.member(team.editor)
    post = actions.do_save_post(
        member, title=title, text="Rivers are rising faster than ever.\n\nTwelve gauges.",
        link="https://planet.example/rivers", channels=[channel],
    )  # fmt: skip
    post, _ = actions.do_schedule_post(member, post, when="now")
    return post


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_a_post_scheduled_now_arrives_exactly_once(team, smtp_auth_server: MailServer):
    channel = mail_channel(team, smtp_auth_server, subject_prefix="[Planet]")
    assert channel.credentials["password"] == SMTP_PASSWORD
    assert "password" not in channel.settings
    post = post_now(team, channel)

    assert run_worker() == 1
    assert run_worker() == 0  # a second pass sends nothing
    to_alice, to_bob = smtp_auth_server.handler.messages  # one copy each, to them alone
    assert (to_alice.rcpt_tos, to_bob.rcpt_tos) == (["alice@example.org"], ["bob@example.org"])
    assert parse(to_bob.content)["To"] == "bob@example.org"
    message = parse(to_alice.content)
    assert message["To"] == "alice@example.org"
    delivery = Delivery.objects.get(post=post)
    assert message["Subject"] == "[Planet] Rivers are rising"
    assert message["Message-ID"] == f"<{delivery.idempotency_key}@outlier>"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert plain is not None and html is not None
    assert "Rivers are rising faster than ever." in plain.get_content()
    # The link goes out as the delivery's tracked link (utm_medium=email), not as it was typed.
    link = f"{settings.BASE_URL}/l/{delivery.tracked_link.code}"
    assert delivery.tracked_link.original == "https://planet.example/rivers"
    assert delivery.tracked_link.utm["utm_medium"] == "email"
    assert link in plain.get_content()
    assert f'<a href="{link}">Rivers are rising</a>' in html.get_content()

    assert delivery.state == DeliveryState.SENT and delivery.attempts == 1
    assert delivery.remote_id == f"<{delivery.idempotency_key}@outlier>"
    assert [e.state for e in delivery.events.all()] == ["scheduled", "sending", "sent"]
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED


def test_a_wrong_password_fails_the_delivery_and_the_channel_needs_reconnecting(
    team, smtp_auth_server: MailServer
):
    channel = mail_channel(team, smtp_auth_server, password="not the password")
    first = post_now(team, channel)
    second = post_now(team, channel, title="Second")

    run_worker()
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "535" in channel.status_detail and "not the password" not in channel.status_detail
    states = {d.post_id: d for d in Delivery.objects.all()}
    failed = [d for d in states.values() if d.state == DeliveryState.FAILED]
    assert len(failed) == 1
    assert failed[0].error_kind == "auth"
    assert "refused the user name or password" in failed[0].error and "535" in failed[0].error
    # The channel's queue stops: the other post waits for the reconnection instead of failing.
    waiting = [pk for pk in (first.pk, second.pk) if states[pk].state == DeliveryState.SCHEDULED]
    assert len(waiting) == 1
    assert smtp_auth_server.handler.messages == []
    assert Notification.objects.filter(user=team.editor, text__contains="failed on").exists()

    # New credentials reconnect it; the waiting post then goes out.
    actions.do_update_channel(team.member(team.editor), channel,
                              credentials={"password": SMTP_PASSWORD})  # fmt: skip
    run_worker()
    assert Delivery.objects.get(post_id=waiting[0]).state == DeliveryState.SENT
    assert len(smtp_auth_server.handler.messages) == 2  # alice's copy and bob's


def test_a_refused_recipient_fails_the_delivery_with_the_address_in_the_reason(
    team, smtp_server: MailServer
):
    smtp_server.handler.refuse = {"alice@example.org": "550 5.1.1 No such user"}
    channel = mail_channel(team, smtp_server, recipients=["alice@example.org"])
    post = post_now(team, channel)

    run_worker()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.FAILED and delivery.error_kind == "permanent"
    assert "alice@example.org (550 5.1.1 No such user)" in delivery.error
    assert run_worker() == 0  # a permanent failure is not retried by itself
    post.refresh_from_db()
    channel.refresh_from_db()
    assert post.status == PostStatus.FAILED
    assert channel.status == ChannelStatus.OK  # the address is wrong, not the channel
    assert smtp_server.handler.messages == []


def test_a_recipient_refused_among_others_is_named_on_the_delivery(team, smtp_server: MailServer):
    smtp_server.handler.refuse = {"bob@example.org": "550 5.1.1 No such user"}
    post = post_now(team, mail_channel(team, smtp_server))
    run_worker()
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.SENT
    [to_alice] = smtp_server.handler.messages
    assert to_alice.rcpt_tos == ["alice@example.org"]
    said = " ".join([delivery.error, *(e.message for e in delivery.events.all())])
    assert "bob@example.org" in said
