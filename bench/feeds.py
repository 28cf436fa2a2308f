"""Refreshing 1,000 feeds with 2 workers, beside parsing the same bodies and nothing else.

    .venv/bin/python bench/feeds.py [--db sqlite|postgres|both] [--feeds 1000] [--topics 50]
                                    [--workers 2] [--changing 0.1] [--rounds 3] [--strict]

For each database (both by default, one after the other), builds a throwaway instance (a data
dir and a migrated database: SQLite in WAL mode as shipped, or a private PostgreSQL 15 started by
scripts/postgres.sh), and serves `--feeds` generated feeds (RSS 2.0, Atom and JSON Feed in turn;
12 to 50 items of 150 to 250 words each, 19 to 81 KB) from a local asyncio HTTP server that
answers If-None-Match with 304 and keeps connections alive. One workspace has `--topics` topics;
each feed is followed by one topic, and each topic also has a keyword source (keywords are
matched over every new item of the workspace). `--workers` worker processes (2) each run
`outlier.sources.polling.run_due` in a loop until no feed is due, as `outlier worker` does; a
cycle starts when every feed is made due and ends when both workers find nothing more to read.

  first read     every feed read for the first time: every item stored and offered to the
                 topics (about 30,000 suggestions). Not a goal, printed for scale.
  parse only     the baseline: the same workers parse the current bodies (`feeds.parse`, the
                 hardened parser every read goes through) read from files, nothing else.
  refresh        a full refresh cycle: `--changing` of the feeds (10%) have three new items, the
                 others are unchanged (304). Goal: feeds/s ≥ 70% of parse only.
  304            every feed unchanged: every answer a 304. Goal: ≥ 10× the full-parse rate.
  full parse     the server ignores the validators and sends no ETag, so every unchanged feed is
                 downloaded and parsed again and nothing is new: what a 304 saves.

Each of the last three runs `--rounds` times (3), the median printed. A worker's peak resident
memory over the whole run is printed too (goal < 300 MB). Exit status 1 on a missed goal only
with --strict.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instance import ROOT, instance_env, migrated, throwaway  # noqa: E402

GOAL_REFRESH = 0.70
GOAL_304 = 10.0
GOAL_MB = 300.0
NEW_PER_CHANGE = 3
SYLLABLES = ("ka", "lo", "mi", "ra", "te", "su", "vo", "ni", "pe", "da", "ri", "mo", "sa", "lu",
             "ve", "to", "na", "ki", "po", "re", "bi", "ta", "fu", "ge", "no", "sha", "tri",
             "bel", "con", "dor", "fen", "gra", "mal", "pol", "ser", "vin", "wes")  # fmt: skip
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


# -- Feeds ------------------------------------------------------------------------------------


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


VOCABULARY = _vocabulary(random.Random(7), 6000)
NAMES = [w.capitalize() for w in _vocabulary(random.Random(8), 800)]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(8, 16))]
    words[rng.randrange(1, len(words))] = rng.choice(NAMES)
    if rng.random() < 0.4:
        words[rng.randrange(1, len(words))] = str(rng.randint(2, 9000))
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _item(feed: int, n: int) -> dict[str, Any]:
    """Item `n` of a feed (n grows as the feed publishes): always the same for the same n."""
    rng = random.Random(feed * 100_003 + n)
    title = " ".join([rng.choice(NAMES)] + [rng.choice(VOCABULARY) for _ in range(6)])
    text = " ".join(_sentence(rng) for _ in range(rng.randint(12, 18)))
    return {"guid": f"urn:bench:{feed}:{n}", "url": f"https://site{feed}.example/{n}-story",
            "title": title.capitalize(), "html": f"<p>{text}</p>",
            "published": NOW - timedelta(minutes=30 * (1000 - n))}  # fmt: skip


def _size(feed: int) -> int:
    return 12 + feed * 7919 % 39  # 12..50 items


def body(feed: int, version: int) -> tuple[bytes, str]:
    """The feed's body and content type after `version` changes (three new items each)."""
    top = 1000 + version * NEW_PER_CHANGE
    items = [_item(feed, n) for n in range(top, top - _size(feed), -1)]
    kind = ("rss", "atom", "json")[feed % 3]
    site = f"https://site{feed}.example/"
    if kind == "json":
        doc = {"version": "https://jsonfeed.org/version/1.1", "title": f"Site {feed}",
               "home_page_url": site,
               "items": [{"id": i["guid"], "url": i["url"], "title": i["title"],
                          "content_html": i["html"],
                          "date_published": i["published"].isoformat()} for i in items]}  # fmt: skip
        return json.dumps(doc).encode(), "application/feed+json"
    if kind == "atom":
        entries = "".join(
            f"<entry><id>{i['guid']}</id><title>{escape(i['title'])}</title>"
            f'<link href="{i["url"]}"/><updated>{i["published"].isoformat()}</updated>'
            f'<summary type="html">{escape(i["html"])}</summary></entry>'
            for i in items
        )
        xml = (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
               f'<title>Site {feed}</title><link href="{site}"/><id>{site}</id>'
               f"<updated>{items[0]['published'].isoformat()}</updated>{entries}</feed>")  # fmt: skip
        return xml.encode(), "application/atom+xml; charset=utf-8"
    entries = "".join(
        f"<item><guid>{i['guid']}</guid><title>{escape(i['title'])}</title>"
        f"<link>{i['url']}</link><description>{escape(i['html'])}</description>"
        f"<pubDate>{format_datetime(i['published'])}</pubDate></item>"
        for i in items
    )
    xml = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
           f"<title>Site {feed}</title><link>{site}</link>{entries}</channel></rss>")  # fmt: skip
    return xml.encode(), "application/rss+xml; charset=utf-8"


