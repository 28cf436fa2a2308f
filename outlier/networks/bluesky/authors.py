"""An account's own posts, through an AppView (capability "author_feed").

    find     app.bsky.actor.getProfile     the account behind a handle (or a DID)
    posts    app.bsky.feed.getAuthorFeed   its posts, newest first, filter posts_no_replies

The author feed also carries the account's reposts of others' posts (with a `reason`): they
are left out, as are posts by anyone else; the cursor still moves past them. A handle the
AppView cannot resolve, or a profile it does not have, fails PERMANENT saying that Bluesky
knows no such account. `call` runs one query the way the adapter reads its AppView.
"""

from __future__ import annotations

import re

from atproto_client import models

from outlier.networks.base import AuthorRef, ErrorKind, Post, PostPage, PublishError
from outlier.networks.bluesky import people
from outlier.networks.bluesky.outcomes import is_not_found, xrpc_error

__all__ = ["check_actor", "find", "posts"]

# A handle (a domain name) or a DID, as getProfile takes them.
_ACTOR = re.compile(
    r"did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}|([A-Za-z0-9-]{1,63}\.)+[A-Za-z0-9-]{1,63}"
)
_UNKNOWN = ("profile not found", "unable to resolve", "could not find", "actor not found")


def check_actor(handle: str) -> str:
    """The handle or DID to look up, without "@" or spaces; PERMANENT when it is neither."""
    who = handle.strip().removeprefix("@").strip() if isinstance(handle, str) else ""
    if not _ACTOR.fullmatch(who):
        raise PublishError(f"“{str(handle)[:100]}” is not a Bluesky handle (alice.bsky.social) "
                           "or DID.", ErrorKind.PERMANENT)  # fmt: skip
    return who if who.startswith("did:") else who.lower()


def find(call: people.Call, handle: str) -> AuthorRef:
    who = check_actor(handle)
    params = models.AppBskyActorGetProfile.Params(actor=who)
    try:
        profile = call(lambda client: client.app.bsky.actor.get_profile(params))
    except PublishError as failure:
        cause = failure.__cause__
        status, _, message = xrpc_error(cause) if cause is not None else (None, "", "")
        if (cause is not None and is_not_found(cause)) or (
            status == 400 and any(m in message.lower() for m in _UNKNOWN)
        ):
            raise PublishError(f"Bluesky knows no account {who}.", ErrorKind.PERMANENT) from failure
        raise
    person = people.person(profile)
    if not person.remote_id:
        raise PublishError(f"Bluesky knows no account {who}.", ErrorKind.PERMANENT)
    return AuthorRef(person.remote_id, person)


def posts(call: people.Call, did: str, cursor: str = "") -> PostPage:
    """One page of the account's own posts (no replies, no reposts), newest first."""
    params = models.AppBskyFeedGetAuthorFeed.Params(actor=did, limit=people.PAGE_SIZE,
                                                    cursor=cursor or None,
                                                    filter="posts_no_replies")  # fmt: skip
    answer = call(lambda client: client.app.bsky.feed.get_author_feed(params))
    items = list(getattr(answer, "feed", None) or [])
    found: dict[str, Post] = {}
    for item in items:
        view = getattr(item, "post", None)
        author = getattr(view, "author", None)
        if view is None or getattr(item, "reason", None) is not None:
            continue  # a repost of someone's post
        if getattr(author, "did", None) != did:
            continue
        one = people.post(view)
        if one.remote_id:
            found.setdefault(one.remote_id, one)
    next_cursor = getattr(answer, "cursor", None)
    more = next_cursor if isinstance(next_cursor, str) and items else ""
    return PostPage(posts=tuple(found.values()), cursor=more)
