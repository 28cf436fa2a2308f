"""Network sources against the dev-env PDS and AppView: a Bluesky account followed as a
topic's source, and keywords also searched on Bluesky, polled as the worker does.

Each post is stored once as an entry of its source; the posts that carry a link are offered
as the linked article (the story is the article's address, its title the link card's), with
reasons naming the account or the keyword and the network; posts without a link, reposts and
replies are not offered; a second pull stores nothing twice; a hostile post text is inert on
the suggestions page; an account Bluesky does not know is refused with nothing stored."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from outlier.curation.models import Topic
from outlier.curation.urlkeys import url_key
from outlier.publishing import content
from outlier.publishing.models import Channel, ChannelStatus
from outlier.sources import network_polling, network_sources
from outlier.sources.models import Entry, Source, SourceKind, Suggestion
from tests.bluesky.conftest import eventually
from tests.bluesky.test_connect_check import revoke_app_passwords
from tests.bluesky.test_stream_pull import tagged
from tests.conftest import Team
from tests.peers.bluesky import Account, Network
from tests.publishing.conftest import make_channel

pytestmark = pytest.mark.django_db

WORKER = "test-network-sources"
ARTICLE = "https://news.example/rivers/2026/flood?utm_source=bsky"
OTHER = "https://science.example/bees"


@pytest.fixture
def sky(team: Team, ann: Account) -> Channel:
    """Ann's channel, reading through her PDS (which forwards app.bsky.* to the AppView)."""
    return make_channel(team.workspace, network="bluesky", name="Sky",
                        settings={"handle": ann.handle, "pds_url": ann.pds_url},
                        credentials={"app_password": ann.app_password})  # fmt: skip


def carded(author: Account, text: str, link: str, title: str, description: str) -> str:
    """A post with a link facet and a link card for `link`."""
    full = f"{text} {link}"
    start = len(full[: full.index(link)].encode())
    return author.create("app.bsky.feed.post", {
        "text": full,
        "facets": [{"index": {"byteStart": start, "byteEnd": start + len(link.encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}]}],
        "embed": {"$type": "app.bsky.embed.external",
                  "external": {"uri": link, "title": title, "description": description}},
    })["uri"]  # fmt: skip


def pulled(source: Source) -> Source:
    """Make the source due and run the worker's job, as after the interval."""
    Source.objects.filter(pk=source.pk).update(next_at=timezone.now())
    assert network_polling.run_due(WORKER) == 1
    source.refresh_from_db()
    assert source.claimed_by == "" and source.checked_at is not None
    assert source.next_at is not None and source.next_at > timezone.now()
    return source


