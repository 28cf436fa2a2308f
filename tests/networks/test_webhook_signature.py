"""Webhook signatures: HMAC-SHA256 over "timestamp.body", fresh within five minutes."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from outlier.networks.webhook import sign, verify_signature

SECRET = "whsec-abc"
BODY = b'{"id":"dlv-1","type":"post","text":"Hello"}'
NOW = 1_760_000_000


def test_the_header_is_v1_hex_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, NOW, BODY) == f"v1={expected}"


def test_round_trip() -> None:
    assert verify_signature(SECRET, str(NOW), BODY, sign(SECRET, NOW, BODY), now=NOW + 10)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body"),
    [
        ("whsec-other", NOW, BODY),  # wrong secret
        (SECRET, NOW + 1, BODY),  # timestamp changed
        (SECRET, NOW, BODY.replace(b"Hello", b"Hallo")),  # body tampered with
        (SECRET, NOW, BODY + b" "),  # even by one byte
    ],
)
def test_tampering_is_detected(secret: str, timestamp: int, body: bytes) -> None:
    header = sign(SECRET, NOW, BODY)
    assert not verify_signature(secret, timestamp, body, header, now=NOW)


def test_a_stale_request_is_refused() -> None:
    header = sign(SECRET, NOW, BODY)
    assert verify_signature(SECRET, NOW, BODY, header, now=NOW + 300)
    assert not verify_signature(SECRET, NOW, BODY, header, now=NOW + 301)
    assert not verify_signature(SECRET, NOW, BODY, header, now=NOW - 301)  # from the future
    assert verify_signature(SECRET, NOW, BODY, header, tolerance=3600, now=NOW + 1000)


def test_any_of_several_signatures_may_match_while_a_secret_is_rotated() -> None:
    header = f"{sign('whsec-old', NOW, BODY)}, {sign(SECRET, NOW, BODY)}"
    assert verify_signature(SECRET, NOW, BODY, header, now=NOW)
    assert verify_signature("whsec-old", NOW, BODY, header, now=NOW)


@pytest.mark.parametrize(
    ("timestamp", "header"),
    [
        (str(NOW), ""),
        (str(NOW), "v1="),
        (str(NOW), "v0=" + sign(SECRET, NOW, BODY)[3:]),  # unknown scheme
        ("", "v1=abc"),
        ("12.5", "v1=abc"),
        ("not-a-number", "v1=abc"),
        (str(NOW), "v1=zz\u00e9"),
    ],
)
def test_malformed_headers_do_not_verify(timestamp: str, header: str) -> None:
    assert not verify_signature(SECRET, timestamp, BODY, header, now=NOW)


def test_a_text_body_is_taken_as_utf8() -> None:
    text = '{"text":"Grüße"}'
    header = sign(SECRET, NOW, text.encode())
    assert verify_signature(SECRET, NOW, text, header, now=NOW)
