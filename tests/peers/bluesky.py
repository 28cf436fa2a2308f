"""Local Bluesky peers for the tests and benchmarks, on 127.0.0.1 only.

    install()          tests/peers/bluesky/install.sh: the npm packages (into
                       ~/.cache/outlier-peers), Redis and PostgreSQL; quick once done
    start_pds()        a PDS with its own in-memory PLC directory (tests/peers/bluesky/pds.mjs),
                       no AppView: every app.bsky.* query answers "No service configured"
    start_network()    a whole network from @atproto/dev-env (PLC, PDS, AppView), with a
                       PostgreSQL cluster and a Redis server of its own

Each server runs as a child process (PostgreSQL as a daemon whose postmaster pid is read from
its pid file) and is stopped by that process id, never by name. The PDS advertises itself as
http://localhost:<port> (its DID documents say so, and the atproto SDK moves there after
login), so clients must be allowed to reach both 127.0.0.1 and ::1. `Pds.url` is the
127.0.0.1 address.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent / "bluesky"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
INSTALL_TIMEOUT = 900
START_TIMEOUT = 120


def install(what: str = "all") -> dict[str, Path]:
    """Install the peers ("pds": the PDS alone; "all": the AppView too); where each one is
    ({"pds": dir, "appview": dir}). Raises on failure."""
    result = subprocess.run(
        ["bash", str(HERE / "install.sh"), what],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"Installing the Bluesky peers failed ({result.returncode}):\n"
            f"{result.stderr[-4000:]}{result.stdout[-2000:]}"
        )
    homes = {}
    for line in result.stdout.splitlines():
        name, _, directory = line.partition("=")
        if name in ("pds", "appview") and directory:
            homes[name] = Path(directory)
    return homes


def node_bin() -> str:
    result = subprocess.run(
        ["bash", str(HERE.parent / "node.sh")], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- Processes ----------------------------------------------------------------------------------


@dataclass
class Process:
    """A child process and the file its output goes to; stopped by its own pid."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(
        cls, name: str, command: list[str], *, env: dict[str, str], cwd: Path, log: Path, **kw: Any
    ) -> Process:
        with log.open("wb") as out:
            popen = subprocess.Popen(  # noqa: S603
                command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, **kw
            )
        return cls(name, popen, log)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


def _ready_line(process: Process, key: str, timeout: float) -> dict[str, Any]:
    """Wait for the JSON line a wrapper prints once its servers answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in process.output().splitlines():
            if line.startswith("{") and f'"{key}"' in line:
                with contextlib.suppress(ValueError):
                    found: dict[str, Any] = json.loads(line)
                    return found
        if not process.alive():
            break
        time.sleep(0.1)
    process.stop()
    raise RuntimeError(
        f"{process.name} did not start within {timeout:.0f} s:\n{process.output()[-4000:]}"
    )


def _wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2, trust_env=False).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} does not answer")
        time.sleep(0.1)


# -- Accounts -----------------------------------------------------------------------------------


@dataclass
class Account:
    handle: str
    did: str
    password: str
    app_password: str
    access_jwt: str
    pds_url: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_jwt}"}

    def config(self, **overrides: Any) -> dict[str, Any]:
        """A Bluesky channel's config for this account."""
        return {"handle": self.handle, "app_password": self.app_password,
                "pds_url": self.pds_url, **overrides}  # fmt: skip

    def xrpc(self, method: str, *, params: dict[str, Any] | None = None,
             body: dict[str, Any] | None = None) -> Any:  # fmt: skip
        """Call the PDS as this account (plain httpx: the test's own client, not Outlier's)."""
        url = f"{self.pds_url}/xrpc/{method}"
        if body is None:
            answer = httpx.get(url, params=params, headers=self.headers(), timeout=30,
                               trust_env=False)  # fmt: skip
        else:
            answer = httpx.post(url, json=body, headers=self.headers(), timeout=30,
                                trust_env=False)  # fmt: skip
        if answer.status_code != 200:
            raise RuntimeError(f"{method}: {answer.status_code} {answer.text[:300]}")
        return answer.json() if answer.content else {}

    def create(self, collection: str, record: dict[str, Any]) -> dict[str, str]:
        """createRecord in this account's repository; {"uri", "cid"}."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        answer = self.xrpc("com.atproto.repo.createRecord", body={
            "repo": self.did, "collection": collection,
            "record": {"$type": collection, "createdAt": stamp, **record},
        })  # fmt: skip
        return {"uri": answer["uri"], "cid": answer["cid"]}

    def record(self, uri: str) -> dict[str, Any]:
        """The record at an at:// URI (getRecord on this PDS)."""
        repo, collection, rkey = uri.removeprefix("at://").split("/")
        answer: dict[str, Any] = self.xrpc("com.atproto.repo.getRecord", params={
            "repo": repo, "collection": collection, "rkey": rkey})  # fmt: skip
        return answer

    def records(self, collection: str = "app.bsky.feed.post") -> list[dict[str, Any]]:
        answer = self.xrpc("com.atproto.repo.listRecords", params={
            "repo": self.did, "collection": collection, "limit": 100})  # fmt: skip
        return list(answer["records"])


