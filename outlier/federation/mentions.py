"""Who "@user@server" in a post is: WebFinger on the server, then the actor document it names,
both through the safe HTTP client (`outlier.core.safe_http`, `networks.activitypub.remote`).

A mention that cannot be resolved (no such account, a server that does not answer, an answer
that does not hold together) stays plain text: nothing fails because of it. An actor is only
believed to be "user@server" when the server's WebFinger says so; when the actor lives on
another host than the one in the handle (a "split domain"), WebFinger on the actor's own host
must name the same actor back. Actors resolved lately are taken from RemoteActor rows.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils import timezone

from outlier.core import safe_http
from outlier.curation.models import Topic
from outlier.federation import actions, actors, addresses, queries
from outlier.federation.documents import Mentioned
from outlier.federation.models import RemoteActor
from outlier.networks.activitypub import remote
from outlier.networks.activitypub.vocabulary import AP_MEDIA_TYPES

logger = logging.getLogger(__name__)

MAX_MENTIONS = 10  # resolved per post; the others stay plain text
BUDGET_SECONDS = 20.0  # for all of a post's mentions together
FRESH = timedelta(days=1)  # a remembered actor this recent is not looked up again
WEBFINGER_DEADLINE = 5.0
WEBFINGER_MAX_BYTES = 64 * 1024
JRD = "application/jrd+json, application/json;q=0.9"


class Unresolved(Exception):
    """Why a mention stays plain text."""


def _plain_http_allowed(host: str) -> bool:
    """Plain http is tried after https only for an address inside the private networks the
    operator allowed (settings.ALLOWED_PRIVATE_NETWORKS: test machines, intranets), where
    servers often run without TLS. Public servers are asked over https only, as Mastodon does."""
    name = urlsplit(f"//{host}").hostname or ""
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return any(address in network for network in settings.ALLOWED_PRIVATE_NETWORKS)


def _webfinger(user: str, host: str) -> str:
    """The actor id the server's WebFinger gives for acct:user@host."""
    query = "resource=" + quote(f"acct:{user}@{host}", safe=":@")
    schemes = ["https", "http"] if _plain_http_allowed(host) else ["https"]
    response: safe_http.Response | None = None
    for scheme in schemes:
        try:
            response = safe_http.fetch(
                f"{scheme}://{host}/.well-known/webfinger?{query}", accept=JRD,
                max_bytes=WEBFINGER_MAX_BYTES, deadline=WEBFINGER_DEADLINE,
            )  # fmt: skip
            break
        except safe_http.FetchError as exc:
            if scheme == schemes[-1]:
                raise Unresolved(f"WebFinger on {host}: {exc}") from exc
    assert response is not None
    if not response.ok:
        raise Unresolved(f"WebFinger on {host} answered {response.status}")
    try:
        jrd: Any = json.loads(response.body)
    except ValueError as exc:
        raise Unresolved(f"WebFinger on {host} did not answer JSON") from exc
    links = jrd.get("links") if isinstance(jrd, dict) else None
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        kind = str(link.get("type") or "").split(";", 1)[0].strip().lower()
        href = link.get("href")
        if kind in AP_MEDIA_TYPES and isinstance(href, str) and href.startswith("http"):
            return href
    raise Unresolved(f"WebFinger on {host} names no ActivityPub actor for {user}")


def _actor(user: str, host: str, topic_id: int) -> actors.FetchedActor:
    actor_id = _webfinger(user, host)
    fetched = actors.fetch(actor_id, signer=actions.fetch_signer(topic_id))
    doc = fetched.doc
    actor_host = urlsplit(doc.id).netloc.lower()
    # A split domain: the actor's own host must call it user@host back.
    confirmed = actor_host == host.lower() or (
        bool(doc.preferred_username) and _webfinger(doc.preferred_username, actor_host) == doc.id
    )
    if not confirmed:
        raise Unresolved(f"{doc.id} is not confirmed as {user}@{host} by its own host")
    return fetched


def _remembered(user: str, host: str) -> RemoteActor | None:
    return (
        RemoteActor.objects.filter(
            host=host.lower(),
            preferred_username__iexact=user,
            fetched_at__gte=timezone.now() - FRESH,
        )  # fmt: skip
        .order_by("-fetched_at")
        .first()
    )


def _ours(user: str) -> Mentioned | None:
    topic = queries.public_topic_by_slug(user)
    if topic is None:
        return None
    return Mentioned(
        actor=addresses.actor_uri(topic.pk), url=addresses.absolute(topic.get_absolute_url())
    )


def resolve(handle: str, topic: Topic) -> Mentioned | None:
    """The actor "user@host" names, or None when it cannot be told (logged, never raised)."""
    user, _, host = handle.partition("@")
    if not user or not host:
        return None
    if host.lower() == addresses.host():
        return _ours(user)
    actor = _remembered(user, host)
    if actor is None:
        try:
            actor = actors.remember(_actor(user, host, topic.pk))
        except (Unresolved, remote.RemoteError) as exc:
            logger.info("The mention @%s stays plain text: %s", handle, exc)
            return None
    return Mentioned(
        actor=actor.uri, url=actor.url or actor.uri, inbox=actor.shared_inbox or actor.inbox
    )


def resolve_all(handles: Iterable[str], topic: Topic) -> dict[str, Mentioned]:
    """{"user@host" case-folded: the actor} for the first MAX_MENTIONS handles that resolve
    within BUDGET_SECONDS (a post waits for them; the others stay plain text)."""
    found: dict[str, Mentioned] = {}
    stop_at = time.monotonic() + BUDGET_SECONDS
    for handle in list(dict.fromkeys(h.casefold() for h in handles))[:MAX_MENTIONS]:
        if time.monotonic() > stop_at:
            logger.info("Out of time: the mention @%s and the next stay plain text", handle)
            break
        mentioned = resolve(handle, topic)
        if mentioned is not None:
            found[handle] = mentioned
    return found
