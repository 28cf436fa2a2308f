"""What answering an interaction needs comes with it: the status id to reply to (on the
channel's own server), the author's avatar and follower count, the language; a direct status
is a message."""

from __future__ import annotations

import copy

from outlier.networks.base import InteractionKind
from outlier.networks.mastodon import MastodonAdapter

from .conftest import ACCOUNT_ID, FakeMastodon


def _by_id(mastodon: FakeMastodon, notification_id: str) -> dict:
    return next(n for n in mastodon.notifications if n["id"] == notification_id)


def test_written_statuses_can_be_answered(mastodon: FakeMastodon) -> None:
    _by_id(mastodon, "4002")["status"]["language"] = "pt"
    _by_id(mastodon, "4002")["account"]["followers_count"] = 4321

    mention, reply, like, boost, follow = MastodonAdapter(mastodon.config()).interactions().items

    assert (mention.kind, reply.kind) == (InteractionKind.MENTION, InteractionKind.REPLY)
    assert mention.reply_ref == "110000000000000140"  # the status id, not its URI
    assert reply.reply_ref == "110000000000000150"
    assert reply.language == "pt" and mention.language == "en"
    assert reply.author_avatar == "https://other.example/avatars/original/missing.png"
    assert reply.author_followers == 4321
    assert reply.thread_root == ""  # Mastodon names the parent only
    for item in (like, boost, follow):  # the status in them is ours: nothing to answer
        assert item.reply_ref == "" and item.language == ""
    assert follow.author_avatar == "https://elsewhere.example/avatars/original/missing.png"
    assert follow.author_followers == 10


def test_a_direct_status_is_a_message(mastodon: FakeMastodon) -> None:
    private = copy.deepcopy(_by_id(mastodon, "4001"))
    private["id"] = "4007"
    private["status"].update(id="110000000000000160", visibility="direct",
                             uri="https://social.example/users/frank/statuses/160",
                             content="<p>@acme can we talk privately?</p>")  # fmt: skip
    answer = copy.deepcopy(_by_id(mastodon, "4002"))
    answer["id"] = "4008"
    answer["status"].update(id="110000000000000161", visibility="direct",
                            in_reply_to_id="110000000000000155",
                            in_reply_to_account_id=ACCOUNT_ID,
                            uri="https://other.example/users/erin/statuses/161")  # fmt: skip
    mastodon.notifications[:0] = [answer, private]

    items = {i.remote_id: i for i in MastodonAdapter(mastodon.config()).interactions().items}

    message = items["https://social.example/users/frank/statuses/160"]
    assert message.kind is InteractionKind.MESSAGE
    assert message.text == "@acme can we talk privately?"
    assert message.reply_ref == "110000000000000160" and message.subject_id == ""
    # A direct answer to one of ours is still a message, about that status.
    answered = items["https://other.example/users/erin/statuses/161"]
    assert answered.kind is InteractionKind.MESSAGE
    assert answered.subject_id == "110000000000000155"
