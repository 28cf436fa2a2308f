"""Record keys derived from a delivery's idempotency key, so a retry cannot post twice.

A post's record key must be a TID: 13 characters of base32-sortable ("234567a…z") holding a
64-bit number whose top bit is 0, then 53 bits of microseconds since 1970, then a 10-bit
clock id. Outlier derives the post's key from the delivery's idempotency key instead of
letting the PDS pick one, so every attempt of the same delivery writes the same key; a
repository holds at most one record per collection and key, so the same delivery cannot
become two posts, whatever happens between the attempts.

What a PDS does when createRecord gets a key that already exists (checked against
@atproto/pds 0.5.35, see tests/bluesky/test_same_delivery_twice.py): it refuses, and
leaves the record as it was. The refusal is not a clean conflict error: the repository's
tree throws "There is already a value at key" inside the write transaction, which is rolled
back, and the PDS answers 500 InternalServerError (the attempt still costs its 3 rate-limit
points). So the adapter relies on that only as far as it holds: a PDS never stores two
records under one key, and it did not overwrite the first; it does not rely on the status
or the message. After any failed create it reads the key back (getRecord): a record there
means the post is out (from this attempt or an earlier one) and the delivery succeeded.
A post that was deleted frees its key: sending the same delivery again would post it again.

The timestamp part: a TID claims the record's creation time (the AppView reads it, e.g. to
order an author's thread replies), and listRecords orders by key. When the idempotency key
carries a time (a UUIDv7, as 32 hex digits or in canonical form), the TID takes it (in
milliseconds, plus microseconds and a clock id from a hash of the key), so keys stay close
to the real time and in order. Any other key (a random UUID4) gives a timestamp from its
hash, within 2015-01-01 + 2**48 µs (about 8.9 years, so in the past), and a clock id from
the hash too: 58 bits, so two deliveries share a key with a chance of about n²/2**59.

The posts of a thread are keyed from the first one: part i takes the first post's
timestamp plus i microseconds and the same clock id, so `delete` can find them from the
first post's URI alone.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["ALPHABET", "is_tid", "part_rkey", "root_rkey", "tid", "tid_parts"]

ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TID = re.compile(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}")
_UUID7 = re.compile(r"[0-9a-f]{12}7[0-9a-f]{3}[89ab][0-9a-f]{15}")
_EPOCH_2015_US = 1_420_070_400 * 1_000_000
_HASHED_SPAN_US = 1 << 48
_MAX_TIMESTAMP = (1 << 53) - 1


def tid(timestamp_us: int, clock_id: int) -> str:
    """The TID for a time in microseconds since 1970 and a clock id (0 to 1023)."""
    if not 0 <= timestamp_us <= _MAX_TIMESTAMP or not 0 <= clock_id < 1024:
        raise ValueError("a TID holds 53 bits of microseconds and a 10-bit clock id")
    value = (timestamp_us << 10) | clock_id
    chars = []
    for _ in range(13):
        chars.append(ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def tid_parts(value: str) -> tuple[int, int]:
    """(microseconds, clock id) of a TID; ValueError when it is not one."""
    if not is_tid(value):
        raise ValueError(f"{value!r} is not a TID")
    number = 0
    for char in value:
        number = (number << 5) | ALPHABET.index(char)
    return number >> 10, number & 1023


def is_tid(value: str) -> bool:
    return bool(_TID.fullmatch(value))


def _uuid7_ms(key: str) -> int | None:
    """The Unix time in milliseconds a UUIDv7 carries, or None for any other key."""
    compact = key.strip().lower().replace("-", "")
    if not _UUID7.fullmatch(compact):
        return None
    return int(compact[:12], 16)


def root_rkey(idempotency_key: str) -> str:
    """The record key of the (first) post of the delivery with this idempotency key."""
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode("utf-8")).digest()[:8], "big")
    clock_id = digest & 1023
    rest = digest >> 10
    millis = _uuid7_ms(idempotency_key)
    if millis is not None and millis * 1000 + 999 <= _MAX_TIMESTAMP:
        timestamp = millis * 1000 + rest % 1000
    else:
        timestamp = _EPOCH_2015_US + rest % _HASHED_SPAN_US
    return tid(timestamp, clock_id)


def part_rkey(root: str, index: int) -> str:
    """The record key of post `index` of a thread (0 is the first post itself)."""
    timestamp, clock_id = tid_parts(root)
    return tid(timestamp + index, clock_id)
