"""Working inbox items through the REST API: done and open again, assignment, snooze, tags,
notes, priority, hiding, marking read, one at a time and in bulk. Each change is in the item's
history; bad input is a 400 with the reason and changes nothing; viewers and read tokens 403."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from outlier.inbox.models import InboxEvent, InboxNote, InboxTag, Interaction
from outlier.publishing.models import Channel
from tests.api.client import Api
from tests.inbox.conftest import arrive, rival_toot, toot  # noqa: F401 (the channels)
from tests.mastodon.conftest import loopback_allowed, mastodon  # noqa: F401 (their server)


@pytest.fixture
def channel(request) -> Channel:
    return request.getfixturevalue("toot")


@pytest.fixture
def rival(request) -> Channel:
    return request.getfixturevalue("rival_toot")


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def test_done_and_open_again_are_in_the_history(team, channel):
    item = arrive(channel, text="Thanks!")
    api = Api(team.token(team.contributor))
    body = ok(api.post(f"/inbox/items/{item.pk}/state", {"state": "done"}))
    assert body["state"] == "done" and body["done_at"] and body["read_at"]
    assert Interaction.objects.get(pk=item.pk).done_by == team.contributor
    assert [i["id"] for i in ok(api.get("/inbox/items?view=done"))["items"]] == [item.pk]
    assert ok(api.post(f"/inbox/items/{item.pk}/state", {"state": "open"}))["state"] == "open"
    history = ok(api.get(f"/inbox/items/{item.pk}"))["events"]
    assert [(e["action"], e["user"]["email"]) for e in history] == [
        ("done", "contributor@acme.test"), ("open", "contributor@acme.test")
    ]  # fmt: skip


def test_an_invalid_state_is_a_400_with_the_reason(team, channel):
    item = arrive(channel)
    answer = Api(team.token(team.editor)).post(f"/inbox/items/{item.pk}/state",
                                               {"state": "finished"})  # fmt: skip
    assert answer.status_code == 400
    assert answer.json() == {"detail": "The state is open or done.",
                             "errors": {"state": ["The state is open or done."]}}  # fmt: skip
    assert Interaction.objects.get(pk=item.pk).state == "open"
    assert not InboxEvent.objects.exists()


def test_assignment_to_members_who_can_reply(team, channel):
    item = arrive(channel)
    api = Api(team.token(team.owner))
    body = ok(api.post(f"/inbox/items/{item.pk}/assign", {"assignee": team.contributor.pk}))
    assert body["assignee"] == {"id": team.contributor.pk, "email": "contributor@acme.test",
                                "name": "contributor@acme.test"}  # fmt: skip
    for someone in (team.viewer.pk, team.outsider.pk, 999999):
        refused = api.post(f"/inbox/items/{item.pk}/assign", {"assignee": someone})
        assert refused.status_code == 400 and "assignee" in refused.json()["errors"]
    assert Interaction.objects.get(pk=item.pk).assignee == team.contributor
    assert ok(api.post(f"/inbox/items/{item.pk}/assign", {"assignee": None}))["assignee"] is None


def test_snooze_until_a_time_then_wake(team, channel):
    item = arrive(channel, text="Ask me Monday")
    api = Api(team.token(team.editor))
    until = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    naive = until.astimezone(UTC).replace(tzinfo=None).isoformat()  # no zone: UTC
    body = ok(api.post(f"/inbox/items/{item.pk}/snooze", {"until": naive}))
    assert body["snoozed_until"].startswith(until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    assert [i["id"] for i in ok(api.get("/inbox/items?view=snoozed"))["items"]] == [item.pk]
    assert ok(api.get("/inbox/items"))["items"] == []
    past = api.post(f"/inbox/items/{item.pk}/snooze",
                    {"until": (timezone.now() - timedelta(hours=1)).isoformat()})  # fmt: skip
    assert past.status_code == 400 and "future" in past.json()["detail"]
    assert ok(api.post(f"/inbox/items/{item.pk}/snooze", {"until": None}))["snoozed_until"] is None
    assert [i["id"] for i in ok(api.get("/inbox/items"))["items"]] == [item.pk]


def test_tags_notes_priority_hiding_and_read(team, channel):
    item = arrive(channel)
    api = Api(team.token(team.contributor))
    body = ok(api.post(f"/inbox/items/{item.pk}/tag", {"tags": ["VIP", "billing", "vip"]}))
    assert sorted(body["tags"]) == ["VIP", "billing"]
    assert ok(api.post(f"/inbox/items/{item.pk}/untag", {"tags": ["Billing"]}))["tags"] == ["VIP"]
    too_long = api.post(f"/inbox/items/{item.pk}/tag", {"tags": ["x" * 60]})
    assert too_long.status_code == 400 and "at most 50 characters" in too_long.json()["detail"]
    assert api.post(f"/inbox/items/{item.pk}/tag", {"tags": [" "]}).status_code == 400
    assert sorted(InboxTag.objects.values_list("name", flat=True)) == ["VIP", "billing"]

    note = api.post(f"/inbox/items/{item.pk}/notes", {"text": "Called her <b>back</b>"})
    assert note.status_code == 201
    assert note.json()["text"] == "Called her <b>back</b>"  # stored as typed, escaped on pages
    empty = api.post(f"/inbox/items/{item.pk}/notes", {"text": "  "})
    assert empty.status_code == 400 and empty.json()["detail"] == "Write the note first."
    assert InboxNote.objects.count() == 1

    bad = api.post(f"/inbox/items/{item.pk}/priority", {"priority": 9})
    assert bad.status_code == 400 and "A priority from -1" in bad.json()["detail"]
    assert ok(api.post(f"/inbox/items/{item.pk}/priority", {"priority": 2}))["priority"] == 2
    assert ok(api.post(f"/inbox/items/{item.pk}/hide", {"hidden": True}))["hidden"] is True
    assert [i["id"] for i in ok(api.get("/inbox/items?view=hidden"))["items"]] == [item.pk]
    assert ok(api.post(f"/inbox/items/{item.pk}/hide", {"hidden": False}))["hidden"] is False

    assert ok(api.get("/inbox/unread"))["unread"] == 1
    assert ok(api.get(f"/inbox/items/{item.pk}"))["read_at"] is None  # reading is not marking
    assert ok(api.post(f"/inbox/items/{item.pk}/read"))["read_at"]
    assert ok(api.get("/inbox/unread"))["unread"] == 0


def test_bulk_done_assign_and_tag_on_a_selection(team, channel):
    items = [arrive(channel, text=f"number {n}") for n in range(3)]
    chosen = [i.pk for i in items[:2]]
    api = Api(team.token(team.editor))
    assign = {"action": "assign", "items": chosen, "assignee": team.editor.pk}
    assert ok(api.post("/inbox/bulk", assign)) == {"changed": 2}
    assert ok(api.post("/inbox/bulk", {"action": "tag", "items": chosen, "tags": ["batch"]})) == {
        "changed": 2
    }
    assert ok(api.post("/inbox/bulk", {"action": "priority", "items": chosen, "priority": 1}))
    assert ok(api.post("/inbox/bulk", {"action": "done", "items": chosen})) == {"changed": 2}
    assert ok(api.post("/inbox/bulk", {"action": "done", "items": chosen})) == {"changed": 0}
    rows = Interaction.objects.filter(pk__in=chosen)
    assert {(r.state, r.assignee_id, r.priority) for r in rows} == {("done", team.editor.pk, 1)}
    assert all(r.tags.filter(name="batch").exists() for r in rows)
    assert Interaction.objects.get(pk=items[2].pk).state == "open"


def test_bulk_refuses_bad_selections_and_changes_nothing(team, channel, rival):
    mine = arrive(channel)
    theirs = arrive(rival)
    api = Api(team.token(team.editor))
    empty = api.post("/inbox/bulk", {"action": "done", "items": []})
    assert empty.status_code == 400 and "Select at least one" in empty.json()["detail"]
    unknown = api.post("/inbox/bulk", {"action": "explode", "items": [mine.pk]})
    assert unknown.status_code == 400 and "action" in unknown.json()["errors"]
    mixed = api.post("/inbox/bulk", {"action": "done", "items": [mine.pk, theirs.pk]})
    assert mixed.status_code == 404
    missing = api.post("/inbox/bulk", {"action": "done", "items": [mine.pk, 999999]})
    assert missing.status_code == 404
    too_many = api.post("/inbox/bulk", {"action": "done", "items": list(range(1, 502))})
    assert too_many.status_code == 400
    no_tag = api.post("/inbox/bulk", {"action": "tag", "items": [mine.pk]})
    assert no_tag.status_code == 400 and "tags" in no_tag.json()["errors"]
    assert {i.state for i in Interaction.objects.all()} == {"open"}
    assert not InboxEvent.objects.exists()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("state", {"state": "done"}),
        ("assign", {"assignee": None}),
        ("tag", {"tags": ["x"]}),
        ("notes", {"text": "hi"}),
        ("priority", {"priority": 1}),
        ("hide", {"hidden": True}),
    ],
)
def test_viewers_and_read_tokens_cannot_work_items(team, channel, path, body):
    item = arrive(channel)
    viewer_api = Api(team.token(team.viewer))
    viewer = viewer_api.post(f"/inbox/items/{item.pk}/{path}", body)
    assert viewer.status_code == 403 and "contributor role" in viewer.json()["detail"]
    read_only = Api(team.token(team.editor, "read")).post(f"/inbox/items/{item.pk}/{path}", body)
    assert read_only.status_code == 403 and "write" in read_only.json()["detail"]
    bulk = viewer_api.post("/inbox/bulk", {"action": "done", "items": [item.pk]})
    assert bulk.status_code == 403
    assert not InboxEvent.objects.exists() and not InboxNote.objects.exists()
