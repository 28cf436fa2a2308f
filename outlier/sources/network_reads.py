"""Reading a network source through its channel's adapter: an account's own posts
(capability "author_feed"), or each keyword of a keyword source searched on the network
(capability "search": Bluesky's searchPosts; on Mastodon a keyword written "#tag" reads the
tag's timeline, others /api/v2/search, which finds statuses only where the server has
full-text search).

Each query reads its newest pages until one brings no post that is not stored yet (`known`),
has no next page, or MAX_PAGES were read. A keyword the network refuses outright (PERMANENT:
Mastodon takes no "#2026" as a hashtag) is kept as a problem and the others are still read;
any other failure (rate limit, credentials, the server down) ends the read, for
`read_channel` to keep on the source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from outlier.networks.base import ErrorKind, Post, PostPage, PublishError
from outlier.sources.models import Source, SourceKind

__all__ = ["CAPABILITY", "MAX_PAGES", "Found", "Read", "queries", "read"]

MAX_PAGES = 3
CAPABILITY = {SourceKind.ACCOUNT: "author_feed", SourceKind.KEYWORDS: "search"}

Known = Callable[[Iterable[str]], set[str]]  # remote ids → those already stored


@dataclass(frozen=True)
class Found:
    """A post and the keyword whose search found it ("" for an account's own posts)."""

    post: Post
    keyword: str = ""


@dataclass
class Read:
    found: list[Found] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # keywords refused, one sentence each
    queries: int = 0  # how many queries were read (a keyword refused is not)


def queries(source: Source) -> list[tuple[str, str]]:
    """(keyword, what to search for): a keyword written as #tag as a hashtag, a phrase in
    quotes, a word as it is."""
    tags = {str(t).casefold() for t in source.hashtags or []}
    found = []
    for keyword in source.keywords or []:
        word = str(keyword)
        if word.casefold() in tags:
            found.append((word, f"#{word}"))
        elif " " in word:
            found.append((word, f'"{word}"'))
        else:
            found.append((word, word))
    return found


def _pages(next_page: Callable[[str], PostPage], known: Known) -> list[Post]:
    posts: list[Post] = []
    cursor = ""
    for _ in range(MAX_PAGES):
        page = next_page(cursor)
        fresh = [p for p in page.posts if p.remote_id]
        posts.extend(fresh)
        stored = known([p.remote_id for p in fresh])
        if not fresh or all(p.remote_id in stored for p in fresh):
            break
        if not page.cursor or page.cursor == cursor:
            break
        cursor = page.cursor
    return posts


def read(source: Source, adapter: Any, known: Known) -> Read:
    """What the source's channel finds now; raises PublishError (see above)."""
    wanted = CAPABILITY.get(SourceKind(source.kind))
    if wanted is None or wanted not in adapter.capabilities:
        raise PublishError(f"{adapter.label} cannot read this source (it has no “{wanted}”).",
                           ErrorKind.PERMANENT)  # fmt: skip
    got = Read()
    if source.kind == SourceKind.ACCOUNT:
        ref = source.account_ref
        got.found = [Found(p) for p in _pages(lambda c: adapter.author_posts(ref, c), known)]
        got.queries = 1
        return got
    for keyword, query in queries(source):
        try:
            posts = _pages(partial(adapter.search_posts, query), known)
        except PublishError as exc:
            if exc.kind != ErrorKind.PERMANENT:
                raise
            got.problems.append(f"{query}: {exc}")
            continue
        got.queries += 1
        got.found.extend(Found(p, keyword) for p in posts)
    return got
