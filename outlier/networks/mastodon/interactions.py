"""Mastodon notifications as Outlier interactions.

GET /api/v1/notifications with `types[]` mention, favourite, reblog, follow and quote. A
mention that answers one of the account's statuses is a REPLY (its subject is that status); a
favourite or a boost concerns the account's status in the notification. The cursor is the
newest notification id seen: the next call asks for what came after it (`min_id`).

A mention whose status is "direct" (visible to the people it mentions only) is a MESSAGE: a
direct message, answered privately.

Remote ids: a mention, reply or quote is the status itself, so its ActivityPub URI (unique on
the whole network); favourites, boosts and follows have no URI a client can see, so their id
is the notification's, qualified by the server ("mastodon:<server>:notification:<id>").

Answering: `reply_ref` is the status's id on the channel's own server (what in_reply_to_id,
favourite and reblog take), for the statuses someone wrote (a mention, a reply, a quote, a
message); "" for a favourite, a boost or a follow, whose status is the account's own.
`thread_root` stays "": a status names only the status it answers (`in_reply_to_id`), never
the first of its thread, and asking for each one's context would cost a request per item.
The author's avatar and follower count, and the status's language, come as Mastodon gives
them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from outlier.networks.base import Interaction, InteractionKind
from outlier.networks.mastodon.text import html_to_text

__all__ = ["TYPES", "id_order", "interaction", "interactions", "valid_cursor", "when"]

TYPES = ["mention", "favourite", "reblog", "follow", "quote"]
_CURSOR = re.compile(r"[0-9A-Za-z_-]{1,64}")
_KINDS = {
    "favourite": InteractionKind.LIKE,
    "reblog": InteractionKind.REPOST,
    "follow": InteractionKind.FOLLOW,
    "quote": InteractionKind.QUOTE,
}
# Statuses someone else wrote: they have a text, and can be answered, liked and boosted.
_WRITTEN = frozenset(
    {InteractionKind.MENTION, InteractionKind.REPLY, InteractionKind.QUOTE, InteractionKind.MESSAGE}
)


def valid_cursor(cursor: str) -> bool:
    return bool(_CURSOR.fullmatch(cursor or ""))


def id_order(value: Any) -> tuple[int, int, str]:
    """Sort key for Mastodon ids: numbers by value (they are snowflakes), others as text."""
    text = str(value)
    return (0, len(text), text) if text.isdigit() else (1, 0, text)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def when(value: Any) -> datetime:
    """A Mastodon time (a datetime, or ISO 8601 text) in UTC; now when it has none."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _handle(acct: str, domain: str) -> str:
    acct = acct.lstrip("@")
    if "@" not in acct and domain:
        acct = f"{acct}@{domain}"
    return f"@{acct}"


def _followers(account: Mapping[str, Any]) -> int | None:
    value = account.get("followers_count")
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _quoted_id(status: Mapping[str, Any]) -> str:
    quote = status.get("quote")
    if isinstance(quote, Mapping):
        quoted = quote.get("quoted_status")
        if isinstance(quoted, Mapping) and quoted.get("id") is not None:
            return str(quoted["id"])
    return ""


def interaction(
    notification: Mapping[str, Any], account_id: str, domain: str
) -> Interaction | None:
    """The interaction one notification stands for; None for types Outlier does not track."""
    kind_name = _text(notification.get("type"))
    account = notification.get("account")
    if not isinstance(account, Mapping) or account.get("id") is None:
        return None
    status = notification.get("status")
    status = status if isinstance(status, Mapping) else None
    notification_id = str(notification.get("id", ""))
    if kind_name == "mention":
        if status is None:
            return None
        replied_to = status.get("in_reply_to_id")
        ours = bool(replied_to) and str(status.get("in_reply_to_account_id") or "") == account_id
        if _text(status.get("visibility")) == "direct":
            kind = InteractionKind.MESSAGE
        else:
            kind = InteractionKind.REPLY if ours else InteractionKind.MENTION
        subject = str(replied_to) if ours and kind is not InteractionKind.MENTION else ""
    elif kind_name in _KINDS:
        kind = _KINDS[kind_name]
        if kind is InteractionKind.FOLLOW:
            subject = ""
        elif status is None:
            return None
        elif kind is InteractionKind.QUOTE:
            subject = _quoted_id(status)
        else:
            subject = str(status.get("id") or "")
    else:
        return None
    remote_id = text = language = reply_ref = ""
    if status is not None and kind in _WRITTEN:
        remote_id = _text(status.get("uri")) or _text(status.get("url"))
        text = html_to_text(_text(status.get("content")))
        language = _text(status.get("language"))
        reply_ref = str(status.get("id") or "")
    if not remote_id:
        remote_id = f"mastodon:{domain}:notification:{notification_id}"
    if kind is InteractionKind.FOLLOW or status is None:
        url = _text(account.get("url"))
    else:
        url = _text(status.get("url")) or _text(status.get("uri"))
    return Interaction(
        kind=kind,
        remote_id=remote_id[:500],
        author_id=(_text(account.get("uri")) or _text(account.get("url")) or str(account["id"]))[
            :500
        ],
        author_handle=_handle(_text(account.get("acct")) or _text(account.get("username")), domain),
        created_at=when(notification.get("created_at")),
        author_name=_text(account.get("display_name")) or _text(account.get("username")),
        author_url=_text(account.get("url")),
        text=text,
        url=url,
        subject_id=subject,
        author_avatar=_text(account.get("avatar")),
        author_followers=_followers(account),
        language=language,
        reply_ref=reply_ref,
    )


def interactions(
    notifications: Iterable[Mapping[str, Any]], account_id: str, domain: str
) -> tuple[Interaction, ...]:
    """The notifications' interactions, oldest first."""
    ordered = sorted(notifications, key=lambda n: id_order(n.get("id", "")))
    found = (interaction(n, account_id, domain) for n in ordered)
    return tuple(item for item in found if item is not None)
