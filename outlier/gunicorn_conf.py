"""gunicorn settings for `outlier serve --server gunicorn` (and for anyone running gunicorn
with `-c python:outlier.gunicorn_conf`): a worker that stops writes its buffered clicks first."""

from __future__ import annotations

from typing import Any


def worker_exit(server: Any, worker: Any) -> None:
    from outlier.links.clicks import buffer

    buffer.stop()
