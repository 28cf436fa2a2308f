"""A post composed in the publishing app on a topic's fediverse channel reaches the topic's
follower (a real Fedify peer) as Create(Note) with its text, link and image; the delivery
shows the Note's id; the Note is served at its id and listed in the topic's outbox."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from outlier.federation.models import Delivery as ActivityDelivery
from outlier.federation.models import DeliveryState as ActivityState
from outlier.federation.models import OutgoingActivity, PostedNote
from outlier.networks.activitypub.vocabulary import PUBLIC
from outlier.publishing import content
from outlier.publishing.models import Delivery, DeliveryState, PostStatus
from tests.conftest import Team
from tests.federation.conftest import Federated, fediverse_channel, png, post_now, send_posts
from tests.peers.fedify import FedifyPeer

AP = "application/activity+json"


def test_a_post_reaches_the_topics_follower(
    following: Federated, peer: FedifyPeer, team: Team, outlier: str
) -> None:
    channel = fediverse_channel(team)
    post = post_now(
        team, channel, "Rivers are rising fast.\n\nThe <numbers> & the maps: see the article.",
        link="https://news.example.org/rivers", images=((png(), "A river in flood"),),
    )  # fmt: skip

    assert send_posts() == 1
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.SENT
    note = PostedNote.objects.get()
    assert delivery.remote_id == delivery.remote_url == note.object_uri
    assert note.object_uri.startswith(f"{outlier}/ap/notes/")
    said = delivery.events.get(state=DeliveryState.SENT).message
    assert f"Going to the followers of @rivers@{urlsplit(outlier).netloc} on 1 server." in said
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    # Recorded with its fan-out in one go: one Create, one delivery per (shared) inbox.
    create = OutgoingActivity.objects.get(type="Create")
    assert [d.inbox for d in create.deliveries.all()] == [f"{peer.origin}/inbox"]

    assert following.deliver() == 1
    assert ActivityDelivery.objects.get(activity=create).state == ActivityState.DELIVERED
    (received,) = [p["body"] for p in peer.received("Create")]
    obj = received["object"]
    assert received["actor"] == following.actor
    assert PUBLIC in received["to"]
    assert obj["id"] == note.object_uri and obj["type"] == "Note"
    assert obj["attributedTo"] == following.actor
    assert obj["content"].startswith("<p>Rivers are rising fast.</p><p>The &lt;numbers&gt; &amp; ")
    assert delivery.tracked_link is not None
    tracked = f"{outlier}/l/{delivery.tracked_link.code}"  # the link, tracked, in the text
    assert f'<a href="{tracked}" rel="nofollow noopener ugc">{tracked}</a>' in obj["content"]
    image = next(a for a in obj["attachment"] if a["type"] == "Image")
    assert (image["mediaType"], image["name"]) == ("image/png", "A river in flood")
    assert (image["width"], image["height"]) == (40, 30)
    link = next(a for a in obj["attachment"] if a["type"] == "Link")
    assert link["href"] == tracked
    event = peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Create"], what="the Create event"
    )[0]
    assert event["json"]["object"]["id"] == note.object_uri

    # The image is served where the Note says.
    picture = Client().get(urlsplit(image["url"]).path)
    assert picture.status_code == 200
    assert b"".join(picture.streaming_content) == png()  # type: ignore[attr-defined]
    # The Note at its id: the document for servers, a small page for people.
    served = Client().get(urlsplit(note.object_uri).path, HTTP_ACCEPT=AP)
    assert served.status_code == 200 and served.json()["content"] == obj["content"]
    page = Client().get(urlsplit(note.object_uri).path, HTTP_ACCEPT="text/html")
    assert page.status_code == 200 and b"Rivers are rising fast." in page.content
    # In the topic's outbox, beside its scoops.
    scoop = following.scoop(title="A scoop")
    following.deliver()
    outbox = Client().get(f"/ap/topics/{following.topic.pk}/outbox", HTTP_ACCEPT=AP).json()
    assert outbox["totalItems"] == 2
    items = Client().get(f"/ap/topics/{following.topic.pk}/outbox?page=1", HTTP_ACCEPT=AP).json()
    assert [i["object"]["id"] for i in items["orderedItems"]] == [
        following.object(scoop),  # published after the note
        note.object_uri,
    ]
    # The channel reads its follower count from federation's rows.
    assert content.adapter_for(channel).follower_count() == 1  # type: ignore[attr-defined]

    assert send_posts() == 0
    assert following.deliver() == 0
    assert len(peer.received("Create")) == 2  # the note's, then the scoop's


def test_nobody_follows_yet(federated: Federated, team: Team) -> None:
    """No follower: delivered all the same, to no inbox; the Note is in the outbox."""
    channel = fediverse_channel(team)
    post = post_now(team, channel, "First words of the rivers topic.")
    assert send_posts() == 1
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.SENT
    assert "Nobody follows @rivers@" in delivery.events.get(state=DeliveryState.SENT).message
    assert not OutgoingActivity.objects.exists()
    outbox = Client().get(f"/ap/topics/{federated.topic.pk}/outbox?page=1", HTTP_ACCEPT=AP)
    assert [i["object"]["id"] for i in outbox.json()["orderedItems"]] == [delivery.remote_id]


def test_followers_on_one_server_get_one_delivery_and_each_inbox_retries_alone(
    federated: Federated, peer: FedifyPeer, team: Team
) -> None:
    from django.utils import timezone

    from outlier.federation.models import Follower, RemoteActor
    from tests.networks.conftest import free_port

    peer.follow("alice", federated.actor)
    peer.follow("bob", federated.actor)
    federated.deliver()
    peer.reset()
    down = f"http://127.0.0.1:{free_port()}/inbox"  # nothing listens there
    actor = RemoteActor.objects.create(
        uri="http://127.0.0.1:9/users/carol", host="127.0.0.1:9", type="Person", inbox=down,
        fetched_at=timezone.now(),
    )  # fmt: skip
    Follower.objects.create(
        topic=federated.topic, actor=actor, inbox=down, follow_id=actor.uri + "#f"
    )

    post_now(team, fediverse_channel(team), "To alice, bob and carol.")
    assert send_posts() == 1
    federated.deliver(rounds=1)
    deliveries = {d.inbox: d for d in ActivityDelivery.objects.filter(activity__type="Create")}
    assert set(deliveries) == {f"{peer.origin}/inbox", down}
    assert deliveries[f"{peer.origin}/inbox"].state == ActivityState.DELIVERED
    assert len(peer.received("Create")) == 1  # alice and bob share the peer's inbox
    stuck = deliveries[down]
    assert (stuck.state, stuck.attempts) == (ActivityState.PENDING, 1)
    assert stuck.next_attempt_at > timezone.now()  # retried later, on its own