class FeedServer:
    """The feeds over HTTP/1.1 with keep-alive, in a thread of its own."""

    def __init__(self, count: int) -> None:
        self.versions = [0] * count
        self.validators = True
        self._bodies: dict[tuple[int, int], tuple[bytes, str]] = {}
        self.port = 0
        self._ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    def current(self, feed: int) -> tuple[bytes, str]:
        key = (feed, self.versions[feed])
        if key not in self._bodies:
            self._bodies = {k: v for k, v in self._bodies.items() if k[0] != feed}
            self._bodies[key] = body(*key)
        return self._bodies[key]

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=256)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await server.serve_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while request := await reader.readline():
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                feed = int(request.split()[1].rsplit(b"/", 1)[1])
                content, content_type = self.current(feed)
                etag = f'"{feed}.{self.versions[feed]}"'
                if self.validators and headers.get("if-none-match") == etag:
                    head = f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n"
                    content = b""
                else:
                    head = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
                            f"Content-Length: {len(content)}\r\n")  # fmt: skip
                    if self.validators:
                        head += f"ETag: {etag}\r\n"
                writer.write(head.encode() + b"\r\n" + content)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, ValueError, IndexError):
            pass
        finally:
            writer.close()


# -- The workers ------------------------------------------------------------------------------


def worker(worker_id: str) -> int:
    """A worker process: reads a command per line on stdin, answers a JSON line on stdout."""
    import django

    django.setup()
    from django.db import connection

    from outlier.sources import feeds, polling

    for line in sys.stdin:
        command = json.loads(line)
        started = time.perf_counter()
        done = 0
        if command["do"] == "poll":
            idle = 0
            while idle < 2:  # the other worker may still hold a lease: look twice
                read = polling.run_due(worker_id, 10)
                done += read
                idle = 0 if read else idle + 1
        elif command["do"] == "parse":
            bodies = [(Path(p).read_bytes(), t) for p, t in command["files"]]
            started = time.perf_counter()
            for content, content_type in bodies:
                feeds.parse(content, "https://site.example/feed", content_type)
                done += 1
        connection.close()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        _answer(sys.stdout, {"done": done, "seconds": time.perf_counter() - started,
                             "peak_mb": peak})  # fmt: skip
    return 0


