"""The next scoop published in a followed topic reaches the follower's inbox as Create(Note),
with the link to the article (tracked) and its image attached; sweeping again sends nothing more."""

from __future__ import annotations

import time

from outlier.curation.actions import do_publish_scoop
from outlier.federation import dispatch
from outlier.federation.models import Delivery, DeliveryState, OutgoingActivity, Publication
from outlier.links.actions import link_url
from outlier.networks.activitypub.vocabulary import PUBLIC
from tests.conftest import Team
from tests.federation.conftest import Federated
from tests.peers.fedify import FedifyPeer


def test_a_published_scoop_reaches_the_follower(following: Federated, peer: FedifyPeer) -> None:
    scoop = following.scoop(
        title="Rivers are rising",
        url="https://news.example.org/rivers",
        excerpt="The fastest rise in a century.",
        site_name="Daily Planet",
    )
    assert dispatch.sweep() == 1
    started = time.perf_counter()
    assert dispatch.run_due("w1", 10) == 1
    send_ms = (time.perf_counter() - started) * 1000
    assert Delivery.objects.get(activity__type="Create").state == DeliveryState.DELIVERED

    posts = peer.wait_for(
        lambda s: [p for p in s["received"] if p["body"].get("type") == "Create"], what="the Create"
    )
    assert len(posts) == 1 and posts[0]["status"] == 202
    create = posts[0]["body"]
    note = create["object"]
    assert create["actor"] == following.actor
    assert note["type"] == "Note"
    assert note["id"] == following.object(scoop)
    assert note["attributedTo"] == following.actor
    assert PUBLIC in create["to"]
    assert "Rivers are rising" in note["content"]
    assert "The fastest rise in a century." in note["content"]
    link_row = Publication.objects.select_related("link").get().link
    assert link_row is not None
    tracked = link_url(link_row)  # /l/<code>
    assert f'<a href="{tracked}"' in note["content"]
    assert "<strong>reading</strong>" in note["content"]
    image = next(a for a in note["attachment"] if a["type"] == "Image")
    assert image["url"] == "https://news.example.org/images/river.jpg"
    assert image["mediaType"] == "image/jpeg"
    link = next(a for a in note["attachment"] if a["type"] == "Link")
    assert link["href"] == tracked
    # Fedify parsed it and handed it to its listener.
    event = peer.wait_for(
        lambda s: [e for e in s["events"] if e["type"] == "Create"], what="the event"
    )[0]
    assert event["json"]["object"]["id"] == note["id"]
    print(f"Create delivered in {send_ms:.0f} ms")

    assert dispatch.sweep() == 0
    assert dispatch.run_due("w1", 10) == 0
    assert OutgoingActivity.objects.filter(type="Create").count() == 1


def test_publishing_a_draft_announces_it(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    draft = following.scoop(state="draft", published_at=None, title="Later")
    assert following.deliver() == 0
    do_publish_scoop(team.member(team.editor), draft)
    assert following.deliver() == 1
    assert [p["body"]["object"]["id"] for p in peer.received("Create")] == [following.object(draft)]


def test_an_old_scoop_becoming_visible_is_recorded_but_not_pushed(following: Federated) -> None:
    from datetime import timedelta

    from django.utils import timezone

    old = following.scoop(published_at=timezone.now() - timedelta(days=30))
    assert dispatch.sweep() == 1
    assert Publication.objects.get().scoop_id == old.pk
    assert not Delivery.objects.filter(activity__type="Create").exists()
