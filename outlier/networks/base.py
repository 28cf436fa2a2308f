"""The one small interface every network adapter implements.

Adapters know nothing of Outlier's models: they receive plain values (the channel's
settings and decrypted credentials, the post's content) and return plain values. The
publishing app owns the rows, the states and the retries.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol


@dataclass(frozen=True)
class Image:
    """An image to attach: its bytes, type and alt text (already resized by the caller)."""

    data: bytes
    content_type: str
    alt: str = ""
    filename: str = "image"


@dataclass(frozen=True)
class Media:
    """A video or an audio file to attach (a post carries one, never beside images).

    `kind` is "video" or "audio" and `content_type` what its bytes are (identified by their
    container signature, never by a file name). `size` is the file's length in bytes: enough to
    check a post against the rules before its bytes are read; `data` is filled to publish.
    """

    kind: str
    content_type: str
    size: int
    data: bytes = b""
    description: str = ""  # alt text: what is seen or heard
    filename: str = "media"


@dataclass(frozen=True)
class Content:
    """What to publish on one channel."""

    text: str
    link: str = ""
    images: tuple[Image, ...] = ()
    media: Media | None = None  # a video or an audio file, on a post without images
    title: str = ""  # e-mail subject, link-card title
    description: str = ""  # link-card description (the scoop's excerpt)
    link_image: Image | None = None  # link-card thumbnail (the scoop's image), when there is one
    reply_to: str = ""  # remote id of a post on the same network this one answers
    content_warning: str = ""  # shown before the text where the network supports it
    language: str = ""  # BCP-47 tag of the text (en, pt-BR), "" when unknown


@dataclass(frozen=True)
class Field:
    """One value a channel of this network asks for when it is connected.

    `secret` values go to the channel's encrypted credentials, the others to its settings.
    `kind` picks the form widget: "text", "url", "password", "token" (a password Outlier
    proposes, freshly generated), "textarea", "emails" (a list of addresses, stored as a list)
    or "choice" (one of `choices`). When editing, an empty secret keeps the stored one.
    """

    name: str
    label: str
    kind: str = "text"
    secret: bool = False
    required: bool = True
    help: str = ""
    default: str = ""
    choices: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Rules:
    """A network's limits, checked before a post can be scheduled.

    `counter` says how the network measures text (see `outlier.networks.counting`):
    "characters" (code points), "utf16" (UTF-16 code units), "graphemes" (what a reader sees
    as one character), "weighted" (X: CJK and emoji count 2) or "emoji_bytes" (Threads:
    graphemes, but an emoji counts its UTF-8 bytes).

    `media_kinds` names what a post may carry besides text: "image" (up to `max_images`),
    "video" and "audio" (one file, never beside images), each within its own byte limit and
    types. A network left with the default takes images only.
    """

    max_length: int
    counter: str = "characters"
    max_images: int = 4
    max_image_bytes: int = 5 * 1024 * 1024
    max_image_pixels: int = 4096  # longest side after resizing
    image_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/gif", "image/webp")
    link_length: int | None = None  # a link counts as this many characters (X: 23)
    requires_text: bool = True
    label: str = "This network"  # the network's name, for messages
    max_text_bytes: int | None = None  # a limit on the text's UTF-8 size too (Bluesky)
    max_title_length: int | None = None  # the title, in characters (e-mail subject)
    link_in_text: bool = False  # the link is appended to the text, so it counts
    mentions_without_domain: bool = False  # "@user@server" counts as "@user" (Mastodon)
    # Above 1, a text longer than a post becomes a thread of up to this many posts, each
    # within the limits above (see `outlier.networks.threads`); 1: one post, no threads.
    max_thread_parts: int = 1
    media_kinds: tuple[str, ...] = ("image",)
    max_video_bytes: int = 0
    video_types: tuple[str, ...] = ()
    max_audio_bytes: int = 0
    audio_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """One reason a post does not fit a network, tied to the field it concerns."""

    field: str  # "text", "images", "media", "link", "title"
    message: str


def timeout_problems(config: Mapping[str, Any], maximum: int) -> list[Problem]:
    """The optional `timeout` setting: seconds from 1 to `maximum`, or absent."""
    raw: Any = config.get("timeout")
    if raw in (None, ""):
        return []
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        seconds = -1.0
    if 1 <= seconds <= maximum:
        return []
    return [Problem("timeout", f"The timeout must be a number of seconds from 1 to {maximum}.")]


@dataclass(frozen=True)
class Published:
    """What the network said after accepting a post."""

    remote_id: str
    url: str = ""
    note: str = ""  # something the user should know although it went out


@dataclass(frozen=True)
class Engagement:
    """What people did with one published post, as the network counts it now."""

    likes: int = 0
    reposts: int = 0  # reposts, boosts, shares
    replies: int = 0
    quotes: int = 0
    impressions: int | None = None  # only where the network tells


class InteractionKind(enum.Enum):
    REPLY = "reply"
    MENTION = "mention"
    LIKE = "like"
    REPOST = "repost"
    QUOTE = "quote"
    FOLLOW = "follow"
    MESSAGE = "message"  # a direct (private) message to the account
    POST = "post"  # someone's own post, found by a search or a feed (a listening stream)


@dataclass(frozen=True)
class Interaction:
    """Something someone did towards the account: for the inbox and relationships."""

    kind: InteractionKind
    remote_id: str  # unique on the network (the reply's URI, the like's URI, ...)
    author_id: str  # stable id of the person: a DID, an actor URL, an account id
    author_handle: str  # how people write them: alice.bsky.social, @alice@example.org
    created_at: datetime
    author_name: str = ""
    author_url: str = ""
    text: str = ""  # plain text, no markup (replies, mentions, quotes)
    url: str = ""  # where a person can see it
    subject_id: str = ""  # remote id of our post it concerns, "" when none (follow, mention)
    author_avatar: str = ""  # the author's picture, where the network gives one
    author_followers: int | None = None  # how many follow the author, where the network tells
    language: str = ""  # BCP-47 tag of the text, where the network tells
    # What to pass as Content.reply_to (or to like/repost) to answer it on its network: the
    # post's at:// URI, a Mastodon status id on the channel's own server, a Note's id. "" when
    # it cannot be answered (a like, a follow).
    reply_ref: str = ""
    # The remote id of the first post of the thread it belongs to, where the network tells
    # (Bluesky's reply root); "" when it is the thread's start or unknown.
    thread_root: str = ""


@dataclass(frozen=True)
class InteractionPage:
    """A batch of interactions, oldest first, and the cursor to pass next time."""

    items: tuple[Interaction, ...]
    cursor: str = ""


@dataclass(frozen=True)
class Person:
    """Someone on a network, as a follower list, a profile or a post's author shows them.

    `remote_id` is stable (a DID, an actor's URI: for Mastodon the account's `uri`, as
    Interaction.author_id has it); everything else is what the network says now, as plain
    text (no markup is interpreted here). `website` is a site the network verified as the
    person's own (Mastodon: a profile field with `verified_at`), "" when it tells none;
    `links` are the URLs in the profile (Mastodon: its fields' links; Bluesky: the URLs in
    its description), for merge suggestions that need proof.
    """

    remote_id: str
    handle: str  # how people write them: alice.bsky.social, @alice@example.org
    name: str = ""
    avatar: str = ""
    url: str = ""  # the profile page
    followers: int | None = None  # where the network tells
    bio: str = ""
    website: str = ""
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeoplePage:
    """One page of a follower list, and the cursor of the next one ("" = no more pages)."""

    people: tuple[Person, ...]
    cursor: str = ""


@dataclass(frozen=True)
class Card:
    """The link card a post carries: the page it links to, as the network previewed it."""

    url: str
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class Post:
    """A post a listening stream found (a search, a hashtag, a list or a feed), or one of an
    account's own posts (`Authors`)."""

    remote_id: str  # unique on the network: an at:// URI, a status's ActivityPub URI
    author: Person
    created_at: datetime
    text: str  # plain text
    url: str  # where a person can see it
    language: str = ""  # BCP-47 tag, where the network tells
    reply_ref: str = ""  # what to pass as Content.reply_to, or to like/repost
    links: tuple[str, ...] = ()  # the external URLs it carries (to scoop one into a topic)
    card: Card | None = None  # its link card, where it has one


