"""Real worker processes under faults, for `test_faults.py`: one subprocess, many forked workers.

    python -m tests.publishing.fault_harness SCENARIO --report FILE [options]

Run with DJANGO_SETTINGS_MODULE=tests.settings and OUTLIER_TEST_DATABASE_NAME naming the test
database the calling test filled (see tests/settings.py). Django starts once, here; each
worker is then an `os.fork()` of this process running the real
`outlier.core.worker.Worker` loop (database connections are closed before the fork, the
child opens its own). Nothing in the product is changed, with two harness-only exceptions in
the children: `django.utils.timezone.now` is offset by a value shared with this process (the
clock-jump scenarios), and in `kills` the child reports three moments on a pipe (after a
claim, before and after the network call) so that the parent can aim its `kill -9`.

Scenarios (each writes a JSON report for the test to check against the receiver's timeline):

  kills       --cycles N: fork a worker, SIGKILL it before, during or after the network call
              (or at a random moment), N times; then the sweeper (with `now` one heartbeat
              window ahead, instead of waiting a minute) and a final clean worker.
  concurrent  --workers N: N workers at once until nothing is due; stopped with SIGTERM.
  clock       a worker runs, then its clock jumps +2 h.
  ratelimit   a worker gets 429s, then its clock jumps +61 s, then +121 s.
  timeout     a worker times out on a receiver that took the post; then its clock jumps +1 h.
  batch       --mode kill|jump: a worker with its default batch of 10 is killed during its
              second call, or its clock jumps +2 h then and a second worker starts.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import mmap
import os
import random
import select
import signal
import struct
import sys
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

Report = dict[str, Any]
OPEN_STATES = ("scheduled", "retrying", "sending")


# --- the shared clock ---------------------------------------------------------------------


class SharedOffset:
    """Seconds added to `timezone.now()` in the forked workers; this process may change it."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, 8)  # anonymous and shared: the children see the changes

    def set(self, seconds: float) -> None:
        self._memory[:8] = struct.pack("d", seconds)

    def get(self) -> float:
        value: float = struct.unpack("d", self._memory[:8])[0]
        return value

    def install(self) -> None:
        """In a child: every `timezone.now()` (the worker's, the models') reads the offset."""
        from django.utils import timezone

        real_now = timezone.now

        def now() -> datetime:
            return real_now() + timedelta(seconds=self.get())

        timezone.now = now


# --- forked workers -----------------------------------------------------------------------


def _say(fd: int, code: bytes) -> None:
    with contextlib.suppress(OSError):  # the parent stopped listening
        os.write(fd, code)


def _instrument(fd: int) -> None:
    """Report (not change) the worker's progress: C after a claim, S/R around the call."""
    from outlier.networks.webhook import adapter
    from outlier.publishing import dispatch

    real_claim, real_fetch = dispatch.claim_due, adapter.fetch

    def claim_due(*args: Any, **kwargs: Any) -> list[int]:
        claimed = real_claim(*args, **kwargs)
        if claimed:
            _say(fd, b"C")
        return claimed

    def fetch(*args: Any, **kwargs: Any) -> Any:
        _say(fd, b"S")
        try:
            return real_fetch(*args, **kwargs)
        finally:
            _say(fd, b"R")

    dispatch.claim_due = claim_due  # type: ignore[assignment]
    adapter.fetch = fetch  # type: ignore[assignment]


def fork_worker(
    worker_id: str,
    *,
    batch: int = 10,
    interval: float = 0.05,
    offset: SharedOffset | None = None,
    events: int | None = None,
) -> int:
    """A real worker in a child process; returns its pid. The child never returns."""
    from django.db import connections

    connections.close_all()  # the child must not share this process's database connection
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if offset is not None:
            offset.install()
        if events is not None:
            _instrument(events)
        from outlier.core.worker import Worker

        worker = Worker(interval=interval, batch=batch)
        worker.worker_id = worker_id  # known to the parent, which inspects the rows it claimed
        worker.run()
        code = 0
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
    finally:
        os._exit(code)


