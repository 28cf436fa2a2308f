"""Posts per second to a local Bluesky PDS: through Outlier's delivery engine, beside the SDK alone.

    .venv/bin/python bench/bluesky.py [--posts 1000] [--raw 500] [--pg]

Builds a throwaway instance as bench/dispatch.py does (data dir, migrated database: SQLite, or
with --pg a private PostgreSQL 15), starts a local PDS (tests/peers/bluesky.py: PDS and
in-memory PLC on 127.0.0.1, installed on first use; its own rate limits off, Outlier's
budget of 5,000 points an hour still applies), gives each measurement a fresh account, and
measures:

  raw      a loop of com.atproto.repo.createRecord calls from this process with the atproto
           SDK as it comes (its own httpx client: keep-alive, no address vetting), the same
           record a delivery makes (text and link card): the PDS's own pace from one client
  adapter  a loop of BlueskyAdapter.publish from this process, with a saved session: the
           adapter's own cost (safe_http, a new connection per request, derived record keys),
           without the engine
  engine   `--posts` posts due at the same instant, sent by two `outlier worker` processes
           with their defaults

raw and adapter run before and after the engine; their means are the baselines. It prints
posts per second for each, the engine's ratio to raw and to adapter, the workers' CPU per
post, how many createSession calls the engine made (the PDS's refresh tokens for the
account: each login leaves one), and checks the PDS holds exactly one post per delivery.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import dispatch  # noqa: E402  (bench/dispatch.py: the workers)
import instance  # noqa: E402  (bench/instance.py: the instance, PostgreSQL)

from tests.peers import bluesky as peers  # noqa: E402

WORKERS = dispatch.WORKERS
DEADLINE = 600.0  # seconds for the engine's burst


def _record(n: int, label: str) -> dict[str, Any]:
    """The record a delivery of dispatch.make_deliveries becomes: its text and link card."""
    return {
        "$type": "app.bsky.feed.post",
        "text": f"{label} post {n}: something to read",
        "createdAt": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "embed": {"$type": "app.bsky.embed.external", "external": {
            "uri": f"https://example.org/{label}/{n}", "title": "example.org",
            "description": ""}},
    }  # fmt: skip


def raw_loop(account: peers.Account, count: int) -> float:
    """createRecord with the SDK alone, one after another: posts per second."""
    from atproto import Client, models

    client = Client(account.pds_url)
    client.login(account.handle, account.app_password, fetch_bsky_profile=False)
    started = time.perf_counter()
    for n in range(count):
        client.com.atproto.repo.create_record(
            models.ComAtprotoRepoCreateRecord.Data(
                repo=account.did, collection="app.bsky.feed.post", record=_record(n, "raw")
            )
        )
    return count / (time.perf_counter() - started)


def adapter_loop(account: peers.Account, count: int) -> float:
    """BlueskyAdapter.publish one after another, the session saved as publishing saves it."""
    from outlier.networks.base import Content
    from outlier.networks.bluesky import BlueskyAdapter

    config = account.config(appview="none")
    first = BlueskyAdapter(config)
    first.test()
    config.update(first.config_changes())
    started = time.perf_counter()
    for n in range(count):
        content = Content(text=f"adapter post {n}: something to read",
                          link=f"https://example.org/adapter/{n}")  # fmt: skip
        BlueskyAdapter(config).publish(content, uuid.uuid4().hex)
    return count / (time.perf_counter() - started)


def post_count(account: peers.Account) -> int:
    total, cursor = 0, None
    while True:
        params: dict[str, Any] = {"repo": account.did, "collection": "app.bsky.feed.post",
                                  "limit": 100}  # fmt: skip
        if cursor:
            params["cursor"] = cursor
        page = account.xrpc("com.atproto.repo.listRecords", params=params)
        total += len(page["records"])
        cursor = page.get("cursor")
        if not page["records"] or not cursor:
            return total


def logins(pds: peers.Pds, account: peers.Account) -> int | None:
    """createSession calls for the account: each one leaves a refresh token in the PDS."""
    path = pds.directory / "data" / "account.sqlite"
    with (
        contextlib.suppress(sqlite3.Error),
        sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db,
    ):
        row = db.execute("SELECT count(*) FROM refresh_token WHERE did = ?", (account.did,))
        return int(row.fetchone()[0])
    return None


def engine(pds: peers.Pds, account: peers.Account, count: int, pids: list[int]) -> dict[str, Any]:
    """`count` deliveries due at one instant; the workers are already polling."""
    from django.db.models import Count, Max

    from outlier.core.models import Workspace
    from outlier.publishing.models import Channel, Delivery

    workspace, _ = Workspace.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    channel = Channel.objects.create(
        workspace=workspace, network="bluesky", name=account.handle,
        settings={"handle": account.handle, "pds_url": account.pds_url, "appview": "none"},
        credentials={"app_password": account.app_password},
    )  # fmt: skip
    sessions_before = logins(pds, account)  # createAccount made one already
    placeholder = datetime(2100, 1, 1, tzinfo=UTC)
    dispatch.make_deliveries(channel, [placeholder] * count, "engine")
    cpu = dispatch.cpu_seconds(pids)
    start = time.time() + 0.5
    at = datetime.fromtimestamp(start, UTC)
    Delivery.objects.filter(channel=channel).update(due_at=at, next_attempt_at=at)
    deadline = time.monotonic() + DEADLINE
    while dispatch.open_count() and time.monotonic() < deadline:
        time.sleep(0.25)
    rows = Delivery.objects.filter(channel=channel)
    sent = rows.filter(state="sent")
    last = sent.aggregate(last=Max("sent_at"))["last"]
    elapsed = max(1e-9, (last.timestamp() if last else time.time()) - start)
    states = dict(rows.values_list("state").annotate(n=Count("pk")).order_by("state"))
    after = dispatch.cpu_seconds(pids)
    sent_count = sent.count()
    return {
        "sent": sent_count,
        "rate": sent_count / elapsed,
        "seconds": elapsed,
        "states": states,
        "on_pds": post_count(account),
        "distinct_ids": sent.values("remote_id").distinct().count(),
        "cpu_ms": 1000 * (after - cpu) / sent_count if cpu and after and sent_count else None,
        "logins": (now - sessions_before)
        if (now := logins(pds, account)) is not None and sessions_before is not None
        else None,
        "status": Channel.objects.get(pk=channel.pk).status_detail,
    }


def run(data_dir: str, database_url: str, args: argparse.Namespace) -> int:
    # The PDS names itself http://localhost:<port>: both loopback addresses.
    env = instance.instance_env(data_dir, database_url,
                                ALLOWED_PRIVATE_NETWORKS="127.0.0.0/8,::1/128")  # fmt: skip
    database = "PostgreSQL 15" if database_url else "SQLite (WAL)"
    print(f"instance in {data_dir} on {database}: migrate…", flush=True)
    subprocess.run([sys.executable, "-m", "django", "migrate", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True, timeout=300)  # fmt: skip
    os.environ.update(env)
    import django

    django.setup()
    print("starting a local PDS (installing it the first time)…", flush=True)
    pds = peers.start_pds(rate_limits=False, what="pds")
    try:
        raw_loop(pds.account("warm"), 50)
        raws = [raw_loop(pds.account("raw"), args.raw)]
        adapters = [adapter_loop(pds.account("adapter"), args.raw)]
        print(f"raw {raws[0]:.0f} posts/s, adapter {adapters[0]:.0f} posts/s", flush=True)
        logs = Path(data_dir)
        with contextlib.ExitStack() as stack:
            pids = [
                stack.enter_context(dispatch.process([str(dispatch.BIN / "outlier"), "worker"],
                                                     env, logs / f"worker-{n}.log")).pid
                for n in range(WORKERS)
            ]  # fmt: skip
            dispatch.wait_for(_workers_ready, 30, "the workers' heartbeats")
            print(f"{WORKERS} workers polling; {args.posts} posts due at once…", flush=True)
            result = engine(pds, pds.account("engine"), args.posts, pids)
        raws.append(raw_loop(pds.account("raw2"), args.raw))
        adapters.append(adapter_loop(pds.account("adapter2"), args.raw))
        for n in range(WORKERS):
            log = (logs / f"worker-{n}.log").read_text()
            if log.strip():
                print(f"worker {n} said:\n{log[-1500:]}", flush=True)
    finally:
        pds.stop()
    return report(result, raws, adapters, database, args)


def _workers_ready() -> bool:
    from outlier.publishing.models import WorkerHeartbeat

    recent = datetime.now(UTC) - timedelta(seconds=5)
    return WorkerHeartbeat.objects.filter(seen_at__gte=recent).count() >= WORKERS


def report(result: dict[str, Any], raws: list[float], adapters: list[float], database: str,
           args: argparse.Namespace) -> int:  # fmt: skip
    raw = sum(raws) / len(raws)
    adapter = sum(adapters) / len(adapters)
    ok = result["sent"] == args.posts == result["on_pds"] == result["distinct_ids"]
    cpu = f"{result['cpu_ms']:.1f}" if result["cpu_ms"] is not None else "-"
    print(f"\n{database}, {WORKERS} `outlier worker` processes, local PDS (@atproto/pds 0.5.35)")
    print(f"{'path':<8} {'posts':>6} {'posts/s':>8}  notes")
    print(f"{'raw':<8} {args.raw:>6} {raw:>8.1f}  SDK alone, keep-alive (runs: "
          f"{', '.join(f'{r:.1f}' for r in raws)})")  # fmt: skip
    print(f"{'adapter':<8} {args.raw:>6} {adapter:>8.1f}  BlueskyAdapter.publish in a loop (runs: "
          f"{', '.join(f'{r:.1f}' for r in adapters)})")  # fmt: skip
    print(f"{'engine':<8} {args.posts:>6} {result['rate']:>8.1f}  {result['sent']} sent in "
          f"{result['seconds']:.1f} s, worker CPU {cpu} ms/post, "
          f"{result['logins']} createSession")  # fmt: skip
    print(f"engine / raw = {result['rate'] / raw:.0%}, engine / adapter = "
          f"{result['rate'] / adapter:.0%}")  # fmt: skip
    print(f"on the PDS: {result['on_pds']} posts for {result['sent']} sent deliveries "
          f"({result['distinct_ids']} distinct remote ids); states {result['states']}")  # fmt: skip
    if result["status"]:
        print(f"channel: {result['status']}")
    print("PASS" if ok else "FAIL: not every delivery became exactly one post")
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="posts due at once (≤ 1,666: "
                        "the channel's hourly budget)")  # fmt: skip
    parser.add_argument("--raw", type=int, default=500, help="posts in each baseline loop")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    return instance.throwaway("bluesky", args.pg, lambda data_dir, url: run(data_dir, url, args))


if __name__ == "__main__":
    sys.exit(main())
