"""The Bluesky network: publishing to an account's PDS, and reading back through an AppView."""

from outlier.networks.bluesky.adapter import BlueskyAdapter
from outlier.networks.bluesky.rkeys import root_rkey

__all__ = ["BlueskyAdapter", "root_rkey"]
