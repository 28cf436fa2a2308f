"""Network sources on Mastodon, against the recorded API (no Mastodon server runs here): an
account followed as a topic's source and keywords searched on Mastodon (a #tag through the
tag's timeline, other words through /api/v2/search), polled as the worker does.

Each post is stored once as an entry of its source, those with a link offered as the linked
article with reasons naming the account or keyword and the network; a second pull stores
nothing twice. Failures stay on the source that had them: a revoked token (the channel then
needs reconnecting), a rate limit (its Retry-After is waited), a keyword Mastodon refuses, a
removed channel; another source is still read. Adding refuses an unknown account, another
workspace's channel and a channel whose network cannot search, with nothing stored."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from outlier.curation.models import Topic
from outlier.curation.urlkeys import url_key
from outlier.publishing.models import Channel, ChannelStatus
from outlier.sources import network_polling, network_sources
from outlier.sources.models import Entry, Source, Suggestion
from tests.conftest import Team
from tests.publishing.conftest import make_channel

from .conftest import FakeMastodon, fixture

pytestmark = pytest.mark.django_db

WORKER = "test-mastodon-sources"
ERIN = "200002"
FLOODS = "https://news.example/floods"


def erin_status(n: int, **values: Any) -> dict[str, Any]:
    status = copy.deepcopy(fixture("tag_timeline.json")[0])
    status.update(id=str(110000000000003000 + n),
                  uri=f"https://other.example/users/erin/statuses/{110000000000003000 + n}",
                  url=f"https://other.example/@erin/{110000000000003000 + n}", **values)  # fmt: skip
    return status


def channel_on(team: Team, mastodon: FakeMastodon, name: str = "Masto", **config: Any) -> Channel:
    return make_channel(team.workspace, network="mastodon", name=name,
                        settings={"instance_url": mastodon.base, "visibility": "public"},
                        credentials={"access_token": mastodon.token, **config})  # fmt: skip


def due_now(*sources: Source) -> None:
    Source.objects.filter(pk__in=[s.pk for s in sources]).update(next_at=timezone.now())


def pulled(source: Source) -> Source:
    due_now(source)
    assert network_polling.run_due(WORKER) == 1
    source.refresh_from_db()
    assert source.claimed_by == "" and source.checked_at is not None
    return source


def test_an_account_on_mastodon_is_followed(team: Team, topic: Topic,
                                            mastodon: FakeMastodon) -> None:  # fmt: skip
    masto = channel_on(team, mastodon)
    mastodon.authored[ERIN] = [
        erin_status(1, content='<p>&lt;img src=x onerror=alert(1)&gt; Floods: <a href="'
                               f'{FLOODS}">{FLOODS}</a></p>'),
        erin_status(2, content="<p>No link today</p>", card=None),
        erin_status(3, in_reply_to_id="110000000000000001", in_reply_to_account_id="200005"),
    ]  # fmt: skip
    source = network_sources.do_add_account(team.member(team.contributor), topic, masto.pk,
                                            "@erin@other.example", name="Erin")  # fmt: skip
    assert (source.account, source.account_ref, source.name) == (
        "@erin@other.example", ERIN, "Erin")  # fmt: skip

    source = pulled(source)

    assert source.error == "" and source.new_at == source.checked_at
    assert Entry.objects.filter(source=source).count() == 2  # the reply was not asked for
    [made] = Suggestion.objects.filter(topic=topic)
    assert made.url == FLOODS and made.story_key == url_key(FLOODS)
    assert made.title == "<img src=x onerror=alert(1)> Floods: https://news.example/floods"
    assert made.reasons["via"] == ["@erin@other.example on Mastodon"]
    assert made.reasons["sources"] == [source.pk]

    source = pulled(source)
    assert Entry.objects.filter(source=source).count() == 2
    assert Suggestion.objects.count() == 1

    mastodon.authored[ERIN].append(erin_status(9, content='<p>Bees: <a href="https://bees'
                                                          '.example/">bees.example</a></p>'))  # fmt: skip
    source = pulled(source)
    assert Entry.objects.filter(source=source).count() == 3
    assert Suggestion.objects.filter(url="https://bees.example/").exists()

    page = team.client(team.viewer).get(
        reverse("suggestions:list", args=[team.workspace.slug, topic.slug])).content.decode()  # fmt: skip
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


def test_keywords_are_searched_as_hashtags_and_words(team: Team, topic: Topic,
                                                    mastodon: FakeMastodon) -> None:  # fmt: skip
    masto = channel_on(team, mastodon)
    source = network_sources.do_add_keywords(team.member(team.contributor), topic,
                                             "#rivers floods #2026", masto.pk)  # fmt: skip
    assert source.hashtags == ["rivers", "2026"]

    source = pulled(source)

    assert mastodon.requests_to("GET", "/api/v1/timelines/tag/rivers")
    [search] = mastodon.requests_to("GET", "/api/v2/search")
    assert search.query["q"] == ["floods"]
    # Erin's post, found by both, is one entry; bob's has no link: stored, not offered.
    assert Entry.objects.filter(source=source).count() == 2
    [made] = Suggestion.objects.all()
    assert made.url == FLOODS
    assert made.reasons["keywords"] == ["rivers", "floods"]
    assert made.reasons["via"] == ["“rivers” on Mastodon", "“floods” on Mastodon"]
    # The hashtag Mastodon cannot follow is said, and did not stop the others.
    assert "#2026" in source.error and "is not a hashtag" in source.error
    assert source.errors == 0 and source.next_at > timezone.now()


def test_a_revoked_token_stays_on_its_source_and_the_others_are_read(
    team: Team, topic: Topic, mastodon: FakeMastodon
) -> None:
    good = channel_on(team, mastodon)
    revoked = channel_on(team, mastodon, name="Old")
    mastodon.authored[ERIN] = [erin_status(1)]
    member = team.member(team.contributor)
    working = network_sources.do_add_account(member, topic, good.pk, "@erin@other.example")
    broken = network_sources.do_add_keywords(member, topic, "#rivers", revoked.pk)
    Channel.objects.filter(pk=revoked.pk).update(credentials={"access_token": "tok-revoked"})
    due_now(working, broken)

    assert network_polling.run_due(WORKER) == 2

    working.refresh_from_db()
    broken.refresh_from_db()
    assert working.error == "" and Entry.objects.filter(source=working).count() == 1
    assert "access token" in broken.error and broken.errors == 1
    assert broken.next_at is not None and broken.next_at > timezone.now() + timedelta(minutes=4)
    assert Channel.objects.get(pk=revoked.pk).status == ChannelStatus.NEEDS_RECONNECT
    due_now(broken)
    network_polling.run_due(WORKER)
    broken.refresh_from_db()
    assert broken.error == "The channel needs reconnecting." and broken.errors == 2
    listing = team.client(team.viewer).get(
        reverse("sources:list", args=[team.workspace.slug, topic.slug])).content.decode()  # fmt: skip
    row = listing[listing.index(f'data-source="{broken.pk}"') :]
    assert 'data-state="error"' in row[: row.index("</tr>")]
    assert "The channel needs reconnecting." in row[: row.index("</tr>")]


def test_a_rate_limit_waits_what_mastodon_says(team: Team, topic: Topic,
                                               mastodon: FakeMastodon) -> None:  # fmt: skip
    masto = channel_on(team, mastodon)
    source = network_sources.do_add_keywords(team.member(team.contributor), topic, "#rivers",
                                             masto.pk)  # fmt: skip
    mastodon.answer("GET", "/api/v1/timelines/tag/rivers", 429, {"error": "Too many requests"},
                    headers={"Retry-After": "120"})  # fmt: skip
    before = timezone.now()

    source = pulled(source)

    assert source.errors == 1 and source.error
    assert source.next_at is not None
    wait = (source.next_at - before).total_seconds()
    assert 119 <= wait <= 125
    assert not Entry.objects.exists()


def test_a_removed_channel_is_said_on_its_source(team: Team, topic: Topic,
                                                 mastodon: FakeMastodon) -> None:  # fmt: skip
    masto = channel_on(team, mastodon)
    source = network_sources.do_add_account(team.member(team.contributor), topic, masto.pk,
                                            "@erin@other.example")  # fmt: skip
    masto.delete()

    source = pulled(source)

    assert "channel that read this source was removed" in source.error and source.errors == 1


def refused(call: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_bad_sources_are_refused_and_nothing_is_stored(team: Team, topic: Topic,
                                                       mastodon: FakeMastodon) -> None:  # fmt: skip
    member = team.member(team.contributor)
    masto = channel_on(team, mastodon)
    theirs = make_channel(team.other_workspace, network="mastodon", name="Theirs",
                          settings={"instance_url": mastodon.base},
                          credentials={"access_token": mastodon.token})  # fmt: skip
    hook = make_channel(team.workspace)  # a webhook: it neither searches nor reads accounts

    unknown = refused(lambda: network_sources.do_add_account(member, topic, masto.pk,
                                                             "@nobody@nowhere.example"))  # fmt: skip
    assert "knows no account @nobody@nowhere.example" in unknown["account"][0]
    assert refused(lambda: network_sources.do_add_account(member, topic, theirs.pk,
                                                          "@erin@other.example")) == {
        "channel": ["Choose one of this workspace's channels."]}  # fmt: skip
    assert "cannot search posts" in refused(lambda: network_sources.do_add_keywords(
        member, topic, "solar", hook.pk))["channel"][0]  # fmt: skip
    assert "cannot read an account's posts" in refused(lambda: network_sources.do_add_account(
        member, topic, hook.pk, "@erin@other.example"))["channel"][0]  # fmt: skip
    assert refused(lambda: network_sources.do_add_keywords(member, topic, "solar", theirs.pk))
    network_sources.do_add_account(member, topic, masto.pk, "@erin@other.example")
    assert "already follows" in refused(lambda: network_sources.do_add_account(
        member, topic, masto.pk, "@Erin@other.example"))["account"][0]  # fmt: skip
    mastodon.revoked = True
    assert "Reconnect the channel" in refused(lambda: network_sources.do_add_account(
        member, topic, masto.pk, "@erin@other.example"))["account"][0]  # fmt: skip
    assert Source.objects.count() == 1


def test_the_sources_screen_adds_an_account_and_searched_keywords(
    team: Team, topic: Topic, mastodon: FakeMastodon
) -> None:
    masto = channel_on(team, mastodon)
    hook = make_channel(team.workspace)
    client = team.client(team.contributor)
    url = reverse("sources:list", args=[team.workspace.slug, topic.slug])
    page = client.get(url).content.decode()
    assert "data-add-account" in page and "Masto (Mastodon)" in page
    assert f'value="{hook.pk}"' not in page  # a webhook channel is offered nowhere
    assert "posts without a link are not" in page

    added = client.post(reverse("sources:account", args=[team.workspace.slug, topic.slug]),
                        {"channel": masto.pk, "account": "@erin@other.example"})  # fmt: skip
    assert added.status_code == 302
    bad = client.post(reverse("sources:account", args=[team.workspace.slug, topic.slug]),
                      {"channel": masto.pk, "account": "@nobody@nowhere.example"})  # fmt: skip
    assert bad.status_code == 400 and "knows no account" in bad.content.decode()
    words = client.post(reverse("sources:keywords", args=[team.workspace.slug, topic.slug]),
                        {"keywords": "#rivers", "channel": masto.pk, "name": ""})  # fmt: skip
    assert words.status_code == 302
    other = client.post(reverse("sources:keywords", args=[team.workspace.slug, topic.slug]),
                        {"keywords": "solar", "channel": hook.pk, "name": ""})  # fmt: skip
    assert other.status_code == 400
    assert [s.kind for s in Source.objects.order_by("pk")] == ["account", "keywords"]
    assert team.client(team.viewer).post(
        reverse("sources:account", args=[team.workspace.slug, topic.slug]),
        {"channel": masto.pk, "account": "@erin@other.example"}).status_code == 403  # fmt: skip
    listing = client.get(url).content.decode()
    assert "read through Masto" in listing and "also searched through Masto" in listing
    assert listing.count('data-state="waiting"') == 2


def test_a_lease_is_held_and_taken_over_after_a_dead_worker(
    team: Team, topic: Topic, mastodon: FakeMastodon
) -> None:
    masto = channel_on(team, mastodon)
    mastodon.authored[ERIN] = [erin_status(1)]
    member = team.member(team.contributor)
    source = network_sources.do_add_account(member, topic, masto.pk, "@erin@other.example")
    network_sources.do_add_keywords(member, topic, "solar")  # no channel: matched, not polled

    assert network_polling.claim("dead-worker", 5) == [source.pk]
    assert network_polling.run_due(WORKER) == 0  # held by the dead worker's lease
    Source.objects.filter(pk=source.pk).update(
        claimed_at=timezone.now() - timedelta(seconds=network_polling.LEASE_SECONDS + 1))  # fmt: skip
    assert network_polling.run_due(WORKER) == 1
    assert Entry.objects.filter(source=source).count() == 1
    assert network_polling.run_due(WORKER) == 0  # not due again before its interval
