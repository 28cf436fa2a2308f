"""The safe client keeps a connection open after a complete response, against a real local
HTTP/1.1 server: the next fetch of that origin reuses it, and every guarantee still holds on a
kept connection (the address is vetted again, the deadline still cuts a dripping answer off, a
connection the server closed meanwhile is replaced)."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from outlier.core import safe_http
from outlier.core.safe_http import FetchTimeout, ForbiddenAddress, fetch


class KeepAliveServer:
    """Answers HTTP/1.1 requests on each connection until the client closes it, counting
    connections; `/drip` sends its body a byte a second, `/bye` closes after answering."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rb") as reader:
            while request := reader.readline():
                while reader.readline() not in (b"\r\n", b"\n", b""):
                    pass
                path = request.split()[1].decode()
                if path == "/drip":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                    for _ in range(100):
                        time.sleep(0.2)
                        conn.sendall(b"x")
                    continue
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
                if path == "/bye":
                    return


@pytest.fixture
def server(settings: Any) -> Iterator[KeepAliveServer]:
    settings.ALLOWED_PRIVATE_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]
    served = KeepAliveServer()
    yield served
    served.sock.close()


def test_a_second_fetch_of_the_origin_reuses_the_connection(server: KeepAliveServer) -> None:
    for _ in range(3):
        assert fetch(server.url("/a")).body == b"ok"
    assert server.connections == 1


def test_a_kept_connection_is_not_used_once_its_address_is_refused(
    server: KeepAliveServer, settings: Any
) -> None:
    assert fetch(server.url("/a")).ok
    settings.ALLOWED_PRIVATE_NETWORKS = []
    with pytest.raises(ForbiddenAddress):
        fetch(server.url("/a"))


def test_a_connection_the_server_closed_is_replaced(server: KeepAliveServer) -> None:
    assert fetch(server.url("/bye")).ok
    time.sleep(0.1)
    assert fetch(server.url("/a")).body == b"ok"
    assert server.connections == 2


def test_the_deadline_still_cuts_a_kept_connection_off(server: KeepAliveServer) -> None:
    assert fetch(server.url("/a")).ok
    start = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(server.url("/drip"), deadline=1)
    assert time.monotonic() - start < 1.6
    assert server.connections == 1  # the drip came on the kept connection
    assert fetch(server.url("/a")).body == b"ok"  # a cut-off connection is not kept
    assert server.connections == 2


def test_idle_connections_are_closed_after_a_while(
    server: KeepAliveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(safe_http, "KEEP_SECONDS", 0.05)
    assert fetch(server.url("/a")).ok
    time.sleep(0.1)
    assert fetch(server.url("/a")).ok
    assert server.connections == 2
