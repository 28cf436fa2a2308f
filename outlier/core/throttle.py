"""Rate limits for what anonymous visitors send (suggestions, subscriptions), counted in
the shared cache (the database cache as shipped, Redis when configured) so that every web
process sees the same counts.

A limit is `limit` hits per `window` seconds per key, in fixed windows: the first hit starts a
window, the counter goes when it ends. Keys are hashed: no client address is stored as given.
"""

from __future__ import annotations

from django.core.cache import cache
from django.utils.crypto import salted_hmac


def _key(scope: str, value: str) -> str:
    digest = salted_hmac("outlier.core.throttle", value.strip().lower(), algorithm="sha256")
    return f"throttle:{scope}:{digest.hexdigest()[:32]}"


def hit(scope: str, value: str, limit: int, window: int) -> bool:
    """Count one hit of `value` (a client address, an author) in `scope`; False once more
    than `limit` hits fell in the current window (the hit is still counted)."""
    key = _key(scope, value)
    if cache.add(key, 1, timeout=window):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count <= limit
