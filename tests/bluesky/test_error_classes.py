"""How each kind of failed XRPC call is classified (the table in outcomes.py), answer by answer.

The real PDS tests cover wrong passwords, refused sessions, rate limits, unreachable servers,
deleted posts and a second create at the same key; these cover the answers a local PDS does
not give on demand (a proxy's 502, a read timeout after the request went out).
"""

from __future__ import annotations

import time

import pytest
from atproto_client.exceptions import (
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestException,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_client.request import Response
from urllib3.exceptions import ConnectTimeoutError

from outlier.core import safe_http
from outlier.networks.base import ErrorKind
from outlier.networks.bluesky.outcomes import classify, login_failure

PDS = "https://pds.example"


def _answer(status: int, error: str = "", message: str = "", **headers: str) -> Response:
    content = XrpcError(error=error, message=message) if error else b"upstream failed"
    return Response(success=False, status_code=status, content=content, headers=headers)


def test_a_429_waits_until_the_reset_the_pds_names() -> None:
    reset = str(int(time.time()) + 120)  # the PDS sends a Unix time
    answer = _answer(429, "RateLimitExceeded", "Rate Limit Exceeded", **{
        "ratelimit-reset": reset, "ratelimit-remaining": "0", "ratelimit-policy": "30;w=300"})  # fmt: skip
    failure = classify(RateLimitExceededError(answer), pds=PDS)
    assert failure.kind == ErrorKind.RATE_LIMITED
    assert failure.retry_after is not None and 115 <= failure.retry_after <= 121
    assert "(policy 30;w=300, 0 left)" in str(failure)


def test_a_429_with_seconds_or_nothing() -> None:
    seconds = classify(RateLimitExceededError(_answer(429, **{"ratelimit-reset": "42"})), pds=PDS)
    assert seconds.retry_after == 42
    bare = classify(RateLimitExceededError(_answer(429)), pds=PDS)
    assert bare.retry_after == 60


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_failure_is_transient_and_unknown_only_when_creating(status: int) -> None:
    error = RequestException(_answer(status)) if status != 502 else NetworkError(_answer(502))
    creating = classify(error, pds=PDS, creating=True)
    reading = classify(error, pds=PDS)
    assert creating.kind == reading.kind == ErrorKind.TRANSIENT
    assert creating.unknown_outcome and not reading.unknown_outcome
    assert f"The Bluesky server at {PDS} failed" in str(creating)


def test_an_invalid_record_is_permanent_with_the_pds_message() -> None:
    error = BadRequestError(
        _answer(400, "InvalidRecord", "Record/text must not be longer than 300 graphemes")
    )
    failure = classify(error, pds=PDS, creating=True)
    assert failure.kind == ErrorKind.PERMANENT and not failure.unknown_outcome
    assert "Record/text must not be longer than 300 graphemes" in str(failure)


def test_too_large_is_permanent() -> None:
    failure = classify(
        NetworkError(_answer(413, "PayloadTooLarge", "request entity too large")), pds=PDS
    )
    assert failure.kind == ErrorKind.PERMANENT
    assert "too large" in str(failure)


def test_a_taken_down_account_is_auth() -> None:
    failure = classify(
        BadRequestError(_answer(400, "AccountTakedown", "Account has been taken down")), pds=PDS
    )
    assert failure.kind == ErrorKind.AUTH
    assert "taken down" in str(failure)


def test_login_failures_say_what_to_do() -> None:
    wrong = login_failure(UnauthorizedError(_answer(401, "AuthenticationRequired", "Invalid identifier or password")),
                          handle="ann.example", pds=PDS)  # fmt: skip
    assert wrong.kind == ErrorKind.AUTH
    assert "refused the handle or app password for ann.example" in str(wrong)
    code = login_failure(UnauthorizedError(_answer(401, "AuthFactorTokenRequired", "A sign in code has been sent")),
                         handle="ann.example", pds=PDS)  # fmt: skip
    assert code.kind == ErrorKind.AUTH and "use an app password" not in str(code)
    assert "app password" in str(code)


def test_a_read_timeout_while_creating_may_have_landed() -> None:
    timeout = safe_http.FetchTimeout("The server did not answer within 30 seconds")
    assert classify(timeout, pds=PDS, creating=True).unknown_outcome
    assert not classify(timeout, pds=PDS).unknown_outcome
    refused = safe_http.FetchTimeout("Could not connect to pds.example:443 within 5 seconds")
    refused.__cause__ = ConnectTimeoutError()
    before = classify(refused, pds=PDS, creating=True)
    assert before.kind == ErrorKind.TRANSIENT and not before.unknown_outcome
    assert "cannot be reached" in str(before)
