"""A real WebSub hub for the tests: flask-websub's hub (its endpoint, verification of intent,
denial, signed content distribution with retries), served on 127.0.0.1 by Werkzeug.

Run with the hub's own virtualenv (tests/peers/websub/install.sh):

    HUB_PORT=… HUB_DB=…/hub.sqlite3 <venv>/bin/python tests/peers/websub/hub.py

flask-websub runs its work as Celery tasks; `Tasks` below stands in for Celery the way its
tests' eager mode would, but on threads (a task's `delay` returns at once, like a queued one,
and a failed delivery is retried after its countdown), so nothing but this process is needed.

Settings from the environment: HUB_PORT, HUB_DB (its SQLite storage), HUB_SIGNATURE (sha1,
sha256, sha384 or sha512: how content is signed), HUB_MIN_LEASE (seconds). Besides the hub
endpoint (POST /hub, hub.mode subscribe, unsubscribe or publish), a few routes for the tests:
GET /control/health, GET /control/state (subscriptions held, and what the tasks did).
A topic whose URL contains "deny-me" is denied (hub.mode=denied with a reason) rather than
verified: flask-websub's own validator hook.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from flask import Flask, jsonify
from flask_websub.hub import Hub, SQLite3HubStorage

logging.basicConfig(level=logging.WARNING, format="%(asctime)s hub %(levelname)s %(message)s")
logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

EVENTS: list[dict[str, Any]] = []  # what the tasks did, for GET /control/state
_events_lock = threading.Lock()


def note(**event: Any) -> None:
    with _events_lock:
        EVENTS.append({"at": time.time(), **event})


class _Retry(Exception):
    def __init__(self, countdown: float) -> None:
        super().__init__(countdown)
        self.countdown = countdown


class _Request:
    def __init__(self, retries: int) -> None:
        self.retries = retries


class _Bound:
    """What a bound Celery task sees as `self`: its retry count, and `retry`."""

    def __init__(self, retries: int) -> None:
        self.request = _Request(retries)

    def retry(self, countdown: float = 0.0, **_: Any) -> None:
        raise _Retry(countdown)


class _Task:
    def __init__(self, function: Any, bind: bool, max_retries: int) -> None:
        self.function = function
        self.bind = bind
        self.max_retries = max_retries
        self.name = function.__name__

    def delay(self, *args: Any, **kwargs: Any) -> None:
        self._later(0.0, 0, args, kwargs)

    def s(self, *args: Any, **kwargs: Any) -> tuple[_Task, tuple[Any, ...], dict[str, Any]]:
        return (self, args, kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def _later(self, countdown: float, retries: int, args: Any, kwargs: Any) -> None:
        timer = threading.Timer(countdown, self._run, (retries, args, kwargs))
        timer.daemon = True
        timer.start()

    def _run(self, retries: int, args: Any, kwargs: Any) -> None:
        try:
            if self.bind:
                self.function(_Bound(retries), *args, **kwargs)
            else:
                self.function(*args, **kwargs)
            note(task=self.name, ok=True, retries=retries)
        except _Retry as retry:
            note(task=self.name, ok=False, retries=retries)
            if retries < self.max_retries:
                self._later(retry.countdown, retries + 1, args, kwargs)
        except Exception as exc:  # a task's failure is logged, as a Celery worker would
            logging.exception("Task %s failed", self.name)
            note(task=self.name, ok=False, retries=retries, error=repr(exc))


class Tasks:
    """The part of Celery's API flask-websub uses."""

    def task(self, bind: bool = False, max_retries: int = 3, **_: Any) -> Any:
        def decorate(function: Any) -> _Task:
            return _Task(function, bind, max_retries)

        return decorate

    def add_periodic_task(self, *args: Any, **kwargs: Any) -> None:
        pass


def build() -> Flask:
    app = Flask(__name__)
    app.config["PUBLISH_SUPPORTED"] = True  # POST hub.mode=publish&hub.topic=… pings the hub
    app.config["HUB_MIN_LEASE_SECONDS"] = int(os.environ.get("HUB_MIN_LEASE", "60"))
    storage_path = os.environ["HUB_DB"]
    hub = Hub(
        SQLite3HubStorage(storage_path),
        Tasks(),
        BACKOFF_BASE=0.2,  # retry failed deliveries quickly: these are tests
        MAX_ATTEMPTS=5,
        REQUEST_TIMEOUT=5,
        SIGNATURE_ALGORITHM=os.environ.get("HUB_SIGNATURE", "sha512"),
        PUBLISH_SUPPORTED=True,
    )

    @hub.register_validator
    def deny_some(callback_url: str, topic_url: str, *args: Any) -> str | None:
        if "deny-me" in topic_url:
            return "This hub does not carry that topic."
        return None

    app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))

    @app.get("/control/health")
    def health() -> Any:
        return jsonify(ok=True)

    @app.get("/control/state")
    def state() -> Any:
        import sqlite3

        connection = sqlite3.connect(storage_path)
        try:
            rows = connection.execute(
                "select topic_url, callback_url, expiration_time - strftime('%s', 'now') from hub"
            ).fetchall()
        finally:
            connection.close()
        subscriptions = [{"topic": t, "callback": c, "expires_in": e} for t, c, e in rows]
        with _events_lock:
            events = list(EVENTS)
        return jsonify(subscriptions=subscriptions, events=events)

    return app


if __name__ == "__main__":
    build().run(host="127.0.0.1", port=int(os.environ["HUB_PORT"]), threaded=True)
