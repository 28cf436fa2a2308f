"""A webhook receiver with a timeline, for the fault-injection tests (`test_faults.py`).

Like `tests.networks.conftest.receiver` it is a real HTTP server on 127.0.0.1 that checks
Outlier's signatures; in addition it holds every request for a random moment before
answering (so that a worker can be killed while the receiver has the post) and records, for
each request, when it arrived and when the answer went out. Answers can be scripted per path.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from outlier.networks.webhook import verify_signature

SECRET = "whsec-faults-0123456789abcdef"


@dataclass
class Hit:
    key: str  # Outlier-Id
    path: str
    arrived: float  # time.time() when the whole request had been read
    status: int = 0
    answered: float | None = None  # time.time() just before the answer was written
    signature_ok: bool = False
    complete: bool = True  # False: the sender died while sending it (a truncated body)


@dataclass
class Scripted:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    hold: float | None = None  # seconds before answering; None: the receiver's default


@dataclass
class TimedReceiver:
    base: str
    hold: tuple[float, float] = (0.0, 0.0)  # answer after uniform(lo, hi) seconds
    secret: str = SECRET
    hits: list[Hit] = field(default_factory=list)
    scripts: dict[str, list[Scripted]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hooks/outlier") -> str:
        return self.base + path

    def script(self, path: str, *answers: Scripted) -> None:
        """The next requests to `path` get these answers, in order; then 200s again."""
        with self.lock:
            self.scripts.setdefault(path, []).extend(answers)

    def keys(self) -> Counter[str]:
        """How many times each post arrived whole (a truncated request is no post)."""
        with self.lock:
            return Counter(hit.key for hit in self.hits if hit.complete)

    def _next(self, path: str) -> Scripted:
        with self.lock:
            queue = self.scripts.get(path)
            if queue:
                return queue.pop(0)
        return Scripted(200)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a worker killed mid-call hangs up on us: expected


@contextmanager
def running_receiver(hold: tuple[float, float] = (0.0, 0.0)) -> Iterator[TimedReceiver]:
    holder: dict[str, TimedReceiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802
            state = holder["receiver"]
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            hit = Hit(
                key=self.headers.get("Outlier-Id", ""),
                path=self.path,
                arrived=time.time(),
                signature_ok=verify_signature(
                    state.secret,
                    self.headers.get("Outlier-Timestamp", ""),
                    body,
                    self.headers.get("Outlier-Signature", ""),
                ),
                complete=len(body) == length,
            )
            with state.lock:
                state.hits.append(hit)
                number = len(state.hits)
            if not hit.complete:  # nobody to answer
                self.close_connection = True
                return
            answer = state._next(self.path)
            hold = answer.hold if answer.hold is not None else random.uniform(*state.hold)
            if hold:
                time.sleep(hold)
            data = b""
            if 200 <= answer.status < 300:
                data = json.dumps(
                    {"id": f"rcv-{number}", "url": f"https://receiver.example/p/{number}"}
                ).encode()
            hit.status, hit.answered = answer.status, time.time()
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = _Server(("127.0.0.1", 0), Handler)
    holder["receiver"] = TimedReceiver(base=f"http://127.0.0.1:{httpd.server_address[1]}",
                                       hold=hold)  # fmt: skip
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield holder["receiver"]
    finally:
        httpd.shutdown()
        httpd.server_close()
