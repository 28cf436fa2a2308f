"""Interactions without an AppView: read back from the PDS's own repository event stream.

A PDS alone answers no app.bsky.* query (no notifications, no counts), but it publishes
every change to the repositories it hosts on com.atproto.sync.subscribeRepos, a WebSocket
of numbered events that can be replayed from a sequence number. `pull` is a bounded,
pull-style reader of it:

- it connects with `cursor=<last sequence number seen>` (0 the first time: the whole
  backlog the PDS keeps, 24 hours by default), reads events until none came for `idle`
  seconds (it has caught up), `deadline` seconds passed, or `max_events` events were read,
  then disconnects and returns what it found, oldest first, with the cursor
  "stream:<sequence number of the last event read>" for the next call; nothing is kept
  between calls but that cursor;
- in each commit it reads the records created (their blocks travel with the event): a like
  or repost of one of the account's posts, a follow of the account, a post that replies to
  one of its posts, quotes one, or mentions the account (a facet naming its DID);
- authors are named by the handle of their #identity event when one came in the same
  window, else by asking the PDS (`describe`: describeRepo for the handle, and the avatar of
  their profile record where they set one);
- a reply, mention or quote carries what answering it needs: its own URI (reply_ref), its
  thread's root (reply.root.uri) and its first `langs` tag;
- when the PDS says the cursor is in the future (its event log started again: a new PDS
  at the same address), it starts from 0 once.

What it cannot see: anything done by accounts on other PDSes (their events are on their own
PDS's stream, and a relay's stream carries the whole network, too much to read in a bounded
pull). So without an AppView, interactions cover the accounts that share the PDS.

The WebSocket goes where the PDS URL says, so the connection is vetted like safe_http's:
the host is resolved once, the connection refused when any address is not public (unless
settings.ALLOWED_PRIVATE_NETWORKS lets it through), and made to a vetted address; the
socket is handed to the WebSocket client, which then follows no redirect and uses no proxy.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from atproto_core.car import CAR
from atproto_core.cid import CID
from atproto_core.exceptions import AtProtocolError
from atproto_subscription.frames import ErrorFrame, Frame, MessageFrame
from django.conf import settings
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

import outlier
from outlier.core.safe_http import (
    ConnectError,
    FetchTimeout,
    ForbiddenAddress,
    InvalidURL,
    ResolveError,
    is_forbidden_address,
)
from outlier.networks.base import (
    ErrorKind,
    Interaction,
    InteractionKind,
    InteractionPage,
    PublishError,
)
from outlier.networks.bluesky.notifications import language, thread_root
from outlier.networks.bluesky.records import post_url, profile_url

__all__ = ["PREFIX", "Author", "StreamLimits", "parse_cursor", "pull", "vetted_socket"]

PREFIX = "stream:"
MAX_FRAME_BYTES = 8 * 1024 * 1024
_POST = "app.bsky.feed.post"
_SUBJECTS = {
    "app.bsky.feed.like": InteractionKind.LIKE,
    "app.bsky.feed.repost": InteractionKind.REPOST,
}


@dataclass(frozen=True)
class Author:
    """Who did it, as the PDS describes them."""

    handle: str
    avatar: str = ""  # the picture of their profile record, "" when they set none


@dataclass(frozen=True)
class StreamLimits:
    deadline: float = 10.0  # seconds for the whole pull
    idle: float = 1.0  # seconds without an event: caught up
    max_events: int = 5000
    connect_timeout: float = 5.0


def parse_cursor(cursor: str) -> int | None:
    """The sequence number in a "stream:<n>" cursor; None for any other cursor."""
    if not cursor.startswith(PREFIX):
        return None
    value = cursor[len(PREFIX) :]
    return int(value) if value.isdigit() else None


# -- The connection --------------------------------------------------------------------------


def _addresses(
    host: str, port: int, timeout: float
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    found: list[Any] = []
    failures: list[Exception] = []

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            failures.append(exc)

    thread = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise FetchTimeout(f"Could not resolve host {host} within {timeout:g} seconds")
    addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if address not in addresses:
            addresses.append(address)
    if failures or not addresses:
        raise ResolveError(f"Could not resolve host {host}")
    return addresses


def vetted_socket(url: str, timeout: float) -> socket.socket:
    """A TCP connection to the host of `url`, made only to addresses safe_http would allow."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https", "ws", "wss") or not host or "@" in parts.netloc:
        raise InvalidURL(f"Cannot connect to {url}: it is not an http(s) URL with a host")
    try:
        port = parts.port or (443 if parts.scheme in ("https", "wss") else 80)
    except ValueError as exc:
        raise InvalidURL(f"Cannot connect to {url}: its port is not valid") from exc
    addresses = _addresses(host, port, timeout)
    for address in addresses:  # one forbidden address refuses the host, as safe_http does
        reason = is_forbidden_address(address)
        if reason is not None:
            raise ForbiddenAddress(
                f"Refused to connect to {host}: it resolves to {address}, which is {reason}"
            )
    failure: OSError | None = None
    for address in addresses:
        mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
        try:
            return socket.create_connection((str(mapped or address), port), timeout=timeout)
        except OSError as exc:
            failure = exc
    why = failure.strerror if failure is not None and failure.strerror else "no address answered"
    raise ConnectError(f"Could not connect to {host}:{port} ({why.lower()})") from failure


