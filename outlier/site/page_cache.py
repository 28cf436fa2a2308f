"""A per-process memory of rendered public responses, keyed by their ETag.

The ETag already names everything a response depends on (path, page, the topic's
``changed_at``, the release), so an entry can never be stale: a change makes a new key
and the old entry ages out. Each web process keeps its own; nothing here needs to be
shared for correctness, and a hit costs no database query beyond the freshness check.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

MAX_ENTRIES = 512
MAX_BYTES = 48 * 1024 * 1024
MAX_ENTRY_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CachedPage:
    content: bytes
    content_type: str


class PageCache:
    """A thread-safe LRU bounded by entries and by bytes."""

    def __init__(
        self,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
        max_entry_bytes: int = MAX_ENTRY_BYTES,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[str, CachedPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedPage | None:
        with self._lock:
            page = self._entries.get(key)
            if page is not None:
                self._entries.move_to_end(key)
            return page

    def put(self, key: str, page: CachedPage) -> None:
        size = len(page.content)
        if size > self.max_entry_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.content)
            self._entries[key] = page
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.max_entries or self._bytes > self.max_bytes
            ):
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= len(evicted.content)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


pages = PageCache()
