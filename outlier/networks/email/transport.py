"""Django's SMTP backend, with the SMTP client telling how far a message got.

`TrackingSMTP` records its `phase`; the one that matters is `Phase.SENT`: the whole message,
with the "<CRLF>.<CRLF>" that ends it, has been handed to the socket and the server's final
reply is awaited. From then on the server may have accepted the message, so a timeout or a
dropped connection leaves the outcome unknown. Before it, the server cannot have accepted it
(RFC 5321 §4.1.1.4: a message is taken only once its terminating "." arrives; when `sendall`
fails, the end of the data, and so the "." too, was not sent).

For a host that came from a channel's settings (`vet_addresses=True`) the name is resolved
once and every address is checked as for HTTP (`outlier.core.safe_http.is_forbidden_address`,
so `ALLOWED_PRIVATE_NETWORKS` applies); the client connects to the vetted address, keeping the
name for TLS.
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import smtplib
import socket
from typing import Any

from django.core.mail.backends.smtp import EmailBackend

from outlier.core.safe_http import is_forbidden_address

__all__ = ["BACKEND", "ForbiddenHost", "Phase", "TrackingEmailBackend", "TrackingSMTP"]

BACKEND = "outlier.networks.email.transport.TrackingEmailBackend"


class Phase(enum.Enum):
    CONNECT = "connect"  # opening the connection, reading the greeting
    STARTTLS = "starttls"
    LOGIN = "login"
    READY = "ready"  # connected (and logged in), nothing sent
    ENVELOPE = "envelope"  # MAIL FROM and RCPT TO
    DATA = "data"  # the DATA command, then the message itself
    SENT = "sent"  # the whole message is out; the final reply is awaited
    ACCEPTED = "accepted"  # the server answered 250 to the message


class ForbiddenHost(OSError):
    """The SMTP host is, or resolves to, an address that must not be contacted."""


def _vetted(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise socket.gaierror(f"Could not resolve the mail server {host}") from exc
    addresses: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0]).partition("%")[0]
        reason = is_forbidden_address(ipaddress.ip_address(address))
        if reason is not None:
            raise ForbiddenHost(f"Refused to contact the mail server {host}: {address} is {reason}")
        if address not in addresses:
            addresses.append(address)
    return addresses


class TrackingSMTP(smtplib.SMTP):
    """An SMTP client that records how far the current message got (see `Phase`)."""

    def __init__(
        self, *args: Any, tracker: TrackingEmailBackend | None = None, **kwargs: Any
    ) -> None:
        self.phase = Phase.CONNECT
        self.refused: dict[str, tuple[int, bytes]] = {}
        self._data_sends = 0
        self._vet = tracker is not None and tracker.vet_addresses
        if tracker is not None:
            tracker.smtp = self
        super().__init__(*args, **kwargs)  # connects when given a host

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        # _get_socket is smtplib's (not in typeshed); SMTP_SSL wraps its result in TLS.
        if not self._vet:
            return super()._get_socket(host, port, timeout)  # type: ignore[misc,no-any-return]
        failure: OSError = ConnectionRefusedError(f"Could not connect to {host}:{port}")
        connect = super()._get_socket  # type: ignore[misc]
        for address in _vetted(host, port):
            try:
                return connect(address, port, timeout)  # type: ignore[no-any-return]
            except OSError as exc:
                failure = exc
        raise failure

    def connect(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.phase = Phase.CONNECT
        reply = super().connect(*args, **kwargs)
        self.phase = Phase.READY
        return reply

    def starttls(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.phase = Phase.STARTTLS
        reply = super().starttls(*args, **kwargs)
        self.phase = Phase.READY
        return reply

    def login(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        self.phase = Phase.LOGIN
        reply = super().login(*args, **kwargs)
        self.phase = Phase.READY
        return reply

    def sendmail(self, *args: Any, **kwargs: Any) -> dict[str, tuple[int, bytes]]:
        self.phase = Phase.ENVELOPE
        refused = super().sendmail(*args, **kwargs)
        self.refused = dict(refused)
        self.phase = Phase.ACCEPTED
        return refused

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.phase = Phase.DATA
        self._data_sends = 0
        return super().data(msg)

    def send(self, s: Any) -> None:
        super().send(s)
        if self.phase is Phase.DATA:
            self._data_sends += 1
            if self._data_sends == 2:  # first the DATA command, then the message and its "."
                self.phase = Phase.SENT


class TrackingSMTPSSL(TrackingSMTP, smtplib.SMTP_SSL):
    """The same over implicit TLS (port 465)."""


class TrackingEmailBackend(EmailBackend):
    """Django's SMTP backend using `TrackingSMTP`; `smtp` is the client of the last attempt.

    `vet_addresses=True` checks the host's addresses before connecting (for hosts that come
    from a channel's settings rather than from the operator's).
    """

    def __init__(self, *args: Any, vet_addresses: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vet_addresses = vet_addresses
        self.smtp: TrackingSMTP | None = None

    @property
    def connection_class(self) -> Any:
        client = TrackingSMTPSSL if self.use_ssl else TrackingSMTP
        return functools.partial(client, tracker=self)

    @property
    def phase(self) -> Phase | None:
        return self.smtp.phase if self.smtp is not None else None
