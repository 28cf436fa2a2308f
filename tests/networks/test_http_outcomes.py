"""Reading HTTP answers and safe_http failures: Retry-After, and what may have been sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ReadTimeoutError

from outlier.core.safe_http import (
    BadResponse,
    FetchError,
    FetchTimeout,
    TooLarge,
    TooManyRedirects,
)
from outlier.networks.base import ErrorKind
from outlier.networks.http_outcomes import failure_from_fetch_error, retry_after, snippet

NOW = datetime(2026, 5, 1, 8, 0, 0, tzinfo=UTC)
READ_TIMEOUT = ReadTimeoutError(None, "/", "timed out")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("Fri, 01 May 2026 08:02:00 GMT", 120.0),
        ("Fri, 01 May 2026 07:00:00 GMT", 0.0),  # in the past: now
        ("999999999", 86400.0),  # capped at a day
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after(value: str | None, seconds: float | None) -> None:
    assert retry_after(value, now=NOW) == seconds


def _caused(error: FetchError, cause: Exception) -> FetchError:
    error.__cause__ = cause  # as safe_http raises them: `raise ... from exc`
    return error


def test_a_timeout_while_connecting_sent_nothing() -> None:
    failure = failure_from_fetch_error(
        _caused(FetchTimeout("Could not connect"), ConnectTimeoutError("timed out"))
    )
    assert failure.kind is ErrorKind.TRANSIENT
    assert not failure.unknown_outcome

    refused = NewConnectionError(None, "refused")  # type: ignore[arg-type]
    assert not failure_from_fetch_error(_caused(FetchTimeout("deadline"), refused)).unknown_outcome


@pytest.mark.parametrize(
    "exc",
    [
        _caused(FetchTimeout("No answer"), READ_TIMEOUT),
        FetchTimeout("The server did not answer within 15 seconds"),
        BadResponse("127.0.0.1:80 did not send a valid HTTP response"),
        TooLarge("The response is larger than 1 MB"),
    ],
)
def test_failures_after_sending_leave_the_outcome_unknown(exc: FetchError) -> None:
    failure = failure_from_fetch_error(exc)
    assert failure.kind is ErrorKind.TRANSIENT
    assert failure.unknown_outcome


def test_too_many_redirects_is_permanent() -> None:
    failure = failure_from_fetch_error(TooManyRedirects("Too many redirects (more than 5)"))
    assert failure.kind is ErrorKind.PERMANENT
    assert str(failure) == "Too many redirects (more than 5)."


def test_snippet_is_one_short_printable_line() -> None:
    assert snippet(b"  <h1>Bad\n\n request</h1>\x07 ") == "<h1>Bad request</h1>"
    assert len(snippet(b"x" * 1000)) == 200
    assert snippet(b"\xff\xfe broken") == "\ufffd\ufffd broken"
