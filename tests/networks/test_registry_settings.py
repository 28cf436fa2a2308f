"""Adapters named by dotted path in settings.NETWORK_ADAPTERS: loaded on first use (so an app
above `networks` can provide a network), and a clear error for a path that does not work."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

import pytest
from django.core.exceptions import ImproperlyConfigured

from outlier.networks import registry
from outlier.networks.base import (
    Content,
    Field,
    Found,
    Lookup,
    Problem,
    Published,
    RateLimit,
    Rules,
)

HERE = __name__


class CarrierPigeonAdapter:
    name: ClassVar[str] = "pigeon"
    label: ClassVar[str] = "Carrier pigeon"
    rules: ClassVar[Rules] = Rules(max_length=80, label="Carrier pigeon")
    fields: ClassVar[tuple[Field, ...]] = (Field("loft", "Loft"),)
    capabilities: ClassVar[frozenset[str]] = frozenset()
    rate_limit: ClassVar[RateLimit | None] = None

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def check_config(self) -> list[Problem]:
        return []

    def test(self) -> None:
        pass

    def publish(self, content: Content, idempotency_key: str) -> Published:
        return Published(remote_id=idempotency_key)

    def lookup(self, idempotency_key: str, since: datetime) -> Lookup:
        return Lookup(Found.CANNOT_TELL)

    def config_changes(self) -> dict[str, Any]:
        return {}

    def channel_rules(self) -> Rules:
        return self.rules


NOT_AN_ADAPTER = "a string"


class HalfAnAdapter:
    name = "half"

    def publish(self, content: Content, idempotency_key: str) -> Published:
        return Published(remote_id=idempotency_key)


def test_the_project_names_the_fediverse_in_settings(settings: Any) -> None:
    assert settings.NETWORK_ADAPTERS == {
        "fediverse": "outlier.federation.channel.TopicChannelAdapter"
    }
    from outlier.federation.channel import TopicChannelAdapter

    assert registry.get_adapter("fediverse") is TopicChannelAdapter
    assert "fediverse" in registry.ADAPTERS and "fediverse" not in registry.BUILT_IN


def test_an_adapter_named_in_settings_is_loaded(settings: Any) -> None:
    settings.NETWORK_ADAPTERS = {"pigeon": f"{HERE}.CarrierPigeonAdapter"}
    assert registry.get_adapter("pigeon") is CarrierPigeonAdapter
    assert sorted(registry.ADAPTERS) == ["bluesky", "email", "mastodon", "pigeon", "webhook"]
    assert len(registry.ADAPTERS) == 5
    assert dict(registry.ADAPTERS.items())["webhook"] is registry.BUILT_IN["webhook"]
    settings.NETWORK_ADAPTERS = {}  # the setting is read on each use
    assert "pigeon" not in registry.ADAPTERS
    with pytest.raises(ValueError, match="Unknown network 'pigeon'"):
        registry.get_adapter("pigeon")


@pytest.mark.parametrize(
    ("configured", "message"),
    [
        ({"pigeon": "outlier.no_such_module.PigeonAdapter"},
         r"settings.NETWORK_ADAPTERS\['pigeon'\] = 'outlier.no_such_module.PigeonAdapter' "
         r"cannot be imported: No module named 'outlier.no_such_module'"),
        ({"pigeon": f"{HERE}.NoSuchAdapter"},
         rf"\['pigeon'\] = '{HERE}.NoSuchAdapter' cannot be imported: .*does not define a "
         r"\"NoSuchAdapter\" attribute"),
        ({"pigeon": "notadottedpath"}, r"'notadottedpath' cannot be imported: .*dotted"),
        ({"pigeon": ""}, r"must be the dotted path of an adapter class, not ''"),
        ({"pigeon": f"{HERE}.NOT_AN_ADAPTER"}, r"is not a class"),
        ({"half": f"{HERE}.HalfAnAdapter"},
         r"is not a network adapter: it has no label, rules, fields, capabilities"),
        ({"carrier": f"{HERE}.CarrierPigeonAdapter"},
         r"is the adapter of network 'pigeon', not of 'carrier'"),
        ({"webhook": f"{HERE}.CarrierPigeonAdapter"}, r"'webhook' is a network built into"),
    ],
)  # fmt: skip
def test_a_bad_setting_is_a_clear_error(
    settings: Any, configured: dict[str, str], message: str
) -> None:
    settings.NETWORK_ADAPTERS = configured
    with pytest.raises(ImproperlyConfigured, match=message):
        registry.get_adapter("webhook")
    with pytest.raises(ImproperlyConfigured, match=message):
        list(registry.ADAPTERS)


def test_the_setting_must_be_a_dict(settings: Any) -> None:
    settings.NETWORK_ADAPTERS = ["outlier.federation.channel.TopicChannelAdapter"]
    with pytest.raises(ImproperlyConfigured, match="must be a dict of network name"):
        registry.get_adapter("fediverse")
