"""A session the PDS refuses is replaced by one fresh login; if that fails too, AUTH."""

from __future__ import annotations

import base64
import json
import time

import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers.bluesky import Account


def _with_access_token(session: str, **claims: object) -> str:
    """The saved session with its access token's claims changed (its signature no longer fits)."""
    handle, did, access, refresh, pds = session.split(":::")
    header, payload, signature = access.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return ":::".join((handle, did, f"{header}.{forged}.{signature}", refresh, pds))


def _saved(alice: Account) -> dict:
    adapter = BlueskyAdapter(alice.config(appview="none"))
    adapter.test()
    return {**alice.config(appview="none"), **adapter.config_changes()}


def test_a_refused_session_is_replaced_by_one_login(alice: Account) -> None:
    config = _saved(alice)
    config["session"] = _with_access_token(config["session"], exp=int(time.time()) + 3600)

    adapter = BlueskyAdapter(config)
    published = adapter.publish(Content(text="After a fresh login"), "expired-1")

    assert adapter.connection.logins == 1
    assert adapter.config_changes()["session"] != config["session"]
    assert [r["uri"] for r in alice.records()] == [published.remote_id]


def test_an_expired_access_token_is_refreshed_without_a_login(alice: Account) -> None:
    config = _saved(alice)
    config["session"] = _with_access_token(config["session"], exp=int(time.time()) - 60)

    adapter = BlueskyAdapter(config)
    adapter.publish(Content(text="After a refresh"), "expired-2")

    assert adapter.connection.logins == 0
    renewed = adapter.config_changes()
    assert renewed["session"] != config["session"]
    assert renewed["session_for"] == config["session_for"]


def test_a_revoked_app_password_ends_in_auth(alice: Account) -> None:
    config = _saved(alice)
    config["session"] = _with_access_token(config["session"], exp=int(time.time()) + 3600)
    names = alice.xrpc("com.atproto.server.listAppPasswords")["passwords"]
    for entry in names:
        alice.xrpc("com.atproto.server.revokeAppPassword", body={"name": entry["name"]})

    adapter = BlueskyAdapter(config)
    with pytest.raises(PublishError) as failure:
        adapter.publish(Content(text="Never"), "expired-3")

    assert failure.value.kind == ErrorKind.AUTH
    assert "app password" in str(failure.value)
    assert adapter.connection.logins == 1  # one fresh login was tried, no more
    assert alice.records() == []
