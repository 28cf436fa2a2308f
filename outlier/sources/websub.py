"""WebSub (a W3C Recommendation, formerly PubSubHubbub): a feed that names a hub is pushed to
Outlier within seconds of a change instead of waiting for its next poll.

The subscription lives on the feed's row (a row with a state, DESIGN.md): `push_state`,
`push_token` (in the callback's path), `push_secret` (encrypted), `push_expires_at`,
`push_next_at` (when to ask the hub next), `push_failures` and `push_error`.

- Discovery: the hub and self addresses of the response's `Link` header
  (`<…>; rel="hub"`), else those the feed names in its body (`with_header_links`).
- Subscribing: after every successful read by the worker (`after_read`, called by
  `polling.record`) and in the worker's sweep (`renew`; a feed a curator just added is
  subscribed there, within a minute, not in their request), a feed that names a hub is
  subscribed when it is not yet, when
  its lease ends within a day, or when the backoff after a failure is over. The row becomes
  PENDING before the hub is asked, by a conditional update that only one worker can win; a
  new subscription gets a fresh token and secret, a renewal keeps them. Then, through the safe
  client, POST hub.mode=subscribe, hub.topic (the feed's self URL, else its URL), hub.callback
  (BASE_URL + /websub/<feed id>/<token>/), hub.secret and hub.lease_seconds. A hub that
  answers anything but 2xx, or cannot be reached, leaves the feed FAILED with the reason, to
  be tried again after a backoff that doubles with each failure in a row (5 minutes to a day);
  a hub that accepts but never verifies counts as a failure too.
- Verification of intent (the callback's GET, `do_verify`): the challenge is echoed only for
  the feed's token, its current topic and a mode Outlier asked for — subscribe while PENDING
  or ACTIVE (the feed becomes ACTIVE until hub.lease_seconds from now and is renewed a day
  before that), unsubscribe while ENDING (the subscription is forgotten); anything else gets
  404 (WebSub 5.3.1). hub.mode=denied keeps the hub's reason on the feed and waits a day.
- Content distribution (the callback's POST, `check_push`): when a secret was given, the
  X-Hub-Signature header (sha1=, sha256=, sha384= or sha512=, the HMAC of the raw body) must
  match, else the body is ignored and the feed says so. It is answered 2xx all the same, as
  WebSub 7.1.2 allows: the hub has no reason to retry, and a forger learns nothing. A body
  that verifies is parsed like a poll's and stored by `polling.store`, so its new items are
  suggested at once. A push to an unknown or retired token gets 410 Gone, which tells the hub
  to drop that subscription (WebSub 7).
- Unsubscribing (`renew`): a feed no active source follows any more becomes ENDING and the hub
  is sent hub.mode=unsubscribe; the token and secret go when the hub verifies that, or after
  an hour without it (the hub's lease then just runs out, and pushes get 410).
- A pushed feed is still polled, at the longest interval (`polling.next_interval`), in case
  the hub fails.

The secret is sent whatever the hub's scheme. WebSub advises sending it over https only, but
the callback URL, which an eavesdropper on plain http sees as well, is all a forger would need
without one: a secret over http is never weaker than none.

`sweep` is a worker sweep (settings.WORKER_SWEEPS), at most every SWEEP_SECONDS per process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
import random
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urljoin

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from outlier.core import safe_http
from outlier.core.crypto import DecryptionError
from outlier.sources import feeds
from outlier.sources.models import Feed, PushState, Source

__all__ = ["Gone", "Pushed", "after_read", "callback_url", "check_push", "do_note_push",
           "do_verify", "renew", "signature_matches", "sweep", "topic_of"]  # fmt: skip

logger = logging.getLogger(__name__)

LEASE_SECONDS = 10 * 86400  # asked of the hub (WebSub's suggested default); it may differ
RENEW_BEFORE_SECONDS = 86400  # a lease is renewed when it ends within a day
MIN_RENEW_SECONDS = 300  # however short the hub's lease, not renewed more often than this
MAX_LEASE_SECONDS = 366 * 86400  # a longer lease from the hub is taken as this
RETRY_SECONDS = 300  # the first wait after a failed or unverified subscription, then doubled
RETRY_MAX_SECONDS = 86400
UNSUBSCRIBE_WAIT_SECONDS = 3600  # for the hub to verify an unsubscription
HUB_DEADLINE = 10.0  # one request to a hub, redirects included
HUB_ANSWER_BYTES = 64 * 1024
SWEEP_SECONDS = 60.0
BATCH = 10  # hubs asked per sweep, at most
ALGORITHMS: Mapping[str, Callable[..., Any]] = {
    "sha1": hashlib.sha1, "sha256": hashlib.sha256,
    "sha384": hashlib.sha384, "sha512": hashlib.sha512,
}  # fmt: skip
_SUBSCRIBED = (PushState.PENDING, PushState.ACTIVE, PushState.FAILED)
_last = [0.0]


class Gone(Exception):
    """A push to a callback that is no subscription of Outlier's (any more): 410."""


