"""The networks Outlier knows: their adapters, and the rules the composer checks for each.

`RULES` covers every network the composer checks, including those without an adapter yet;
`ADAPTERS` only those that can publish.
"""

from __future__ import annotations

from outlier.networks.base import Adapter
from outlier.networks.bluesky import BlueskyAdapter
from outlier.networks.email import EmailAdapter
from outlier.networks.mastodon import MastodonAdapter
from outlier.networks.rules import RULES
from outlier.networks.webhook import WebhookAdapter

__all__ = ["ADAPTERS", "RULES", "get_adapter"]

ADAPTERS: dict[str, type[Adapter]] = {
    adapter.name: adapter
    for adapter in (WebhookAdapter, EmailAdapter, MastodonAdapter, BlueskyAdapter)
}


def get_adapter(name: str) -> type[Adapter]:
    """The adapter class for network `name`; ValueError when Outlier cannot publish there."""
    try:
        return ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        if name in RULES:
            raise ValueError(
                f"Outlier cannot publish to {RULES[name].label} yet (it can to: {known})."
            ) from None
        raise ValueError(f"Unknown network {name!r}; Outlier can publish to: {known}.") from None
