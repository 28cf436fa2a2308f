"""The safe HTTP client, against real local servers (HTTP and, when openssl is there, HTTPS).

No test contacts anything but 127.0.0.1: names other than localhost go through a fake resolver,
and forbidden addresses are refused before any connection is attempted.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import outlier
from outlier.core import safe_http
from outlier.core.safe_http import (
    ConnectError,
    FetchTimeout,
    ForbiddenAddress,
    InvalidURL,
    ResolveError,
    TooLarge,
    TooManyRedirects,
    fetch,
    is_forbidden_address,
)

LOOPBACK = [ipaddress.ip_network("127.0.0.0/8")]


def _gzip_bomb(megabytes: int) -> bytes:
    """`megabytes` MB of zeros, gzipped (about 1000:1), built without holding them in memory."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    return b"".join(compressor.compress(zeros) for _ in range(megabytes)) + compressor.flush()


BOMB = _gzip_bomb(50)


# -- The local server ---------------------------------------------------------------------------


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.connections = 0
        self.stop = threading.Event()
        self.sni: list[str | None] = []
        self._lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self._lock:
            self.connections += 1
        return True

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"


class Handler(BaseHTTPRequestHandler):
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.route()

    do_POST = do_PUT = do_HEAD = do_GET

    def reply(
        self, status: int, body: bytes, content_type: str = "text/plain", **headers: str
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self) -> None:
        url = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        parts = url.path.strip("/").split("/")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            if parts[0] == "html":
                page = "<html><head><title>Café</title></head><body>Hello</body></html>"
                self.reply(200, page.encode(), "text/html; charset=UTF-8")
            elif parts[0] == "stats":
                self.reply(200, json.dumps({"connections": self.server.connections}).encode())
            elif parts[0] == "echo":
                echo = {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "body": body.decode("latin-1"),
                }
                self.reply(200, json.dumps(echo).encode(), "application/json")
            elif parts[0] == "redirect":  # /redirect/N: N relative redirects, then 200
                hops = int(parts[1])
                if hops:
                    self.reply(302, b"", Location=f"/redirect/{hops - 1}")
                else:
                    self.reply(200, b"arrived")
            elif parts[0] == "redirect-to":
                status = int(query.get("status", "302"))
                self.reply(status, b"moved", Location=query["location"])
            elif parts[0] == "status":
                self.reply(int(parts[1]), b"status page")
            elif parts[0] == "big":  # with Content-Length
                self.reply(200, b"x" * int(query["n"]))
            elif parts[0] == "big-stream":  # no Content-Length, ends when the connection closes
                self.send_response(200)
                self.end_headers()
                remaining = int(query["n"])
                while remaining > 0:
                    self.wfile.write(b"x" * min(100, remaining))
                    remaining -= 100
            elif parts[0] == "gzip":
                data = _gzip_bomb(0) if "empty" in query else BOMB
                self.reply(200, data, Content_Encoding="gzip")
            elif parts[0] == "gzip-hello":
                compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
                data = compressor.compress(b"hello, compressed world") + compressor.flush()
                self.reply(200, data, Content_Encoding="gzip")
            elif parts[0] == "drip":  # a body byte every 0.2 s
                self.send_response(200)
                self.end_headers()
                for _ in range(100):
                    self.wfile.write(b"x")
                    if self.server.stop.wait(0.2):
                        break
            elif parts[0] == "drip-headers":  # a header line every 0.2 s
                self.wfile.write(b"HTTP/1.0 200 OK\r\n")
                for _ in range(90):
                    self.wfile.write(b"X-Drip: 1\r\n")
                    if self.server.stop.wait(0.2):
                        break
            elif parts[0] == "silent":  # never answers
                self.server.stop.wait(10)
            elif parts[0] == "garbage":
                self.wfile.write(b"SURPRISE\r\n\r\n")
            else:
                self.reply(404, b"not found")
        except (BrokenPipeError, ConnectionResetError):
            pass


def _start(server: Server) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    return thread


def _stop(server: Server, thread: threading.Thread) -> None:
    server.stop.set()
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    httpd = Server()
    thread = _start(httpd)
    yield httpd
    _stop(httpd, thread)


def connections(server: Server) -> int:
    """Connections the server accepted so far, this one included.

    The server accepts in order, so any earlier connection is counted.
    """
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        conn.request("GET", "/stats")
        return int(json.loads(conn.getresponse().read())["connections"])
    finally:
        conn.close()


# -- A fake resolver, so no test asks a real DNS server anything -------------------------------