@dataclass(frozen=True)
class Pushed:
    """A verified push: the feed it is for and what it holds."""

    feed: Feed
    parsed: feeds.ParsedFeed


def topic_of(feed: Feed) -> str:
    """What Outlier subscribes to: the feed's own (self) URL, else the URL it is read at."""
    return feed.self_url or feed.url


def callback_url(feed_id: int, token: str) -> str:
    return settings.BASE_URL + reverse("sources_public:websub", args=[feed_id, token])


def _backoff(failures: int) -> timedelta:
    seconds = min(RETRY_SECONDS * 2 ** min(max(failures - 1, 0), 16), RETRY_MAX_SECONDS)
    return timedelta(seconds=seconds * random.uniform(1.0, 1.1))  # noqa: S311


def _followed() -> Exists:
    return Exists(Source.objects.filter(feed=OuterRef("pk"), active=True))


def _secret(feed: Feed) -> str:
    """The subscription's secret; "" when there is none or it cannot be decrypted any more
    (its key was dropped from OUTLIER_ENCRYPTION_KEYS)."""
    try:
        value = feed.push_secret
    except DecryptionError:
        return ""
    return str(value.get("secret", "")) if isinstance(value, dict) else ""


def _one_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


# -- Asking the hub -----------------------------------------------------------------------------


def _ask(hub: str, form: dict[str, str]) -> str:
    """POST the form to the hub; the reason it failed, or "" when it accepted (2xx)."""
    try:
        response = safe_http.fetch(
            hub, method="POST", body=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            max_bytes=HUB_ANSWER_BYTES, deadline=HUB_DEADLINE, accept="text/plain, */*;q=0.5",
        )  # fmt: skip
    except safe_http.FetchError as exc:
        return f"The hub could not be asked: {exc}."
    if 200 <= response.status < 300:
        return ""
    detail = _one_line(response.text(), 200) if response.content_type.startswith("text/") else ""
    what = "subscription" if form["hub.mode"] == "subscribe" else "unsubscription"
    return f"The hub refused the {what} (HTTP {response.status})" + (
        f": {detail}" if detail else "."
    )


def _subscribe(feed: Feed, hub: str, topic: str, now: datetime, fresh: bool) -> bool:
    """Ask `hub` for (or to renew) the feed's subscription; whether it was asked (not when
    another worker got there first). `feed` must hold the push fields as stored."""
    token, secret = feed.push_token, _secret(feed)
    if fresh or not token or not secret:
        token, secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    failures = feed.push_failures + 1  # until the hub verifies
    error = feed.push_error
    if feed.push_state == PushState.PENDING:
        error = "The hub accepted the last request but did not verify it."
    claimed = Feed.objects.filter(
        pk=feed.pk, push_state=feed.push_state, push_next_at=feed.push_next_at
    ).update(push_state=PushState.PENDING, push_token=token, push_secret={"secret": secret},
             push_failures=failures, push_next_at=now + _backoff(failures),
             push_error=error)  # fmt: skip
    if not claimed:
        return False
    refused = _ask(hub, {"hub.mode": "subscribe", "hub.topic": topic,
                         "hub.callback": callback_url(feed.pk, token), "hub.secret": secret,
                         "hub.lease_seconds": str(LEASE_SECONDS)})  # fmt: skip
    if refused:
        logger.info("Subscribing to %s at %s failed: %s", topic, hub, refused)
        Feed.objects.filter(pk=feed.pk, push_token=token, push_state=PushState.PENDING).update(
            push_state=PushState.FAILED, push_error=refused[:500])  # fmt: skip
    return True


def _forget(feed_id: int, token: str | None = None, error: str = "") -> None:
    """No subscription any more: the token and secret go (a push to them gets 410)."""
    rows = Feed.objects.filter(pk=feed_id)
    if token is not None:
        rows = rows.filter(push_token=token)
    rows.update(push_state=PushState.NONE, push_token="", push_secret={}, push_expires_at=None,
                push_next_at=None, push_failures=0, push_error=error[:500])  # fmt: skip


