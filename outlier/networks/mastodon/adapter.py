"""The Mastodon network, through its client API (Mastodon.py over Outlier's safe HTTP client).

Config (settings, then credentials):

- `instance_url`: the server, "mastodon.social" or "https://mastodon.social" (a profile URL or
  "@alice@mastodon.social" works too; only the server is kept);
- `visibility`: "public" (default), "unlisted" or "private" (followers only);
- `access_token`: a user token with the scopes "read write" (from OAuth, see `oauth`, or
  pasted from the server's Preferences → Development);
- optionally `timeout`: seconds each request may wait for an answer (1 to 120, default 30);
- kept by the adapter itself through `config_changes()`: `instance` (the server's limits, see
  `instance`), `account` (the account's id and handle, and the token app's name, tied to a
  fingerprint of the token they were read with).

Publishing: each image, or the one video or audio file, is uploaded (POST /api/v2/media, its
alt text as `description`) and, when the server processes it in the background (202, no `url`
yet; always so for video and audio), polled (GET /api/v1/media/:id) until processed or
`MEDIA_WAIT` seconds have passed in all (then a transient error: the worker retries, and the
retry waits on the same upload); then POST /api/v1/statuses with the text
(the link appended, as the composer counted it), the media ids, the visibility,
`spoiler_text` (the content warning), `in_reply_to_id` and an Idempotency-Key derived from the
delivery's key. `remote_id` is the status id, `url` its web address.

A reply (`Content.reply_to`, a status id on the channel's server) that answers a status the
server no longer has fails PERMANENT with Mastodon's reason (404 "The post you are trying to
reply to does not appear to exist").

Liking and boosting (`Engaging`): POST /api/v1/statuses/:id/favourite and /reblog. Mastodon
makes both idempotent itself (a status favourited or boosted again stays one favourite, one
boost), so the action's key needs no header and a failure is never "unknown": trying again
cannot make a second one. `like` returns the status's id, `repost` the
boost's own status id. A status that is gone (404) or that the account may not boost (403
"This action is not allowed": a private or direct one) fails PERMANENT; a 403 about the
token's scopes stays AUTH.

People and listening streams (`people`): `followers` and `following` read the account's
lists (its id from verify_credentials, kept like the rest in `account`), page by page as the
Link header says; `search_posts` reads a "#tag"'s timeline, or searches statuses for other
words; `profile` reads one account by its URI, handle or id; `find_author` and
`author_posts` read an account's own statuses (no boosts, no replies to others).

How failures are classified: see `outcomes`. How `lookup` decides: see its docstring.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from outlier.networks.base import (
    AuthorRef,
    Content,
    Engagement,
    ErrorKind,
    Field,
    Found,
    InteractionPage,
    Lookup,
    PeoplePage,
    Person,
    PostPage,
    Problem,
    Published,
    PublishError,
    RateLimit,
    Rules,
    search_query,
    timeout_problems,
)
from outlier.networks.counting import postable_text
from outlier.networks.mastodon import instance as server
from outlier.networks.mastodon.interactions import TYPES, id_order, interactions, valid_cursor
from outlier.networks.mastodon.oauth import normalise_instance_url
from outlier.networks.rules import RULES

if TYPE_CHECKING:  # Mastodon.py (and requests) load on first use: importing the registry stays fast
    from mastodon import Mastodon

    from outlier.networks.mastodon.client import Recorder

__all__ = [
    "DEFAULT_TIMEOUT",
    "LOOKUP_SETTLE",
    "MEDIA_WAIT",
    "MastodonAdapter",
    "idempotency_header",
]

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0
MEDIA_WAIT = 60.0  # seconds an upload may take to be processed before the attempt gives up
MAX_PENDING_UPLOADS = 20  # uploads still processing, kept to wait on at the next attempt
INSTANCE_MAX_AGE = timedelta(hours=6)  # the server's limits are read again after this
LOOKUP_SETTLE = timedelta(minutes=5)  # before this, an attempt may still be being processed
LOOKUP_CLOCK_SKEW = timedelta(minutes=5)  # between Outlier's clock and the server's
LOOKUP_PAGES = 5  # of 40 statuses each
STATUSES_PER_REQUEST = 20  # GET /api/v1/statuses?id[]=...
VISIBILITIES = (
    ("public", "Public"),
    ("unlisted", "Quiet public (not in public timelines)"),
    ("private", "Followers only"),
)
_TOKEN_CHARS = frozenset(chr(code) for code in range(0x21, 0x7F))
_STATUS_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_ACCOUNT = re.compile(r"[0-9]{1,30}|@?[\w.-]{1,100}(?:@[\w-]+(?:\.[\w-]+)+)?")  # id, handle


@dataclass(frozen=True)
class _Upload:
    """One attachment to upload, whatever its kind, and how messages name it."""

    label: str  # "Image 2", "Video", "Audio file": the prefix of its errors
    called: str  # "image 2", "the video": in the middle of a sentence
    noun: str  # "image", "video", "audio file"
    data: bytes
    content_type: str
    description: str
    filename: str


def _uploads(content: Content) -> list[_Upload]:
    """The post's attachments in order: its images, or its one video or audio file."""
    found = [
        _Upload(f"Image {number}", f"image {number}", "image", image.data, image.content_type,
                image.alt, image.filename)
        for number, image in enumerate(content.images, 1)
    ]  # fmt: skip
    media = content.media
    if media is not None:
        noun = "video" if media.kind == "video" else "audio file"
        found.append(_Upload(noun.capitalize(), f"the {noun}", noun, media.data,
                             media.content_type, media.description, media.filename))  # fmt: skip
    return found


