"""Record keys derived from idempotency keys: valid TIDs, stable, close to the key's time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outlier.networks.bluesky.rkeys import is_tid, part_rkey, root_rkey, tid, tid_parts


def test_tids_round_trip_and_sort_by_time() -> None:
    assert tid(0, 0) == "2222222222222"
    assert tid((1 << 53) - 1, 1023) == "bzzzzzzzzzzzz"  # the top bit stays 0
    value = tid(1_700_000_000_000_000, 42)
    assert is_tid(value) and tid_parts(value) == (1_700_000_000_000_000, 42)
    assert tid(1_700_000_000_000_000, 0) < tid(1_700_000_000_000_001, 0)
    with pytest.raises(ValueError):
        tid(1 << 53, 0)
    with pytest.raises(ValueError):
        tid_parts("not-a-tid")


def test_the_same_key_gives_the_same_rkey_and_others_differ() -> None:
    keys = [f"{n:032x}" for n in range(2000)]
    rkeys = {root_rkey(key) for key in keys}
    assert len(rkeys) == len(keys)
    assert all(is_tid(rkey) for rkey in rkeys)
    assert root_rkey("a3f9c2") == root_rkey("a3f9c2")


def test_a_uuid7_key_gives_its_own_time() -> None:
    key = "0192f3c2-7c1e-7a3b-9d2e-5f6a7b8c9d0e"  # a UUIDv7: its first 48 bits are Unix ms
    micros, _ = tid_parts(root_rkey(key))
    assert micros // 1000 == 0x0192F3C27C1E
    when = datetime.fromtimestamp(micros / 1e6, UTC)
    assert when.isoformat(timespec="seconds") == "2024-11-03T20:41:02+00:00"
    compact = key.replace("-", "")  # the same time, written without dashes
    assert tid_parts(root_rkey(compact))[0] // 1000 == micros // 1000


def test_other_keys_give_a_time_in_the_past() -> None:
    micros, _ = tid_parts(root_rkey("5d41402abc4b2a76b9719d911017c592"))  # a UUID4-like key
    when = datetime.fromtimestamp(micros / 1e6, UTC)
    assert datetime(2015, 1, 1, tzinfo=UTC) <= when < datetime(2024, 1, 1, tzinfo=UTC)


def test_thread_parts_follow_their_first_post() -> None:
    root = root_rkey("thread-key")
    parts = [part_rkey(root, index) for index in range(5)]
    assert parts[0] == root
    assert parts == sorted(parts) and len(set(parts)) == 5
    assert {tid_parts(part)[1] for part in parts} == {tid_parts(root)[1]}
