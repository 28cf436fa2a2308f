"""The worker loop runs every app's jobs; a bug in one is logged and the others go on."""

from __future__ import annotations

import pytest

from outlier.core.worker import Worker

calls: list[str] = []


def failing_job(worker_id: str, batch: int) -> int:
    calls.append("failing")
    raise RuntimeError("a bug in one app")


def working_job(worker_id: str, batch: int) -> int:
    calls.append("working")
    return 0


def failing_sweep() -> int:
    calls.append("sweep")
    raise RuntimeError("a bug in a sweep")


@pytest.mark.django_db
def test_a_failing_job_does_not_stop_the_others_or_the_loop(settings, caplog, monkeypatch):
    # The loop closes stale connections between passes; the test's connection must stay.
    monkeypatch.setattr("outlier.core.worker.close_old_connections", lambda: None)
    settings.WORKER_DUE_JOBS = ["tests.core.test_worker_loop.failing_job",
                                "tests.core.test_worker_loop.working_job"]  # fmt: skip
    settings.WORKER_SWEEPS = ["tests.core.test_worker_loop.failing_sweep"]
    calls.clear()
    Worker(interval=0.01, max_loops=3).run()
    assert calls.count("failing") == 3 and calls.count("working") == 3
    assert calls.count("sweep") == 1  # sweeps run every few seconds
    assert "Worker job failing_job failed" in caplog.text
