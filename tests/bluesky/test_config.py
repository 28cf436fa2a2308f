"""The channel's settings: what connecting asks for, and what is wrong with what was given."""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest

from outlier.networks.base import Content, ErrorKind, PublishError, RateLimit
from outlier.networks.bluesky import BlueskyAdapter
from outlier.networks.registry import RULES, get_adapter
from outlier.publishing.models import Channel
from tests.bluesky.appview_front import Front
from tests.bluesky.conftest import eventually
from tests.peers.bluesky import Account, Network

GOOD = {"handle": "alice.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}


def _problems(**config: object) -> dict[str, str]:
    return {p.field: p.message for p in BlueskyAdapter({**GOOD, **config}).check_config()}


def test_bluesky_is_registered_with_its_interface() -> None:
    adapter = get_adapter("bluesky")
    assert adapter is BlueskyAdapter
    assert adapter.capabilities >= {"delete", "engagement", "interactions", "followers"}
    assert "link_card" in adapter.capabilities
    assert adapter.rate_limit == RateLimit(5000, 3600, 3)
    assert BlueskyAdapter(GOOD).channel_rules() == RULES["bluesky"]
    fields = {f.name: f for f in adapter.fields}
    assert fields["app_password"].secret and not fields["handle"].secret
    assert fields["pds_url"].default == "https://bsky.social"
    assert dict(fields["appview"].choices).keys() == {"pds", "none"}
    assert fields["appview_url"].kind == "url"
    assert not fields["appview_url"].required and not fields["appview_url"].secret


def test_a_good_config_has_no_problems() -> None:
    assert _problems() == {}
    assert _problems(handle="@alice.example.com", pds_url="https://pds.example.com/") == {}
    assert _problems(handle="did:plc:abc123", appview="none") == {}
    assert _problems(appview_url="https://api.bsky.app/") == {}
    assert BlueskyAdapter({**GOOD, "appview_url": " https://api.bsky.app/ "}).appview_url == (
        "https://api.bsky.app"
    )


@pytest.mark.parametrize(
    ("config", "field", "says"),
    [
        ({"handle": ""}, "handle", "Enter the account's handle"),
        ({"handle": "alice"}, "handle", "not a Bluesky handle"),
        ({"app_password": " "}, "app_password", "app password"),
        ({"pds_url": "ftp://pds.example"}, "pds_url", "must start with https://"),
        ({"pds_url": "https://user:pw@pds.example"}, "pds_url", "no user name"),
        ({"pds_url": "https://pds.example/xrpc"}, "pds_url", "address alone"),
        ({"pds_url": "https://"}, "pds_url", "no valid host"),
        ({"appview": "elsewhere"}, "appview", "Choose where"),
        ({"appview_url": "ftp://api.bsky.app"}, "appview_url", "must start with https://"),
        ({"appview_url": "https://api.bsky.app/xrpc"}, "appview_url", "address alone"),
        ({"appview_url": "https://me:pw@api.bsky.app"}, "appview_url", "no user name"),
        (
            {"appview_url": "https://api.bsky.app", "appview": "none"},
            "appview_url",
            "stands alone reads from no AppView",
        ),
    ],
)
def test_bad_settings_are_named(config: dict[str, str], field: str, says: str) -> None:
    assert says in _problems(**config)[field]


def test_publishing_with_a_bad_config_fails_before_any_request() -> None:
    with pytest.raises(PublishError) as failure:
        BlueskyAdapter({"handle": "", "app_password": ""}).publish(Content(text="x"), "k")
    assert failure.value.kind == ErrorKind.PERMANENT
    assert "not set up" in str(failure.value)


def test_nothing_to_post_is_refused_before_any_request() -> None:
    with pytest.raises(PublishError) as failure:
        BlueskyAdapter(GOOD).publish(Content(text="  "), "k")
    assert failure.value.kind == ErrorKind.PERMANENT
    assert "nothing to post" in str(failure.value)


@pytest.mark.django_db
def test_the_connect_form_asks_for_the_appview_address_and_checks_it(
    team: Any, ann: Account, bluesky_network: Network
) -> None:
    client = team.client(team.editor)
    form = lxml.html.fromstring(client.get("/app/acme/channels/new/?network=bluesky").content)
    assert form.xpath('//input[@name="appview_url"]/@type') == ["url"]
    data = {"network": "bluesky", "name": "Sky", "handle": ann.handle,
            "app_password": ann.app_password, "pds_url": ann.pds_url,
            "appview": "pds", "timezone": "UTC", "queue_times": ""}  # fmt: skip

    refused = client.post("/app/acme/channels/new/", {**data, "appview_url": "https://x.example/a"})
    shown = lxml.html.fromstring(refused.content).text_content()
    assert "Give the AppView's address alone, e.g. https://x.example." in shown
    assert not Channel.objects.exists()

    # Connecting signs in and asks the AppView named (a real one, behind its did:web front).
    front = Front(bluesky_network)
    try:
        direct = BlueskyAdapter(ann.config(appview_url=front.url))
        eventually(lambda: direct.follower_count() == 0 or None, "ann's profile indexed")
        client.post("/app/acme/channels/new/", {**data, "appview_url": front.url})
    finally:
        front.stop()
    channel = Channel.objects.get()
    assert channel.settings["appview_url"] == front.url
    assert "appview_url" not in channel.credentials
