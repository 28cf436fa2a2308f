"""The throwaway Outlier instance every benchmark runs against: a free port, the environment of
an instance in its own data directory, and a private PostgreSQL 15 (scripts/postgres.sh, on a
port and directory of its own, so a shared one on 54329 is left alone)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def instance_env(data_dir: str, database_url: str = "", **settings: str) -> dict[str, str]:
    """This process's environment without any OUTLIER_ variable of the caller's, for an
    instance in `data_dir` (SQLite unless `database_url`); `settings` are more OUTLIER_
    variables by name without the prefix (BIND="127.0.0.1:8001")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTLIER_")}
    env.update(
        DJANGO_SETTINGS_MODULE="outlier.settings",
        PYTHONPATH=str(ROOT),
        OUTLIER_DATA_DIR=data_dir,
        OUTLIER_SECRET_KEY=secrets.token_urlsafe(40),
        OUTLIER_DEBUG="false",
        OUTLIER_BASE_URL="http://127.0.0.1:8000",
        OUTLIER_LOG_LEVEL="WARNING",
    )
    env.update({f"OUTLIER_{name}": value for name, value in settings.items()})
    if database_url:
        env["OUTLIER_DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A private PostgreSQL 15 with an empty database; yields its URL, removes it after."""
    port = free_port()
    pg_dir = tempfile.mkdtemp(prefix="outlier-bench-pg-")
    env = {**os.environ, "OUTLIER_PG_PORT": str(port), "OUTLIER_PG_DIR": pg_dir}
    script = str(ROOT / "scripts" / "postgres.sh")
    subprocess.run(["bash", script, "start"], env=env, check=True, timeout=600,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        import psycopg

        with psycopg.connect(f"postgres://postgres@127.0.0.1:{port}/postgres",
                             autocommit=True) as conn:  # fmt: skip
            conn.execute("CREATE DATABASE outlier")
        yield f"postgres://postgres@127.0.0.1:{port}/outlier"
    finally:
        subprocess.run(["bash", script, "stop"], env=env, check=False, timeout=120)
        shutil.rmtree(pg_dir, ignore_errors=True)


def migrated(data_dir: str, database_url: str) -> str:
    """Migrate the instance in `data_dir` (SQLite unless `database_url`) in a process of its
    own, then point this process at it and set Django up; the database's name, for the report."""
    env = instance_env(data_dir, database_url)
    database = "PostgreSQL 15" if database_url else "SQLite (WAL)"
    print(f"instance in {data_dir} on {database}: migrate…", flush=True)
    subprocess.run([sys.executable, "-m", "django", "migrate", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True, timeout=600)  # fmt: skip
    os.environ.update(env)
    import django

    django.setup()
    return database


def throwaway(name: str, pg: bool, run: Callable[[str, str], int]) -> int:
    """`run(data_dir, database_url)` in a new data directory (and a private PostgreSQL with
    `pg`, else SQLite: an empty URL), both removed afterwards; its exit status (130 on ^C)."""
    data_dir = tempfile.mkdtemp(prefix=f"outlier-bench-{name}-")
    try:
        with postgres() if pg else contextlib.nullcontext("") as database_url:
            return run(data_dir, database_url)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
