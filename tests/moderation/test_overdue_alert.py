"""The worker's alert: once texts waited more than 4 hours, the workspace's editors and owners
get one e-mail (through a real SMTP server) listing them, with how many, the oldest's wait
and the link to the queue. Each text is in one alert at most: a second run sends nothing."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from outlier.moderation import alerts
from outlier.moderation.actions import do_create_rule, do_decide
from outlier.moderation.models import Case
from tests.networks.conftest import (  # noqa: F401 (the real SMTP peer)
    MailServer,
    free_port,
    loopback_allowed,
    smtp_server,
)

from .conftest import held, member


@pytest.fixture
def smtp(settings: Any, smtp_server: MailServer) -> MailServer:  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return smtp_server


def text_of(delivered: Any) -> str:
    message = message_from_bytes(delivered.content, policy=policy.default)
    return message["Subject"] + "\n" + message.get_body(("plain",)).get_content()


def test_the_editors_are_mailed_once_about_overdue_texts(team: Any, holding: Any,
                                                         smtp: MailServer) -> None:  # fmt: skip
    now = timezone.now()
    oldest = held(team.workspace, "Oldest question", name="Ana", now=now - timedelta(hours=7))
    late = held(team.workspace, "Later question", now=now - timedelta(hours=4, minutes=30))
    fresh = held(team.workspace, "Fresh question", now=now - timedelta(hours=1))
    decided = held(team.workspace, "Decided", now=now - timedelta(hours=9))
    do_decide(member(team.workspace, team.editor), [decided.pk], "approve")
    allowed = held(team.workspace, "Allowed long ago", now=now - timedelta(hours=8))
    Case.objects.filter(pk=allowed.pk).update(state="allowed")  # shown: nothing to review
    do_create_rule(member(team.other_workspace, team.outsider), "new_author", "hold")
    held(team.other_workspace, "Elsewhere", now=now - timedelta(hours=2))  # not overdue yet

    assert alerts.run_due("w1", 10, now=now, force=True) == 1
    assert len(smtp.handler.messages) == 1
    delivered = smtp.handler.messages[0]
    assert sorted(delivered.rcpt_tos) == ["editor@acme.test", "owner@acme.test"]
    body = text_of(delivered)
    assert "Outlier: 2 texts waiting for review in Acme" in body
    assert (
        "2 texts have waited more than 4 hours for review in “Acme”; the oldest has waited 7 h."
        in body
    )
    assert "Oldest question" in body and "Later question" in body
    assert "Fresh question" not in body and "Decided" not in body and "Allowed" not in body
    assert body.index("Oldest question") < body.index("Later question")
    assert f"{django_settings.BASE_URL}/app/acme/moderation/" in body
    alerted = dict(Case.objects.filter(alerted_at__isnull=False).values_list("pk", "alerted_at"))
    assert alerted == {oldest.pk: now, late.pk: now}

    # A second run sends nothing: each text is in one alert at most.
    assert alerts.run_due("w1", 10, now=now + timedelta(minutes=5), force=True) == 0
    assert len(smtp.handler.messages) == 1

    # Later, the fresh one is overdue in turn, and so is the other workspace's: one e-mail per
    # workspace, each naming only its own new overdue texts.
    later = now + timedelta(hours=3, minutes=5)
    assert alerts.run_due("w2", 10, now=later, force=True) == 2
    by_recipient = {tuple(sorted(m.rcpt_tos)): text_of(m) for m in smtp.handler.messages[1:]}
    assert set(by_recipient) == {("editor@acme.test", "owner@acme.test"), ("outsider@rival.test",)}
    second = by_recipient[("editor@acme.test", "owner@acme.test")]
    assert "1 text has waited more than 4 hours" in second and "Fresh question" in second
    assert "Oldest question" not in second and "Elsewhere" not in second
    assert "Elsewhere" in by_recipient[("outsider@rival.test",)]
    fresh.refresh_from_db()
    assert fresh.alerted_at == later


def test_a_server_that_cannot_be_reached_leaves_the_texts_for_the_next_run(
    team: Any, holding: Any, smtp: MailServer, settings: Any
) -> None:
    now = timezone.now()
    case = held(team.workspace, "Waiting", now=now - timedelta(hours=5))
    real = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there
    assert alerts.run_due("w1", 10, now=now, force=True) == 0
    case.refresh_from_db()
    assert case.alerted_at is None and not smtp.handler.messages
    settings.EMAIL_PORT = real
    assert alerts.run_due("w1", 10, now=now, force=True) == 1
    assert len(smtp.handler.messages) == 1


def test_the_job_is_registered_and_looks_once_a_minute(team: Any, holding: Any,
                                                       smtp: MailServer) -> None:  # fmt: skip
    assert "outlier.moderation.alerts.run_due" in django_settings.WORKER_DUE_JOBS
    now = timezone.now()
    alerts.run_due("w1", 10, now=now, force=True)  # a look: the next one waits a minute
    held(team.workspace, "Waiting", now=now - timedelta(hours=5))
    assert alerts.run_due("w1", 10, now=now) == 0  # too soon
    assert not smtp.handler.messages
    assert alerts.run_due("w1", 10, now=now, force=True) == 1
