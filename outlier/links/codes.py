"""The `<code>` of `/l/<code>`: short, random, and not guessable in sequence; and the click
ids the redirect hands to the target.

Seven characters of base62 drawn from `secrets` give 62⁷ ≈ 3.5 × 10¹² codes: knowing one
link tells nothing about the others, and at a million links a new code collides with an
existing one about once in 3.5 million draws (the insert then simply draws again).
"""

from __future__ import annotations

import os
import secrets
import string
import threading
from base64 import urlsafe_b64encode

ALPHABET = string.digits + string.ascii_letters
LENGTH = 7
# Codes of other lengths may exist (made by hand, imported): anything of 4 to 16 of these.
_VALID = frozenset(ALPHABET)


def new_code(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def looks_like_code(text: str) -> bool:
    """Whether `text` could be a code at all (checked before any lookup)."""
    return 4 <= len(text) <= 16 and _VALID.issuperset(text)


class ClickIds:
    """Click ids: the time in milliseconds (11 hex digits, so new ids go to the end of the
    unique index) and 64 random bits from the OS (11 URL-safe characters), unique and not
    guessable.

    The random bits are drawn 4 KiB at a time: `os.urandom` per click released and took back
    the GIL on every redirect, which under load cost as much as the rest of the redirect
    (a profile of a web process in bench/redirect.py). A forked process starts a pool of its
    own, so no two processes hand out the same bits.
    """

    POOL = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool = b""
        self._at = 0
        os.register_at_fork(after_in_child=self._forget)

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._pool, self._at = b"", 0

    def new(self, now: float) -> str:
        with self._lock:
            at = self._at
            if at >= len(self._pool):
                self._pool, at = os.urandom(self.POOL), 0
            self._at = at + 8
            bits = self._pool[at : at + 8]
        return f"{int(now * 1000):011x}{urlsafe_b64encode(bits).rstrip(b'=').decode()}"


click_ids = ClickIds()
