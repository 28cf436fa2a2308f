"""What each subscriber of an e-mail channel receives, against a real SMTP server (aiosmtpd).

One copy per recipient, addressed to them alone, with a way to unsubscribe; a round that stops
half-way is completed by sending again, without a second copy to those who had it.
"""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from typing import Any

import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.email import EmailAdapter
from outlier.networks.email import adapter as email_adapter

from .conftest import Delivered, MailServer

KEY = "dlv-list-7"
CONTENT = Content(text="Rivers are rising.", link="https://planet.example/r", title="Rivers")
SUBSCRIBERS = [f"reader{n}@example.org" for n in range(1, 11)]


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def received_by(server: MailServer) -> dict[str, list[Delivered]]:
    """Each envelope recipient's messages."""
    found: dict[str, list[Delivered]] = {}
    for delivered in server.handler.messages:
        for address in delivered.rcpt_tos:
            found.setdefault(address, []).append(delivered)
    return found


def publish_error(adapter: EmailAdapter) -> PublishError:
    with pytest.raises(PublishError) as caught:
        adapter.publish(CONTENT, KEY)
    return caught.value


def again(config: dict[str, Any], adapter: EmailAdapter) -> EmailAdapter:
    """The adapter the next attempt gets: the config with what the last one saved."""
    return EmailAdapter({**config, **adapter.config_changes()})


def test_each_subscriber_gets_a_copy_addressed_to_them_alone(smtp_server: MailServer) -> None:
    config = smtp_server.config(recipients=SUBSCRIBERS)
    EmailAdapter(config).publish(CONTENT, KEY)

    assert len(smtp_server.handler.messages) == len(SUBSCRIBERS)
    for delivered in smtp_server.handler.messages:
        [reader] = delivered.rcpt_tos
        message = parse(delivered.content)
        assert message.get_all("To") == [reader]
        assert message["Cc"] is None and message["Bcc"] is None
        assert message["Message-ID"] == f"<{KEY}@outlier>"
        assert message["List-Unsubscribe"] == "<mailto:posts@outlier.example?subject=unsubscribe>"
        assert message["List-Unsubscribe-Post"] is None  # one click needs an https address
        headers = " ".join(f"{name}: {value}" for name, value in message.items())
        others = [address for address in SUBSCRIBERS if address != reader]
        assert not [address for address in others if address in headers]
        assert not [address for address in others if address.encode() in delivered.content]
    assert sorted(received_by(smtp_server)) == sorted(SUBSCRIBERS)


def test_the_same_address_twice_gets_one_copy(smtp_server: MailServer) -> None:
    config = smtp_server.config(recipients=["ann@example.org", "Ann@Example.org", "bo@example.org"])
    EmailAdapter(config).publish(CONTENT, KEY)
    assert [m.rcpt_tos for m in smtp_server.handler.messages] == [
        ["ann@example.org"],
        ["bo@example.org"],
    ]


@pytest.mark.parametrize(
    ("link", "post"),
    [
        ("https://planet.example/unsubscribe?list=rivers", "List-Unsubscribe=One-Click"),
        ("http://planet.example/unsubscribe", None),  # RFC 8058: one click is https only
        ("mailto:leave@planet.example?subject=stop", None),
    ],
)
def test_the_channels_unsubscribe_link_is_offered(
    smtp_server: MailServer, link: str, post: str | None
) -> None:
    config = smtp_server.config(recipients=SUBSCRIBERS[:2], unsubscribe_url=link)
    EmailAdapter(config).publish(CONTENT, KEY)

    for delivered in smtp_server.handler.messages:
        message = parse(delivered.content)
        assert message["List-Unsubscribe"] == f"<{link}>"
        assert message["List-Unsubscribe-Post"] == post


def test_a_dropped_connection_mid_list_is_completed_without_duplicates(
    smtp_server: MailServer,
) -> None:
    config = smtp_server.config(recipients=SUBSCRIBERS)
    smtp_server.handler.hang_up_at_mail = True
    smtp_server.handler.misbehave_after = 4  # recipient 5 of 10: the server goes away

    first = EmailAdapter(config)
    error = publish_error(first)

    assert error.kind is ErrorKind.TRANSIENT and not error.unknown_outcome
    assert "Sent to 4 of 10 recipients" in str(error)
    assert "sends it to the other 6 only" in str(error)
    assert sorted(received_by(smtp_server)) == sorted(SUBSCRIBERS[:4])
    saved = first.config_changes()[email_adapter.SENT_TO][KEY]
    assert len(saved["to"]) == 4
    assert not [address for address in SUBSCRIBERS if address in str(saved)]  # digests only

    smtp_server.handler.hang_up_at_mail = False
    retry = again(config, first)
    published = retry.publish(CONTENT, KEY)

    assert published.remote_id == f"<{KEY}@outlier>"
    assert "4 of them in an earlier attempt" in published.note
    got = received_by(smtp_server)
    assert sorted(got) == sorted(SUBSCRIBERS)
    assert {address: len(copies) for address, copies in got.items()} == dict.fromkeys(
        SUBSCRIBERS, 1
    )
    assert retry.config_changes() == {email_adapter.SENT_TO: {}}  # done: forgotten


