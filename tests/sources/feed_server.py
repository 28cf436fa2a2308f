"""A real local HTTP server for feeds: conditional GET (ETag, Last-Modified → 304), statuses with
Retry-After, gzip bodies, and the hostile ones (a gzip bomb, a body that never ends)."""

from __future__ import annotations

import gzip
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RSS = "application/rss+xml; charset=utf-8"


@dataclass
class Page:
    body: bytes = b""
    content_type: str = RSS
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    conditional: bool = True  # answers 304 to a matching If-None-Match / If-Modified-Since
    endless: bool = False  # sends the body again and again, never ending
    gzip: bool = False

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass
class FeedServer:
    base: str
    pages: dict[str, Page] = field(default_factory=dict)
    hits: list[tuple[str, int]] = field(default_factory=list)  # (path, status answered)
    last_modified: str = "Mon, 07 Dec 2026 08:00:00 GMT"

    def add(self, path: str, body: bytes | str, **options: Any) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.pages[path] = Page(body=data, **options)
        return self.base + path

    def statuses(self, path: str) -> list[int]:
        return [status for hit, status in self.hits if hit == path]


def rss(title: str, items: list[tuple[str, str, str]], hub: str = "") -> str:
    """An RSS 2.0 feed of (guid, title, link) items."""
    hub_link = f'<atom:link rel="hub" href="{hub}"/>' if hub else ""
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{name}</title><link>{link}</link>"
        f"<description>&lt;p&gt;About {name}.&lt;/p&gt;</description>"
        "<pubDate>Mon, 07 Dec 2026 07:00:00 GMT</pubDate></item>"
        for guid, name, link in items
    )
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
            f"<title>{title}</title><link>https://news.example/</link>{hub_link}{entries}"
            "</channel></rss>")  # fmt: skip


def gzip_bomb(size: int) -> bytes:
    """`size` bytes of zeros, gzipped (a few KB on the wire)."""
    return gzip.compress(b"\0" * size, compresslevel=9)


@contextmanager
def serve() -> Iterator[FeedServer]:
    holder: dict[str, FeedServer] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            server = holder["server"]
            page = server.pages.get(self.path)
            if page is None:
                self._answer(404, b"not found", {"Content-Type": "text/plain"})
                return
            headers = {"Content-Type": page.content_type, **page.headers}
            if page.status == 200 and page.conditional:
                headers.update(ETag=page.etag, **{"Last-Modified": server.last_modified})
                if self.headers.get("If-None-Match") == page.etag:
                    self._answer(304, b"", {"ETag": page.etag})
                    return
            if page.endless:
                self._endless(page, headers)
                return
            body = page.body
            if page.gzip:
                headers["Content-Encoding"] = "gzip"
            self._answer(page.status, body, headers)

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            holder["server"].hits.append((self.path, status))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if status != 304:
                self.wfile.write(body)

        def _endless(self, page: Page, headers: dict[str, str]) -> None:
            holder["server"].hits.append((self.path, 200))
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()  # no length: the body goes on until the client hangs up
            try:
                while True:
                    self.wfile.write(page.body)
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    holder["server"] = FeedServer(base=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield holder["server"]
    finally:
        httpd.shutdown()
        httpd.server_close()
