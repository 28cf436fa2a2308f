"""The one small interface every network adapter implements.

Adapters know nothing of Outlier's models: they receive plain values (the channel's
settings and decrypted credentials, the post's content) and return plain values. The
publishing app owns the rows, the states and the retries.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
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
class Content:
    """What to publish on one channel."""

    text: str
    link: str = ""
    images: tuple[Image, ...] = ()
    title: str = ""  # e-mail subject, link-card title


@dataclass(frozen=True)
class Rules:
    """A network's limits, checked before a post can be scheduled.

    `counter` says how the network measures text (see `outlier.networks.counting`):
    "characters" (code points), "utf16" (UTF-16 code units), "graphemes" (what a reader sees
    as one character), "weighted" (X: CJK and emoji count 2) or "emoji_bytes" (Threads:
    graphemes, but an emoji counts its UTF-8 bytes).
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


@dataclass(frozen=True)
class Problem:
    """One reason a post does not fit a network, tied to the field it concerns."""

    field: str  # "text", "images", "link", "title"
    message: str


@dataclass(frozen=True)
class Published:
    """What the network said after accepting a post."""

    remote_id: str
    url: str = ""
    note: str = ""  # something the user should know although it went out


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
    """A network. One instance per channel; `config` holds settings and credentials."""

    name: ClassVar[str]
    label: ClassVar[str]
    rules: ClassVar[Rules]

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


@dataclass
class Validation:
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