@contextlib.contextmanager
def _open(pds_url: str, cursor: int, timeout: float) -> Iterator[ClientConnection]:
    parts = urlsplit(pds_url)
    secure = parts.scheme == "https"
    path = parts.path.rstrip("/") + "/xrpc/com.atproto.sync.subscribeRepos"
    uri = urlunsplit(
        ("wss" if secure else "ws", parts.netloc, path, urlencode({"cursor": cursor}), "")
    )
    sock = vetted_socket(pds_url, timeout)
    try:
        connection = connect(
            uri,
            sock=sock,
            ssl=ssl.create_default_context() if secure else None,
            server_hostname=parts.hostname if secure else None,
            proxy=None,
            open_timeout=timeout,
            max_size=MAX_FRAME_BYTES,
            compression=None,
            user_agent_header=f"Outlier/{outlier.__version__} (+{settings.BASE_URL})",
        )
    except BaseException:
        sock.close()
        raise
    with connection:
        yield connection


# -- Reading events ----------------------------------------------------------------------------


@dataclass
class _Reader:
    did: str
    handle: str
    describe: Callable[[str], Author | None]
    handles: dict[str, str] = field(default_factory=dict)  # from #identity events
    authors: dict[str, Author] = field(default_factory=dict)
    items: list[tuple[Interaction, str]] = field(default_factory=list)  # (item, author DID)
    last_seq: int | None = None

    def commit(self, body: dict[str, Any]) -> None:
        repo = body.get("repo")
        ops = body.get("ops") or []
        if not isinstance(repo, str) or repo == self.did or not ops:
            return
        blocks: dict[CID, Any] = {}
        raw_blocks = body.get("blocks")
        if isinstance(raw_blocks, bytes) and raw_blocks:
            try:
                blocks = CAR.from_bytes(raw_blocks).blocks
            except (AtProtocolError, ValueError):
                return
        for op in ops:
            if not isinstance(op, dict) or op.get("action") != "create" or not op.get("cid"):
                continue
            path = str(op.get("path") or "")
            raw_cid = op["cid"]
            try:
                cid = raw_cid if isinstance(raw_cid, CID) else CID.decode(raw_cid)
            except (AtProtocolError, ValueError, TypeError):
                continue
            record = blocks.get(cid)
            if isinstance(record, dict):
                self.record(repo, path, record, str(body.get("time") or ""))

    def record(self, repo: str, path: str, record: dict[str, Any], when: str) -> None:
        collection, _, rkey = path.partition("/")
        uri = f"at://{repo}/{path}"
        ours = f"at://{self.did}/"
        created = _instant(record.get("createdAt")) or _instant(when) or datetime.now(UTC)
        kind: InteractionKind | None = None
        subject = text = url = lang = reply_ref = root = ""
        if collection in _SUBJECTS:
            target = _get(record, "subject", "uri")
            if isinstance(target, str) and target.startswith(ours):
                kind, subject = _SUBJECTS[collection], target
                url = post_url(self.handle, target.rsplit("/", 1)[-1])
        elif collection == "app.bsky.graph.follow":
            if record.get("subject") == self.did:
                kind = InteractionKind.FOLLOW
        elif collection == _POST:
            kind, subject = _post_kind(record, self.did)
            text = str(record.get("text") or "")
            lang, reply_ref, root = language(record), uri, thread_root(record)
        if kind is None:
            return
        item = Interaction(
            kind=kind,
            remote_id=uri,
            author_id=repo,
            author_handle="",
            created_at=created,
            text=text,
            url=url,
            subject_id=subject,
            language=lang,
            reply_ref=reply_ref,
            thread_root=root,
        )
        self.items.append((item, rkey))

    def finish(self) -> list[Interaction]:
        named: list[Interaction] = []
        for item, rkey in self.items:
            author = self._author(item.author_id)
            handle = author.handle
            url = item.url
            if item.kind == InteractionKind.FOLLOW:
                url = profile_url(handle)
            elif not url:
                url = post_url(handle, rkey)
            named.append(
                replace(
                    item,
                    author_handle=handle,
                    author_url=profile_url(handle),
                    author_avatar=author.avatar,
                    url=url,
                )
            )
        return named

    def _author(self, did: str) -> Author:
        """The author once per pull: the handle of an #identity event in this window goes
        before what the PDS describes (it is newer)."""
        if did not in self.authors:
            described = self.describe(did)
            handle = self.handles.get(did) or (described.handle if described else "") or did
            self.authors[did] = Author(handle, described.avatar if described else "")
        return self.authors[did]


