"""Rate limits on subscribing, in the shared cache: per e-mail address and per client address,
each known only by a keyed hash (no address is stored for this).

An address may ask `PER_ADDRESS` times an hour (a confirmation e-mail each time, so a stranger
cannot flood someone's inbox); one client may ask `PER_CLIENT` times an hour, whatever the
addresses (so one machine cannot flood many inboxes). Another client is not held up by it.
"""

from __future__ import annotations

from outlier.core import throttle

PER_ADDRESS = 3
PER_CLIENT = 10
WINDOW_SECONDS = 3600


def allow(email_key: str, client: str) -> bool:
    """Count one request; False when the address or the client has asked too often."""
    if not throttle.hit("subscribe-client", client, PER_CLIENT, WINDOW_SECONDS):
        return False
    return throttle.hit("subscribe-address", email_key, PER_ADDRESS, WINDOW_SECONDS)
