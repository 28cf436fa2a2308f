"""Working an item: done and open again, assignment, snooze, tags, notes, priority, hiding,
one at a time and in bulk; each change in the item's history; bad input refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from outlier.inbox import actions
from outlier.inbox.models import InboxNote, Interaction
from tests.inbox.conftest import arrive


def test_done_leaves_the_open_list_and_comes_back_when_opened_again(team, toot):
    item = arrive(toot, text="Thanks!")
    client = team.client(team.contributor)
    assert client.post(f"/app/acme/inbox/{item.pk}/", {"action": "done"}).status_code == 302
    item.refresh_from_db()
    assert (item.state, item.done_by) == ("done", team.contributor) and item.done_at
    assert f'data-item="{item.pk}"' not in client.get("/app/acme/inbox/").content.decode()
    assert f'data-item="{item.pk}"' in client.get("/app/acme/inbox/?view=done").content.decode()
    client.post(f"/app/acme/inbox/{item.pk}/", {"action": "open"})
    item.refresh_from_db()
    assert item.state == "open" and item.done_at is None
    history = [e.action for e in item.events.all()]
    assert history == ["done", "open"]


def test_assignment_to_members_who_can_reply(team, toot):
    item = arrive(toot)
    member = team.member(team.owner)
    actions.do_assign(member, [item], team.contributor.pk)
    assert Interaction.objects.get(pk=item.pk).assignee == team.contributor
    with pytest.raises(ValidationError):
        actions.do_assign(member, [item], team.viewer.pk)  # a viewer cannot reply
    with pytest.raises(ValidationError):
        actions.do_assign(member, [item], team.outsider.pk)
    with pytest.raises(ValidationError):
        actions.do_assign(member, [item], "someone")
    actions.do_assign(member, [item], None)
    assert Interaction.objects.get(pk=item.pk).assignee is None


def test_snooze_hides_an_item_until_its_time_then_it_is_unread_again(team, toot):
    item = arrive(toot, text="Ask me Monday")
    member = team.member(team.editor)
    actions.do_mark_read(member, item)
    with pytest.raises(ValidationError, match="future"):
        actions.do_snooze(member, item, timezone.now() - timedelta(minutes=1))
    answer = team.client(team.editor).post(
        f"/app/acme/inbox/{item.pk}/",
        {
            "action": "snooze",
            "until": (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert answer.status_code == 302
    client = team.client(team.editor)
    assert f'data-item="{item.pk}"' not in client.get("/app/acme/inbox/").content.decode()
    assert f'data-item="{item.pk}"' in client.get("/app/acme/inbox/?view=snoozed").content.decode()
    assert actions.sweep_snoozed(timezone.now() + timedelta(days=3)) == 1
    item.refresh_from_db()
    assert item.snoozed_until is None and item.read_at is None
    assert f'data-item="{item.pk}"' in client.get("/app/acme/inbox/").content.decode()


def test_tags_notes_priority_and_hiding(team, toot):
    item = arrive(toot)
    client = team.client(team.contributor)
    client.post(f"/app/acme/inbox/{item.pk}/", {"action": "tag", "tag": "VIP, billing, vip"})
    assert sorted(t.name for t in Interaction.objects.get(pk=item.pk).tags.all()) == [
        "VIP",
        "billing",
    ]
    client.post(f"/app/acme/inbox/{item.pk}/", {"action": "untag", "tag": "billing"})
    assert [t.name for t in Interaction.objects.get(pk=item.pk).tags.all()] == ["VIP"]
    client.post(f"/app/acme/inbox/{item.pk}/", {"action": "note", "text": "Called her <b>back</b>"})
    assert InboxNote.objects.get().text == "Called her <b>back</b>"
    page = client.get(f"/app/acme/inbox/{item.pk}/").content.decode()
    assert "Called her &lt;b&gt;back&lt;/b&gt;" in page
    empty = client.post(
        f"/app/acme/inbox/{item.pk}/", {"action": "note", "text": "  "}, follow=True
    )
    assert "Write the note first." in empty.content.decode()
    bad = client.post(
        f"/app/acme/inbox/{item.pk}/", {"action": "priority", "priority": "9"}, follow=True
    )
    assert "A priority from -1" in bad.content.decode()
    client.post(f"/app/acme/inbox/{item.pk}/", {"action": "priority", "priority": "2"})
    client.post(f"/app/acme/inbox/{item.pk}/", {"action": "hide"})
    item.refresh_from_db()
    assert (item.priority, item.hidden) == (2, True)
    too_long = client.post(
        f"/app/acme/inbox/{item.pk}/", {"action": "tag", "tag": "x" * 60}, follow=True
    )
    assert "at most 50 characters" in too_long.content.decode()


def test_bulk_actions_on_a_selection(team, toot):
    items = [arrive(toot, text=f"number {n}") for n in range(3)]
    client = team.client(team.editor)
    ids = [i.pk for i in items[:2]]
    client.post(
        "/app/acme/inbox/bulk/", {"action": "assign", "assignee": team.editor.pk, "items": ids}
    )
    client.post("/app/acme/inbox/bulk/", {"action": "tag", "tag": "batch", "items": ids})
    answer = client.post("/app/acme/inbox/bulk/", {"action": "done", "items": ids},
                         HTTP_ACCEPT="application/json")  # fmt: skip
    assert answer.json() == {"changed": 2}
    rows = Interaction.objects.filter(pk__in=ids)
    assert {(r.state, r.assignee_id) for r in rows} == {("done", team.editor.pk)}
    assert all(r.tags.filter(name="batch").exists() for r in rows)
    assert Interaction.objects.get(pk=items[2].pk).state == "open"
    empty = client.post("/app/acme/inbox/bulk/", {"action": "done"}, HTTP_ACCEPT="application/json")
    assert empty.status_code == 400 and "Select at least one" in empty.json()["detail"]
    junk = client.post("/app/acme/inbox/bulk/", {"action": "done", "items": ["x"]},
                       HTTP_ACCEPT="application/json")  # fmt: skip
    assert junk.status_code == 400
    unknown = client.post("/app/acme/inbox/bulk/", {"action": "explode", "items": ids},
                          HTTP_ACCEPT="application/json")  # fmt: skip
    assert unknown.status_code == 400


def test_conversations_keep_a_threads_messages_together(team, toot):
    first = arrive(toot, text="Question one", subject_id="110000000000000999")
    arrive(toot, text="Unrelated", handle="@zed@social.example", name="Zed")
    second = arrive(
        toot, text="Follow-up", subject_id="110000000000000999", handle="@bob@social.example"
    )
    assert first.conversation == second.conversation == "t:110000000000000999"
    page = team.client(team.viewer).get(f"/app/acme/inbox/{first.pk}/").content.decode()
    assert "Question one" in page and "Follow-up" in page and "Unrelated" not in page
    mention = arrive(toot, kind="mention", text="hey", handle="@zed@social.example")
    assert mention.conversation == "a:https://social.example/users/zed"
