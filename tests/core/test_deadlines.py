"""The shared timer thread behind the safe client's deadlines."""

from __future__ import annotations

import os
import threading
import time

from outlier.core import deadlines


def test_a_deadline_fires_once_when_its_time_comes() -> None:
    fired: list[float] = []
    done = threading.Event()
    when = time.monotonic() + 0.05
    deadlines.at(when, lambda: (fired.append(time.monotonic()), done.set()))
    assert done.wait(2)
    time.sleep(0.05)
    assert len(fired) == 1 and fired[0] >= when


def test_a_cancelled_deadline_never_fires() -> None:
    fired = threading.Event()
    deadlines.at(time.monotonic() + 0.05, fired.set).cancel()
    assert not fired.wait(0.2)


def test_an_earlier_deadline_filed_later_is_not_kept_waiting() -> None:
    order: list[str] = []
    done = threading.Event()
    late = deadlines.at(time.monotonic() + 5, lambda: order.append("late"))
    deadlines.at(time.monotonic() + 0.1, lambda: (order.append("next"), done.set()))
    deadlines.at(time.monotonic() + 0.05, lambda: order.append("soon"))
    assert done.wait(1)
    late.cancel()
    assert order == ["soon", "next"]


def test_many_cancelled_deadlines_do_not_pile_up() -> None:
    for _ in range(5 * deadlines.COMPACT_AFTER):
        deadlines.at(time.monotonic() + 60, lambda: None).cancel()
    assert len(deadlines._timers._heap) <= 3 * deadlines.COMPACT_AFTER


def test_a_forked_child_has_a_timer_thread_of_its_own() -> None:
    deadlines.at(time.monotonic(), lambda: None)  # the parent's thread is running
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its deadline must fire although the parent's thread is not here
        fired = threading.Event()
        deadlines.at(time.monotonic() + 0.01, fired.set)
        os.write(write, b"y" if fired.wait(2) else b"n")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    assert answer == b"y"


def test_a_clock_read_wrong_once_does_not_put_the_thread_to_sleep_for_long(monkeypatch) -> None:
    real = time.monotonic
    monkeypatch.setattr(time, "monotonic", lambda: 0.0)  # as tests of other modules do
    deadlines.at(real() + 0.5, lambda: None)  # the earliest: wakes the thread, which misreads
    time.sleep(0.05)
    monkeypatch.setattr(time, "monotonic", real)
    fired = threading.Event()
    deadlines.at(real() + 1.0, fired.set)  # not the earliest: nothing wakes the thread for it
    assert fired.wait(4)
