"""A 429 is RATE_LIMITED, with the wait the PDS's ratelimit-reset header gives."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers.bluesky import Account


def test_the_pds_rate_limit_becomes_rate_limited_with_its_wait(alice: Account) -> None:
    url = f"{alice.pds_url}/xrpc/com.atproto.server.createSession"
    body = {"identifier": alice.handle, "password": "wrong"}
    with ThreadPoolExecutor(5) as pool:  # createSession: 30 per 5 minutes per account
        answers = list(pool.map(
            lambda _: httpx.post(url, json=body, trust_env=False, timeout=120), range(30)))  # fmt: skip
    assert {answer.status_code for answer in answers} == {401}

    with pytest.raises(PublishError) as failure:
        BlueskyAdapter(alice.config(appview="none")).test()

    assert failure.value.kind == ErrorKind.RATE_LIMITED
    assert failure.value.retry_after is not None
    assert 1 <= failure.value.retry_after <= 300
    assert "rate limit" in str(failure.value) and "0 left" in str(failure.value)
