"""The same delivery sent twice is one post: its record key comes from the idempotency key.

Also records what the PDS itself does when createRecord meets a key that already exists: it
refuses with 500 InternalServerError ("There is already a value at key" inside the write
transaction) and keeps the record as it was. See outlier/networks/bluesky/rkeys.py.
"""

from __future__ import annotations

import httpx

from outlier.networks.base import Content
from outlier.networks.bluesky import BlueskyAdapter, root_rkey
from tests.peers.bluesky import Account


def test_sending_the_same_delivery_twice_makes_one_post(
    adapter: BlueskyAdapter, alice: Account
) -> None:
    first = adapter.publish(Content(text="Only once"), "0192f3c2-7c1e-7a3b-9d2e-5f6a7b8c9d0e")
    second = BlueskyAdapter(alice.config(appview="none")).publish(
        Content(text="Only once, edited"), "0192f3c2-7c1e-7a3b-9d2e-5f6a7b8c9d0e"
    )

    assert second.remote_id == first.remote_id
    assert second.url == first.url
    assert "already there" in second.note
    records = alice.records()
    assert [r["uri"] for r in records] == [first.remote_id]
    assert records[0]["value"]["text"] == "Only once"


def test_other_deliveries_get_other_posts(adapter: BlueskyAdapter, alice: Account) -> None:
    one = adapter.publish(Content(text="Same text"), "delivery-a")
    two = adapter.publish(Content(text="Same text"), "delivery-b")

    assert one.remote_id != two.remote_id
    assert len(alice.records()) == 2


def test_the_pds_refuses_a_second_create_at_the_same_key_and_keeps_the_first(
    alice: Account,
) -> None:
    rkey = root_rkey("raw-duplicate")
    body = {"repo": alice.did, "collection": "app.bsky.feed.post", "rkey": rkey,
            "record": {"$type": "app.bsky.feed.post", "text": "first",
                       "createdAt": "2026-11-26T00:00:00.000Z"}}  # fmt: skip
    url = f"{alice.pds_url}/xrpc/com.atproto.repo.createRecord"
    created = httpx.post(url, json=body, headers=alice.headers())
    body["record"]["text"] = "second"  # type: ignore[index]
    again = httpx.post(url, json=body, headers=alice.headers())

    assert created.status_code == 200
    assert again.status_code == 500
    assert again.json()["error"] == "InternalServerError"
    stored = alice.records()
    assert [r["value"]["text"] for r in stored] == ["first"]
