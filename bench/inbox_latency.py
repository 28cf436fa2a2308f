"""How long a reply takes to reach the inbox, with the real processes running.

    .venv/bin/python bench/inbox_latency.py [--intervals 5,60] [--replies 20]
                                            [--fediverse-replies 20] [--pg]

In a throwaway instance (its own data dir, SQLite in WAL mode as shipped, or with `--pg` a
private PostgreSQL 15 from scripts/postgres.sh), beside the local Bluesky PDS
(tests/peers/bluesky.py, its rate limits on) and the Fedify peer (tests/peers/fedify.py):

1. one workspace with a Bluesky channel (the PDS account "alice", connected through
   `do_create_channel`, which signs in; no AppView, so the inbox reads the PDS's event stream)
   and a public topic with its fediverse channel; `outlier serve` (what `make run` starts: the
   web server and one worker) with OUTLIER_INBOX_PULL_SECONDS set to the interval measured;
   the peer's alice follows the topic; one post is published on both channels by the worker;
2. Bluesky: another PDS account ("bob") replies to the channel's post `--replies` times, at
   random moments (gaps uniform in [0, interval/2], so the replies fall at every phase of the
   pull cycle, not just after a pull); each reply's latency is from just before its
   createRecord to the moment the bench, polling the database every 25 ms, finds it in the
   inbox's open list (`queries.items`). Printed with median and p95 beside the configured
   interval, the baseline: a reply made at a random moment waits on average half a pull
   period and at worst one whole;
3. the fediverse, after each interval's Bluesky replies (pushed interactions do not wait for
   the interval, but share the one worker loop with the pulls): the peer's alice replies to
   the topic's note `--fediverse-replies` times (gaps uniform in [0, 1.5] s); the reply is
   POSTed, signed, to the topic's inbox (the web process stores it before answering) and the
   worker's `run_pushed` copies it into the inbox within PUSHED_EVERY_SECONDS (1 s) plus one
   worker loop (0.5 s idle sleep): the baseline.

Beside each figure, from the rows' own `received_at` (the same clock): when the inbox stored
it and, for the fediverse, when the topic's inbox stored the POST. At the end, whatever
`outlier serve` logged (it logs warnings and errors only).

No target: the figure shows what a person waits, and whether it is the interval and nothing
more. `outlier serve` is restarted between intervals (the setting is read at start).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instance import free_port, instance_env, throwaway  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
POLL = 0.025
LOOPBACK = "127.0.0.0/8,::1/128"
WORKER_SLEEP = 0.5  # outlier worker --interval, the default `outlier serve` uses


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout:g} s")
        time.sleep(0.1)


class Serve:
    """`outlier serve` in the foreground of a child process, stopped by its pid."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(  # noqa: S603 (our interpreter, our arguments)
                [sys.executable, "-m", "outlier.cli", "serve"], cwd=ROOT, env=env,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


def measure(make: Callable[[int], str], channel_id: int, count: int,
            gap: Callable[[], float], workspace_id: int) -> dict[str, tuple[float, float]]:  # fmt: skip
    """Make `count` interactions (`make(n)` returns the remote id), one every `gap()` seconds,
    without waiting for the earlier ones; for each remote id, the time it was made (just
    before `make`) and the seconds from then to its first sighting in the inbox's open list."""
    from django.db import close_old_connections

    from outlier.inbox import queries

    made: dict[str, float] = {}
    seen: dict[str, float] = {}
    next_at, n = time.time(), 0
    deadline = None
    while len(seen) < count:
        now = time.time()
        if n < count and now >= next_at:
            started = time.time()
            made[make(n)] = started
            n += 1
            next_at = started + gap()
            if n == count:
                deadline = time.monotonic() + 300
        pending = [r for r in made if r not in seen]
        if pending:
            close_old_connections()
            rows = queries.items(workspace_id, queries.Filters()).filter(
                channel_id=channel_id, remote_id__in=pending
            )  # fmt: skip
            at = time.time()
            for remote_id in rows.values_list("remote_id", flat=True):
                seen[remote_id] = at - made[remote_id]
        if deadline is not None and time.monotonic() > deadline:
            raise RuntimeError(f"{count - len(seen)} of {count} never reached the inbox")
        time.sleep(POLL)
    return {r: (made[r], seen[r]) for r in made}


def stored_after(found: dict[str, tuple[float, float]], model: Any, field: str) -> list[float]:
    """Seconds from each one's making to its row's `received_at` in `model` (by `field`)."""
    at = dict(model.objects.filter(**{f"{field}__in": list(found)}).values_list(field,
                                                                             "received_at"))  # fmt: skip
    return [at[r].timestamp() - made for r, (made, _) in found.items()]


