"""The one safe HTTP client: every fetch of a user-supplied or remote URL goes through `fetch`.

- http and https only;
- the host is resolved once and every address vetted: loopback, private, link-local, multicast,
  reserved, unspecified and shared (100.64/10) addresses are refused, also when written as
  IPv4-mapped, IPv4-compatible, NAT64, 6to4 or Teredo IPv6 addresses or as decimal, hex or
  octal IPv4 literals, unless they are inside `settings.ALLOWED_PRIVATE_NETWORKS`;
- the connection goes to the vetted address (the name is only used for Host, SNI and the
  certificate check), so the name cannot be re-resolved to something else in between;
- redirects are followed by hand, at most `MAX_REDIRECTS`, each hop vetted again;
- connect and read timeouts, and a total deadline enforced by a watchdog that shuts the
  socket down, whatever the server is slowly dripping (headers or body);
- a cap on the decompressed body size, so a gzip bomb is never inflated;
- proxy environment variables are ignored (urllib3 pools never use them);
- a complete response's connection is kept a few seconds for the same thread (`_Kept`), only
  ever reused for the address it was vetted for, after vetting the name again.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from django.conf import settings
from urllib3 import (
    BaseHTTPResponse,
    HTTPConnectionPool,
    HTTPHeaderDict,
    HTTPSConnectionPool,
    Timeout,
)
from urllib3 import exceptions as u3
from urllib3.connection import HTTPConnection, HTTPSConnection

import outlier

__all__ = [
    "MAX_REDIRECTS",
    "BadResponse",
    "ConnectError",
    "FetchError",
    "FetchTimeout",
    "ForbiddenAddress",
    "InvalidURL",
    "ResolveError",
    "Response",
    "TooLarge",
    "TooManyRedirects",
    "fetch",
    "is_forbidden_address",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_REDIRECTS = 5
KEEP_SECONDS = 4.0  # idle connections kept (servers close theirs after 5 s and more)
KEEP_PER_THREAD = 8
CHUNK_SIZE = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CREDENTIAL_HEADERS = ("Authorization", "Cookie", "Proxy-Authorization")
_BODY_HEADERS = ("Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding")
_METHOD = re.compile(r"[A-Z]+")
_HOSTNAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")

_SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")


# -- Errors -------------------------------------------------------------------------------------


class FetchError(Exception):
    """A fetch failed; `str()` is a sentence a curator can read."""


class InvalidURL(FetchError):
    """Not an http(s) URL with a valid host."""


class ForbiddenAddress(FetchError):
    """The host is, or resolves to, an address that must not be fetched."""


class ResolveError(FetchError):
    """The host name does not resolve."""


class ConnectError(FetchError):
    """No (secure) connection could be established."""


class FetchTimeout(FetchError):
    """The connect or read timeout, or the total deadline, passed."""


class TooLarge(FetchError):
    """The (decompressed) body is larger than the cap."""


class TooManyRedirects(FetchError):
    """More than `MAX_REDIRECTS` redirects."""


class BadResponse(FetchError):
    """The server broke off or sent something that is not valid HTTP."""


# -- Addresses ----------------------------------------------------------------------------------


def _allowed(ip: IPAddress) -> bool:
    networks = settings.ALLOWED_PRIVATE_NETWORKS
    return any(ip.version == network.version and ip in network for network in networks)


def _kind(ip: IPAddress) -> str | None:
    """What makes `ip` itself non-public (ignoring any IPv4 address embedded in it)."""
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED_ADDRESS_SPACE:
        return "a shared (carrier-grade NAT) address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved:
        return "a reserved address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local:
        return "a site-local address"
    if not ip.is_global:
        return "not a public address"
    return None


def _embedded(ip: ipaddress.IPv6Address) -> list[tuple[ipaddress.IPv4Address, str]] | None:
    """The IPv4 addresses an IPv6 transition address stands for, or None for plain IPv6."""
    value = int(ip)
    if ip.ipv4_mapped is not None:
        return [(ip.ipv4_mapped, "in IPv4-mapped form")]
    if value >> 32 == 0 and value > 1:
        return [(ipaddress.IPv4Address(value), "in IPv4-compatible form")]
    if ip in _NAT64:
        return [(ipaddress.IPv4Address(value & 0xFFFFFFFF), "embedded in a NAT64 address")]
    if ip in _NAT64_LOCAL:  # RFC 8215, with the RFC 6052 /96 layout or, if it fits, /48 layout
        packed = ip.packed
        found = [(ipaddress.IPv4Address(packed[12:]), "embedded in a NAT64 address")]
        if not any(packed[8:9] + packed[11:]):
            ipv4 = ipaddress.IPv4Address(packed[6:8] + packed[9:11])
            found.insert(0, (ipv4, "embedded in a NAT64 address"))
        return found
    if ip.sixtofour is not None:
        return [(ip.sixtofour, "embedded in a 6to4 address")]
    if ip.teredo is not None:
        return [(address, "embedded in a Teredo address") for address in ip.teredo]
    return None


def is_forbidden_address(ip: str | IPAddress) -> str | None:
    """Why `ip` must not be fetched (e.g. "a loopback address"), or None when it may be.

    Addresses inside `settings.ALLOWED_PRIVATE_NETWORKS` are allowed; an IPv4-mapped address
    is also allowed when the IPv4 address it maps is.
    """
    address = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        address = ipaddress.IPv6Address(str(address).partition("%")[0])
    if _allowed(address):
        return None
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded(address)
        if embedded is not None:
            for ipv4, form in embedded:
                if address.ipv4_mapped is not None and _allowed(ipv4):
                    continue
                kind = _kind(ipv4)
                if kind is not None:
                    return f"{kind} ({ipv4} {form})"
            if address in _NAT64_LOCAL:  # whatever it embeds, it is not globally reachable
                return "a local-use NAT64 address"
            return None
    return _kind(address)


def _ipv4_number(part: str) -> int | None:
    digits, base = part, 10
    if part[:2].lower() == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    if not digits:
        return 0 if base == 16 else None
    try:
        return int(digits, base) if digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Decimal, hex, octal and short IPv4 forms (2130706433, 0x7f000001, 0177.0.0.1, 127.1).

    None when `host` is a name; ValueError when it ends in a number but is no valid address.
    """
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    last = parts[-1]
    if not (last.isascii() and last.isdigit()) and _ipv4_number(last) is None:
        return None
    numbers = [_ipv4_number(part) for part in parts]
    if len(numbers) > 4 or any(number is None for number in numbers):
        raise ValueError(host)
    *head, tail = [number or 0 for number in numbers]
    if any(number > 255 for number in head) or tail >= 256 ** (5 - len(numbers)):
        raise ValueError(host)
    return ipaddress.IPv4Address(tail + sum(n << (8 * (3 - i)) for i, n in enumerate(head)))


