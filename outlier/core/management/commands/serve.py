"""`outlier serve`: the web server and the background workers, in the foreground.

The web server is granian (a WSGI server written in Rust) by default: on this project's
2-core machines it answers the tracked-link redirect about ten times faster than gunicorn's
pure-Python HTTP handling (bench/redirect.py). `--server gunicorn` (or OUTLIER_SERVER=
gunicorn) runs gunicorn's threaded workers as before. Either way each web process writes
its buffered clicks before it exits on SIGTERM or Ctrl+C (outlier/links/clicks.py).

No access log by default: it would store every visitor's address, which the click
records deliberately do not (`--access-log` turns it on).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

SERVERS = ("granian", "gunicorn")
GRACEFUL_SECONDS = 20


def bind_options(bind: str, server: str) -> list[str]:
    """OUTLIER_BIND (host:port, [v6]:port or unix:/path) as the server's options."""
    if server == "gunicorn":
        return ["--bind", bind]
    if bind.startswith("unix:"):
        return ["--uds", bind.removeprefix("unix:")]
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit():
        raise CommandError(f"OUTLIER_BIND must be host:port or unix:/path, got {bind!r}")
    return ["--host", host.strip("[]"), "--port", port]


def web_command(server: str, workers: int, threads: int, access_log: bool) -> list[str]:
    python = sys.executable
    if server == "gunicorn":
        command = [
            python, "-m", "gunicorn", "outlier.wsgi:application",
            "--config", "python:outlier.gunicorn_conf",
            *bind_options(settings.BIND, server),
            "--worker-class", "gthread",
            "--workers", str(workers),
            "--threads", str(threads),
            "--graceful-timeout", str(GRACEFUL_SECONDS),
        ]  # fmt: skip
        return command + (["--access-logfile", "-"] if access_log else [])
    command = [
        python, "-m", "granian", "--interface", "wsgi", "--no-ws",
        *bind_options(settings.BIND, server),
        "--workers", str(workers),
        "--blocking-threads", str(threads),
        "--blocking-threads-idle-timeout", "600",
        "--workers-kill-timeout", str(GRACEFUL_SECONDS),
        "--log-level", "warning",
    ]  # fmt: skip
    if access_log:
        command.append("--access-log")
    return [*command, "outlier.wsgi:application"]


class Command(BaseCommand):
    help = "Run the web server (granian, or gunicorn) and background workers in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--web-workers", type=int, default=2, help="web processes")
        parser.add_argument("--threads", type=int, default=4, help="threads per web process")
        parser.add_argument("--task-workers", type=int, default=1)
        parser.add_argument(
            "--server", choices=SERVERS, default=os.environ.get("OUTLIER_SERVER", "granian")
        )
        parser.add_argument("--access-log", action="store_true", help="log every request")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["server"] not in SERVERS:
            raise CommandError(f"OUTLIER_SERVER must be one of {', '.join(SERVERS)}.")
        web = web_command(
            options["server"], options["web_workers"], options["threads"], options["access_log"]
        )
        worker = [sys.executable, "-m", "outlier.cli", "worker"]
        children = [subprocess.Popen(web)]  # noqa: S603 (our own interpreter and arguments)
        children += [subprocess.Popen(worker) for _ in range(options["task_workers"])]  # noqa: S603
        self.stdout.write(self.style.SUCCESS(f"Outlier is running at {settings.BASE_URL}/app/"))
        self.stdout.write(f"Public site: {settings.BASE_URL}/   (Ctrl+C stops it)")

        def stop(*_: object) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=GRACEFUL_SECONDS + 5)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed:
            raise CommandError(f"A process stopped with exit code {failed[0].returncode}.")
