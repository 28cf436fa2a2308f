"""The Mastodon network: publishing and listening through a server's client API."""

from outlier.networks.mastodon.adapter import MastodonAdapter, idempotency_header

__all__ = ["MastodonAdapter", "idempotency_header"]
