"""An e-mail channel's list through the delivery engine: a round that stops half-way is retried
for the rest only, and what each subscriber receives (a real SMTP server, aiosmtpd)."""

from __future__ import annotations

import email
import email.policy

import lxml.html
from django.utils import timezone

from outlier.networks.email import adapter as email_adapter
from outlier.publishing import actions, dispatch
from outlier.publishing.models import Channel, Delivery, DeliveryState, PostStatus
from tests.networks import conftest as peers
from tests.networks.conftest import MailServer

smtp_server = peers.smtp_server

WORKER = "mail-list-worker"
READERS = [f"reader{n}@example.org" for n in range(1, 11)]


def run_worker() -> int:
    dispatch.heartbeat(WORKER)
    return dispatch.run_due(WORKER, 50)


def post_now(team, channel: Channel):
    member = team.member(team.editor)
    post = actions.do_save_post(member, title="Rivers", text="Rivers are rising.",
                                channels=[channel])  # fmt: skip
    post, _ = actions.do_schedule_post(member, post, when="now")
    return post


def test_a_failure_at_recipient_5_of_10_is_retried_for_5_to_10_only(team, smtp_server: MailServer):
    config = smtp_server.config(recipients=READERS,
                                unsubscribe_url="https://planet.example/unsubscribe")  # fmt: skip
    channel = actions.do_create_channel(team.member(team.editor), "email", "Newsletter", config,
                                        {})  # fmt: skip
    post = post_now(team, channel)
    smtp_server.handler.hang_up_at_mail = True
    smtp_server.handler.misbehave_after = 4

    run_worker()

    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.RETRYING and delivery.error_kind == "transient"
    assert "Sent to 4 of 10 recipients" in delivery.error
    channel.refresh_from_db()
    [kept] = channel.credentials[email_adapter.SENT_TO].values()
    assert len(kept["to"]) == 4
    assert [m.rcpt_tos for m in smtp_server.handler.messages] == [[a] for a in READERS[:4]]

    smtp_server.handler.hang_up_at_mail = False
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    run_worker()

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.attempts == 2
    assert [m.rcpt_tos for m in smtp_server.handler.messages] == [[a] for a in READERS]
    for delivered in smtp_server.handler.messages:
        message = email.message_from_bytes(delivered.content, policy=email.policy.default)
        assert message["To"] == delivered.rcpt_tos[0]
        assert message["Message-ID"] == f"<{delivery.idempotency_key}@outlier>"
        assert message["List-Unsubscribe"] == "<https://planet.example/unsubscribe>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    said = " ".join(e.message for e in delivery.events.all())
    assert "4 of them in an earlier attempt" in said
    channel.refresh_from_db()
    assert channel.credentials[email_adapter.SENT_TO] == {}  # done: nothing kept
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert run_worker() == 0


def test_the_unsubscribe_link_is_a_channel_setting(team):
    client = team.client(team.editor)
    form = lxml.html.fromstring(client.get("/app/acme/channels/new/?network=email").content)
    assert form.xpath('//input[@name="unsubscribe_url"]/@type') == ["url"]
    values = {"network": "email", "name": "News", "recipients": "a@acme.test",
              "timezone": "UTC", "queue_times": ""}  # fmt: skip

    refused = client.post("/app/acme/channels/new/",
                          {**values, "unsubscribe_url": "javascript:alert(1)"})  # fmt: skip
    assert "is not an unsubscribe link" in lxml.html.fromstring(refused.content).text_content()
    assert not Channel.objects.exists()

    client.post("/app/acme/channels/new/",
                {**values, "unsubscribe_url": "https://acme.test/unsubscribe"})  # fmt: skip
    channel = Channel.objects.get()
    assert channel.settings["unsubscribe_url"] == "https://acme.test/unsubscribe"
