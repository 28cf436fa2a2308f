"""Digests' tests: the real SMTP peer (aiosmtpd, from tests/networks), an https base URL (the
one-click header is for https only), and helpers that act as a visitor and read the mail."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from outlier.digests import sending
from outlier.digests.models import Subscription
from tests.networks.conftest import MailServer, loopback_allowed, smtp_server  # noqa: F401

BASE = "https://outlier.example"
FORM = {"email": "reader@example.org", "frequency": "daily", "weekday": "0", "hour": "8",
        "time_zone": "Europe/Lisbon", "website": ""}  # fmt: skip


@dataclass
class Mailbox:
    server: MailServer

    def messages(self, to: str | None = None) -> list[EmailMessage]:
        found = []
        for delivered in self.server.handler.messages:
            if to is None or to in delivered.rcpt_tos:
                found.append(email.message_from_bytes(delivered.content,
                                                      policy=email.policy.default))  # fmt: skip
        return found  # type: ignore[return-value]

    def clear(self) -> None:
        self.server.handler.messages.clear()


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()  # type: ignore[union-attr]


def path_in(text: str, kind: str) -> str:
    """The path of the first /digests/<kind>/… link in a text."""
    found = re.search(rf"{re.escape(BASE)}(/digests/{kind}/[^\s\"<>]+/)", text)
    assert found, f"no {kind} link in {text!r}"
    return found.group(1)


@pytest.fixture
def mailbox(settings: Any, smtp_server: MailServer) -> Mailbox:  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "Outlier <digests@outlier.example>"
    return Mailbox(smtp_server)


@pytest.fixture(autouse=True)
def _https_base(settings: Any) -> None:
    settings.BASE_URL = BASE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "outlier.example"]


def subscribe(client: Client, slug: str = "climate", ip: str = "198.51.100.7",
              **fields: str) -> Any:  # fmt: skip
    return client.post(f"/t/{slug}/subscribe/frame/", {**FORM, **fields}, REMOTE_ADDR=ip)


def run(worker: str = "w1", now: datetime | None = None) -> int:
    return sending.run_due(worker, now=now or timezone.now())


def confirmed(client: Client, mailbox: Mailbox, address: str = FORM["email"], **fields: str
              ) -> Subscription:  # fmt: skip
    """Subscribe, let the worker mail the link, and press the confirmation button."""
    assert subscribe(client, email=address, **fields).status_code == 200
    run()
    [message] = mailbox.messages(address)
    assert client.post(path_in(text_of(message), "confirm")).status_code == 200
    mailbox.clear()
    return Subscription.objects.get(email=address)


def make_subscription(topic: Any, email: str = "reader@example.org", *,
                      confirmed_at: datetime, **overrides: Any) -> Subscription:  # fmt: skip
    """An active subscription confirmed at `confirmed_at`, due at its first slot after it."""
    from outlier.digests.models import address_key
    from outlier.digests.schedule import next_send

    values: dict[str, Any] = {"frequency": "daily", "weekday": 0, "hour": 8,
                              "time_zone": "Europe/Lisbon"}  # fmt: skip
    values.update(overrides)
    due = next_send(values["frequency"], values["weekday"], values["hour"], values["time_zone"],
                    confirmed_at)  # fmt: skip
    return Subscription.objects.create(
        topic=topic, email=email, email_key=address_key(email), state="active",
        confirmed_at=confirmed_at, covered_until=confirmed_at, next_at=due, **values)  # fmt: skip
