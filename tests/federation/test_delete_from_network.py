"""An editor deletes a post sent on a topic's fediverse channel: the deletion worker calls the
channel, which sends Delete to the followers; the real Fedify peer receives it."""

from __future__ import annotations

from outlier.publishing import actions, deletions
from outlier.publishing import dispatch as publishing_dispatch
from outlier.publishing.models import Delivery, DeliveryState
from tests.conftest import Team
from tests.federation.conftest import Federated, fediverse_channel, post_now, send_posts
from tests.peers.fedify import FedifyPeer

WORKER = "fediverse-delete-worker"


def test_deleting_from_the_fediverse_sends_delete_to_the_followers(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    channel = fediverse_channel(team)
    post = post_now(team, channel, "Posted by mistake.")
    send_posts()
    following.deliver()
    peer.wait_for(lambda s: [e for e in s["events"] if e["type"] == "Create"], what="the Create")
    delivery = Delivery.objects.select_related("channel").get(post=post)
    note_id = delivery.remote_id

    response = team.client(team.editor).post(
        f"/app/acme/posts/{post.pk}/deliveries/{delivery.pk}/delete/"
    )
    assert response.status_code == 302
    assert not peer.received("Delete")  # the web request only asks

    publishing_dispatch.heartbeat(WORKER)
    assert deletions.run_due(WORKER, 10) == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.DELETED, delivery.delete_error
    assert following.deliver() == 1
    (deletion,) = [p["body"] for p in peer.received("Delete")]
    assert deletion["actor"] == following.actor
    assert deletion["object"] == {"id": note_id, "type": "Tombstone", "formerType": "Note"}

    # Asked again: refused, and nothing more goes out.
    refused = team.client(team.editor).post(
        f"/app/acme/posts/{post.pk}/deliveries/{delivery.pk}/delete/", follow=True
    )
    assert "already deleted from Fediverse" in refused.content.decode()
    assert following.deliver() == 0
    assert actions.network_deletes("fediverse")
