"""A visitor's whole story against the real SMTP server: subscribe on the topic page, the
confirmation e-mail arrives, confirm, a scoop is published, the digest goes out once at its
instant with tracked links and both List-Unsubscribe headers, one click unsubscribes, and
the next run sends nothing."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone

from outlier.analytics.attribution import link_owners
from outlier.digests.models import DigestSend, SendState, Subscription, SubscriptionState
from outlier.links.models import LinkMedium, TrackedLink
from tests.conftest import make_scoop
from tests.digests.conftest import BASE, html_of, path_in, run, text_of


def test_subscribe_confirm_receive_and_unsubscribe(team, topic, mailbox):
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/t/climate/")
    assert page.status_code == 200
    assert b'src="/t/climate/subscribe/frame/"' in page.content  # the form, in its frame

    frame = visitor.get("/t/climate/subscribe/frame/")
    assert frame.status_code == 200 and b'name="time_zone"' in frame.content
    assert frame["X-Frame-Options"] == "SAMEORIGIN"  # the topic page may frame it, no one else
    assert b'<option value="Europe/Lisbon"' in frame.content  # the fallback list
    token = frame.cookies["csrftoken"].value
    asked = visitor.post("/t/climate/subscribe/frame/", {
        "csrfmiddlewaretoken": token, "email": "Reader@Example.org", "frequency": "daily",
        "weekday": "0", "hour": "8", "time_zone": "America/New_York", "website": "",
    })  # fmt: skip
    assert asked.status_code == 200 and b"Check your inbox" in asked.content
    assert not mailbox.messages()  # the worker mails it, not the request

    run()
    [confirmation] = mailbox.messages("Reader@Example.org")
    assert confirmation["Subject"] == "Confirm your subscription to Climate"
    link = path_in(text_of(confirmation), "confirm")
    subscription = Subscription.objects.get()
    assert subscription.state == SubscriptionState.PENDING
    assert subscription.confirm_hash and subscription.confirm_hash not in link  # a hash only

    shown = visitor.get(link)  # what a mail scanner does: nothing confirmed
    assert shown.status_code == 200 and b"Confirm the subscription" in shown.content
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.PENDING
    done = visitor.post(link, {"csrfmiddlewaretoken": visitor.cookies["csrftoken"].value})
    assert done.status_code == 200 and b"data-confirmed" in done.content
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.ACTIVE
    due = subscription.next_at
    local = due.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (8, 0) and due > timezone.now()
    mailbox.clear()

    scoop = make_scoop(topic, title="Rivers are rising", excerpt="Forty years of gauges.",
                       insight="Towns **must** adapt.", insight_html="<p>Towns <strong>must</strong> adapt.</p>",
                       url="https://planet.example/rivers")  # fmt: skip
    assert run(now=due - timedelta(minutes=1)) == 0  # not yet due
    assert not mailbox.messages()

    run(now=due)
    run(now=due + timedelta(seconds=5))  # a second run sends nothing more
    [digest] = mailbox.messages("Reader@Example.org")
    assert digest["Subject"] == "Climate: Rivers are rising"
    send = DigestSend.objects.get()
    assert (
        send.state == SendState.SENT and digest["Message-ID"] == f"<{send.idempotency_key}@outlier>"
    )
    unsubscribe = path_in(digest["List-Unsubscribe"], "unsubscribe")
    assert digest["List-Unsubscribe"].strip() == f"<{BASE}{unsubscribe}>"  # may be folded
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    link = TrackedLink.objects.get(medium=LinkMedium.EMAIL)
    assert link.original == "https://planet.example/rivers"
    tracked = f"{BASE}/l/{link.code}"
    text, html = text_of(digest), html_of(digest)
    for part in (text, html):
        assert "Rivers are rising" in part and "Forty years of gauges." in part
        assert tracked in part and "https://planet.example/rivers" not in part
        assert f"{BASE}{unsubscribe}" in part  # a visible unsubscribe link too
    assert "Towns must adapt." in text and "<strong>must</strong>" in html
    owner = link_owners([link.pk])[link.pk]  # the reports credit the scoop and its topic
    assert (owner.scoop_id, owner.topic_id) == (scoop.pk, topic.pk)
    assert Client().get(f"/l/{link.code}").status_code == 302

    clicked = Client(enforce_csrf_checks=True).post(
        unsubscribe, "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert clicked.status_code == 200 and clicked.content == b"Unsubscribed.\n"
    subscription.refresh_from_db()
    assert subscription.state == SubscriptionState.UNSUBSCRIBED and subscription.next_at is None

    mailbox.clear()
    make_scoop(topic, title="Bees are back")
    later = due + timedelta(days=1)
    assert run(now=later) == 0
    assert not mailbox.messages()
    again = Client().post(unsubscribe, "List-Unsubscribe=One-Click",
                          content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert again.status_code == 200  # unsubscribing twice is fine
    page = Client().get(unsubscribe)
    assert page.status_code == 200 and b"data-unsubscribed" in page.content
