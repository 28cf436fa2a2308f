"""Public site throughput under gunicorn, measured against a static file in the same run.

    .venv/bin/python bench/site.py [--strict] [--duration 10] [--scoops 10000]

Builds a throwaway instance (data dir, SQLite database, collected static files), fills one
public topic with published scoops, starts gunicorn and runs wrk against:

  static    /static/site/site.css through whitenoise: the baseline
  topic     the topic page /t/<slug>/
  topic 304 the same page with If-None-Match of its current ETag
  rss       the topic's RSS feed

Targets: the topic page at least 30% of the static rate, the 304 at least 60%. Exit
status is 1 on a missed target only with --strict; 2 when wrk is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from instance import free_port, instance_env

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TOPIC_SLUG = "climate-watch"
TARGETS = {"topic": 0.30, "topic 304": 0.60}

# 2 cores: two processes (one per core, so rendering is not serialised on one GIL) with
# four threads each (keep-alive connections, and overlap while SQLite or the socket waits).
GUNICORN = ["-k", "gthread", "-w", "2", "--threads", "4", "--keep-alive", "5"]


@dataclass
class Result:
    name: str
    rps: float
    p99_ms: float
    errors: int
    requests: int
    cpu_ms: float | None = None  # server CPU per request: steadier than req/s on a busy box


# --- the instance ---------------------------------------------------------------------------


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "django", *args], cwd=ROOT, env=env, check=True, timeout=300
    )


WORDS = [
    *("river", "forest", "carbon", "city", "policy", "ocean", "glacier", "energy", "solar"),
    *("wind", "grid", "farm", "water", "heat", "drought", "flood", "coast", "species", "soil"),
    *("storm", "market", "budget", "report", "study", "model", "data", "satellite", "sensor"),
    *("village", "transport", "battery", "emission", "treaty", "summit", "insurance", "crop"),
]


def sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def fill(count: int) -> None:
    """Runs inside the instance's environment (a subprocess): one topic, ``count`` scoops."""
    import django

    django.setup()
    from datetime import UTC, datetime, timedelta

    from outlier.core.models import Workspace
    from outlier.curation.models import Scoop, ScoopState, Tag, Topic

    rng = random.Random(42)
    workspace = Workspace.objects.create(name="Acme", slug="acme")
    topic = Topic.objects.create(
        workspace=workspace,
        name="Climate watch",
        slug=TOPIC_SLUG,
        description="What changes, where, and who measures it.",
    )
    tags = Tag.objects.bulk_create(
        Tag(workspace=workspace, name=word.title(), slug=word) for word in WORDS[:20]
    )
    start = datetime(2025, 1, 1, tzinfo=UTC)
    scoops = []
    for n in range(count):
        title = sentence(rng, rng.randint(6, 12))[:-1]
        insight = "".join(f"<p>{sentence(rng, rng.randint(15, 30))}</p>" for _ in range(2))
        scoops.append(
            Scoop(
                topic=topic,
                url=f"https://news{n % 37}.example.org/2026/{n}/story",
                url_key=f"//news{n % 37}.example.org/2026/{n}/story",
                state=ScoopState.PUBLISHED,
                title=title,
                excerpt=" ".join(sentence(rng, rng.randint(10, 18)) for _ in range(3)),
                image_url=f"https://news{n % 37}.example.org/img/{n}.jpg",
                site_name=f"News {n % 37}",
                author="A. Reporter",
                insight=insight,
                insight_html=insight,
                published_at=start + timedelta(minutes=90 * n),
            )
        )
    Scoop.objects.bulk_create(scoops, batch_size=1000)
    through = Scoop.tags.through
    links = [
        through(scoop_id=scoop.pk, tag_id=tag.pk)
        for scoop in Scoop.objects.filter(topic=topic).only("id")
        for tag in rng.sample(tags, 3)
    ]
    through.objects.bulk_create(links, batch_size=2000)


@contextlib.contextmanager
def gunicorn(env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "outlier.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            *GUNICORN,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        yield server
    finally:
        stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=5)


