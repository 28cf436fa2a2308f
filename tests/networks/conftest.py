"""Real peers for the network adapters: a webhook receiver and an SMTP server, on 127.0.0.1."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from outlier.networks.webhook import verify_signature

SECRET = "whsec-test-0123456789abcdef"
SMTP_USER = "outlier"
SMTP_PASSWORD = "right horse battery staple"


@pytest.fixture
def loopback_allowed(settings: Any) -> None:
    """Let safe_http (and the vetted SMTP client) reach servers on 127.0.0.1."""
    settings.ALLOWED_PRIVATE_NETWORKS = [ipaddress.ip_network("127.0.0.0/8")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- The webhook receiver -----------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]  # lowercased names
    body: bytes
    signature_ok: bool

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    sleep: float = 0.0  # after reading the request, before answering
    close: bool = False  # read the request, then hang up without answering


@dataclass
class Receiver:
    """A webhook receiver that records requests, checks signatures and answers as told."""

    base: str
    secret: str = SECRET
    requests: list[Received] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.base}/hooks/outlier"

    def answer(
        self, status: int = 200, body: bytes | str | dict[str, Any] = b"", **kw: Any
    ) -> None:
        if isinstance(body, dict):
            data = json.dumps(body).encode()
            kw.setdefault("headers", {})["Content-Type"] = "application/json"
        else:
            data = body.encode() if isinstance(body, str) else body
        self.answers.append(Answer(status=status, body=data, **kw))

    def config(self, **overrides: Any) -> dict[str, Any]:
        return {"url": self.url, "secret": self.secret, **overrides}


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (deadline tests) is expected


@pytest.fixture
def receiver(loopback_allowed: None) -> Iterator[Receiver]:
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            state = holder["receiver"]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {name.lower(): value for name, value in self.headers.items()}
            ok = verify_signature(
                state.secret,
                headers.get("outlier-timestamp", ""),
                body,
                headers.get("outlier-signature", ""),
            )
            state.requests.append(Received(self.command, self.path, headers, body, ok))
            answer = state.answers.pop(0) if state.answers else None
            if answer is None:
                number = len(state.requests)
                answer = Answer(
                    body=json.dumps(
                        {"id": f"rcv-{number}", "url": f"https://receiver.example/p/{number}"}
                    ).encode(),
                    headers={"Content-Type": "application/json"},
                )
            if answer.close:
                self.close_connection = True
                return
            if answer.sleep:
                time.sleep(answer.sleep)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        do_POST = _handle  # noqa: N815
        do_GET = _handle  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    httpd = _QuietServer(("127.0.0.1", 0), Handler)
    holder["receiver"] = Receiver(base=f"http://127.0.0.1:{httpd.server_address[1]}")
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield holder["receiver"]
    httpd.shutdown()
    httpd.server_close()


# -- The SMTP server ----------------------------------------------------------------------------


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class MailHandler:
    """aiosmtpd handler: records messages; can refuse recipients, hang or refuse after DATA."""

    messages: list[Delivered] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address -> reply
    data_reply: str = "250 2.0.0 Message accepted"
    hang_after_data: float = 0.0
    hang_up_at_mail: bool = False
    # The two misbehaviours above start once this many messages were accepted (0: at once).
    misbehave_after: int = 0

    def _misbehaving(self) -> bool:
        return len(self.messages) >= self.misbehave_after

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if self.hang_up_at_mail and self._misbehaving():
            server.transport.close()
            return "421 4.3.0 Going away"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.hang_after_data and self._misbehaving():
            await asyncio.sleep(self.hang_after_data)
        if self.data_reply.startswith("250"):
            self.messages.append(
                Delivered(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return self.data_reply


@dataclass
class MailServer:
    handler: MailHandler
    port: int
    requires_auth: bool

    def config(self, **overrides: Any) -> dict[str, Any]:
        config: dict[str, Any] = {
            "recipients": ["alice@example.org", "bob@example.org"],
            "from_address": "Outlier <posts@outlier.example>",
            "host": "127.0.0.1",
            "port": self.port,
            "starttls": False,
            "timeout": 5,
        }
        if self.requires_auth:
            config.update(username=SMTP_USER, password=SMTP_PASSWORD)
        config.update(overrides)
        return config


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == SMTP_USER.encode()
        and auth_data.password == SMTP_PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


def _start(requires_auth: bool) -> tuple[Controller, MailServer]:
    handler = MailHandler()
    port = free_port()
    options: dict[str, Any] = {}
    if requires_auth:
        options = {
            "auth_required": True,
            "auth_require_tls": False,
            "authenticator": _authenticator,
        }
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return controller, MailServer(handler=handler, port=port, requires_auth=requires_auth)


@pytest.fixture
def smtp_server(loopback_allowed: None) -> Iterator[MailServer]:
    controller, server = _start(requires_auth=False)
    yield server
    controller.stop()


@pytest.fixture
def smtp_auth_server(loopback_allowed: None) -> Iterator[MailServer]:
    controller, server = _start(requires_auth=True)
    yield server
    controller.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # aiosmtpd warns, on every connection, that it takes AUTH without TLS: here on purpose.
    quiet = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
    for item in items:
        if "smtp_auth_server" in getattr(item, "fixturenames", ()):
            item.add_marker(quiet)
