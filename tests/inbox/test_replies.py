"""Answering from the inbox: the reply is a post through the delivery engine (sent once, its
failures visible), checked against the network's limit before anything is stored; a
contributor's waits for approval; two members answering at once are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from outlier.inbox import replies, responses
from outlier.inbox.models import InboxReply, Interaction
from outlier.publishing import actions as publishing
from outlier.publishing.models import Delivery, Post, PostStatus
from tests.inbox.conftest import arrive
from tests.publishing.test_delivery import run_worker


def a_toot_to_answer(toot, mastodon, text="Is this still on?"):
    status = mastodon.add_status(id="120000000000000001", content=f"<p>{text}</p>")
    return arrive(toot, text=text, reply_ref=status["id"], remote_id=status["uri"])


def test_an_editor_replies_and_it_lands_in_reply_to_the_status(team, toot, mastodon):
    item = a_toot_to_answer(toot, mastodon)
    client = team.client(team.editor)
    page = client.get(f"/app/acme/inbox/{item.pk}/").content.decode()
    assert "@ana@social.example " in page  # Mastodon: the author is mentioned, or not told
    answer = client.post(f"/app/acme/inbox/{item.pk}/",
                         {"action": "reply", "text": "@ana@social.example Yes, until Friday!",
                          "seen": timezone.now().isoformat()})  # fmt: skip
    assert answer.status_code == 302
    reply = InboxReply.objects.get(interaction=item)
    assert reply.post.reply_to == item.reply_ref and reply.post.status == PostStatus.SCHEDULED
    assert run_worker() == 1
    [sent] = [s for s in mastodon.seen if s.method == "POST" and s.path == "/api/v1/statuses"]
    assert sent.one("in_reply_to_id") == "120000000000000001"
    assert sent.one("status") == "@ana@social.example Yes, until Friday!"
    delivery = Delivery.objects.get(post=reply.post)
    assert delivery.state == "sent"
    page = client.get(f"/app/acme/inbox/{item.pk}/").content.decode()
    assert "Yes, until Friday!" in page and 'data-delivery-state="sent"' in page
    # The first response is recorded from when the network took it.
    assert responses.sweep() == 1 and responses.sweep() == 0
    item.refresh_from_db()
    assert item.first_response_at == delivery.sent_at and item.responded_by == team.editor


def test_a_reply_over_the_networks_limit_is_refused_before_anything_is_stored(team, toot, mastodon):
    item = a_toot_to_answer(toot, mastodon)
    answer = team.client(team.editor).post(f"/app/acme/inbox/{item.pk}/",
                                           {"action": "reply", "text": "x" * 501})  # fmt: skip
    assert answer.status_code == 200
    assert "500" in answer.content.decode()
    assert not Post.objects.exists() and not InboxReply.objects.exists()


def test_a_reply_to_a_deleted_status_fails_visibly(team, toot, mastodon):
    item = arrive(toot, text="Gone soon", reply_ref="129999999999999999")  # no such status
    replies.do_reply(team.member(team.editor), item, "@ana@social.example Thanks")
    run_worker()
    delivery = Delivery.objects.get(post__inbox_reply__interaction=item)
    assert delivery.state == "failed" and delivery.error
    page = team.client(team.editor).get(f"/app/acme/inbox/{item.pk}/").content.decode()
    assert 'data-delivery-state="failed"' in page and delivery.error[:30] in page


def test_a_contributors_reply_waits_for_an_editor(team, toot, mastodon):
    item = a_toot_to_answer(toot, mastodon)
    reply = replies.do_reply(team.member(team.contributor), item, "@ana@social.example Soon!")
    assert reply.post.status == PostStatus.AWAITING_APPROVAL
    assert run_worker() == 0 and not Delivery.objects.exists()
    page = team.client(team.contributor).get(f"/app/acme/inbox/{item.pk}/").content.decode()
    assert "Waiting for approval" in page
    # The editor sees what it answers before approving it.
    queue = team.client(team.editor).get("/app/acme/approvals/").content.decode()
    assert f'<a href="/app/acme/inbox/{item.pk}/">in the inbox</a>' in queue
    publishing.do_approve(team.member(team.editor), reply.post)
    assert run_worker() == 1
    assert Delivery.objects.get(post=reply.post).state == "sent"


def test_two_members_answering_at_once_are_told(team, toot, mastodon):
    item = a_toot_to_answer(toot, mastodon)
    opened = timezone.now() - timedelta(seconds=1)
    editor, owner = team.member(team.editor), team.member(team.owner)
    assert replies.do_start_reply(editor, item) == ""
    item.refresh_from_db()
    assert "started a reply" in replies.do_start_reply(owner, item)
    replies.do_reply(editor, item, "@ana@social.example From the editor")
    with pytest.raises(replies.ReplyConflictError, match="replied meanwhile"):
        replies.do_reply(owner, item, "@ana@social.example From the owner", seen=opened)
    assert InboxReply.objects.filter(interaction=item).count() == 1
    # Told, the owner can still send theirs, knowingly.
    replies.do_reply(owner, item, "@ana@social.example From the owner", seen=opened, confirm=True)
    assert InboxReply.objects.filter(interaction=item).count() == 2
    # On the page: the warning, and the form that confirms.
    page = team.client(team.owner).post(
        f"/app/acme/inbox/{item.pk}/",
        {"action": "reply", "text": "@ana@social.example Third", "seen": opened.isoformat()},
    )
    html = page.content.decode()
    assert "replied meanwhile" in html and 'name="confirm" value="on"' in html


def test_likes_follows_and_other_workspaces_cannot_be_answered(team, toot, rival_toot):
    like = arrive(toot, kind="like", text="", reply_ref="")
    with pytest.raises(ValidationError):
        replies.do_reply(team.member(team.editor), like, "Thanks")
    theirs = arrive(rival_toot, text="Not yours")
    answer = team.client(team.editor).post(f"/app/acme/inbox/{theirs.pk}/",
                                           {"action": "reply", "text": "Hi"})  # fmt: skip
    assert answer.status_code == 404
    assert not Post.objects.exists()
    viewer = team.client(team.viewer).post(f"/app/acme/inbox/{like.pk}/",
                                           {"action": "reply", "text": "Hi"})  # fmt: skip
    assert viewer.status_code == 403


def test_saved_replies_fill_the_authors_name_and_refuse_unknown_variables(team, toot, mastodon):
    item = a_toot_to_answer(toot, mastodon)
    editor = team.member(team.editor)
    saved = replies.do_save_reply(editor, "Thanks", "Thanks {first_name}! — {me}")
    assert replies.fill(saved.text, item, editor) == "Thanks Ana! — editor"
    page = team.client(team.editor).get(f"/app/acme/inbox/{item.pk}/").content.decode()
    assert "Thanks Ana! — editor" in page
    with pytest.raises(ValidationError, match="Unknown variable"):
        replies.do_save_reply(editor, "Bad", "Hello {password}")
    with pytest.raises(ValidationError, match="already named"):
        replies.do_save_reply(editor, "thanks", "again")
    with pytest.raises(Exception, match="editor"):
        replies.do_save_reply(team.member(team.contributor), "Mine", "text")
    answer = team.client(team.editor).post("/app/acme/inbox/saved-replies/",
                                           {"name": "Hours", "text": "We open at 9, {name}."})  # fmt: skip
    assert answer.status_code == 302


def test_a_reply_can_mark_the_item_done(team, toot, mastodon):
    item = a_toot_to_answer(toot, mastodon)
    replies.do_reply(team.member(team.editor), item, "@ana@social.example Done!", done=True)
    assert Interaction.objects.get(pk=item.pk).state == "done"
