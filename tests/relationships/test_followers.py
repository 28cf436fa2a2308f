"""Follower lists become identities and growth: gained and lost per channel and day, "follows
you" and "you follow", merge suggestions from the profiles, and the report that shows them."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from django.utils import timezone

from outlier.publishing.models import Delivery, DeliveryState, Post
from outlier.relationships import followers, growth
from outlier.relationships.models import (
    Contact,
    FollowEvent,
    Identity,
    MergeSuggestion,
    PeoplePull,
)


def someone(n: int, **values: object) -> SimpleNamespace:
    """A person as an adapter's follower list gives them (networks.base.Person)."""
    fields = {"remote_id": f"https://social.example/users/p{n}",
              "handle": f"@p{n}@social.example", "name": f"Person {n}", "avatar": "", "url": "",
              "followers": n, "bio": "", "website": "", "links": ()}  # fmt: skip
    return SimpleNamespace(**(fields | values))


def test_a_follow_and_an_unfollow_show_in_growth_and_on_the_identity(team, toot):
    PeoplePull.objects.create(channel=toot, next_at=timezone.now())
    day1 = timezone.now() - timedelta(days=2)
    day2 = timezone.now() - timedelta(days=1)
    assert followers.record(toot, [someone(1), someone(2)], True, [someone(2)], True, day1) == 2
    p1, p2 = (Identity.objects.get(handle=f"@p{n}@social.example") for n in (1, 2))
    assert p1.follows_you and not p1.you_follow and p2.follows_you and p2.you_follow
    assert followers.record(toot, [someone(2), someone(3)], True, [], True, day2) == 1
    p1.refresh_from_db()
    p2.refresh_from_db()
    assert not p1.follows_you and not p2.you_follow
    report = growth.by_channel(team.workspace.pk, (day1 - timedelta(days=1)).date(),
                               timezone.now().date())  # fmt: skip
    assert [(g.gained, g.lost, g.net) for g in report] == [(3, 1, 2)]
    assert report[0].by_day[day2.date()] == (1, 1)
    assert followers.record(toot, [someone(2), someone(3)], True, [], True, day2) == 0  # no news


def test_a_cut_off_list_counts_gains_only(team, toot):
    now = timezone.now()
    followers.record(toot, [someone(1), someone(2)], True, [], True, now)
    followers.record(toot, [someone(3)], False, [], False, now)
    assert list(FollowEvent.objects.values_list("kind", flat=True).order_by("pk")) == [
        "gained", "gained", "gained"]  # fmt: skip
    assert Identity.objects.get(handle="@p1@social.example").follows_you


def test_profiles_with_proof_are_suggested_for_a_merge(team, toot):
    now = timezone.now()
    sky_contact = Contact.objects.create(workspace=team.workspace, name="Ana")
    Identity.objects.create(workspace=team.workspace, contact=sky_contact, network="bluesky",
                            remote_id="did:plc:ana", handle="ana.example.com",
                            first_seen_at=now, last_seen_at=now)  # fmt: skip
    followers.record(toot, [someone(1, website="https://ana.example.com")], True, [], True, now)
    assert "ana.example.com" in MergeSuggestion.objects.get().reason


def test_a_list_is_read_page_by_page_and_an_endless_one_is_cut_off():
    pages = {"": SimpleNamespace(people=(someone(1),), cursor="2"),
             "2": SimpleNamespace(people=(someone(2),), cursor="")}  # fmt: skip
    people, complete = followers.read_all(lambda cursor: pages[cursor])
    assert [p.handle for p in people] == ["@p1@social.example", "@p2@social.example"] and complete
    endless = followers.read_all(lambda cursor: SimpleNamespace(people=(someone(9),),
                                                                cursor=cursor + "x"))  # fmt: skip
    assert endless[1] is False and len(endless[0]) == followers.MAX_PAGES


def test_the_report_shows_gains_and_what_preceded_a_rise(team, toot):
    PeoplePull.objects.create(channel=toot, next_at=timezone.now())
    now = timezone.now()
    post = Post.objects.create(workspace=team.workspace, text="Our big announcement")
    Delivery.objects.create(post=post, channel=toot, due_at=now, next_attempt_at=now,
                            state=DeliveryState.SENT, sent_at=now - timedelta(hours=1),
                            remote_id="x")  # fmt: skip
    followers.record(toot, [someone(n) for n in range(5)], True, [], True, now)
    page = team.client(team.viewer).get(f"/app/{team.workspace.slug}/reports/").content.decode()
    assert "data-gained>5</td>" in page
    assert "What preceded a rise" in page and "Our big announcement" in page


def test_growth_in_the_api(team, toot):
    from tests.api.client import Api

    PeoplePull.objects.create(channel=toot, next_at=timezone.now())
    followers.record(toot, [someone(n) for n in range(4)], True, [], True, timezone.now())
    api = Api(team.token(team.viewer))
    [row] = api.get("/contacts/growth").json()
    assert (row["channel_id"], row["gained"], row["lost"], row["net"]) == (toot.pk, 4, 0, 4)
    assert row["days"][0]["gained"] == 4 and row["rises"][0]["gained"] == 4
    assert api.get("/contacts/growth?start=2026-01-10&end=2026-01-01").status_code == 400
    assert api.get("/contacts/growth?start=2020-01-01&end=2026-01-01").status_code == 400


def test_follows_and_unfollows_are_on_the_contacts_timeline(team, toot):
    day1, day2 = timezone.now() - timedelta(days=2), timezone.now() - timedelta(days=1)
    followers.record(toot, [someone(1)], True, [], True, day1)
    followers.record(toot, [], True, [], True, day2)
    contact = Identity.objects.get(handle="@p1@social.example").contact
    page = team.client(team.viewer).get(f"/app/{team.workspace.slug}/contacts/{contact.pk}/")
    text = page.content.decode()
    assert text.index("stopped following Toots") < text.index("followed Toots")