FAKE_DNS: dict[str, list[str]] = {
    "site.test": ["127.0.0.1"],
    "alias.test": ["127.0.0.1"],
    "secure.test": ["127.0.0.1"],
    "other.test": ["127.0.0.1"],
    "dual.test": ["::1", "127.0.0.1"],
    "mixed.test": ["127.0.0.1", "10.0.0.1"],
    "metadata.test": ["169.254.169.254"],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    real = socket.getaddrinfo
    lookups: dict[str, int] = {}

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            pass
        else:
            return real(host, port, *args, **kwargs)
        if name == "localhost":
            return real(host, port, *args, **kwargs)
        lookups[name] = lookups.get(name, 0) + 1
        if name == "rebind.test":  # a DNS rebinding attacker: public-looking first, then private
            addresses = ["127.0.0.1"] if lookups[name] == 1 else ["10.0.0.1"]
        elif name in FAKE_DNS:
            addresses = FAKE_DNS[name]
        else:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        results: list[tuple[Any, ...]] = []
        for address in addresses:
            if ":" in address:
                results.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
            else:
                results.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
        return results

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.fixture(autouse=True)
def no_private_networks(settings: Any) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = []


@pytest.fixture
def allow_local(settings: Any) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = LOOPBACK


# -- Plain fetching -----------------------------------------------------------------------------


def test_fetches_a_page(server: Server, allow_local: None) -> None:
    response = fetch(server.url("/html#top"))
    assert response.ok and response.status == 200
    assert response.url == server.url("/html")
    assert response.content_type == "text/html"
    assert response.charset == "utf-8"
    assert response.headers["content-type"] == "text/html; charset=UTF-8"
    assert "<title>Café</title>" in response.text()


def test_identifies_itself_and_sends_the_host(
    server: Server, allow_local: None, settings: Any
) -> None:
    echo = json.loads(fetch(server.url("/echo")).body)
    assert echo["headers"]["User-Agent"] == f"Outlier/{outlier.__version__} (+{settings.BASE_URL})"
    assert echo["headers"]["Host"] == f"127.0.0.1:{server.port}"
    assert echo["headers"]["Accept"] == "*/*"
    echo = json.loads(fetch(server.url("/echo"), accept="application/activity+json").body)
    assert echo["headers"]["Accept"] == "application/activity+json"


def test_posts_a_body_with_headers(server: Server, allow_local: None) -> None:
    response = fetch(
        server.url("/echo?hook=1"),
        method="post",
        body=b'{"event": "published"}',
        headers={"Content-Type": "application/json", "X-Outlier-Signature": "sha256=abc"},
    )
    echo = json.loads(response.body)
    assert echo["method"] == "POST"
    assert echo["path"] == "/echo?hook=1"
    assert echo["body"] == '{"event": "published"}'
    assert echo["headers"]["Content-Type"] == "application/json"
    assert echo["headers"]["X-Outlier-Signature"] == "sha256=abc"


def test_spaces_in_the_path_are_encoded(server: Server, allow_local: None) -> None:
    echo = json.loads(fetch(server.url("/echo?q=a b")).body)
    assert echo["path"] == "/echo?q=a%20b"


def test_non_2xx_statuses_are_returned(server: Server, allow_local: None) -> None:
    response = fetch(server.url("/status/404"))
    assert response.status == 404 and not response.ok
    assert response.text() == "status page"
    assert fetch(server.url("/status/503")).status == 503


def test_decompresses_gzip(server: Server, allow_local: None) -> None:
    assert fetch(server.url("/gzip-hello")).body == b"hello, compressed world"


def test_text_falls_back_on_unknown_charsets() -> None:
    headers = safe_http.HTTPHeaderDict({"Content-Type": 'text/plain; charset="nonsense"'})
    response = safe_http.Response("http://x.test/", 200, headers, "é".encode())
    assert response.charset == "nonsense"
    assert response.text() == "é"


def test_a_garbage_answer_is_a_fetch_error(server: Server, allow_local: None) -> None:
    with pytest.raises(safe_http.BadResponse):
        fetch(server.url("/garbage"))


# -- Redirects ----------------------------------------------------------------------------------


@pytest.mark.parametrize("hops", [1, 2, 3, 4, 5])
def test_follows_up_to_five_redirects(server: Server, allow_local: None, hops: int) -> None:
    response = fetch(server.url(f"/redirect/{hops}"))
    assert response.status == 200
    assert response.url == server.url("/redirect/0")
    assert response.body == b"arrived"


@pytest.mark.parametrize("hops", [6, 7])
def test_refuses_a_sixth_redirect(server: Server, allow_local: None, hops: int) -> None:
    with pytest.raises(TooManyRedirects, match=r"^Too many redirects \(more than 5\)$"):
        fetch(server.url(f"/redirect/{hops}"))


@pytest.mark.parametrize(
    ("status", "method", "expected"),
    [
        (303, "POST", "GET"),
        (303, "PUT", "GET"),
        (302, "POST", "GET"),
        (301, "POST", "GET"),
        (302, "PUT", "PUT"),
        (307, "POST", "POST"),
        (308, "POST", "POST"),
    ],
)
def test_redirect_methods(
    server: Server, allow_local: None, status: int, method: str, expected: str
) -> None:
    url = server.url(f"/redirect-to?status={status}&location=/echo")
    headers = {"Content-Type": "text/plain"}
    echo = json.loads(fetch(url, method=method, body=b"payload", headers=headers).body)
    assert echo["method"] == expected
    if expected == "GET":
        assert echo["body"] == ""
        assert "Content-Type" not in echo["headers"]
    else:
        assert echo["body"] == "payload"


def test_credentials_are_dropped_across_origins(server: Server, allow_local: None) -> None:
    secret = {"Authorization": "Bearer secret", "Cookie": "session=1"}
    same = server.url("/redirect-to?location=/echo")
    echo = json.loads(fetch(same, headers=secret).body)
    assert echo["headers"]["Authorization"] == "Bearer secret"
    other = server.url(f"/redirect-to?location=http://alias.test:{server.port}/echo")
    echo = json.loads(fetch(other, headers=secret).body)
    assert echo["headers"]["Host"] == f"alias.test:{server.port}"
    assert "Authorization" not in echo["headers"] and "Cookie" not in echo["headers"]


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.2:{port}/echo",  # loopback, but outside the allowed 127.0.0.1/32
        "http://[::ffff:127.0.0.2]:{port}/echo",
        "http://169.254.169.254/latest/meta-data/",
        "http://metadata.test/latest/meta-data/",
        "http://10.0.0.1/",
    ],
)
def test_refuses_a_redirect_to_a_forbidden_address(
    server: Server, settings: Any, location: str
) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = [ipaddress.ip_network("127.0.0.1/32")]
    url = server.url("/redirect-to?location=" + location.format(port=server.port))
    with pytest.raises(ForbiddenAddress, match="^Refused to follow a redirect to "):
        fetch(url)


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://127.0.0.1/file", "javascript:alert(1)", "gopher://x/"]
)
def test_refuses_a_redirect_to_another_scheme(
    server: Server, allow_local: None, location: str
) -> None:
    with pytest.raises(InvalidURL, match="only http and https URLs can be fetched"):
        fetch(server.url(f"/redirect-to?location={location}"))