def line(name: str, times: list[float], baseline: str = "") -> str:
    return (f"{name:<44} {len(times):>4} {statistics.median(times):>8.2f} "
            f"{quantile(times, 0.95):>8.2f} {min(times):>7.2f} {max(times):>7.2f}   {baseline}")  # fmt: skip


def run(data_dir: str, database_url: str, args: argparse.Namespace) -> int:
    from tests.peers import bluesky as sky_peers
    from tests.peers import fedify

    port = free_port()
    base = {"BIND": f"127.0.0.1:{port}", "BASE_URL": f"http://127.0.0.1:{port}",
            "ALLOWED_PRIVATE_NETWORKS": LOOPBACK, "LOG_LEVEL": "WARNING"}  # fmt: skip
    env = instance_env(data_dir, database_url, **base)
    database = "PostgreSQL 15" if database_url else "SQLite (WAL)"
    print(f"instance in {data_dir} on {database}: migrate, collectstatic…", flush=True)
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):  # as `make run`
        subprocess.run([sys.executable, "-m", "django", *command, "-v0"], cwd=ROOT, env=env,
                       check=True, timeout=600)  # fmt: skip
    os.environ.update(env)
    import django

    django.setup()
    from outlier.federation.models import Interaction as Heard
    from outlier.inbox.models import Interaction as Inbox

    print("starting the Bluesky PDS and the Fedify peer…", flush=True)
    pds = sky_peers.start_pds(rate_limits=True, what="pds")  # type: ignore[attr-defined]
    peer = None
    serve = None
    log = Path(data_dir) / "serve.log"
    results: list[str] = []
    try:
        peer = fedify.start()  # type: ignore[attr-defined]
        alice, bob = pds.account("alice"), pds.account("bob")
        world = setup(alice)
        rng = random.Random(args.seed)
        for index, interval in enumerate(args.intervals):
            serve = Serve({**env, "OUTLIER_INBOX_PULL_SECONDS": str(interval)}, log)
            wait(lambda: _answers(port), "outlier serve answering")
            if index == 0:
                post(world, peer, alice)
            ready_pull(world, interval)
            print(f"Bluesky, OUTLIER_INBOX_PULL_SECONDS={interval}: {args.replies} replies…",
                  flush=True)  # fmt: skip

            def reply(n: int, interval: int = interval) -> str:
                return bob.create("app.bsky.feed.post", {
                    "text": f"Reply {n} at interval {interval}",
                    "reply": {"root": world["sky_post"], "parent": world["sky_post"]},
                })["uri"]  # fmt: skip

            def gap(interval: int = interval) -> float:
                return rng.uniform(0, interval / 2)

            found = measure(reply, world["sky"], args.replies, gap, world["workspace"])
            times = [seen for _, seen in found.values()]
            print(line("  seen in the inbox's list", times), flush=True)
            results += [
                line(f"Bluesky reply, pull every {interval} s", times,
                     f"{interval} s interval: median {interval / 2:g}, "
                     f"p95 {0.95 * interval:g} expected"),
                line("  stored (the row's received_at)", stored_after(found, Inbox, "remote_id")),
            ]  # fmt: skip
            if args.fediverse_replies:
                print(f"fediverse: {args.fediverse_replies} replies…", flush=True)
                found = measure(
                    lambda n: peer.reply("alice", world["note"], f"<p>Reply {n}</p>")["note"],
                    world["fedi"], args.fediverse_replies, lambda: rng.uniform(0, 1.5),
                    world["workspace"],
                )  # fmt: skip
                times = [seen for _, seen in found.values()]
                print(line("  seen in the inbox's list", times), flush=True)
                results += [
                    line(f"fediverse reply (pushed), pull every {interval} s", times,
                         f"1 s (PUSHED_EVERY_SECONDS) + {WORKER_SLEEP:g} s loop"),
                    line("  stored by the topic's inbox (the POST)",
                         stored_after(found, Heard, "uri")),
                    line("  stored in the inbox (run_pushed)",
                         stored_after(found, Inbox, "remote_id")),
                ]  # fmt: skip
            errors = _pull_errors()
            if errors:
                print(f"  pull errors: {errors}", flush=True)
            serve.stop()
            serve = None
    except BaseException:
        print(log.read_text(errors="replace")[-4000:] if log.exists() else "", file=sys.stderr)
        raise
    finally:
        if serve is not None:
            serve.stop()
        if peer is not None:
            peer.stop()
        pds.stop()
    print(f"\n{database}, `outlier serve` (granian + 1 worker), load average "
          f"{os.getloadavg()[0]:.1f}, {os.cpu_count()} cores")  # fmt: skip
    print(f"{'seconds from the reply to the inbox':<44} {'n':>4} {'median':>8} {'p95':>8} "
          f"{'min':>7} {'max':>7}   baseline")  # fmt: skip
    for row in results:
        print(row)
    logged = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    logged = [x for x in logged if not x.startswith(("Outlier is running", "Public site"))]
    if logged:
        print(f"\n`outlier serve` logged {len(logged)} more lines; the last:")
        print("\n".join(logged[-20:]))
    return 0