def test_an_account_is_followed_and_its_linked_posts_become_suggestions(
    team: Team, topic: Topic, sky: Channel, ann: Account, ben: Account
) -> None:
    carol_post = ann.create("app.bsky.feed.post", {"text": "Ann's own post"})
    linked = carded(ben, "<script>alert(1)</script> The river is rising:", ARTICLE,
                    "Flood <b>warning</b> for the valley", "The water is at its highest.")  # fmt: skip
    plain = ben.create("app.bsky.feed.post", {"text": "Just a thought, no link"})["uri"]
    ben.create("app.bsky.feed.repost", {"subject": carol_post})  # not ben's own post
    adapter = content.adapter_for(sky)
    eventually(lambda: len(adapter.author_posts(ben.did).posts) == 2 or None,
               "ben's posts indexed")  # fmt: skip

    source = network_sources.do_add_account(team.member(team.contributor), topic, sky.pk,
                                            f"@{ben.handle}")  # fmt: skip
    assert (source.kind, source.account, source.account_ref) == (
        SourceKind.ACCOUNT, f"@{ben.handle}", ben.did)  # fmt: skip
    assert source.name == f"@{ben.handle} on Bluesky" and source.channel_id == sky.pk

    source = pulled(source)

    assert source.error == "" and source.errors == 0 and source.new_at == source.checked_at
    assert source.interval_seconds == 450  # new posts: read twice as often
    entries = {e.url: e for e in Entry.objects.filter(source=source)}
    assert len(entries) == 2  # the repost is not ben's post
    assert set(entries) == {ARTICLE, f"https://bsky.app/profile/{ben.handle}/post/"
                                     f"{plain.rsplit('/', 1)[1]}"}  # fmt: skip
    [made] = Suggestion.objects.filter(topic=topic)  # the post without a link is not offered
    assert made.url == ARTICLE and made.story_key == url_key(ARTICLE)
    assert made.title == "Flood <b>warning</b> for the valley"  # the card's
    assert "The river is rising" in made.text and "at its highest" in made.text
    assert made.reasons["sources"] == [source.pk]
    assert made.reasons["via"] == [f"@{ben.handle} on Bluesky"]
    assert linked  # its at:// URI is the entry's GUID
    assert Entry.objects.filter(source=source, url=ARTICLE).get().author == ben.handle

    source = pulled(source)  # nothing new: nothing stored or offered twice
    assert Entry.objects.filter(source=source).count() == 2
    assert Suggestion.objects.filter(topic=topic).count() == 1
    assert source.interval_seconds == 562  # nothing new: a quarter later

    page = team.client(team.contributor).get(
        reverse("suggestions:list", args=[team.workspace.slug, topic.slug]))  # fmt: skip
    body = page.content.decode()
    assert "Flood &lt;b&gt;warning&lt;/b&gt;" in body and "<b>warning</b>" not in body
    assert "&lt;script&gt;alert(1)" in body and "<script>alert(1)" not in body
    why = body[body.index("data-why>") :]
    why = why[: why.index("</p>")]
    assert f"from @{ben.handle} on Bluesky" in why and why.count(ben.handle) == 1  # named once
    sources = team.client(team.viewer).get(
        reverse("sources:list", args=[team.workspace.slug, topic.slug])).content.decode()  # fmt: skip
    row = sources[sources.index(f'data-source="{source.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-state="ok"' in row and "read through Sky" in row and "ago" in row


def test_keywords_are_also_searched_on_bluesky(
    team: Team, topic: Topic, sky: Channel, ben: Account
) -> None:
    tag = "zq" + secrets.token_hex(4)
    word = "zw" + secrets.token_hex(4)
    tagged(ben, "Bees are back", tag, link=OTHER)
    ben.create("app.bsky.feed.post", {"text": f"Nothing to link about {word}"})
    adapter = content.adapter_for(sky)
    eventually(lambda: len(adapter.search_posts(f"#{tag}").posts) == 1 or None, "tag indexed")
    eventually(lambda: len(adapter.search_posts(word).posts) == 1 or None, "word indexed")

    source = network_sources.do_add_keywords(team.member(team.contributor), topic,
                                             f"#{tag} {word}", sky.pk)  # fmt: skip
    assert source.keywords == [tag, word] and source.hashtags == [tag]
    assert source.channel_id == sky.pk and source.next_at is not None

    source = pulled(source)

    assert source.error == ""
    assert Entry.objects.filter(source=source).count() == 2
    [made] = Suggestion.objects.filter(topic=topic)
    assert made.url == OTHER and made.title.startswith("Bees are back")
    assert made.reasons["keywords"] == [tag]
    assert made.reasons["via"] == [f"“{tag}” on Bluesky"]

    source = pulled(source)
    assert Entry.objects.filter(source=source).count() == 2
    assert Suggestion.objects.filter(topic=topic).count() == 1


def test_an_account_bluesky_does_not_know_is_refused(
    team: Team, topic: Topic, sky: Channel
) -> None:
    member = team.member(team.contributor)
    with pytest.raises(ValidationError) as caught:
        network_sources.do_add_account(member, topic, sky.pk, "nobody-here-7x.test")
    assert "Bluesky knows no account nobody-here-7x.test" in str(caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:
        network_sources.do_add_account(member, topic, sky.pk, "not a handle")
    assert "is not a Bluesky handle" in str(caught.value.message_dict["account"])
    assert not Source.objects.exists()


def test_a_revoked_app_password_stays_on_its_source(
    team: Team, topic: Topic, bluesky_network: Network
) -> None:
    cleo = bluesky_network.account("cleo")
    channel = make_channel(team.workspace, network="bluesky", name="Cleo",
                           settings={"handle": cleo.handle, "pds_url": cleo.pds_url},
                           credentials={"app_password": cleo.app_password})  # fmt: skip
    source = network_sources.do_add_keywords(team.member(team.contributor), topic,
                                             "#rivers", channel.pk)  # fmt: skip
    revoke_app_passwords(cleo)  # as when someone revokes it in Bluesky's settings

    assert network_polling.run_due(WORKER) == 1

    source.refresh_from_db()
    assert "app password" in source.error and source.errors == 1
    assert source.next_at is not None and source.next_at > timezone.now() + timedelta(minutes=4)
    assert Channel.objects.get(pk=channel.pk).status == ChannelStatus.NEEDS_RECONNECT
    assert not Entry.objects.filter(source=source).exists()
