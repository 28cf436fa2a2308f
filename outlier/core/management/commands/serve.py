from __future__ import annotations

import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and background workers in the foreground."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--task-workers", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        python = sys.executable
        web = [
            python, "-m", "gunicorn", "outlier.wsgi:application",
            "--bind", settings.BIND,
            "--workers", str(options["web_workers"]),
            "--threads", str(options["threads"]),
            "--access-logfile", "-",
            "--graceful-timeout", "20",
        ]  # fmt: skip
        worker = [python, "-m", "outlier.cli", "worker"]
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
                    child.wait(timeout=25)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed:
            raise CommandError(f"A process stopped with exit code {failed[0].returncode}.")
