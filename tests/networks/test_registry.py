"""The registry: adapters by name, and the rules of every network the composer checks."""

from __future__ import annotations

import pytest

from outlier.networks.counting import COUNTERS
from outlier.networks.registry import ADAPTERS, RULES, get_adapter

LISTENING = {"engagement", "interactions", "followers"}
ANSWERING = {"reply", "like", "repost", "pushed"}  # what the inbox answers with
PEOPLE = {"follower_list", "search", "feed"}  # relationships and listening streams
SOURCES = {"author_feed"}  # an account's own posts, for topics' sources
KNOWN = LISTENING | ANSWERING | PEOPLE | SOURCES | {"delete", "link_card"}


def test_adapters_by_name() -> None:
    # "fediverse" comes from settings.NETWORK_ADAPTERS (test_registry_settings.py).
    assert sorted(ADAPTERS) == ["bluesky", "email", "fediverse", "mastodon", "webhook"]
    for name, adapter in ADAPTERS.items():
        assert get_adapter(name) is adapter
        assert adapter.name == name
        assert adapter.rules is RULES[name]
        assert adapter.label == RULES[name].label
        assert adapter.fields, f"{name} asks for nothing when connecting"
        assert adapter.capabilities <= KNOWN, name


def test_networks_that_listen_say_what_they_read_back() -> None:
    # A topic's fediverse channel reads it all back from federation's own rows.
    for name in ("bluesky", "mastodon", "fediverse"):
        assert LISTENING | {"delete"} <= ADAPTERS[name].capabilities, name
    for name in ("webhook", "email"):
        assert not ADAPTERS[name].capabilities & (LISTENING | ANSWERING), name


def test_networks_that_answer_from_the_inbox() -> None:
    for name in ("bluesky", "mastodon", "fediverse"):
        assert {"reply", "like", "repost"} <= ADAPTERS[name].capabilities, name
    # Fediverse items are pushed to the topic's inbox; the others are pulled.
    assert "pushed" in ADAPTERS["fediverse"].capabilities
    assert "pushed" not in ADAPTERS["bluesky"].capabilities | ADAPTERS["mastodon"].capabilities


def test_networks_that_list_people_and_find_posts() -> None:
    for name in ("bluesky", "mastodon", "fediverse"):
        adapter = ADAPTERS[name]
        assert "follower_list" in adapter.capabilities, name
        for method in ("followers", "following", "profile"):
            assert callable(getattr(adapter, method, None)), (name, method)
    for name in ("bluesky", "mastodon"):
        assert "search" in ADAPTERS[name].capabilities, name
        assert callable(getattr(ADAPTERS[name], "search_posts", None)), name
    assert "search" not in ADAPTERS["fediverse"].capabilities  # a topic cannot search
    assert "feed" in ADAPTERS["bluesky"].capabilities
    assert callable(getattr(ADAPTERS["bluesky"], "feed_posts", None))
    assert not {"feed"} & (ADAPTERS["mastodon"].capabilities | ADAPTERS["fediverse"].capabilities)
    for name in ("webhook", "email"):
        assert not ADAPTERS[name].capabilities & PEOPLE, name


def test_rules_cover_networks_without_an_adapter_yet() -> None:
    assert set(RULES) == {
        "bluesky", "mastodon", "x", "linkedin", "threads", "webhook", "email", "fediverse",
    }  # fmt: skip
    for name, rules in RULES.items():
        assert rules.counter in COUNTERS, name
        assert rules.image_types and all(kind.startswith("image/") for kind in rules.image_types)


def test_documented_limits() -> None:
    bluesky, mastodon, x = RULES["bluesky"], RULES["mastodon"], RULES["x"]
    assert (bluesky.max_length, bluesky.counter, bluesky.max_images) == (300, "graphemes", 4)
    assert (bluesky.max_image_bytes, bluesky.max_text_bytes) == (1_000_000, 3000)
    assert (mastodon.max_length, mastodon.link_length, mastodon.max_image_bytes) == (
        500,
        23,
        16 * 1024 * 1024,
    )
    assert (x.max_length, x.counter, x.link_length, x.max_image_bytes) == (
        280,
        "weighted",
        23,
        5 * 1024 * 1024,
    )
    assert (RULES["linkedin"].max_length, RULES["linkedin"].max_images) == (3000, 20)
    assert (RULES["threads"].max_length, RULES["threads"].max_images) == (500, 20)
    assert RULES["webhook"].max_length == 100_000
    assert (RULES["email"].max_title_length, RULES["email"].max_length) == (200, 100_000)
    fediverse = RULES["fediverse"]
    assert (fediverse.max_length, fediverse.counter, fediverse.max_images) == (500, "graphemes", 4)
    assert (fediverse.link_length, fediverse.link_in_text) == (23, True)


def test_unknown_networks_get_a_clear_error() -> None:
    with pytest.raises(
        ValueError,
        match="Unknown network 'myspace'; Outlier can publish to: bluesky, email, fediverse, "
        "mastodon, webhook",
    ):
        get_adapter("myspace")
    with pytest.raises(ValueError, match="cannot publish to X yet"):
        get_adapter("x")
