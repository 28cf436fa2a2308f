"""The e-mail adapter against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from django.core import mail

from outlier.networks.base import Content, Found, Image
from outlier.networks.email import EmailAdapter, message_id

from .conftest import MailServer

KEY = "dlv-5b1c9e"
PNG = b"\x89PNG\r\n\x1a\nfake image bytes"
CONTENT = Content(
    text="Rivers are rising faster than ever.\n\nTwelve gauges, forty years.",
    link="https://planet.example/rivers?utm=1&x=<2>",
    title="Rivers are rising",
    images=(
        Image(data=PNG, content_type="image/png", alt="The river at dawn", filename="river.png"),
    ),
)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_publish_sends_one_message_with_text_html_link_and_image(smtp_server: MailServer) -> None:
    config = smtp_server.config(subject_prefix="[Planet]", recipients=["alice@example.org"])
    published = EmailAdapter(config).publish(CONTENT, KEY)

    assert published.remote_id == f"<{KEY}@outlier>"
    [delivered] = smtp_server.handler.messages
    assert delivered.mail_from == "posts@outlier.example"
    assert delivered.rcpt_tos == ["alice@example.org"]
    message = parse(delivered.content)
    assert message["Message-ID"] == f"<{KEY}@outlier>"
    assert message["X-Outlier-Id"] == KEY
    assert message["Subject"] == "[Planet] Rivers are rising"
    assert message["From"] == "Outlier <posts@outlier.example>"
    assert message["To"] == "alice@example.org"
    assert message.get_content_type() == "multipart/related"

    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    plain = text.get_content()
    assert "Rivers are rising faster than ever." in plain
    assert "https://planet.example/rivers?utm=1&x=<2>" in plain
    assert "[Image 1: The river at dawn]" in plain
    markup = html.get_content()
    assert (
        '<a href="https://planet.example/rivers?utm=1&amp;x=&lt;2&gt;">Rivers are rising</a>'
        in markup
    )
    assert 'alt="The river at dawn"' in markup

    [image] = [part for part in message.walk() if part.get_content_maintype() == "image"]
    assert image.get_content_type() == "image/png"
    assert image.get_payload(decode=True) == PNG
    assert f'src="cid:{image["Content-ID"][1:-1]}"' in markup
    assert image.get_content_disposition() == "inline"
    assert image.get_filename() == "1-river.png"


def test_recipients_may_be_one_comma_separated_string(smtp_server: MailServer) -> None:
    config = smtp_server.config(recipients=" carol@example.org,dave@example.org ,")
    EmailAdapter(config).publish(Content(text="Hi"), KEY)

    carol, dave = smtp_server.handler.messages
    assert (carol.rcpt_tos, dave.rcpt_tos) == (["carol@example.org"], ["dave@example.org"])
    assert parse(carol.content)["Subject"] == "Hi"  # no title: the text's first line


def test_a_refused_recipient_among_others_does_not_stop_the_message(
    smtp_server: MailServer, caplog: pytest.LogCaptureFixture
) -> None:
    smtp_server.handler.refuse["bob@example.org"] = "550 5.1.1 No such user"
    published = EmailAdapter(smtp_server.config()).publish(CONTENT, KEY)

    assert published.remote_id == f"<{KEY}@outlier>"
    [delivered] = smtp_server.handler.messages
    assert delivered.rcpt_tos == ["alice@example.org"]
    assert "bob@example.org (550)" in caplog.text


def test_with_credentials(smtp_auth_server: MailServer) -> None:
    EmailAdapter(smtp_auth_server.config()).publish(CONTENT, KEY)
    assert [m.rcpt_tos for m in smtp_auth_server.handler.messages] == [
        ["alice@example.org"],
        ["bob@example.org"],
    ]


def test_test_opens_and_closes_a_connection(smtp_auth_server: MailServer) -> None:
    EmailAdapter(smtp_auth_server.config()).test()
    assert smtp_auth_server.handler.messages == []


def test_without_a_host_the_operators_mail_backend_is_used(settings: Any) -> None:
    settings.DEFAULT_FROM_EMAIL = "Outlier <outlier@planet.example>"
    adapter = EmailAdapter({"recipients": ["alice@example.org", "bob@example.org"]})
    adapter.publish(CONTENT, KEY)

    to_alice, to_bob = mail.outbox
    assert (to_alice.to, to_bob.to) == (["alice@example.org"], ["bob@example.org"])
    assert to_alice.from_email == "Outlier <outlier@planet.example>"
    assert to_alice.extra_headers["Message-ID"] == f"<{KEY}@outlier>"
    assert to_bob.extra_headers["List-Unsubscribe"] == (
        "<mailto:outlier@planet.example?subject=unsubscribe>"
    )
    adapter.test()


def test_message_ids_are_derived_from_the_key() -> None:
    assert message_id("dlv-5b1c9e") == "<dlv-5b1c9e@outlier>"
    odd = message_id("post 12 <evil>@x")
    assert odd.startswith("<k") and odd.endswith("@outlier>")
    assert " " not in odd and odd.count("@") == 1
    assert message_id("post 12 <evil>@x") == odd  # stable


@pytest.mark.parametrize(
    ("config", "fields"),
    [
        ({}, ["recipients"]),
        ({"recipients": "alice@example.org, not-an-address"}, ["recipients"]),
        ({"recipients": ["a@example.org"], "from_address": "Me <nope>"}, ["from_address"]),
        ({"recipients": ["a@example.org"], "subject_prefix": "a\nBcc: x@y"}, ["subject_prefix"]),
        ({"recipients": ["a@example.org"], "host": "smtp.example.org", "port": 70000}, ["port"]),
        (
            {"recipients": ["a@example.org"], "host": "s.example", "starttls": True, "ssl": True},
            ["ssl"],
        ),
        ({"recipients": ["a@example.org"], "host": "s.example", "username": "u"}, ["password"]),
        ({"recipients": ["a@example.org"], "password": "p", "username": "u"}, ["host"]),
        ({"recipients": ["a@example.org"], "host": "smtp.example.org", "port": "587"}, []),
        ({"recipients": ["a@example.org"], "unsubscribe_url": "https://x.example/u?l=1"}, []),
        ({"recipients": ["a@example.org"], "unsubscribe_url": "mailto:off@x.example"}, []),
        (
            {"recipients": ["a@example.org"], "unsubscribe_url": "javascript:alert(1)"},
            ["unsubscribe_url"],
        ),
        (
            {"recipients": ["a@example.org"], "unsubscribe_url": "https://x.example/>\nBcc: y"},
            ["unsubscribe_url"],
        ),
        (
            {"recipients": ["a@example.org"], "unsubscribe_url": "mailto:nobody"},
            ["unsubscribe_url"],
        ),
    ],
)
def test_check_config(config: dict[str, Any], fields: list[str]) -> None:
    assert [problem.field for problem in EmailAdapter(config).check_config()] == fields


def test_lookup_cannot_tell() -> None:
    adapter = EmailAdapter({"recipients": ["a@example.org"]})
    assert adapter.lookup(KEY, datetime.now(UTC)).found is Found.CANNOT_TELL
