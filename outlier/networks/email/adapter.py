"""The e-mail network: each post goes out as one message to a list of recipients.

Config:

- `recipients`: a list of addresses, or one string of comma-separated addresses (each one is
  checked with Django's `validate_email`); they are all in To, so they see one another: use a
  mailing list's address to reach a public audience;
- `from_address`: optional, else `settings.DEFAULT_FROM_EMAIL`;
- `subject_prefix`: optional, put before the subject (the post's title, else its first line);
- `host`, `port`, `username`, `password`, `starttls`, `ssl`: the channel's own SMTP server,
  optional. Without `host` the operator's `EMAIL_*` settings are used (and whatever
  `EMAIL_BACKEND` is, so the console backend in development, locmem in tests). A channel's own
  host is vetted like any URL Outlier fetches (no private addresses unless allowed);
- `timeout`: optional, seconds for each network operation (default 20).

How failures are classified: see `outlier.networks.email.outcomes`. The message's Message-ID
is `<idempotency_key@outlier>`, which is also the `remote_id`. An e-mail cannot be looked up
afterwards: `lookup` answers CANNOT_TELL.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Mapping
from datetime import datetime
from email.utils import parseaddr
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.core.validators import validate_email

from outlier.networks.base import (
    Content,
    ErrorKind,
    Field,
    Found,
    Lookup,
    Problem,
    Published,
    PublishError,
    RateLimit,
    Rules,
    timeout_problems,
)
from outlier.networks.email.message import build_message, message_id
from outlier.networks.email.outcomes import classify
from outlier.networks.email.transport import BACKEND, Phase, TrackingEmailBackend
from outlier.networks.rules import RULES

__all__ = ["DEFAULT_TIMEOUT", "EmailAdapter"]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
DJANGO_SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
_TRUE = ("1", "true", "yes", "on")


def _flag(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE


def _is_address(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


class EmailAdapter:
    """Sends each post as one e-mail."""

    name: ClassVar[str] = "email"
    label: ClassVar[str] = "E-mail"
    rules: ClassVar[Rules] = RULES["email"]
    fields: ClassVar[tuple[Field, ...]] = (
        Field("recipients", "Recipients", kind="emails",
              help="One or more addresses, separated by commas or new lines"),
        Field("subject_prefix", "Subject prefix", required=False,
              help="Put before each post's title, e.g. “[Acme]”"),
        Field("from_address", "From", required=False,
              help="Leave empty for the server's sender address"),
    )  # fmt: skip
    capabilities: ClassVar[frozenset[str]] = frozenset()
    rate_limit: ClassVar[RateLimit | None] = None

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config

    def config_changes(self) -> dict[str, Any]:
        return {}

    def channel_rules(self) -> Rules:
        return RULES[self.name]

    # -- Settings --------------------------------------------------------------------------

    @property
    def recipients(self) -> list[str]:
        value = self.config.get("recipients") or []
        items = value.split(",") if isinstance(value, str) else list(value)
        return [str(item).strip() for item in items if str(item).strip()]

    @property
    def from_address(self) -> str:
        value = self.config.get("from_address")
        given = value.strip() if isinstance(value, str) else ""
        return given or str(settings.DEFAULT_FROM_EMAIL)

    @property
    def timeout(self) -> float:
        try:
            return float(self.config.get("timeout") or DEFAULT_TIMEOUT)
        except (TypeError, ValueError):
            return DEFAULT_TIMEOUT

    def _text(self, key: str) -> str:
        value = self.config.get(key)
        return value if isinstance(value, str) else ""

    def _port(self) -> int | None:
        value: Any = self.config.get("port")
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            return -1

    def check_config(self) -> list[Problem]:
        problems: list[Problem] = []
        recipients = self.recipients
        if not recipients:
            problems.append(Problem("recipients", "Enter at least one address to send posts to."))
        for address in recipients:
            if not _is_address(address):
                problems.append(Problem("recipients", f"{address} is not a valid e-mail address."))
        given_from = self._text("from_address").strip()
        if given_from:
            _, address = parseaddr(given_from)
            if "\n" in given_from or "\r" in given_from or not _is_address(address):
                problems.append(
                    Problem("from_address", f"{given_from} is not a valid sender address.")
                )
        prefix = self._text("subject_prefix")
        if "\n" in prefix or "\r" in prefix or len(prefix) > 50:
            problems.append(
                Problem(
                    "subject_prefix",
                    "The subject prefix must be one line of 50 characters or fewer.",
                )
            )
        problems.extend(self._smtp_problems())
        problems.extend(timeout_problems(self.config, 120))
        return problems

    def _smtp_problems(self) -> list[Problem]:
        problems: list[Problem] = []
        host = self._text("host").strip()
        port = self._port()
        if port is not None and not 1 <= port <= 65535:
            problems.append(Problem("port", "The port must be a number from 1 to 65535."))
        if host and (any(char.isspace() for char in host) or "/" in host):
            problems.append(Problem("host", f"{host} is not a valid host name."))
        if not host and any(self.config.get(key) for key in ("port", "username", "password")):
            problems.append(Problem("host", "Enter the mail server's host name too."))
        if _flag(self.config.get("starttls")) and _flag(self.config.get("ssl")):
            problems.append(Problem("ssl", "Choose STARTTLS or SSL, not both."))
        if bool(self._text("username")) != bool(self._text("password")):
            problems.append(
                Problem("password", "Enter both the user name and the password, or neither.")
            )
        return problems

    def _require_valid_config(self) -> None:
        problems = self.check_config()
        if problems:
            raise PublishError(
                "The e-mail channel is not set up: " + " ".join(p.message for p in problems),
                ErrorKind.PERMANENT,
            )

    # -- Sending ---------------------------------------------------------------------------

    def _connection(self) -> Any:
        """A mail backend for this channel: its own SMTP server, else the operator's."""
        host = self._text("host").strip()
        if host:
            port = self._port()
            ssl = bool(_flag(self.config.get("ssl")))
            if port is None:
                port = 465 if ssl else 587
            starttls = _flag(self.config.get("starttls"))
            if starttls is None:
                starttls = port == 587 and not ssl
            # Empty strings and explicit flags: never fall back to the operator's EMAIL_* values
            # (their password must not be sent to a host a channel names).
            return get_connection(
                BACKEND,
                fail_silently=False,
                host=host,
                port=port,
                username=self._text("username"),
                password=self._text("password"),
                use_tls=starttls,
                use_ssl=ssl,
                timeout=self.timeout,
                vet_addresses=True,
            )
        if settings.EMAIL_BACKEND == DJANGO_SMTP_BACKEND:
            return get_connection(BACKEND, fail_silently=False, timeout=self.timeout)
        return get_connection(fail_silently=False)

    @staticmethod
    def _phase(backend: Any) -> Phase | None:
        return backend.phase if isinstance(backend, TrackingEmailBackend) else None

    @staticmethod
    def _close(backend: Any) -> None:
        with contextlib.suppress(Exception):  # the outcome is known by now; QUIT may fail
            backend.close()

    def test(self) -> None:
        """Connect (with STARTTLS and login as configured), send NOOP, and disconnect."""
        self._require_valid_config()
        backend = self._connection()
        try:
            backend.open()
            client = getattr(backend, "connection", None)
            if isinstance(client, smtplib.SMTP):
                code, reply = client.noop()
                if code != 250:
                    raise smtplib.SMTPResponseException(code, reply)
        except PublishError:
            raise
        except Exception as exc:
            raise classify(exc, self._phase(backend) or Phase.CONNECT) from exc
        finally:
            self._close(backend)

    def publish(self, content: Content, idempotency_key: str) -> Published:
        self._require_valid_config()
        backend = self._connection()
        try:
            message = build_message(
                content,
                idempotency_key=idempotency_key,
                from_address=self.from_address,
                recipients=self.recipients,
                subject_prefix=self._text("subject_prefix"),
                connection=backend,
            )
            message.message()  # header problems surface here, before anything is sent
        except ValueError as exc:  # BadHeaderError is a ValueError
            raise PublishError(
                f"The e-mail could not be built: {exc}.", ErrorKind.PERMANENT
            ) from exc
        try:
            backend.open()
            sent = backend.send_messages([message])
        except Exception as exc:
            tracked = isinstance(backend, TrackingEmailBackend)
            raise classify(
                exc, (self._phase(backend) or Phase.CONNECT) if tracked else None
            ) from exc
        finally:
            self._close(backend)
        if sent != 1:
            raise PublishError("The mail backend sent nothing.", ErrorKind.PERMANENT)
        refused = getattr(getattr(backend, "smtp", None), "refused", {})
        note = ""
        if refused:
            who = ", ".join(f"{address} ({code})" for address, (code, _) in refused.items())
            note = f"Delivered, but refused for: {who}."
            logger.warning("Message %s: %s", message_id(idempotency_key), note)
        return Published(remote_id=message_id(idempotency_key), note=note)

    def lookup(self, idempotency_key: str, since: datetime) -> Lookup:
        """Sent mail cannot be looked up; receivers can dedupe by Message-ID."""
        return Lookup(Found.CANNOT_TELL)
