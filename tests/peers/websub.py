"""The WebSub test hub: install it, start it, ping it, read what it holds, stop it (by its
process id).

    hub = start()                    # installs on first use (tests/peers/websub/install.sh)
    hub.url                          # the hub's endpoint, for <atom:link rel="hub">
    hub.publish(topic)               # the publisher's ping: the hub fetches the topic and
                                     # distributes it, signed, to the topic's subscribers
    hub.wait_for(lambda s: ...)      # poll what it holds and did
    hub.stop()

The hub is flask-websub's (tests/peers/websub/hub.py), run with the Python of its own
virtualenv in the cache directory its install script prints
(~/.cache/outlier-peers/websub-<hash of requirements.txt>), so nothing is installed into the
repository or the project's virtualenv. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent / "websub"
INSTALL_TIMEOUT = 600
START_TIMEOUT = 30


class HubError(RuntimeError):
    """The hub could not be installed, started, or asked to do something."""


def install() -> Path:
    """Install the hub's virtualenv (once); returns its directory."""
    try:
        done = subprocess.run(["bash", str(HERE / "install.sh")], capture_output=True, text=True,
                              timeout=INSTALL_TIMEOUT, check=False)  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise HubError(f"install.sh did not finish within {INSTALL_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise HubError(f"install.sh failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WebSubHub:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path  # in the hub's own temporary directory, removed by stop()
    started_in: float = 0.0

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The hub's endpoint, as a feed names it."""
        return f"{self.origin}/hub"

    def _request(self, method: str, path: str, form: dict[str, str] | None = None) -> Any:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.origin + path, data=data, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                body = response.read()
                return json.loads(body) if path.startswith("/control/") else body.decode()
        except urllib.error.HTTPError as exc:
            raise HubError(f"{method} {path} → {exc.code}: {exc.read().decode()[:3000]}") from exc

    def publish(self, topic: str) -> None:
        """The publisher's ping (hub.mode=publish): the hub fetches `topic` and sends it to
        every subscriber of the topic."""
        self._request("POST", "/hub", {"hub.mode": "publish", "hub.topic": topic})

    def state(self) -> dict[str, Any]:
        """{"subscriptions": [{topic, callback, expires_in}], "events": [{task, ok, ...}]}"""
        result: dict[str, Any] = self._request("GET", "/control/state")
        return result

    def subscriptions(self, topic: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.state()["subscriptions"]
        return [s for s in found if topic is None or s["topic"] == topic]

    def wait_for(self, found: Callable[[dict[str, Any]], Any], timeout: float = 10,
                 what: str = "it") -> Any:  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            result = found(state)
            if result:
                return result
            if time.monotonic() > deadline:
                raise HubError(f"The hub did not show {what} within {timeout} s: {state}\n"
                               f"{self.log_tail()}")  # fmt: skip
            time.sleep(0.05)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Stop the process this object started (by its pid), politely, then firmly."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        shutil.rmtree(self.log_path.parent, ignore_errors=True)


def start(signature: str = "sha512", min_lease: int = 60) -> WebSubHub:
    """Start a hub (installing it first if needed) with empty storage, and wait until it
    answers."""
    venv = install()
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="websub-hub-"))
    env = {**os.environ, "HUB_PORT": str(port), "HUB_DB": str(workdir / "hub.sqlite3"),
           "HUB_SIGNATURE": signature, "HUB_MIN_LEASE": str(min_lease)}  # fmt: skip
    log_path = workdir / "hub.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(venv / "bin" / "python"), str(HERE / "hub.py")],
                                   cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    hub = WebSubHub(process=process, port=port, log_path=log_path)
    while True:
        if not hub.alive():
            raise HubError(f"The hub exited ({process.returncode}):\n{hub.log_tail()}")
        try:
            if hub._request("GET", "/control/health").get("ok"):
                hub.started_in = time.monotonic() - started
                return hub
        except (OSError, HubError):
            pass
        if time.monotonic() > started + START_TIMEOUT:
            hub.stop()
            raise HubError(f"The hub was not ready within {START_TIMEOUT} s:\n{hub.log_tail()}")
        time.sleep(0.05)