def _unsubscribe(feed: Feed, hub: str, topic: str, now: datetime) -> bool:
    """End the feed's subscription; whether the hub was asked."""
    claimed = Feed.objects.filter(
        pk=feed.pk, push_state=feed.push_state, push_next_at=feed.push_next_at
    ).update(push_state=PushState.ENDING,
             push_next_at=now + timedelta(seconds=UNSUBSCRIBE_WAIT_SECONDS))  # fmt: skip
    if not claimed:
        return False
    if not (hub and feed.push_token) or feed.push_state == PushState.FAILED:
        _forget(feed.pk)  # nothing the hub holds for us (or nothing to tell it with)
        return False
    refused = _ask(hub, {"hub.mode": "unsubscribe", "hub.topic": topic,
                         "hub.callback": callback_url(feed.pk, feed.push_token)})  # fmt: skip
    if refused:  # its lease will run out; until then its pushes get 410
        logger.info("Unsubscribing from %s at %s failed: %s", topic, hub, refused)
        _forget(feed.pk, feed.push_token, refused)
    return True


_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]*)*)")
_REL = re.compile(r"""rel\s*=\s*(?:"([^"]*)"|([^\s;,"]+))""", re.IGNORECASE)


def header_links(header: str, base: str) -> tuple[str, str]:
    """The hub and self addresses an HTTP `Link` header names (`<…>; rel="hub"`, several
    links apart by commas, a rel of several words), made absolute against `base`; ""
    for one it does not name."""
    found = {"hub": "", "self": ""}
    for target, params in _LINK.findall(header or ""):
        rel = _REL.search(params)
        for word in ((rel.group(1) or rel.group(2)) if rel else "").lower().split():
            if word in found and not found[word] and target.strip():
                found[word] = urljoin(base, target.strip())
    return found["hub"], found["self"]


def with_header_links(parsed: feeds.ParsedFeed, header: str, base: str) -> feeds.ParsedFeed:
    """The feed with the hub and self addresses of its response's `Link` header, which come
    before those in the feed's own body (WebSub 4: a subscriber looks at the header first)."""
    hub, self_url = header_links(header, base)
    if not hub:
        return parsed
    return dataclasses.replace(parsed, hub_url=hub, self_url=self_url or parsed.self_url)


def _due(feed: Feed, now: datetime) -> bool:
    if feed.push_state in (PushState.NONE, PushState.ENDING):
        return True
    return feed.push_next_at is None or feed.push_next_at <= now


def after_read(feed: Feed, parsed: feeds.ParsedFeed, now: datetime) -> None:
    """After a successful read of the feed (`polling.record`): subscribe to the hub it names
    when that is due, anew when it names another hub or topic than before; unsubscribe when it
    names none any more. `feed` is the row as it was before the read was recorded."""
    hub = parsed.hub_url[:2000]
    topic = (parsed.self_url or feed.url)[:2000]
    if not hub:
        if feed.push_state in (PushState.PENDING, PushState.ACTIVE):
            _unsubscribe(feed, feed.hub_url, topic_of(feed), now)
        elif feed.push_state == PushState.FAILED:
            _forget(feed.pk)
        return
    moved = feed.push_state != PushState.NONE and (hub, topic) != (feed.hub_url, topic_of(feed))
    if moved or _due(feed, now):
        _subscribe(feed, hub, topic, now, fresh=moved or feed.push_state == PushState.NONE)


def renew(now: datetime | None = None, limit: int = BATCH) -> int:
    """Resubscribe the feeds whose lease ends within a day (or whose retry is due, or that
    name a hub and were never subscribed), unsubscribe those no active source follows, and
    forget unsubscriptions the hub never verified. Returns how many hubs were asked."""
    now = now or timezone.now()
    asked = 0
    unfollowed = Feed.objects.filter(push_state__in=_SUBSCRIBED).exclude(_followed())
    for feed in unfollowed.defer("push_secret").order_by("pk")[:limit]:
        asked += _unsubscribe(feed, feed.hub_url, topic_of(feed), now)
    Feed.objects.filter(push_state=PushState.ENDING, push_next_at__lte=now).update(
        push_state=PushState.NONE, push_token="", push_secret={}, push_expires_at=None,
        push_next_at=None, push_failures=0)  # fmt: skip
    due = (Feed.objects.filter(_followed()).exclude(hub_url="")
           .filter(Q(push_state__in=_SUBSCRIBED, push_next_at__lte=now)
                   | Q(push_state=PushState.NONE)))  # fmt: skip
    for feed in due.defer("push_secret").order_by("push_next_at", "pk")[: max(0, limit - asked)]:
        asked += _subscribe(feed, feed.hub_url, topic_of(feed), now,
                            fresh=feed.push_state == PushState.NONE)  # fmt: skip
    return asked


def sweep(now: datetime | None = None) -> int:
    clock = time.monotonic()
    if clock - _last[0] < SWEEP_SECONDS:
        return 0
    _last[0] = clock
    return renew(now)


# -- The callback -------------------------------------------------------------------------------


def _feed_for(feed_id: int, token: str) -> Feed | None:
    """The feed whose callback this is, when the token is its current one."""
    feed = Feed.objects.filter(pk=feed_id).defer("push_secret").first()
    if feed is None or not feed.push_token:
        return None
    if not hmac.compare_digest(feed.push_token.encode(), token.encode()):
        return None
    return feed