def test_a_deferred_recipient_is_retried_alone(smtp_server: MailServer) -> None:
    config = smtp_server.config(recipients=SUBSCRIBERS)
    smtp_server.handler.refuse = {
        SUBSCRIBERS[4]: "451 4.7.1 Greylisted, try again later",
        SUBSCRIBERS[7]: "550 5.1.1 No such user",
    }

    first = EmailAdapter(config)
    error = publish_error(first)

    assert error.kind is ErrorKind.TRANSIENT
    assert f"deferred {SUBSCRIBERS[4]} (451 4.7.1 Greylisted, try again later)" in str(error)
    assert len(smtp_server.handler.messages) == 8  # the others did not wait

    smtp_server.handler.refuse.pop(SUBSCRIBERS[4])
    published = again(config, first).publish(CONTENT, KEY)

    got = received_by(smtp_server)
    assert sorted(got) == sorted(a for a in SUBSCRIBERS if a != SUBSCRIBERS[7])
    assert all(len(copies) == 1 for copies in got.values())
    assert f"refused for: {SUBSCRIBERS[7]} (550)" in published.note


def test_an_unknown_outcome_mid_list_puts_only_that_recipient_at_risk(
    smtp_server: MailServer,
) -> None:
    config = smtp_server.config(recipients=SUBSCRIBERS[:5], timeout=1)
    smtp_server.handler.hang_after_data = 2
    smtp_server.handler.misbehave_after = 2  # the 3rd copy: sent, then no answer

    first = EmailAdapter(config)
    error = publish_error(first)

    assert error.kind is ErrorKind.TRANSIENT and error.unknown_outcome
    assert "Sent to 2 of 5 recipients" in str(error)
    assert f"the copy to {SUBSCRIBERS[2]} may have arrived" in str(error)
    assert set(received_by(smtp_server)) - set(SUBSCRIBERS[:3]) == set()

    smtp_server.handler.hang_after_data = 0
    again(config, first).publish(CONTENT, KEY)  # a person sends it again

    counts = {address: len(copies) for address, copies in received_by(smtp_server).items()}
    at_risk = counts.pop(SUBSCRIBERS[2])
    assert counts == dict.fromkeys([*SUBSCRIBERS[:2], *SUBSCRIBERS[3:5]], 1)
    assert at_risk in (1, 2)  # here aiosmtpd dropped it when the client left; a server may not


def test_a_long_list_goes_out_in_rounds(smtp_server: MailServer, monkeypatch: Any) -> None:
    monkeypatch.setattr(email_adapter, "ROUND_SECONDS", 0.0)  # one copy per round
    config = smtp_server.config(recipients=SUBSCRIBERS[:3])
    adapter = EmailAdapter(config)
    for sent in (1, 2):
        error = publish_error(adapter)
        assert error.kind is ErrorKind.RATE_LIMITED and error.retry_after == 1.0
        assert f"Sent to {sent} of 3 recipients so far" in str(error)
        adapter = again(config, adapter)
    adapter.publish(CONTENT, KEY)
    assert [m.rcpt_tos for m in smtp_server.handler.messages] == [[a] for a in SUBSCRIBERS[:3]]


def test_stale_progress_is_dropped(smtp_server: MailServer) -> None:
    config = smtp_server.config(
        recipients=SUBSCRIBERS[:1],
        sent_to={
            "old-delivery": {"at": "2000-01-01T00:00:00+00:00", "to": ["x"]},
            "recent": {"at": "2999-01-01T00:00:00+00:00", "to": ["y"]},
        },
    )
    adapter = EmailAdapter(config)
    adapter.publish(CONTENT, KEY)
    assert adapter.config_changes() == {
        email_adapter.SENT_TO: {"recent": {"at": "2999-01-01T00:00:00+00:00", "to": ["y"]}}
    }
