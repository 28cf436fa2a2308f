"""What a topic sends to the fediverse links the article through a tracked link (/l/<code>,
UTM medium social, source fediverse), as every other published link does: a scoop's Create
and the object served at its id (one link per publication, kept while the article and the
campaign stay the same; a new one, announced by Update, when the campaign changes; the
article itself once tracking is off), and a post composed on the topic's fediverse channel."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.test import Client

from outlier.curation.actions import do_update_scoop
from outlier.federation.models import PostedNote, Publication
from outlier.links.actions import link_url
from outlier.links.models import Campaign, TrackedLink
from outlier.publishing import actions as publishing
from outlier.publishing.models import Delivery
from tests.conftest import Team
from tests.federation.conftest import Federated, fediverse_channel, send_posts
from tests.peers.fedify import FedifyPeer

AP = "application/activity+json"
ARTICLE = "https://news.example.org/rivers"


def _links(obj: dict[str, Any]) -> tuple[str, list[str]]:
    """(the Link attachment's href, the hrefs in the content)."""
    attached = next(a["href"] for a in obj["attachment"] if a["type"] == "Link")
    return attached, re.findall(r'href="([^"]+)"', obj["content"])


def _tracked(publication: Publication) -> TrackedLink:
    publication.refresh_from_db()
    assert publication.link is not None
    return publication.link


def test_a_scoops_note_links_the_article_through_a_tracked_link(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    scoop = following.scoop(url=ARTICLE, url_key="//news.example.org/rivers")
    assert following.deliver() == 1
    publication = Publication.objects.get()
    link = _tracked(publication)
    assert link.original == ARTICLE
    assert link.target == (
        f"{ARTICLE}?utm_source=fediverse&utm_medium=social&utm_content=scoop-{scoop.pk}"
    )
    (create,) = [p["body"] for p in peer.received("Create")]
    attached, hrefs = _links(create["object"])
    assert attached == link_url(link) and link_url(link) in hrefs
    assert ARTICLE not in create["object"]["content"]
    # The object at its id, and in the outbox: the same address.
    served = Client().get(urlsplit(publication.object_uri).path, HTTP_ACCEPT=AP).json()
    assert _links(served)[0] == link_url(link)
    outbox = f"/ap/topics/{following.topic.pk}/outbox?page=1"
    (item,) = Client().get(outbox, HTTP_ACCEPT=AP).json()["orderedItems"]
    assert _links(item["object"])[0] == link_url(link)

    editor = team.member(team.editor)
    # An edit that keeps the article and the campaign keeps the link.
    do_update_scoop(editor, scoop, title="Rivers are rising fast")
    assert following.deliver() == 1
    assert _tracked(publication) == link
    (update,) = [p["body"] for p in peer.received("Update")]
    assert _links(update["object"])[0] == link_url(link)

    # Another campaign: another link (its utm_campaign), announced.
    spring = Campaign.objects.create(workspace=team.workspace, name="Spring", slug="spring")
    do_update_scoop(editor, scoop, campaign=spring)
    assert following.deliver() == 1
    renewed = _tracked(publication)
    assert renewed != link and "utm_campaign=spring" in renewed.target
    assert _links(peer.received("Update")[-1]["body"]["object"])[0] == link_url(renewed)

    # Tracking off: the article itself.
    do_update_scoop(editor, scoop, tracking=False)
    assert following.deliver() == 1
    publication.refresh_from_db()
    assert publication.link is None
    assert _links(peer.received("Update")[-1]["body"]["object"])[0] == ARTICLE
    assert following.deliver() == 0


def test_a_shared_scoop_posted_on_the_channel_carries_its_tracked_link(
    following: Federated, peer: FedifyPeer, team: Team
) -> None:
    scoop = following.scoop(url=ARTICLE, url_key="//news.example.org/rivers")
    following.deliver()
    peer.reset()
    channel = fediverse_channel(team)
    member = team.member(team.editor)
    draft = publishing.draft_from_scoop(scoop)
    post = publishing.do_save_post(
        member, text=f"{draft['text']}\n\nRead it: {ARTICLE}", link=draft["link"],
        title=draft["title"], channels=[channel], scoop=scoop, tracking=draft["tracking"],
    )  # fmt: skip
    publishing.do_schedule_post(member, post, when="now")
    assert send_posts() == 1
    delivery = Delivery.objects.get(post=post)
    assert delivery.tracked_link is not None
    tracked = link_url(delivery.tracked_link)
    assert delivery.tracked_link.target == (
        f"{ARTICLE}?utm_source=fediverse&utm_medium=social&utm_content=post-{post.pk}"
    )
    assert following.deliver() == 1
    (create,) = [p["body"] for p in peer.received("Create")]
    attached, hrefs = _links(create["object"])
    assert attached == tracked and tracked in hrefs
    assert ARTICLE not in create["object"]["content"]
    assert PostedNote.objects.get().document["attachment"][0]["href"] == tracked
