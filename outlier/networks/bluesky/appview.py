"""Reading straight from an AppView, not through the PDS.

A channel with an AppView address (`appview_url`, e.g. https://api.bsky.app) reads like and
repost counts (app.bsky.feed.getPosts), its follower count (app.bsky.actor.getProfile) and its
notifications (app.bsky.notification.listNotifications) there, instead of asking its PDS to
forward them: for a PDS that forwards to no AppView or to another one, or to spare the PDS.

- getPosts and getProfile are public: they are asked without credentials, as
  public.api.bsky.app answers anyone.
- listNotifications is the account's own: the PDS signs a service token for it
  (com.atproto.server.getServiceAuth: issued by the account's DID, for the AppView's DID and
  that one method, valid `TOKEN_SECONDS`), which the AppView checks against the account's
  signing key. The AppView's DID comes from its /.well-known/did.json (api.bsky.app publishes
  did:web:api.bsky.app there); an AppView that publishes none is taken to be
  did:web:<its host>, and says so when it is not.

Every request goes through safe_http (see `transport`), like the PDS's; the address is checked
like the PDS's (`check_address`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote, urlsplit

from atproto_client import Client
from atproto_client.exceptions import UnauthorizedError

from outlier.core import safe_http
from outlier.networks.base import ErrorKind, Problem, PublishError
from outlier.networks.bluesky.outcomes import classify, xrpc_error
from outlier.networks.bluesky.transport import safe_request
from outlier.networks.http_outcomes import failure_from_fetch_error

__all__ = ["TOKEN_SECONDS", "AppView", "check_address", "did_web"]

T = TypeVar("T")

TOKEN_SECONDS = 120
_DID_DOCUMENT_BYTES = 64 * 1024
_NOT_AN_APPVIEW = frozenset({"MethodNotImplemented", "XRPCNotSupported", "NotFound"})


def check_address(url: str, field: str, what: str) -> list[Problem]:
    """Problems with a server's address typed by the user: https (or http), a host, no user
    name, password, path, query or fragment. Where it points is vetted on each request."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return [Problem(field, f"The {what}'s address is not a valid URL.")]
    if parts.scheme.lower() not in ("http", "https"):
        return [Problem(field, f"The {what}'s address must start with https://.")]
    if not parts.hostname or port == 0:
        return [Problem(field, f"The {what}'s address has no valid host name.")]
    if "@" in parts.netloc:
        return [Problem(field, f"Put no user name or password in the {what}'s address.")]
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return [
            Problem(
                field,
                f"Give the {what}'s address alone, e.g. {parts.scheme}://{parts.netloc}.",
            )
        ]
    return []


def did_web(url: str) -> str:
    """The did:web an AppView at `url` would have: did:web:api.bsky.app, did:web:host%3A8080."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"did:web:{host}" + (quote(f":{parts.port}", safe="") if parts.port else "")


class AppView:
    """An AppView asked directly, on the safe transport."""

    def __init__(self, url: str, *, deadline: float) -> None:
        self.url = url.rstrip("/")
        self.deadline = deadline
        self.client = Client(base_url=self.url, request=safe_request(deadline))
        self._did = ""
        self.published = False  # whether the AppView said its DID itself

    @property
    def did(self) -> str:
        """The AppView's DID, from its /.well-known/did.json, else did:web:<host>."""
        if not self._did:
            found = self._published_did()
            self.published = bool(found)
            self._did = found or did_web(self.url)
        return self._did

    def _whose(self) -> str:
        if self.published:
            return f"the AppView {self.did} (as {self.url}/.well-known/did.json says)"
        return (
            f"{self.did}: the AppView publishes no DID document at "
            f"{self.url}/.well-known/did.json, so Outlier took its address for a did:web"
        )

    def unsigned(self, said: str) -> PublishError:
        """The PDS would not make the account's token for this AppView."""
        return PublishError(
            f"The account's server will not make a token for {self._whose()} ({said}). "
            "Notifications need the AppView's own DID: give the address of an AppView that "
            "publishes it (api.bsky.app does), or clear the address to read through the PDS.",
            ErrorKind.PERMANENT,
        )

    def _published_did(self) -> str:
        try:
            answer = safe_http.fetch(
                f"{self.url}/.well-known/did.json",
                max_bytes=_DID_DOCUMENT_BYTES,
                deadline=min(self.deadline, 10.0),
                accept="application/did+json, application/json",
            )
        except safe_http.FetchError:
            return ""
        if not answer.ok:
            return ""
        try:
            document = json.loads(answer.body)
        except ValueError:
            return ""
        found = document.get("id") if isinstance(document, dict) else None
        return found if isinstance(found, str) and found.startswith("did:") else ""

    def call(self, request: Callable[[Client], T], *, token: str = "") -> T:
        """Run `request` against the AppView (with `token`, a service token, when given);
        failures come out as classified PublishErrors."""
        try:
            return request(self.client)
        except Exception as exc:
            raise self._failure(exc, signed=bool(token)) from exc

    def _failure(self, exc: Exception, *, signed: bool) -> PublishError:
        url = self.url
        if isinstance(exc, safe_http.FetchError):
            failure = failure_from_fetch_error(exc)
            if isinstance(exc, safe_http.ForbiddenAddress | safe_http.InvalidURL):
                return PublishError(
                    f"Outlier will not connect to the AppView at {url}: {failure}",
                    ErrorKind.PERMANENT,
                )
            return PublishError(f"The AppView at {url} cannot be reached: {failure}",
                                failure.kind)  # fmt: skip
        status, name, message = xrpc_error(exc)
        said = " ".join(str(part) for part in (status, name, message) if part)
        if status in (401, 403) or isinstance(exc, UnauthorizedError):
            if signed:
                return PublishError(
                    f"The AppView at {url} refused the account's token ({said}), made for "
                    f"{self._whose()}. Check the address, or clear it to read through the PDS.",
                    ErrorKind.PERMANENT,
                )
            return PublishError(
                f"The AppView at {url} wants credentials for a public query ({said}): check "
                "the address, or clear it to read through the PDS.",
                ErrorKind.PERMANENT,
            )
        if status == 404 or name in _NOT_AN_APPVIEW:
            return PublishError(
                f"{url} does not answer Bluesky's AppView queries ({said}): check the address, "
                "or clear it to read through the PDS.",
                ErrorKind.PERMANENT,
            )
        failure = classify(exc, pds=url)
        return PublishError(str(failure).replace("Bluesky server", "AppView"), failure.kind,
                            retry_after=failure.retry_after)  # fmt: skip
