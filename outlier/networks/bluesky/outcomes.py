"""What a failed XRPC call means for a delivery.

The atproto SDK raises its own exceptions, each holding the answer (status, headers and the
XRPC error: a name such as "InvalidRequest" and a message); the transport's failures are
safe_http's own, passed through the SDK unchanged (see `transport`).

    what happened                                       kind          unknown_outcome (creating)
    wrong handle or app password (login answers 401)    AUTH          no
    session expired or revoked (400 ExpiredToken or     AUTH          no  (only once a fresh
      InvalidToken, 401), account taken down                               login failed too)
    429                                                 RATE_LIMITED  no  (ratelimit-reset, else
                                                                           Retry-After, else 60 s)
    400 (invalid record, reply to a deleted post...),   PERMANENT     no
      404, 413 and other 4xx, 501
    "No service configured" (a PDS without an AppView)  PERMANENT     no
    5xx, 502/503/504 from a proxy included              TRANSIENT     yes
    unresolvable, connection refused, connect timeout   TRANSIENT     no
    read timeout, broken or oversized answer            TRANSIENT     yes
    refused address, invalid URL, redirect loop         PERMANENT     no
    a POST redirected elsewhere                         PERMANENT     yes if the answer was 2xx
    an answer the SDK cannot read                       TRANSIENT     yes

"creating" is the createRecord of a post: only there can a failure leave a post behind.
Uploads, reads and deletes never do, so their failures are never "unknown". The PDS answers
the rate limit's reset as a Unix time (ratelimit-reset: 1795654584), not as seconds to wait
as the IETF draft has it: both are read.
"""

from __future__ import annotations

import time

