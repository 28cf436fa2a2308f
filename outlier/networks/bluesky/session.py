"""One channel's session with its PDS: log in once, then reuse and refresh.

createSession is rate-limited per account (30 per 5 minutes and 300 a day on bsky.social), so
a channel logs in once and keeps the session: the SDK's exported session string (handle, DID,
access and refresh tokens, and the PDS the account lives on) comes back through
`Connection.renewed` whenever a login or a refresh made a new one, and the adapter hands it to
publishing in `config_changes()`, which saves it into the channel's encrypted credentials and
passes it back in the config next time (as `session`).

A saved session is used only for the PDS URL, identifier and app password it was made with:
`session_for` holds a fingerprint of the three, so a channel reconnected with another
account or a new app password logs in afresh instead of posting with the old session.

Each process also remembers the newest session it made or refreshed per fingerprint, and a
connection starts from whichever is newer (by the access token's issue time), the saved one
or the remembered one; it hands the remembered one back to be saved when that is the newer.
The saved session stays the one that counts (other processes and machines only have that);
the memory only spares logins when several deliveries of a channel are prepared before the
first one's session is saved (the delivery engine loads a batch at once): without it, every
one of them would log in.

The access token lives 2 hours; the SDK refreshes it (with the refresh token, which the PDS
rotates) when it has less than 15 minutes left, before the request that needed it. When the
PDS refuses a saved session anyway (expired, revoked, or a refresh token that another worker
already rotated past its grace period), `call` logs in again, once, and repeats the request:
a request refused for its session was not carried out. A second refusal, or a refused login,
is an AUTH failure: the channel needs reconnecting.

The SDK's `login` fetches the account's Bluesky profile unless told not to, and a PDS without
an AppView answers that with 400 "No service configured": the profile is never fetched here.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import TypeVar

from atproto_client import Client
from atproto_client.client.session import Session, SessionEvent
from atproto_client.exceptions import LoginRequiredError
from atproto_core.exceptions import AtProtocolError

from outlier.networks.base import ErrorKind, PublishError
from outlier.networks.bluesky.outcomes import classify, is_session_problem, login_failure
from outlier.networks.bluesky.transport import safe_request

__all__ = ["Connection", "fingerprint"]

T = TypeVar("T")

_newest: dict[str, str] = {}  # fingerprint -> the newest session string this process has seen
_newest_lock = threading.Lock()


def fingerprint(pds_url: str, identifier: str, password: str) -> str:
    """What a saved session was made with, so that it is not used with anything else."""
    material = "\0".join(
        (pds_url.strip().rstrip("/").lower(), identifier.strip().lower(), password)
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def _issued(session_string: str) -> int | None:
    """When the session's access token was issued (Unix time); None for an unusable session."""
    if not session_string:
        return None
    try:
        session = Session.decode(session_string)
        payload = session.access_jwt_payload
    except (ValueError, AtProtocolError):
        return None
    if not session.did or not payload.exp:
        return None
    return int(payload.iat or 0)


def _remember(fingerprint_: str, session_string: str | None) -> None:
    with _newest_lock:
        if session_string is None:
            _newest.pop(fingerprint_, None)
        else:
            _newest[fingerprint_] = session_string


class Connection:
    """A logged-in atproto client for one channel, on the safe transport."""

    def __init__(
        self,
        *,
        pds_url: str,
        identifier: str,
        password: str,
        saved: str = "",
        saved_for: str = "",
        deadline: float = 30.0,
    ) -> None:
        self.pds_url = pds_url
        self.identifier = identifier
        self.password = password
        self.fingerprint = fingerprint(pds_url, identifier, password)
        self.client = Client(base_url=pds_url, request=safe_request(deadline))
        self.client.on_session_change(self._changed)
        self.logins = 0  # createSession calls made through this connection
        self.renewed = ""  # a session string newer than the saved one, to be saved
        if saved_for != self.fingerprint:
            saved = ""
        with _newest_lock:
            remembered = _newest.get(self.fingerprint, "")
        saved_at, remembered_at = _issued(saved), _issued(remembered)
        self._saved = saved if saved_at is not None else ""
        if remembered_at is not None and (saved_at is None or remembered_at > saved_at):
            self._saved = self.renewed = remembered
        self._open = False

    def _changed(self, event: SessionEvent, session: Session) -> None:
        if event in (SessionEvent.CREATE, SessionEvent.REFRESH):
            self.renewed = session.export()
            _remember(self.fingerprint, self.renewed)

    @property
    def session(self) -> Session:
        self.open()
        session = self.client._session
        if session is None:  # open() always leaves one
            raise LoginRequiredError
        return session

    @property
    def did(self) -> str:
        return self.session.did

    @property
    def handle(self) -> str:
        return self.session.handle

    def open(self) -> None:
        """Resume the saved session (no request), or log in."""
        if self._open:
            return
        if self._saved:
            self.client.login(session_string=self._saved, fetch_bsky_profile=False)
            self._open = True
            return
        self.login()

    def login(self) -> None:
        """createSession with the identifier and app password; AUTH when they are refused."""
        self.logins += 1
        try:
            self.client.login(self.identifier, self.password, fetch_bsky_profile=False)
        except Exception as exc:
            failure = login_failure(exc, handle=self.identifier, pds=self.pds_url)
            if failure.kind == ErrorKind.AUTH:  # the credentials are refused: forget the session
                _remember(self.fingerprint, None)
            raise failure from exc
        self._open = True

    def call(self, request: Callable[[Client], T], *, creating: bool = False) -> T:
        """Run `request` with the session; one fresh login when the session is refused.

        Failures come out as classified PublishErrors, raised from the SDK's exception.
        """
        logins_before = self.logins
        self.open()
        try:
            return request(self.client)
        except Exception as exc:
            refused = is_session_problem(exc) or isinstance(exc, LoginRequiredError)
            if not refused or self.logins > logins_before:  # a brand-new session: no retry
                raise classify(exc, pds=self.pds_url, creating=creating) from exc
        self.login()
        try:
            return request(self.client)
        except PublishError:
            raise
        except Exception as exc:
            raise classify(exc, pds=self.pds_url, creating=creating) from exc
