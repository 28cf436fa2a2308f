"""The webhook adapter against a real local receiver: what it sends and how it reads answers."""

from __future__ import annotations

import base64
import socket
from datetime import UTC, datetime
from typing import Any

import pytest

import outlier
from outlier.networks.base import Content, ErrorKind, Found, Image, PublishError
from outlier.networks.webhook import WebhookAdapter

from .conftest import Receiver, free_port

KEY = "dlv-7f3e2a"
CONTENT = Content(
    text="Rivers are rising faster than ever.",
    link="https://planet.example/rivers",
    title="Rivers are rising",
    images=(
        Image(
            data=b"\x89PNG fake bytes",
            content_type="image/png",
            alt="A river",
            filename="river.png",
        ),
    ),
)


def publish_error(adapter: WebhookAdapter) -> PublishError:
    with pytest.raises(PublishError) as caught:
        adapter.publish(CONTENT, KEY)
    return caught.value


def test_publish_posts_signed_json_with_the_idempotency_key(receiver: Receiver) -> None:
    published = WebhookAdapter(receiver.config()).publish(CONTENT, KEY)

    assert published.remote_id == "rcv-1"
    assert published.url == "https://receiver.example/p/1"
    [request] = receiver.requests
    assert request.method == "POST"
    assert request.path == "/hooks/outlier"
    assert request.signature_ok
    assert request.headers["content-type"] == "application/json"
    assert request.headers["outlier-id"] == KEY
    assert request.headers["idempotency-key"] == KEY
    assert request.headers["outlier-signature"].startswith("v1=")
    assert request.headers["user-agent"].startswith(f"Outlier/{outlier.__version__}")
    document = request.json()
    assert document["id"] == KEY
    assert document["type"] == "post"
    assert datetime.fromisoformat(document["created_at"]).tzinfo is not None
    assert (document["text"], document["link"], document["title"]) == (
        CONTENT.text,
        CONTENT.link,
        CONTENT.title,
    )
    [image] = document["images"]
    assert image["content_type"] == "image/png"
    assert image["alt"] == "A river"
    assert base64.b64decode(image["data_base64"]) == b"\x89PNG fake bytes"


def test_without_an_id_in_the_answer_the_key_is_the_remote_id(receiver: Receiver) -> None:
    receiver.answer(204)
    receiver.answer(200, "<html>thanks</html>", headers={"Content-Type": "text/html"})
    adapter = WebhookAdapter(receiver.config())

    assert adapter.publish(CONTENT, KEY).remote_id == KEY
    second = adapter.publish(CONTENT, KEY)
    assert (second.remote_id, second.url) == (KEY, "")


def test_a_resent_delivery_carries_the_same_id(receiver: Receiver) -> None:
    adapter = WebhookAdapter(receiver.config())
    adapter.publish(CONTENT, KEY)
    adapter.publish(CONTENT, KEY)

    assert [r.headers["outlier-id"] for r in receiver.requests] == [KEY, KEY]


def test_429_is_rate_limited_with_retry_after_seconds(receiver: Receiver) -> None:
    receiver.answer(429, headers={"Retry-After": "120"})
    error = publish_error(WebhookAdapter(receiver.config()))

    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_after == 120
    assert not error.unknown_outcome


def test_429_retry_after_may_be_an_http_date(receiver: Receiver) -> None:
    when = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 300, UTC)
    receiver.answer(429, headers={"Retry-After": when.strftime("%a, %d %b %Y %H:%M:%S GMT")})
    error = publish_error(WebhookAdapter(receiver.config()))

    assert error.kind is ErrorKind.RATE_LIMITED
    assert error.retry_after is not None and 290 <= error.retry_after <= 300


def test_429_without_retry_after_waits_a_minute(receiver: Receiver) -> None:
    receiver.answer(429)
    assert publish_error(WebhookAdapter(receiver.config())).retry_after == 60


@pytest.mark.parametrize("status", [408, 425, 500, 502, 503, 504])
def test_temporary_failures_are_transient(receiver: Receiver, status: int) -> None:
    receiver.answer(status, "try later")
    error = publish_error(WebhookAdapter(receiver.config()))

    assert error.kind is ErrorKind.TRANSIENT
    assert str(status) in str(error)
    assert not error.unknown_outcome


def test_503_with_retry_after_stays_transient_with_the_hint(receiver: Receiver) -> None:
    receiver.answer(503, headers={"Retry-After": "30"})
    error = publish_error(WebhookAdapter(receiver.config()))

    assert error.kind is ErrorKind.TRANSIENT
    assert error.retry_after == 30


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_are_auth(receiver: Receiver, status: int) -> None:
    receiver.answer(status)
    assert publish_error(WebhookAdapter(receiver.config())).kind is ErrorKind.AUTH


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_receiver_is_permanent(receiver: Receiver, status: int) -> None:
    receiver.answer(status)
    error = publish_error(WebhookAdapter(receiver.config()))

    assert error.kind is ErrorKind.PERMANENT
    assert "no longer exists" in str(error)


