"""The atproto SDK's HTTP, sent through Outlier's safe client.

The PDS URL is whatever the user typed, and after login the SDK moves to the PDS its DID
document names (bsky.social hands accounts to their own host). The SDK speaks httpx, so it
gets an httpx client whose only transport is `SafeTransport`, which sends every request with
`safe_http.fetch`: the host resolved once and every address vetted (private addresses
refused unless settings.ALLOWED_PRIVATE_NETWORKS lets them through), the connection made to
the vetted address, redirects followed by hand with each hop vetted, connect and read
timeouts, a total deadline and a cap on the answer. This was chosen over checking the host
before each request and letting httpx connect: httpx would resolve the name again, and a
name that answers differently the second time would slip through. The client is built with
`trust_env=False`, so proxy variables and .netrc are never read, and with no transport of
its own to fall back on.

The cost: safe_http opens a connection per request (no keep-alive), a TCP (and TLS)
handshake each time.

safe_http's failures come out of the SDK unchanged (it re-raises what is not an httpx
error), to be classified by `outcomes`. A request with a body that was redirected raises
`Redirected`: a 301, 302 or 303 turns a POST into a GET, so its answer says nothing about
what was sent.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import httpx
from atproto_client.request import Request

from outlier.core import safe_http

__all__ = ["MAX_ANSWER_BYTES", "Redirected", "SafeTransport", "safe_request"]

MAX_ANSWER_BYTES = 8 * 1024 * 1024  # 100 notifications with their records fit many times
# Set by safe_http itself (Host, and Accept-Encoding it decodes), or by urllib3 for the body.
_DROPPED_REQUEST_HEADERS = frozenset(
    {"host", "connection", "content-length", "accept-encoding", "transfer-encoding", "user-agent"}
)
# The body arrives decoded and whole.
_DROPPED_ANSWER_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Redirected(safe_http.FetchError):
    """A request with a body ended at another URL than the one asked for."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _normalised(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


class SafeTransport(httpx.BaseTransport):
    """An httpx transport that sends each request with `safe_http.fetch`."""

    def __init__(
        self,
        *,
        deadline: float,
        connect_timeout: float = 5.0,
        max_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self.deadline = deadline
        self.connect_timeout = connect_timeout
        self.max_bytes = max_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        method = request.method.upper()
        url = str(request.url)
        body = request.read()
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in _DROPPED_REQUEST_HEADERS
        }
        answer = safe_http.fetch(
            url,
            method=method,
            headers=headers,
            body=body if body or method not in _SAFE_METHODS else None,
            max_bytes=self.max_bytes,
            deadline=self.deadline,
            connect_timeout=min(self.connect_timeout, self.deadline),
            read_timeout=self.deadline,
        )
        if method not in _SAFE_METHODS and _normalised(answer.url) != _normalised(url):
            raise Redirected(
                f"The server redirected the request to {answer.url}: set the PDS URL to that "
                "address",
                answer.status,
            )
        return httpx.Response(
            answer.status,
            headers=[
                (name, value)
                for name, value in answer.headers.items()
                if name.lower() not in _DROPPED_ANSWER_HEADERS
            ],
            content=answer.body,
            request=request,
        )


def safe_request(deadline: float) -> Request:
    """The SDK's request layer on `SafeTransport`, without proxies or .netrc."""
    return Request(transport=SafeTransport(deadline=deadline), trust_env=False)
