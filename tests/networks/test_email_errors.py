"""How the e-mail adapter classifies SMTP failures, against a real SMTP server."""

from __future__ import annotations

from typing import Any

import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.email import EmailAdapter

from .conftest import SMTP_PASSWORD, MailServer, free_port

KEY = "dlv-err-1"
CONTENT = Content(text="Hello", title="Hello")


def publish_error(config: dict[str, Any]) -> PublishError:
    with pytest.raises(PublishError) as caught:
        EmailAdapter(config).publish(CONTENT, KEY)
    return caught.value


def test_a_wrong_password_is_auth(smtp_auth_server: MailServer) -> None:
    error = publish_error(smtp_auth_server.config(password="wrong"))

    assert error.kind is ErrorKind.AUTH
    assert "535" in str(error)
    assert SMTP_PASSWORD not in str(error) and "wrong" not in str(error)
    assert not error.unknown_outcome
    assert smtp_auth_server.handler.messages == []


def test_test_reports_a_wrong_password_as_auth(smtp_auth_server: MailServer) -> None:
    with pytest.raises(PublishError) as caught:
        EmailAdapter(smtp_auth_server.config(password="wrong")).test()
    assert caught.value.kind is ErrorKind.AUTH


def test_missing_credentials_where_the_server_requires_them_is_auth(
    smtp_auth_server: MailServer,
) -> None:
    config = smtp_auth_server.config()
    del config["username"], config["password"]
    error = publish_error(config)

    assert error.kind is ErrorKind.AUTH  # 530 5.7.0 Authentication required
    assert "530" in str(error)


def test_every_recipient_refused_is_permanent_and_names_them(smtp_server: MailServer) -> None:
    smtp_server.handler.refuse = {
        "alice@example.org": "550 5.1.1 No such user",
        "bob@example.org": "553 5.1.3 Bad address",
    }
    error = publish_error(smtp_server.config())

    assert error.kind is ErrorKind.PERMANENT
    assert "alice@example.org (550 5.1.1 No such user)" in str(error)
    assert "bob@example.org (553 5.1.3 Bad address)" in str(error)
    assert smtp_server.handler.messages == []


def test_every_recipient_deferred_is_transient(smtp_server: MailServer) -> None:
    smtp_server.handler.refuse = {
        "alice@example.org": "450 4.2.1 Mailbox busy",
        "bob@example.org": "451 4.3.0 Try again later",
    }
    assert publish_error(smtp_server.config()).kind is ErrorKind.TRANSIENT


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("451 4.3.0 Try again later", ErrorKind.TRANSIENT),
        ("554 5.6.0 Rejected", ErrorKind.PERMANENT),
    ],
)
def test_a_refusal_after_data_is_classified_by_its_code(
    smtp_server: MailServer, reply: str, kind: ErrorKind
) -> None:
    smtp_server.handler.data_reply = reply
    error = publish_error(smtp_server.config())

    assert error.kind is kind
    assert reply.split()[0] in str(error)
    assert not error.unknown_outcome  # the server said no: it did not take the message


def test_a_server_hanging_after_the_message_leaves_the_outcome_unknown(
    smtp_server: MailServer,
) -> None:
    smtp_server.handler.hang_after_data = 3
    error = publish_error(smtp_server.config(timeout=1))

    assert error.kind is ErrorKind.TRANSIENT
    assert error.unknown_outcome


def test_a_server_hanging_up_before_the_message_is_transient_and_known_not_sent(
    smtp_server: MailServer,
) -> None:
    smtp_server.handler.hang_up_at_mail = True
    error = publish_error(smtp_server.config())

    assert error.kind is ErrorKind.TRANSIENT
    assert not error.unknown_outcome


def test_nothing_listening_is_transient(loopback_allowed: None) -> None:
    config = {"recipients": ["a@example.org"], "host": "127.0.0.1", "port": free_port(),
              "starttls": False, "timeout": 2}  # fmt: skip
    error = publish_error(config)

    assert error.kind is ErrorKind.TRANSIENT
    assert not error.unknown_outcome


def test_a_private_smtp_host_is_refused(smtp_server: MailServer, settings: Any) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = []
    error = publish_error(smtp_server.config())

    assert error.kind is ErrorKind.PERMANENT
    assert "loopback" in str(error)
    assert smtp_server.handler.messages == []


def test_starttls_that_the_server_does_not_offer_is_permanent(smtp_server: MailServer) -> None:
    error = publish_error(smtp_server.config(starttls=True))
    assert error.kind is ErrorKind.PERMANENT
    assert "STARTTLS" in str(error)


def test_an_invalid_config_is_permanent() -> None:
    error = publish_error({"recipients": "nobody"})
    assert error.kind is ErrorKind.PERMANENT
    assert "nobody is not a valid e-mail address" in str(error)