def _pending_key(idempotency_key: str, upload: _Upload) -> str:
    digest = hashlib.sha256(upload.data).hexdigest()
    return hashlib.sha256(f"{idempotency_key} {upload.label} {digest}".encode()).hexdigest()[:32]


def idempotency_header(idempotency_key: str) -> str:
    """The Idempotency-Key sent with a delivery's status: stable, header-safe, 40 characters."""
    return "outlier-" + hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


def _at_least(version: str, minimum: str) -> bool:
    def parts(value: str) -> tuple[int, ...]:
        return tuple(int(part) for part in value.split(".")[:3] if part.isdigit())

    return parts(version) >= parts(minimum)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _instant(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


class MastodonAdapter:
    """Publishes to, and listens on, one Mastodon account."""

    name: ClassVar[str] = "mastodon"
    label: ClassVar[str] = "Mastodon"
    rules: ClassVar[Rules] = RULES["mastodon"]
    fields: ClassVar[tuple[Field, ...]] = (
        Field("instance_url", "Server",
              help="Your Mastodon server's address, e.g. mastodon.social"),
        Field("access_token", "Access token", kind="password", secret=True,
              help="On your server: Preferences → Development → New application, with the "
                   "scopes read and write; copy “Your access token”"),
        Field("visibility", "Who sees the posts", kind="choice", default="public",
              choices=VISIBILITIES),
    )  # fmt: skip
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"delete", "engagement", "interactions", "followers", "reply", "like", "repost",
         "follower_list", "search", "author_feed"}
    )  # fmt: skip
    rate_limit: ClassVar[RateLimit | None] = None  # Mastodon's own headers are honoured

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self._changes: dict[str, Any] = {}
        self._client: Mastodon | None = None
        self._recorder: Recorder | None = None
        self._sleep: Callable[[float], None] = time.sleep

    def config_changes(self) -> dict[str, Any]:
        return dict(self._changes)

    def channel_rules(self) -> Rules:
        limits = self._kept("instance")
        if isinstance(limits, Mapping) and limits.get("url") == self.instance_url:
            return server.rules_from(limits)
        return self.rules

    # -- Settings --------------------------------------------------------------------------

    @property
    def instance_url(self) -> str:
        try:
            return normalise_instance_url(str(self.config.get("instance_url") or ""))
        except ValueError:
            return ""

    @property
    def access_token(self) -> str:
        value = self.config.get("access_token")
        return value.strip() if isinstance(value, str) else ""

    @property
    def visibility(self) -> str:
        value = self.config.get("visibility")
        return value if value in dict(VISIBILITIES) else "public"

    @property
    def timeout(self) -> float:
        try:
            seconds = float(self.config.get("timeout") or DEFAULT_TIMEOUT)
        except (TypeError, ValueError):
            return DEFAULT_TIMEOUT
        return seconds if 1 <= seconds <= 120 else DEFAULT_TIMEOUT

    @property
    def who(self) -> str:
        return f"The Mastodon server {urlsplit(self.instance_url).netloc or '(not set)'}"

    def _kept(self, key: str) -> Any:
        return self._changes[key] if key in self._changes else self.config.get(key)

    def check_config(self) -> list[Problem]:
        problems: list[Problem] = []
        try:
            normalise_instance_url(str(self.config.get("instance_url") or ""))
        except ValueError as exc:
            problems.append(Problem("instance_url", str(exc)))
        token = self.access_token
        if not token:
            problems.append(
                Problem("access_token", "Enter the access token, or sign in with Mastodon.")
            )
        elif len(token) > 2000 or not set(token) <= _TOKEN_CHARS:
            problems.append(
                Problem(
                    "access_token",
                    "This does not look like an access token: copy it again from the server "
                    "(letters, digits and punctuation, no spaces).",
                )
            )
        visibility = self.config.get("visibility")
        if visibility not in (None, "") and visibility not in dict(VISIBILITIES):
            problems.append(
                Problem("visibility", "Choose public, quiet public (unlisted) or followers only.")
            )
        problems.extend(timeout_problems(self.config, 120))
        return problems

    def _require_valid_config(self) -> None:
        problems = self.check_config()
        if problems:
            raise PublishError(
                "The Mastodon channel is not set up: " + " ".join(p.message for p in problems),
                ErrorKind.PERMANENT,
            )

    # -- Talking to the server -------------------------------------------------------------

    def _call(
        self,
        method: Callable[..., T],
        *args: Any,
        creating: bool = False,
        replying: bool = False,
        **kwargs: Any,
    ) -> T:
        """Call a Mastodon.py method; its failures come out as classified PublishErrors."""
        from outlier.networks.mastodon.outcomes import classify

        if self._recorder is not None:
            self._recorder.last = None
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            last = self._recorder.last if self._recorder is not None else None
            raise classify(exc, last, self.who, creating=creating, replying=replying) from exc

    def _missing(self) -> bool:
        """True when the last failed call was answered 404 or 410 (the thing is gone)."""
        last = self._recorder.last if self._recorder is not None else None
        return last is not None and last.status_code in (404, 410)

    def _make_client(self, version: str | None) -> Mastodon:
        from outlier.networks.mastodon.client import make_client

        client, recorder = make_client(
            self.instance_url, self.access_token, version=version, timeout=self.timeout
        )
        self._recorder = recorder
        return client

    def _instance(self, *, refresh: bool = False) -> dict[str, Any]:
        """The server's limits: kept ones while fresh, else read from /api/v2/instance."""
        kept = self._kept("instance")
        url = self.instance_url
        if not refresh and server.is_fresh(kept, url, INSTANCE_MAX_AGE):
            return dict(kept)
        reader = self._make_client(None)
        try:
            info = self._call(reader.instance_v2)
        except PublishError as exc:
            usable = isinstance(kept, Mapping) and kept.get("url") == url
            if usable and not refresh and exc.kind in (ErrorKind.TRANSIENT, ErrorKind.RATE_LIMITED):
                return dict(kept)  # stale limits beat no post; they are read again next time
            raise
        if not isinstance(info, Mapping):
            raise PublishError(
                f"{self.who} did not describe itself like a Mastodon server (GET /api/v2/instance).",
                ErrorKind.PERMANENT,
            )
        limits = server.limits_from(info, url)
        self._changes["instance"] = limits
        return limits

    def _api(self, *, refresh: bool = False) -> Mastodon:
        if self._client is None or refresh:
            limits = self._instance(refresh=refresh)
            self._client = self._make_client(str(limits.get("version") or server.MINIMUM_VERSION))
        return self._client

    def _account(self, api: Mastodon, *, fresh: bool = False) -> dict[str, Any]:
        """The account the token belongs to: id, handle (and, when read fresh, its counts)."""
        kept = self._kept("account")
        token = _fingerprint(self.access_token)
        if (
            not fresh
            and isinstance(kept, Mapping)
            and kept.get("token") == token
            and kept.get("id")
        ):
            return dict(kept)
        me = self._call(api.account_verify_credentials)
        account = {
            "id": str(me.get("id") or ""),
            "acct": str(me.get("acct") or me.get("username") or ""),
            "url": str(me.get("url") or ""),
            "token": token,
        }
        if isinstance(kept, Mapping) and kept.get("token") == token and "app" in kept:
            account["app"] = kept["app"]
        if not account["id"]:
            raise PublishError(
                f"{self.who} did not say which account the token belongs to.", ErrorKind.PERMANENT
            )
        self._changes["account"] = account
        return {**account, "followers_count": _count(me.get("followers_count"))}

    def _app_name(self, api: Mastodon, account: dict[str, Any]) -> str | None:
        """The name of the app the token was issued to, as statuses show it; None if unknown."""
        if isinstance(account.get("app"), str):
            return str(account["app"]) or None
        try:
            app = self._call(api.app_verify_credentials)
        except PublishError as exc:
            if exc.kind is ErrorKind.AUTH:
                raise
            return None
        name = app.get("name") if isinstance(app, Mapping) else None
        account["app"] = name if isinstance(name, str) else ""
        self._changes["account"] = {k: v for k, v in account.items() if k != "followers_count"}
        return account["app"] or None

    # -- Adapter ---------------------------------------------------------------------------

    def test(self) -> None:
        """Read the server's limits and check the token (and whose account it opens)."""
        self._require_valid_config()
        api = self._api(refresh=True)
        account = self._account(api, fresh=True)
        self._app_name(api, account)

    def publish(self, content: Content, idempotency_key: str) -> Published:
        self._require_valid_config()
        if not idempotency_key:
            raise PublishError("The delivery has no idempotency key.", ErrorKind.PERMANENT)
        api = self._api()
        limits = self._kept("instance") or {}
        notes: list[str] = []
        deadline = time.monotonic() + MEDIA_WAIT
        uploads = _uploads(content)
        media_ids = [
            self._upload(api, upload, idempotency_key, limits, deadline, notes)
            for upload in uploads
        ]
        text = postable_text(content, self.channel_rules())
        status = self._call(
            api.status_post,
            text,
            in_reply_to_id=content.reply_to.strip() or None,
            media_ids=media_ids or None,
            visibility=self.visibility,
            spoiler_text=content.content_warning.strip() or None,
            idempotency_key=idempotency_header(idempotency_key),
            creating=True,
            replying=bool(content.reply_to.strip()),
        )
        remote_id = str(status.get("id") or "") if isinstance(status, Mapping) else ""
        if not remote_id:
            raise PublishError(
                f"{self.who} accepted the post but did not say which status it created.",
                ErrorKind.TRANSIENT,
                unknown_outcome=True,
            )
        self._forget_pending(_pending_key(idempotency_key, u) for u in uploads)
        url = str(status.get("url") or status.get("uri") or "")
        return Published(remote_id=remote_id, url=url, note=" ".join(notes))

    def _upload(
        self,
        api: Mastodon,
        upload: _Upload,
        idempotency_key: str,
        limits: Mapping[str, Any],
        deadline: float,
        notes: list[str],
    ) -> str:
        """Upload one attachment (an image, the video or the audio file) and wait until the
        server has processed it; its media id.

        An attachment still processing when the wait ends is remembered (its media id, under
        a key made of the delivery's key and the file's digest, in `config_changes()`): the
        retry waits on it again rather than uploading it anew, so a video that takes minutes
        to transcode goes out after a few attempts instead of never.
        """
        limit = limits.get("description_limit")
        if not isinstance(limit, int) or limit < 1:
            limit = server.DEFAULT_DESCRIPTION_LIMIT
        description = upload.description.strip()
        if len(description) > limit:
            description = description[: limit - 1].rstrip() + "…"
            notes.append(f"The description of {upload.called} was shortened to {limit} characters.")
        pending_key = _pending_key(idempotency_key, upload)
        try:
            attachment = self._pending(api, pending_key)
            if attachment is None:
                attachment = self._call(
                    api.media_post,
                    upload.data,
                    mime_type=upload.content_type,
                    description=description or None,
                    file_name=upload.filename or None,
                )
            media_id = str(attachment.get("id") or "")
            delay = 0.25
            while attachment.get("url") is None:
                if time.monotonic() + delay > deadline:
                    if media_id:
                        self._remember_pending(pending_key, media_id)
                    raise PublishError(
                        f"{self.who} was still processing the {upload.noun} after "
                        f"{MEDIA_WAIT:g} seconds; trying again later.",
                        ErrorKind.TRANSIENT,
                    )
                self._sleep(delay)
                delay = min(delay * 2, 5.0)
                attachment = self._call(api.media, media_id)
        except PublishError as exc:
            raise PublishError(
                f"{upload.label}: {exc}", exc.kind, retry_after=exc.retry_after
            ) from exc
        if not media_id:
            raise PublishError(
                f"{upload.label}: {self.who} did not say which attachment it created.",
                ErrorKind.TRANSIENT,
            )
        return media_id

    def _pending(self, api: Mastodon, key: str) -> Mapping[str, Any] | None:
        """The attachment an earlier attempt uploaded and left processing, read again; None
        when there is none (or the server no longer has it: then it is uploaded anew)."""
        pending = self._kept("media_pending")
        media_id = pending.get(key) if isinstance(pending, Mapping) else None
        if not isinstance(media_id, str) or not media_id:
            return None
        try:
            attachment = self._call(api.media, media_id)
        except PublishError:
            if self._missing():
                self._forget_pending([key])
                return None
            raise
        return attachment if isinstance(attachment, Mapping) else None

    def _remember_pending(self, key: str, media_id: str) -> None:
        pending = self._kept("media_pending")
        kept = dict(pending) if isinstance(pending, Mapping) else {}
        kept.pop(key, None)
        kept[key] = media_id
        # The newest few: an upload nobody retries is dropped by the server within a day.
        self._changes["media_pending"] = dict(list(kept.items())[-MAX_PENDING_UPLOADS:])

    def _forget_pending(self, keys: Iterable[str]) -> None:
        pending = self._kept("media_pending")
        if not isinstance(pending, Mapping):
            return
        gone = set(keys)
        left = {k: v for k, v in pending.items() if k not in gone}
        if len(left) != len(pending):
            self._changes["media_pending"] = left

    def lookup(self, idempotency_key: str, since: datetime) -> Lookup:
        """Did the delivery's status arrive? NO or CANNOT_TELL; never YES.

        Mastodon keeps an Idempotency-Key for about an hour, but the only way to ask about a
        key is to POST the status again, which publishes it if it had not arrived: that is a
        retry, not a lookup. Nothing Outlier can read names the key (and a marker in the text
        would change the post), and matching statuses by time cannot tell this delivery from
        another one to the same account, so a status that may be ours is never claimed.

        What can be said soundly is the negative: when the account has published no status
        through the token's app (the `application` Mastodon shows on one's own statuses) since
        the attempt began (minus a margin for clock skew), and enough time has passed for an
        attempt still in flight to have finished, the status did not arrive: NO. Anything
        else is CANNOT_TELL. A NO within the hour is doubly safe: the new attempt carries
        the same Idempotency-Key, so the server answers with the existing status rather than
        a second one, were there one after all.
        """
        self._require_valid_config()
        now = datetime.now(UTC)
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
        if now < since + LOOKUP_SETTLE:
            return Lookup(Found.CANNOT_TELL)
        api = self._api()
        account = self._account(api)
        app = self._app_name(api, account)
        threshold = since - LOOKUP_CLOCK_SKEW
        max_id: str | None = None
        for _ in range(LOOKUP_PAGES):
            page = self._call(
                api.account_statuses, account["id"], exclude_reblogs=True, max_id=max_id, limit=40
            )
            if not page:
                return Lookup(Found.NO)
            for status in page:
                created = _instant(status.get("created_at"))
                if created is not None and created < threshold:
                    return Lookup(Found.NO)
                application = status.get("application")
                name = application.get("name") if isinstance(application, Mapping) else None
                if app is None or name is None or name == app:
                    return Lookup(Found.CANNOT_TELL)  # it may be this delivery's status
            max_id = str(page[-1].get("id"))
        return Lookup(Found.CANNOT_TELL)  # too many statuses since: not worth reading on

    # -- Engaging --------------------------------------------------------------------------

    def like(self, ref: str, key: str) -> str:
        """Favourite the status `ref` (its id on this server); the status's id."""
        status = self._engage("status_favourite", ref, "like")
        return str(status.get("id") or ref.strip())

    def repost(self, ref: str, key: str) -> str:
        """Boost the status `ref` (its id on this server); the boost's status id."""
        status = self._engage("status_reblog", ref, "boost")
        boost = str(status.get("id") or "")
        if not boost:
            raise PublishError(f"{self.who} boosted the post but did not say as which status.",
                               ErrorKind.TRANSIENT)  # fmt: skip
        return boost

    def _engage(self, method: str, ref: str, verb: str) -> Mapping[str, Any]:
        from outlier.networks.mastodon.outcomes import error_text

        self._require_valid_config()
        status_id = ref.strip()
        if not _STATUS_ID.fullmatch(status_id):
            raise PublishError(f"“{ref}” is not the id of a status on {self.instance_url}.",
                               ErrorKind.PERMANENT)  # fmt: skip
        api = self._api()
        try:
            status = self._call(getattr(api, method), status_id)
        except PublishError as exc:
            last = self._recorder.last if self._recorder is not None else None
            said = error_text(last)
            words = f" (Mastodon said: “{said}”)" if said else ""
            if self._missing():
                raise PublishError(
                    f"{self.who} no longer has the post to {verb} ({status_id}){words}: it was "
                    "deleted or is not visible to this account.",
                    ErrorKind.PERMANENT,
                ) from exc
            if last is not None and last.status_code == 403 and "scope" not in said.lower():
                raise PublishError(f"{self.who} does not let this account {verb} that post"
                                   f"{words}.", ErrorKind.PERMANENT) from exc  # fmt: skip
            raise
        if not isinstance(status, Mapping):
            raise PublishError(f"{self.who} did not answer with the status.", ErrorKind.TRANSIENT)
        return status

    # -- Listening -------------------------------------------------------------------------

    def delete(self, remote_id: str) -> None:
        self._require_valid_config()
        api = self._api()
        try:
            self._call(api.status_delete, remote_id)
        except PublishError:
            if self._missing():
                return  # already gone
            raise

    def engagement(self, remote_ids: Sequence[str]) -> dict[str, Engagement]:
        self._require_valid_config()
        wanted = list(dict.fromkeys(str(i).strip() for i in remote_ids if str(i).strip()))
        if not wanted:
            return {}
        api = self._api()
        version = str((self._kept("instance") or {}).get("version") or server.MINIMUM_VERSION)
        statuses: list[Mapping[str, Any]] = []
        if _at_least(version, "4.3.0"):
            for chunk in _chunks(wanted, STATUSES_PER_REQUEST):
                statuses.extend(self._call(api.statuses, list(chunk)))
        else:
            for remote_id in wanted:
                try:
                    statuses.append(self._call(api.status, remote_id))
                except PublishError:
                    if not self._missing():
                        raise
        found: dict[str, Engagement] = {}
        for status in statuses:
            remote_id = str(status.get("id") or "")
            if remote_id in wanted:
                found[remote_id] = Engagement(
                    likes=_count(status.get("favourites_count")),
                    reposts=_count(status.get("reblogs_count")),
                    replies=_count(status.get("replies_count")),
                    quotes=_count(status.get("quotes_count")),
                )
        return found

    def interactions(self, cursor: str = "") -> InteractionPage:
        self._require_valid_config()
        api = self._api()
        account = self._account(api)
        domain = self._domain
        query: dict[str, Any] = {"types": TYPES, "limit": 40}
        if valid_cursor(cursor):
            query.update(min_id=cursor, limit=80)
        page = self._call(api.notifications, **query)
        ids = [str(n.get("id")) for n in page if n.get("id") is not None]
        newest = max(ids, key=id_order) if ids else (cursor if valid_cursor(cursor) else "")
        return InteractionPage(items=interactions(page, account["id"], domain), cursor=newest)

    def follower_count(self) -> int:
        self._require_valid_config()
        api = self._api()
        return int(self._account(api, fresh=True)["followers_count"])

    # -- People and listening streams (see `people`) ---------------------------------------

    @property
    def _domain(self) -> str:
        return str(
            (self._kept("instance") or {}).get("domain") or urlsplit(self.instance_url).hostname
        )

    def _last(self) -> Any:
        return self._recorder.last if self._recorder is not None else None

    def followers(self, cursor: str = "") -> PeoplePage:
        """One page of the accounts that follow this one, newest follow first."""
        return self._people("account_followers", cursor, "the followers")

    def following(self, cursor: str = "") -> PeoplePage:
        """One page of the accounts this one follows, newest follow first."""
        return self._people("account_following", cursor, "the accounts followed")

    def _people(self, method: str, cursor: str, what: str) -> PeoplePage:
        from outlier.networks.mastodon import people

        self._require_valid_config()
        max_id = people.check_cursor(cursor, what)
        api = self._api()
        account = self._account(api)
        page = self._call(getattr(api, method), account["id"], max_id=max_id,
                          limit=people.FOLLOWS_PAGE)  # fmt: skip
        return people.people_page(page, self._last(), self._domain)

    def search_posts(self, query: str, cursor: str = "") -> PostPage:
        """A "#tag": the hashtag's timeline; other words: a search of statuses."""
        from outlier.networks.mastodon import people

        text = search_query(query)
        tag = people.hashtag(text) if text.startswith("#") else ""
        self._require_valid_config()
        max_id = people.check_cursor(cursor, f"the posts for “{text}”")
        api = self._api()
        limit = people.STATUSES_PAGE
        if tag:
            page = self._call(api.timeline_hashtag, tag, max_id=max_id, limit=limit)
            return people.post_page(page, people.next_max_id(self._last()), self._domain)
        found = self._call(api.search_v2, text, resolve=False, result_type="statuses",
                           max_id=max_id, limit=limit)  # fmt: skip
        statuses = found.get("statuses") if isinstance(found, Mapping) else None
        statuses = statuses if isinstance(statuses, list) else []
        ids = [str(s.get("id")) for s in statuses if isinstance(s, Mapping) and s.get("id")]
        more = min(ids, key=id_order) if len(statuses) >= limit and ids else ""
        return people.post_page(statuses, more, self._domain)

    def find_author(self, handle: str) -> AuthorRef:
        """The account behind "@user@server" (or "user" on the channel's server): looked up by
        the server (/api/v1/accounts/lookup); an account of another server it does not know
        yet is resolved by a search (/api/v2/search, resolve) before it is refused."""
        from outlier.networks.mastodon import people

        self._require_valid_config()
        acct = people.check_handle(handle)
        api = self._api()
        account: Any = None
        try:
            account = self._call(api.account_lookup, acct)
        except PublishError:
            if not self._missing():
                raise
        if not isinstance(account, Mapping) and "@" in acct:
            found = self._call(api.search_v2, f"@{acct}", resolve=True, result_type="accounts")
            accounts = found.get("accounts") if isinstance(found, Mapping) else None
            account = next((a for a in accounts or [] if isinstance(a, Mapping)
                            and str(a.get("acct") or "").lower() == acct.lower()), None)  # fmt: skip
        if not isinstance(account, Mapping) or not account.get("id"):
            raise PublishError(f"{self.who} knows no account @{acct}.", ErrorKind.PERMANENT)
        return AuthorRef(str(account["id"]), people.person(account, self._domain))

    def author_posts(self, ref: str, cursor: str = "") -> PostPage:
        """The account's own statuses, newest first, without boosts and replies to others
        (/api/v1/accounts/:id/statuses), paged by the Link header."""
        from outlier.networks.mastodon import people

        self._require_valid_config()
        if not ref.isdigit() or len(ref) > 30:
            raise PublishError(f"“{ref[:40]}” is not a Mastodon account's id.", ErrorKind.PERMANENT)
        max_id = people.check_cursor(cursor, "the account's posts")
        api = self._api()
        page = self._call(api.account_statuses, ref, exclude_reblogs=True, exclude_replies=True,
                          max_id=max_id, limit=people.STATUSES_PAGE)  # fmt: skip
        return people.post_page(page, people.next_max_id(self._last()), self._domain)

    def profile(self, remote_id: str) -> Person:
        """One account by its URI (resolved by the server), handle or id on the server."""
        from outlier.networks.mastodon import people

        self._require_valid_config()
        wanted = remote_id.strip()
        by_uri = wanted.lower().startswith(("https://", "http://"))
        if not by_uri and not _ACCOUNT.fullmatch(wanted):
            raise PublishError(f"“{remote_id}” is not a Mastodon account's address, handle or "
                               "id.", ErrorKind.PERMANENT)  # fmt: skip
        api = self._api()
        account: Any = None
        try:
            if by_uri:
                found = self._call(api.search_v2, wanted, resolve=True, result_type="accounts")
                accounts = found.get("accounts") if isinstance(found, Mapping) else None
                account = next((a for a in accounts or [] if isinstance(a, Mapping)
                                and wanted in (a.get("uri"), a.get("url"))), None)  # fmt: skip
            elif wanted.isdigit():
                account = self._call(api.account, wanted)
            else:
                account = self._call(api.account_lookup, wanted.lstrip("@"))
        except PublishError:
            if not self._missing():
                raise
        if not isinstance(account, Mapping) or not account.get("id"):
            raise PublishError(f"{self.who} knows no account {wanted}.", ErrorKind.PERMANENT)
        return people.person(account, self._domain)
