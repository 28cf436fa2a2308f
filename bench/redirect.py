"""The tracked-link redirect `/l/<code>` under `outlier serve`, beside nginx's bare `return 302`.

    .venv/bin/python bench/redirect.py [--db sqlite|postgres|both] [--also gunicorn,django]
                                       [--seconds 10] [--strict] [--serve-args "…"]
                                       [--set NAME=VALUE …]

In one run, on this machine:

  nginx     Debian's nginx (installed with apt-get when missing), a config of its own in a
            temporary directory, listening on 127.0.0.1 only: `location / { return 302 …; }`
  sqlite    a throwaway instance (data dir, migrated SQLite database, 1,000 tracked links)
            served by `outlier serve --task-workers 0`, exactly as `make run` serves it
  postgres  the same on a private PostgreSQL 15 (scripts/postgres.sh, own port and directory)

each measured with `wrk -t2 -c64 --latency` (Debian's wrk, installed when missing) after a
2-second warm-up, requests spread over the 1,000 codes with browser and bot user agents
and referrers (a Lua script; nginx gets the same requests). Printed: req/s, p99 latency,
the ratio to nginx, the web processes' CPU per request (and PostgreSQL's), and the click check: after a
graceful stop (SIGTERM to `outlier serve`, whose web processes write their buffered clicks
and log what they served) the clicks stored must equal the redirects the processes served,
which must cover every response wrk counted. Targets: ≥ 20% of nginx on SQLite and ≥ 12% on
PostgreSQL, p99 ≤ 20 ms / 30 ms, no click lost. Exit status 1 on a miss only with --strict.

`--also gunicorn` adds `outlier serve --server gunicorn` (the server before this bench),
`--also django` the same redirect answered by Django's view through the whole middleware
stack (`outlier.wsgi:django_application` under granian): both on SQLite, for comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from instance import free_port, instance_env, postgres

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONNECTIONS = 64
THREADS = 2
LINKS = 1000
TARGETS = {"sqlite": (0.20, 20.0), "postgres": (0.12, 30.0)}  # ratio to nginx, p99 ms
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mastodon/4.3.1 (http.rb/5.2.0; +https://social.example/) Bot",
]
REFERRERS = ["https://social.example/@someone/1", "https://news.example/", ""]


@dataclass
class Run:
    name: str
    rps: float = 0.0
    p99_ms: float = 0.0
    responses: int = 0  # counted by wrk, warm-up included
    errors: str = ""
    cpu_ms: float | None = None
    db_cpu_ms: float | None = None  # PostgreSQL's processes, per request
    served: int | None = None  # logged by the web processes at their graceful stop
    written: int | None = None
    stored: int | None = None  # clicks in the database afterwards
    notes: list[str] = field(default_factory=list)


# --- tools ------------------------------------------------------------------------------------


def ensure_debian(command: str, package: str) -> str:
    found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/sbin")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit(f"{command} is missing: apt-get install {package} (as root)")
    print(f"Installing {package}…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env, check=True,
                   timeout=600, stdout=subprocess.DEVNULL)  # fmt: skip
    found = shutil.which(command) or shutil.which(command, path="/usr/sbin:/sbin")
    if not found:
        raise SystemExit(f"{command} still missing after installing {package}")
    return found


def wait_for_302(url: str, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the server stopped with status {process.returncode}")
        try:
            opener.open(url, timeout=2)
        except urllib.error.HTTPError as exc:
            if exc.code == 302:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer 302 within {timeout:.0f} s")


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int) -> float | None:
    """CPU time of a process and all its descendants (Linux /proc), else None."""
    try:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for each in descendants(pid):
            try:
                fields = (Path(f"/proc/{each}/stat").read_text()).rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / ticks
    except (OSError, ValueError):
        return None


# --- wrk --------------------------------------------------------------------------------------


def lua_script(path: Path, codes: list[str]) -> None:
    """Requests spread over the codes, agents and referrers, formatted once per thread (so
    that wrk spends as little as it can per request: the same script drives nginx)."""
    quoted = ", ".join(f'"{code}"' for code in codes)
    agents = ", ".join(f'"{agent}"' for agent in AGENTS)
    referrers = ", ".join(f'"{referrer}"' for referrer in REFERRERS)
    path.write_text(textwrap.dedent(f"""\
        local codes = {{{quoted}}}
        local agents = {{{agents}}}
        local referrers = {{{referrers}}}
        local requests = {{}}
        local n = 0
        init = function(args)
          for i = 1, #codes do
            local headers = {{["User-Agent"] = agents[(i % #agents) + 1]}}
            local referrer = referrers[(i % #referrers) + 1]
            if referrer ~= "" then headers["Referer"] = referrer end
            requests[i] = wrk.format("GET", "/l/" .. codes[i], headers)
          end
        end
        request = function()
          n = n + 1
          if n > #requests then n = 1 end
          return requests[n]
        end
        """))  # fmt: skip


def wrk(
    wrk_bin: str, base: str, script: Path | None, seconds: float
) -> tuple[float, float, int, str]:
    """(req/s, p99 ms, responses, errors) of one wrk run."""
    scripted = ["-s", str(script)] if script is not None else []
    out = subprocess.run(
        [wrk_bin, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds:g}s", "--latency",
         *scripted, base],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    p99_ms = float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan")
    responses = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = " ".join(re.findall(r"(Socket errors:.*|Non-2xx or 3xx responses:.*)", out))
    return rps, p99_ms, responses, errors


def measure(run: Run, wrk_bin: str, base: str, script: Path | None, seconds: float,
            server_pid: int | None, db_pid: int | None = None) -> None:  # fmt: skip
    _, _, warm, _ = wrk(wrk_bin, base, script, 2)
    before = [cpu_seconds(pid) if pid else None for pid in (server_pid, db_pid)]
    run.rps, run.p99_ms, responses, run.errors = wrk(wrk_bin, base, script, seconds)
    after = [cpu_seconds(pid) if pid else None for pid in (server_pid, db_pid)]
    run.responses = warm + responses
    spent = [None if b is None or a is None or not responses else 1000 * (a - b) / responses
             for b, a in zip(before, after, strict=True)]  # fmt: skip
    run.cpu_ms, run.db_cpu_ms = spent


def postmaster_pid(database_url: str) -> int | None:
    """The PostgreSQL server's main process (its backends are its children), when readable."""
    if not database_url:
        return None
    import psycopg

    with psycopg.connect(database_url) as conn:
        data_dir = conn.execute("SHOW data_directory").fetchone()[0]  # type: ignore[index]
    try:
        return int((Path(data_dir) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


# --- nginx ------------------------------------------------------------------------------------


@contextlib.contextmanager
def nginx(nginx_bin: str, port: int) -> Iterator[subprocess.Popen[bytes]]:
    home = Path(tempfile.mkdtemp(prefix="outlier-bench-nginx-"))
    temp = " ".join(f"{kind}_temp_path {home}/{kind};" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    (home / "nginx.conf").write_text(textwrap.dedent(f"""\
        worker_processes auto;
        daemon off;
        pid {home}/nginx.pid;
        error_log {home}/error.log;
        events {{ worker_connections 1024; }}
        http {{
          access_log off;
          {temp}
          keepalive_requests 1000000;
          server {{
            listen 127.0.0.1:{port};
            location / {{ return 302 https://example.org/landing?utm_source=bench; }}
          }}
        }}
        """))  # fmt: skip
    child = subprocess.Popen([nginx_bin, "-c", str(home / "nginx.conf"), "-p", str(home)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield child
    finally:
        child.send_signal(signal.SIGQUIT)  # graceful
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        shutil.rmtree(home, ignore_errors=True)


# --- Outlier ----------------------------------------------------------------------------------


def in_instance(env: dict[str, str], code: str) -> str:
    """Run Python code with the instance's settings (Django set up); its output."""
    prelude = "import django\ndjango.setup()\n"
    return subprocess.run([sys.executable, "-c", prelude + code], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True, timeout=300).stdout  # fmt: skip


MAKE_LINKS = """
from outlier.core.models import Workspace
from outlier.links.actions import do_create_link
ws = Workspace.objects.create(name="Bench", slug="bench")
for n in range({count}):
    link = do_create_link(ws, f"https://shop.example/products/{{n}}?ref=bench#reviews",
                          medium="social", source="mastodon", content=f"post-{{n}}")
    print(link.code)
"""
COUNT_CLICKS = """
from outlier.links.models import Click
print(Click.objects.count(), Click.objects.filter(agent="bot").count())
"""
SERVED = re.compile(r"links: served (\d+) redirects, wrote (\d+) clicks, dropped (\d+), "
                    r"(\d+) left \(pid (\d+)\)")  # fmt: skip


def outlier(name: str, database_url: str, wrk_bin: str, seconds: float,
            serve: list[str], more: dict[str, str]) -> Run:  # fmt: skip
    run = Run(name)
    data_dir = tempfile.mkdtemp(prefix="outlier-bench-redirect-")
    try:
        port = free_port()
        # INFO: the web processes log what they served at their stop
        env = instance_env(data_dir, database_url, BIND=f"127.0.0.1:{port}",
                           BASE_URL=f"http://127.0.0.1:{port}", LOG_LEVEL="INFO", **more)  # fmt: skip
        subprocess.run([str(BIN / "outlier"), "migrate", "--no-input", "-v0"], cwd=ROOT, env=env,
                       check=True, timeout=300)  # fmt: skip
        codes = in_instance(env, MAKE_LINKS.format(count=LINKS)).split()
        script = Path(data_dir) / "links.lua"
        lua_script(script, codes)
        base = f"http://127.0.0.1:{port}"
        log = Path(data_dir) / "serve.log"
        with log.open("wb") as out:
            command = [part.replace("{port}", str(port)) for part in serve]
            server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                      stderr=subprocess.STDOUT)  # fmt: skip
        try:
            wait_for_302(f"{base}/l/{codes[0]}", 120, server)
            measure(run, wrk_bin, base, script, seconds, server.pid, postmaster_pid(database_url))
        finally:
            server.send_signal(signal.SIGTERM)  # the graceful stop that writes the clicks
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                run.notes.append("the server did not stop within 60 s: killed")
                server.kill()
                server.wait()
        by_pid: dict[str, tuple[int, int, int, int]] = {}
        for match in SERVED.finditer(log.read_text(errors="replace")):
            served, written, dropped, left, pid = match.groups()
            by_pid[pid] = (int(served), int(written), int(dropped), int(left))
        run.served = sum(v[0] for v in by_pid.values())
        run.written = sum(v[1] for v in by_pid.values())
        run.notes.append("served per web process: " + ", ".join(str(v[0]) for v in by_pid.values()))
        if any(v[2] or v[3] for v in by_pid.values()):
            run.notes.append(f"dropped or left: {by_pid}")
        stored, bots = in_instance(env, COUNT_CLICKS).split()
        run.stored = int(stored)
        run.notes.append(f"{bots} of the stored clicks counted as bots")
        errors = [line for line in log.read_text(errors="replace").splitlines()
                  if "Traceback" in line or "ERROR" in line]  # fmt: skip
        if errors:
            run.notes.append(f"server log: {errors[:3]}")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return run


# --- main -------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--also", default="", help="comma-separated: gunicorn, django")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--serve-args", default="", help="more options for `outlier serve`")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an OUTLIER_ setting of the instance (CLICK_FLUSH_MS=50); repeatable",
    )
    args = parser.parse_args()
    more = dict(item.partition("=")[::2] for item in args.set)
    if any(not name or not value for name, value in more.items()):
        parser.error("--set takes NAME=VALUE, e.g. --set LINK_CACHE_SECONDS=60")
    wrk_bin = ensure_debian("wrk", "wrk")
    nginx_bin = ensure_debian("nginx", "nginx")
    started = time.monotonic()
    serve = [str(BIN / "outlier"), "serve", "--task-workers", "0", *args.serve_args.split()]
    runs: list[Run] = []

    port = free_port()
    with nginx(nginx_bin, port) as server:
        wait_for_302(f"http://127.0.0.1:{port}/l/x", 15, server)
        script = Path(tempfile.mkdtemp(prefix="outlier-bench-lua-")) / "links.lua"
        lua_script(script, [secrets.token_urlsafe(5) for _ in range(LINKS)])
        nginx_run = Run("nginx return 302")
        measure(nginx_run, wrk_bin, f"http://127.0.0.1:{port}", script, args.seconds, server.pid)
        # wrk itself costs more per request with a script: nginx also without one, and the
        # faster of the two is the baseline (the stricter ratio).
        bare = Run("nginx, wrk bare")
        measure(bare, wrk_bin, f"http://127.0.0.1:{port}/l/abcdefg", None, args.seconds,
                server.pid)  # fmt: skip
        shutil.rmtree(script.parent, ignore_errors=True)
    nginx_run.notes.append(f"without the Lua script (one path): {bare.rps:.0f} req/s, "
                           f"p99 {bare.p99_ms:.2f} ms")  # fmt: skip
    if bare.rps > nginx_run.rps:
        bare.notes = [
            f"with the Lua script: {nginx_run.rps:.0f} req/s, p99 {nginx_run.p99_ms:.2f} ms"
        ]
        bare.name = "nginx return 302"
        nginx_run = bare
    print(f"nginx: {nginx_run.rps:.0f} req/s", flush=True)

    if args.db in ("sqlite", "both"):
        runs.append(outlier("sqlite", "", wrk_bin, args.seconds, serve, more))
        print(f"sqlite: {runs[-1].rps:.0f} req/s", flush=True)
    if args.db in ("postgres", "both"):
        with postgres() as url:
            runs.append(outlier("postgres", url, wrk_bin, args.seconds, serve, more))
        print(f"postgres: {runs[-1].rps:.0f} req/s", flush=True)
    also = {item.strip() for item in args.also.split(",") if item.strip()}
    if "gunicorn" in also:
        runs.append(outlier("sqlite, gunicorn", "", wrk_bin, args.seconds,
                            [*serve, "--server", "gunicorn"], more))  # fmt: skip
    if "django" in also:
        django_app = [sys.executable, "-m", "granian", "--interface", "wsgi", "--no-ws",
                      "--workers", "2", "--blocking-threads", "4", "--log-level", "warning",
                      "--host", "127.0.0.1", "--port", "{port}",
                      "outlier.wsgi:django_application"]  # fmt: skip
        runs.append(outlier("sqlite, via Django", "", wrk_bin, args.seconds, django_app, more))
    return report(nginx_run, runs, args.strict, time.monotonic() - started)


def report(nginx_run: Run, runs: list[Run], strict: bool, elapsed: float) -> int:
    print(f"\nwrk -t{THREADS} -c{CONNECTIONS} --latency, {LINKS} codes; `outlier serve` = "
          "granian, 2 web processes × 4 threads")  # fmt: skip
    print(f"{'server':<20} {'req/s':>8} {'p99 ms':>7} {'vs nginx':>9} {'cpu ms':>7} "
          f"{'wrk saw':>8} {'served':>8} {'stored':>8}  target")  # fmt: skip
    rows = [nginx_run, *runs]
    failed = False
    for run in rows:
        ratio = run.rps / nginx_run.rps if nginx_run.rps else 0.0
        cpu = f"{run.cpu_ms:.3f}" if run.cpu_ms is not None else "-"
        served = "-" if run.served is None else str(run.served)
        stored = "-" if run.stored is None else str(run.stored)
        verdict = ""
        if run.name in TARGETS:
            want_ratio, want_p99 = TARGETS[run.name]
            lost = run.served is None or run.stored != run.served or run.served < run.responses
            ok = ratio >= want_ratio and run.p99_ms <= want_p99 and not lost
            failed |= not ok
            verdict = (f"{'PASS' if ok else 'FAIL'} (≥ {want_ratio:.0%}, p99 ≤ {want_p99:g} ms, "
                       f"{'no click lost' if not lost else 'CLICKS LOST'})")  # fmt: skip
        print(f"{run.name:<20} {run.rps:>8.0f} {run.p99_ms:>7.2f} {ratio:>9.1%} {cpu:>7} "
              f"{run.responses:>8} {served:>8} {stored:>8}  {verdict}")  # fmt: skip
        if run.db_cpu_ms is not None:
            run.notes.insert(0, f"PostgreSQL's processes: {run.db_cpu_ms:.3f} ms CPU per request")
        for note in [run.errors, *run.notes]:
            if note:
                print(f"{'':<20} {note}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n{'FAIL' if failed else 'PASS'} in {elapsed:.0f} s (load average {load:.1f})")
    return 1 if failed and strict else 0


if __name__ == "__main__":
    sys.exit(main())