def describe_exit(status: int) -> str:
    if os.WIFSIGNALED(status):
        return signal.Signals(os.WTERMSIG(status)).name
    return f"exit {os.WEXITSTATUS(status)}"


def stop(pid: int, timeout: float = 10.0) -> str:
    """SIGTERM (the worker finishes its step and leaves), SIGKILL if it does not."""
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return describe_exit(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return "did not stop on SIGTERM"


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()


class Events:
    """The codes a child wrote on its pipe, each with the times it was seen."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.seen: dict[str, list[float]] = {}
        self.closed = False

    @property
    def first(self) -> dict[str, float]:
        return {code: times[0] for code, times in self.seen.items()}

    def wait_for(self, code: str, timeout: float, nth: int = 1) -> float | None:
        """When `code` was seen for the `nth` time (None: not within `timeout`)."""
        deadline = time.monotonic() + timeout
        while len(self.seen.get(code, ())) < nth and not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                self.read()
        times = self.seen.get(code, [])
        return times[nth - 1] if len(times) >= nth else None

    def read(self) -> None:
        data = os.read(self.fd, 4096)
        if not data:
            self.closed = True
        now = time.time()
        for char in data.decode("ascii"):
            self.seen.setdefault(char, []).append(now)

    def drain(self) -> None:
        """After the child died: what it said before."""
        while not self.closed:
            self.read()


def fork_watched(worker_id: str, **options: Any) -> tuple[int, Events]:
    """A worker that reports its progress on a pipe (see `_instrument`)."""
    read_fd, write_fd = os.pipe()
    fcntl.fcntl(write_fd, fcntl.F_SETFL, os.O_NONBLOCK)
    pid = fork_worker(worker_id, events=write_fd, **options)
    os.close(write_fd)
    return pid, Events(read_fd)


# --- the database, from here ----------------------------------------------------------------


def open_count() -> int:
    from outlier.publishing.models import Delivery

    return Delivery.objects.filter(state__in=OPEN_STATES).count()


def states() -> dict[str, int]:
    from django.db.models import Count

    from outlier.publishing.models import Delivery

    rows = Delivery.objects.values("state").annotate(n=Count("pk")).order_by("state")
    return {row["state"]: row["n"] for row in rows}


def claimed_by(worker_id: str) -> list[dict[str, Any]]:
    """The deliveries a worker claimed, in the order it claimed them, as they are now."""
    from outlier.publishing.models import Delivery

    rows = Delivery.objects.filter(claimed_by=worker_id).order_by("claimed_at", "due_at", "pk")
    return [{"pk": row["pk"], "key": row["idempotency_key"], "state": row["state"]}
            for row in rows.values("pk", "idempotency_key", "state")]  # fmt: skip


def delivery_by_path(path: str) -> dict[str, Any]:
    from outlier.publishing.models import Delivery

    for row in Delivery.objects.select_related("channel").order_by("pk"):
        if row.channel.settings.get("url", "").endswith(path):
            return {"pk": row.pk, "key": row.idempotency_key, "state": row.state,
                    "attempts": row.attempts, "channel_status": row.channel.status}  # fmt: skip
    raise LookupError(path)


# --- scenarios ------------------------------------------------------------------------------

AIMS = ("before", "during", "after", "random")


def kills(args: argparse.Namespace) -> Report:
    from django.utils import timezone

    from outlier.publishing import dispatch

    rng = random.Random(args.seed)
    cycles: list[dict[str, Any]] = []
    started = time.monotonic()
    for number in range(args.cycles):
        aim = AIMS[number % len(AIMS)]
        worker_id = f"killed-{number:03d}"
        forked_at = time.time()
        pid, events = fork_watched(worker_id, batch=1, interval=0.01)
        anchor = {"before": "C", "during": "S", "after": "R"}.get(aim)
        anchored_at = events.wait_for(anchor, timeout=10.0) if anchor else forked_at
        delay = {
            "before": rng.uniform(0.0, 0.002),  # after the claim, before the request is out
            "during": rng.uniform(0.003, 0.015),  # the receiver holds every request 20-60 ms
            "after": rng.uniform(0.0, 0.012),  # answered: the outcome is being recorded, or is
            "random": rng.uniform(0.0, 0.12),  # anywhere: start-up, a transaction, idle
        }[aim]
        if anchored_at is not None:
            time.sleep(max(0.0, anchored_at + delay - time.time()))
        killed_at = time.time()
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        events.drain()
        os.close(events.fd)
        cycles.append(
            {
                "cycle": number,
                "aim": aim,
                "worker": worker_id,
                "anchored": anchored_at is not None,
                "killed_at": killed_at,
                "exit": describe_exit(status),
                "events": events.first,
                "claimed": claimed_by(worker_id),
            }
        )
    killing = time.monotonic() - started
    before_sweep = states()
    # Nobody is alive now: one heartbeat window later, every "sending" row is abandoned.
    later = timezone.now() + timedelta(seconds=dispatch.HEARTBEAT_STALE_SECONDS + 1)
    swept = dispatch.sweep_abandoned(now=later)
    reconciled = dispatch.reconcile()
    # Rows a killed worker leased but never started wait for their lease to end.
    pid = fork_worker("final", batch=10, interval=0.02, offset=past_leases())
    finished = wait_until(lambda: open_count() == 0, timeout=30.0, step=0.05)
    final_exit = stop(pid)
    return {
        "cycles": cycles,
        "killing_seconds": killing,
        "states_before_sweep": before_sweep,
        "swept": swept,
        "reconciled": reconciled,
        "final_finished": finished,
        "final_exit": final_exit,
        "final_claimed": claimed_by("final"),
        "states": states(),
    }


def concurrent(args: argparse.Namespace) -> Report:
    from django.db.models import Count

    from outlier.publishing.models import Delivery

    started = time.monotonic()
    pids = [fork_worker(f"worker-{n}", batch=10, interval=0.05) for n in range(args.workers)]
    finished = wait_until(lambda: open_count() == 0, timeout=args.timeout, step=0.05)
    elapsed = time.monotonic() - started
    exits = [stop(pid) for pid in pids]
    per_worker = dict(
        Delivery.objects.values_list("claimed_by").annotate(n=Count("pk")).order_by("claimed_by")
    )
    return {"finished": finished, "seconds": elapsed, "exits": exits,
            "per_worker": per_worker, "states": states()}  # fmt: skip


def clock(args: argparse.Namespace) -> Report:
    from outlier.publishing.models import Delivery

    offset = SharedOffset()
    pid = fork_worker("clock", batch=10, interval=0.05, offset=offset)
    now_done = wait_until(
        lambda: not Delivery.objects.filter(state="scheduled", due_at__lte=time_now()).exists(),
        timeout=10.0,
    )
    time.sleep(1.0)  # ~20 more loops: the later post must stay put
    before = states()
    jumped_at = time.time()
    offset.set(2 * 3600)
    later_done = wait_until(lambda: open_count() == 0, timeout=10.0)
    sent_after = time.time()
    time.sleep(0.5)
    exit_ = stop(pid)
    return {"due_now_sent": now_done, "states_before_jump": before, "jumped_at": jumped_at,
            "later_sent": later_done, "later_sent_seen_at": sent_after, "exit": exit_,
            "states": states()}  # fmt: skip


def ratelimit(args: argparse.Namespace) -> Report:
    from outlier.publishing.models import Channel

    offset = SharedOffset()
    pid = fork_worker("ratelimit", batch=10, interval=0.05, offset=offset)
    limited = wait_until(
        lambda: Channel.objects.filter(status="rate_limited").count() == 2 and open_count() == 2
        and all(delivery_by_path(p)["state"] == "scheduled" for p in ("/ra", "/plain")),
        timeout=10.0,
    )  # fmt: skip
    time.sleep(1.0)  # the worker keeps polling: nothing may go out before its time
    waiting = {p: delivery_by_path(p) for p in ("/ra", "/plain")}
    first_jump = time.time()
    offset.set(61)
    plain_sent = wait_until(lambda: delivery_by_path("/plain")["state"] == "sent", timeout=10.0)
    time.sleep(0.5)
    after_first = {p: delivery_by_path(p) for p in ("/ra", "/plain")}
    second_jump = time.time()
    offset.set(121)
    ra_sent = wait_until(lambda: delivery_by_path("/ra")["state"] == "sent", timeout=10.0)
    exit_ = stop(pid)
    return {"limited": limited, "waiting": waiting, "first_jump": first_jump,
            "plain_sent": plain_sent, "after_first_jump": after_first,
            "second_jump": second_jump, "ra_sent": ra_sent, "exit": exit_,
            "final": {p: delivery_by_path(p) for p in ("/ra", "/plain")}}  # fmt: skip


def timeout(args: argparse.Namespace) -> Report:
    offset = SharedOffset()
    pid = fork_worker("timeout", batch=10, interval=0.05, offset=offset)
    unconfirmed = wait_until(lambda: delivery_by_path("/slow")["state"] == "unconfirmed", 15.0)
    time.sleep(0.3)
    jumped_at = time.time()
    offset.set(3600)  # any backoff would be due now; the worker keeps polling
    time.sleep(1.0)
    exit_ = stop(pid)
    return {"unconfirmed": unconfirmed, "jumped_at": jumped_at, "exit": exit_,
            "final": delivery_by_path("/slow")}  # fmt: skip


def past_leases() -> SharedOffset:
    """A clock for a worker that starts after every earlier lease has run out."""
    from outlier.publishing import dispatch

    offset = SharedOffset()
    offset.set(dispatch.LEASE_SECONDS + 1)
    return offset


def batch(args: argparse.Namespace) -> Report:
    """A worker with its default batch (10) is killed, or its clock jumps +2 h, in call 2."""
    from django.utils import timezone

    from outlier.publishing import dispatch

    offset = SharedOffset()
    pid, events = fork_watched("batch", batch=10, interval=0.05, offset=offset)
    second_call = events.wait_for("S", timeout=10.0, nth=2)
    time.sleep(0.02)  # the receiver holds each request 100 ms: the second call is in flight
    report: Report = {"second_call": second_call, "event_at": time.time()}
    if args.mode == "kill":
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        report["exit"] = describe_exit(status)
        later = timezone.now() + timedelta(seconds=dispatch.HEARTBEAT_STALE_SECONDS + 1)
        report["swept"] = dispatch.sweep_abandoned(now=later)
        other = fork_worker("final", batch=10, interval=0.02, offset=past_leases())
    else:  # a second worker starts after the jump: its first loop sweeps
        offset.set(2 * 3600)
        other = fork_worker("other", batch=10, interval=0.05, offset=offset)
    report["finished"] = wait_until(lambda: open_count() == 0, timeout=30.0, step=0.05)
    time.sleep(0.5)  # the first worker, if alive, finishes its batch
    if args.mode != "kill":
        report["exit"] = stop(pid)
    report["other_exit"] = stop(other)
    events.drain()
    os.close(events.fd)
    report["calls"] = len(events.seen.get("S", []))
    report["claimed"] = claimed_by("batch")
    report["states"] = states()
    return report


def time_now() -> datetime:
    from django.utils import timezone

    return timezone.now()


SCENARIOS: dict[str, Callable[[argparse.Namespace], Report]] = {
    "kills": kills,
    "concurrent": concurrent,
    "clock": clock,
    "ratelimit": ratelimit,
    "timeout": timeout,
    "batch": batch,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--report", required=True, type=Path)
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--mode", choices=["kill", "jump"], default="kill")
    args = parser.parse_args(argv)
    if not os.environ.get("OUTLIER_TEST_DATABASE_NAME"):
        parser.error("set OUTLIER_TEST_DATABASE_NAME to the test database (see tests/settings)")
    import django

    django.setup()
    report = SCENARIOS[args.scenario](args)
    args.report.write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