def _answers(port: int) -> bool:
    import httpx

    try:
        return httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=2,
                         trust_env=False).status_code < 500  # fmt: skip
    except httpx.HTTPError:
        return False


def _pull_errors() -> list[str]:
    from outlier.inbox.models import InboxPull

    return [e for e in InboxPull.objects.values_list("last_error", flat=True) if e]


def setup(alice: Any) -> dict[str, Any]:
    """The workspace, its owner, a public topic, and the two channels, connected as the channel
    form connects them."""
    from outlier.core.models import Membership, Role, User, Workspace
    from outlier.curation.models import Topic
    from outlier.publishing import actions

    workspace = Workspace.objects.create(name="Bench", slug="bench")
    user = User.objects.create_user(email="owner@bench.test", password=None,
                                    display_name="Owner")  # fmt: skip
    member = Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    Topic.objects.create(workspace=workspace, name="Rivers", slug="rivers", is_public=True)
    sky = actions.do_create_channel(
        member, "bluesky", "Sky",
        {"handle": alice.handle, "pds_url": alice.pds_url, "appview": "none"},
        {"app_password": alice.app_password},
    )  # fmt: skip
    fedi = actions.do_create_channel(member, "fediverse", "Rivers, fediverse",
                                     {"topic": "rivers"}, {})  # fmt: skip
    return {"workspace": workspace.pk, "member": member, "sky": sky.pk, "fedi": fedi.pk}


def post(world: dict[str, Any], peer: Any, alice: Any) -> None:
    """The peer follows the topic; one post goes out on both channels through the worker."""
    from outlier.curation.models import Topic
    from outlier.federation.addresses import actor_uri
    from outlier.federation.models import PostedNote
    from outlier.publishing import actions
    from outlier.publishing.models import Channel, Delivery, DeliveryState

    topic = Topic.objects.get(slug="rivers")
    peer.follow("alice", actor_uri(topic.pk))
    peer.wait_for(lambda s: any(e["type"] == "Accept" for e in s["events"]), timeout=60,
                  what="the Accept of its Follow")  # fmt: skip
    member = world["member"]
    channels = list(Channel.objects.filter(pk__in=[world["sky"], world["fedi"]]))
    made = actions.do_save_post(member, text="What should we read next?", channels=channels)
    actions.do_schedule_post(member, made, when="now")
    sent = wait(lambda: Delivery.objects.filter(post=made, state=DeliveryState.SENT).count() == 2,
                "the post sent on both channels")  # fmt: skip
    assert sent
    record = alice.record(Delivery.objects.get(post=made, channel_id=world["sky"]).remote_id)
    world["sky_post"] = {"uri": record["uri"], "cid": record["cid"]}
    world["note"] = wait(lambda: PostedNote.objects.values_list("object_uri", flat=True).first(),
                         "the topic's note")  # fmt: skip


def ready_pull(world: dict[str, Any], interval: int) -> None:
    """Wait for the channel's first pull under this worker, so the figures are of the steady
    state (the first pull after a start reads whatever the stream kept)."""
    from outlier.inbox.models import InboxPull

    started = time.time()

    def pulled() -> bool:
        pull = InboxPull.objects.filter(channel_id=world["sky"]).first()
        return bool(pull and pull.last_ok_at and pull.last_ok_at.timestamp() >= started)

    wait(pulled, "the Bluesky channel's first pull", timeout=interval + 60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--intervals", default="5,60",
                        help="OUTLIER_INBOX_PULL_SECONDS values, comma-separated")  # fmt: skip
    parser.add_argument("--replies", type=int, default=20, help="Bluesky replies per interval")
    parser.add_argument("--fediverse-replies", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL 15 instead of SQLite")
    args = parser.parse_args()
    args.intervals = [int(v) for v in args.intervals.split(",") if v.strip()]
    return throwaway("inbox-latency", args.pg, lambda d, url: run(d, url, args))


if __name__ == "__main__":
    sys.exit(main())