# -- Sizes --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/big?n=5000", "/big-stream?n=5000"])
def test_refuses_a_body_over_the_cap(server: Server, allow_local: None, path: str) -> None:
    with pytest.raises(TooLarge, match=r"^The response is larger than 1000 bytes$"):
        fetch(server.url(path), max_bytes=1000)


@pytest.mark.parametrize("path", ["/big?n=1000", "/big-stream?n=1000"])
def test_accepts_a_body_at_the_cap(server: Server, allow_local: None, path: str) -> None:
    assert len(fetch(server.url(path), max_bytes=1000).body) == 1000


def test_refuses_a_gzip_bomb_without_inflating_it(server: Server, allow_local: None) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match="larger than 1 MB"):
            fetch(server.url("/gzip"), max_bytes=1024 * 1024)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024


def test_default_cap_comes_from_settings(server: Server, allow_local: None, settings: Any) -> None:
    with pytest.raises(TooLarge, match=r"^The response is larger than 5 MB$"):
        fetch(server.url("/gzip"))
    settings.FETCH_MAX_BYTES = 100
    with pytest.raises(TooLarge, match=r"^The response is larger than 100 bytes$"):
        fetch(server.url("/big?n=101"))


# -- Time ---------------------------------------------------------------------------------------


def test_a_dripping_body_is_stopped_at_the_deadline(server: Server, allow_local: None) -> None:
    start = time.monotonic()
    with pytest.raises(FetchTimeout, match="within 1 second$"):
        fetch(server.url("/drip"), deadline=1)
    assert time.monotonic() - start < 1.6


def test_dripping_headers_are_stopped_at_the_deadline(server: Server, allow_local: None) -> None:
    start = time.monotonic()
    with pytest.raises(FetchTimeout, match="^The server did not answer within 1 second$"):
        fetch(server.url("/drip-headers"), deadline=1, read_timeout=5)
    assert time.monotonic() - start < 1.6


