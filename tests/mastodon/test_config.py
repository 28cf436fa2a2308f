"""The channel's settings: what connecting asks for, and what is checked before sending."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.mastodon import MastodonAdapter
from outlier.networks.mastodon.oauth import normalise_instance_url
from outlier.networks.registry import get_adapter

from .conftest import FakeMastodon


def test_the_adapter_is_registered_with_its_fields_and_capabilities() -> None:
    assert get_adapter("mastodon") is MastodonAdapter
    fields = {f.name: f for f in MastodonAdapter.fields}
    assert list(fields) == ["instance_url", "access_token", "visibility"]
    assert fields["access_token"].secret and not fields["instance_url"].secret
    assert [value for value, _ in fields["visibility"].choices] == ["public", "unlisted", "private"]
    assert fields["visibility"].default == "public"
    assert MastodonAdapter.capabilities == {
        "delete", "engagement", "interactions", "followers", "reply", "like", "repost",
        "follower_list", "search", "author_feed",
    }  # fmt: skip
    assert MastodonAdapter.rate_limit is None


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("https://Mastodon.Social/", "https://mastodon.social"),
        ("https://mastodon.social/@alice", "https://mastodon.social"),
        ("@alice@mastodon.social", "https://mastodon.social"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
    ],
)
def test_the_server_address_is_normalised(typed: str, kept: str, loopback_allowed: None) -> None:
    assert normalise_instance_url(typed) == kept


@pytest.mark.parametrize("typed", ["http://social.example", "http://127.0.0.1:3000"])
def test_plain_http_is_refused_outside_the_allowed_networks(typed: str) -> None:
    # Tokens and the app's secret would cross the network in clear; only an address the
    # operator allowed (OUTLIER_ALLOWED_PRIVATE_NETWORKS, here none) may use http.
    with pytest.raises(ValueError, match="must start with https://"):
        normalise_instance_url(typed)


def test_problems_are_tied_to_their_fields() -> None:
    problems = MastodonAdapter(
        {"instance_url": "ftp://x", "access_token": "has spaces in it", "visibility": "everyone",
         "timeout": "500"}
    ).check_config()  # fmt: skip
    assert {p.field for p in problems} == {"instance_url", "access_token", "visibility", "timeout"}
    missing = MastodonAdapter({}).check_config()
    assert {p.field for p in missing} == {"instance_url", "access_token"}


def test_a_token_that_names_a_file_is_sent_as_it_is_never_read(
    mastodon: FakeMastodon, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("tok-from-a-file\n")
    config: dict[str, Any] = mastodon.config(access_token=str(secret))
    with pytest.raises(PublishError) as caught:
        MastodonAdapter(config).publish(Content(text="x"), "k")
    assert caught.value.kind is ErrorKind.AUTH
    sent = mastodon.requests_to("POST", "/api/v1/statuses")[0]
    assert sent.headers["authorization"] == f"Bearer {secret}"  # the path itself, not its content


def test_an_incomplete_channel_sends_nothing(mastodon: FakeMastodon) -> None:
    with pytest.raises(PublishError) as caught:
        MastodonAdapter(mastodon.config(access_token="")).publish(Content(text="x"), "k")
    assert caught.value.kind is ErrorKind.PERMANENT
    assert "Enter the access token" in str(caught.value)
    assert mastodon.seen == []
