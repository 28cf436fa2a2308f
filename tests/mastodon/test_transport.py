"""The requests transport over safe_http that Mastodon.py is given."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from outlier.core import safe_http
from outlier.core.safe_requests import (
    ForbiddenURL,
    RedirectedRequest,
    ResponseTooLarge,
    fetch_error,
    safe_session,
)

from .conftest import FakeMastodon


def test_requests_go_out_with_the_callers_headers_and_body(mastodon: FakeMastodon) -> None:
    session = safe_session()
    response = session.post(
        f"{mastodon.base}/api/v1/statuses",
        data={"status": "via requests"},
        headers={"Authorization": f"Bearer {mastodon.token}", "Idempotency-Key": "abc"},
    )
    assert response.status_code == 200 and response.json()["content"] == "<p>via requests</p>"
    assert response.reason == "OK" and response.url == f"{mastodon.base}/api/v1/statuses"
    [seen] = mastodon.seen
    assert seen.headers["idempotency-key"] == "abc"
    assert seen.headers["user-agent"].startswith("Outlier/")  # not python-requests
    assert "connection" not in seen.headers or seen.headers["connection"] != "keep-alive"


def test_a_private_address_is_refused_before_connecting(
    mastodon: FakeMastodon, settings: Any
) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = []
    with pytest.raises(ForbiddenURL) as caught:
        safe_session().get(f"{mastodon.base}/api/v2/instance")
    assert isinstance(fetch_error(caught.value), safe_http.ForbiddenAddress)
    assert mastodon.seen == []


def test_answers_over_the_cap_are_refused(mastodon: FakeMastodon) -> None:
    with pytest.raises(ResponseTooLarge):
        safe_session(max_bytes=100).get(f"{mastodon.base}/api/v2/instance")


def test_a_redirected_get_is_followed_and_a_redirected_post_refused(
    mastodon: FakeMastodon,
) -> None:
    mastodon.answer("GET", "/old", 302, None, headers={"Location": "/api/v2/instance"})
    response = safe_session().get(f"{mastodon.base}/old")
    assert response.status_code == 200 and response.url == f"{mastodon.base}/api/v2/instance"

    mastodon.answer("POST", "/old", 307, None, headers={"Location": "/api/v1/apps"})
    with pytest.raises(RedirectedRequest) as caught:
        safe_session().post(f"{mastodon.base}/old", data={"client_name": "x"})
    assert caught.value.response is not None


def test_timeouts_are_requests_timeouts(mastodon: FakeMastodon) -> None:
    mastodon.answer("GET", "/slow", 200, {}, sleep=2)
    with pytest.raises(requests.exceptions.ReadTimeout) as caught:
        safe_session().get(f"{mastodon.base}/slow", timeout=0.5)
    assert isinstance(fetch_error(caught.value), safe_http.FetchTimeout)
