"""Replying, liking and reposting through the REST API, against the Mastodon contract server:
the reply goes through the delivery engine and lands in reply to the status; a contributor's
waits for an editor; a text over the network's limit is a 400 before anything is stored; a
teammate writing or having written a reply is a 409 unless the writer confirms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from outlier.inbox import engage
from outlier.inbox.models import EngageAction, InboxReply, Interaction
from outlier.publishing import actions as publishing
from outlier.publishing.models import Channel, Delivery, Post
from tests.api.client import Api
from tests.inbox.conftest import arrive, rival_toot, toot  # noqa: F401 (the channels)
from tests.mastodon.conftest import FakeMastodon, loopback_allowed, mastodon  # noqa: F401
from tests.publishing.test_delivery import run_worker


@pytest.fixture
def server(request) -> FakeMastodon:
    return request.getfixturevalue("mastodon")


@pytest.fixture
def channel(request, server) -> Channel:
    return request.getfixturevalue("toot")


@pytest.fixture
def rival(request, server) -> Channel:
    return request.getfixturevalue("rival_toot")


def a_toot_to_answer(channel: Channel, server: FakeMastodon, text: str = "Is this still on?"):
    status = server.add_status(id="120000000000000001", content=f"<p>{text}</p>")
    return arrive(channel, text=text, reply_ref=status["id"], remote_id=status["uri"])


def test_an_editors_reply_lands_in_reply_to_the_status(team, channel, server):
    item = a_toot_to_answer(channel, server)
    api = Api(team.token(team.editor))
    answer = api.post(f"/inbox/items/{item.pk}/reply",
                      {"text": "@ana@social.example Yes, until Friday!", "done": True})  # fmt: skip
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["item"] == item.pk and body["text"] == "@ana@social.example Yes, until Friday!"
    assert (body["status"], body["waiting_for_approval"]) == ("scheduled", False)
    assert body["author"]["email"] == "editor@acme.test"
    assert Interaction.objects.get(pk=item.pk).state == "done"
    assert run_worker() == 1
    [sent] = server.requests_to("POST", "/api/v1/statuses")
    assert sent.one("in_reply_to_id") == "120000000000000001"
    assert sent.one("status") == "@ana@social.example Yes, until Friday!"
    [reply] = api.get(f"/inbox/items/{item.pk}").json()["replies"]
    [delivery] = reply["deliveries"]
    assert delivery["state"] == "sent" and delivery["remote_id"] and delivery["sent_at"]


def test_a_contributors_reply_waits_for_an_editor(team, channel, server):
    item = a_toot_to_answer(channel, server)
    answer = Api(team.token(team.contributor)).post(f"/inbox/items/{item.pk}/reply",
                                                    {"text": "@ana@social.example Soon!"})  # fmt: skip
    assert answer.status_code == 201
    body = answer.json()
    assert (body["status"], body["waiting_for_approval"]) == ("awaiting_approval", True)
    assert body["deliveries"] == []
    assert run_worker() == 0 and not Delivery.objects.exists()
    publishing.do_approve(team.member(team.editor), Post.objects.get(pk=body["post"]))
    assert run_worker() == 1
    assert Delivery.objects.get(post_id=body["post"]).state == "sent"


def test_a_reply_over_the_networks_limit_is_a_400_and_nothing_is_stored(team, channel, server):
    item = a_toot_to_answer(channel, server)
    api = Api(team.token(team.editor))
    answer = api.post(f"/inbox/items/{item.pk}/reply", {"text": "x" * 501})
    assert answer.status_code == 400
    assert "text" in answer.json()["errors"] and "500" in answer.json()["detail"]
    empty = api.post(f"/inbox/items/{item.pk}/reply", {"text": "   "})
    assert empty.status_code == 400 and empty.json()["detail"] == "Write the reply first."
    assert not Post.objects.exists() and not InboxReply.objects.exists()
    assert not server.requests_to("POST", "/api/v1/statuses")


def test_a_teammate_replying_or_having_replied_is_a_409_unless_confirmed(team, channel, server):
    item = a_toot_to_answer(channel, server)
    opened = (timezone.now() - timedelta(seconds=1)).isoformat()
    editor, owner = Api(team.token(team.editor)), Api(team.token(team.owner))
    assert editor.post(f"/inbox/items/{item.pk}/start-reply").json() == {"warning": ""}
    assert "started a reply" in owner.post(f"/inbox/items/{item.pk}/start-reply").json()["warning"]
    assert "started a reply" in owner.get(f"/inbox/items/{item.pk}").json()["replying"]
    # The editor is writing: the owner is told, and nothing is stored.
    busy = owner.post(f"/inbox/items/{item.pk}/reply", {"text": "From the owner", "seen": opened})
    assert busy.status_code == 409
    assert busy.json()["code"] == "replying" and "started a reply" in busy.json()["detail"]
    too_long = owner.post(f"/inbox/items/{item.pk}/reply", {"text": "x" * 501})
    assert too_long.status_code == 400  # the text is checked first, conflict or not
    assert not InboxReply.objects.exists()
    assert editor.post(f"/inbox/items/{item.pk}/reply",
                       {"text": "From the editor", "seen": opened}).status_code == 201  # fmt: skip
    # The editor replied meanwhile: the owner is told what they wrote.
    replied = owner.post(f"/inbox/items/{item.pk}/reply",
                         {"text": "From the owner", "seen": opened})  # fmt: skip
    assert replied.status_code == 409
    assert replied.json()["code"] == "replied" and "From the editor" in replied.json()["detail"]
    assert InboxReply.objects.count() == 1
    # Told, the owner sends theirs knowingly.
    confirmed = owner.post(f"/inbox/items/{item.pk}/reply",
                           {"text": "From the owner", "seen": opened, "confirm": True})  # fmt: skip
    assert confirmed.status_code == 201
    assert InboxReply.objects.count() == 2


def test_a_saved_reply_is_filled_in_for_the_item(team, channel, server):
    item = a_toot_to_answer(channel, server)
    api = Api(team.token(team.editor))
    saved = api.post("/inbox/saved-replies", {"name": "Thanks",
                                              "text": "Thanks {first_name}! — {me}"}).json()  # fmt: skip
    answer = api.post(f"/inbox/items/{item.pk}/reply", {"saved_reply": saved["id"]})
    assert answer.status_code == 201, answer.content
    # As in the reply box: the author's handle first (Mastodon), then the saved reply.
    assert answer.json()["text"] == "@ana@social.example Thanks Ana! — editor"
    again = api.post(f"/inbox/items/{item.pk}/reply",
                     {"text": "@ana@social.example Hi.", "saved_reply": saved["id"]})  # fmt: skip
    assert again.json()["text"] == "@ana@social.example Hi. Thanks Ana! — editor"
    outsider = Api(team.token(team.outsider))
    theirs = outsider.post("/inbox/saved-replies", {"name": "Theirs", "text": "Hello"}).json()
    unknown = api.post(f"/inbox/items/{item.pk}/reply", {"saved_reply": theirs["id"]})
    assert unknown.status_code == 404
    assert InboxReply.objects.count() == 2


def test_activity_other_workspaces_and_viewers_cannot_reply(team, channel, server, rival):
    like = arrive(channel, kind="like", text="", reply_ref="")
    theirs = arrive(rival, text="Not yours")
    item = a_toot_to_answer(channel, server)
    editor = Api(team.token(team.editor))
    refused = editor.post(f"/inbox/items/{like.pk}/reply", {"text": "Thanks"})
    assert refused.status_code == 400 and "cannot be answered" in refused.json()["detail"]
    assert editor.post(f"/inbox/items/{theirs.pk}/reply", {"text": "Hi"}).status_code == 404
    assert editor.post("/inbox/items/999999/reply", {"text": "Hi"}).status_code == 404
    viewer = Api(team.token(team.viewer)).post(f"/inbox/items/{item.pk}/reply", {"text": "Hi"})
    assert viewer.status_code == 403
    read_only = Api(team.token(team.editor, "read"))
    assert read_only.post(f"/inbox/items/{item.pk}/reply", {"text": "Hi"}).status_code == 403
    assert not Post.objects.exists() and not InboxReply.objects.exists()


def test_like_and_repost_are_sent_once_by_the_worker(team, channel, server):
    item = a_toot_to_answer(channel, server)
    api = Api(team.token(team.contributor))
    liked = api.post(f"/inbox/items/{item.pk}/like")
    assert liked.status_code == 202
    assert (liked.json()["kind"], liked.json()["state"]) == ("like", "pending")
    assert api.post(f"/inbox/items/{item.pk}/like").json()["id"] == liked.json()["id"]  # once
    assert api.post(f"/inbox/items/{item.pk}/repost").status_code == 202
    assert engage.run_due("api-engage-worker") == 2
    assert server.statuses["120000000000000001"]["favourited"] is True
    assert server.statuses["120000000000000001"]["reblogged"] is True
    engaged = api.get(f"/inbox/items/{item.pk}").json()["engagements"]
    assert {(e["kind"], e["state"]) for e in engaged} == {("like", "done"), ("repost", "done")}
    assert [e["action"] for e in api.get(f"/inbox/items/{item.pk}").json()["events"]] == [
        "like", "repost"
    ]  # fmt: skip


def test_what_cannot_be_liked_and_who_cannot_like(team, channel, server):
    follow = arrive(channel, kind="follow", text="", reply_ref="")
    item = a_toot_to_answer(channel, server)
    refused = Api(team.token(team.editor)).post(f"/inbox/items/{follow.pk}/like")
    assert refused.status_code == 400 and "cannot be liked" in refused.json()["detail"]
    viewer = Api(team.token(team.viewer)).post(f"/inbox/items/{item.pk}/repost")
    assert viewer.status_code == 403
    assert not EngageAction.objects.exists()
