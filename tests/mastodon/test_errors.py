"""Each kind of failure, classified: what the worker should do, and a sentence for people."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.mastodon import MastodonAdapter

from .conftest import FakeMastodon

KEY = "dlv-err-1"
CONTENT = Content(text="Hello fediverse")


def failure(adapter: MastodonAdapter, content: Content = CONTENT) -> PublishError:
    with pytest.raises(PublishError) as caught:
        adapter.publish(content, KEY)
    return caught.value


def test_an_invalid_token_asks_to_reconnect(mastodon: FakeMastodon) -> None:
    error = failure(MastodonAdapter(mastodon.config(access_token="wrong-token")))
    assert error.kind is ErrorKind.AUTH and not error.unknown_outcome
    assert "refused the access token" in str(error)
    assert "The access token is invalid" in str(error)
    assert mastodon.requests_to("POST", "/api/v1/statuses")[0].headers["authorization"] == (
        "Bearer wrong-token"
    )


def test_a_token_without_the_write_scope(mastodon: FakeMastodon) -> None:
    mastodon.answer("POST", "/api/v1/statuses", 403,
                    {"error": "This action is outside the authorized scopes"})  # fmt: skip
    error = failure(MastodonAdapter(mastodon.config()))
    assert error.kind is ErrorKind.AUTH
    assert "outside the authorized scopes" in str(error) and "read write" in str(error)


def test_rate_limited_until_the_announced_reset(mastodon: FakeMastodon) -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=120)).isoformat(timespec="milliseconds")
    mastodon.answer("POST", "/api/v1/statuses", 429, {"error": "Too many requests"},
                    headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset})  # fmt: skip
    error = failure(MastodonAdapter(mastodon.config()))
    assert error.kind is ErrorKind.RATE_LIMITED and not error.unknown_outcome
    assert error.retry_after is not None and 110 <= error.retry_after <= 121
    assert len(mastodon.requests_to("POST", "/api/v1/statuses")) == 1  # no waiting, no retry


def test_rate_limited_without_a_reset_uses_retry_after(mastodon: FakeMastodon) -> None:
    mastodon.answer("POST", "/api/v1/statuses", 429, {"error": "Too many requests"},
                    headers={"Retry-After": "30"})  # fmt: skip
    error = failure(MastodonAdapter(mastodon.config()))
    assert error.kind is ErrorKind.RATE_LIMITED and error.retry_after == 30


def test_a_refused_post_carries_mastodons_words(mastodon: FakeMastodon) -> None:
    error = failure(MastodonAdapter(mastodon.config()), Content(text="x" * 501))
    assert error.kind is ErrorKind.PERMANENT and not error.unknown_outcome
    assert "Validation failed: Text character limit of 500 exceeded" in str(error)


def test_a_reply_to_a_deleted_status(mastodon: FakeMastodon) -> None:
    error = failure(MastodonAdapter(mastodon.config()),
                    Content(text="Answer", reply_to="110000000000000404"))  # fmt: skip
    assert error.kind is ErrorKind.PERMANENT
    assert "no longer has the post this one replies to" in str(error)
    assert "The post you are trying to reply to does not appear to exist." in str(error)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_on_the_create_may_have_landed(mastodon: FakeMastodon, status: int) -> None:
    mastodon.answer("POST", "/api/v1/statuses", status, "<html>Oops</html>")
    error = failure(MastodonAdapter(mastodon.config()))
    assert error.kind is ErrorKind.TRANSIENT and error.unknown_outcome
    assert f"answered {status}" in str(error)


def test_a_server_error_before_anything_was_sent_is_known(mastodon: FakeMastodon) -> None:
    mastodon.answer("GET", "/api/v2/instance", 503, "<html>Maintenance</html>",
                    headers={"Retry-After": "120"})  # fmt: skip
    error = failure(MastodonAdapter(mastodon.config()))
    assert error.kind is ErrorKind.TRANSIENT and not error.unknown_outcome
    assert error.retry_after == 120
    assert mastodon.requests_to("POST", "/api/v1/statuses") == []


def test_a_timeout_on_the_create_leaves_the_outcome_unknown(mastodon: FakeMastodon) -> None:
    mastodon.answer("POST", "/api/v1/statuses", 200, {}, sleep=3)
    error = failure(MastodonAdapter(mastodon.config(timeout=1)))
    assert error.kind is ErrorKind.TRANSIENT and error.unknown_outcome
    assert str(error).startswith("Talking to the Mastodon server 127.0.0.1:")
    assert "did not answer within 1 second" in str(error)
    assert str(error).endswith("The post may have been created all the same.")


def test_an_answer_that_is_not_mastodons_json(mastodon: FakeMastodon) -> None:
    mastodon.answer("POST", "/api/v1/statuses", 200, "<html>Welcome to the hotel Wi-Fi</html>")
    error = failure(MastodonAdapter(mastodon.config()))
    assert error.kind is ErrorKind.TRANSIENT and error.unknown_outcome


def test_a_server_that_is_not_mastodon(mastodon: FakeMastodon) -> None:
    mastodon.answer("GET", "/api/v2/instance", 200, "<html>My blog</html>")
    with pytest.raises(PublishError) as caught:
        MastodonAdapter(mastodon.config()).test()
    assert caught.value.kind is ErrorKind.PERMANENT
    assert "not Mastodon's API" in str(caught.value)


def test_an_unreachable_instance(loopback_allowed: None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        config: dict[str, Any] = {"instance_url": f"http://127.0.0.1:{port}",
                                  "access_token": "tok"}  # fmt: skip
        error = failure(MastodonAdapter(config))
    assert error.kind is ErrorKind.TRANSIENT and not error.unknown_outcome
    assert str(error).startswith(f"The Mastodon server 127.0.0.1:{port} could not be reached")
    assert "connection refused" in str(error).lower()


def test_a_private_address_is_refused_without_the_allow_list(
    mastodon: FakeMastodon, settings: Any
) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = []
    error = failure(MastodonAdapter(mastodon.config()))
    assert error.kind is ErrorKind.PERMANENT and not error.unknown_outcome
    # Outside the allowed networks a loopback server is refused before any request (plain
    # http is only for them; https://127.0.0.1 would be refused by the safe client).
    assert "must start with https://" in str(error)
    assert mastodon.seen == []
    assert mastodon.seen == []  # nothing reached the server


def test_a_redirected_post_is_refused(mastodon: FakeMastodon) -> None:
    mastodon.answer("POST", "/api/v1/statuses", 301, None,
                    headers={"Location": f"{mastodon.base}/elsewhere/api/v1/statuses"})  # fmt: skip
    error = failure(MastodonAdapter(mastodon.config()))
    assert error.kind is ErrorKind.PERMANENT
    assert "redirected the request to" in str(error)
    assert [s.method for s in mastodon.seen if "statuses" in s.path] == ["POST", "GET"]
