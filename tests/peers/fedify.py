"""The Fedify test peer: install it, start it, drive it, stop it (by its process id).

    peer = start()                      # installs on first use (tests/peers/fedify/install.sh)
    peer.follow("alice", actor_url)     # alice follows an Outlier topic
    peer.wait_for(lambda s: ...)        # poll what it received
    peer.stop()

The peer is tests/peers/fedify/server.mjs, run with Node 22 from the cache directory its
install script prints (~/.cache/outlier-peers/fedify-<hash of package.json>), so nothing is
installed into the repository. It listens on 127.0.0.1 only.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PEER_DIR = HERE / "fedify"
INSTALL_TIMEOUT = 900
START_TIMEOUT = 60


class PeerError(RuntimeError):
    """The peer could not be installed, started, or asked to do something."""


def _run(script: Path) -> str:
    try:
        done = subprocess.run(
            ["bash", str(script)],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PeerError(f"{script} did not finish within {INSTALL_TIMEOUT} s") from exc
    if done.returncode != 0:
        raise PeerError(f"{script} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def install() -> tuple[Path, Path]:
    """Install Node 22 and the peer's packages (once); returns (node bin dir, package dir)."""
    node_bin = Path(_run(HERE / "node.sh"))
    package_dir = Path(_run(PEER_DIR / "install.sh"))
    return node_bin, package_dir


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _program(package_dir: Path) -> Path:
    """server.mjs copied beside its node_modules (ES modules resolve packages from there),
    under a name that changes with its content, written atomically."""
    source = (PEER_DIR / "server.mjs").read_bytes()
    target = package_dir / f"server-{hashlib.sha256(source).hexdigest()[:12]}.mjs"
    if not target.exists():
        fd, temporary = tempfile.mkstemp(dir=package_dir, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(source)
        os.replace(temporary, target)
    return target


@dataclass
class FedifyPeer:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started_in: float = 0.0  # seconds from spawn to ready
    options: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def actor(self, name: str) -> str:
        return f"{self.origin}/users/{name}"

    # -- control ---------------------------------------------------------------------------

    def _request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(
            self.origin + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise PeerError(f"{method} {path} → {exc.code}: {exc.read().decode()[:3000]}") from exc

    def call(self, action: str, **payload: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._request("POST", f"/control/{action}", payload)
        return result

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._request("GET", "/control/state")
        return result

    def reset(self) -> None:
        self._request("POST", "/control/reset", {})

    def follow(self, who: str, target: str) -> str:
        return str(self.call("follow", **{"as": who, "target": target})["id"])

    def like(self, who: str, obj: str) -> str:
        return str(self.call("like", **{"as": who, "object": obj})["id"])

    def announce(self, who: str, obj: str) -> str:
        return str(self.call("announce", **{"as": who, "object": obj})["id"])

    def reply(
        self, who: str, obj: str, content: str, public: bool = True, by_reference: bool = False
    ) -> dict[str, str]:
        """Reply to `obj`; `by_reference` sends the Create with the note's id only, so the
        receiver has to fetch the note."""
        return self.call(
            "reply",
            **{
                "as": who, "object": obj, "content": content, "public": public,
                "byReference": by_reference,
            },
        )  # fmt: skip

    def edit(self, who: str, note: str, content: str) -> str:
        return str(self.call("edit", **{"as": who, "note": note, "content": content})["id"])

    def undo(self, who: str, activity_id: str) -> str:
        return str(self.call("undo", **{"as": who, "id": activity_id})["id"])

    def delete(self, who: str, object_id: str) -> str:
        return str(self.call("delete", **{"as": who, "id": object_id})["id"])

    def delete_actor(self, who: str, target: str) -> str:
        return str(self.call("delete-actor", **{"as": who, "target": target})["id"])

    def authorized_fetch(self, on: bool = True) -> None:
        """Make the peer's actors and notes answer only signed GETs whose signature verifies
        (Mastodon's "secure mode"); reset() turns it off again."""
        self.call("authorized-fetch", on=on)

    def sign(self, who: str, url: str, body: bytes, **options: Any) -> dict[str, str]:
        """Headers Fedify would send to POST `body` to `url` as `who` (not sent).

        Options: spec ("rfc9421" or draft-cavage, the default), time (ISO 8601, the signing
        time), keyAs (sign with another actor's key), keyId (claim another key id).
        """
        result = self.call("sign", **{"as": who, "url": url, "body": body.decode(), **options})
        return dict(result["headers"])

    # -- what it received ------------------------------------------------------------------

    def received(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The inbox POSTs it accepted (2xx), optionally of one activity type."""
        posts = [p for p in self.state()["received"] if 200 <= p["status"] < 300]
        if kind is None:
            return posts
        return [p for p in posts if isinstance(p["body"], dict) and p["body"].get("type") == kind]

    def fetches(self, path: str | None = None) -> list[dict[str, Any]]:
        """The GETs it answered (outside /control/): path, status, and the key id of the
        signature (None when unsigned), optionally of one path."""
        found: list[dict[str, Any]] = self.state()["fetches"]
        return [f for f in found if path is None or f["path"] == path]

    def wait_for(
        self, found: Callable[[dict[str, Any]], Any], timeout: float = 10, what: str = "it"
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            result = found(state)
            if result:
                return result
            if time.monotonic() > deadline:
                raise PeerError(f"The peer did not receive {what} within {timeout} s: {state}")
            time.sleep(0.05)

    # -- lifecycle -------------------------------------------------------------------------

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


def start(
    port: int | None = None,
    actors: tuple[str, ...] = ("alice", "bob"),
    first_knock: str = "rfc9421",
    log_level: str = "warning",
) -> FedifyPeer:
    """Start a peer (installing it first if needed) and wait until it answers."""
    node_bin, package_dir = install()
    program = _program(package_dir)
    port = port or free_port()
    options = {
        "PEER_PORT": str(port),
        "PEER_ACTORS": ",".join(actors),
        "PEER_FIRST_KNOCK": first_knock,
        "PEER_LOG_LEVEL": log_level,
    }
    env = {**os.environ, **options, "PATH": f"{node_bin}{os.pathsep}{os.environ.get('PATH', '')}"}
    fd, log_name = tempfile.mkstemp(prefix="fedify-peer-", suffix=".log")
    started = time.monotonic()
    with os.fdopen(fd, "wb") as log:
        process = subprocess.Popen(
            [str(node_bin / "node"), str(program)],
            cwd=package_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    peer = FedifyPeer(process=process, port=port, log_path=Path(log_name), options=options)
    deadline = started + START_TIMEOUT
    while True:
        if not peer.alive():
            raise PeerError(f"The Fedify peer exited ({process.returncode}):\n{peer.log_tail()}")
        try:
            health = peer._request("GET", "/control/health")
            if health.get("ok"):
                peer.started_in = time.monotonic() - started
                return peer
        except (OSError, PeerError):
            pass
        if time.monotonic() > deadline:
            peer.stop()
            raise PeerError(
                f"The Fedify peer was not ready within {START_TIMEOUT} s:\n{peer.log_tail()}"
            )
        time.sleep(0.05)


def restart(peer: FedifyPeer) -> FedifyPeer:
    """The same peer again on the same port (a fresh process: its memory is empty)."""
    peer.stop()
    return start(
        port=peer.port,
        actors=tuple(peer.options["PEER_ACTORS"].split(",")),
        first_knock=peer.options["PEER_FIRST_KNOCK"],
        log_level=peer.options["PEER_LOG_LEVEL"],
    )
