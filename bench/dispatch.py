"""The delivery engine's throughput and lateness: 2 workers against a local webhook receiver.

    .venv/bin/python bench/dispatch.py [--pg] [--strict] [--posts 10000] [--profile]

Builds a throwaway instance (data dir, migrated database: SQLite by default, with --pg a
private PostgreSQL 15 started by scripts/postgres.sh on a port and directory of its own),
starts a webhook receiver in its own process (stdlib threaded HTTP server recording each
request's arrival time and Outlier-Id), then measures:

  raw      a loop of signed POSTs from this process through `outlier.core.safe_http.fetch`,
           as the webhook adapter sends them: the limit, without Outlier's engine
  burst    `--posts` (10,000) posts due at the same instant (a minute mark), sent by two
           `outlier worker` processes with their defaults (batch 10, 0.5 s polls)
  paced    100 posts due evenly over one second, below capacity

and prints deliveries per second, the ratio to the raw rate, p50/p99 lateness (arrival at
the receiver minus due time) and duplicates (an Outlier-Id received twice). Targets: burst
≥ 30% of the raw rate; paced p99 lateness ≤ 1 s; no duplicates, every delivery sent. Exit
status is 1 on a missed target only with --strict. --profile runs the workers under cProfile
and prints where their time went.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pstats
import secrets
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from instance import free_port, instance_env, throwaway

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECRET = secrets.token_hex(16)  # signs the POSTs; the receiver does not check it
RATIO_TARGET = 0.30
LATENESS_TARGET = 1.0  # seconds, p99, below capacity
WORKERS = 2
BURST_DEADLINE = 240.0  # seconds: a run stays bounded even when the engine is slow


@dataclass
class Result:
    name: str
    count: int
    sent: int
    seconds: float
    lateness: list[float] = field(default_factory=list)
    duplicates: int = 0
    raw_rps: float = 0.0
    cpu_ms: float | None = None  # workers' CPU per delivery (all processes, from /proc)
    raw_cpu_ms: float | None = None  # the raw loop's own CPU per request

    @property
    def rate(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        if not self.lateness:
            return float("nan")
        ordered = sorted(self.lateness)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- the receiver (its own process) ---------------------------------------------------------


def serve_receiver(port: int) -> None:
    """POST: record (Outlier-Id, arrival) and answer 200; GET /records; DELETE /records."""
    records: list[tuple[str, float]] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            arrived = time.time()
            with lock:
                records.append((self.headers.get("Outlier-Id", ""), arrived))
                number = len(records)
            self._answer(
                b'{"id": "r%d", "url": "https://receiver.example/p/%d"}' % (number, number)
            )

        def do_GET(self) -> None:  # noqa: N802
            with lock:
                body = json.dumps(records).encode()
            self._answer(body)

        def do_DELETE(self) -> None:  # noqa: N802
            with lock:
                records.clear()
            self._answer(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    Server(("127.0.0.1", port), Handler).serve_forever()


def records(base: str) -> list[tuple[str, float]]:
    with urllib.request.urlopen(f"{base}/records", timeout=30) as response:
        return [(key, float(at)) for key, at in json.loads(response.read())]


def clear_records(base: str) -> None:
    request = urllib.request.Request(f"{base}/records", method="DELETE")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


# --- the instance ---------------------------------------------------------------------------


def cpu_seconds(pids: list[int]) -> float | None:
    """User + system CPU time of these processes so far (None without /proc)."""
    total = 0
    try:
        for pid in pids:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    except OSError:
        return None
    return total / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def process(
    command: list[str], env: dict[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield child
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def wait_for(check: Any, timeout: float, what: str, step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not within {timeout:.0f} s")
        time.sleep(step)


# --- the data (Django is set up in this process once the database is migrated) --------------


def make_channel(url: str) -> Any:
    from outlier.core.models import Workspace
    from outlier.publishing.models import Channel

    workspace, _ = Workspace.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    return Channel.objects.create(workspace=workspace, network="webhook", name=url,
                                  settings={"url": url}, credentials={"secret": SECRET})  # fmt: skip


def make_deliveries(channel: Any, due: list[datetime], label: str) -> dict[str, float]:
    """One post and one delivery per due time, in bulk; {idempotency key: due (epoch s)}."""
    from outlier.publishing.models import Delivery, Post, PostStatus

    posts = Post.objects.bulk_create(
        (Post(workspace_id=channel.workspace_id, text=f"{label} post {n}: something to read",
              link=f"https://example.org/{label}/{n}", status=PostStatus.SCHEDULED,
              scheduled_at=at) for n, at in enumerate(due)),
        batch_size=1000,
    )  # fmt: skip
    through = Post.channels.through
    through.objects.bulk_create(
        (through(post_id=post.pk, channel_id=channel.pk) for post in posts), batch_size=2000
    )
    rows = [Delivery(post=post, channel=channel, due_at=at, next_attempt_at=at,
                     idempotency_key=uuid.uuid4().hex) for post, at in zip(posts, due, strict=True)]  # fmt: skip
    Delivery.objects.bulk_create(rows, batch_size=1000)
    return {row.idempotency_key: at.timestamp() for row, at in zip(rows, due, strict=True)}


def open_count() -> int:
    from outlier.publishing.models import Delivery

    rows = Delivery.objects.filter(state__in=["scheduled", "retrying", "sending"])
    return rows.count()


def not_sent(channel: Any) -> dict[str, int]:
    from django.db.models import Count

    from outlier.publishing.models import Delivery

    rows = Delivery.objects.filter(channel=channel).exclude(state="sent")
    return dict(rows.values_list("state").annotate(n=Count("pk")).order_by("state"))


# --- measurements ---------------------------------------------------------------------------


def raw_loop(url: str, count: int) -> tuple[float, float]:
    """POSTs as the webhook adapter sends them, one after another: (req/s, CPU ms per request)."""
    from outlier.core.safe_http import fetch
    from outlier.networks.webhook import sign

    cpu = time.process_time()
    started = time.perf_counter()
    for n in range(count):
        key = f"raw-{n}"
        body = json.dumps(
            {"id": key, "type": "post", "created_at": datetime.now(UTC).isoformat(),
             "text": f"raw post {n}: something to read", "link": f"https://example.org/raw/{n}",
             "title": "", "images": []}, separators=(",", ":"),
        ).encode()  # fmt: skip
        stamp = int(time.time())
        response = fetch(
            url, method="POST", body=body, deadline=15, connect_timeout=5, read_timeout=15,
            max_bytes=1024 * 1024, accept="application/json",
            headers={"Content-Type": "application/json", "Outlier-Id": key,
                     "Idempotency-Key": key, "Outlier-Timestamp": str(stamp),
                     "Outlier-Signature": sign(SECRET, stamp, body)},
        )  # fmt: skip
        if response.status != 200:
            raise SystemExit(f"the receiver answered {response.status} to the raw loop")
    rate = count / (time.perf_counter() - started)
    return rate, 1000 * (time.process_time() - cpu) / count


def collect(name: str, base: str, due: dict[str, float], start: float, channel: Any) -> Result:
    seen = [(key, at) for key, at in records(base) if key in due]
    counts = Counter(key for key, _ in seen)
    first: dict[str, float] = {}
    for key, at in seen:
        first.setdefault(key, at)
    last = max(first.values(), default=start)
    result = Result(name, len(due), len(first), max(1e-9, last - start))
    result.lateness = [at - due[key] for key, at in first.items()]
    result.duplicates = sum(n - 1 for n in counts.values())
    problems = not_sent(channel)
    if problems:
        print(f"  {name}: not sent: {problems}", flush=True)
    return result


def burst(base: str, count: int, workers: list[int]) -> Result:
    """`count` posts due at one instant; the workers are already polling."""
    from outlier.publishing.models import Delivery

    channel = make_channel(f"{base}/hooks/burst")
    placeholder = datetime(2100, 1, 1, tzinfo=UTC)
    keys = make_deliveries(channel, [placeholder] * count, "burst")
    cpu = cpu_seconds(workers)
    start = time.time() + 0.5
    at = datetime.fromtimestamp(start, UTC)
    Delivery.objects.filter(channel=channel).update(due_at=at, next_attempt_at=at)
    due = dict.fromkeys(keys, start)
    deadline = time.monotonic() + BURST_DEADLINE
    while open_count() and time.monotonic() < deadline:
        time.sleep(0.25)
    result = collect("burst", base, due, start, channel)
    after = cpu_seconds(workers)
    if cpu is not None and after is not None and result.sent:
        result.cpu_ms = 1000 * (after - cpu) / result.sent
    return result


def paced(base: str, count: int, over: float) -> Result:
    """`count` posts due evenly over `over` seconds, starting a moment from now."""
    channel = make_channel(f"{base}/hooks/paced")
    start = time.time() + 1.0
    instants = [datetime.fromtimestamp(start + over * n / count, UTC) for n in range(count)]
    due = make_deliveries(channel, instants, "paced")
    wait_for(lambda: time.time() > start + over and not open_count(), 60, "paced posts")
    time.sleep(0.2)
    return collect("paced", base, due, start, channel)


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--posts", type=int, default=10_000, help="posts due at once")
    parser.add_argument("--raw", type=int, default=2000, help="requests in the raw loop")
    parser.add_argument("--profile", action="store_true", help="cProfile the workers")
    parser.add_argument(
        "--worker-command",
        help="run this instead of `outlier worker` (to measure a changed engine the same way)",
    )
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        serve_receiver(args.receiver)
        return 0

    return throwaway("dispatch", args.pg, lambda data_dir, url: run(data_dir, url, args))


def run(data_dir: str, database_url: str, args: argparse.Namespace) -> int:
    started = time.monotonic()
    env = instance_env(data_dir, database_url, ALLOWED_PRIVATE_NETWORKS="127.0.0.0/8")
    database = "PostgreSQL 15" if database_url else "SQLite (WAL)"
    print(f"instance in {data_dir} on {database}: migrate…", flush=True)
    subprocess.run([sys.executable, "-m", "django", "migrate", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True, timeout=300)  # fmt: skip
    os.environ.update(env)
    import django

    django.setup()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = Path(data_dir)
    receiver_cmd = [sys.executable, __file__, "--receiver", str(port)]
    with process(receiver_cmd, env, logs / "receiver.log"):
        wait_for(lambda: _answers(base), 10, "the receiver")
        print(f"raw loop: {args.raw} POSTs through safe_http.fetch…", flush=True)
        raw_loop(f"{base}/hooks/raw", 100)  # warm up
        raws = [raw_loop(f"{base}/hooks/raw", args.raw)]
        print(f"  {raws[0][0]:.0f} req/s", flush=True)
        clear_records(base)

        worker = [str(BIN / "outlier"), "worker"]
        if args.worker_command:
            worker = shlex.split(args.worker_command)
        if args.profile:
            worker = [
                sys.executable,
                "-m",
                "cProfile",
                "-o",
                "{out}",
                "-m",
                "outlier.cli",
                "worker",
            ]
        with contextlib.ExitStack() as stack:
            pids = []
            for n in range(WORKERS):
                command = [part.replace("{out}", str(logs / f"worker-{n}.prof")) for part in worker]
                pids.append(
                    stack.enter_context(process(command, env, logs / f"worker-{n}.log")).pid
                )
            wait_for(_workers_ready, 30, "the workers' heartbeats")
            print(f"{WORKERS} workers polling; {args.posts} posts due at once…", flush=True)
            results = [burst(base, args.posts, pids)]
            print(f"  {results[0].rate:.0f} deliveries/s", flush=True)
            print("100 posts due over one second…", flush=True)
            results.append(paced(base, 100, 1.0))
        print("raw loop again…", flush=True)
        raws.append(raw_loop(f"{base}/hooks/raw", args.raw))
        print(f"  {raws[1][0]:.0f} req/s", flush=True)
        for n in range(WORKERS):
            log = (logs / f"worker-{n}.log").read_text()
            if log.strip():
                print(f"worker {n} said:\n{log[-2000:]}", flush=True)
        if args.profile:
            for n in range(WORKERS):
                stats = pstats.Stats(str(logs / f"worker-{n}.prof"))
                print(f"\n--- worker {n}: Outlier's functions by cumulative time ---")
                stats.sort_stats("cumulative").print_stats(r"outlier/", 25)
                print(f"--- worker {n}: by own time ---")
                stats.sort_stats("tottime").print_stats(20)
    for result in results:  # the limit: the mean of the raw loop before and after
        result.raw_rps = sum(rate for rate, _ in raws) / len(raws)
        result.raw_cpu_ms = sum(cpu for _, cpu in raws) / len(raws)
    return report(results, database, args.strict, time.monotonic() - started)


def _answers(base: str) -> bool:
    try:
        records(base)
    except OSError:
        return False
    return True


def _workers_ready() -> bool:
    from outlier.publishing.models import WorkerHeartbeat

    recent = datetime.now(UTC) - timedelta(seconds=5)
    return WorkerHeartbeat.objects.filter(seen_at__gte=recent).count() >= WORKERS


def report(results: list[Result], database: str, strict: bool, elapsed: float) -> int:
    raw = results[0]
    print(f"\n{database}, {WORKERS} `outlier worker` processes (batch 10, 0.5 s polls)")
    print(f"raw loop: {raw.raw_rps:.0f} req/s (mean of before and after), "
          f"{raw.raw_cpu_ms or 0:.2f} ms of client CPU per request")  # fmt: skip
    print(
        f"{'scenario':<8} {'posts':>6} {'deliv/s':>8} {'raw req/s':>10} {'ratio':>6} "
        f"{'p50 late':>9} {'p99 late':>9} {'dupes':>6} {'cpu ms':>7}  target"
    )
    failed = False
    for result in results:
        ratio = result.rate / result.raw_rps if result.raw_rps else 0.0
        complete = result.sent == result.count and result.duplicates == 0
        if result.name == "burst":
            ok = complete and ratio >= RATIO_TARGET
            target = f"≥ {RATIO_TARGET:.0%} of raw"
            shown = f"{ratio:>6.0%}"
        else:  # bounded by the due rate: the ratio means nothing here
            ok = complete and result.quantile(0.99) <= LATENESS_TARGET
            target = f"p99 ≤ {LATENESS_TARGET:g} s"
            shown = f"{'-':>6}"
        failed |= not ok
        missing = "" if result.sent == result.count else f" ({result.count - result.sent} missing)"
        cpu = f"{result.cpu_ms:.2f}" if result.cpu_ms is not None else "-"
        print(
            f"{result.name:<8} {result.count:>6} {result.rate:>8.0f} {result.raw_rps:>10.0f} "
            f"{shown} {result.quantile(0.5):>8.2f}s {result.quantile(0.99):>8.2f}s "
            f"{result.duplicates:>6} {cpu:>7}  {'PASS' if ok else 'FAIL'} ({target}){missing}"
        )
    print(f"\n{'FAIL' if failed else 'PASS'} in {elapsed:.0f} s (load average {_load()})")
    return 1 if failed and strict else 0


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
