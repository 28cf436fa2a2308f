"""One writer at a time on SQLite, woken as soon as the lock frees.

SQLite allows one write transaction at a time; a connection that finds the database locked
waits in SQLite's busy handler, which sleeps in steps of up to 100 ms whatever happens
meanwhile. Two workers that each commit a few times per delivery spend most of their time in
those sleeps. Hot write paths take this advisory file lock (flock) first instead: a waiter
wakes the moment the holder releases it. Other writers (web requests, tasks) keep relying on
the busy timeout. On PostgreSQL this does nothing: row locks already let writers overlap.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction

_files: dict[tuple[int, str], int] = {}
# flock belongs to the open file, which the process's threads share: a thread lock comes first.
_threads = threading.Lock()  # per process: a forked child must not share the parent's


def _lock_fd() -> int | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    key = (os.getpid(), name + ".writelock")
    if key not in _files:
        _files[key] = os.open(key[1], os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    return _files[key]


@contextmanager
def atomic_write() -> Iterator[None]:
    """`transaction.atomic()`, taken after the SQLite write lock when outside a transaction."""
    fd = _lock_fd() if not connection.in_atomic_block else None
    if fd is None:
        with transaction.atomic():
            yield
        return
    with _threads:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            with transaction.atomic():
                yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
