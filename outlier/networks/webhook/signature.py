"""Webhook signatures: how a receiver knows a request comes from Outlier, unchanged and fresh.

Every request Outlier sends to a webhook carries these headers (the scheme follows Stripe's):

    Outlier-Id: <the delivery's idempotency key>      (repeated as Idempotency-Key)
    Outlier-Timestamp: <Unix time, in seconds, when the request was signed>
    Outlier-Signature: v1=<hex HMAC-SHA256, keyed with the channel's secret, of
                           the timestamp, a ".", and the raw request body>

To check a request, a receiver:

1. reads the raw body exactly as received, before parsing the JSON;
2. computes HMAC-SHA256(secret, f"{timestamp}.".encode() + body) as lowercase hex;
3. compares it, in constant time, with each "v1=" value in Outlier-Signature (the header may
   hold several, comma-separated, while a secret is being replaced); one match is enough;
4. refuses the request when the timestamp is more than 5 minutes away from its own clock, so a
   captured request cannot be replayed later;
5. treats a request whose Outlier-Id it has already processed as a duplicate: it answers 2xx
   again and does nothing. Outlier retries a delivery whose answer it did not get.

`verify_signature` does steps 2 to 4.
"""

from __future__ import annotations

import hashlib
import hmac
import time

__all__ = ["SCHEME", "TOLERANCE", "sign", "signature", "verify_signature"]

SCHEME = "v1"
TOLERANCE = 300  # seconds


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def signature(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    """The hex HMAC-SHA256 of f"{timestamp}.{body}"."""
    message = f"{timestamp}.".encode("ascii") + body
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The Outlier-Signature header value for `body` sent at `timestamp`."""
    return f"{SCHEME}={signature(secret, timestamp, body)}"


def verify_signature(
    secret: str | bytes,
    timestamp: int | str,
    body: bytes | str,
    header: str,
    tolerance: float = TOLERANCE,
    now: float | None = None,
) -> bool:
    """True when `header` (Outlier-Signature) signs `body` at `timestamp`, and it is fresh.

    `timestamp` is the Outlier-Timestamp header as received; a malformed header, a timestamp
    further than `tolerance` seconds from `now` (default: the current time) or no matching
    "v1=" value all give False. The comparison is constant-time.
    """
    stamp = str(timestamp).strip()
    if not (stamp.isascii() and stamp.isdigit()) or not header:
        return False
    current = time.time() if now is None else now
    if abs(current - int(stamp)) > tolerance:
        return False
    raw = body.encode("utf-8") if isinstance(body, str) else body
    expected = signature(secret, stamp, raw).encode("ascii")
    matched = False
    for part in header.split(","):
        scheme, _, value = part.strip().partition("=")
        if scheme == SCHEME:
            # No early exit: every candidate is compared, whichever matches.
            matched |= hmac.compare_digest(expected, value.strip().encode("utf-8", "replace"))
    return matched
