"""The inbox list: work items newest first, activity apart, filters, search, roles, escaping."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from outlier.inbox.models import Interaction
from tests.inbox.conftest import arrive


def test_replies_and_mentions_are_listed_newest_first_and_likes_apart(team, toot):
    now = timezone.now()
    old = arrive(toot, text="First question", at=now - timedelta(hours=2))
    new = arrive(toot, kind="mention", text="Hey @acme, look", at=now - timedelta(minutes=5))
    like = arrive(toot, kind="like", text="", at=now - timedelta(minutes=1))
    page = team.client(team.viewer).get("/app/acme/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Hey @acme, look") < html.index("First question")
    assert f'data-item="{like.pk}"' not in html
    activity = team.client(team.viewer).get("/app/acme/inbox/?view=activity").content.decode()
    assert f'data-item="{like.pk}"' in activity and f'data-item="{old.pk}"' not in activity
    assert new.is_work and not like.is_work


def test_hostile_author_names_and_texts_render_inert(team, toot):
    arrive(toot, text='<script>alert("x")</script><img src=x onerror=alert(1)>',
           name='<b onmouseover="alert(1)">Mallory</b>', handle="@mallory@evil.example",
           author_avatar="javascript:alert(1)")  # fmt: skip
    html = team.client(team.owner).get("/app/acme/inbox/").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and "&lt;b onmouseover" in html
    assert "javascript:alert" not in html
    item = Interaction.objects.get(author_handle="@mallory@evil.example")
    detail = team.client(team.owner).get(f"/app/acme/inbox/{item.pk}/").content.decode()
    assert "<script>alert" not in detail and "&lt;script&gt;" in detail


def test_search_finds_words_in_text_and_author(team, toot):
    arrive(toot, text="My order never arrived, refund please")
    arrive(toot, text="Lovely photos", handle="@bruno@social.example", name="Bruno")
    client = team.client(team.viewer)
    found = client.get("/app/acme/inbox/?q=refund").content.decode()
    assert "refund please" in found and "Lovely photos" not in found
    by_author = client.get("/app/acme/inbox/?q=brun").content.decode()
    assert "Lovely photos" in by_author and "refund please" not in by_author
    # Query syntax of either engine is plain text, never an error.
    for hostile in ['"', "refund OR", "NEAR(", "a:*", "'; DROP TABLE inbox_interaction; --", "*"]:
        assert client.get("/app/acme/inbox/", {"q": hostile}).status_code == 200


def test_filters_by_channel_kind_language_tag_and_assignee(team, toot, mastodon):
    from outlier.inbox import actions
    from outlier.publishing.models import Channel

    other = Channel.objects.create(workspace=team.workspace, network="mastodon", name="Second",
                                   settings={"instance_url": mastodon.base},
                                   credentials={"access_token": mastodon.token})  # fmt: skip
    a = arrive(toot, text="english one", language="en")
    b = arrive(other, kind="mention", text="portuguese one", language="pt-BR")
    member = team.member(team.editor)
    actions.do_tag(member, [a], ["billing"])
    actions.do_assign(member, [b], team.editor.pk)
    client = team.client(team.editor)

    def shown(query: str) -> set[int]:
        html = client.get(f"/app/acme/inbox/?{query}").content.decode()
        return {i for i in (a.pk, b.pk) if f'data-item="{i}"' in html}

    assert shown(f"channel={other.pk}") == {b.pk}
    assert shown("kind=reply") == {a.pk}
    assert shown("language=pt") == {b.pk}
    assert shown("tag=billing") == {a.pk}
    assert shown("assignee=me") == {b.pk}
    assert shown("assignee=none") == {a.pk}
    assert shown("network=mastodon") == {a.pk, b.pk}


def test_other_workspaces_items_and_unknown_ids_are_404(team, toot, rival_toot):
    theirs = arrive(rival_toot, text="Rival's secret")
    ours = arrive(toot, text="Ours")
    client = team.client(team.owner)
    assert "Rival's secret" not in client.get("/app/acme/inbox/").content.decode()
    assert client.get(f"/app/acme/inbox/{theirs.pk}/").status_code == 404
    assert client.get("/app/acme/inbox/999999/").status_code == 404
    answer = client.post("/app/acme/inbox/bulk/", {"action": "done", "items": [ours.pk, theirs.pk]})
    assert answer.status_code == 404
    assert Interaction.objects.get(pk=ours.pk).state == "open"  # nothing half-done
    assert team.client(team.outsider).get("/app/acme/inbox/").status_code == 404


def test_unread_count_in_the_navigation_drops_when_opened(team, toot):
    item = arrive(toot)
    arrive(toot, kind="like", text="")
    client = team.client(team.viewer)
    assert client.get("/app/acme/inbox/unread.json").json() == {"unread": 1}
    assert "data-unread" in client.get("/app/acme/").content.decode()
    client.get(f"/app/acme/inbox/{item.pk}/")
    assert client.get("/app/acme/inbox/unread.json").json() == {"unread": 0}


def test_viewers_read_but_cannot_work_the_inbox(team, toot):
    item = arrive(toot)
    client = team.client(team.viewer)
    assert client.post(f"/app/acme/inbox/{item.pk}/", {"action": "done"}).status_code == 403
    assert (
        client.post("/app/acme/inbox/bulk/", {"action": "done", "items": [item.pk]}).status_code
        == 403
    )
    assert Interaction.objects.get(pk=item.pk).state == "open"


def test_the_list_partial_is_what_the_page_polls(team, toot):
    arrive(toot, text="Polled in")
    html = team.client(team.viewer).get("/app/acme/inbox/?partial=list").content.decode()
    assert "Polled in" in html and "<html" not in html