def _answer(out: TextIO, value: dict[str, Any]) -> None:
    out.write(json.dumps(value) + "\n")
    out.flush()


class Workers:
    def __init__(self, count: int, env: dict[str, str]) -> None:
        self.procs = [
            subprocess.Popen(
                [sys.executable, __file__, "--worker", f"bench-{n}"],
                cwd=ROOT,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for n in range(count)
        ]
        self.peak_mb = 0.0

    def run(self, commands: list[dict[str, Any]]) -> tuple[int, float]:
        """Send one command to each worker at once; (items done, wall seconds)."""
        started = time.perf_counter()
        for proc, command in zip(self.procs, commands, strict=True):
            assert proc.stdin is not None
            _answer(proc.stdin, command)
        done = 0
        for proc in self.procs:
            assert proc.stdout is not None
            answer = json.loads(proc.stdout.readline())
            done += answer["done"]
            self.peak_mb = max(self.peak_mb, answer["peak_mb"])
        return done, time.perf_counter() - started

    def close(self) -> None:
        for proc in self.procs:
            assert proc.stdin is not None
            proc.stdin.close()
            proc.wait(60)


# -- The run ----------------------------------------------------------------------------------


def _fill(server: FeedServer, topics: int) -> None:
    from outlier.core.models import Workspace
    from outlier.curation.models import Topic
    from outlier.sources.models import Feed, Source, SourceKind, url_hash

    workspace = Workspace.objects.create(name="Bench", slug="bench")
    made = Topic.objects.bulk_create(
        Topic(workspace=workspace, name=f"Topic {n}", slug=f"topic-{n}") for n in range(topics)
    )
    base = f"http://127.0.0.1:{server.port}/feed/"
    feeds = Feed.objects.bulk_create(
        Feed(url=f"{base}{n}", key=url_hash(f"{base}{n}"), next_at=NOW)
        for n in range(len(server.versions))
    )
    Source.objects.bulk_create(
        Source(workspace=workspace, topic=made[n % topics], kind=SourceKind.FEED, feed=feed)
        for n, feed in enumerate(feeds)
    )
    rng = random.Random(3)
    Source.objects.bulk_create(
        Source(
            workspace=workspace,
            topic=topic,
            kind=SourceKind.KEYWORDS,
            keywords=rng.sample(NAMES, 2),
        )  # fmt: skip
        for topic in made
    )


def _due() -> None:
    from django.utils import timezone

    from outlier.sources.models import Feed

    Feed.objects.update(next_at=timezone.now() - timedelta(seconds=1), claimed_by="")


def _cycle(workers: Workers, count: int) -> float:
    _due()
    done, seconds = workers.run([{"do": "poll"}] * len(workers.procs))
    if done != count:
        raise SystemExit(f"a cycle read {done} feeds, not {count}")
    return count / seconds


def _parse_only(server: FeedServer, workers: Workers, data_dir: str) -> float:
    folder = Path(data_dir) / "bodies"
    folder.mkdir(exist_ok=True)
    files = []
    for feed in range(len(server.versions)):
        content, content_type = server.current(feed)
        path = folder / f"{feed}.feed"
        path.write_bytes(content)
        files.append((str(path), content_type))
    shares = [files[n :: len(workers.procs)] for n in range(len(workers.procs))]
    done, seconds = workers.run([{"do": "parse", "files": share} for share in shares])
    return done / seconds


def _errors() -> list[str]:
    from outlier.sources.models import Feed

    return list(Feed.objects.exclude(error="").values_list("error", flat=True)[:3])


def measure(args: argparse.Namespace, data_dir: str, database_url: str) -> int:
    database = migrated(data_dir, database_url)
    from outlier.sources.models import Entry, Suggestion

    server = FeedServer(args.feeds)
    for feed in range(args.feeds):
        server.current(feed)
    _fill(server, args.topics)
    env = instance_env(data_dir, database_url, ALLOWED_PRIVATE_NETWORKS="127.0.0.0/8")
    workers = Workers(args.workers, env)
    rng = random.Random(11)
    rows: dict[str, list[float]] = {"parse": [], "refresh": [], "304": [], "full": []}
    try:
        first = _cycle(workers, args.feeds)
        print(f"{database}: first read {first:.0f} feeds/s, {Entry.objects.count():,} items, "
              f"{Suggestion.objects.count():,} suggestions", flush=True)  # fmt: skip
        for n in range(args.rounds):
            server.validators = False
            rows["full"].append(_cycle(workers, args.feeds))
            server.validators = True
            _cycle(workers, args.feeds)  # the ETags back, nothing measured
            rows["parse"].append(_parse_only(server, workers, data_dir))
            for feed in rng.sample(range(args.feeds), round(args.feeds * args.changing)):
                server.versions[feed] += 1
                server.current(feed)  # made now, not while the cycle is measured
            before = Suggestion.objects.count()
            rows["refresh"].append(_cycle(workers, args.feeds))
            made = Suggestion.objects.count() - before
            rows["304"].append(_cycle(workers, args.feeds))
            print(f"  round {n + 1}: " + ", ".join(f"{k} {v[-1]:.0f}/s" for k, v in rows.items())
                  + f"; {made} new suggestions", flush=True)  # fmt: skip
        if errors := _errors():
            print(f"  feed errors: {errors}")
    finally:
        workers.close()
    median = {name: statistics.median(values) for name, values in rows.items()}
    refresh = median["refresh"] / median["parse"]
    saving = median["304"] / median["full"]
    checks = [
        ("refresh cycle / parse only", refresh, f"{refresh:.0%}", refresh >= GOAL_REFRESH,
         f"≥ {GOAL_REFRESH:.0%}"),
        ("304 cycle / full-parse cycle", saving, f"{saving:.1f}×", saving >= GOAL_304,
         f"≥ {GOAL_304:.0f}×"),
        ("peak worker memory", workers.peak_mb, f"{workers.peak_mb:.0f} MB",
         workers.peak_mb < GOAL_MB, f"< {GOAL_MB:.0f} MB"),
    ]  # fmt: skip
    print(f"{database}, {args.feeds} feeds, {args.workers} workers, median of {args.rounds}:")
    print(f"  parse only {median['parse']:.0f} feeds/s · refresh ({args.changing:.0%} changed) "
          f"{median['refresh']:.0f} · 304 {median['304']:.0f} · full parse {median['full']:.0f}")  # fmt: skip
    missed = 0
    for name, _, shown, ok, goal in checks:
        print(f"  {'PASS' if ok else 'FAIL'} {name}: {shown} (goal {goal})")
        missed += not ok
    return 1 if missed and args.strict else 0


def _databases(choice: str) -> Iterator[bool]:
    if choice in ("sqlite", "both"):
        yield False
    if choice in ("postgres", "both"):
        yield True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--topics", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--changing", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker)
    status = 0
    for pg in _databases(args.db):
        if len(list(_databases(args.db))) > 1:
            # each database in a process of its own: Django is set up once per process
            db = "postgres" if pg else "sqlite"
            argv = [
                f"--{name}={getattr(args, name)}"
                for name in ("feeds", "topics", "workers", "changing", "rounds")
            ]
            argv += ["--strict"] if args.strict else []
            status |= subprocess.run([sys.executable, __file__, "--db", db, *argv],
                                     check=False).returncode  # fmt: skip
            continue
        status |= throwaway("feeds", pg, lambda d, u: measure(args, d, u))
    return status


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