# -- URLs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    url: str  # without fragment
    scheme: str
    written: str  # the host as written in the URL, for messages
    host: str  # IDNA-encoded name or normalised IP, for DNS, Host, SNI and certificate check
    ip: IPAddress | None  # set when the host is an IP literal
    port: int
    path: str  # request target: path and query

    @property
    def netloc(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def host_port(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


def _shorten(url: str, limit: int = 100) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "…"


def _target(url: str, *, redirect: bool = False) -> _Target:
    url = url.strip()
    lead = (
        f"The server redirected to {_shorten(url)}" if redirect else f"Cannot fetch {_shorten(url)}"
    )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"{lead}: it is not a valid URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidURL(f"{lead}: only http and https URLs can be fetched")
    if _CONTROL_CHARS.search(url):  # urllib3 percent-encodes spaces in the path, not these
        raise InvalidURL(f"{lead}: it contains control characters")
    if "@" in parts.netloc:
        raise InvalidURL(f"{lead}: URLs with a user name or password are not supported")
    written = parts.hostname
    if not written:
        raise InvalidURL(f"{lead}: it has no host name")
    if port == 0:
        raise InvalidURL(f"{lead}: its port is not valid")
    ip: IPAddress | None = None
    try:
        if "%" in written:  # an IPv6 zone identifier (fe80::1%eth0) or an encoded character
            raise ValueError(written)
        if ":" in written:
            ip = ipaddress.IPv6Address(written)
        else:
            try:
                ip = ipaddress.IPv4Address(written)
            except ValueError:
                ip = _legacy_ipv4(written)
        host = str(ip) if ip is not None else written.encode("idna").decode("ascii").lower()
    except (ValueError, UnicodeError) as exc:
        raise InvalidURL(f"{lead}: its host name is not valid") from exc
    if ip is None and not _HOSTNAME.fullmatch(host):
        raise InvalidURL(f"{lead}: its host name is not valid")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(
        url=urlunsplit((scheme, parts.netloc, parts.path, parts.query, "")),
        scheme=scheme,
        written=written,
        host=host,
        ip=ip,
        port=port or (443 if scheme == "https" else 80),
        path=path,
    )


# -- Time ---------------------------------------------------------------------------------------


def _seconds(value: float) -> str:
    return f"{value:g} second" + ("" if value == 1 else "s")


def _size(value: int) -> str:
    for unit, factor in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if value >= factor:
            return f"{round(value / factor, 1):g} {unit}"
    return f"{value} bytes"


@dataclass(frozen=True)
class _Limits:
    deadline: float
    deadline_at: float  # time.monotonic()
    connect_timeout: float
    read_timeout: float
    max_bytes: int

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline_at

    def remaining(self) -> float:
        left = self.deadline_at - time.monotonic()
        if left <= 0:
            raise self.timeout()
        return left

    def timeout(self, *, body: bool = False) -> FetchTimeout:
        if body:
            return FetchTimeout(
                f"The server did not send the whole response within {_seconds(self.deadline)}"
            )
        return FetchTimeout(f"The server did not answer within {_seconds(self.deadline)}")


class _Watchdog:
    """Shuts the connection down when the deadline passes, whatever it is waiting for.

    Socket timeouts only bound each single read; a server dripping a byte now and then would
    never trip them. Watched sockets are duplicated, so shutting them down is safe whatever
    urllib3 and ssl have done with the originals.
    """

    def __init__(self, deadline_at: float) -> None:
        self.fired = False
        self._stopped = False
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(max(0.0, deadline_at - time.monotonic()), self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._timer.cancel()
        with self._lock:
            self._stopped = True
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            if self._stopped:
                return
            # fromfd duplicates the descriptor: TLS sockets (a kept connection's) cannot dup()
            self._sockets.append(socket.fromfd(sock.fileno(), sock.family, sock.type))
            if self.fired:
                self._shutdown(self._sockets[-1])

    def _fire(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self.fired = True
            for sock in self._sockets:
                self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _WatchedHTTPConnection(HTTPConnection):
    def __init__(self, *args: Any, watchdog: _Watchdog, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watchdog = watchdog

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        self._watchdog.watch(sock)
        return sock


class _WatchedHTTPSConnection(_WatchedHTTPConnection, HTTPSConnection):
    pass


class _Watched:
    """A pool whose connection is watched by the watchdog of the fetch using it: a kept
    connection (`_Kept`) serves several fetches, each with its own deadline."""

    conn_kw: dict[str, Any]
    key: _Key

    def watched_by(self, watchdog: _Watchdog) -> None:
        self.conn_kw["watchdog"] = watchdog

    def _get_conn(self, timeout: float | None = None) -> Any:
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        conn._watchdog = self.conn_kw["watchdog"]
        if getattr(conn, "sock", None) is not None:  # kept open from an earlier fetch
            conn._watchdog.watch(conn.sock)
        return conn


class _HTTPPool(_Watched, HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(_Watched, HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_Key = tuple[str, str, int, str]  # scheme, host, port, the vetted address connected to


class _Kept(threading.local):
    """Each thread's connections kept open after a complete response, by origin and vetted
    address, for `KEEP_SECONDS` at most: polling many feeds of one host (or a network's API)
    then costs no new connection (and TLS handshake) per request. A connection is only ever
    reused for the address it was vetted for; the name is resolved and vetted again on every
    fetch, and a kept connection is used only if that address is still among the answers."""

    def __init__(self) -> None:
        self.pools: dict[_Key, tuple[HTTPConnectionPool, float]] = {}

    def take(self, key: _Key) -> HTTPConnectionPool | None:
        now = time.monotonic()
        for old in [k for k, (_, at) in self.pools.items() if now - at > KEEP_SECONDS]:
            self.pools.pop(old)[0].close()
        kept = self.pools.pop(key, None)
        return kept[0] if kept else None

    def keep(self, key: _Key, pool: HTTPConnectionPool) -> None:
        while len(self.pools) >= KEEP_PER_THREAD:
            self.pools.pop(next(iter(self.pools)))[0].close()
        self.pools[key] = (pool, time.monotonic())


_kept = _Kept()


# -- Fetching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    url: str  # final URL, after redirects
    status: int
    headers: HTTPHeaderDict  # case-insensitive
    body: bytes = field(repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        """The lowercased media type without parameters ("" when missing)."""
        return self.headers.get("Content-Type", "").partition(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for param in self.headers.get("Content-Type", "").split(";")[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip("\"'").lower() or None
        return None

    def text(self) -> str:
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


def _resolve(target: _Target, limits: _Limits) -> list[IPAddress]:
    """Resolve once, within the deadline (getaddrinfo itself cannot be interrupted)."""
    if target.ip is not None:
        return [target.ip]
    results: list[Any] = []
    failures: list[Exception] = []

    def lookup() -> None:
        try:
            results.extend(socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            failures.append(exc)

    thread = threading.Thread(target=lookup, name=f"resolve {target.host}", daemon=True)
    thread.start()
    thread.join(limits.remaining())
    if thread.is_alive():
        raise limits.timeout()
    addresses: list[IPAddress] = []
    for *_, sockaddr in results:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if address not in addresses:
            addresses.append(address)
    if failures or not addresses:
        raise ResolveError(f"Could not resolve host {target.written}")
    return addresses


def _vet(target: _Target, addresses: list[IPAddress], *, redirect: bool) -> list[IPAddress]:
    """Refuse if ANY address is forbidden; return the addresses to connect to."""
    for address in addresses:
        reason = is_forbidden_address(address)
        if reason is None:
            continue
        if target.ip is None:
            detail = f"it resolves to {address}, which is {reason}"
        elif target.written == str(address):
            detail = f"it is {reason}"
        else:
            detail = f"it stands for {address}, which is {reason}"
        verb = "follow a redirect to" if redirect else "fetch"
        raise ForbiddenAddress(f"Refused to {verb} {target.written}: {detail}")
    vetted: list[IPAddress] = []
    for address in addresses:
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        vetted.append(mapped or address)
    return vetted


def _pool(
    target: _Target, address: IPAddress, timeout: Timeout, watchdog: _Watchdog
) -> HTTPConnectionPool:
    key = (target.scheme, target.host, target.port, str(address))
    kept = _kept.take(key)
    if kept is not None:
        kept.watched_by(watchdog)  # type: ignore[attr-defined]
        return kept
    pool = _new_pool(target, address, timeout, watchdog)
    pool.key = key
    return pool


def _new_pool(
    target: _Target, address: IPAddress, timeout: Timeout, watchdog: _Watchdog
) -> _HTTPPool | _HTTPSPool:
    common: dict[str, Any] = {"timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        return _HTTPSPool(
            str(address),
            target.port,
            ssl_context=ssl.create_default_context(),
            server_hostname=target.host,
            assert_hostname=target.host,
            watchdog=watchdog,
            **common,
        )
    return _HTTPPool(str(address), target.port, watchdog=watchdog, **common)


def _open(
    target: _Target,
    addresses: list[IPAddress],
    method: str,
    headers: HTTPHeaderDict,
    body: bytes | None,
    limits: _Limits,
    watchdog: _Watchdog,
) -> tuple[HTTPConnectionPool, BaseHTTPResponse]:
    """Send the request to the first vetted address that accepts a connection."""
    failure: Exception = ConnectError(f"Could not connect to {target.host_port}")
    for address in addresses:
        remaining = limits.remaining()
        timeout = Timeout(
            connect=min(limits.connect_timeout, remaining), read=min(limits.read_timeout, remaining)
        )
        pool = _pool(target, address, timeout, watchdog)
        try:
            try:
                response = _send(pool, method, target, headers, body, timeout)
            except (u3.ProtocolError, ConnectionError):
                if pool.num_requests <= 1 or method not in ("GET", "HEAD") or watchdog.fired:
                    raise
                # A kept connection the server had just closed: once more, on a new one.
                pool.close()
                pool = _pool(target, address, timeout, watchdog)
                response = _send(pool, method, target, headers, body, timeout)
        except (u3.NewConnectionError, u3.ConnectTimeoutError) as exc:
            pool.close()
            failure = exc
            continue
        except BaseException:
            pool.close()
            raise
        return pool, response
    raise failure


def _send(pool: HTTPConnectionPool, method: str, target: _Target, headers: HTTPHeaderDict,
          body: bytes | None, timeout: Timeout) -> BaseHTTPResponse:  # fmt: skip
    return pool.urlopen(method, target.path, body=body, headers=headers, retries=False,
                        redirect=False, assert_same_host=False, preload_content=False,
                        decode_content=True, timeout=timeout)  # fmt: skip


def _read_body(response: BaseHTTPResponse, method: str, limits: _Limits) -> bytes:
    """Read the decompressed body, chunk by chunk, stopping at the cap and the deadline."""
    too_large = TooLarge(f"The response is larger than {_size(limits.max_bytes)}")
    length = response.headers.get("Content-Length", "").strip()
    if method != "HEAD" and length.isdigit() and int(length) > limits.max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(CHUNK_SIZE):
        size += len(chunk)
        if size > limits.max_bytes:
            raise too_large
        if limits.expired():
            raise limits.timeout(body=True)
        chunks.append(chunk)
    return b"".join(chunks)


def _translate(exc: Exception, target: _Target, limits: _Limits, *, body: bool) -> FetchError:
    """A urllib3 / socket failure as a sentence for the curator."""
    where = target.host_port
    if isinstance(exc, u3.LocationValueError):
        return InvalidURL(f"Cannot fetch {_shorten(target.url)}: it is not a valid URL")
    if isinstance(exc, u3.NewConnectionError):
        cause = exc.__cause__ or exc.__context__
        why = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(exc)
        return ConnectError(f"Could not connect to {where} ({why.lower()})")
    if isinstance(exc, u3.ConnectTimeoutError):
        seconds = _seconds(min(limits.connect_timeout, limits.deadline))
        return FetchTimeout(f"Could not connect to {where} within {seconds}")
    if isinstance(exc, u3.ReadTimeoutError):
        seconds = _seconds(min(limits.read_timeout, limits.deadline))
        if body:
            return FetchTimeout(f"The server stopped sending data for more than {seconds}")
        return FetchTimeout(f"The server did not answer within {seconds}")
    if isinstance(exc, u3.SSLError):
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        detail = getattr(cause, "verify_message", None) or getattr(cause, "reason", None) or cause
        return ConnectError(f"Could not establish a secure connection to {where} ({detail})")
    if isinstance(exc, u3.DecodeError):
        return BadResponse(f"The response from {where} could not be decompressed")
    if body:
        return BadResponse(f"The connection to {where} broke off before the whole response")
    return BadResponse(f"{where} did not send a valid HTTP response")


def _done(target: _Target, pool: HTTPConnectionPool | None, response: BaseHTTPResponse | None,
          complete: bool) -> None:  # fmt: skip
    """Keep the connection of a complete response (`_Kept`); close any other."""
    original = getattr(response, "_original_response", None)  # http.client's: keep-alive?
    if complete and isinstance(pool, _Watched) and original is not None \
            and not original.will_close:  # fmt: skip
        response.release_conn()  # type: ignore[union-attr]
        _kept.keep(pool.key, pool)  # type: ignore[arg-type]
        return
    if response is not None:
        response.close()
    if pool is not None:
        pool.close()


def _user_agent() -> str:
    return f"Outlier/{outlier.__version__} (+{settings.BASE_URL})"


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    max_bytes: int | None = None,
    deadline: float | None = None,
    connect_timeout: float = 5,
    read_timeout: float = 10,
    accept: str | None = None,
) -> Response:
    """Fetch `url` safely; the final response is returned whatever its status.

    `max_bytes` caps the decompressed body (default `settings.FETCH_MAX_BYTES`), `deadline`
    bounds the whole fetch in seconds, redirects and body included (default
    `settings.FETCH_DEADLINE_SECONDS`). Every failure raises a `FetchError` subclass.
    """
    method = method.upper()
    if not _METHOD.fullmatch(method):
        raise ValueError(f"Not an HTTP method: {method!r}")
    budget = float(settings.FETCH_DEADLINE_SECONDS if deadline is None else deadline)
    limits = _Limits(
        deadline=budget,
        deadline_at=time.monotonic() + budget,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        max_bytes=settings.FETCH_MAX_BYTES if max_bytes is None else max_bytes,
    )
    request_headers = HTTPHeaderDict(
        {"User-Agent": _user_agent(), "Accept": "*/*", "Accept-Encoding": "gzip, deflate"}
    )
    for name, value in (headers or {}).items():
        request_headers[name] = value
    if accept is not None:
        request_headers["Accept"] = accept

    target = _target(url)
    redirects = 0
    while True:
        addresses = _vet(target, _resolve(target, limits), redirect=redirects > 0)
        request_headers["Host"] = target.netloc
        location: str | None = None
        status = 0
        reading_body = False
        with _Watchdog(limits.deadline_at) as watchdog:
            pool: HTTPConnectionPool | None = None
            response: BaseHTTPResponse | None = None
            complete = False
            try:
                pool, response = _open(
                    target, addresses, method, request_headers, body, limits, watchdog
                )
                if watchdog.fired:  # the headers were cut short by the deadline
                    raise limits.timeout()
                status = response.status
                if status in _REDIRECTS:
                    location = response.headers.get("Location")
                if location is None:
                    reading_body = True
                    content = _read_body(response, method, limits)
                    if watchdog.fired:
                        raise limits.timeout(body=True)
                    complete = True
                    return Response(target.url, status, response.headers, content)
            except (u3.HTTPError, OSError) as exc:
                if watchdog.fired or limits.expired():
                    raise limits.timeout(body=reading_body) from exc
                raise _translate(exc, target, limits, body=reading_body) from exc
            finally:
                _done(target, pool, response, complete)

        if redirects == MAX_REDIRECTS:
            raise TooManyRedirects(f"Too many redirects (more than {MAX_REDIRECTS})")
        redirects += 1
        previous, target = target, _target(urljoin(target.url, location), redirect=True)
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
            for name in _BODY_HEADERS:
                request_headers.discard(name)
        if target.origin != previous.origin:
            for name in _CREDENTIAL_HEADERS:
                request_headers.discard(name)
