"""How a topic's fediverse channel pages through what its inbox stored (queries.heard_since):
oldest first, a page at a time past the cursor, every row once however many share a page
boundary, and a row stored a little earlier but committed after the cursor moved on is still
read (the grace window behind the cursor)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from outlier.federation import queries
from outlier.federation.models import Follower, Interaction, RemoteActor
from tests.conftest import Team, make_scoop, make_topic


def _actor(n: int) -> RemoteActor:
    return RemoteActor.objects.create(
        uri=f"https://social.example/users/u{n}", host="social.example", type="Person",
        preferred_username=f"u{n}", inbox=f"https://social.example/users/u{n}/inbox",
        fetched_at=timezone.now(),
    )  # fmt: skip


def test_paging_reads_every_row_once_and_rereads_behind_the_cursor(team: Team) -> None:
    topic = make_topic(team.workspace, name="Rivers", slug="rivers")
    scoop = make_scoop(topic)
    start = timezone.now() - timedelta(hours=1)
    actor = _actor(0)
    total = queries.HEARD_PAGE_SIZE * 2 + 10
    for n in range(total):
        row = Interaction.objects.create(
            kind="like", uri=f"https://social.example/likes/{n}", topic=topic, scoop=scoop,
            actor=actor,
        )  # fmt: skip
        # Every three share one instant: page boundaries fall inside such groups.
        Interaction.objects.filter(pk=row.pk).update(
            received_at=start + timedelta(milliseconds=n // 3)
        )
    follower = Follower.objects.create(
        topic=topic, actor=_actor(1), inbox="https://social.example/inbox",
        follow_id="https://social.example/follows/1",
    )  # fmt: skip
    Follower.objects.filter(pk=follower.pk).update(created_at=start + timedelta(milliseconds=5))

    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        items, following = queries.heard_since(topic.pk, cursor)
        pages += 1
        assert items == sorted(items, key=lambda h: (h.at, h.uri))  # oldest first
        seen += [h.uri for h in items]
        if following == cursor:
            break
        cursor = following
    assert pages <= 5
    assert set(seen) == {f"https://social.example/likes/{n}" for n in range(total)} | {
        "https://social.example/follows/1"
    }
    follow = next(h for h in queries.heard_since(topic.pk)[0] if h.kind == "follow")
    assert (follow.subject, follow.actor.preferred_username) == ("", "u1")

    # Stored (by the clock) a second before the newest row seen, committed only now.
    late = Interaction.objects.create(
        kind="reply", uri="https://social.example/notes/late", topic=topic, scoop=scoop,
        actor=actor, content_html="<p>late</p>",
    )  # fmt: skip
    newest = queries.parse_heard_cursor(cursor)
    assert newest is not None
    Interaction.objects.filter(pk=late.pk).update(received_at=newest - timedelta(seconds=1))
    items, again = queries.heard_since(topic.pk, cursor)
    assert "https://social.example/notes/late" in [h.uri for h in items]
    assert again == cursor

    # Another topic's rows are not read; nor is anything older than ENGAGEMENT_DAYS at first.
    other = make_topic(team.workspace, name="Lakes", slug="lakes")
    assert queries.heard_since(other.pk) == ([], "")
    Interaction.objects.update(received_at=timezone.now() - timedelta(days=400))
    Follower.objects.update(created_at=timezone.now() - timedelta(days=400))
    assert queries.heard_since(topic.pk) == ([], "")
