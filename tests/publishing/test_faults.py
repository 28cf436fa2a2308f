"""Real worker processes under faults: kill -9, two at once, clock jumps, 429s, a lost answer.

Each test commits its rows (transactional), serves a real webhook receiver from this process
(`fault_receiver`), and runs `tests/publishing/fault_harness.py` as ONE subprocess that starts
Django once and forks real `outlier.core.worker.Worker` processes against the same test
database. The single-process versions of these cases are in `test_delivery.py`.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from outlier.core.models import Notification, User, Workspace
from outlier.publishing.models import (
    Channel,
    ChannelStatus,
    Delivery,
    DeliveryEvent,
    DeliveryState,
    Post,
    PostStatus,
)
from tests.publishing.fault_receiver import Hit, Scripted, TimedReceiver, running_receiver

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
CYCLES = 100
POSTS = 150  # a kill strands the one delivery in flight: 100 kills need more than 100 posts
DONE = {DeliveryState.SENT, DeliveryState.FAILED, DeliveryState.UNCONFIRMED}


@pytest.fixture
def workspace() -> Workspace:
    return Workspace.objects.create(name="Faults", slug="faults")


@pytest.fixture
def author(workspace: Workspace) -> User:
    return User.objects.create_user(email="author@faults.test", password="x" * 20)


def hook(workspace: Workspace, receiver: TimedReceiver, path: str, **extra: Any) -> Channel:
    return Channel.objects.create(
        workspace=workspace, network="webhook", name=f"Hook {path}",
        settings={"url": receiver.url(path), **extra}, credentials={"secret": receiver.secret},
    )  # fmt: skip


def due_posts(
    channel: Channel, count: int, due_at: datetime, author: User | None = None
) -> list[Delivery]:
    """`count` scheduled posts on `channel`, due at `due_at`, as scheduling leaves them."""
    posts = Post.objects.bulk_create(
        Post(workspace=channel.workspace, author=author, text=f"Post {n}",
             link=f"https://example.org/{n}", status=PostStatus.SCHEDULED, scheduled_at=due_at)
        for n in range(count)
    )  # fmt: skip
    Post.channels.through.objects.bulk_create(
        Post.channels.through(post_id=post.pk, channel_id=channel.pk) for post in posts
    )
    return Delivery.objects.bulk_create(
        Delivery(post=post, channel=channel, due_at=due_at, next_attempt_at=due_at)
        for post in posts
    )


def run_harness(tmp_path: Path, scenario: str, *args: str, timeout: float = 120) -> Any:
    """The harness, in one subprocess, on this test's database; its JSON report."""
    report = tmp_path / f"{scenario}.json"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "OUTLIER_TEST_DATABASE_NAME": str(connection.settings_dict["NAME"]),
        "OUTLIER_ALLOWED_PRIVATE_NETWORKS": "127.0.0.0/8",
        "OUTLIER_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "tests.publishing.fault_harness", scenario,
               "--report", str(report), *args]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    # A worker that raised (rather than being killed or stopped) prints its traceback here.
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return json.loads(report.read_text())


def phase(cycle: dict[str, Any], hits: dict[str, Hit]) -> str:
    """Where the kill landed, from the rows and the receiver's timeline."""
    if not cycle["claimed"]:
        return "idle"  # killed before its first claim was committed
    last = cycle["claimed"][-1]  # with batch=1, the only delivery that can have been in flight
    if last["state"] == DeliveryState.SENT:
        return "after (recorded)"
    if last["state"] == DeliveryState.SCHEDULED:
        return "before"  # leased, killed before "sending" was committed: it stays scheduled
    if last["state"] != DeliveryState.SENDING:
        return f"unexpected {last['state']}"
    hit = hits.get(last["key"])
    if hit is None:
        return "before"
    if not hit.complete:
        return "during"  # killed while writing the request
    if hit.answered is not None and hit.answered <= cycle["killed_at"]:
        return "after (not recorded)"
    return "during"