def _get(record: dict[str, Any], *keys: str) -> Any:
    value: Any = record
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _post_kind(record: dict[str, Any], did: str) -> tuple[InteractionKind | None, str]:
    ours = f"at://{did}/"
    parent = _get(record, "reply", "parent", "uri")
    if isinstance(parent, str) and parent.startswith(ours):
        return InteractionKind.REPLY, parent
    embed = record.get("embed")
    quoted = None
    if isinstance(embed, dict):
        if embed.get("$type") == "app.bsky.embed.record":
            quoted = _get(embed, "record", "uri")
        elif embed.get("$type") == "app.bsky.embed.recordWithMedia":
            quoted = _get(embed, "record", "record", "uri")
    if isinstance(quoted, str) and quoted.startswith(ours):
        return InteractionKind.QUOTE, quoted
    for facet in record.get("facets") or []:
        for feature in _get(facet, "features") or []:
            if (
                isinstance(feature, dict)
                and feature.get("did") == did
                and str(feature.get("$type", "")).endswith("#mention")
            ):
                return InteractionKind.MENTION, ""
    return None, ""


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class _FutureCursor(Exception):
    pass


def _read(connection: ClientConnection, reader: _Reader, limits: StreamLimits, until: float) -> int:
    """Read events into `reader` until idle, the deadline or the event budget; how many."""
    count = 0
    while count < limits.max_events:
        left = until - time.monotonic()
        if left <= 0:
            break
        try:
            data = connection.recv(timeout=min(limits.idle, left))
        except TimeoutError:
            break
        if isinstance(data, str):
            continue
        try:
            frame = Frame.from_bytes(data)
        except AtProtocolError:
            continue
        if isinstance(frame, ErrorFrame):
            if frame.body.error == "FutureCursor":
                raise _FutureCursor
            said = ": ".join(part for part in (frame.body.error, frame.body.message) if part)
            raise PublishError(
                f"The PDS's event stream refused Outlier ({said}).", ErrorKind.TRANSIENT
            )
        if not isinstance(frame, MessageFrame):
            continue
        count += 1
        body = frame.body
        seq = body.get("seq")
        if isinstance(seq, int):
            reader.last_seq = seq
        if frame.type == "#commit":
            reader.commit(body)
        elif frame.type == "#identity" and isinstance(body.get("handle"), str):
            reader.handles[str(body.get("did"))] = body["handle"]
    return count


def pull(
    pds_url: str,
    *,
    did: str,
    handle: str,
    cursor: str,
    describe: Callable[[str], Author | None],
    limits: StreamLimits | None = None,
) -> InteractionPage:
    """Interactions with the account since `cursor`, from the PDS's event stream."""
    limits = limits or StreamLimits()
    start = parse_cursor(cursor) or 0
    until = time.monotonic() + limits.deadline
    reader = _Reader(did=did, handle=handle, describe=describe)
    try:
        try:
            with _open(pds_url, start, limits.connect_timeout) as connection:
                _read(connection, reader, limits, until)
        except _FutureCursor:
            start = 0
            with _open(pds_url, 0, limits.connect_timeout) as connection:
                _read(connection, reader, limits, until)
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise PublishError(
            f"The PDS at {pds_url} has no event stream Outlier can read "
            f"(subscribeRepos answered {status}).",
            ErrorKind.TRANSIENT if status >= 500 else ErrorKind.PERMANENT,
        ) from exc
    except (WebSocketException, OSError, TimeoutError) as exc:
        if not reader.items and reader.last_seq is None:
            raise PublishError(
                f"The event stream of the PDS at {pds_url} broke off: {exc}.", ErrorKind.TRANSIENT
            ) from exc
    seq = reader.last_seq if reader.last_seq is not None else start
    return InteractionPage(items=tuple(reader.finish()), cursor=f"{PREFIX}{seq}")
