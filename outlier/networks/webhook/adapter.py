"""The webhook network: each post is POSTed as signed JSON to a URL the user controls.

Config: `url` (http or https), `secret` (signs every request, see `signature`), and optionally
`timeout` (seconds for the whole request, 1 to 60, default 15).

The request body:

    {"id": "<idempotency key>", "type": "post", "created_at": "2026-05-01T08:00:00+00:00",
     "text": "...", "link": "...", "title": "...",
     "images": [{"content_type": "image/jpeg", "alt": "...", "filename": "...",
                 "data_base64": "..."}]}

A receiver answers 2xx once it has the post, optionally with JSON {"id": ..., "url": ...}
naming what it created. It must dedupe by Outlier-Id: a delivery whose answer got lost is
sent again with the same id (and the same Idempotency-Key). `test()` sends
{"id": "ping-...", "type": "ping", "created_at": ...}, signed the same way.

How answers and failures are classified: see `outlier.networks.http_outcomes`. A request that
was redirected is refused (PERMANENT): safe_http follows redirects and a 301, 302 or 303 turns a
POST into a GET, so a 2xx after a redirect proves nothing (it is reported with unknown_outcome,
since a 307 or 308 would have carried the post along). Set the final URL instead.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from outlier.core.safe_http import FetchError, Response, fetch
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
from outlier.networks.http_outcomes import failure_from_fetch_error, failure_from_status
from outlier.networks.rules import RULES
from outlier.networks.webhook.signature import sign

__all__ = ["DEFAULT_TIMEOUT", "MAX_ANSWER_BYTES", "WebhookAdapter"]

DEFAULT_TIMEOUT = 15.0
MAX_ANSWER_BYTES = 1024 * 1024  # the receiver's answer is only read for an id and a URL
_WHO = "The receiver"
_HEADER_VALUE = re.compile(r"[\x21-\x7e]{1,200}")


def _normalised_url(url: str) -> str:
    """The URL as safe_http reports it back (scheme lowercased, no fragment)."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc, parts.path, parts.query, ""))


class WebhookAdapter:
    """Publishes to a URL the user controls, as signed JSON."""

    name: ClassVar[str] = "webhook"
    label: ClassVar[str] = "Webhook"
    rules: ClassVar[Rules] = RULES["webhook"]
    fields: ClassVar[tuple[Field, ...]] = (
        Field("url", "Webhook URL", kind="url",
              help="Outlier POSTs each post as JSON to this address"),
        Field("secret", "Signing secret", kind="token", secret=True,
              help="The receiver checks the signature with it; keep a copy"),
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
    def url(self) -> str:
        value = self.config.get("url")
        return value.strip() if isinstance(value, str) else ""

    @property
    def secret(self) -> str:
        value = self.config.get("secret")
        return value if isinstance(value, str) else ""

    @property
    def timeout(self) -> float:
        value = self.config.get("timeout")
        if value is None or value == "":
            return DEFAULT_TIMEOUT
        try:
            return float(value)
        except (TypeError, ValueError):
            return DEFAULT_TIMEOUT

    def check_config(self) -> list[Problem]:
        problems: list[Problem] = []
        url = self.url
        if not url:
            problems.append(Problem("url", "Enter the URL that is to receive the posts."))
        else:
            try:
                parts = urlsplit(url)
                port = parts.port
            except ValueError:
                parts, port = None, None
                problems.append(Problem("url", "This URL is not valid."))
            if parts is not None:
                if parts.scheme.lower() not in ("http", "https"):
                    problems.append(Problem("url", "The URL must start with https:// or http://."))
                elif not parts.hostname:
                    problems.append(Problem("url", "The URL has no host name."))
                elif "@" in parts.netloc:
                    problems.append(
                        Problem(
                            "url",
                            "Put no user name or password in the URL: "
                            "the secret signs every request instead.",
                        )
                    )
                elif port == 0:
                    problems.append(Problem("url", "The URL's port is not valid."))
        if not self.secret.strip():
            problems.append(
                Problem(
                    "secret",
                    "Enter a secret: it signs every request, so the receiver can check "
                    "that it comes from Outlier.",
                )
            )
        problems.extend(timeout_problems(self.config, 60))
        return problems

    def _require_valid_config(self) -> None:
        problems = self.check_config()
        if problems:
            raise PublishError(
                "The webhook is not set up: " + " ".join(p.message for p in problems),
                ErrorKind.PERMANENT,
            )

    # -- Sending ---------------------------------------------------------------------------

    def _send(self, document: dict[str, Any]) -> Response:
        """POST `document`, signed; safe_http failures come out as classified PublishErrors."""
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "Outlier-Id": document["id"],
            "Idempotency-Key": document["id"],
            "Outlier-Timestamp": str(timestamp),
            "Outlier-Signature": sign(self.secret, timestamp, body),
        }
        deadline = self.timeout
        try:
            response = fetch(
                self.url,
                method="POST",
                headers=headers,
                body=body,
                deadline=deadline,
                connect_timeout=min(5.0, deadline),
                read_timeout=deadline,
                max_bytes=MAX_ANSWER_BYTES,
                accept="application/json",
            )
        except FetchError as exc:
            raise failure_from_fetch_error(exc) from exc
        if response.url != _normalised_url(self.url):
            raise PublishError(
                f"{_WHO} redirected the request to {response.url}. Set the channel's URL to "
                "that address: a redirected POST may arrive as a GET, without the post.",
                ErrorKind.PERMANENT,
                unknown_outcome=response.ok,
            )
        if not response.ok:
            raise failure_from_status(response, _WHO)
        return response

    @staticmethod
    def _now() -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")

    def test(self) -> None:
        self._require_valid_config()
        self._send({"id": f"ping-{uuid.uuid4().hex}", "type": "ping", "created_at": self._now()})

    def publish(self, content: Content, idempotency_key: str) -> Published:
        self._require_valid_config()
        if not _HEADER_VALUE.fullmatch(idempotency_key):
            raise PublishError(
                "The delivery's idempotency key cannot be sent in a header: "
                "it must be 1 to 200 printable ASCII characters without spaces.",
                ErrorKind.PERMANENT,
            )
        document = {
            "id": idempotency_key,
            "type": "post",
            "created_at": self._now(),
            "text": content.text,
            "link": content.link,
            "title": content.title,
            "images": [
                {
                    "content_type": image.content_type,
                    "alt": image.alt,
                    "filename": image.filename,
                    "data_base64": base64.b64encode(image.data).decode("ascii"),
                }
                for image in content.images
            ],
        }
        response = self._send(document)
        return self._published(response, idempotency_key)

    @staticmethod
    def _published(response: Response, idempotency_key: str) -> Published:
        """What the receiver says it created, if it says so in JSON; else the key itself."""
        remote_id, url = idempotency_key, ""
        try:
            answer = json.loads(response.body) if response.body.strip() else None
        except (ValueError, RecursionError):  # not JSON, or nested absurdly deep
            answer = None
        if isinstance(answer, dict):
            given_id = answer.get("id")
            if isinstance(given_id, str | int) and not isinstance(given_id, bool):
                remote_id = str(given_id)[:500] or idempotency_key
            given_url = answer.get("url")
            if isinstance(given_url, str) and urlsplit(given_url).scheme in ("http", "https"):
                url = given_url[:2000]
        return Published(remote_id=remote_id, url=url)

    def lookup(self, idempotency_key: str, since: datetime) -> Lookup:
        """A webhook cannot be asked; the receiver dedupes by Outlier-Id instead."""
        return Lookup(Found.CANNOT_TELL)
