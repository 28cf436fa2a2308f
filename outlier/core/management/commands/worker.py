from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Run a background worker: fetches pages and runs every queued task. "
        "Start as many as you like, on one machine (SQLite) or many (PostgreSQL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls")
        parser.add_argument("--max-tasks", type=int, default=None, help="Exit after this many")

    def handle(self, *args: Any, **options: Any) -> None:
        worker_args = ["--queue-name", "*", "--interval", str(options["interval"])]
        if options["max_tasks"]:
            worker_args += ["--max-tasks", str(options["max_tasks"])]
        call_command("db_worker", *worker_args)
