"""Rate limits on subscribing, in the shared cache: per e-mail address and per client address,
each known only by a keyed hash (no address is stored for this).

An address may ask `PER_ADDRESS` times an hour (a confirmation e-mail each time, so a stranger
cannot flood someone's inbox); one client may ask `PER_CLIENT` times an hour, whatever the
addresses (so one machine cannot flood many inboxes). Another client is not held up by it.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils.crypto import salted_hmac

PER_ADDRESS = 3
PER_CLIENT = 10
WINDOW_SECONDS = 3600
_SALT = "outlier.digests.throttle"


def _key(kind: str, value: str) -> str:
    digest = salted_hmac(_SALT, value.strip().lower(), algorithm="sha256").hexdigest()[:32]
    return f"digest-subscribe:{kind}:{digest}"


def _count(key: str) -> int:
    if cache.add(key, 1, timeout=WINDOW_SECONDS):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


def allow(email_key: str, client: str) -> bool:
    """Count one request; False when the address or the client has asked too often."""
    by_client = _count(_key("client", client))
    if by_client > PER_CLIENT:
        return False
    return _count(_key("address", email_key)) <= PER_ADDRESS