def _create_account(pds_url: str, name: str) -> Account:
    password = secrets.token_urlsafe(12)
    handle = f"{name}.test"
    answer = httpx.post(f"{pds_url}/xrpc/com.atproto.server.createAccount", json={
        "handle": handle, "email": f"{name}@example.org", "password": password,
    }, timeout=30, trust_env=False)  # fmt: skip
    if answer.status_code != 200:
        raise RuntimeError(f"createAccount {handle}: {answer.status_code} {answer.text[:300]}")
    created = answer.json()
    app = httpx.post(f"{pds_url}/xrpc/com.atproto.server.createAppPassword",
                     json={"name": f"outlier-{secrets.token_hex(3)}"},
                     headers={"Authorization": f"Bearer {created['accessJwt']}"}, timeout=30,
                     trust_env=False)  # fmt: skip
    if app.status_code != 200:
        raise RuntimeError(f"createAppPassword {handle}: {app.status_code} {app.text[:300]}")
    return Account(handle=created["handle"], did=created["did"], password=password,
                   app_password=app.json()["password"], access_jwt=created["accessJwt"],
                   pds_url=pds_url)  # fmt: skip


class _Peer:
    url: str  # the PDS, on 127.0.0.1

    def account(self, name: str = "") -> Account:
        """A new account with an app password; `name` gets a random suffix (handles are unique)."""
        stem = (name or "user")[:12].lower()
        return _create_account(self.url, f"{stem}-{secrets.token_hex(3)}")


# -- A PDS alone --------------------------------------------------------------------------------


@dataclass
class Pds(_Peer):
    url: str
    plc_url: str
    process: Process
    directory: Path

    def stop(self) -> None:
        self.process.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def _pds_env(port: int, plc_port: int, directory: Path, rate_limits: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PDS_", "LOG_", "npm_"))}  # fmt: skip
    env.update(
        PATH=f"{node_bin()}:{env.get('PATH', '')}",
        PLC_PORT=str(plc_port),
        PDS_PORT=str(port),
        PDS_HOSTNAME="localhost",
        PDS_DATA_DIRECTORY=str(directory / "data"),
        PDS_BLOBSTORE_DISK_LOCATION=str(directory / "blobs"),
        PDS_JWT_SECRET=secrets.token_hex(16),
        PDS_DPOP_SECRET=secrets.token_hex(32),
        PDS_ADMIN_PASSWORD=secrets.token_hex(8),
        PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX=secrets.token_hex(32),
        # "localhost", not 127.0.0.1: the PDS refuses IP hosts when it resolves DIDs.
        PDS_DID_PLC_URL=f"http://localhost:{plc_port}",
        PDS_DEV_MODE="true",
        PDS_INVITE_REQUIRED="false",
        PDS_DISABLE_SSRF_PROTECTION="true",
        PDS_CRAWLERS="",
        PDS_RATE_LIMITS_ENABLED="true" if rate_limits else "false",
    )
    return env


def start_pds(*, rate_limits: bool = True, what: str = "all") -> Pds:
    """A PDS and its PLC directory, fresh (new data directory, DIDs in memory).

    Installs the whole network's packages unless told `what="pds"`: dev-env holds the same
    PDS, so the tests that need both make one install."""
    home = install(what)["pds"]
    directory = Path(tempfile.mkdtemp(prefix="outlier-bluesky-pds-"))
    (directory / "data").mkdir()
    (directory / "blobs").mkdir()
    port, plc_port = free_port(), free_port()
    process = Process.start(
        "the Bluesky PDS",
        ["node", "pds.mjs"],
        env=_pds_env(port, plc_port, directory, rate_limits),
        cwd=home,
        log=directory / "pds.log",
    )
    try:
        _ready_line(process, "pds", START_TIMEOUT)
        url = f"http://127.0.0.1:{port}"
        _wait_http(f"{url}/xrpc/_health", 30)
    except BaseException:
        process.stop()
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return Pds(url=url, plc_url=f"http://127.0.0.1:{plc_port}", process=process,
               directory=directory)  # fmt: skip


# -- PostgreSQL and Redis for the AppView -------------------------------------------------------


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its tools as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass
class Postgres:
    port: int
    directory: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def start(cls, directory: Path) -> Postgres:
        port = free_port()
        data = directory / "data"
        if os.geteuid() == 0:
            shutil.chown(directory, "postgres", "postgres")
        subprocess.run(
            _as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
                          "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        options = (f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")  # fmt: skip
        result = subprocess.run(
            _as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", str(directory / "log"),
                          "-w", "-t", "60", "-o", options, "start"]),
            capture_output=True, text=True, timeout=90, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            log = (
                (directory / "log").read_text(errors="replace")
                if (directory / "log").exists()
                else ""
            )
            raise RuntimeError(f"PostgreSQL did not start: {result.stderr}\n{log[-2000:]}")
        return cls(port, directory)

    def pid(self) -> int | None:
        try:
            return int((self.directory / "data" / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """Fast shutdown: SIGINT to the postmaster, by the pid in its pid file."""
        pid = self.pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGINT)
            deadline = time.monotonic() + 30
            while (
                time.monotonic() < deadline
                and (self.directory / "data" / "postmaster.pid").exists()
            ):
                time.sleep(0.1)


def redis_binary() -> str:
    """redis-server, or Debian redis-tools' redis-check-rdb (the same program)."""
    found = shutil.which("redis-server")
    if found:
        return found
    if Path("/usr/bin/redis-check-rdb").exists():
        return "/usr/bin/redis-check-rdb"
    raise RuntimeError("No Redis server: run tests/peers/bluesky/install.sh")


def start_redis(directory: Path) -> tuple[Process, int]:
    port = free_port()
    directory.mkdir(parents=True, exist_ok=True)
    process = Process.start(
        "Redis",
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory)],
        env=dict(os.environ), cwd=directory, log=directory / "redis.log",
        executable=redis_binary(),
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while "Ready to accept connections" not in process.output():
        if not process.alive() or time.monotonic() > deadline:
            process.stop()
            raise RuntimeError(f"Redis did not start:\n{process.output()[-2000:]}")
        time.sleep(0.05)
    return process, port


