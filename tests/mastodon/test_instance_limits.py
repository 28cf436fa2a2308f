"""The server's own limits (GET /api/v2/instance) become the channel's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from outlier.networks.base import Content
from outlier.networks.counting import validate
from outlier.networks.mastodon import MastodonAdapter
from outlier.networks.mastodon.instance import limits_from, rules_from
from outlier.networks.rules import RULES

from .conftest import FakeMastodon


def test_an_instance_with_5000_characters(mastodon: FakeMastodon) -> None:
    statuses = mastodon.instance["configuration"]["statuses"]
    statuses.update(max_characters=5000, max_media_attachments=6, characters_reserved_per_url=30)
    media = mastodon.instance["configuration"]["media_attachments"]
    media.update(image_size_limit=8 * 1024 * 1024, image_matrix_limit=2048 * 2048,
                 supported_mime_types=["image/jpeg", "image/png", "video/mp4"])  # fmt: skip
    adapter = MastodonAdapter(mastodon.config())
    assert adapter.channel_rules() is RULES["mastodon"]  # nothing known yet

    adapter.test()

    rules = adapter.channel_rules()
    assert (rules.max_length, rules.max_images, rules.link_length) == (5000, 6, 30)
    assert rules.max_image_bytes == 8 * 1024 * 1024
    assert rules.max_image_pixels == 2048
    assert rules.image_types == ("image/jpeg", "image/png")
    assert (rules.counter, rules.label, rules.mentions_without_domain) == (
        "graphemes", "Mastodon", True,
    )  # fmt: skip
    kept = adapter.config_changes()["instance"]
    assert kept["max_characters"] == 5000 and kept["domain"] == "social.example"
    assert kept["version"] == "4.3.2"

    # Saved with the channel, the limits come back without asking the server again.
    saved = MastodonAdapter({**mastodon.config(), **adapter.config_changes()})
    assert saved.channel_rules() == rules
    long_text = Content(text="word " * 900)  # 4500 characters: too long for 500, fine here
    assert validate(long_text, rules) == []
    assert validate(long_text, RULES["mastodon"]) != []


def test_publish_records_the_limits_too(mastodon: FakeMastodon) -> None:
    mastodon.instance["configuration"]["statuses"]["max_characters"] = 1000
    adapter = MastodonAdapter(mastodon.config())
    adapter.publish(Content(text="Hello"), "dlv-1")
    assert adapter.config_changes()["instance"]["max_characters"] == 1000
    assert adapter.channel_rules().max_length == 1000


def test_stale_limits_are_read_again(mastodon: FakeMastodon) -> None:
    old = datetime.now(UTC) - timedelta(days=2)
    stale = limits_from({"version": "4.3.0", "configuration": {"statuses": {"max_characters": 777}}},
                        mastodon.base, now=old)  # fmt: skip
    adapter = MastodonAdapter({**mastodon.config(), "instance": stale})
    assert adapter.channel_rules().max_length == 777
    adapter.publish(Content(text="Hello"), "dlv-1")
    assert len(mastodon.requests_to("GET", "/api/v2/instance")) == 1
    assert adapter.channel_rules().max_length == 500


def test_limits_of_another_server_are_not_used(mastodon: FakeMastodon) -> None:
    other = limits_from({"configuration": {"statuses": {"max_characters": 9999}}},
                        "https://other.example")  # fmt: skip
    adapter = MastodonAdapter({**mastodon.config(), "instance": other})
    assert adapter.channel_rules() is RULES["mastodon"]


def test_absurd_or_missing_values_fall_back_to_mastodons_defaults() -> None:
    limits = limits_from(
        {"version": "garbage", "configuration": {
            "statuses": {"max_characters": -5, "max_media_attachments": "4",
                         "characters_reserved_per_url": True},
            "media_attachments": {"image_size_limit": 10**20, "supported_mime_types": "image/png"},
        }},
        "https://social.example",
    )  # fmt: skip
    assert limits["version"] == "4.0.0"
    assert rules_from(limits) == RULES["mastodon"]
    assert rules_from(None) is RULES["mastodon"]
    assert rules_from({"max_characters": 0}) == RULES["mastodon"]
