"""The inbox list and one item through the REST API: the screen's filters, full-text search,
keyset pages, an item with its notes, tags, history, conversation and replies; another
workspace's items are missing (404) and bad filters are a 400 with the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outlier.inbox import actions, replies
from outlier.publishing.models import Channel
from tests.api.client import Api
from tests.inbox.conftest import arrive, rival_toot, toot  # noqa: F401 (the channels)
from tests.mastodon.conftest import FakeMastodon, loopback_allowed, mastodon  # noqa: F401


@pytest.fixture
def server(request) -> FakeMastodon:
    return request.getfixturevalue("mastodon")


@pytest.fixture
def channel(request, server) -> Channel:
    """The team's Mastodon channel (`toot` of tests/inbox)."""
    return request.getfixturevalue("toot")


@pytest.fixture
def rival(request, server) -> Channel:
    return request.getfixturevalue("rival_toot")


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [i["id"] for i in response.json()["items"]]


def test_the_list_is_the_open_work_newest_first_with_the_unread_count(team, channel, rival):
    now = timezone.now()
    old = arrive(channel, text="Older question", at=now - timedelta(hours=2))
    new = arrive(channel, text="Newer question", at=now - timedelta(hours=1))
    arrive(channel, kind="like", text="", at=now - timedelta(minutes=5))  # activity, apart
    arrive(rival, text="Not ours")
    api = Api(team.token(team.viewer, "read"))
    answer = api.get("/inbox/items")
    assert ids(answer) == [new.pk, old.pk]
    body = answer.json()
    assert body["unread"] == 2 and body["next"] is None
    first = body["items"][0]
    assert first["text"] == "Newer question" and first["kind"] == "reply"
    assert first["channel"] == {"id": channel.pk, "name": "Toots", "network": "mastodon"}
    assert first["author"]["handle"] == "@ana@social.example"
    assert (first["state"], first["assignee"], first["tags"]) == ("open", None, [])
    assert api.get("/inbox/unread").json() == {"unread": 2}
    assert [i["kind"] for i in api.get("/inbox/items?view=activity").json()["items"]] == ["like"]


def test_filters_match_the_screens(team, channel):
    member = team.member(team.editor)
    billing = arrive(channel, text="Where is my invoice", language="en-GB")
    mention = arrive(channel, kind="mention", text="Bonjour", language="fr",
                     handle="@bob@social.example", name="Bob")  # fmt: skip
    done = arrive(channel, text="All sorted, thanks")
    snoozed = arrive(channel, text="Ask me Monday")
    hidden = arrive(channel, text="Buy cheap watches")
    actions.do_tag(member, [billing], ["Billing"])
    actions.do_assign(member, [billing], team.editor.pk)
    actions.do_assign(member, [mention], team.contributor.pk)
    actions.do_set_state(member, [done], "done")
    actions.do_snooze(member, snoozed, timezone.now() + timedelta(days=1))
    actions.do_hide(member, [hidden])
    api = Api(team.token(team.editor))
    assert set(ids(api.get("/inbox/items"))) == {billing.pk, mention.pk}
    assert ids(api.get("/inbox/items?view=done")) == [done.pk]
    assert ids(api.get("/inbox/items?view=snoozed")) == [snoozed.pk]
    assert ids(api.get("/inbox/items?view=hidden")) == [hidden.pk]
    assert len(ids(api.get("/inbox/items?view=all"))) == 5  # all work, hidden included
    assert ids(api.get("/inbox/items?kind=mention")) == [mention.pk]
    assert ids(api.get("/inbox/items?assignee=me")) == [billing.pk]
    assert ids(api.get(f"/inbox/items?assignee={team.contributor.pk}")) == [mention.pk]
    assert set(ids(api.get("/inbox/items?assignee=none&view=all"))) == {
        done.pk, snoozed.pk, hidden.pk
    }  # fmt: skip
    assert ids(api.get("/inbox/items?tag=billing")) == [billing.pk]
    assert ids(api.get("/inbox/items?language=en")) == [billing.pk]  # en finds en-GB
    assert ids(api.get(f"/inbox/items?channel={channel.pk}&network=mastodon&kind=reply")) == [
        billing.pk
    ]
    assert ids(api.get("/inbox/items?network=bluesky")) == []
    # Full-text search: words of the text or the author, the last one also as a prefix.
    assert ids(api.get("/inbox/items?q=invoi")) == [billing.pk]
    assert ids(api.get("/inbox/items?q=bob")) == [mention.pk]
    assert ids(api.get("/inbox/items?q=%22invoice%20(")) == [billing.pk]  # quotes are no syntax


