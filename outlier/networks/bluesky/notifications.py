"""Interactions through an AppView: app.bsky.notification.listNotifications.

The AppView lists an account's notifications newest first, in pages, ordered by the time it
gives each one (`indexedAt`, which is the earlier of when it indexed the record and the
record's own createdAt). Outlier wants "what is new since last time", oldest first, so
`pull` reads pages from the newest down to the time of the newest notification of the
previous pull (the cursor "appview:<that time>"), at most `MAX_PAGES` pages, and returns
what it found oldest first with the newest time as the next cursor.

It reads `GRACE` further down than that time: a record can reach the AppView a little after
the time it claims (a slow relay, a client clock behind), and would otherwise be missed.
So items near the previous cursor can come again: Interaction.remote_id is unique, and the
inbox keeps one row per id. A record that claims a time long before it was made (more than
`GRACE`), and more than MAX_PAGES x 100 notifications between two pulls, are missed. With
no cursor, the newest page is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from outlier.networks.base import Interaction, InteractionKind, InteractionPage
from outlier.networks.bluesky.records import post_url, profile_url

__all__ = [
    "GRACE",
    "MAX_PAGES",
    "PAGE_SIZE",
    "PREFIX",
    "interaction",
    "language",
    "parse_cursor",
    "pull",
    "thread_root",
]

PREFIX = "appview:"
GRACE = timedelta(minutes=2)
MAX_PAGES = 10
PAGE_SIZE = 100
_KINDS = {
    "like": InteractionKind.LIKE,
    "repost": InteractionKind.REPOST,
    "follow": InteractionKind.FOLLOW,
    "mention": InteractionKind.MENTION,
    "reply": InteractionKind.REPLY,
    "quote": InteractionKind.QUOTE,
}


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def parse_cursor(cursor: str) -> datetime | None:
    """The time in an "appview:<time>" cursor; None for any other cursor."""
    if not cursor.startswith(PREFIX):
        return None
    return _instant(cursor[len(PREFIX) :])


def _field(value: Any, name: str, alias: str = "") -> Any:
    """A field of an SDK model or of a plain dict (records of unknown types stay dicts)."""
    if isinstance(value, dict):
        return value.get(alias or name)
    return getattr(value, name, None)


def _rkey(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def language(record: Any) -> str:
    """The post's first `langs` tag ("" when it names none)."""
    langs = _field(record, "langs")
    first = langs[0] if isinstance(langs, list | tuple) and langs else ""
    return first.strip() if isinstance(first, str) else ""


def thread_root(record: Any) -> str:
    """The URI of the first post of the thread a post replies in ("" for a post that starts
    one): what groups a conversation, however deep the reply is."""
    root = _field(_field(record, "reply"), "root")
    uri = _field(root, "uri")
    return uri if isinstance(uri, str) else ""


def interaction(notification: Any, our_handle: str) -> Interaction | None:
    """The Interaction a notification stands for; None for kinds Outlier does not keep."""
    kind = _KINDS.get(str(_field(notification, "reason")))
    if kind is None:
        return None
    author = _field(notification, "author")
    did = str(_field(author, "did") or "")
    handle = str(_field(author, "handle") or did)
    record = _field(notification, "record")
    uri = str(_field(notification, "uri") or "")
    subject = str(_field(notification, "reason_subject", "reasonSubject") or "")
    created = (
        _instant(_field(record, "created_at", "createdAt"))
        or _instant(_field(notification, "indexed_at", "indexedAt"))
        or datetime.now(UTC)
    )
    text = lang = reply_ref = root = ""
    if kind in (InteractionKind.REPLY, InteractionKind.MENTION, InteractionKind.QUOTE):
        text = str(_field(record, "text") or "")
        url = post_url(handle, _rkey(uri))
        lang, reply_ref, root = language(record), uri, thread_root(record)
    elif kind == InteractionKind.FOLLOW:
        url, subject = profile_url(handle), ""
    else:
        url = post_url(our_handle, _rkey(subject)) if subject else ""
    if kind == InteractionKind.MENTION:
        subject = ""
    return Interaction(
        kind=kind,
        remote_id=uri,
        author_id=did,
        author_handle=handle,
        author_name=str(_field(author, "display_name", "displayName") or ""),
        author_url=profile_url(handle),
        created_at=created,
        text=text,
        url=url,
        subject_id=subject,
        author_avatar=str(_field(author, "avatar") or ""),
        language=lang,
        reply_ref=reply_ref,
        thread_root=root,
    )


def pull(list_page: Callable[[str | None], Any], cursor: str, our_handle: str) -> InteractionPage:
    """New interactions since `cursor`; `list_page(page_cursor)` answers one listNotifications."""
    since = parse_cursor(cursor)
    floor = since - GRACE if since is not None else None
    found: dict[str, tuple[datetime, Interaction]] = {}
    newest = since
    page_cursor: str | None = None
    for _ in range(MAX_PAGES if since is not None else 1):
        page = list_page(page_cursor)
        reached = False
        for notification in _field(page, "notifications") or []:
            at = _instant(_field(notification, "indexed_at", "indexedAt"))
            if at is None:
                continue
            if floor is not None and at < floor:
                reached = True
                break
            if newest is None or at > newest:
                newest = at
            item = interaction(notification, our_handle)
            if item is not None and item.remote_id:
                found.setdefault(item.remote_id, (at, item))
        page_cursor = _field(page, "cursor")
        if reached or not page_cursor:
            break
    items = tuple(item for _, item in sorted(found.values(), key=lambda pair: pair[0]))
    next_cursor = f"{PREFIX}{newest.isoformat()}" if newest is not None else cursor
    return InteractionPage(items=items, cursor=next_cursor)
