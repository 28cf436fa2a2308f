"""The inbox against a real PDS: a reply made on the PDS reaches the inbox through the inbox's
own pull, and the answer written in the inbox goes through the delivery engine into the same
thread (root: our post; parent: their reply). An answer to a reply deleted meanwhile fails
visibly on the delivery."""

from __future__ import annotations

from typing import Any

import pytest

from outlier.inbox import pulls, replies
from outlier.inbox.models import Interaction
from outlier.publishing.models import Channel, Delivery, DeliveryState
from tests.bluesky.conftest import eventually
from tests.bluesky.test_delete_from_network import send
from tests.peers.bluesky import Account
from tests.publishing.conftest import make_channel
from tests.publishing.test_delivery import run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def sky(team: Any, alice: Account) -> Channel:
    return make_channel(team.workspace, network="bluesky", name="Sky",
                        settings={"handle": alice.handle, "pds_url": alice.pds_url,
                                  "appview": "none"},
                        credentials={"app_password": alice.app_password})  # fmt: skip


def bobs_reply(
    team: Any, sky: Channel, alice: Account, bob: Account, text: str
) -> tuple[dict[str, str], Interaction]:
    """Bob answers a post the channel published; the inbox reads it on its own pull."""
    ours = alice.record(send(team, sky, "What should we read next?").remote_id)
    post = {"uri": ours["uri"], "cid": ours["cid"]}
    reply = bob.create(
        "app.bsky.feed.post", {"text": text, "reply": {"root": post, "parent": post}}
    )

    def arrived() -> Interaction | None:
        pulls.read_now(sky)
        return Interaction.objects.filter(channel=sky, remote_id=reply["uri"]).first()

    return reply, eventually(arrived, "the reply in the inbox")


def test_a_reply_on_the_pds_is_answered_from_the_inbox_in_the_same_thread(
    team: Any, sky: Channel, alice: Account, bob: Account
) -> None:
    reply, item = bobs_reply(team, sky, alice, bob, "Middlemarch, obviously.")
    assert (item.kind, item.text, item.author_id) == ("reply", "Middlemarch, obviously.", bob.did)
    assert item.is_work and item.reply_ref == reply["uri"]
    ours = Delivery.objects.get(channel=sky, post__reply_to="")
    assert item.delivery == ours and item.conversation == f"t:{ours.remote_id}"

    answer = replies.do_reply(team.member(team.editor), item, "Good choice, Bob!")
    assert run_worker() == 1
    delivery = Delivery.objects.get(post=answer.post)
    assert delivery.state == DeliveryState.SENT, delivery.error
    record = alice.record(delivery.remote_id)["value"]
    assert record["text"] == "Good choice, Bob!"
    assert record["reply"]["parent"]["uri"] == reply["uri"]
    assert record["reply"]["root"]["uri"] == ours.remote_id


def test_an_answer_to_a_reply_deleted_meanwhile_fails_visibly(
    team: Any, sky: Channel, alice: Account, bob: Account
) -> None:
    reply, item = bobs_reply(team, sky, alice, bob, "I will delete this")
    rkey = reply["uri"].rsplit("/", 1)[-1]
    bob.xrpc("com.atproto.repo.deleteRecord",
             body={"repo": bob.did, "collection": "app.bsky.feed.post", "rkey": rkey})  # fmt: skip
    answer = replies.do_reply(team.member(team.editor), item, "Too late?")
    run_worker()
    delivery = Delivery.objects.get(post=answer.post)
    assert delivery.state == DeliveryState.FAILED and delivery.error
    page = team.client(team.editor).get(f"/app/acme/inbox/{item.pk}/").content.decode()
    assert 'data-delivery-state="failed"' in page
