from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from outlier.core.worker import Worker


class Command(BaseCommand):
    help = (
        "Run a background worker: sends due posts, sweeps and reconciles deliveries, and runs "
        "queued tasks (page fetches). Start as many as you like, on one machine (SQLite) or "
        "many (PostgreSQL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=0.5, help="Seconds between polls")
        parser.add_argument("--batch", type=int, default=10, help="Deliveries claimed at once")

    def handle(self, *args: Any, **options: Any) -> None:
        Worker(interval=options["interval"], batch=options["batch"]).run()
