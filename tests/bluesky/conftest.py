"""Real Bluesky peers for the adapter's tests, started once per test session.

- `bluesky_pds`: a PDS alone (with its in-memory PLC directory), its rate limits on as on
  bsky.social; no AppView, so app.bsky.* queries answer "No service configured";
- `bluesky_network`: PLC, PDS and AppView from @atproto/dev-env, with PostgreSQL and Redis
  of its own.

Both install themselves on first use (tests/peers/bluesky/install.sh, a few minutes on a
fresh machine, a fraction of a second after) and are stopped by process id at the end. If a
peer cannot be installed or started, the tests that need it fail with the reason: they are
never skipped.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from outlier.networks.base import PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers import bluesky as peers

T = TypeVar("T")

# The PDS advertises itself as http://localhost:<port>: both loopback addresses.
LOOPBACK = [ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128")]


@pytest.fixture(autouse=True)
def loopback_allowed(settings: Any) -> None:
    """Let safe_http (and the event stream's vetted socket) reach the local peers."""
    settings.ALLOWED_PRIVATE_NETWORKS = LOOPBACK


@pytest.fixture(scope="session")
def bluesky_pds() -> Iterator[peers.Pds]:
    pds = peers.start_pds(rate_limits=True)
    try:
        yield pds
    finally:
        pds.stop()


@pytest.fixture(scope="session")
def bluesky_network() -> Iterator[peers.Network]:
    network = peers.start_network()
    try:
        yield network
    finally:
        network.stop()


@pytest.fixture
def alice(bluesky_pds: peers.Pds) -> peers.Account:
    """The channel's account, on the PDS alone."""
    return bluesky_pds.account("alice")


@pytest.fixture
def bob(bluesky_pds: peers.Pds) -> peers.Account:
    """Someone else on the same PDS."""
    return bluesky_pds.account("bob")


@pytest.fixture
def adapter(alice: peers.Account) -> BlueskyAdapter:
    return BlueskyAdapter(alice.config(appview="none"))


@pytest.fixture
def ann(bluesky_network: peers.Network) -> peers.Account:
    """The channel's account, on the network with an AppView."""
    return bluesky_network.account("ann")


@pytest.fixture
def ben(bluesky_network: peers.Network) -> peers.Account:
    """Someone else on that network."""
    return bluesky_network.account("ben")


@pytest.fixture
def listening(ann: peers.Account) -> BlueskyAdapter:
    """A channel that reads back through the AppView (its PDS forwards app.bsky.* to it)."""
    return BlueskyAdapter(ann.config())


def eventually(check: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    """Poll `check` until it returns something truthy (the AppView indexes asynchronously:
    right after a write it may not know the post or the profile yet, and says so)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value: Any = check()
        except PublishError as exc:
            value = exc
        if value and not isinstance(value, PublishError):
            return value  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s (last: {value!r})")
        time.sleep(0.2)
