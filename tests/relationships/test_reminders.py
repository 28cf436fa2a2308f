"""Stay-in-touch reminders: due after N weeks without an interaction either way, listed in the
app and sent once a day to each member who can act, through a real SMTP server, each logged."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from outlier.relationships import actions, reminders
from outlier.relationships.models import Contact, DigestState, ReminderDigest, ReminderLog
from tests.networks.conftest import MailServer, smtp_server  # noqa: F401
from tests.relationships.conftest import arrive, synced


@pytest.fixture
def smtp(settings, smtp_server: MailServer) -> MailServer:  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    return smtp_server


def ana_due(team, toot, weeks_ago: int = 3) -> Contact:
    arrive(toot, handle="@ana@social.example", name="Ana",
           at=timezone.now() - timedelta(weeks=weeks_ago))  # fmt: skip
    synced()
    contact = Contact.objects.get(identities__handle="@ana@social.example")
    return actions.do_set_reminder(team.member(team.contributor), contact, 2)


def test_a_due_reminder_is_mailed_once_a_day_to_each_member_who_can_act(team, toot, smtp):
    contact = ana_due(team, toot)
    assert contact.remind_at < timezone.now()
    assert reminders.sweep(force=True) == 3  # owner, editor, contributor; not the viewer
    assert reminders.sweep(force=True) == 0  # once a day
    to = sorted(m.rcpt_tos[0] for m in smtp.handler.messages)
    assert to == ["contributor@acme.test", "editor@acme.test", "owner@acme.test"]
    body = message_from_bytes(smtp.handler.messages[0].content).get_payload(decode=True).decode()
    assert "Ana (@ana@social.example)" in body and f"/contacts/{contact.pk}/" in body
    assert ReminderLog.objects.filter(contact=contact).count() == 3
    assert set(ReminderDigest.objects.values_list("state", flat=True)) == {DigestState.SENT}


def test_an_interaction_either_way_restarts_the_count(team, toot, smtp):
    contact = ana_due(team, toot)
    arrive(toot, handle="@ana@social.example", at=timezone.now())
    synced()
    contact.refresh_from_db()
    assert contact.remind_at > timezone.now() + timedelta(days=13)
    assert reminders.sweep(force=True) == 0 and not smtp.handler.messages


def test_the_list_shows_what_is_due_and_being_in_touch_restarts_it(team, toot):
    contact = ana_due(team, toot)
    client = team.client(team.contributor)
    page = client.get(f"/app/{team.workspace.slug}/contacts/").content.decode()
    assert "1 stay-in-touch reminder due" in page
    assert "Ana" in client.get(f"/app/{team.workspace.slug}/contacts/?due=1").content.decode()
    client.post(f"/app/{team.workspace.slug}/contacts/{contact.pk}/", {"action": "touched"})
    contact.refresh_from_db()
    assert contact.remind_at > timezone.now() + timedelta(days=13)
    assert contact.events.filter(action="in touch").exists()


def test_a_failed_send_is_recorded_and_a_cut_off_one_is_not_sent_again(team, toot, smtp):
    ana_due(team, toot)
    smtp.handler.data_reply = "554 5.0.0 No thanks"
    reminders.sweep(force=True)
    assert set(ReminderDigest.objects.values_list("state", flat=True)) == {DigestState.FAILED}
    assert "554" in ReminderDigest.objects.first().error
    ReminderDigest.objects.update(state=DigestState.SENDING,
                                  created_at=timezone.now() - timedelta(hours=1))  # fmt: skip
    smtp.handler.data_reply = "250 OK"
    reminders.sweep(force=True)
    assert set(ReminderDigest.objects.values_list("state", flat=True)) == {DigestState.UNCONFIRMED}
    assert not smtp.handler.messages


def test_bad_reminder_values_are_refused(team, toot):
    contact = ana_due(team, toot)
    member = team.member(team.contributor)
    for bad in ("-1", "1.5", "600", "two"):
        with pytest.raises(ValidationError):
            actions.do_set_reminder(member, contact, bad)
    assert actions.do_set_reminder(member, contact, "0").remind_at is None
