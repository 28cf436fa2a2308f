"""One timer thread per process, for many short deadlines (the safe client's watchdogs).

`threading.Timer` starts a thread per deadline: on a worker making hundreds of fetches a
second that start costs more than a 304 answer. Here one daemon thread sleeps until the
earliest deadline; `at(when, callback)` files a deadline and `Deadline.cancel()` withdraws it
(it stays in the heap until it would have fired, and is then skipped). The thread is woken
only when a new deadline comes before every other one; fetches with the same budget file
ever later deadlines, so filing one costs a lock and a heap push. A forked child starts its
own thread.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections.abc import Callable

__all__ = ["Deadline", "at"]

logger = logging.getLogger(__name__)

COMPACT_AFTER = 1024
MAX_SLEEP = 1.0  # seconds the thread sleeps at most before it looks at the clock again  # cancelled entries kept before the heap is rebuilt without them


class Deadline:
    __slots__ = ("_callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[[], None]) -> None:
        self.when = when
        self._callback: Callable[[], None] | None = callback
        self.cancelled = False

    def cancel(self) -> None:
        with _timers.lock:
            if not self.cancelled:
                self.cancelled = True
                self._callback = None
                _timers.cancelled += 1

    def _take(self) -> Callable[[], None] | None:
        callback, self._callback = self._callback, None
        return callback


class _Timers:
    def __init__(self) -> None:
        self.pid = -1
        self.lock = threading.Lock()
        self._wake = threading.Condition(self.lock)
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self.cancelled = 0

    def add(self, deadline: Deadline) -> None:
        with self.lock:
            if self.pid != os.getpid():  # first use, or a forked child: a thread of its own
                self._heap, self.cancelled, self.pid = [], 0, os.getpid()
                threading.Thread(target=self._run, name="deadlines", daemon=True).start()
            earliest = not self._heap or deadline.when < self._heap[0][0]
            heapq.heappush(self._heap, (deadline.when, next(self._order), deadline))
            if self.cancelled > COMPACT_AFTER and self.cancelled * 2 > len(self._heap):
                self._heap = [entry for entry in self._heap if not entry[2].cancelled]
                heapq.heapify(self._heap)
                self.cancelled = 0
            if earliest:
                self._wake.notify()

    def _run(self) -> None:
        while True:
            with self.lock:
                due: list[Callable[[], None]] = []
                now = time.monotonic()
                while self._heap and self._heap[0][0] <= now:
                    _, _, deadline = heapq.heappop(self._heap)
                    if deadline.cancelled:
                        self.cancelled -= 1
                    elif callback := deadline._take():
                        due.append(callback)
                if not due:
                    # Never longer than MAX_SLEEP: a clock read wrong once (a test that
                    # patches time.monotonic) must not leave the thread asleep for hours.
                    wait = self._heap[0][0] - now if self._heap else MAX_SLEEP
                    self._wake.wait(min(max(wait, 0.0), MAX_SLEEP))
                    continue
            for callback in due:  # outside the lock: a callback may file or cancel deadlines
                try:
                    callback()
                except Exception:  # the thread serves every other deadline: it must go on
                    logger.exception("A deadline's callback failed")


_timers = _Timers()


def at(when: float, callback: Callable[[], None]) -> Deadline:
    """Call `callback` (briefly: it runs on the shared thread) once `time.monotonic()` reaches
    `when`, unless the returned deadline is cancelled first."""
    deadline = Deadline(when, callback)
    _timers.add(deadline)
    return deadline
