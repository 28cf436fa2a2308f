"""A channel with an AppView address reads counts, followers and notifications straight from that
AppView, not through its PDS; the address goes through the safe client like the PDS's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from outlier.core import safe_http
from outlier.networks.base import Content, Engagement, ErrorKind, InteractionKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from outlier.networks.bluesky.appview import did_web
from tests.bluesky.appview_front import Front
from tests.bluesky.conftest import eventually
from tests.bluesky.social import engage
from tests.peers.bluesky import Account, Network, free_port


@pytest.fixture
def requests(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL Outlier fetches (all Bluesky traffic goes through safe_http.fetch)."""
    seen: list[str] = []
    fetch = safe_http.fetch

    def recording(url: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(url)
        return fetch(url, *args, **kwargs)

    monkeypatch.setattr(safe_http, "fetch", recording)
    return seen


@pytest.fixture
def front(bluesky_network: Network) -> Iterator[Front]:
    served = Front(bluesky_network)
    try:
        yield served
    finally:
        served.stop()


def _asked(requests: list[str], method: str) -> set[str]:
    """The servers (scheme://host:port) asked for an XRPC method."""
    return {url.split("/xrpc/")[0] for url in requests if f"/xrpc/{method}" in url}


def test_engagement_is_read_straight_from_the_appview(
    ann: Account, ben: Account, bluesky_network: Network, requests: list[str]
) -> None:
    direct = BlueskyAdapter(ann.config(appview_url=bluesky_network.appview_url + "/"))
    published = direct.publish(Content(text="Count on me, directly"), "direct-1")
    ours = ann.record(published.remote_id)
    engage(ben, {"uri": ours["uri"], "cid": ours["cid"]}, ann)
    wanted = Engagement(likes=1, reposts=1, replies=1, quotes=1)

    eventually(lambda: direct.engagement([published.remote_id]).get(published.remote_id) == wanted,
               "the AppView's counts, read directly")  # fmt: skip

    assert _asked(requests, "app.bsky.feed.getPosts") == {bluesky_network.appview_url}
    assert bluesky_network.appview_url not in _asked(requests, "com.atproto.repo.createRecord")


def test_the_follower_count_is_read_straight_from_the_appview(
    ann: Account, ben: Account, bluesky_network: Network, requests: list[str]
) -> None:
    direct = BlueskyAdapter(ann.config(appview_url=bluesky_network.appview_url))
    eventually(lambda: direct.follower_count() == 0 or None, "ann's profile indexed")
    ben.create("app.bsky.graph.follow", {"subject": ann.did})

    eventually(lambda: direct.follower_count() == 1, "one follower, read directly")

    assert _asked(requests, "app.bsky.actor.getProfile") == {bluesky_network.appview_url}


def test_notifications_come_from_the_appview_with_a_token_signed_for_it(
    ann: Account, ben: Account, front: Front, requests: list[str]
) -> None:
    direct = BlueskyAdapter(ann.config(appview_url=front.url))
    direct.test()  # the channel's test proves the AppView takes the account's token
    published = direct.publish(Content(text="Talk to me, directly"), "direct-2")
    ours = ann.record(published.remote_id)
    done = engage(ben, {"uri": ours["uri"], "cid": ours["cid"]}, ann)

    page = eventually(
        lambda: (p := direct.interactions("")) and len(p.items) == 6 and p,
        "six notifications, read directly",
    )

    assert {item.kind for item in page.items} == set(InteractionKind) - {
        InteractionKind.MESSAGE,
        InteractionKind.POST,
    }
    assert {item.remote_id for item in page.items} == set(done.values())
    assert "/.well-known/did.json" in front.requests  # where the AppView's DID came from
    assert _asked(requests, "app.bsky.notification.listNotifications") == {front.url}
    assert _asked(requests, "com.atproto.server.getServiceAuth")  # the PDS signed the token


def test_an_appview_without_a_did_document_is_named_for_notifications(
    ann: Account, bluesky_network: Network
) -> None:
    # dev-env's AppView has a did:plc and publishes no DID document: Outlier can only take its
    # address for a did:web, which for an IP address is no DID at all; the PDS says so.
    direct = BlueskyAdapter(ann.config(appview_url=bluesky_network.appview_url))

    with pytest.raises(PublishError) as refused:
        direct.interactions("")

    message = str(refused.value)
    assert refused.value.kind == ErrorKind.PERMANENT  # not AUTH: the account is fine
    guessed = did_web(bluesky_network.appview_url)
    assert guessed.startswith("did:web:127.0.0.1%3A")
    assert message.startswith(f"The account's server will not make a token for {guessed}: the "
                              "AppView publishes no DID document at "
                              f"{bluesky_network.appview_url}/.well-known/did.json")  # fmt: skip
    assert "clear the address to read through the PDS" in message


def test_an_unreachable_or_forbidden_appview_is_named(ann: Account) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(PublishError) as unreachable:
        BlueskyAdapter(ann.config(appview_url=closed)).engagement(["at://did:plc:x/a/b"])
    assert unreachable.value.kind == ErrorKind.TRANSIENT
    assert f"The AppView at {closed} cannot be reached" in str(unreachable.value)

    # 10.0.0.0/8 is not among the networks the tests allow: the safe client refuses it.
    with pytest.raises(PublishError) as forbidden:
        BlueskyAdapter(ann.config(appview_url="http://10.1.2.3")).follower_count()
    assert forbidden.value.kind == ErrorKind.PERMANENT
    assert "Outlier will not connect to the AppView at http://10.1.2.3" in str(forbidden.value)