from atproto_client.exceptions import (
    ModelError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_client.models.common import XrpcError
from atproto_core.exceptions import AtProtocolError
from pydantic import ValidationError

from outlier.core import safe_http
from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.bluesky.transport import Redirected
from outlier.networks.http_outcomes import (
    DEFAULT_RATE_LIMIT_WAIT,
    MAX_RETRY_AFTER,
    failure_from_fetch_error,
    retry_after,
    snippet,
)

__all__ = [
    "SESSION_ERRORS",
    "classify",
    "is_no_appview",
    "is_not_found",
    "is_session_problem",
    "login_failure",
    "xrpc_error",
]

SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthMissing", "AuthRequired"})
_ACCOUNT_ERRORS = {
    "AccountTakedown": "the account has been taken down by its host",
    "AccountDeactivated": "the account is deactivated",
    "AccountSuspended": "the account is suspended",
}
_NOT_FOUND = frozenset({"RecordNotFound", "NotFound", "RepoNotFound", "BlobNotFound"})


def xrpc_error(exc: BaseException) -> tuple[int | None, str, str]:
    """(status, XRPC error name, message) of an SDK error; (None, "", "") when none came."""
    if not isinstance(exc, RequestErrorBase) or exc.response is None:
        return None, "", ""
    content = exc.response.content
    if isinstance(content, XrpcError):
        return exc.response.status_code, content.error or "", content.message or ""
    if isinstance(content, bytes):
        return exc.response.status_code, "", snippet(content)
    return exc.response.status_code, "", ""


def is_session_problem(exc: BaseException) -> bool:
    """True when the session (not the request) was refused: a fresh login may help."""
    if isinstance(exc, UnauthorizedError):
        name = xrpc_error(exc)[1]
        return name not in _ACCOUNT_ERRORS
    status, name, _ = xrpc_error(exc)
    return status == 400 and name in SESSION_ERRORS


def is_not_found(exc: BaseException) -> bool:
    status, name, message = xrpc_error(exc)
    if name in _NOT_FOUND or status == 404:
        return True
    # A PDS asked for a record of a repository it does not host.
    return status == 400 and message.startswith("Could not locate record")


def is_no_appview(exc: BaseException) -> bool:
    """The PDS serves no app.bsky methods: it has no AppView to forward them to."""
    status, _, message = xrpc_error(exc)
    return status is not None and "No service configured" in message


def _wait(exc: RateLimitExceededError) -> float:
    reset = exc._get_int_header("ratelimit-reset")
    if reset is not None:
        seconds = reset - time.time() if reset > 1_000_000_000 else float(reset)
        return min(max(seconds, 1.0), MAX_RETRY_AFTER)
    header = retry_after(exc._get_header("retry-after"))
    return DEFAULT_RATE_LIMIT_WAIT if header is None else max(header, 1.0)


def _said(status: int | None, name: str, message: str) -> str:
    detail = ": ".join(part for part in (name, message) if part)
    return f"{status} {detail}".strip() if status else detail


def classify(exc: BaseException, *, pds: str, creating: bool = False) -> PublishError:
    """The failure an exception from an XRPC call stands for."""
    if isinstance(exc, PublishError):
        return exc
    if isinstance(exc, Redirected):
        return PublishError(
            f"{exc}.", ErrorKind.PERMANENT, unknown_outcome=creating and 200 <= exc.status < 300
        )
    if isinstance(exc, safe_http.FetchError):
        failure = failure_from_fetch_error(exc)
        message = str(failure)
        if isinstance(exc, safe_http.ResolveError | safe_http.ConnectError) or (
            failure.kind == ErrorKind.TRANSIENT and not failure.unknown_outcome
        ):
            message = f"The Bluesky server at {pds} cannot be reached: {message}"
        elif isinstance(exc, safe_http.ForbiddenAddress | safe_http.InvalidURL):
            message = f"Outlier will not connect to the Bluesky server at {pds}: {message}"
        return PublishError(
            message, failure.kind, unknown_outcome=creating and failure.unknown_outcome
        )
    if isinstance(exc, RateLimitExceededError):
        wait = _wait(exc)
        budget = exc.policy or ""
        left = exc.remaining
        detail = f" (policy {budget}, {left} left)" if budget and left is not None else ""
        return PublishError(
            f"Bluesky's rate limit is used up{detail}; trying again in {wait:.0f} seconds.",
            ErrorKind.RATE_LIMITED,
            retry_after=wait,
        )
    status, name, message = xrpc_error(exc)
    said = _said(status, name, message)
    if name in _ACCOUNT_ERRORS:
        return PublishError(
            f"Bluesky refuses the channel's account: {_ACCOUNT_ERRORS[name]} ({said}).",
            ErrorKind.AUTH,
        )
    if isinstance(exc, UnauthorizedError) or is_session_problem(exc):
        return PublishError(
            f"Bluesky no longer accepts the channel's session and a fresh login failed too "
            f"({said}). Reconnect the channel with a new app password.",
            ErrorKind.AUTH,
        )
    if is_no_appview(exc):
        return PublishError(
            f"The PDS at {pds} has no AppView to answer this ({said}). Set the channel's "
            "AppView to “None” if the PDS stands alone.",
            ErrorKind.PERMANENT,
        )
    if status is not None:
        if status == 413:
            return PublishError(
                f"Bluesky refused the post as too large ({said}).", ErrorKind.PERMANENT
            )
        if status >= 500 and status not in (501, 505):
            return PublishError(
                f"The Bluesky server at {pds} failed ({said}); trying again later.",
                ErrorKind.TRANSIENT,
                unknown_outcome=creating,
            )
        return PublishError(f"Bluesky refused the request: {said}.", ErrorKind.PERMANENT)
    if isinstance(exc, NetworkError):  # an httpx transport failure: not expected here
        return PublishError(
            f"The connection to {pds} failed: {exc}.", ErrorKind.TRANSIENT, unknown_outcome=creating
        )
    if isinstance(exc, ModelError | ValidationError | AtProtocolError):
        return PublishError(
            f"The Bluesky server at {pds} sent an answer Outlier cannot read ({exc}).",
            ErrorKind.TRANSIENT,
            unknown_outcome=creating,
        )
    return PublishError(
        f"{type(exc).__name__}: {exc}", ErrorKind.TRANSIENT, unknown_outcome=creating
    )


def login_failure(exc: BaseException, *, handle: str, pds: str) -> PublishError:
    """What a failed createSession means: wrong credentials get their own clear message."""
    status, name, message = xrpc_error(exc)
    if name == "AuthFactorTokenRequired":
        return PublishError(
            f"Bluesky asks {handle} for a sign-in code sent by e-mail: connect the channel with "
            "an app password (Settings → Privacy and security → App passwords), which needs "
            "no code.",
            ErrorKind.AUTH,
        )
    if name in _ACCOUNT_ERRORS:
        return classify(exc, pds=pds)
    if status == 401 or (status == 400 and name in ("AuthenticationRequired", "InvalidPassword")):
        return PublishError(
            f"Bluesky refused the handle or app password for {handle} at {pds} "
            f"({message or name or status}). Check the handle, and create a new app password "
            "in Bluesky if this one was revoked.",
            ErrorKind.AUTH,
        )
    return classify(exc, pds=pds)
