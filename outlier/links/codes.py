"""The `<code>` of `/l/<code>`: short, random, and not guessable in sequence.

Seven characters of base62 drawn from `secrets` give 62⁷ ≈ 3.5 × 10¹² codes: knowing one
link tells nothing about the others, and at a million links a new code collides with an
existing one about once in 3.5 million draws (the insert then simply draws again).
"""

from __future__ import annotations

import secrets
import string

ALPHABET = string.digits + string.ascii_letters
LENGTH = 7
# Codes of other lengths may exist (made by hand, imported): anything of 4 to 16 of these.
_VALID = frozenset(ALPHABET)


def new_code(length: int = LENGTH) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def looks_like_code(text: str) -> bool:
    """Whether `text` could be a code at all (checked before any lookup)."""
    return 4 <= len(text) <= 16 and _VALID.issuperset(text)
