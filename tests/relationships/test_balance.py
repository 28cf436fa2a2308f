"""Talking and listening per week and channel, the workspace's target, the home screen's nudge
when the week is all talk, and the retention of others' texts."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from outlier.inbox.models import EngageAction, EngageState, Interaction
from outlier.publishing.models import Delivery, DeliveryState, Post
from outlier.relationships import balance, retention
from outlier.relationships.models import RelationshipSettings
from tests.relationships.conftest import arrive


def published(team, channel, n: int) -> None:
    now = timezone.now()
    for i in range(n):
        post = Post.objects.create(workspace=team.workspace, text=f"Post {i}")
        Delivery.objects.create(post=post, channel=channel, due_at=now, next_attempt_at=now,
                                state=DeliveryState.SENT, sent_at=now, remote_id=f"p{i}")  # fmt: skip


def test_a_week_of_posts_and_no_listening_is_all_talk_and_the_home_screen_says_so(team, toot):
    published(team, toot, 3)
    week = balance.weeks(team.workspace.pk)[-1]
    assert (week.talk, week.listen, week.ratio()) == (3, 0, 0.0)
    assert week.all_talk(balance.target_of(team.workspace.pk))
    home = team.client(team.viewer).get(f"/app/{team.workspace.slug}/").content.decode()
    assert "data-talk-nudge" in home and "3 posts published" in home
    page = team.client(team.viewer).get(f"/app/{team.workspace.slug}/contacts/balance/")
    assert "all talk" in page.content.decode() and "Toots 3 / 0" in page.content.decode()


def test_likes_from_the_inbox_count_as_listening(team, toot):
    published(team, toot, 2)
    for n in range(2):
        item = arrive(toot, handle=f"@p{n}@social.example")
        EngageAction.objects.create(interaction=item, kind="like", state=EngageState.DONE,
                                    key=f"k{n}", next_attempt_at=timezone.now(),
                                    done_at=timezone.now())  # fmt: skip
    week = balance.weeks(team.workspace.pk)[-1]
    assert (week.talk, week.engagements, week.ratio()) == (2, 2, 1.0)
    assert not week.all_talk(1.0)
    home = team.client(team.viewer).get(f"/app/{team.workspace.slug}/").content.decode()
    assert "data-talk-nudge" not in home


def test_editors_set_the_target_and_retention_and_bad_values_are_refused(team):
    url = f"/app/{team.workspace.slug}/contacts/balance/"
    assert team.client(team.contributor).post(url, {"listen_per_post": "2"}).status_code == 403
    for bad, reason in (("lots", "a number"), ("-1", "between 0 and 100"), ("nan", "between")):
        response = team.client(team.editor).post(url, {"listen_per_post": bad})
        assert response.status_code == 400 and reason in response.content.decode()
    response = team.client(team.editor).post(url, {"listen_per_post": "1", "keep_texts_days": "0"})
    assert response.status_code == 400 and "Between 1 and 3650" in response.content.decode()
    assert not RelationshipSettings.objects.exists()
    ok = team.client(team.editor).post(url, {"listen_per_post": "0.5", "keep_texts_days": "30"})
    assert ok.status_code == 302
    assert balance.target_of(team.workspace.pk) == 0.5


def test_texts_older_than_the_retention_are_blanked_and_the_items_stay(team, toot):
    RelationshipSettings.objects.create(workspace=team.workspace, keep_texts_days=30)
    old = arrive(toot, text="My address is …", at=timezone.now() - timedelta(days=40))
    new = arrive(toot, text="Recent question", at=timezone.now() - timedelta(days=2))
    assert retention.apply() == 1
    assert Interaction.objects.get(pk=old.pk).text == ""
    assert Interaction.objects.get(pk=new.pk).text == "Recent question"
    found = team.client(team.viewer).get(f"/app/{team.workspace.slug}/inbox/?q=address")
    assert "My address" not in found.content.decode()