def test_a_silent_server_hits_the_read_timeout(server: Server, allow_local: None) -> None:
    start = time.monotonic()
    with pytest.raises(FetchTimeout, match=r"^The server did not answer within 0\.5 seconds$"):
        fetch(server.url("/silent"), read_timeout=0.5)
    assert time.monotonic() - start < 1.5


def test_default_deadline_comes_from_settings(
    server: Server, allow_local: None, settings: Any
) -> None:
    settings.FETCH_DEADLINE_SECONDS = 1
    with pytest.raises(FetchTimeout, match="within 1 second$"):
        fetch(server.url("/drip"))


# -- Addresses ----------------------------------------------------------------------------------

LOCAL_FORMS = [
    "127.0.0.1",
    "localhost",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:7f00:1]",
    "[::127.0.0.1]",  # IPv4-compatible
    "[64:ff9b::7f00:1]",  # NAT64
    "[64:ff9b:1:7f00:0:100::]",  # local-use NAT64, /48 layout
    "[2002:7f00:1::]",  # 6to4
    "[2001:0:4136:e378:8000:63bf:80ff:fffe]",  # Teredo, client 127.0.0.1
    "2130706433",  # decimal
    "0x7f000001",  # hex
    "0177.0.0.1",  # octal
    "127.1",  # short
    "0x7f.0.0.1",
    "site.test",  # a name resolving to 127.0.0.1
]
OTHER_FORBIDDEN = [
    "[::1]",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "[::ffff:169.254.169.254]",
    "100.64.0.1",
    "0.0.0.0",  # noqa: S104 - a URL host, not a bind address
    "0",
    "224.0.0.1",
    "255.255.255.255",
    "240.0.0.1",
    "[fe80::1]",
    "[fc00::1]",
    "[fec0::1]",
    "[ff02::1]",
    "[::]",
    "[2001:db8::1]",
    "metadata.test",
]


@pytest.mark.parametrize("host", LOCAL_FORMS + OTHER_FORBIDDEN)
def test_refuses_non_public_addresses(server: Server, host: str) -> None:
    before = connections(server)
    with pytest.raises(ForbiddenAddress, match="^Refused to fetch "):
        fetch(server.url("/html", host=host))
    assert connections(server) == before + 1  # only our own /stats call got through


def test_refusal_messages_say_why() -> None:
    with pytest.raises(ForbiddenAddress) as error:
        fetch("http://127.0.0.1/")
    assert str(error.value) == "Refused to fetch 127.0.0.1: it is a loopback address"
    with pytest.raises(ForbiddenAddress) as error:
        fetch("http://metadata.test/")
    assert str(error.value) == (
        "Refused to fetch metadata.test: it resolves to 169.254.169.254,"
        " which is a link-local address"
    )
    with pytest.raises(ForbiddenAddress) as error:
        fetch("http://0x7f000001/")
    assert "it stands for 127.0.0.1, which is a loopback address" in str(error.value)
    with pytest.raises(ForbiddenAddress) as error:
        fetch("http://[::ffff:10.1.2.3]/")
    assert "a private address (10.1.2.3 in IPv4-mapped form)" in str(error.value)


def test_refuses_when_any_resolved_address_is_forbidden(server: Server, settings: Any) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = LOOPBACK
    before = connections(server)
    with pytest.raises(ForbiddenAddress, match="resolves to 10.0.0.1, which is a private"):
        fetch(server.url("/html", host="mixed.test"))
    assert connections(server) == before + 1


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433", "0177.0.0.1", "127.1"]
)
def test_allowed_private_networks_can_be_fetched(
    server: Server, allow_local: None, host: str
) -> None:
    assert fetch(server.url("/html", host=host)).status == 200


def test_tries_the_next_vetted_address(server: Server, settings: Any) -> None:
    settings.ALLOWED_PRIVATE_NETWORKS = [*LOOPBACK, ipaddress.ip_network("::1/128")]
    echo = json.loads(fetch(server.url("/echo", host="dual.test")).body)  # [::1] is not listening
    assert echo["headers"]["Host"] == f"dual.test:{server.port}"


def test_resolves_once_and_connects_to_the_vetted_address(
    server: Server, allow_local: None, fake_dns: dict[str, int]
) -> None:
    echo = json.loads(fetch(server.url("/echo", host="rebind.test")).body)
    assert echo["headers"]["Host"] == f"rebind.test:{server.port}"
    assert fake_dns["rebind.test"] == 1


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "8.8.8.8",
        "2606:4700:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
        "2002:808:808::",
        "2001:0:4136:e378:8000:63bf:f7f7:f7f7",  # Teredo, client 8.8.8.8
    ],
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_forbidden_address(address) is None
    assert is_forbidden_address(ipaddress.ip_address(address)) is None


