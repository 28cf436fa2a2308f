"""The e-mail network: each post goes out as one message per recipient.

Config:

- `recipients`: a list of addresses, or one string of comma-separated addresses (each one is
  checked with Django's `validate_email`; the same address twice gets one copy). Each
  recipient gets a copy of their own, with only their address in To: no recipient sees who
  else gets it;
- `from_address`: optional, else `settings.DEFAULT_FROM_EMAIL`;
- `subject_prefix`: optional, put before the subject (the post's title, else its first line);
- `unsubscribe_url`: optional, where a reader asks to stop getting these e-mails: an https://
  (or http://) address, or a mailto: one. It goes out as `List-Unsubscribe`, with
  `List-Unsubscribe-Post: List-Unsubscribe=One-Click` for https (RFC 8058: the address must
  then unsubscribe on a POST alone). Without it, `List-Unsubscribe` is a mailto: to the From
  address with the subject "unsubscribe" (Outlier keeps no subscriber list: whoever reads
  that mailbox takes the address off `recipients`);
- `host`, `port`, `username`, `password`, `starttls`, `ssl`: the channel's own SMTP server,
  optional. Without `host` the operator's `EMAIL_*` settings are used (and whatever
  `EMAIL_BACKEND` is, so the console backend in development, locmem in tests). A channel's own
  host is vetted like any URL Outlier fetches (no private addresses unless allowed);
- `timeout`: optional, seconds for each network operation (default 20);
- `sent_to` (written by the adapter, see below).

Sending: one SMTP connection, then one transaction per recipient (MAIL FROM, RCPT TO, DATA).
A recipient the server refuses (at RCPT, or after DATA) does not stop the others: a refusal
for good (5xx) is named in the delivery's note, a deferral (4xx) leaves the delivery to be
retried for that recipient. Anything else (the connection breaks, the login or the sender is
refused) stops the round.

Exactly once per recipient: the copies have one Message-ID, `<idempotency_key@outlier>` (also
the `remote_id`). When a round ends before everyone has the message, the adapter keeps who
accepted it, as digests of their addresses under the delivery's key, in `sent_to`
(`config_changes`, saved into the channel's encrypted credentials on success and failure
alike); sending the delivery again skips them, so a retry after recipient 5 of 10 failed sends
to 5 to 10 only. A complete delivery drops its entry; entries older than `PROGRESS_DAYS` go
too. What this cannot cover, said plainly: a copy whose outcome is unknown (the connection
broke after the message's final "." was sent) may have arrived, so a person who sends the
delivery again may reach that one recipient twice; and a worker that dies mid-round takes the
list of who accepted it with it (the delivery becomes unconfirmed; sending it again may reach
some recipients twice; their mail programs can tell the copies apart by Message-ID). A round
stops after `ROUND_SECONDS` (under the delivery engine's lease) and the rest follows at once
in the next, as after a rate limit.

How failures are classified: see `outlier.networks.email.outcomes`. An e-mail cannot be looked
up afterwards: `lookup` answers CANNOT_TELL.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import logging
import smtplib
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

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
from outlier.networks.email.message import build_message, mailto_unsubscribe, message_id
from outlier.networks.email.outcomes import classify, per_recipient, refused_everyone
from outlier.networks.email.transport import BACKEND, Phase, TrackingEmailBackend
from outlier.networks.rules import RULES

__all__ = ["DEFAULT_TIMEOUT", "PROGRESS_DAYS", "ROUND_SECONDS", "SENT_TO", "EmailAdapter"]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
SENT_TO = "sent_to"  # credentials: {idempotency key: {"at": ISO time, "to": [digests]}}
PROGRESS_DAYS = 30  # how long who-has-it is kept for a delivery that never completed
PROGRESS_KEEP = 200  # deliveries kept at most (the newest)
ROUND_SECONDS = 180.0  # a round of sending stops after this (the engine's lease is 300 s)
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


def digest(address: str) -> str:
    """How `sent_to` names a recipient: not the address itself."""
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()[:24]


def _entry_time(entry: Any) -> datetime | None:
    if not isinstance(entry, Mapping):
        return None
    try:
        when = datetime.fromisoformat(str(entry.get("at")))
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _listing(replies: Mapping[str, tuple[int, str]]) -> str:
    return "; ".join(f"{address} ({said})" for address, (_, said) in replies.items())


class EmailAdapter:
    """Sends each post as one e-mail per recipient."""

    name: ClassVar[str] = "email"
    label: ClassVar[str] = "E-mail"
    rules: ClassVar[Rules] = RULES["email"]
    fields: ClassVar[tuple[Field, ...]] = (
        Field("recipients", "Recipients", kind="emails",
              help="One or more addresses, separated by commas or new lines. Each gets a "
                   "copy of their own, addressed to them alone"),
        Field("subject_prefix", "Subject prefix", required=False,
              help="Put before each post's title, e.g. “[Acme]”"),
        Field("from_address", "From", required=False,
              help="Leave empty for the server's sender address"),
        Field("unsubscribe_url", "Unsubscribe link", kind="url", required=False,
              help="Where a reader stops these e-mails: an https:// page that unsubscribes "
                   "on one click, or a mailto: address. Empty: a reply to the From address "
                   "with the subject “unsubscribe”"),
    )  # fmt: skip
    capabilities: ClassVar[frozenset[str]] = frozenset()
    rate_limit: ClassVar[RateLimit | None] = None

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self._sent_to: dict[str, Any] | None = None  # who has which delivery, when it changed

    def config_changes(self) -> dict[str, Any]:
        return {SENT_TO: self._sent_to} if self._sent_to is not None else {}

    def channel_rules(self) -> Rules:
        return RULES[self.name]

    # -- Settings --------------------------------------------------------------------------

    @property
    def recipients(self) -> list[str]:
        """The addresses, in order, each once (compared without regard to case)."""
        value = self.config.get("recipients") or []
        items = value.split(",") if isinstance(value, str) else list(value)
        found: dict[str, str] = {}
        for item in items:
            address = str(item).strip()
            if address:
                found.setdefault(address.lower(), address)
        return list(found.values())

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

    @property
    def unsubscribe(self) -> str:
        """What `List-Unsubscribe` points to: the channel's link, else a mailto: to the sender."""
        given = self._text("unsubscribe_url").strip()
        if given:
            return given
        _, address = parseaddr(self.from_address)
        return mailto_unsubscribe(address) if _is_address(address) else ""

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
        problems.extend(self._unsubscribe_problems())
        problems.extend(self._smtp_problems())
        problems.extend(timeout_problems(self.config, 120))
        return problems

    def _unsubscribe_problems(self) -> list[Problem]:
        given = self._text("unsubscribe_url").strip()
        if not given:
            return []
        if len(given) > 500 or any(
            char.isspace() or char in '<>,"' or ord(char) < 32 or ord(char) == 127 for char in given
        ):
            return [Problem("unsubscribe_url", "The unsubscribe link must be one address of "
                            "at most 500 characters, without spaces, commas or angle brackets "
                            "(percent-encode them).")]  # fmt: skip
        try:
            parts = urlsplit(given)
        except ValueError:
            parts = urlsplit("")
        scheme = parts.scheme.lower()
        if scheme in ("http", "https") and parts.hostname:
            return []
        if scheme == "mailto" and _is_address(unquote(parts.path)):
            return []
        return [Problem("unsubscribe_url", f"{given} is not an unsubscribe link: give an "
                        "https:// address, or mailto: and an e-mail address.")]  # fmt: skip

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

    # -- Who has it already ------------------------------------------------------------------

    def _progress(self) -> dict[str, Any]:
        raw = self.config.get(SENT_TO)
        return dict(raw) if isinstance(raw, Mapping) else {}

    def _sent_before(self, idempotency_key: str) -> set[str]:
        entry = self._progress().get(idempotency_key)
        found = entry.get("to") if isinstance(entry, Mapping) else None
        return {str(item) for item in found} if isinstance(found, list) else set()

    def _keep_progress(self, idempotency_key: str, digests: Iterable[str]) -> None:
        """Record who has this delivery (nobody: forget it), dropping stale entries."""
        progress = self._progress()
        now = datetime.now(UTC)
        cutoff = now - timedelta(days=PROGRESS_DAYS)
        kept: dict[str, Any] = {}
        for key, entry in progress.items():
            when = _entry_time(entry)
            if key != idempotency_key and when is not None and when >= cutoff:
                kept[key] = entry
        who = sorted(set(digests))
        if who:
            kept[idempotency_key] = {"at": now.isoformat(), "to": who}
        if len(kept) > PROGRESS_KEEP:
            newest = sorted(kept, key=lambda k: str(kept[k].get("at")), reverse=True)
            kept = {key: kept[key] for key in newest[:PROGRESS_KEEP]}
        if kept != progress:
            self._sent_to = kept

    # -- Publishing ---------------------------------------------------------------------------

    def publish(self, content: Content, idempotency_key: str) -> Published:
        self._require_valid_config()
        recipients = self.recipients
        earlier = self._sent_before(idempotency_key) & {digest(a) for a in recipients}
        todo = [address for address in recipients if digest(address) not in earlier]
        remote_id = message_id(idempotency_key)
        if not todo:  # a retry after a round that reached everyone (and was not told so)
            self._keep_progress(idempotency_key, ())
            return Published(remote_id=remote_id, note=f"All {len(recipients)} recipients "
                             "had it from an earlier attempt.")  # fmt: skip
        backend = self._connection()
        try:
            template = build_message(
                content,
                idempotency_key=idempotency_key,
                from_address=self.from_address,
                recipients=todo[:1],
                subject_prefix=self._text("subject_prefix"),
                unsubscribe=self.unsubscribe,
                connection=backend,
            )
            template.message()  # header problems surface here, before anything is sent
        except ValueError as exc:  # BadHeaderError is a ValueError
            raise PublishError(
                f"The e-mail could not be built: {exc}.", ErrorKind.PERMANENT
            ) from exc
        tracked = isinstance(backend, TrackingEmailBackend)
        accepted: list[str] = []
        refused: dict[str, tuple[int, str]] = {}  # address -> (code, "550 5.1.1 No such user")
        stopped: PublishError | None = None
        current = ""
        out_of_time = False
        started = time.monotonic()
        try:
            backend.open()
            for index, current in enumerate(todo):
                if index and time.monotonic() - started > ROUND_SECONDS:
                    out_of_time = True
                    break
                message = copy.copy(template)  # the parts are shared; only To changes
                message.to = [current]
                try:
                    sent = backend.send_messages([message])
                except Exception as exc:
                    said = per_recipient(exc, current)
                    if said is None:
                        raise
                    refused[current] = said
                    continue
                if sent != 1:
                    raise PublishError("The mail backend sent nothing.", ErrorKind.PERMANENT)
                accepted.append(current)
        except PublishError as exc:
            stopped = exc
        except Exception as exc:
            stopped = classify(exc, (self._phase(backend) or Phase.CONNECT) if tracked else None)
        finally:
            self._close(backend)
        return self._outcome(idempotency_key, recipients, earlier, accepted, refused, stopped,
                             current, out_of_time)  # fmt: skip

    def _outcome(
        self,
        idempotency_key: str,
        recipients: list[str],
        earlier: set[str],
        accepted: list[str],
        refused: dict[str, tuple[int, str]],
        stopped: PublishError | None,
        current: str,
        out_of_time: bool,
    ) -> Published:
        """The round's result: Published when everyone was reached or refused for good, else
        the PublishError to retry on, after recording who has it."""
        remote_id = message_id(idempotency_key)
        total, had_it = len(recipients), len(earlier)
        got_it = had_it + len(accepted)
        deferred = {a: said for a, said in refused.items() if 400 <= said[0] < 500}
        if stopped is None and not deferred and not out_of_time:
            self._keep_progress(idempotency_key, ())
            if not got_it:
                raise refused_everyone(refused)
            return Published(remote_id=remote_id, note=self._note(idempotency_key, total,
                                                                  had_it, refused))  # fmt: skip
        # Not done: keep who has it, so that sending it again reaches only the others.
        self._keep_progress(idempotency_key, earlier | {digest(a) for a in accepted})
        so_far = f"Sent to {got_it} of {total} recipients"
        if had_it:
            so_far += f" ({had_it} in an earlier attempt)"
        left = total - got_it - (len(refused) - len(deferred))
        others = "the other recipient" if left == 1 else f"the other {left}"
        if out_of_time:
            raise PublishError(
                f"Sent to {got_it} of {total} recipients so far; the next round sends it to "
                f"{others} (a round stops after {ROUND_SECONDS:g} s).",
                ErrorKind.RATE_LIMITED,
                retry_after=1.0,
            )
        if stopped is None:
            if not got_it and len(deferred) == len(refused):
                raise refused_everyone(refused)  # all deferred: TRANSIENT
            raise PublishError(
                f"{so_far}; the mail server deferred {_listing(deferred)}. Retrying sends it "
                "to those it deferred, not again to the others.",
                ErrorKind.TRANSIENT,
            )
        if not got_it and not refused:
            raise stopped  # nothing went out: the failure as it is
        also = f" It refused {_listing(refused)}." if refused else ""
        retry = f" Sending it again sends it to {others} only."
        if stopped.unknown_outcome:
            retry = (f" Sending it again sends it to {others} (the copy to {current} may have "
                     "arrived: that recipient could get it twice, no one else).")  # fmt: skip
        raise PublishError(
            f"{so_far}, then: {stopped}{also}{retry}", stopped.kind,
            retry_after=stopped.retry_after, unknown_outcome=stopped.unknown_outcome,
        )  # fmt: skip

    @staticmethod
    def _note(
        idempotency_key: str, total: int, had_it: int, refused: dict[str, tuple[int, str]]
    ) -> str:
        notes = []
        if had_it:
            notes.append(f"Sent to {total - len(refused)} of {total} recipients, {had_it} of "
                         "them in an earlier attempt.")  # fmt: skip
        if refused:
            who = ", ".join(f"{address} ({code})" for address, (code, _) in refused.items())
            notes.append(f"Delivered, but refused for: {who}.")
            logger.warning("Message %s: %s", message_id(idempotency_key), notes[-1])
        return " ".join(notes)

    def lookup(self, idempotency_key: str, since: datetime) -> Lookup:
        """Sent mail cannot be looked up; receivers can dedupe by Message-ID."""
        return Lookup(Found.CANNOT_TELL)