def test_kill_9_before_during_and_after_the_call_never_sends_twice(
    workspace: Workspace, tmp_path: Path, author: User
) -> None:
    seed = int(os.environ.get("OUTLIER_FAULT_SEED") or random.randrange(1 << 30))
    with running_receiver(hold=(0.02, 0.06)) as receiver:
        channel = hook(workspace, receiver, "/hooks/outlier")
        due_posts(channel, POSTS, timezone.now(), author)
        report = run_harness(tmp_path, "kills", "--cycles", str(CYCLES), "--seed", str(seed))
        timeline = receiver.hits[:]
    about = f"seed {seed}; {report['states_before_sweep']} before the sweep"

    whole = [hit for hit in timeline if hit.complete]
    seen = Counter(hit.key for hit in whole)
    hits = {hit.key: hit for hit in timeline}
    rows = {row.idempotency_key: row for row in Delivery.objects.all()}
    # The receiver saw each post at most once, and only real, signed requests. (A worker
    # killed while writing the request leaves a truncated one: no post, and counted apart.)
    assert [key for key, n in seen.items() if n > 1] == [], about
    assert all(hit.signature_ok for hit in whole)
    assert set(seen) <= set(rows)
    truncated = [hit.key for hit in timeline if not hit.complete]
    assert all(rows[key].state == DeliveryState.UNCONFIRMED for key in truncated)
    # Every delivery ended sent, failed or unconfirmed; nothing stuck.
    assert report["final_finished"] and report["final_exit"] == "exit 0", about
    assert {key: row.state for key, row in rows.items() if row.state not in DONE} == {}, about
    # Sent means the receiver has it; what the receiver has is sent or unconfirmed.
    assert [k for k, row in rows.items() if row.state == "sent" and k not in seen] == [], about
    assert {k: rows[k].state for k in seen if rows[k].state not in ("sent", "unconfirmed")} == {}
    # Nothing was sent blindly again: each delivery was claimed once, unconfirmed ones only by
    # a worker that was killed, and each of those was a real SIGKILL (not a crash).
    claims = Counter(
        DeliveryEvent.objects.filter(state=DeliveryState.SENDING).values_list(
            "delivery_id", flat=True
        )
    )
    assert max(claims.values()) == 1
    unconfirmed = [row for row in rows.values() if row.state == DeliveryState.UNCONFIRMED]
    assert all(row.claimed_by.startswith("killed-") for row in unconfirmed)
    assert len(unconfirmed) == report["swept"]
    assert {cycle["exit"] for cycle in report["cycles"]} == {"SIGKILL"}
    # The posts say so too, and the author of each one that may not have arrived is told.
    statuses = set(Delivery.objects.values_list("state", "post__status").distinct())
    assert statuses == {("sent", PostStatus.PUBLISHED), ("unconfirmed", PostStatus.FAILED)}
    notes = Notification.objects.filter(user=author, text__contains="may not have arrived")
    assert notes.count() == len(unconfirmed)
    # A worker records each outcome before it claims the next: only its last can be cut off.
    cut_short = [
        c for c in report["cycles"] if any(d["state"] != "sent" for d in c["claimed"][:-1])
    ]
    assert cut_short == []

    phases = Counter(phase(cycle, hits) for cycle in report["cycles"])
    aimed = Counter((c["aim"], phase(c, hits)) for c in report["cycles"])
    print(f"\nkill phases over {CYCLES} cycles ({about}): {dict(phases)}")
    print(f"aimed -> landed: {dict(sorted(aimed.items()))}")
    print(f"killing took {report['killing_seconds']:.1f} s; final states {report['states']}; "
          f"{len(truncated)} requests cut short by the kill")  # fmt: skip
    assert phases["before"] >= 5, phases
    assert phases["during"] >= 5, phases
    assert phases["after (recorded)"] + phases["after (not recorded)"] >= 5, phases
    assert not [p for p in phases if p.startswith("unexpected")], phases


def test_two_worker_processes_never_send_the_same_delivery(
    workspace: Workspace, tmp_path: Path
) -> None:
    with running_receiver(hold=(0.0, 0.005)) as receiver:
        channel = hook(workspace, receiver, "/hooks/outlier")
        due_posts(channel, 200, timezone.now())
        report = run_harness(tmp_path, "concurrent", "--workers", "2")
        seen = receiver.keys()
    assert report["finished"], report
    assert report["exits"] == ["exit 0", "exit 0"], report
    assert len(seen) == 200 and max(seen.values()) == 1, seen.most_common(3)
    assert set(seen) == set(Delivery.objects.values_list("idempotency_key", flat=True))
    assert report["states"] == {"sent": 200}
    claims = Counter(
        DeliveryEvent.objects.filter(state=DeliveryState.SENDING).values_list(
            "delivery_id", flat=True
        )
    )
    assert len(claims) == 200 and max(claims.values()) == 1
    print(f"\n2 workers, 200 posts in {report['seconds']:.1f} s: {report['per_worker']}")


def test_a_worker_process_sends_a_post_due_in_2_hours_only_after_a_clock_jump(
    workspace: Workspace, tmp_path: Path
) -> None:
    with running_receiver() as receiver:
        channel = hook(workspace, receiver, "/hooks/outlier")
        (now,) = due_posts(channel, 1, timezone.now())
        (later,) = due_posts(channel, 1, timezone.now() + timedelta(hours=2))
        report = run_harness(tmp_path, "clock")
        timeline = receiver.hits[:]
    assert report["due_now_sent"] and report["later_sent"] and report["exit"] == "exit 0"
    assert report["states_before_jump"] == {"scheduled": 1, "sent": 1}
    assert [hit.key for hit in timeline] == [now.idempotency_key, later.idempotency_key]
    assert timeline[1].arrived > report["jumped_at"]  # not one request before the jump
    later.refresh_from_db()
    assert later.state == DeliveryState.SENT and later.sent_at is not None
    assert later.sent_at >= later.due_at  # the worker's clock, after the jump


