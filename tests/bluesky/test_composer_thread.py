"""From the composer to the PDS: a long post with its tracked link goes out as the thread the
composer previewed, the tracked link in every post that has the link, each post with `langs`.

Through Outlier's own path (do_save_post, do_schedule_post, the delivery engine), to a real PDS.
"""

from __future__ import annotations

from typing import Any

import pytest

from outlier.networks.threads import MARKER
from outlier.publishing import actions, content, dispatch
from outlier.publishing.models import Channel, Delivery, DeliveryState
from tests.peers.bluesky import Account
from tests.publishing.conftest import make_channel

pytestmark = pytest.mark.django_db
WORKER = "bluesky-thread-worker"
ARTICLE = "https://example.org/rivers/a-long-article-about-the-delta"
SENTENCE = "Rivers carry the stories of the towns along their banks down to the sea. "


@pytest.fixture
def sky(team: Any, alice: Account) -> Channel:
    return make_channel(team.workspace, network="bluesky", name="Sky",
                        settings={"handle": alice.handle, "pds_url": alice.pds_url,
                                  "appview": "none"},
                        credentials={"app_password": alice.app_password})  # fmt: skip


def send(team: Any, channel: Channel, text: str, link: str = "") -> Delivery:
    member = team.member(team.editor)
    post = actions.do_save_post(member, text=text, link=link, channels=[channel])
    actions.do_schedule_post(member, post, when="now")
    dispatch.heartbeat(WORKER)
    dispatch.run_due(WORKER, 10)
    delivery = Delivery.objects.get(post=post)
    assert delivery.state == DeliveryState.SENT, delivery.error
    return delivery


def thread_of(account: Account, root_uri: str) -> list[dict[str, Any]]:
    """The thread's records, first post first, by following the replies down."""
    records = {r["uri"]: r["value"] for r in account.records()}
    chain = [root_uri]
    while children := [uri for uri, value in records.items()
                       if value.get("reply", {}).get("parent", {}).get("uri") == chain[-1]]:  # fmt: skip
        chain.append(children[0])
    return [records[uri] for uri in chain]


def test_the_tracked_link_is_in_every_post_of_the_thread_and_each_has_langs(
    team: Any, sky: Channel, alice: Account, settings: Any
) -> None:
    settings.BASE_URL = "https://go.example.com"  # a host Bluesky makes a link facet of
    text = f"Read {ARTICLE} first. " + SENTENCE * 6 + f"\n{MARKER}\nThe source again: {ARTICLE}"
    previewed = content.thread_for(sky, text, ARTICLE, tracking=True)
    assert previewed is not None and not previewed.problem

    delivery = send(team, sky, text, ARTICLE)

    tracked = f"https://go.example.com/l/{delivery.tracked_link.code}"
    posts = thread_of(alice, delivery.remote_id)
    assert len(posts) == len(previewed.parts) == 3  # as the composer's preview showed it
    assert posts[0]["text"].startswith(f"Read {tracked} first.")
    assert posts[-1]["text"] == f"The source again: {tracked}"
    assert all(ARTICLE not in post["text"] for post in posts)
    for post in (posts[0], posts[-1]):
        links = [f["features"][0]["uri"] for f in post["facets"]
                 if f["features"][0]["$type"] == "app.bsky.richtext.facet#link"]  # fmt: skip
        assert links == [tracked]
    assert posts[0]["embed"]["external"]["uri"] == tracked  # the card, on the first post only
    assert all("embed" not in post for post in posts[1:])
    assert [post["langs"] for post in posts] == [["en-US"]] * 3  # LANGUAGE_CODE "en-us"
    assert delivery.tracked_link.original == ARTICLE


def test_langs_follow_the_sites_language_setting(
    team: Any, sky: Channel, alice: Account, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "pt-br"

    delivery = send(team, sky, "Olá, rios!")

    assert alice.record(delivery.remote_id)["value"]["langs"] == ["pt-BR"]


def test_language_codes_become_bcp47_tags() -> None:
    assert content.language_tag("en-us") == "en-US"
    assert content.language_tag("zh_hant_tw") == "zh-Hant-TW"
    assert content.language_tag(" FR ") == "fr"
    assert content.language_tag("") == ""