def test_is_forbidden_address_honours_the_allow_list(settings: Any) -> None:
    assert is_forbidden_address("127.0.0.1") == "a loopback address"
    assert is_forbidden_address("100.64.0.1") == "a shared (carrier-grade NAT) address"
    assert is_forbidden_address("64:ff9b:1::808:808") == "a local-use NAT64 address"
    assert is_forbidden_address("64:ff9b:1:7f00:0:100::") == (
        "a loopback address (127.0.0.1 embedded in a NAT64 address)"
    )
    settings.ALLOWED_PRIVATE_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert is_forbidden_address("10.1.2.3") is None
    assert is_forbidden_address("::ffff:10.1.2.3") is None  # the same address
    assert is_forbidden_address("64:ff9b::a01:203") is not None  # another host, via NAT64
    assert is_forbidden_address("127.0.0.1") == "a loopback address"


# -- Bad URLs, names, ports, proxies -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/file", "file:///etc/passwd", "javascript:alert(1)", "data:text/plain,hi"],
)
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(InvalidURL, match="only http and https URLs can be fetched$"):
        fetch(url)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com/page",
        "//example.com/page",
        "http://",
        "http:///path",
        "http://user:password@127.0.0.1/",
        "http://@127.0.0.1/",
        "http://127.0.0.1:99999/",
        "http://127.0.0.1:0/",
        "http://[::1/",
        "http://[fe80::1%25eth0]/",
        "http://1.2.3.4.5/",
        "http://1.2.3.09/",
        "http://256.256.256.256/",
        "http://exa mple.com/",
        "http://bad!host/",
        "http://127.0.0.1/\r\nX-Injected: 1",
        "http://127.0.0.1/\tx",
    ],
)
def test_invalid_urls(url: str) -> None:
    with pytest.raises(InvalidURL, match="^Cannot fetch "):
        fetch(url)


def test_unresolvable_host() -> None:
    with pytest.raises(ResolveError, match="^Could not resolve host does-not-exist.invalid$"):
        fetch("http://does-not-exist.invalid/")


def test_closed_port(allow_local: None) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(ConnectError, match=f"^Could not connect to 127.0.0.1:{port} "):
        fetch(f"http://127.0.0.1:{port}/")


def test_proxy_variables_are_ignored(
    server: Server, allow_local: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9/")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert fetch(server.url("/html")).status == 200


def test_errors_are_fetch_errors() -> None:
    for error in (InvalidURL, ForbiddenAddress, ResolveError, ConnectError, FetchTimeout):
        assert issubclass(error, safe_http.FetchError)
    assert issubclass(TooLarge, safe_http.FetchError)
    assert issubclass(TooManyRedirects, safe_http.FetchError)


# -- HTTPS: the certificate is checked against the name, not the address -----------------------


def _openssl(directory: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    directory = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl(
        directory,
        *("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2"),
        *("-subj", "/CN=Outlier Test CA", "-addext", "basicConstraints=critical,CA:TRUE"),
        *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
    )
    _openssl(
        directory,
        *("req", "-new", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=x"),
    )
    (directory / "leaf.ext").write_text(
        "subjectAltName=DNS:secure.test\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
    )
    _openssl(
        directory,
        *("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key"),
        *("-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext"),
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(directory / "leaf.pem", directory / "leaf.key")
    httpd = Server()

    def remember_sni(sock: Any, name: str | None, ctx: Any) -> None:
        httpd.sni.append(name)

    context.sni_callback = remember_sni
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = _start(httpd)
    yield httpd, directory / "ca.pem"
    _stop(httpd, thread)


def test_https_checks_the_certificate_against_the_name(
    tls_server: tuple[Server, Path], allow_local: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpd, ca = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    response = fetch(httpd.url("/echo", host="secure.test", scheme="https"))
    assert response.status == 200
    assert json.loads(response.body)["headers"]["Host"] == f"secure.test:{httpd.port}"
    assert httpd.sni[-1] == "secure.test"
    with pytest.raises(ConnectError, match="^Could not establish a secure connection"):
        fetch(httpd.url("/echo", host="other.test", scheme="https"))  # name mismatch
    with pytest.raises(ConnectError, match="^Could not establish a secure connection"):
        fetch(httpd.url("/echo", scheme="https"))  # the certificate does not name 127.0.0.1


def test_https_uses_the_system_trust_store(
    tls_server: tuple[Server, Path], allow_local: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpd, _ = tls_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(ConnectError, match="^Could not establish a secure connection"):
        fetch(httpd.url("/echo", host="secure.test", scheme="https"))
