"""What a failed Mastodon API call means for a delivery.

Mastodon.py raises its own exceptions; the answer itself (status, headers, Mastodon's `error`
text) is read from the last response the session saw (see `client.Recorder`), and the
transport's failure from the exception chain (see `outlier.core.safe_requests`).

    what happened                                   kind          unknown_outcome (creating)
    401, 403 (token invalid, revoked, wrong scope)  AUTH          no
    429                                             RATE_LIMITED  no   (X-RateLimit-Reset, else
                                                                        Retry-After, else 60 s)
    404, 410 (the status replied to, deleted...)    PERMANENT     no
    413                                             PERMANENT     no   (too large)
    422 and other 4xx                               PERMANENT     no   (Mastodon's error text)
    5xx                                             TRANSIENT     yes  (Retry-After kept)
    refused address, invalid URL, redirect loop     PERMANENT     no
    unresolvable, connection refused, connect       TRANSIENT     no
      timeout
    read timeout, broken or oversized answer        TRANSIENT     yes
    a POST redirected elsewhere                     PERMANENT     yes if the final answer was 2xx
    a 2xx answer that is not Mastodon's JSON        TRANSIENT     yes  (else PERMANENT)

"creating" is the one request that makes the post (POST /api/v1/statuses): only there can a
failure leave the outcome unknown. A 5xx there is not taken at its word: Mastodon creates the
status before its side effects run, and a proxy's 502 or 504 says nothing about the app behind
it. Uploads, reads and deletes never leave a post behind, so their failures are never
"unknown".
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from mastodon.errors import MastodonAPIError, MastodonError, MastodonRatelimitError

from outlier.core.safe_http import (
    ConnectError,
    FetchTimeout,
    ForbiddenAddress,
    InvalidURL,
    ResolveError,
)
from outlier.core.safe_requests import RedirectedRequest, fetch_error
from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.http_outcomes import (
    DEFAULT_RATE_LIMIT_WAIT,
    MAX_RETRY_AFTER,
    failure_from_fetch_error,
    retry_after,
    snippet,
)

__all__ = ["classify", "error_text", "rate_limit_wait"]

_UNREACHED = (ConnectError, ForbiddenAddress, InvalidURL, ResolveError)


def error_text(response: requests.Response | None) -> str:
    """Mastodon's own words from an error answer ({"error": ...}), or the start of the body."""
    if response is None:
        return ""
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        for key in ("error", "error_description"):
            value = answer.get(key)
            if isinstance(value, str) and value.strip():
                return snippet(value.encode("utf-8"), 300)
    if "html" in response.headers.get("Content-Type", ""):
        return ""
    return snippet(response.content, 200)


def _instant(value: str) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def rate_limit_wait(response: requests.Response, now: datetime | None = None) -> float:
    """Seconds until Mastodon's limit resets: X-RateLimit-Reset measured on the server's clock
    (its Date header) when it sent one, else Retry-After, else a minute."""
    reset = _instant(response.headers.get("X-RateLimit-Reset", ""))
    if reset is not None:
        server_now = _instant(response.headers.get("Date", "")) or now or datetime.now(UTC)
        seconds = (reset - server_now).total_seconds()
        return min(max(seconds, 1.0), MAX_RETRY_AFTER)
    wait = retry_after(response.headers.get("Retry-After"))
    return DEFAULT_RATE_LIMIT_WAIT if wait is None else max(wait, 1.0)


def _from_status(
    response: requests.Response, who: str, *, creating: bool, replying: bool
) -> PublishError:
    status = response.status_code
    said = error_text(response)
    words = f" (Mastodon said: “{said}”)" if said else ""
    if status == 401:
        return PublishError(
            f"{who} refused the access token{words}: it is wrong, expired or revoked. "
            "Reconnect the channel.",
            ErrorKind.AUTH,
        )
    if status == 403:
        return PublishError(
            f"{who} does not allow this with the channel's access token{words}. The token may "
            "lack a permission (Outlier needs “read write”) or the account may be disabled: "
            "reconnect the channel.",
            ErrorKind.AUTH,
        )
    if status == 429:
        seconds = rate_limit_wait(response)
        return PublishError(
            f"{who} is rate-limiting this account; trying again in {seconds:.0f} seconds.",
            ErrorKind.RATE_LIMITED,
            retry_after=seconds,
        )
    if status >= 500:
        return PublishError(
            f"{who} answered {status}{words}; trying again later."
            + (" The post may have been created all the same." if creating else ""),
            ErrorKind.TRANSIENT,
            retry_after=retry_after(response.headers.get("Retry-After")),
            unknown_outcome=creating,
        )
    if status in (404, 410):
        if replying:
            return PublishError(
                f"{who} no longer has the post this one replies to{words}: it was deleted or "
                "is not visible to this account.",
                ErrorKind.PERMANENT,
            )
        return PublishError(
            f"{who} answered {status}{words}: not found. Check the channel's server address.",
            ErrorKind.PERMANENT,
        )
    if status == 413:
        return PublishError(
            f"{who} refused the upload as too large; a smaller image may fit.",
            ErrorKind.PERMANENT,
        )
    if status == 422:
        return PublishError(f"{who} refused the post{words}.", ErrorKind.PERMANENT)
    return PublishError(f"{who} answered {status}{words}.", ErrorKind.PERMANENT)


def classify(
    exc: BaseException,
    response: requests.Response | None,
    who: str,
    *,
    creating: bool = False,
    replying: bool = False,
) -> PublishError:
    """The PublishError for `exc`, raised by Mastodon.py while talking to `who` (the instance).

    `response` is the last answer the session received, if any.
    """
    if isinstance(exc, PublishError):
        return exc
    failure = fetch_error(exc)
    if failure is not None:
        error = failure_from_fetch_error(failure)
        unknown = creating and error.unknown_outcome
        detail = str(failure).rstrip(".") + "."
        if isinstance(failure, _UNREACHED) or (
            isinstance(failure, FetchTimeout) and not error.unknown_outcome
        ):
            message = f"{who} could not be reached: {detail}"
        else:
            message = f"Talking to {who[0].lower()}{who[1:]} failed: {detail}"
        if unknown:
            message += " The post may have been created all the same."
        return PublishError(
            message, error.kind, retry_after=error.retry_after, unknown_outcome=unknown
        )
    redirected = _redirect(exc)
    if redirected is not None:
        final = redirected.response
        where = final.url if final is not None else "another address"
        return PublishError(
            f"{who} redirected the request to {where}: set the channel's server address to "
            "where the API really is.",
            ErrorKind.PERMANENT,
            unknown_outcome=creating and final is not None and final.ok,
        )
    api_error = isinstance(exc, MastodonAPIError | MastodonRatelimitError)
    if api_error and response is not None and not response.ok:
        return _from_status(response, who, creating=creating, replying=replying)
    if isinstance(exc, MastodonError) and response is not None and response.ok:
        kind = response.headers.get("Content-Type", "").partition(";")[0].strip() or "no type"
        return PublishError(
            f"{who} answered with something that is not Mastodon's API "
            f"({response.status_code}, {kind})."
            + (" The post may have been created all the same." if creating else ""),
            ErrorKind.TRANSIENT if creating else ErrorKind.PERMANENT,
            unknown_outcome=creating,
        )
    return PublishError(
        f"{who} could not be used: {exc}.",
        ErrorKind.TRANSIENT,
        unknown_outcome=creating,
    )


def _redirect(exc: BaseException | None) -> RedirectedRequest | None:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, RedirectedRequest):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None
