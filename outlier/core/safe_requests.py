"""A requests transport that sends every request through `safe_http.fetch`.

Libraries that speak HTTP through a `requests.Session` (Mastodon.py, for one) get the safe
client's guarantees by being handed `safe_session()`: address vetting before every connection,
redirects followed by hand with each hop vetted, connect/read timeouts and a total deadline, a
cap on the decompressed answer, proxy variables ignored. The session itself never follows a
redirect (safe_http already did) and sends no default headers of its own.

Failures come out as the `requests` exceptions callers expect, each raised `from` the
`safe_http.FetchError` that caused it, so the sentence and the class of the original stay
reachable through `__cause__`:

    safe_http                       requests
    InvalidURL                      InvalidURL
    ForbiddenAddress                ForbiddenURL (an InvalidURL)
    ResolveError, ConnectError      ConnectionError
    FetchTimeout, nothing sent      ConnectTimeout
    FetchTimeout after sending      ReadTimeout
    TooManyRedirects                TooManyRedirects
    TooLarge                        ResponseTooLarge
    BadResponse                     ConnectionError

A request that is not a GET, HEAD or OPTIONS and ends at another URL than the one asked for
raises `RedirectedRequest`: a 301, 302 or 303 turns a POST into a GET without its body, so the
answer says nothing about what was posted (a 307 or 308 carried it along, so it may have
landed). The exception carries the final response.
"""

from __future__ import annotations

import http
import io
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.exceptions import ConnectTimeoutError

from outlier.core import safe_http

__all__ = [
    "ForbiddenURL",
    "RedirectedRequest",
    "ResponseTooLarge",
    "SafeTransport",
    "fetch_error",
    "safe_session",
]

_UNSAFE_TO_REDIRECT_EXEMPT = frozenset({"GET", "HEAD", "OPTIONS"})
_HOP_HEADERS = ("Connection", "Keep-Alive", "Transfer-Encoding", "Proxy-Connection")


class ForbiddenURL(requests.exceptions.InvalidURL):
    """The host is, or resolves to, an address Outlier must not reach."""


class ResponseTooLarge(requests.exceptions.RequestException):
    """The (decompressed) answer is larger than the cap."""


class RedirectedRequest(requests.exceptions.RequestException):
    """A request with a body was redirected: what it carried may not have arrived."""


def fetch_error(exc: BaseException | None) -> safe_http.FetchError | None:
    """The safe_http failure behind `exc`, following `__cause__` and `__context__`."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, safe_http.FetchError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _normalised(url: str) -> str:
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, "")
    )


def _body(body: Any) -> bytes | None:
    """A prepared request's body as bytes (requests leaves str, bytes, files or iterables)."""
    if body is None:
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if isinstance(body, Iterable):
        return b"".join(
            chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk) for chunk in body
        )
    raise TypeError(f"Cannot send a request body of type {type(body).__name__}")


def _timeouts(timeout: Any, default_connect: float, default_read: float) -> tuple[float, float]:
    if timeout is None:
        return default_connect, default_read
    if isinstance(timeout, tuple):
        connect, read = timeout
        return (
            default_connect if connect is None else float(connect),
            default_read if read is None else float(read),
        )
    return min(default_connect, float(timeout)), float(timeout)


def _translate(exc: safe_http.FetchError, request: requests.PreparedRequest) -> Exception:
    message = str(exc)
    if isinstance(exc, safe_http.ForbiddenAddress):
        return ForbiddenURL(message, request=request)
    if isinstance(exc, safe_http.InvalidURL):
        return requests.exceptions.InvalidURL(message, request=request)
    if isinstance(exc, safe_http.TooManyRedirects):
        return requests.exceptions.TooManyRedirects(message, request=request)
    if isinstance(exc, safe_http.TooLarge):
        return ResponseTooLarge(message, request=request)
    if isinstance(exc, safe_http.FetchTimeout):
        if isinstance(exc.__cause__, ConnectTimeoutError):
            return requests.exceptions.ConnectTimeout(message, request=request)
        return requests.exceptions.ReadTimeout(message, request=request)
    return requests.exceptions.ConnectionError(message, request=request)


class SafeTransport(BaseAdapter):
    """Sends a prepared request with `safe_http.fetch` and hands back a `requests.Response`.

    `deadline` bounds each whole request (redirects and answer included), `max_bytes` caps each
    answer; both default to safe_http's settings. The `timeout` a caller passes gives the read
    timeout (a pair gives connect and read); without one `read_timeout` applies.
    """

    def __init__(
        self,
        *,
        deadline: float | None = None,
        max_bytes: int | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
    ) -> None:
        super().__init__()
        self.deadline = deadline
        self.max_bytes = max_bytes
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        method = (request.method or "GET").upper()
        url = request.url or ""
        body = _body(request.body)
        headers = {
            name: value if isinstance(value, str) else value.decode("latin-1")
            for name, value in request.headers.items()
            if name.title() not in _HOP_HEADERS
        }
        if body is not None:
            headers["Content-Length"] = str(len(body))
        connect, read = _timeouts(timeout, self.connect_timeout, self.read_timeout)
        try:
            answer = safe_http.fetch(
                url,
                method=method,
                headers=headers,
                body=body,
                max_bytes=self.max_bytes,
                deadline=self.deadline,
                connect_timeout=connect,
                read_timeout=read,
            )
        except safe_http.FetchError as exc:
            raise _translate(exc, request) from exc
        response = self._response(request, answer)
        if method not in _UNSAFE_TO_REDIRECT_EXEMPT and _normalised(answer.url) != _normalised(url):
            raise RedirectedRequest(
                f"The server redirected the {method} request to {answer.url}",
                request=request,
                response=response,
            )
        return response

    def _response(
        self, request: requests.PreparedRequest, answer: safe_http.Response
    ) -> requests.Response:
        response = requests.Response()
        response.status_code = answer.status
        headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(answer.headers.itermerged())
        headers.pop("Content-Encoding", None)  # safe_http has already decompressed the body
        headers.pop("Transfer-Encoding", None)
        headers["Content-Length"] = str(len(answer.body))
        response.headers = headers
        response.raw = io.BytesIO(answer.body)
        response.url = answer.url
        response.encoding = get_encoding_from_headers(headers)
        try:
            response.reason = http.HTTPStatus(answer.status).phrase
        except ValueError:
            response.reason = ""
        response.request = request
        return response

    def close(self) -> None:
        """Nothing to close: safe_http opens and closes a connection per request."""


def safe_session(
    *,
    deadline: float | None = None,
    max_bytes: int | None = None,
    connect_timeout: float = 5.0,
    read_timeout: float = 10.0,
) -> requests.Session:
    """A `requests.Session` whose every request goes through `safe_http.fetch`.

    It ignores proxy variables and .netrc, sends no headers of its own (safe_http adds its
    User-Agent, Accept and Accept-Encoding) and never follows a redirect itself.
    """
    session = requests.Session()
    session.trust_env = False
    session.headers = CaseInsensitiveDict()
    session.max_redirects = 0
    transport = SafeTransport(
        deadline=deadline,
        max_bytes=max_bytes,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    for prefix in list(session.adapters):
        del session.adapters[prefix]
    session.mount("https://", transport)
    session.mount("http://", transport)
    return session
