"""What an HTTP answer or failure means for a delivery, for the adapters that speak HTTP.

    what happened                                  kind          unknown_outcome
    429                                            RATE_LIMITED  no   (Retry-After, else 60 s)
    408, 425, 500, 502, 503, 504, other 5xx        TRANSIENT     no   (Retry-After kept)
    401, 403                                       AUTH          no
    404, 410                                       PERMANENT     no   ("no longer exists")
    413                                            PERMANENT     no   ("too large")
    other 4xx, 501, 505, unexpected 1xx/3xx        PERMANENT     no   (status and a snippet)
    InvalidURL, ForbiddenAddress                   PERMANENT     no   (nothing sent)
    ResolveError, ConnectError                     TRANSIENT     no   (nothing sent)
    FetchTimeout while connecting                  TRANSIENT     no   (nothing sent)
    FetchTimeout after connecting, BadResponse,    TRANSIENT     yes  (the request may have
      TooLarge                                                         been processed)
    TooManyRedirects                               PERMANENT     no

A 503 with Retry-After stays TRANSIENT (the peer is down, not metering us): its `retry_after`
is a lower bound for the next attempt, and the attempt counts. A 5xx answer is taken at its
word: the peer says it did not accept the post.
"""

from __future__ import annotations

import http
import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from urllib3.exceptions import ConnectTimeoutError

from outlier.core.safe_http import (
    BadResponse,
    ConnectError,
    FetchError,
    FetchTimeout,
    ForbiddenAddress,
    InvalidURL,
    ResolveError,
    Response,
    TooLarge,
    TooManyRedirects,
)
from outlier.networks.base import ErrorKind, PublishError

__all__ = [
    "DEFAULT_RATE_LIMIT_WAIT",
    "MAX_RETRY_AFTER",
    "failure_from_fetch_error",
    "failure_from_status",
    "retry_after",
    "snippet",
]

DEFAULT_RATE_LIMIT_WAIT = 60.0  # seconds, when a 429 says nothing
MAX_RETRY_AFTER = 24 * 3600.0  # a longer Retry-After is taken as a day
_TRANSIENT_STATUSES = frozenset({408, 425, 500, 502, 503, 504})
_PERMANENT_5XX = frozenset({501, 505})
_WHITESPACE = re.compile(r"\s+")


def retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000" dates parse naive; HTTP dates are GMT
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def snippet(body: bytes, limit: int = 200) -> str:
    """The start of a response body, on one line, for an error message."""
    text = _WHITESPACE.sub(" ", body[: limit * 4].decode("utf-8", errors="replace")).strip()
    text = "".join(char for char in text if char.isprintable())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status_text(status: int) -> str:
    try:
        return f"{status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def failure_from_status(response: Response, who: str) -> PublishError:
    """The failure a non-2xx answer stands for; `who` names the peer ("The receiver")."""
    status = response.status
    said = f"{who} answered {_status_text(status)}"
    wait = retry_after(response.headers.get("Retry-After"))
    if status == 429:
        seconds = DEFAULT_RATE_LIMIT_WAIT if wait is None else wait
        return PublishError(
            f"{said}: too many requests; trying again in {seconds:g} seconds.",
            ErrorKind.RATE_LIMITED,
            retry_after=seconds,
        )
    if status in _TRANSIENT_STATUSES or (status >= 500 and status not in _PERMANENT_5XX):
        return PublishError(f"{said}; trying again later.", ErrorKind.TRANSIENT, retry_after=wait)
    if status in (401, 403):
        return PublishError(
            f"{said}: it refuses Outlier's credentials. Check the channel's settings.",
            ErrorKind.AUTH,
        )
    if status in (404, 410):
        return PublishError(
            f"{said}: the receiver no longer exists. Check the channel's URL.",
            ErrorKind.PERMANENT,
        )
    if status == 413:
        return PublishError(
            f"{said}: the post is too large for it (fewer or smaller images may fit).",
            ErrorKind.PERMANENT,
        )
    detail = snippet(response.body)
    return PublishError(f"{said}" + (f": {detail}" if detail else "") + ".", ErrorKind.PERMANENT)


def _sent_nothing(exc: FetchError) -> bool:
    """True when the failure happened before the request could reach the peer."""
    return isinstance(exc.__cause__, ConnectTimeoutError)  # also NewConnectionError


def failure_from_fetch_error(exc: FetchError) -> PublishError:
    """The failure a safe_http error stands for (its message is already a readable sentence)."""
    message = str(exc).rstrip(".") + "."
    if isinstance(exc, InvalidURL | ForbiddenAddress):
        return PublishError(message, ErrorKind.PERMANENT)
    if isinstance(exc, TooManyRedirects):
        return PublishError(message, ErrorKind.PERMANENT)
    if isinstance(exc, ResolveError | ConnectError):
        return PublishError(message, ErrorKind.TRANSIENT)
    if isinstance(exc, FetchTimeout) and _sent_nothing(exc):
        return PublishError(message, ErrorKind.TRANSIENT)
    if isinstance(exc, FetchTimeout | BadResponse | TooLarge):
        return PublishError(
            f"{message} The post may have arrived all the same.",
            ErrorKind.TRANSIENT,
            unknown_outcome=True,
        )
    return PublishError(message, ErrorKind.TRANSIENT, unknown_outcome=True)
