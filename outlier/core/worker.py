"""The worker loop: due work first, then sweeps, then one queued background task.

The work comes from the apps, named in settings (`WORKER_DUE_JOBS`, `WORKER_SWEEPS`) the way
middleware is, so this loop in `core` imports nothing above it. A due job is called as
`job(worker_id, batch)` every loop and returns how many items it handled; a sweep is called
with no arguments every few seconds.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from types import FrameType

from django.conf import settings
from django.db import close_old_connections
from django.db.utils import OperationalError
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker as TaskWorker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger(__name__)

SWEEP_EVERY_SECONDS = 5.0


class Worker:
    def __init__(self, interval: float = 0.5, batch: int = 10, max_loops: int | None = None):
        self.worker_id = get_random_string(24)
        self.interval = interval
        self.batch = batch
        self.max_loops = max_loops
        self.running = True
        self.due_jobs = [import_string(path) for path in settings.WORKER_DUE_JOBS]
        self.sweeps = [import_string(path) for path in settings.WORKER_SWEEPS]
        self.tasks = TaskWorker(
            queue_names=["*"], interval=interval, batch=False, backend_name="default",
            startup_delay=False, max_tasks=None, worker_id=self.worker_id,
            excluded_queue_names=[],
        )  # fmt: skip

    def stop(self, signum: int, frame: FrameType | None) -> None:
        logger.info("Worker %s stopping after the current step", self.worker_id)
        self.running = False

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        logger.info("Worker %s started", self.worker_id)
        last_sweep = 0.0
        loops = 0
        while self.running and (self.max_loops is None or loops < self.max_loops):
            loops += 1
            close_old_connections()
            try:
                busy = False
                for job in self.due_jobs:
                    busy = self._guarded(job, self.worker_id, self.batch) > 0 or busy
                if time.monotonic() - last_sweep > SWEEP_EVERY_SECONDS:
                    for sweep in self.sweeps:
                        self._guarded(sweep)
                    last_sweep = time.monotonic()
                busy = self.run_one_task() or busy
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                busy = False
            if not busy and self.running:
                time.sleep(self.interval)

    def _guarded(self, job: Callable[..., int], *args: object) -> int:
        """Run one job; a bug in it is logged and the loop goes on with the others (a locked
        SQLite database is left to the loop, which waits and tries again)."""
        try:
            return job(*args)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                raise
            logger.exception("Worker job %s failed", getattr(job, "__qualname__", job))
        except Exception:
            logger.exception("Worker job %s failed", getattr(job, "__qualname__", job))
        return 0

    def run_one_task(self) -> bool:
        tasks = DBTaskResult.objects.ready().filter(backend_name="default")
        with exclusive_transaction(tasks.db):
            task_result = tasks.get_locked()
            if task_result is not None:
                task_result.claim(self.worker_id)
        if task_result is None:
            return False
        self.tasks.run_task(task_result)
        return True