# -- A whole network ----------------------------------------------------------------------------


@dataclass
class Network(_Peer):
    url: str  # the PDS
    appview_url: str
    process: Process
    postgres: Postgres
    redis: Process
    directory: Path
    stopped: bool = field(default=False)

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        try:
            self.process.stop(timeout=20)
        finally:
            try:
                self.redis.stop()
            finally:
                self.postgres.stop()
                shutil.rmtree(self.directory, ignore_errors=True)
                shutil.rmtree(self.postgres.directory, ignore_errors=True)


def start_network() -> Network:
    """PLC, PDS and AppView (@atproto/dev-env), with PostgreSQL and Redis of their own."""
    home = install("all")["appview"]
    directory = Path(tempfile.mkdtemp(prefix="outlier-bluesky-network-"))
    pg_directory = Path(tempfile.mkdtemp(prefix="outlier-bluesky-pg-"))
    try:
        postgres = Postgres.start(pg_directory)
    except BaseException:
        shutil.rmtree(pg_directory, ignore_errors=True)
        shutil.rmtree(directory, ignore_errors=True)
        raise
    redis: Process | None = None
    process: Process | None = None
    try:
        redis, redis_port = start_redis(directory / "redis")
        ports = {
            name: free_port() for name in ("PLC_PORT", "PDS_PORT", "APPVIEW_PORT", "OZONE_PORT")
        }
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("PDS_", "LOG_", "DB_", "REDIS_", "npm_"))}  # fmt: skip
        env.update(
            PATH=f"{node_bin()}:{env.get('PATH', '')}",
            DB_POSTGRES_URL=postgres.url,
            DB_POSTGRES_SCHEMA="outlier",
            REDIS_HOST=f"127.0.0.1:{redis_port}",
            NODE_NO_WARNINGS="1",
            **{name: str(port) for name, port in ports.items()},
        )
        process = Process.start(
            "the Bluesky network (dev-env)",
            ["node", "--import", "./loopback.mjs", "network.mjs"],
            env=env, cwd=home, log=directory / "network.log",
        )  # fmt: skip
        _ready_line(process, "appview", START_TIMEOUT)
        url = f"http://127.0.0.1:{ports['PDS_PORT']}"
        _wait_http(f"{url}/xrpc/_health", 30)
    except BaseException:
        if process is not None:
            process.stop()
        if redis is not None:
            redis.stop()
        postgres.stop()
        shutil.rmtree(directory, ignore_errors=True)
        shutil.rmtree(postgres.directory, ignore_errors=True)
        raise
    return Network(url=url, appview_url=f"http://127.0.0.1:{ports['APPVIEW_PORT']}",
                   process=process, postgres=postgres, redis=redis, directory=directory)  # fmt: skip
