"""A listening stream end to end, against the dev-env PDS and AppView: a hashtag search made
with the streams' action, posts written on the PDS by other accounts, the stream's pull as
the worker runs it; each post is stored once as an inbox row of kind "post" linked to the
stream, a second pull stores nothing twice, and the stream's page shows them with their
authors. (The dev AppView's searchPosts matches the text: a hashtag is found as written.)"""

from __future__ import annotations

import secrets
from html import escape

import pytest
from django.utils import timezone

from outlier.inbox import pulls
from outlier.inbox.models import Interaction
from outlier.publishing import content
from outlier.publishing.models import Channel
from outlier.relationships import streams
from outlier.relationships.models import Identity, Stream, StreamHit
from tests.bluesky.conftest import eventually
from tests.conftest import Team
from tests.peers.bluesky import Account, Network
from tests.publishing.conftest import make_channel
from tests.relationships.conftest import synced

pytestmark = pytest.mark.django_db

WORKER = "test-stream-worker"
LINK = "https://news.example/rivers?id=7"


@pytest.fixture
def sky(team: Team, ann: Account) -> Channel:
    """Ann's channel, reading through her PDS (which forwards app.bsky.* to the AppView)."""
    return make_channel(team.workspace, network="bluesky", name="Sky",
                        settings={"handle": ann.handle, "pds_url": ann.pds_url},
                        credentials={"app_password": ann.app_password})  # fmt: skip


def named(account: Account, name: str) -> None:
    account.xrpc("com.atproto.repo.putRecord", body={
        "repo": account.did, "collection": "app.bsky.actor.profile", "rkey": "self",
        "record": {"$type": "app.bsky.actor.profile", "displayName": name},
    })  # fmt: skip


def tagged(author: Account, text: str, tag: str, link: str = "", **record: object) -> str:
    """A post whose text ends with #tag (with its tag facet, and a link facet for `link`)."""
    full = f"{text} {link} #{tag}" if link else f"{text} #{tag}"
    facets = [{"index": {"byteStart": len(full.encode()) - len(tag) - 1,
                         "byteEnd": len(full.encode())},
               "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]}]  # fmt: skip
    if link:
        start = len(full[: full.index(link)].encode())
        facets.append({"index": {"byteStart": start, "byteEnd": start + len(link.encode())},
                       "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}]})  # fmt: skip
    return author.create("app.bsky.feed.post", {"text": full, "facets": facets, **record})["uri"]


def searched(channel: Channel, query: str, count: int) -> None:
    """Wait until the AppView's search finds `count` posts (it indexes asynchronously)."""
    adapter = content.adapter_for(channel)
    eventually(lambda: len(adapter.search_posts(query).posts) == count or None,
               f"{count} posts indexed for {query}")  # fmt: skip


def pulled(stream: Stream) -> Stream:
    """Make the stream due and run the worker's job, as after the interval."""
    Stream.objects.filter(pk=stream.pk).update(next_at=timezone.now())
    assert streams.run_due(WORKER) == 1
    stream.refresh_from_db()
    assert stream.last_error == "" and stream.claimed_by == "" and stream.last_ok_at
    assert stream.next_at > timezone.now()
    return stream


def test_a_hashtag_stream_stores_each_post_once_and_shows_it_with_its_author(
    team: Team, sky: Channel, ann: Account, ben: Account, bluesky_network: Network
) -> None:
    carol = bluesky_network.account("carol")
    named(ben, "Ben <b>Reader</b>")
    tag = "zq" + secrets.token_hex(4)
    bens = tagged(ben, "The river is rising", tag, link=LINK)
    carols = tagged(carol, "Sandbags on the quay", tag)
    ben.create("app.bsky.feed.post", {"text": f"Not tagged: {tag[:-1]}"})  # no match
    stream = streams.do_create_stream(team.member(team.editor), sky.pk, "search", f"  #{tag} ",
                                      name="Flood watch")  # fmt: skip
    assert (stream.kind, stream.query, stream.next_at <= timezone.now()) == (
        "search", f"#{tag}", True)  # fmt: skip
    searched(sky, f"#{tag}", 2)

    stream = pulled(stream)

    assert stream.found == 2
    posts = {p.remote_id: p for p in Interaction.objects.filter(channel=sky)}
    assert set(posts) == {bens, carols}
    assert {p.kind for p in posts.values()} == {"post"}
    assert not any(p.is_work for p in posts.values())  # not the inbox's work
    ben_post = posts[bens]
    assert (ben_post.author_id, ben_post.author_handle, ben_post.author_name) == (
        ben.did, ben.handle, "Ben <b>Reader</b>")  # fmt: skip
    assert ben_post.text == f"The river is rising {LINK} #{tag}"
    assert ben_post.url == f"https://bsky.app/profile/{ben.handle}/post/{bens.rsplit('/', 1)[1]}"
    links = dict(StreamHit.objects.filter(stream=stream).values_list("interaction_id", "link"))
    assert links == {ben_post.pk: LINK, posts[carols].pk: ""}

    stream = pulled(stream)  # the same posts again: nothing stored twice
    assert stream.found == 2
    assert Interaction.objects.count() == 2 and StreamHit.objects.count() == 2

    later = tagged(carol, "The water is going down", tag)
    searched(sky, f"#{tag}", 3)
    stream = pulled(stream)
    assert stream.found == 3 and StreamHit.objects.count() == 3
    assert [h.interaction.remote_id for h in streams.hits(stream)][0] == later  # newest first

    page = team.client(team.contributor).get(f"/app/{team.workspace.slug}/streams/{stream.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("data-post=") == 3
    assert escape("Ben <b>Reader</b>") in text and "<b>Reader</b>" not in text
    assert ben.handle in text and carol.handle in text
    assert "Sandbags on the quay" in text and "The water is going down" in text
    assert "?url=https%3A//news.example/rivers%3Fid%3D7" in text  # scoop the link
    listing = team.client(team.viewer).get(f"/app/{team.workspace.slug}/streams/").content
    assert b"Flood watch" in listing

    synced()
    assert not Identity.objects.exists()  # a post found is not an interaction with us


def test_a_reply_to_us_that_the_stream_finds_is_one_row(
    team: Team, sky: Channel, ann: Account, ben: Account
) -> None:
    ours = ann.create("app.bsky.feed.post", {"text": "Where is the water highest?"})
    adapter = content.adapter_for(sky)  # a reply indexed before its parent notifies nobody
    eventually(lambda: ours["uri"] in adapter.engagement([ours["uri"]]), "ann's post indexed")
    tag = "zq" + secrets.token_hex(4)
    reply = tagged(ben, "At the old bridge", tag, reply={"root": ours, "parent": ours})

    def in_the_inbox() -> Interaction | None:
        pulls.read_now(sky)
        return Interaction.objects.filter(channel=sky, remote_id=reply).first()

    item = eventually(in_the_inbox, "ben's reply in the inbox")
    assert item.kind == "reply" and item.is_work
    stream = streams.do_create_stream(team.member(team.editor), sky.pk, "search", f"#{tag}")
    searched(sky, f"#{tag}", 1)

    stream = pulled(stream)

    assert stream.found == 1
    item.refresh_from_db()
    assert Interaction.objects.filter(channel=sky).count() == 1
    assert (item.kind, item.is_work) == ("reply", True)  # still the inbox's reply
    assert list(StreamHit.objects.values_list("stream_id", "interaction_id")) == [
        (stream.pk, item.pk)]  # fmt: skip
