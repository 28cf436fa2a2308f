"""The networks Outlier knows: their adapters, and the rules the composer checks for each.

`RULES` covers every network the composer checks, including those without an adapter yet;
`ADAPTERS` only those that can publish: the ones built in here, and those named by dotted
path in `settings.NETWORK_ADAPTERS` ({"fediverse": "outlier.federation.channel.…"}), the way
the worker's jobs are named in settings. An app above this layer (federation) can so provide
a network without `networks` importing it: the paths are imported on first use, not here.

A path that cannot be imported, or names something that is not an adapter of that network,
raises ImproperlyConfigured on first use, naming the setting, the network and the path.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from outlier.networks.base import Adapter
from outlier.networks.bluesky import BlueskyAdapter
from outlier.networks.email import EmailAdapter
from outlier.networks.mastodon import MastodonAdapter
from outlier.networks.rules import RULES
from outlier.networks.webhook import WebhookAdapter

__all__ = ["ADAPTERS", "BUILT_IN", "RULES", "configured_adapters", "get_adapter"]

SETTING = "NETWORK_ADAPTERS"

BUILT_IN: dict[str, type[Adapter]] = {
    adapter.name: adapter
    for adapter in (WebhookAdapter, EmailAdapter, MastodonAdapter, BlueskyAdapter)
}

# What every adapter class must have (see base.Adapter); checked when a path is loaded.
_REQUIRED = ("label", "rules", "fields", "capabilities", "rate_limit", "check_config", "test",
             "publish", "lookup", "config_changes", "channel_rules")  # fmt: skip


def _load(name: Any, path: Any) -> type[Adapter]:
    where = f"settings.{SETTING}[{name!r}]"
    if not isinstance(name, str) or not name:
        raise ImproperlyConfigured(f"{SETTING} maps network names to dotted paths; {name!r} "
                                   "is not a network name.")  # fmt: skip
    if name in BUILT_IN:
        raise ImproperlyConfigured(f"{where}: {name!r} is a network built into Outlier; give "
                                   "the added network another name.")  # fmt: skip
    if not isinstance(path, str) or not path.strip():
        raise ImproperlyConfigured(f"{where} must be the dotted path of an adapter class, "
                                   f"not {path!r}.")  # fmt: skip
    try:
        adapter = import_string(path.strip())
    except ImportError as exc:
        raise ImproperlyConfigured(f"{where} = {path!r} cannot be imported: {exc}") from exc
    if not isinstance(adapter, type):
        raise ImproperlyConfigured(f"{where} = {path!r} is not a class.")
    missing = [attribute for attribute in _REQUIRED if not hasattr(adapter, attribute)]
    if missing:
        raise ImproperlyConfigured(f"{where} = {path!r} is not a network adapter: it has no "
                                   f"{', '.join(missing)}.")  # fmt: skip
    if getattr(adapter, "name", None) != name:
        raise ImproperlyConfigured(f"{where} = {path!r} is the adapter of network "
                                   f"{getattr(adapter, 'name', None)!r}, not of {name!r}.")  # fmt: skip
    return adapter


_cache: dict[tuple[tuple[str, str], ...], dict[str, type[Adapter]]] = {}
_cache_lock = threading.Lock()


def configured_adapters() -> dict[str, type[Adapter]]:
    """The adapters named in settings.NETWORK_ADAPTERS, imported (once per value of the
    setting, so a test that changes the setting sees its own)."""
    raw = getattr(settings, SETTING, None) or {}
    if not isinstance(raw, Mapping):
        raise ImproperlyConfigured(f"settings.{SETTING} must be a dict of network name → "
                                   f"dotted path, not {type(raw).__name__}.")  # fmt: skip
    key = tuple(sorted((str(name), repr(path)) for name, path in raw.items()))
    found = _cache.get(key)
    if found is None:
        loaded = {name: _load(name, path) for name, path in raw.items()}
        with _cache_lock:
            _cache[key] = found = loaded
    return found


class _Adapters(Mapping[str, type[Adapter]]):
    """The built-in adapters, then those of settings.NETWORK_ADAPTERS (read on each use)."""

    def _all(self) -> dict[str, type[Adapter]]:
        return {**BUILT_IN, **configured_adapters()}

    def __getitem__(self, name: str) -> type[Adapter]:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return f"ADAPTERS({sorted(self._all())})"


ADAPTERS: Mapping[str, type[Adapter]] = _Adapters()


def get_adapter(name: str) -> type[Adapter]:
    """The adapter class for network `name`; ValueError when Outlier cannot publish there
    (ImproperlyConfigured when settings.NETWORK_ADAPTERS names one that cannot be loaded)."""
    adapters = ADAPTERS
    try:
        return adapters[name]
    except KeyError:
        known = ", ".join(sorted(adapters))
        if name in RULES:
            raise ValueError(
                f"Outlier cannot publish to {RULES[name].label} yet (it can to: {known})."
            ) from None
        raise ValueError(f"Unknown network {name!r}; Outlier can publish to: {known}.") from None