def test_keyset_pages_walk_the_whole_list_once(team, channel):
    now = timezone.now()
    made = [arrive(channel, text=f"number {n}", at=now - timedelta(minutes=n)) for n in range(5)]
    # Two items at the same instant are ordered by id, never skipped or repeated.
    made.append(arrive(channel, text="twin", at=made[2].created_at))
    api = Api(team.token(team.viewer, "read"))
    seen, before, pages = [], "", 0
    while True:
        body = api.get(f"/inbox/items?limit=2&before={before}").json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        if body["next"] is None:
            break
        before = body["next"]
    assert pages == 3 and sorted(seen) == sorted(i.pk for i in made) and len(set(seen)) == 6


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("view=everything", "view"),
        ("kind=shout", "kind"),
        ("assignee=somebody", "assignee"),
        ("before=yesterday", "before"),
    ],
)
def test_bad_filters_are_a_400_naming_the_filter(team, query, field):
    answer = Api(team.token(team.viewer, "read")).get(f"/inbox/items?{query}")
    assert answer.status_code == 400
    body = answer.json()
    assert field in body["errors"] and body["detail"] == body["errors"][field][0]


def test_one_item_with_its_notes_tags_history_conversation_and_replies(team, channel, server):
    status = server.add_status(id="120000000000000001", content="<p>Is it on?</p>")
    now = timezone.now()
    item = arrive(channel, text="Is it on?", reply_ref=status["id"], remote_id=status["uri"],
                  subject_id="110000000000000999", at=now - timedelta(hours=2))  # fmt: skip
    follow_up = arrive(channel, text="Hello?", subject_id="110000000000000999",
                       handle="@bob@social.example", name="Bob", at=now - timedelta(hours=1))  # fmt: skip
    arrive(channel, text="Unrelated", handle="@zed@social.example")
    editor = team.member(team.editor)
    actions.do_add_note(editor, item, "She is a customer")
    actions.do_tag(editor, [item], ["vip"])
    replies.do_reply(editor, item, "@ana@social.example Yes!")
    answer = Api(team.token(team.viewer, "read")).get(f"/inbox/items/{item.pk}")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["id"] == item.pk and body["tags"] == ["vip"] and body["read_at"] is None
    assert [n["text"] for n in body["notes"]] == ["She is a customer"]
    assert body["notes"][0]["author"]["email"] == "editor@acme.test"
    assert [e["action"] for e in body["events"]] == ["note", "tag", "reply"]
    thread = body["conversation_items"]  # oldest first, each with the team's replies
    assert [(e["item"]["id"], len(e["replies"])) for e in thread] == [(item.pk, 1),
                                                                       (follow_up.pk, 0)]  # fmt: skip
    [reply] = body["replies"]
    assert reply["text"] == "@ana@social.example Yes!" and reply["status"] == "scheduled"
    assert [d["state"] for d in reply["deliveries"]] == ["scheduled"]
    assert body["can_reply"] and body["can_like"] and body["can_repost"]
    assert body["reply_prefix"] == "@ana@social.example " and body["reply_limit"] == 500


def test_another_workspaces_items_and_unknown_ids_are_missing(team, channel, rival):
    theirs = arrive(rival, text="Not yours")
    api = Api(team.token(team.owner))
    assert api.get(f"/inbox/items/{theirs.pk}").status_code == 404
    assert api.get("/inbox/items/999999").status_code == 404
    assert api.post(f"/inbox/items/{theirs.pk}/state", {"state": "done"}).status_code == 404
    assert ids(api.get("/inbox/items")) == []
    # The other workspace's own token sees it, and not ours.
    mine = arrive(channel, text="Ours")
    outsider = Api(team.token(team.outsider))
    assert ids(outsider.get("/inbox/items")) == [theirs.pk]
    assert outsider.get(f"/inbox/items/{mine.pk}").status_code == 404


def test_without_a_token_the_inbox_is_closed(team, channel):
    arrive(channel)
    assert Api("nonsense").get("/inbox/items").status_code == 401
