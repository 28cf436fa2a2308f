"""The people behind the fediverse traffic, against the Fedify peer: a follow of a topic and a
reply from the peer make one contact, with both on its timeline and "follows you" set; the
answer sent from the inbox lands there too, once it is delivered."""

from __future__ import annotations

import pytest

from outlier.inbox import pulls, replies
from outlier.inbox.models import Interaction as InboxItem
from outlier.publishing.models import Channel
from outlier.relationships.models import Contact, Identity
from outlier.relationships.queries import timeline
from tests.conftest import Team
from tests.federation.conftest import Federated, fediverse_channel, handle_of, send_posts
from tests.peers.fedify import FedifyPeer
from tests.relationships.conftest import synced


@pytest.fixture
def channel(federated: Federated, team: Team) -> Channel:
    channel = fediverse_channel(team)
    pulls.schedule()
    return channel


def test_a_reply_from_the_peer_lands_on_the_contacts_timeline_with_our_answer(
    following: Federated, channel: Channel, peer: FedifyPeer, team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    scoop = following.scoop(title="Rivers are rising")
    reply = peer.reply("alice", following.object(scoop), "<p>Which rivers?</p>")
    monkeypatch.setattr(pulls, "PUSHED_EVERY_SECONDS", 0)
    pulls.run_pushed("inbox-worker")
    synced()
    alice = Identity.objects.get(remote_id=peer.actor("alice"))
    assert (alice.network, alice.handle) == ("fediverse", handle_of(peer, "alice"))
    assert alice.follows_you  # she follows the topic
    contact = alice.contact
    assert Contact.objects.count() == 1 and contact.interactions_in == 2
    kinds = [(e.direction, e.kind) for e in timeline(contact)]
    assert ("in", "reply") in kinds and ("in", "follow") in kinds

    item = InboxItem.objects.get(remote_id=reply["note"])
    replies.do_reply(team.member(team.editor), item, "The Meuse and the Rhine.")
    assert send_posts() == 1
    synced()
    contact.refresh_from_db()
    entries = timeline(contact)
    assert (entries[0].direction, entries[0].kind) == ("out", "reply")
    assert "The Meuse and the Rhine." in entries[0].text
    assert contact.interactions_out == 1 and contact.outbound > 0
    page = team.client(team.viewer).get(f"/app/{team.workspace.slug}/contacts/{contact.pk}/")
    assert "Which rivers?" in page.content.decode() and "replied" in page.content.decode()