def server_cpu(pid: int) -> float | None:
    """CPU seconds used so far by gunicorn's master and workers (Linux /proc), else None."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    total = 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers)


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        with contextlib.suppress(OSError):
            if get(f"{base}/robots.txt")[0] == 200:
                return
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 30 s")


# --- wrk ------------------------------------------------------------------------------------


def wrk(url: str, seconds: int, script: Path | None = None, connections: int = 64) -> str:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr.strip()}")
    return done.stdout


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(name: str, output: str) -> Result:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if rps is None or p99 is None:
        raise SystemExit(f"cannot read wrk's output for {name}:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(bad.group(1)) if bad else 0
    done = re.search(r"(\d+) requests in", output)
    return Result(
        name,
        float(rps.group(1)),
        float(p99.group(1)) * UNITS[p99.group(2)],
        errors,
        int(done.group(1)) if done else 0,
    )


def measure(
    name: str, url: str, seconds: int, server_pid: int, script: Path | None = None
) -> Result:
    wrk(url, 2, script)  # warm up: templates compiled, connections opened, pages remembered
    before = server_cpu(server_pid)
    result = parse_wrk(name, wrk(url, seconds, script))
    after = server_cpu(server_pid)
    if before is not None and after is not None and result.requests:
        result.cpu_ms = 1000 * (after - before) / result.requests
    print(f"  {name:<10} {result.rps:>9.0f} req/s", flush=True)
    return result


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--scoops", type=int, default=10_000, help="published scoops to create")
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.fill is not None:
        fill(args.fill)
        return 0
    if shutil.which("wrk") is None:
        print("wrk is not installed. Install it with:  apt-get install wrk", file=sys.stderr)
        return 2

    data_dir = tempfile.mkdtemp(prefix="outlier-bench-site-")
    try:
        return run(data_dir, args.scoops, args.duration, args.strict)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def run(data_dir: str, scoops: int, seconds: int, strict: bool) -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = instance_env(data_dir, BASE_URL=f"http://127.0.0.1:{port}",
                       ALLOWED_HOSTS="127.0.0.1,localhost")  # fmt: skip
    started = time.monotonic()
    print(f"instance in {data_dir}: migrate, collectstatic, {scoops} scoops…", flush=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "createcachetable")
    manage(env, "collectstatic", "--noinput", "-v0")
    subprocess.run([sys.executable, __file__, "--fill", str(scoops)], cwd=ROOT, env=env, check=True)
    print(f"ready in {time.monotonic() - started:.1f} s; gunicorn {' '.join(GUNICORN)}")

    topic_url = f"{base}/t/{TOPIC_SLUG}/"
    with gunicorn(env, port) as server:
        wait_ready(base, server)
        status, headers = get(topic_url)
        etag = headers.get("ETag", "")
        if status != 200 or not etag:
            raise SystemExit(f"topic page answered {status} without an ETag")
        if get(topic_url, {"If-None-Match": etag})[0] != 304:
            raise SystemExit("the topic page does not answer 304 to its own ETag")
        script = Path(data_dir) / "if-none-match.lua"
        script.write_text(f"wrk.headers[\"If-None-Match\"] = '{etag}'\n")

        print(f"wrk -t2 -c64 -d{seconds}s against {base}", flush=True)
        pid = server.pid
        results = [
            measure("static", f"{base}/static/site/site.css", seconds, pid),
            measure("topic", topic_url, seconds, pid),
            measure("topic 304", topic_url, seconds, pid, script),
            measure("rss", f"{base}/t/{TOPIC_SLUG}/feed.rss", seconds, pid),
        ]
    return report(results, strict, time.monotonic() - started)


def load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


def report(results: list[Result], strict: bool, elapsed: float) -> int:
    baseline = results[0].rps
    print()
    print(
        f"{'name':<10} {'req/s':>9} {'p99 ms':>8} {'vs static':>10} {'cpu ms/req':>11} "
        f"{'errors':>7}  target"
    )
    failed = False
    for result in results:
        ratio = result.rps / baseline if baseline else 0.0
        target = TARGETS.get(result.name)
        verdict = ""
        if target is not None:
            ok = ratio >= target and result.errors == 0
            failed |= not ok
            verdict = f"{'PASS' if ok else 'FAIL'} (≥ {target:.0%})"
        cpu = f"{result.cpu_ms:.2f}" if result.cpu_ms is not None else "-"
        print(
            f"{result.name:<10} {result.rps:>9.0f} {result.p99_ms:>8.1f} {ratio:>10.0%} "
            f"{cpu:>11} {result.errors:>7}  {verdict}"
        )
    print(f"\n{'FAIL' if failed else 'PASS'} in {elapsed:.0f} s (load average {load()})")
    return 1 if failed and strict else 0


if __name__ == "__main__":
    sys.exit(main())
