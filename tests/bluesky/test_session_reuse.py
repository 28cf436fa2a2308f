"""The channel logs in once: the session comes back through config_changes() and is reused.

createSession is counted twice: by the adapters (Connection.logins) and by the PDS itself,
whose createSession rate limit (30 per 5 minutes per account) says how many are left.
"""

from __future__ import annotations

import httpx

from outlier.networks.base import Content
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers.bluesky import Account


def _sessions_left(account: Account) -> int:
    """Make one createSession and read how many the PDS still allows (this one counted)."""
    answer = httpx.post(f"{account.pds_url}/xrpc/com.atproto.server.createSession",
                        json={"identifier": account.handle, "password": account.app_password})  # fmt: skip
    assert answer.status_code == 200
    return int(answer.headers["ratelimit-remaining"])


def test_a_second_adapter_reuses_the_saved_session(alice: Account) -> None:
    config = alice.config(appview="none")
    first = BlueskyAdapter(config)
    first.publish(Content(text="One"), "session-1")
    changes = first.config_changes()

    second = BlueskyAdapter({**config, **changes})
    second.publish(Content(text="Two"), "session-2")
    third = BlueskyAdapter({**config, **changes})
    third.lookup("session-1", since=None)  # type: ignore[arg-type]

    assert set(changes) == {"session", "session_for"}
    assert first.connection.logins == 1
    assert second.connection.logins == 0 and third.connection.logins == 0
    assert second.config_changes() == {}  # the same session string: nothing to save
    assert third.config_changes() == {}
    # The PDS saw one createSession from the adapters (and now one from this check).
    assert _sessions_left(alice) == 30 - 2
    assert len(alice.records()) == 2


def test_a_session_is_not_reused_with_another_app_password(alice: Account) -> None:
    config = alice.config(appview="none")
    first = BlueskyAdapter(config)
    first.test()
    new_password = alice.xrpc("com.atproto.server.createAppPassword",
                              body={"name": "reconnected"})["password"]  # fmt: skip

    reconnected = BlueskyAdapter({**config, **first.config_changes(), "app_password": new_password})
    reconnected.test()

    assert reconnected.connection.logins == 1
    assert reconnected.config_changes()["session"] != first.config_changes()["session"]


def test_deliveries_prepared_together_log_in_once(alice: Account) -> None:
    """The engine builds a batch's adapters from the same config before any session is saved."""
    config = alice.config(appview="none")
    batch = [BlueskyAdapter(config) for _ in range(5)]

    for number, adapter in enumerate(batch):
        adapter.publish(Content(text=f"Batch post {number}"), f"batch-{number}")

    assert [adapter.connection.logins for adapter in batch] == [1, 0, 0, 0, 0]
    saved = {adapter.config_changes()["session"] for adapter in batch}
    assert len(saved) == 1  # each hands back the session to save, the same one
    assert len(alice.records()) == 5
