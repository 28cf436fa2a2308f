"""What a digest holds: only the topic's published scoops new since that subscriber's last
digest; nothing new, no e-mail; hostile text rendered inert; every article link tracked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from outlier.curation.models import ScoopState
from outlier.digests import sending
from outlier.digests.models import DigestSend, SendState
from outlier.links.models import TrackedLink
from tests.conftest import make_scoop, make_topic
from tests.digests.conftest import BASE, html_of, make_subscription, text_of

START = datetime(2025, 5, 5, 12, tzinfo=UTC)  # a Monday; digests at 08:00 Lisbon (07:00 UTC)
DAY1, DAY2 = datetime(2025, 5, 6, 7, tzinfo=UTC), datetime(2025, 5, 7, 7, tzinfo=UTC)


def test_only_published_scoops_of_the_topic_new_since_the_last_digest(team, topic, mailbox):
    sub = make_subscription(topic, confirmed_at=START)
    other = make_topic(team.workspace, slug="bees", name="Bees")
    make_scoop(topic, title="Before confirming", published_at=START - timedelta(hours=1))
    make_scoop(
        topic, title="A draft", state=ScoopState.DRAFT, published_at=START + timedelta(hours=1)
    )
    make_scoop(other, title="Another topic", published_at=START + timedelta(hours=1))
    make_scoop(topic, title="First new", published_at=START + timedelta(hours=2))
    make_scoop(topic, title="Second new", published_at=START + timedelta(hours=3))
    sending.run_due("w1", now=DAY1)
    [first] = mailbox.messages()
    text = text_of(first)
    assert first["Subject"] == "Climate: First new (and 1 more)"
    assert text.index("First new") < text.index("Second new")
    for absent in ("Before confirming", "A draft", "Another topic"):
        assert absent not in text and absent not in html_of(first)

    mailbox.clear()
    make_scoop(topic, title="Third new", published_at=DAY1 + timedelta(hours=1))
    sending.run_due("w1", now=DAY2)
    [second] = mailbox.messages()
    assert "Third new" in text_of(second) and "First new" not in text_of(second)
    assert second["Message-ID"] != first["Message-ID"]
    sub.refresh_from_db()
    assert sub.last_sent_at == DAY2


def test_nothing_new_sends_nothing_and_the_schedule_moves_on(team, topic, mailbox):
    sub = make_subscription(topic, confirmed_at=START)
    assert sub.next_at == DAY1
    sending.run_due("w1", now=DAY1)
    assert not mailbox.messages() and not DigestSend.objects.exists()
    sub.refresh_from_db()
    assert sub.next_at == DAY2 and sub.covered_until == DAY1 - timedelta(seconds=30)


def test_hostile_text_is_inert_and_insight_links_are_text(team, topic, mailbox):
    make_subscription(topic, confirmed_at=START)
    make_scoop(topic, title='<script>alert("t")</script><img src=x onerror=alert(1)>',
               excerpt="<b>bold?</b> & more", insight="See [this](javascript:alert(1))",
               insight_html='<p>See <a href="https://elsewhere.example/">this</a></p><script>x</script>',
               published_at=START + timedelta(hours=1))  # fmt: skip
    sending.run_due("w1", now=DAY1)
    [message] = mailbox.messages()
    html = html_of(message)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold?&lt;/b&gt; &amp; more" in html
    assert "elsewhere.example" not in html and "<p>See this</p>" in html
    hrefs = [part.split('"', 1)[0] for part in html.split('href="')[1:]]
    assert hrefs and all(h.startswith(f"{BASE}/l/") or "/digests/unsubscribe/" in h for h in hrefs)
    assert "\n" not in message["Subject"]


def test_each_scoop_has_one_tracked_link_for_every_subscriber(team, topic, mailbox):
    for n in range(3):
        make_subscription(topic, f"reader{n}@example.org", confirmed_at=START)
    scoop = make_scoop(
        topic, url="https://planet.example/a", published_at=START + timedelta(hours=1)
    )
    untracked = make_scoop(topic, url="https://planet.example/b", tracking=False,
                           published_at=START + timedelta(hours=2))  # fmt: skip
    sending.run_due("w1", now=DAY1)
    [link] = TrackedLink.objects.filter(medium="email")
    assert link.original == "https://planet.example/a" and link.source == "digest"
    assert link.utm["utm_content"] == f"scoop-{scoop.pk}"
    messages = mailbox.messages()
    assert len(messages) == 3
    for message in messages:
        assert f"{BASE}/l/{link.code}" in text_of(message)
        assert untracked.url in text_of(message)  # tracking turned off for that scoop


def test_a_digest_whose_scoops_were_unpublished_is_skipped(team, topic, mailbox):
    make_subscription(topic, confirmed_at=START)
    scoop = make_scoop(topic, published_at=START + timedelta(hours=1))
    sub_id = sending._claim_subscriptions("w1", 10, DAY1)[0]
    made = sending.plan(sub_id, "w1", DAY1)
    assert made is not None
    scoop.state = ScoopState.DRAFT
    scoop.save()
    sending.run_due("w1", now=DAY1)
    made.refresh_from_db()
    assert made.state == SendState.SKIPPED and not mailbox.messages()
