"""An unreachable PDS is a TRANSIENT failure that names the server; a forbidden one PERMANENT."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers.bluesky import Account, free_port


def test_a_pds_that_does_not_answer_is_a_clear_transient_failure() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    adapter = BlueskyAdapter({"handle": "alice.test", "app_password": "x", "pds_url": url})

    with pytest.raises(PublishError) as failure:
        adapter.publish(Content(text="Hello"), "unreachable-1")

    assert failure.value.kind == ErrorKind.TRANSIENT
    assert not failure.value.unknown_outcome  # nothing reached the server
    assert str(failure.value).startswith(f"The Bluesky server at {url} cannot be reached")
    assert "connection refused" in str(failure.value)


def test_a_host_that_does_not_resolve_is_transient_too() -> None:
    adapter = BlueskyAdapter({"handle": "alice.test", "app_password": "x",
                              "pds_url": "https://pds.does-not-exist.invalid"})  # fmt: skip

    with pytest.raises(PublishError) as failure:
        adapter.test()

    assert failure.value.kind == ErrorKind.TRANSIENT
    assert "cannot be reached: Could not resolve host" in str(failure.value)


def test_a_private_address_is_refused_unless_allowed(settings: Any, alice: Account) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = []
    adapter = BlueskyAdapter(alice.config(appview="none"))

    with pytest.raises(PublishError) as failure:
        adapter.test()

    assert failure.value.kind == ErrorKind.PERMANENT
    assert "will not connect" in str(failure.value)
    assert "loopback address" in str(failure.value)


def test_the_pds_a_saved_session_names_is_vetted_too(settings: Any, alice: Account) -> None:
    adapter = BlueskyAdapter(alice.config(appview="none"))
    adapter.test()
    config = {**alice.config(appview="none"), **adapter.config_changes()}
    head, _, _ = config["session"].rpartition(":::")
    config["session"] = f"{head}:::http://10.1.2.3:2583/xrpc"  # a session moved to a LAN host
    settings.ALLOWED_PRIVATE_NETWORKS = [ipaddress.ip_network("127.0.0.0/8"),
                                         ipaddress.ip_network("::1/128")]  # fmt: skip

    with pytest.raises(PublishError) as failure:
        BlueskyAdapter(config).publish(Content(text="Hello"), "unreachable-2")

    assert failure.value.kind == ErrorKind.PERMANENT
    assert "10.1.2.3" in str(failure.value) and "private address" in str(failure.value)
