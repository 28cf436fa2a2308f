"""The Bluesky network: posts written to the account's repository on its PDS.

Config (settings, then credentials):

- `handle`: the account's handle (alice.bsky.social), or its DID or sign-in e-mail address;
- `pds_url`: the server hosting the account, https://bsky.social unless self-hosted; after
  login the SDK moves to the PDS the account's DID document names (bsky.social hands each
  account to its own host). Every request goes through safe_http (see `transport`);
- `appview`: "pds" (default) when the PDS forwards app.bsky.* queries to an AppView, as
  bsky.social and a PDS installed with defaults do; "none" for a PDS that stands alone
  (then interactions come from its event stream, see `stream`, and there are no counts);
- `appview_url`: optional, an AppView to read counts, notifications and followers from
  directly instead of through the PDS (see `appview`); checked like `pds_url`;
- `app_password` (secret): an app password, never the account's main password;
- `session`, `session_for` (secret, written by the adapter): the saved session, see
  `session`.

Publishing: the text gets its facets (links, mentions resolved to DIDs, hashtags; byte
ranges in UTF-8), up to 4 images (uploaded as blobs, with alt text and aspect ratio) or else
a link card for `Content.link` (title, description, the link image as thumbnail). With
images, the link is added to the text instead. A text longer than a post (300 graphemes,
3,000 bytes), or with lines holding only "---", becomes a thread of up to `MAX_THREAD` posts,
cut by `outlier.networks.threads` as the composer showed it (at the markers, then paragraph,
sentence or word boundaries, never inside a facet); the images or the card go on the first
post. Every post carries `langs` from `Content.language` when it is a valid BCP-47 tag.
`Content.reply_to` (an at:// URI) makes the post (the first one of a thread) a reply: the
parent is the post replied to (its uri and cid, read from its repository), the root the
parent's own root when the parent is itself a reply, else the parent. A reply to a post that
is gone fails PERMANENT, saying so.

Liking and reposting (`Engaging`): an app.bsky.feed.like or app.bsky.feed.repost record in
the account's repository whose subject is the post (uri and the cid read from its
repository), under a record key derived from the action's key like a post's (see `rkeys`):
a retry finds the record it made instead of making a second like. Both return the record's
at:// URI (what undoing it deletes).

People and listening streams (`people`): `followers` and `following` (getFollowers,
getFollows), `profile` (getProfile), `search_posts` (searchPosts), `feed_posts` (a list's
getListFeed or a feed generator's getFeed), `find_author` and `author_posts` (an account's own
posts, see `authors`) read the AppView the way counts are read (a search
to a directly named AppView carries a token the PDS signed for it); without an AppView they
fail PERMANENT, saying why.

Record keys come from the idempotency key (see `rkeys`), so a retry of the same delivery
finds its post instead of making a second one, and `lookup` reads the key back. A thread
that broke off half-way is completed by sending the delivery again: the posts already there
are kept, the missing ones added. `lookup` answers from the first post only.

Published.remote_id is the first post's at:// URI, url its https://bsky.app address.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from atproto_client import Client, models
from atproto_client.exceptions import RequestErrorBase
from atproto_client.models.blob_ref import BlobRef
from atproto_client.models.utils import get_response_model
from atproto_core.uri import AtUri

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
)
from outlier.networks.bluesky import authors, notifications, people, records, stream
from outlier.networks.bluesky.appview import TOKEN_SECONDS, AppView, check_address
from outlier.networks.bluesky.outcomes import classify, is_no_appview, is_not_found, xrpc_error
from outlier.networks.bluesky.rkeys import is_tid, part_rkey, root_rkey
from outlier.networks.bluesky.session import Connection
from outlier.networks.rules import RULES
from outlier.networks.threads import ThreadError, split

__all__ = ["DEFAULT_PDS", "MAX_THREAD", "BlueskyAdapter"]

DEFAULT_PDS = "https://bsky.social"
POST = "app.bsky.feed.post"
LIKE = "app.bsky.feed.like"
REPOST = "app.bsky.feed.repost"
LIST_NOTIFICATIONS = "app.bsky.notification.listNotifications"
SEARCH_POSTS = "app.bsky.feed.searchPosts"
MAX_THREAD = RULES["bluesky"].max_thread_parts  # posts in one thread (7,500 graphemes)
ENGAGEMENT_BATCH = 25  # app.bsky.feed.getPosts takes up to 25 URIs
DEADLINE = 30.0  # seconds for one request, an image upload included
APPVIEW_CHOICES = (
    ("pds", "Through the PDS (bsky.social and most servers)"),
    ("none", "None: the PDS stands alone"),
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _get_posts(params: models.AppBskyFeedGetPosts.Params) -> Any:
    return lambda client: client.app.bsky.feed.get_posts(params)


def _delete_record(data: models.ComAtprotoRepoDeleteRecord.Data) -> Any:
    return lambda client: client.com.atproto.repo.delete_record(data)


def _strong(uri: str, cid: str) -> models.ComAtprotoRepoStrongRef.Main:
    return models.ComAtprotoRepoStrongRef.Main(uri=uri, cid=cid)


def _thread_root(value: Any) -> models.ComAtprotoRepoStrongRef.Main | None:
    """The root of the thread a post (a typed record or a plain dict) replies in, if any."""
    reply = value.get("reply") if isinstance(value, dict) else getattr(value, "reply", None)
    root = reply.get("root") if isinstance(reply, dict) else getattr(reply, "root", None)
    if isinstance(root, dict):
        uri, cid = root.get("uri"), root.get("cid")
    else:
        uri, cid = getattr(root, "uri", None), getattr(root, "cid", None)
    if isinstance(uri, str) and uri and isinstance(cid, str) and cid:
        return _strong(uri, cid)
    return None


class BlueskyAdapter:
    """Publishes to a Bluesky account and reads back what came of it."""

    name: ClassVar[str] = "bluesky"
    label: ClassVar[str] = "Bluesky"
    rules: ClassVar[Rules] = RULES["bluesky"]
    fields: ClassVar[tuple[Field, ...]] = (
        Field("handle", "Handle",
              help="The account's handle, e.g. alice.bsky.social (or the e-mail it signs in "
                   "with)"),
        Field("app_password", "App password", kind="password", secret=True,
              help="Create one in Bluesky: Settings → Privacy and security → App passwords. "
                   "Never the account's own password"),
        Field("pds_url", "Server (PDS)", kind="url", required=False, default=DEFAULT_PDS,
              help="Where the account is hosted: https://bsky.social unless you host your own"),
        Field("appview", "AppView", kind="choice", required=False, default="pds",
              choices=APPVIEW_CHOICES,
              help="Where counts and notifications come from. A PDS that stands alone only "
                   "sees what its own accounts do"),
        Field("appview_url", "AppView address", kind="url", required=False,
              help="Optional: read counts, notifications and followers straight from this "
                   "AppView (e.g. https://api.bsky.app) instead of through the PDS"),
    )  # fmt: skip
    capabilities: ClassVar[frozenset[str]] = frozenset(
        {"delete", "engagement", "interactions", "followers", "link_card", "reply", "like",
         "repost", "follower_list", "search", "feed", "author_feed"}
    )  # fmt: skip
    # Bluesky's documented write budget: 5,000 points an hour per account, a create costs 3.
    rate_limit: ClassVar[RateLimit | None] = RateLimit(5000, 3600, 3)

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self._connection: Connection | None = None
        self._appview: AppView | None = None
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}  # (aud, method): token, exp

    # -- Settings --------------------------------------------------------------------------

    def _text(self, key: str, default: str = "") -> str:
        value = self.config.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else default

    @property
    def identifier(self) -> str:
        return self._text("handle").removeprefix("@")

    @property
    def pds_url(self) -> str:
        return self._text("pds_url", DEFAULT_PDS).rstrip("/")

    @property
    def appview(self) -> bool:
        return self._text("appview", "pds") != "none"

    @property
    def appview_url(self) -> str:
        """The AppView asked directly (see `appview`); "" to read through the PDS."""
        return self._text("appview_url").rstrip("/")

    @property
    def direct(self) -> AppView | None:
        """The AppView reads go to directly, when the channel names one."""
        if self._appview is None and self.appview and self.appview_url:
            self._require_valid_config()
            self._appview = AppView(self.appview_url, deadline=DEADLINE)
        return self._appview

    def check_config(self) -> list[Problem]:
        problems: list[Problem] = []
        identifier = self.identifier
        if not identifier:
            problems.append(
                Problem("handle", "Enter the account's handle, e.g. alice.bsky.social.")
            )
        elif any(char.isspace() for char in identifier) or (
            "." not in identifier and not identifier.startswith("did:")
        ):
            problems.append(
                Problem(
                    "handle",
                    f"{identifier} is not a Bluesky handle: it looks like alice.bsky.social "
                    "(or your own domain).",
                )
            )
        password = self.config.get("app_password")
        if not isinstance(password, str) or not password.strip():
            problems.append(
                Problem(
                    "app_password",
                    "Enter an app password (Bluesky: Settings → Privacy and security → "
                    "App passwords).",
                )
            )
        problems.extend(check_address(self.pds_url, "pds_url", "server"))
        if self._text("appview", "pds") not in dict(APPVIEW_CHOICES):
            problems.append(Problem("appview", "Choose where counts and notifications come from."))
        if self.appview_url:
            problems.extend(check_address(self.appview_url, "appview_url", "AppView"))
            if not self.appview:
                problems.append(
                    Problem(
                        "appview_url",
                        "A channel whose PDS stands alone reads from no AppView: clear the "
                        "AppView address, or set the AppView to “Through the PDS” to read "
                        "from that address.",
                    )
                )
        return problems

    def _require_valid_config(self) -> None:
        problems = self.check_config()
        if problems:
            raise PublishError(
                "The Bluesky channel is not set up: " + " ".join(p.message for p in problems),
                ErrorKind.PERMANENT,
            )

    # -- The session -------------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        if self._connection is None:
            self._require_valid_config()
            self._connection = Connection(
                pds_url=self.pds_url,
                identifier=self.identifier,
                password=str(self.config.get("app_password") or ""),
                saved=self._text("session"),
                saved_for=self._text("session_for"),
                deadline=DEADLINE,
            )
        return self._connection

    def config_changes(self) -> dict[str, Any]:
        """A session made or refreshed while working, to be saved in the credentials."""
        connection = self._connection
        if connection is None or not connection.renewed:
            return {}
        return {"session": connection.renewed, "session_for": connection.fingerprint}

    def channel_rules(self) -> Rules:
        return self.rules

    def test(self) -> None:
        """Log in afresh, prove the session works, and that the AppView answers.

        Afresh, not by resuming the saved session: that proves the session, not the app
        password (a revoked app password leaves its access tokens working until they expire),
        and the test is what tells a person the channel's credentials are still good. One
        createSession per test, which a person asks for."""
        connection = self.connection
        connection.login()
        connection.call(lambda client: client.com.atproto.server.get_session())
        if self.appview:
            self._profile()
            if self.direct is not None:  # and that it takes the account's signed queries
                self._notifications(None, limit=1)

    # -- Publishing --------------------------------------------------------------------------

    def publish(self, content: Content, idempotency_key: str) -> Published:
        self._require_valid_config()
        parts, note = self._texts(content)
        records.check_images(content.images)
        connection = self.connection
        did, handle = connection.did, connection.handle
        reply = self._reply_ref(content.reply_to) if content.reply_to.strip() else None
        embed = self._embed(content)
        langs = records.langs(content.language)
        root_key = root_rkey(idempotency_key)
        created: list[models.ComAtprotoRepoStrongRef.Main] = []
        found_before = 0
        dids: dict[str, str | None] = {}

        def resolve(mentioned: str) -> str | None:
            if mentioned not in dids:
                dids[mentioned] = self._resolve(mentioned)
            return dids[mentioned]

        for index, text in enumerate(parts):
            if index == 0:
                reply_ref = reply
            else:
                thread_root = reply.root if reply is not None else created[0]
                reply_ref = models.AppBskyFeedPost.ReplyRef(root=thread_root, parent=created[-1])
            try:
                record = records.post_record(
                    text,
                    created_at=_now(),
                    facets=records.facets(text, resolve),
                    embed=embed if index == 0 else None,
                    reply=reply_ref,
                    langs=langs,
                )
                ref, existed = self._create(did, part_rkey(root_key, index), record)
            except PublishError as failure:
                if index == 0:
                    raise
                raise PublishError(
                    f"{failure} {index} of the thread's {len(parts)} posts are out already; "
                    "sending the delivery again completes the thread.",
                    failure.kind,
                    retry_after=failure.retry_after,
                    unknown_outcome=failure.unknown_outcome,
                ) from failure
            created.append(ref)
            found_before += existed
        notes = [note] if note else []
        if len(parts) > 1:
            notes.append(f"Published as a thread of {len(parts)} posts.")
        if found_before:
            notes.append(
                "It was already there from an earlier attempt."
                if found_before == len(parts)
                else f"{found_before} of its posts were already there from an earlier attempt."
            )
        if content.content_warning.strip():
            notes.append("Bluesky has no content warnings: the post went out without it.")
        return Published(
            remote_id=created[0].uri, url=records.post_url(handle, root_key), note=" ".join(notes)
        )

    def _texts(self, content: Content) -> tuple[list[str], str]:
        """The text of each post, and a note for the user."""
        text = content.text.strip()
        link = content.link.strip()
        note = ""
        if content.images and link and link not in text:
            text = f"{text}\n\n{link}" if text else link
            note = "With images there is no room for a link card: the link is in the text."
        try:
            parts = split(text, self.rules)
        except ThreadError as exc:
            raise PublishError(str(exc), ErrorKind.PERMANENT) from exc
        if not parts:
            if not content.images and not link:
                raise PublishError("There is nothing to post: no text, image or link.",
                                   ErrorKind.PERMANENT)  # fmt: skip
            parts = [""]
        return parts, note

    def _resolve(self, handle: str) -> str | None:
        """A mentioned handle's DID; None when it does not resolve (it stays plain text)."""
        params = models.ComAtprotoIdentityResolveHandle.Params(handle=handle)
        try:
            answer = self.connection.call(
                lambda client: client.com.atproto.identity.resolve_handle(params)
            )
        except PublishError as failure:
            status, name, _ = xrpc_error(failure.__cause__ or failure)
            if status == 400 and name in ("HandleNotFound", "InvalidRequest", ""):
                return None
            raise
        return answer.did

    def _post(self, uri: str, role: str) -> Any:
        """The post at `uri` as its repository holds it (uri, cid, value); PERMANENT when it
        is not a post address or is gone. `role` names it in messages ("this replies to")."""
        try:
            target = AtUri.from_str(uri.strip())
        except Exception as exc:
            raise PublishError(
                f"{uri} is not a Bluesky post address (at://…/app.bsky.feed.post/…).",
                ErrorKind.PERMANENT,
            ) from exc
        if target.collection != POST or not target.rkey:
            raise PublishError(f"{uri} is not a Bluesky post.", ErrorKind.PERMANENT)
        params = models.ComAtprotoRepoGetRecord.Params(
            repo=target.host, collection=POST, rkey=target.rkey
        )
        try:
            return self.connection.call(lambda client: client.com.atproto.repo.get_record(params))
        except PublishError as failure:
            if failure.__cause__ is not None and is_not_found(failure.__cause__):
                raise PublishError(
                    f"The post {role} no longer exists ({uri}): it was deleted, or its account "
                    "is gone.",
                    ErrorKind.PERMANENT,
                ) from failure
            raise

    def _reply_ref(self, uri: str) -> models.AppBskyFeedPost.ReplyRef:
        """Root and parent for a reply to the post at `uri`; PERMANENT when it is gone."""
        parent = self._post(uri, "this replies to")
        parent_ref = _strong(parent.uri, str(parent.cid))
        return models.AppBskyFeedPost.ReplyRef(
            root=_thread_root(parent.value) or parent_ref, parent=parent_ref
        )

    def _upload(self, data: bytes, content_type: str) -> BlobRef:
        """uploadBlob. The body goes as `content` (the SDK's own helper passes it as `data`,
        which httpx deprecates for raw bytes)."""
        uploaded = self.connection.call(
            lambda client: get_response_model(
                client.invoke_procedure(
                    "com.atproto.repo.uploadBlob",
                    content=data,
                    headers={"Content-Type": content_type},
                    output_encoding="application/json",
                ),
                models.ComAtprotoRepoUploadBlob.Response,
            )
        )
        return uploaded.blob

    def _embed(
        self, content: Content
    ) -> models.AppBskyEmbedImages.Main | models.AppBskyEmbedExternal.Main | None:
        if content.images:
            uploaded = [(image, self._upload(image.data, image.content_type))
                        for image in content.images]  # fmt: skip
            return records.images_embed(uploaded)
        link = content.link.strip()
        if not link:
            return None
        thumb = None
        picture = content.link_image
        if picture is not None and 0 < len(picture.data) <= records.THUMB_MAX_BYTES:
            thumb = self._upload(picture.data, picture.content_type)
        return records.external_embed(link, content.title, content.description, thumb)

    def _create(
        self, did: str, rkey: str, record: Any, collection: str = POST
    ) -> tuple[models.ComAtprotoRepoStrongRef.Main, bool]:
        """Create the record (a post unless `collection` says otherwise) at `rkey`, or find
        it there already: (its ref, whether it was)."""
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=did, collection=collection, rkey=rkey, record=record
        )
        try:
            answer = self.connection.call(
                lambda client: client.com.atproto.repo.create_record(data), creating=True
            )
        except PublishError as failure:
            if failure.kind in (ErrorKind.RATE_LIMITED, ErrorKind.AUTH):
                raise  # refused before anything was written
            try:
                existing = self._existing(did, rkey, collection)
            except PublishError:
                raise failure from None
            if existing is not None:
                return existing, True
            cause = failure.__cause__
            if failure.unknown_outcome and isinstance(cause, RequestErrorBase) and cause.response:
                # The PDS answered, and the record is not there: it was not written.
                raise PublishError(str(failure), failure.kind) from cause
            raise
        return _strong(answer.uri, answer.cid), False

    def _existing(
        self, did: str, rkey: str, collection: str = POST
    ) -> models.ComAtprotoRepoStrongRef.Main | None:
        """The record (a post unless `collection` says otherwise) at `rkey` in the account's
        repository, or None."""
        params = models.ComAtprotoRepoGetRecord.Params(repo=did, collection=collection, rkey=rkey)
        try:
            answer = self.connection.call(lambda client: client.com.atproto.repo.get_record(params))
        except PublishError as failure:
            if failure.__cause__ is not None and is_not_found(failure.__cause__):
                return None
            raise
        return _strong(answer.uri, str(answer.cid))

    def lookup(self, idempotency_key: str, since: datetime) -> Lookup:
        """Read the delivery's first post back at its derived key."""
        connection = self.connection
        rkey = root_rkey(idempotency_key)
        ref = self._existing(connection.did, rkey)
        if ref is None:
            return Lookup(Found.NO)
        return Lookup(
            Found.YES,
            Published(remote_id=ref.uri, url=records.post_url(connection.handle, rkey)),
        )

    # -- Engaging ----------------------------------------------------------------------------

    def like(self, ref: str, key: str) -> str:
        """Like the post at `ref` (an at:// URI); the like record's URI."""
        return self._engage(LIKE, ref, key, "to like")

    def repost(self, ref: str, key: str) -> str:
        """Repost the post at `ref` (an at:// URI); the repost record's URI."""
        return self._engage(REPOST, ref, key, "to repost")

    def _engage(self, collection: str, ref: str, key: str, role: str) -> str:
        self._require_valid_config()
        if not key.strip():
            raise PublishError("The action has no idempotency key.", ErrorKind.PERMANENT)
        target = self._post(ref, role)
        record = records.subject_record(
            collection, _strong(target.uri, str(target.cid)), created_at=_now()
        )
        made, _ = self._create(self.connection.did, root_rkey(key), record, collection)
        return made.uri

    # -- Listening ---------------------------------------------------------------------------

    def delete(self, remote_id: str) -> None:
        """Delete the post and, for a thread, the posts that continue it."""
        try:
            target = AtUri.from_str(remote_id.strip())
        except Exception as exc:
            raise PublishError(f"{remote_id} is not a Bluesky post address.",
                               ErrorKind.PERMANENT) from exc  # fmt: skip
        connection = self.connection
        if target.host != connection.did or target.collection != POST:
            raise PublishError(
                f"{remote_id} is not a post of this channel's account ({connection.handle}).",
                ErrorKind.PERMANENT,
            )
        rkeys = [target.rkey]
        if is_tid(target.rkey):
            for index in range(1, MAX_THREAD):
                rkey = part_rkey(target.rkey, index)
                if not self._continues(connection.did, rkey, remote_id):
                    break
                rkeys.append(rkey)
        for rkey in reversed(rkeys):
            data = models.ComAtprotoRepoDeleteRecord.Data(
                repo=connection.did, collection=POST, rkey=rkey
            )
            connection.call(_delete_record(data))

    def _continues(self, did: str, rkey: str, root_uri: str) -> bool:
        """True when the post at `rkey` is a reply in the thread started by `root_uri`."""
        params = models.ComAtprotoRepoGetRecord.Params(repo=did, collection=POST, rkey=rkey)
        try:
            answer = self.connection.call(lambda client: client.com.atproto.repo.get_record(params))
        except PublishError as failure:
            if failure.__cause__ is not None and is_not_found(failure.__cause__):
                return False
            raise
        reply = getattr(answer.value, "reply", None)
        root = getattr(reply, "root", None)
        return getattr(root, "uri", None) == root_uri

    def _need_appview(self, what: str) -> None:
        if not self.appview:
            raise PublishError(
                f"{what} come from an AppView, and this channel has none: a PDS alone only "
                "holds its own accounts' records, not the counts of the network. Its "
                "interactions (replies, mentions, likes, reposts, quotes and follows from "
                "accounts on the same PDS) are read from its event stream. Set the channel's "
                "AppView to “Through the PDS” once its PDS is connected to one, or give the "
                "address of an AppView to read from it directly.",
                ErrorKind.PERMANENT,
            )

    def _appview_call(self, request: Any) -> Any:
        """A public AppView query: straight to the AppView when the channel names one, else
        through the PDS."""
        direct = self.direct
        if direct is not None:
            return direct.call(request)
        try:
            return self.connection.call(request)
        except PublishError as failure:
            if failure.__cause__ is not None and is_no_appview(failure.__cause__):
                raise PublishError(
                    f"The PDS at {self.pds_url} has no AppView to answer Bluesky queries "
                    "(it says “No service configured”). Set the channel's AppView to “None” "
                    "if the PDS stands alone, or give the address of an AppView to read from "
                    "it directly.",
                    ErrorKind.PERMANENT,
                ) from failure
            raise

    def engagement(self, remote_ids: Sequence[str]) -> dict[str, Engagement]:
        """Like, repost, reply and quote counts from the AppView (app.bsky.feed.getPosts)."""
        self._need_appview("Like and repost counts")
        uris = [uri for uri in dict.fromkeys(remote_ids) if uri.startswith("at://")]
        counts: dict[str, Engagement] = {}
        for start in range(0, len(uris), ENGAGEMENT_BATCH):
            params = models.AppBskyFeedGetPosts.Params(uris=uris[start : start + ENGAGEMENT_BATCH])
            answer: models.AppBskyFeedGetPosts.Response = self._appview_call(_get_posts(params))
            for post in answer.posts:
                counts[post.uri] = Engagement(
                    likes=post.like_count or 0,
                    reposts=post.repost_count or 0,
                    replies=post.reply_count or 0,
                    quotes=post.quote_count or 0,
                )
        return counts

    def interactions(self, cursor: str = "") -> InteractionPage:
        """From the AppView's notifications, or without one from the PDS's event stream."""
        connection = self.connection
        if self.appview:
            return notifications.pull(self._notifications, cursor, connection.handle)
        try:
            return stream.pull(
                self._stream_url(connection.client),
                did=connection.did,
                handle=connection.handle,
                cursor=cursor,
                describe=self._author_of,
            )
        except PublishError:
            raise
        except Exception as exc:
            raise classify(exc, pds=self.pds_url) from exc

    def _notifications(self, cursor: str | None, limit: int = notifications.PAGE_SIZE) -> Any:
        """A page of the account's notifications; from a direct AppView with a token the PDS
        signs for it (see `appview`)."""
        params = models.AppBskyNotificationListNotifications.Params(limit=limit, cursor=cursor)
        direct = self.direct
        if direct is None:
            return self._appview_call(
                lambda client: client.app.bsky.notification.list_notifications(params)
            )
        token = self._service_token(direct, LIST_NOTIFICATIONS)
        return direct.call(
            lambda client: client.app.bsky.notification.list_notifications(
                params, headers={"Authorization": f"Bearer {token}"}
            ),
            token=token,
        )

    def _service_token(self, appview: AppView, method: str) -> str:
        """A short-lived token of the account, signed by its PDS, for `method` on `appview`;
        reused while it has more than half its life left (a pull reads several pages)."""
        now = datetime.now(UTC).timestamp()
        kept = self._tokens.get((appview.did, method))
        if kept is not None and kept[1] - now > TOKEN_SECONDS / 2:
            return kept[0]
        expires = int(now) + TOKEN_SECONDS
        params = models.ComAtprotoServerGetServiceAuth.Params(aud=appview.did, lxm=method,
                                                              exp=expires)  # fmt: skip
        try:
            answer = self.connection.call(
                lambda client: client.com.atproto.server.get_service_auth(params)
            )
        except PublishError as failure:
            status, name, message = xrpc_error(failure.__cause__ or failure)
            if status == 400:  # e.g. "aud must be a valid atproto DID"
                said = " ".join(str(part) for part in (status, name, message) if part)
                raise appview.unsigned(said) from failure
            raise
        self._tokens[(appview.did, method)] = (str(answer.token), float(expires))
        return str(answer.token)

    @staticmethod
    def _stream_url(client: Client) -> str:
        """The PDS the session lives on (after login, the one the DID document names)."""
        base = client._base_url
        return base.removesuffix("/xrpc")

    def _author_of(self, did: str) -> stream.Author | None:
        """Who a DID is, for interactions read without an AppView: its handle (describeRepo)
        and its avatar (the blob its profile record names, served by the PDS); None when the
        PDS does not know it."""
        connection = self.connection
        params = models.ComAtprotoRepoDescribeRepo.Params(repo=did)
        try:
            answer = connection.call(lambda client: client.com.atproto.repo.describe_repo(params))
        except PublishError:
            return None
        profile = models.ComAtprotoRepoGetRecord.Params(
            repo=did, collection="app.bsky.actor.profile", rkey="self"
        )
        try:
            found = connection.call(lambda client: client.com.atproto.repo.get_record(profile))
        except PublishError:
            return stream.Author(answer.handle)
        avatar = getattr(found.value, "avatar", None)
        if not isinstance(avatar, BlobRef):
            return stream.Author(answer.handle)
        return stream.Author(
            answer.handle, records.blob_url(self._stream_url(connection.client), did, avatar)
        )

    def _profile(self) -> models.AppBskyActorDefs.ProfileViewDetailed:
        connection = self.connection
        params = models.AppBskyActorGetProfile.Params(actor=connection.did)
        answer: models.AppBskyActorDefs.ProfileViewDetailed = self._appview_call(
            lambda client: client.app.bsky.actor.get_profile(params)
        )
        return answer

    def follower_count(self) -> int:
        """The account's followers, as the AppView counts them (app.bsky.actor.getProfile)."""
        self._need_appview("Follower counts")
        return self._profile().followers_count or 0

    # -- People and listening streams (see `people`) ---------------------------------------

    def followers(self, cursor: str = "") -> PeoplePage:
        """One page of the accounts that follow this one (app.bsky.graph.getFollowers)."""
        self._need_appview("Follower lists")
        return people.followers(self._appview_call, self.connection.did, cursor)

    def following(self, cursor: str = "") -> PeoplePage:
        """One page of the accounts this one follows (app.bsky.graph.getFollows)."""
        self._need_appview("Follower lists")
        return people.following(self._appview_call, self.connection.did, cursor)

    def profile(self, remote_id: str) -> Person:
        """One person by DID (or handle), with their follower count (getProfile)."""
        self._need_appview("Profiles")
        return people.profile(self._appview_call, remote_id)

    def search_posts(self, query: str, cursor: str = "") -> PostPage:
        """Posts matching `query` (words, or a #hashtag), newest first (searchPosts)."""
        text = search_query(query)
        self._need_appview("Searches")
        return people.search_posts(self._signed(SEARCH_POSTS), text, cursor)

    def feed_posts(self, ref: str, cursor: str = "") -> PostPage:
        """The posts of a list or a feed generator, by its at:// address."""
        people.feed_kind(ref)
        self._need_appview("Lists and feeds")
        return people.feed_posts(self._appview_call, ref, cursor)

    def find_author(self, handle: str) -> AuthorRef:
        """The account behind a handle or DID (getProfile), to read its posts by its DID."""
        authors.check_actor(handle)
        self._need_appview("Accounts' posts")
        return authors.find(self._appview_call, handle)

    def author_posts(self, ref: str, cursor: str = "") -> PostPage:
        """The account's own posts, newest first, without replies or reposts (getAuthorFeed)."""
        did = authors.check_actor(ref)
        self._need_appview("Accounts' posts")
        return authors.posts(self._appview_call, did, cursor)

    def _signed(self, method: str) -> Any:
        """Runs a request as the account: through the PDS (which signs what it forwards), or
        straight to the named AppView with a token the PDS signed for `method`."""

        def run(request: Any) -> Any:
            direct = self.direct
            if direct is None:
                return self._appview_call(lambda client: request(client, None))
            token = self._service_token(direct, method)
            headers = {"Authorization": f"Bearer {token}"}
            return direct.call(lambda client: request(client, headers), token=token)

        return run