@dataclass(frozen=True)
class PostPage:
    """One page of posts, newest first, and the cursor of the next one ("" = no more)."""

    posts: tuple[Post, ...]
    cursor: str = ""


@dataclass(frozen=True)
class AuthorRef:
    """An account whose own posts can be read (`Authors`): `ref` is what `author_posts` takes
    (Bluesky: the DID; Mastodon: the account's id on the channel's server)."""

    ref: str
    person: Person


@dataclass(frozen=True)
class RateLimit:
    """A network's budget for writes: `points` per `window_seconds`, a post costing `cost`."""

    points: int
    window_seconds: int
    cost: int = 1


class ErrorKind(enum.Enum):
    TRANSIENT = "transient"  # try again later with backoff
    RATE_LIMITED = "rate_limited"  # wait for retry_after, not a failure
    PERMANENT = "permanent"  # this post cannot go out as it is
    AUTH = "auth"  # credentials revoked or wrong: the channel needs reconnecting


class PublishError(Exception):
    """A classified failure. `unknown_outcome` is True when the network may have accepted it."""

    def __init__(
        self,
        message: str,
        kind: ErrorKind,
        *,
        retry_after: float | None = None,
        unknown_outcome: bool = False,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after
        self.unknown_outcome = unknown_outcome


def search_query(query: str) -> str:
    """The query of a search, stripped; PERMANENT when there is nothing to search for (before
    anything is sent)."""
    text = query.strip() if isinstance(query, str) else ""
    if not text or text == "#":
        raise PublishError(
            "Enter a word, a phrase or a #hashtag to search for: an empty search finds nothing.",
            ErrorKind.PERMANENT,
        )
    return text


class Found(enum.Enum):
    YES = "yes"
    NO = "no"
    CANNOT_TELL = "cannot_tell"


@dataclass(frozen=True)
class Lookup:
    """The answer to "did this delivery's post reach the network?"."""

    found: Found
    published: Published | None = None


class Adapter(Protocol):
    """A network. One instance per channel; `config` holds settings and credentials.

    Every adapter publishes. What else it can do is named in `capabilities`:
    "delete", "engagement", "interactions", "followers" (the methods of `Listening`),
    "link_card" when it draws a card for `Content.link` (then Content.link_image is filled),
    "reply" when `Content.reply_to` makes a reply, "like" and "repost" (`Engaging`), and
    "pushed" when its interactions arrive by push into Outlier's own database (reading them
    is a local query, so the inbox reads them every few seconds instead of on an interval).

    For relationships and listening streams:

    - "follower_list" (`People`): `followers(cursor)` and `following(cursor)`, who follows
      the account and whom it follows, one page per call in the network's order (newest
      first on Bluesky and Mastodon), and `profile(remote_id)` to refresh one person;
    - "search" (`Searching`): `search_posts(query, cursor)`, posts matching a word or a
      #hashtag. Bluesky: app.bsky.feed.searchPosts for either. Mastodon: a "#tag" reads the
      hashtag's timeline (/api/v1/timelines/tag/:tag), anything else /api/v2/search with
      type=statuses (full-text search only where the server has it set up, and only over
      the posts it lets be searched);
    - "feed" (`Feeds`): `feed_posts(ref, cursor)`, the posts of a Bluesky list
      (at://…/app.bsky.graph.list/…, app.bsky.feed.getListFeed) or feed generator
      (at://…/app.bsky.feed.generator/…, app.bsky.feed.getFeed).
    - "author_feed" (`Authors`): `find_author(handle)`, the account behind a handle (a
      PERMANENT failure naming it when the network knows none), and `author_posts(ref,
      cursor)`, its own posts newest first, without its reposts and its replies to others.
      Bluesky: app.bsky.actor.getProfile, then app.bsky.feed.getAuthorFeed (filter
      posts_no_replies, reposts left out). Mastodon: /api/v1/accounts/lookup (a remote
      account the server does not know yet: /api/v2/search with resolve), then
      /api/v1/accounts/:id/statuses with exclude_reblogs and exclude_replies.

    A search with an empty query fails PERMANENT before anything is sent (`search_query`).
    """

    name: ClassVar[str]
    label: ClassVar[str]
    rules: ClassVar[Rules]
    fields: ClassVar[tuple[Field, ...]]  # what connecting a channel asks for
    capabilities: ClassVar[frozenset[str]]
    rate_limit: ClassVar[RateLimit | None]  # None: no budget beyond what the network answers

    def __init__(self, config: Mapping[str, Any]) -> None: ...

    def check_config(self) -> list[Problem]:
        """Problems with the channel's settings, before anything is sent."""
        ...

    def test(self) -> None:
        """Prove the channel works (reach the network, check credentials); raise PublishError."""
        ...

    def publish(self, content: Content, idempotency_key: str) -> Published:
        """Send the post; raise PublishError, classified. Never retries by itself."""
        ...

    def lookup(self, idempotency_key: str, since: datetime) -> Lookup:
        """After an unknown outcome: did the post with this key arrive? (CANNOT_TELL is fine.)"""
        ...

    def config_changes(self) -> dict[str, Any]:
        """Values the adapter learnt or renewed while working (a refreshed session, the
        instance's limits), to be saved into the channel's encrypted credentials."""
        ...

    def channel_rules(self) -> Rules:
        """This account's limits: the network's `rules`, or what its server announced."""
        ...


class Listening(Adapter, Protocol):
    """The optional half of an adapter: what came of what it published, and who is there.

    Each method raises PublishError, classified like publishing errors.
    """

    def delete(self, remote_id: str) -> None:
        """Remove a post this channel published. A post already gone is not an error."""
        ...

    def engagement(self, remote_ids: Sequence[str]) -> dict[str, Engagement]:
        """Counts for posts this channel published; ids the network no longer has are left out."""
        ...

    def interactions(self, cursor: str = "") -> InteractionPage:
        """Replies, mentions, likes, reposts, quotes and follows since `cursor` ("" = recent)."""
        ...

    def follower_count(self) -> int:
        """How many accounts follow this one now."""
        ...


class Engaging(Adapter, Protocol):
    """Liking and reposting others' posts (capabilities "like" and "repost").

    `ref` is an Interaction's `reply_ref`; `key` is stable across retries of one action, so a
    network that can make the write idempotent with it does (a retried like makes one like).
    Each returns the remote id of what it made (to undo it later) and raises PublishError,
    classified like publishing errors.
    """

    def like(self, ref: str, key: str) -> str: ...

    def repost(self, ref: str, key: str) -> str: ...


class People(Adapter, Protocol):
    """Who follows the account and whom it follows (capability "follower_list").

    Each method raises PublishError, classified like publishing errors.
    """

    def followers(self, cursor: str = "") -> PeoplePage:
        """One page of the accounts that follow this one ("" = the first page)."""
        ...

    def following(self, cursor: str = "") -> PeoplePage:
        """One page of the accounts this one follows ("" = the first page)."""
        ...

    def profile(self, remote_id: str) -> Person:
        """One person as the network shows them now (their `Person.remote_id`)."""
        ...


class Searching(Adapter, Protocol):
    """Posts matching a query (capability "search"); see `Adapter` for what each network
    searches. Raises PublishError, classified like publishing errors."""

    def search_posts(self, query: str, cursor: str = "") -> PostPage: ...


class Feeds(Adapter, Protocol):
    """The posts of a list or a feed (capability "feed"), `ref` naming it on the network.
    Raises PublishError, classified like publishing errors."""

    def feed_posts(self, ref: str, cursor: str = "") -> PostPage: ...


class Authors(Adapter, Protocol):
    """An account's own posts (capability "author_feed"); see `Adapter`. Raises PublishError,
    classified like publishing errors."""

    def find_author(self, handle: str) -> AuthorRef: ...

    def author_posts(self, ref: str, cursor: str = "") -> PostPage: ...


@dataclass
class Validation:
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