def test_other_4xx_is_permanent_with_the_status_and_the_answer(receiver: Receiver) -> None:
    receiver.answer(400, '{"error": "field \\"text\\" is required"}\n\n')
    error = publish_error(WebhookAdapter(receiver.config()))

    assert error.kind is ErrorKind.PERMANENT
    assert "400 Bad Request" in str(error)
    assert 'field \\"text\\" is required' in str(error)


def test_a_receiver_too_slow_after_reading_the_post_leaves_the_outcome_unknown(
    receiver: Receiver,
) -> None:
    receiver.answer(200, sleep=2.5)
    error = publish_error(WebhookAdapter(receiver.config(timeout=1)))

    assert error.kind is ErrorKind.TRANSIENT
    assert error.unknown_outcome
    assert len(receiver.requests) == 1  # it did get the post


def test_a_receiver_hanging_up_after_reading_the_post_leaves_the_outcome_unknown(
    receiver: Receiver,
) -> None:
    receiver.answer(close=True)
    error = publish_error(WebhookAdapter(receiver.config()))

    assert error.kind is ErrorKind.TRANSIENT
    assert error.unknown_outcome
    assert len(receiver.requests) == 1


def test_nothing_listening_is_transient_and_known_not_sent(loopback_allowed: None) -> None:
    adapter = WebhookAdapter({"url": f"http://127.0.0.1:{free_port()}/hook", "secret": "s"})
    error = publish_error(adapter)

    assert error.kind is ErrorKind.TRANSIENT
    assert not error.unknown_outcome


def test_an_unresolvable_host_is_transient_and_known_not_sent(
    loopback_allowed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_such_host(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)  # no DNS in the test sandbox
    error = publish_error(WebhookAdapter({"url": "https://hooks.example.org/x", "secret": "s"}))

    assert error.kind is ErrorKind.TRANSIENT
    assert not error.unknown_outcome
    assert "resolve" in str(error)


def test_a_private_address_is_refused_before_connecting(receiver: Receiver, settings: Any) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = []
    error = publish_error(WebhookAdapter(receiver.config()))

    assert error.kind is ErrorKind.PERMANENT
    assert not error.unknown_outcome
    assert receiver.requests == []


def test_a_redirect_is_refused_and_its_outcome_unknown(receiver: Receiver) -> None:
    receiver.answer(307, headers={"Location": "/hooks/v2"})
    error = publish_error(WebhookAdapter(receiver.config()))

    assert error.kind is ErrorKind.PERMANENT
    assert error.unknown_outcome  # a 307 carries the POST on, and the new address said 200
    assert "/hooks/v2" in str(error)
    assert [r.path for r in receiver.requests] == ["/hooks/outlier", "/hooks/v2"]


def test_an_invalid_url_is_a_config_problem_and_permanent() -> None:
    adapter = WebhookAdapter({"url": "ftp://files.example.org/in", "secret": "s"})

    assert [p.field for p in adapter.check_config()] == ["url"]
    assert publish_error(adapter).kind is ErrorKind.PERMANENT


@pytest.mark.parametrize(
    ("config", "fields"),
    [
        ({}, ["url", "secret"]),
        ({"url": "https://x.example/h", "secret": ""}, ["secret"]),
        ({"url": "https://user:pw@x.example/h", "secret": "s"}, ["url"]),
        ({"url": "https:///nohost", "secret": "s"}, ["url"]),
        ({"url": "https://x.example:99999/h", "secret": "s"}, ["url"]),
        ({"url": "https://x.example/h", "secret": "s", "timeout": 600}, ["timeout"]),
        ({"url": "https://x.example/h", "secret": "s", "timeout": "5"}, []),
    ],
)
def test_check_config(config: dict[str, Any], fields: list[str]) -> None:
    assert [p.field for p in WebhookAdapter(config).check_config()] == fields


def test_test_sends_a_signed_ping(receiver: Receiver) -> None:
    WebhookAdapter(receiver.config()).test()

    [ping] = receiver.requests
    assert ping.signature_ok
    assert ping.json()["type"] == "ping"
    assert ping.headers["outlier-id"].startswith("ping-")


def test_test_reports_a_wrong_secret_as_auth(receiver: Receiver) -> None:
    receiver.answer(401, "bad signature")
    with pytest.raises(PublishError) as caught:
        WebhookAdapter(receiver.config()).test()
    assert caught.value.kind is ErrorKind.AUTH


def test_lookup_cannot_tell() -> None:
    adapter = WebhookAdapter({"url": "https://x.example/h", "secret": "s"})
    assert adapter.lookup(KEY, datetime.now(UTC)).found is Found.CANNOT_TELL


def test_an_answer_nested_absurdly_deep_is_ignored(receiver: Receiver) -> None:
    receiver.answer(200, "[" * 100_000 + "]" * 100_000)
    assert WebhookAdapter(receiver.config()).publish(CONTENT, KEY).remote_id == KEY


def test_a_key_that_cannot_be_a_header_is_refused_before_sending(receiver: Receiver) -> None:
    with pytest.raises(PublishError) as caught:
        WebhookAdapter(receiver.config()).publish(CONTENT, "dlv-1\r\nX-Evil: 1")
    assert caught.value.kind is ErrorKind.PERMANENT
    assert receiver.requests == []