def test_a_worker_process_waits_out_429s_with_and_without_retry_after(
    workspace: Workspace, tmp_path: Path, author: User
) -> None:
    with running_receiver() as receiver:
        receiver.script("/ra", Scripted(429, {"Retry-After": "120"}))
        receiver.script("/plain", Scripted(429))
        (with_header,) = due_posts(hook(workspace, receiver, "/ra"), 1, timezone.now(), author)
        (without,) = due_posts(hook(workspace, receiver, "/plain"), 1, timezone.now(), author)
        report = run_harness(tmp_path, "ratelimit")
        timeline = receiver.hits[:]
    assert report["limited"] and report["exit"] == "exit 0", report
    # Told to wait: scheduled again, not counted as an attempt, the channel marked.
    for path in ("/ra", "/plain"):
        waiting = report["waiting"][path]
        assert waiting["state"] == "scheduled" and waiting["attempts"] == 0, waiting
        assert waiting["channel_status"] == ChannelStatus.RATE_LIMITED
    # +61 s: the one without Retry-After (60 s) goes; the one told 120 s still waits.
    assert report["plain_sent"]
    assert report["after_first_jump"]["/ra"]["state"] == "scheduled"
    assert report["ra_sent"]
    arrivals = {
        key: [(hit.status, hit.arrived) for hit in timeline if hit.key == key]
        for key in (with_header.idempotency_key, without.idempotency_key)
    }
    (first, again) = arrivals[without.idempotency_key]
    assert first[0] == 429 and again[0] == 200
    assert first[1] < report["first_jump"] < again[1]
    (first, again) = arrivals[with_header.idempotency_key]
    assert first[0] == 429 and again[0] == 200
    assert first[1] < report["second_jump"] < again[1]
    for row in Delivery.objects.all():
        assert row.state == DeliveryState.SENT and row.attempts == 1
    assert set(Post.objects.values_list("status", flat=True)) == {PostStatus.PUBLISHED}
    assert not Notification.objects.exists()  # a rate limit is not a failure


def test_a_worker_process_that_times_out_after_the_post_was_taken_never_resends_it(
    workspace: Workspace, tmp_path: Path, author: User
) -> None:
    with running_receiver() as receiver:
        receiver.script("/slow", Scripted(200, hold=2.5))  # has the post; answers too late
        channel = hook(workspace, receiver, "/slow", timeout=1)
        (delivery,) = due_posts(channel, 1, timezone.now(), author)
        report = run_harness(tmp_path, "timeout")
        seen = receiver.keys()
    assert report["unconfirmed"] and report["exit"] == "exit 0", report
    assert seen == {delivery.idempotency_key: 1}  # reconcile ran, the clock jumped: not resent
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.UNCONFIRMED and delivery.attempts == 1
    assert "may have arrived" in delivery.error
    assert Post.objects.get().status == PostStatus.FAILED
    assert "may not have arrived" in Notification.objects.get(user=author).text


def stranded(report: dict[str, Any], seen: Counter[str]) -> list[str]:
    return [row["key"] for row in report["claimed"]
            if row["state"] == "unconfirmed" and row["key"] not in seen]  # fmt: skip


def test_a_worker_killed_mid_batch_leaves_only_the_delivery_in_flight_unconfirmed(
    workspace: Workspace, tmp_path: Path
) -> None:
    with running_receiver(hold=(0.1, 0.1)) as receiver:
        due_posts(hook(workspace, receiver, "/hooks/outlier"), 10, timezone.now())
        report = run_harness(tmp_path, "batch", "--mode", "kill")
        seen = receiver.keys()
    assert report["exit"] == "SIGKILL" and report["finished"], report
    assert max(seen.values()) == 1
    assert set(report["states"]) <= DONE
    # Claims are one at a time: only the delivery in flight is left for a person to decide.
    assert not stranded(report, seen), report
    assert report["states"] == {"sent": 9, "unconfirmed": 1}


def test_a_clock_jump_of_2_hours_mid_batch_strands_nothing_a_live_worker_holds(
    workspace: Workspace, tmp_path: Path
) -> None:
    with running_receiver(hold=(0.1, 0.1)) as receiver:
        due_posts(hook(workspace, receiver, "/hooks/outlier"), 10, timezone.now())
        report = run_harness(tmp_path, "batch", "--mode", "jump")
        seen = receiver.keys()
    assert report["exit"] == "exit 0" and report["other_exit"] == "exit 0", report
    assert report["finished"] and max(seen.values()) == 1
    assert set(report["states"]) <= DONE
    assert not stranded(report, seen), report
    assert report["states"] == {"sent": 10}