def _lease(value: str | None) -> int:
    try:
        seconds = int(value or "")
    except ValueError:
        return LEASE_SECONDS
    return min(seconds, MAX_LEASE_SECONDS) if seconds > 0 else LEASE_SECONDS


def do_verify(feed_id: int, token: str, params: Mapping[str, str], now: datetime) -> str | None:
    """The hub's GET to the callback: the body to answer with 200, or None for 404."""
    feed = _feed_for(feed_id, token)
    mode, topic = params.get("hub.mode", ""), params.get("hub.topic", "")
    if feed is None or topic != topic_of(feed):
        return None
    challenge = params.get("hub.challenge", "")
    if mode == "subscribe":
        if not challenge or feed.push_state not in (PushState.PENDING, PushState.ACTIVE):
            return None
        if not Feed.objects.filter(pk=feed.pk).filter(_followed()).exists():
            return None
        lease = _lease(params.get("hub.lease_seconds"))
        renew_in = max(lease - RENEW_BEFORE_SECONDS, lease // 2, MIN_RENEW_SECONDS)
        verified = Feed.objects.filter(
            pk=feed.pk, push_token=token, push_state__in=[PushState.PENDING, PushState.ACTIVE]
        ).update(push_state=PushState.ACTIVE, push_expires_at=now + timedelta(seconds=lease),
                 push_next_at=now + timedelta(seconds=renew_in), push_failures=0,
                 push_error="")  # fmt: skip
        return challenge if verified else None
    if mode == "unsubscribe":
        if not challenge or feed.push_state != PushState.ENDING:
            return None
        _forget(feed.pk, token)
        return challenge
    if mode == "denied":  # WebSub 5.2: at any time, even after the hub accepted
        reason = _one_line(params.get("hub.reason", ""), 300)
        error = "The hub denied the subscription" + (f": {reason}" if reason else ".")
        Feed.objects.filter(pk=feed.pk, push_token=token).update(
            push_state=PushState.FAILED, push_error=error[:500],
            push_next_at=now + timedelta(seconds=RETRY_MAX_SECONDS))  # fmt: skip
        return ""
    return None


def signature_matches(secret: str, header: str, body: bytes) -> bool:
    """Whether X-Hub-Signature (`method=hex digest`) is the HMAC of `body` with `secret`."""
    method, _, digest = header.strip().partition("=")
    algorithm = ALGORITHMS.get(method.strip().lower())
    if algorithm is None or not digest:
        return False
    expected = hmac.new(secret.encode(), body, algorithm).hexdigest()
    return hmac.compare_digest(expected.encode(), digest.strip().lower().encode())


def check_push(feed_id: int, token: str, signature: str, body: bytes, content_type: str,
               now: datetime) -> Pushed | None:  # fmt: skip
    """The hub's POST to the callback: the feed and what it pushed when the signature holds
    and the body is a feed; None when it is to be ignored (the reason is kept on the feed).
    Raises Gone when the callback is no subscription of Outlier's."""
    feed = _feed_for(feed_id, token)
    if feed is None or feed.push_state in (PushState.NONE, PushState.ENDING):
        raise Gone
    if not Feed.objects.filter(pk=feed.pk).filter(_followed()).exists():
        raise Gone
    secret = _secret(feed)
    if not secret:  # Outlier always gives one: without it, nothing can be verified
        _ignore(feed, "A push could not be verified (the subscription's secret cannot be "
                      "read): the feed subscribes again.", resubscribe=True)  # fmt: skip
        return None
    if not signature_matches(secret, signature, body):
        _ignore(feed, "A push without a valid signature (X-Hub-Signature) was ignored.")
        return None
    try:
        parsed = feeds.parse(body, topic_of(feed), content_type)
    except feeds.FeedError as exc:
        _ignore(feed, f"The hub pushed something that is not a feed: {exc}")
        return None
    return Pushed(feed=feed, parsed=parsed)


def _ignore(feed: Feed, reason: str, resubscribe: bool = False) -> None:
    logger.info("A push for the feed %s was ignored: %s", feed.url, reason)
    fields: dict[str, Any] = {"push_error": reason[:500]}
    if resubscribe:  # the sweep subscribes it anew, with a fresh token and secret
        fields.update(push_state=PushState.NONE, push_next_at=None)
    Feed.objects.filter(pk=feed.pk).update(**fields)


def do_note_push(feed: Feed, new: int, now: datetime) -> None:
    """What a stored push changes on the feed: when an item last was new."""
    fields: dict[str, Any] = {"push_error": ""}
    if new:
        fields["new_at"] = now
    Feed.objects.filter(pk=feed.pk).update(**fields)
