"""The SDK's requests go through safe_http: no proxy variables, no redirected POSTs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from outlier.networks.base import Content, ErrorKind, PublishError
from outlier.networks.bluesky import BlueskyAdapter
from tests.peers.bluesky import Account


@pytest.fixture
def redirector() -> Iterator[str]:
    """A server that answers with a 307 to /moved/<path>, where it answers 200 with JSON."""

    class Handler(BaseHTTPRequestHandler):
        def _redirect(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            moved = self.path.startswith("/moved/")
            body = b'{"did": "did:plc:x", "handle": "alice.test"}' if moved else b""
            self.send_response(200 if moved else 307)
            if not moved:
                self.send_header("Location", f"/moved{self.path}")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = _redirect  # noqa: N815
        do_POST = _redirect  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_redirected_login_is_refused(redirector: str) -> None:
    adapter = BlueskyAdapter({"handle": "alice.test", "app_password": "x", "pds_url": redirector})

    with pytest.raises(PublishError) as failure:
        adapter.publish(Content(text="Hello"), "redirect-1")

    assert failure.value.kind == ErrorKind.PERMANENT
    assert "redirected the request" in str(failure.value)
    assert "/moved/xrpc/com.atproto.server.createSession" in str(failure.value)


def test_proxy_variables_are_ignored(monkeypatch: pytest.MonkeyPatch, alice: Account) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    published = BlueskyAdapter(alice.config(appview="none")).publish(Content(text="Direct"), "p-1")

    assert [r["uri"] for r in alice.records()] == [published.remote_id]
