"""The inbox at scale: the list, its filters and its search, and bulk ingest, each beside raw SQL.

    .venv/bin/python bench/inbox.py [--db sqlite|postgres|both] [--interactions 1000000]
                                    [--authors 100000] [--ingest 100000] [--runs 200]
                                    [--explain] [--candidate "[sqlite:|postgres:]SQL"] [--strict]

For each database (both by default, one after the other, each in a process of its own), builds a
throwaway instance (data dir, migrated database: SQLite in WAL mode as shipped, or a private
PostgreSQL 15 started by scripts/postgres.sh on a port and directory of its own), fills one
workspace and measures:

  fixture   5 channels (2 mastodon, 2 bluesky, 1 fediverse; no network is called), 5 team
            members, 1,500 sent posts, 8 tags; `--authors` people (100,000) on those networks,
            a few very active; `--interactions` interactions (1,000,000) over 90 days: 60%
            activity (likes, reposts, follows), 40% work items (replies, mentions, quotes,
            messages) with texts drawn from a vocabulary ("refund" in about 0.5% of texts,
            "shipping" in about 5%), languages, conversations; most work items done, the recent
            ones mostly open, some assigned, tagged, snoozed, hidden. Loaded raw (executemany on
            SQLite, COPY on PostgreSQL) with the secondary indexes and the FTS5 trigger dropped,
            then the indexes rebuilt, the FTS5 index rebuilt, ANALYZE. Not a measured figure.
  queries   what the inbox screen runs: `queries.items(workspace, Filters(...), me)` then
            `queries.page(rows, 50, before)` (with its select_related channel and assignee and
            its prefetch of tags: two queries), `--runs` times each; beside each, in the same
            loop (alternating which goes first), the leanest hand-written SQL returning the same
            rows with the same related data (one SELECT with the two joins, one SELECT of the
            tags) through `connection.cursor()`, and whether both return the same ids. Also
            `queries.unread_count` beside a raw COUNT.
  ingest    `--ingest` interactions (100,000; networks.base.Interaction values, 10% of them
            already stored) through `ingest.do_record_interactions(channel, items,
            run_rules=False)`, then as many more with run_rules=True (and no rules), beside a raw
            bulk INSERT of as many rows with the same columns, 1,000 a transaction, measured
            before and after: a multi-row INSERT, an executemany, and on PostgreSQL a COPY (the
            fastest of these is the baseline).

Targets: every list, filter and search p95 ≤ 100 ms; ingest ≥ 50% of the fastest raw rows/s.
`--candidate` runs SQL (CREATE INDEX …) in the throwaway database after the measurement and
measures the queries again, to try an index or a query change without touching outlier/.
Exit status 1 on a missed target only with --strict.
"""

from __future__ import annotations

import argparse
import bisect
import math
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instance import migrated, throwaway  # noqa: E402 (the same throwaway instance)

TARGET_MS = 100.0
TARGET_INGEST = 0.50
DAYS = 90
PAGE = 50  # outlier.inbox.views.PAGE_SIZE
CHUNK = 50_000
RAW_BATCH = 1000  # ingest.BATCH: the raw INSERT commits as often as ingest does

# (network, name, host): the channels of the workspace.
CHANNELS = [
    ("mastodon", "Brand on mastodon.social", "mastodon.social"),
    ("mastodon", "Support on fosstodon", "fosstodon.org"),
    ("bluesky", "Brand on Bluesky", "bsky.social"),
    ("bluesky", "Founder on Bluesky", "bsky.social"),
    ("fediverse", "Topic: open source", "outlier.example"),
]
POSTS_PER_CHANNEL = 300
TAGS = ["bug", "billing", "feedback", "press", "lead", "praise", "question", "urgent"]
MEMBERS = 5  # the owner ("me") and four more
# kind: share of all interactions (60% activity, 40% work items)
KINDS = {"like": 0.35, "repost": 0.12, "follow": 0.13,
         "reply": 0.25, "mention": 0.08, "quote": 0.04, "message": 0.03}  # fmt: skip
WORK = {"reply", "mention", "quote", "message"}
LANGUAGES = {"en": 0.50, "": 0.12, "de": 0.10, "fr": 0.08, "es": 0.08, "pt-BR": 0.05,
             "ja": 0.04, "nl": 0.03}  # fmt: skip
AUTHOR_NETWORKS = {"mastodon": 0.45, "bluesky": 0.40, "fediverse": 0.15}
MASTODON_HOSTS = ["mastodon.social", "fosstodon.org", "hachyderm.io", "mstdn.social",
                  "chaos.social", "infosec.exchange", "mas.to", "techhub.social"]  # fmt: skip
FEDIVERSE_HOSTS = ["pixelfed.social", "lemmy.world", "misskey.io", "social.coop", "kbin.social"]
FIRST = ["alex", "sam", "maria", "jonas", "lea", "noah", "emma", "lukas", "mia", "ben", "sofia",
         "paul", "anna", "finn", "clara", "leon", "julia", "max", "laura", "tom", "nina", "omar",
         "yuki", "ravi", "chen", "ines", "pablo", "marta", "igor", "sara"]  # fmt: skip
LAST = ["miller", "schmidt", "garcia", "rossi", "dubois", "tanaka", "kowalski", "silva",
        "novak", "jensen", "moreau", "fischer", "kim", "lopez", "weber", "costa", "smith",
        "brown", "meyer", "wagner", "becker", "hoffmann", "khan", "singh", "ito", "ng"]  # fmt: skip
# The common words of the texts, most frequent first (then a long tail of made-up words).
COMMON = (  # noqa: SIM905 (a paragraph of words reads better than 170 quoted ones)
    "the to a and you i is for it of this in thanks on my your we with that be have can do "
    "not are great so just but love what at me how when will please any our from get one all "
    "new was an if there app us about help they like would update time know more out really "
    "now here account post thank working issue page still why same version back see also work "
    "good could use try link today team feature yes no again does did problem hi hello after "
    "which should make sure other way first some support question cool nice awesome release "
    "since been want need where their only got looks has them thing well think going today's "
    "free plan price order email login error fix bug server data share article read video "
    "mobile web android ios browser dark mode settings profile password reset code api docs "
    "open source community event talk slides week month year tomorrow yesterday morning"
).split()
SEARCHED = {"refund": 0.005, "shipping": 0.05}  # a word: the share of texts that contain it
SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "ta", "po", "si", "ve", "do", "an", "el", "or",
             "ul", "ber", "tin", "mar", "sol", "gra", "fen", "qui", "zo", "pha", "dre"]  # fmt: skip
TAIL_WORDS = 6000


@dataclass
class World:
    workspace_id: int
    me: int
    members: list[int]
    channels: list[tuple[int, str, str, str]]  # (id, network, name, host)
    tags: dict[str, int]
    deliveries: dict[int, list[tuple[float, str, int]]]  # channel: (sent, remote id, pk), by time
    now: datetime
    words: list[str] = field(default_factory=list)
    cum_weights: list[float] = field(default_factory=list)


@dataclass
class Timing:
    name: str
    runs: list[float]
    raw: list[float]
    rows: int = 0
    same: bool | None = None
    target: bool = True

    @staticmethod
    def quantile(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.runs)

    @property
    def p95(self) -> float:
        return self.quantile(self.runs, 0.95)

    @property
    def raw_p50(self) -> float:
        return statistics.median(self.raw)

    @property
    def raw_p95(self) -> float:
        return self.quantile(self.raw, 0.95)


@dataclass
class Ingest:
    name: str
    items: int
    new: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.items / self.seconds


# --- the data -------------------------------------------------------------------------------


def make_world(rng: random.Random) -> World:
    """Workspace, team, channels, sent posts (so replies find their delivery) and tags."""
    from outlier.core.models import Membership, Role, User, Workspace
    from outlier.inbox.models import InboxTag
    from outlier.publishing.models import Channel, Delivery, DeliveryState, Post

    now = datetime.now(UTC).replace(microsecond=0)
    workspace = Workspace.objects.create(name="Bench", slug="bench")
    roles = [Role.OWNER, Role.EDITOR, Role.CONTRIBUTOR, Role.CONTRIBUTOR, Role.CONTRIBUTOR]
    users = []
    for n, role in enumerate(roles[:MEMBERS]):
        user = User.objects.create_user(email=f"member{n}@bench.test", password=None,
                                        display_name=f"Member {n}")  # fmt: skip
        Membership.objects.create(workspace=workspace, user=user, role=role)
        users.append(user.pk)
    channels = []
    for network, name, host in CHANNELS:
        channel = Channel.objects.create(
            workspace=workspace, network=network, name=name,
            settings={"instance": f"https://{host}"},
            credentials={"access_token": f"tok-{rng.getrandbits(128):032x}"},
        )  # fmt: skip
        channels.append((channel.pk, network, name, host))
    deliveries: dict[int, list[tuple[float, str, int]]] = {}
    start = now - timedelta(days=DAYS + 7)
    for n, (channel_id, network, _, host) in enumerate(channels):
        posts = Post.objects.bulk_create(
            Post(workspace=workspace, text=f"Post {n}-{k}") for k in range(POSTS_PER_CHANNEL)
        )
        rows = []
        for k, post in enumerate(posts):
            sent = start + timedelta(seconds=(DAYS + 7) * 86400 * k / POSTS_PER_CHANNEL)
            remote = (f"at://did:plc:brand{n}/app.bsky.feed.post/3k{k:08d}"
                      if network == "bluesky" else f"https://{host}/users/brand{n}/statuses/{10**9 + k}")  # fmt: skip
            rows.append(Delivery(post=post, channel_id=channel_id, due_at=sent,
                                 next_attempt_at=sent, sent_at=sent, state=DeliveryState.SENT,
                                 remote_id=remote))  # fmt: skip
        made = Delivery.objects.bulk_create(rows)
        deliveries[channel_id] = [(d.due_at.timestamp(), d.remote_id, d.pk) for d in made]
    tags = {t.name: t.pk for t in InboxTag.objects.bulk_create(
        InboxTag(workspace=workspace, name=name) for name in TAGS)}  # fmt: skip
    world = World(workspace.pk, users[0], users, channels, tags, deliveries, now)
    world.words, world.cum_weights = vocabulary(rng)
    return world


MEAN_WORDS = 17  # texts are 6 to 28 words


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Words and cumulative weights: Zipf over the common words and a made-up tail, plus the
    searched words weighted so each is in its share of texts (of MEAN_WORDS words)."""
    tail: set[str] = set()
    while len(tail) < TAIL_WORDS:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randrange(2, 5)))
        if word not in COMMON and word not in SEARCHED:
            tail.add(word)
    rest = sorted(tail)
    rng.shuffle(rest)
    words = COMMON + rest
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    total = sum(weights)
    for word, share in SEARCHED.items():
        p = 1 - (1 - share) ** (1 / MEAN_WORDS)  # per word, for `share` of texts
        weights.append(p * total / (1 - sum(SEARCHED.values()) / MEAN_WORDS))
        words.append(word)
    cum, running = [], 0.0
    for w in weights:
        running += w
        cum.append(running)
    return words, cum


def make_authors(count: int, rng: random.Random) -> list[tuple]:
    """(network, author_id, handle, name, url, avatar, followers, base for remote ids)."""
    authors = []
    networks, shares = list(AUTHOR_NETWORKS), list(AUTHOR_NETWORKS.values())
    for n in range(count):
        network = rng.choices(networks, shares)[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        user = f"{first}{last}{n}" if rng.random() < 0.7 else f"{first}_{n:x}"
        name = f"{first.title()} {last.title()}"
        followers = int(rng.lognormvariate(5, 1.6))
        if network == "bluesky":
            did = f"did:plc:{rng.getrandbits(120):030x}"[:32]
            handle = f"{user}.bsky.social"
            authors.append((network, did, handle, name, f"https://bsky.app/profile/{handle}",
                            f"https://cdn.bsky.app/img/avatar/plain/{did}/bafk{n}@jpeg",
                            followers, f"at://{did}/app.bsky.feed.post/"))  # fmt: skip
        else:
            host = rng.choice(MASTODON_HOSTS if network == "mastodon" else FEDIVERSE_HOSTS)
            actor = f"https://{host}/users/{user}"
            authors.append((network, actor, f"@{user}@{host}", name, f"https://{host}/@{user}",
                            f"https://{host}/system/accounts/avatars/{n}.png", followers,
                            f"{actor}/statuses/"))  # fmt: skip
    return authors


COLUMNS = ("id, workspace_id, channel_id, kind, remote_id, author_id, author_handle, "
           "author_name, author_url, author_avatar, author_followers, text, language, url, "
           "subject_id, reply_ref, thread_root, conversation, delivery_id, created_at, "
           "received_at, is_work, state, priority, hidden, assignee_id, snoozed_until, read_at, "
           "done_at, done_by_id, first_response_at, responded_by_id, replying_by_id, "
           "replying_since")  # fmt: skip


def open_share(age_days: float) -> float:
    """How likely a work item of this age is still open: the team works the old ones first."""
    if age_days < 1:
        return 0.6
    if age_days < 3:
        return 0.3
    if age_days < 14:
        return 0.1
    return 0.03


def interaction_rows(world: World, total: int, authors: list[tuple], rng: random.Random,
                     pg: bool) -> Iterator[tuple[list[tuple], list[tuple[int, int]]]]:  # fmt: skip
    """Chunks of (interaction rows in time order, their tag rows). Ids are given (1, 2, …)."""
    from outlier.inbox.models import conversation_of

    stamp_suffix = "+00" if pg else ""

    def stamp(at: float) -> str:
        return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + stamp_suffix

    now = world.now.timestamp()
    start = now - DAYS * 86400
    by_network: dict[str, list[tuple[int, str, str, str]]] = {}
    for channel in world.channels:
        by_network.setdefault(channel[1], []).append(channel)
    # A few people do most: weight 1/(rank+20)^0.9 over the authors.
    author_cum, running = [], 0.0
    for rank in range(len(authors)):
        running += 1.0 / (rank + 20) ** 0.9
        author_cum.append(running)
    kinds, kind_shares = list(KINDS), list(KINDS.values())
    langs, lang_shares = list(LANGUAGES), list(LANGUAGES.values())
    tag_ids = list(world.tags.values())
    words, cum = world.words, world.cum_weights
    sent_times = {c: [d[0] for d in rows] for c, rows in world.deliveries.items()}
    # Times: uniform over the 90 days with a day/night swing, in order.
    times: list[float] = []
    while len(times) < total:
        at = start + rng.random() * (now - start - 60)
        hour = (at % 86400) / 3600
        if rng.random() < 0.55 + 0.45 * math.sin(math.pi * (hour - 6) / 12) ** 2:
            times.append(at)
    times.sort()
    rows: list[tuple] = []
    tag_rows: list[tuple[int, int]] = []
    who = rng.choices(range(len(authors)), cum_weights=author_cum, k=total)
    what = rng.choices(kinds, kind_shares, k=total)
    for n in range(total):
        pk = n + 1
        at = times[n]
        network, author_id, handle, name, url, avatar, followers, base = authors[who[n]]
        channel_id, _, _, host = rng.choice(by_network[network])
        kind = what[n]
        work = kind in WORK
        subject = reply_ref = thread_root = text = item_url = language = ""
        delivery_id = None
        if kind in ("reply", "quote", "like", "repost"):
            posts = world.deliveries[channel_id]
            sent = bisect.bisect_right(sent_times[channel_id], at)
            pick = max(0, sent - 1 - int(rng.expovariate(1 / 4)))
            _, subject, delivery_id = posts[pick]
            if network == "bluesky" and kind == "reply" and rng.random() < 0.4:
                thread_root = subject
        remote = f"{base}{pk}" if kind not in ("like", "repost", "follow") else \
            f"{base}{kind}/{pk}"  # fmt: skip
        if work:
            length = rng.randrange(6, 29)
            text = " ".join(rng.choices(words, cum_weights=cum, k=length))
            if kind != "message":
                text = f"@{host.split('.')[0]} {text}"
            language = rng.choices(langs, lang_shares)[0]
            item_url = remote if network != "bluesky" else f"{url}/post/{pk}"
            reply_ref = remote
        conversation = conversation_of(kind, author_id, subject, thread_root)
        age = (now - at) / 86400
        state, hidden, assignee, snoozed, read_at = "open", False, None, None, None
        done_at = done_by = first_response = responded_by = None
        priority = 0
        if work:
            hidden = rng.random() < 0.02
            is_open = rng.random() < open_share(age)
            state = "open" if is_open else "done"
            if rng.random() < (0.25 if is_open else 0.15):
                assignee = rng.choice(world.members)
            if is_open:
                if rng.random() < 0.4:
                    read_at = stamp(at + rng.randrange(60, 86400))
                roll = rng.random()
                if roll < 0.04:
                    snoozed = stamp(now + rng.randrange(3600, 7 * 86400))  # still snoozed
                elif roll < 0.06:
                    snoozed = stamp(at + rng.randrange(3600, 86400))  # snooze over
            else:
                done = at + rng.randrange(300, 2 * 86400)
                read_at = stamp(done - 200)
                done_at, done_by = stamp(done), rng.choice(world.members)
                if kind in ("reply", "mention") and rng.random() < 0.5:
                    first_response, responded_by = stamp(done - 100), done_by
            roll = rng.random()
            priority = 1 if roll < 0.05 else 2 if roll < 0.06 else -1 if roll < 0.11 else 0
            if rng.random() < 0.15:
                for tag in rng.sample(tag_ids, 1 if rng.random() < 0.7 else 2):
                    tag_rows.append((pk, tag))
        rows.append((
            pk, world.workspace_id, channel_id, kind, remote, author_id, handle, name, url,
            avatar, followers, text, language, item_url, subject, reply_ref, thread_root,
            conversation, delivery_id, stamp(at), stamp(at + rng.randrange(1, 90)), work, state,
            priority, hidden, assignee, snoozed, read_at, done_at, done_by, first_response,
            responded_by, None, None,
        ))  # fmt: skip
        if len(rows) >= CHUNK:
            yield rows, tag_rows
            rows, tag_rows = [], []
    if rows:
        yield rows, tag_rows


def secondary_indexes(cursor: Any, pg: bool) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the interactions' indexes that no constraint owns."""
    if pg:
        cursor.execute("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = 'inbox_interaction' AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexname::regclass)""")
    else:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                       "AND tbl_name = 'inbox_interaction' AND sql IS NOT NULL")  # fmt: skip
    return list(cursor.fetchall())


def load(world: World, args: argparse.Namespace, rng: random.Random) -> dict[str, float]:
    """The fixture, raw: indexes and the FTS5 trigger dropped for the load, rebuilt after."""
    from django.db import connection

    pg = connection.vendor == "postgresql"
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    authors = make_authors(args.authors, rng)
    seconds["authors"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        indexes = secondary_indexes(cursor, pg)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        trigger = ""
        if not pg:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'inbox_search_insert'")
            trigger = cursor.fetchone()[0]
            cursor.execute("DROP TRIGGER inbox_search_insert")
    started = time.perf_counter()
    done = 0
    marks = ",".join(["%s"] * len(COLUMNS.split(",")))
    for rows, tag_rows in interaction_rows(world, args.interactions, authors, rng, pg):
        if pg:
            with connection.cursor() as cursor:
                with cursor.copy(f"COPY inbox_interaction ({COLUMNS}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                with cursor.copy("COPY inbox_interaction_tags (interaction_id, inboxtag_id) "
                                 "FROM STDIN") as copy:  # fmt: skip
                    for row in tag_rows:
                        copy.write_row(row)
        else:
            raw = connection.connection
            raw.execute("PRAGMA synchronous=OFF")
            raw.execute("BEGIN")
            raw.executemany(
                f"INSERT INTO inbox_interaction ({COLUMNS}) VALUES ({marks.replace('%s', '?')})",  # noqa: S608
                rows,
            )
            raw.executemany("INSERT INTO inbox_interaction_tags (interaction_id, inboxtag_id) "
                            "VALUES (?, ?)", tag_rows)  # fmt: skip
            raw.execute("COMMIT")
        done += len(rows)
        rate = done / (time.perf_counter() - started)
        print(f"\r  {done:,} interactions ({rate:,.0f}/s)", end="", flush=True)
    print(flush=True)
    seconds["rows"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _, sql in indexes:
            cursor.execute(sql)
        if pg:
            cursor.execute("SELECT setval(pg_get_serial_sequence('inbox_interaction', 'id'), "
                           "(SELECT max(id) FROM inbox_interaction))")  # fmt: skip
            cursor.execute("SELECT setval(pg_get_serial_sequence('inbox_interaction_tags', 'id'),"
                           " (SELECT coalesce(max(id), 1) FROM inbox_interaction_tags))")  # fmt: skip
    seconds["indexes"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if not pg:
            cursor.execute(trigger)
            cursor.execute("INSERT INTO inbox_search(inbox_search) VALUES ('rebuild')")
            cursor.execute("PRAGMA synchronous=NORMAL")
    seconds["search index"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if not pg:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cursor.execute("VACUUM ANALYZE inbox_interaction")  # the visibility map, as in use
    seconds["analyze"] = time.perf_counter() - started
    return seconds


def describe(world: World) -> list[str]:
    """What the fixture holds, in numbers (and how often the searched words match)."""
    from django.db import connection

    pg = connection.vendor == "postgresql"
    lines = []
    with connection.cursor() as cursor:

        def one(sql: str, *params: Any) -> Any:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

        ws = world.workspace_id
        total = one("SELECT count(*) FROM inbox_interaction")
        work = one("SELECT count(*) FROM inbox_interaction WHERE is_work")
        open_ = one("SELECT count(*) FROM inbox_interaction WHERE is_work AND NOT hidden "
                    "AND state = 'open'")  # fmt: skip
        mine = one("SELECT count(*) FROM inbox_interaction WHERE is_work AND NOT hidden "
                   "AND state = 'open' AND assignee_id = %s", world.me)  # fmt: skip
        authors = one("SELECT count(DISTINCT author_id) FROM inbox_interaction")
        tagged = one("SELECT count(*) FROM inbox_interaction_tags")
        conversations = one("SELECT count(DISTINCT conversation) FROM inbox_interaction "
                            "WHERE workspace_id = %s", ws)  # fmt: skip
        lines.append(f"{total:,} interactions ({work:,} work items, {open_:,} open, {mine:,} "
                     f"open and mine), {authors:,} authors, {conversations:,} conversations, "
                     f"{tagged:,} tags on items")  # fmt: skip
        for word in SEARCHED:
            if pg:
                from outlier.inbox.search import POSTGRES_DOCUMENT

                found = one(f"SELECT count(*) FROM inbox_interaction WHERE {POSTGRES_DOCUMENT} "  # noqa: S608
                            "@@ to_tsquery('simple', %s)", word)  # fmt: skip
            else:
                found = one("SELECT count(*) FROM inbox_search WHERE inbox_search MATCH %s",
                            f'"{word}"')  # fmt: skip
            lines.append(f"'{word}' is in {found:,} texts ({100 * found / work:.2f}% of the "
                         "work items' texts)")  # fmt: skip
    return lines


# --- the figures: Django and the raw SQL of the same rows ------------------------------------


@dataclass
class Figure:
    name: str
    filters: Any  # queries.Filters
    before: bool = False  # the second page: keyset after the first page's last item


def figures() -> list[Figure]:
    from outlier.inbox.queries import Filters

    return [
        Figure("open view, page 1", Filters()),
        Figure("open view, page 2 (before=)", Filters(), before=True),
        Figure("filter: channel + kind reply", Filters(channel=-1, kind="reply")),
        Figure("filter: assignee=me", Filters(assignee="me")),
        Figure("filter: tag", Filters(tag="billing")),
        Figure("filter: language de", Filters(language="de")),
        Figure("done view, page 1", Filters(view="done")),
        Figure("activity view, page 1", Filters(view="activity")),
        Figure("search 'refund' (0.5%)", Filters(q="refund")),
        Figure("search 'refund', all work", Filters(view="all", q="refund")),
        Figure("search 'shipping' (5%)", Filters(q="shipping")),
        Figure("search 'thanks refu' (typing)", Filters(q="thanks refu")),
        Figure("search 'refund', channel+kind", Filters(channel=-1, kind="reply", q="refund")),
    ]


def raw_page(world: World, f: Any, before: tuple[datetime, int] | None, now: datetime,
             me: int) -> Callable[[], list[int]]:  # fmt: skip
    """The leanest SQL of `queries.items` + `queries.page` for these filters: the page with its
    channel and assignee joined, then the page's tags; returns the page's ids."""
    from django.db import connection

    from outlier.inbox.search import POSTGRES_DOCUMENT, words

    pg = connection.vendor == "postgresql"
    adapt = connection.ops.adapt_datetimefield_value  # as the ORM sends a datetime
    where = ["i.workspace_id = %s"]
    params: list[Any] = [world.workspace_id]
    joins = ""
    if f.view == "activity":
        where.append("i.kind IN ('like', 'repost', 'follow')")
    else:
        where.append("i.is_work")
        if f.view == "hidden":
            where.append("i.hidden")
        elif f.view != "all":
            where.append("NOT i.hidden")
        if f.view == "open":
            where.append("i.state = 'open' AND (i.snoozed_until IS NULL OR i.snoozed_until <= %s)")
            params.append(adapt(now))
        elif f.view == "done":
            where.append("i.state = 'done'")
    if f.channel:
        where.append("i.channel_id = %s")
        params.append(f.channel)
    if f.kind:
        where.append("i.kind = %s")
        params.append(f.kind)
    if f.assignee == "me":
        where.append("i.assignee_id = %s")
        params.append(me)
    if f.tag:
        joins = (" JOIN inbox_interaction_tags it ON it.interaction_id = i.id"
                 " JOIN inbox_inboxtag tg ON tg.id = it.inboxtag_id")  # fmt: skip
        where.append("lower(tg.name) = lower(%s)" if not pg else "upper(tg.name) = upper(%s)")
        params.append(f.tag)
    if f.language:
        where.append("(lower(i.language) = %s OR lower(i.language) LIKE %s)")
        params += [f.language.lower(), f.language.lower() + "-%"]
    if f.q:
        found = words(f.q)
        if pg:
            terms = " & ".join(f"{w}:*" if i == len(found) - 1 else w for i, w in enumerate(found))
            where.append(f"{POSTGRES_DOCUMENT.replace('inbox_interaction.', 'i.')} "
                         "@@ to_tsquery('simple'::regconfig, %s)")  # fmt: skip
        else:
            terms = " ".join(f'"{w}"*' if i == len(found) - 1 else f'"{w}"'
                             for i, w in enumerate(found))  # fmt: skip
            where.append("i.id IN (SELECT rowid FROM inbox_search WHERE inbox_search MATCH %s)")
        params.append(terms)
    if before is not None:
        where.append("(i.created_at < %s OR (i.created_at = %s AND i.id < %s))")
        params += [adapt(before[0]), adapt(before[0]), before[1]]
    sql = (f"SELECT i.*, c.*, u.* FROM inbox_interaction i{joins}"  # noqa: S608
           " JOIN publishing_channel c ON c.id = i.channel_id"
           " LEFT JOIN core_user u ON u.id = i.assignee_id"
           f" WHERE {' AND '.join(where)} ORDER BY i.created_at DESC, i.id DESC LIMIT {PAGE + 1}")  # fmt: skip
    tags_sql = ("SELECT it.interaction_id, t.id, t.workspace_id, t.name"
                " FROM inbox_interaction_tags it JOIN inbox_inboxtag t ON t.id = it.inboxtag_id"
                " WHERE it.interaction_id IN ({}) ORDER BY t.name")  # fmt: skip

    def run() -> list[int]:
        # Through Django's cursor (its %s placeholders, its datetime adaptation): the same
        # path the ORM's SQL takes, without the ORM.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()[:PAGE]
            ids = [row[0] for row in rows]
            if ids:
                cursor.execute(tags_sql.format(",".join(["%s"] * len(ids))), ids)
                cursor.fetchall()
        return ids

    return run


def django_page(world: World, f: Any, before: tuple[datetime, int] | None,
                me: int) -> Callable[[], list[int]]:  # fmt: skip
    from outlier.inbox import queries

    def run() -> list[int]:
        rows = queries.items(world.workspace_id, f, me)
        found, _ = queries.page(rows, PAGE, before)
        return [item.pk for item in found]

    return run


def compare(name: str, django: Callable[[], Any], raw: Callable[[], Any], runs: int) -> Timing:
    """Both, `runs` times, alternating which goes first; whether they agree on the answer."""
    django()
    raw()  # warm
    times: list[float] = []
    raw_times: list[float] = []
    answer = raw_answer = None
    for n in range(runs):
        pair = [(django, times), (raw, raw_times)]
        for fn, into in pair if n % 2 == 0 else reversed(pair):
            started = time.perf_counter()
            result = fn()
            into.append(1000 * (time.perf_counter() - started))
            if fn is django:
                answer = result
            else:
                raw_answer = result
    rows = len(answer) if isinstance(answer, list) else int(answer or 0)
    return Timing(name, times, raw_times, rows=rows, same=answer == raw_answer)


def explain(world: World, fig: Figure, before: tuple[datetime, int] | None) -> str:
    """The database's plan of the page's main query, as Django sends it."""
    from django.db import connection
    from django.db.models import Q

    from outlier.inbox import queries

    rows = queries.items(world.workspace_id, fig.filters, world.me)
    if before is not None:
        rows = rows.filter(Q(created_at__lt=before[0]) | Q(created_at=before[0], pk__lt=before[1]))
    sql, params = rows.select_related("channel", "assignee")[: PAGE + 1].query.sql_with_params()
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if pg else "EXPLAIN QUERY PLAN ") + sql,
                       params)  # fmt: skip
        found = cursor.fetchall()
    if pg:
        return "\n".join(f"      {r[0]}" for r in found)
    return "\n".join(f"      {r[-1]}" for r in found)


def measure(world: World, args: argparse.Namespace, label: str = "") -> list[Timing]:
    from django.db import connection

    from outlier.inbox import queries

    results = []
    first_page: dict[str, tuple[datetime, int] | None] = {}
    mastodon = world.channels[0][0]
    for fig in figures():
        f = fig.filters
        if f.channel == -1:
            f = type(f)(**{**f.__dict__, "channel": mastodon})
            fig = Figure(fig.name, f, fig.before)
        before = None
        if fig.before:
            _, before = queries.page(queries.items(world.workspace_id, f, world.me), PAGE)
            first_page[fig.name] = before
        now = datetime.now(UTC)
        timing = compare(fig.name, django_page(world, f, before, world.me),
                         raw_page(world, f, before, now, world.me), args.runs)  # fmt: skip
        results.append(timing)
        mark = "" if timing.same else "  (raw and Django differ!)"
        print(f"  {label}{fig.name:<32} {timing.rows:>3} rows  p95 {timing.p95:7.2f} ms  "
              f"raw p95 {timing.raw_p95:7.2f} ms{mark}", flush=True)  # fmt: skip
        if args.explain or timing.p95 > TARGET_MS:
            print(explain(world, fig, before), flush=True)
    now = datetime.now(UTC)
    adapt = connection.ops.adapt_datetimefield_value
    count_sql = ("SELECT count(*) FROM inbox_interaction WHERE workspace_id = %s AND is_work "
                 "AND state = 'open' AND read_at IS NULL AND NOT hidden "
                 "AND (snoozed_until IS NULL OR snoozed_until <= %s)")  # fmt: skip

    def raw_count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(count_sql, [world.workspace_id, adapt(now)])
            return int(cursor.fetchone()[0])

    timing = compare("unread_count", lambda: queries.unread_count(world.workspace_id),
                     raw_count, args.runs)  # fmt: skip
    results.append(timing)
    print(f"  {label}{'unread_count':<32} {timing.rows:>6,}  p95 {timing.p95:7.2f} ms  "
          f"raw p95 {timing.raw_p95:7.2f} ms", flush=True)  # fmt: skip
    return results


# --- ingest ---------------------------------------------------------------------------------


def ingest_items(world: World, channel_index: int, count: int, tag: str, known: list[str],
                 rng: random.Random) -> list[Any]:  # fmt: skip
    """`count` interactions as a pull reads them (oldest first), 10% of them already stored."""
    from outlier.networks.base import Interaction as Seen
    from outlier.networks.base import InteractionKind

    channel_id, network, _, host = world.channels[channel_index]
    posts = world.deliveries[channel_id]
    kinds, shares = list(KINDS), list(KINDS.values())
    langs, lang_shares = list(LANGUAGES), list(LANGUAGES.values())
    start = world.now.timestamp() + 60
    items = []
    known_at = set(rng.sample(range(count), min(len(known), count // 10)))
    known_iter = iter(known)
    for n in range(count):
        at = datetime.fromtimestamp(start + n * 0.5, UTC)
        if n in known_at:
            remote = next(known_iter)
        else:
            remote = f"https://{host}/users/new{n % 20000}/statuses/{tag}{n}"
        kind = rng.choices(kinds, shares)[0]
        user = f"new{rng.randrange(20000)}"
        text = subject = ""
        if kind in WORK:
            text = " ".join(rng.choices(world.words, cum_weights=world.cum_weights,
                                        k=rng.randrange(6, 29)))  # fmt: skip
        if kind in ("reply", "quote", "like", "repost"):
            subject = posts[-1 - min(len(posts) - 1, int(rng.expovariate(1 / 4)))][1]
        items.append(Seen(
            kind=InteractionKind(kind), remote_id=remote,
            author_id=f"https://{host}/users/{user}", author_handle=f"@{user}@{host}",
            created_at=at, author_name=user.title(), author_url=f"https://{host}/@{user}",
            text=text, url=remote if kind in WORK else "", subject_id=subject,
            author_avatar=f"https://{host}/avatars/{user}.png",
            author_followers=rng.randrange(5000),
            language=rng.choices(langs, lang_shares)[0] if kind in WORK else "",
            reply_ref=remote if kind in WORK else "",
        ))  # fmt: skip
    return items


RAW_COLUMNS = ("workspace_id, channel_id, kind, remote_id, author_id, author_handle, author_name, "
               "author_url, author_avatar, author_followers, text, language, url, subject_id, "
               "reply_ref, thread_root, conversation, delivery_id, created_at, received_at, "
               "is_work, state, priority, hidden, assignee_id, snoozed_until, read_at, done_at, "
               "done_by_id, first_response_at, responded_by_id, replying_by_id, replying_since")  # fmt: skip


def unnest_insert(columns: str) -> str:
    """PostgreSQL: INSERT of one array parameter a column, as bulk_create sends it there."""
    from django.db import connection

    from outlier.inbox.models import Interaction

    fields = {f.column: f for f in Interaction._meta.concrete_fields}
    arrays = ", ".join(f"%s::{str(fields[c.strip()].db_type(connection)).split('(')[0]}[]"
                       for c in columns.split(","))  # fmt: skip
    return f"INSERT INTO inbox_interaction ({columns}) SELECT * FROM unnest({arrays})"  # noqa: S608


RAW_WAYS = {"multi": "multi-row INSERT", "many": "executemany", "unnest": "INSERT … unnest",
            "copy": "COPY (not an INSERT)"}  # fmt: skip


def raw_insert(world: World, channel_id: int, items: list[Any], prefix: str,
               how: str) -> float:  # fmt: skip
    """The baseline: the same rows (remote ids made unique with `prefix`), the same columns,
    1,000 per transaction through `connection.cursor()`: one multi-row INSERT ("multi"), an
    executemany of the one-row INSERT ("many": pipelined by psycopg on PostgreSQL), and on
    PostgreSQL one `INSERT … SELECT FROM unnest(<one array a column>)` ("unnest", the statement
    bulk_create sends there) or COPY ("copy", for information: COPY cannot skip a row already
    stored, which ingest must); seconds."""
    from django.db import connection, transaction

    from outlier.inbox.models import conversation_of

    unnest = unnest_insert(RAW_COLUMNS)

    deliveries = {remote: pk for _, remote, pk in world.deliveries[channel_id]}
    adapt = connection.ops.adapt_datetimefield_value  # as the ORM sends a datetime
    now = adapt(datetime.now(UTC))
    marks = "(" + ",".join(["%s"] * len(RAW_COLUMNS.split(","))) + ")"
    insert = f"INSERT INTO inbox_interaction ({RAW_COLUMNS}) VALUES "  # noqa: S608
    started = time.perf_counter()
    for at in range(0, len(items), RAW_BATCH):
        rows = []
        batch = items[at : at + RAW_BATCH]
        for item in batch:
            kind = item.kind.value
            rows.append((
                world.workspace_id, channel_id, kind, prefix + item.remote_id, item.author_id,
                item.author_handle, item.author_name, item.author_url, item.author_avatar,
                item.author_followers, item.text, item.language, item.url, item.subject_id,
                item.reply_ref, item.thread_root,
                conversation_of(kind, item.author_id, item.subject_id, item.thread_root),
                deliveries.get(item.subject_id), adapt(item.created_at), now, kind in WORK,
                "open", 0, False, None, None, None, None, None, None, None, None, None,
            ))  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            if how == "copy":
                with cursor.copy(f"COPY inbox_interaction ({RAW_COLUMNS}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            elif how == "many":
                cursor.executemany(insert + marks, rows)
            elif how == "unnest":
                cursor.execute(unnest, [list(column) for column in zip(*rows, strict=True)])
            else:
                cursor.execute(insert + ",".join([marks] * len(rows)),
                               [value for row in rows for value in row])  # fmt: skip
    return time.perf_counter() - started


def ingest(world: World, args: argparse.Namespace, rng: random.Random) -> list[Ingest]:
    from django.db import connection

    from outlier.inbox.ingest import do_record_interactions
    from outlier.publishing.models import Channel

    channel_id = world.channels[0][0]
    channel = Channel.objects.get(pk=channel_id)
    count = args.ingest
    with connection.cursor() as cursor:
        cursor.execute("SELECT remote_id FROM inbox_interaction WHERE channel_id = %s "
                       "ORDER BY id", [channel_id])  # fmt: skip
        stored = [r[0] for r in cursor.fetchall()]
    results = []
    batches = {name: ingest_items(world, 0, count, name, rng.sample(stored, count // 10), rng)
               for name in ("a", "b", "raw")}  # fmt: skip

    def baseline(when: str) -> None:
        pg = connection.vendor == "postgresql"
        ways = ("multi", "many", "unnest", "copy") if pg else ("multi", "many")
        for how in ways:
            seconds = raw_insert(world, channel_id, batches["raw"], f"{when}-{how}-", how)
            results.append(Ingest(f"raw {RAW_WAYS[how]} ({when})", count, count, seconds))
            print(f"  raw {RAW_WAYS[how]}: {count / seconds:,.0f} rows/s", flush=True)

    baseline("before")
    for name, rules in (("a", False), ("b", True)):
        started = time.perf_counter()
        new = do_record_interactions(channel, batches[name], run_rules=rules)
        seconds = time.perf_counter() - started
        results.append(Ingest(f"do_record_interactions, run_rules={rules}", count, new, seconds))
        print(f"  run_rules={rules}: {count / seconds:,.0f} items/s ({new:,} new)", flush=True)
    baseline("after")
    # Again: a pull reading the same page twice stores nothing the second time.
    started = time.perf_counter()
    new = do_record_interactions(channel, batches["a"], run_rules=False)
    results.append(
        Ingest("again, the same items (all known now)", count, new, time.perf_counter() - started)
    )
    return results


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--authors", type=int, default=100_000)
    parser.add_argument("--ingest", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200, help="runs of each query")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true", help="print every query's plan")
    parser.add_argument("--candidate", action="append", default=[], metavar="SQL",
                        help="SQL to run after the measurement (prefix sqlite: or postgres: "
                             "for one database), then measure the queries again; repeatable")  # fmt: skip
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    if args.db == "both":  # one process per database: Django is set up once per process
        argv, skip = [], False
        for arg in sys.argv[1:]:
            if skip:  # the value after "--db"
                skip = False
            elif arg == "--db":
                skip = True
            elif not arg.startswith("--db="):
                argv.append(arg)
        codes = [subprocess.run([sys.executable, __file__, "--db", db, *argv],
                                check=False).returncode for db in ("sqlite", "postgres")]  # fmt: skip
        return max(codes)
    pg = args.db == "postgres"
    return throwaway("inbox", pg, lambda data_dir, url: run(data_dir, url, args))


def run(data_dir: str, database_url: str, args: argparse.Namespace) -> int:
    started = time.monotonic()
    database = migrated(data_dir, database_url)
    from django.db import connection

    rng = random.Random(args.seed)
    world = make_world(rng)
    print(f"{args.authors:,} authors, {args.interactions:,} interactions…", flush=True)
    seconds = load(world, args, rng)
    print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()), flush=True)
    facts = describe(world)
    for line in facts:
        print(f"  {line}", flush=True)
    print(f"queries ({args.runs} runs each, Django and raw SQL alternating)…", flush=True)
    results = measure(world, args)
    after: list[tuple[str, list[Timing]]] = []
    vendor = "postgres" if connection.vendor == "postgresql" else "sqlite"
    for candidate in args.candidate:
        where, _, sql = candidate.partition(":")
        if where not in ("sqlite", "postgres"):
            where, sql = vendor, candidate
        if where != vendor:
            continue
        print(f"candidate: {sql}", flush=True)
        took = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql)
            cursor.execute("ANALYZE")
        print(f"  ({time.perf_counter() - took:.1f} s)", flush=True)
        after.append((sql, measure(world, args, "after: ")))
    print(f"ingest ({args.ingest:,} interactions, 10% of them already stored)…", flush=True)
    ingested = ingest(world, args, rng)
    return report(database, args, seconds, facts, results, after, ingested,
                  time.monotonic() - started)  # fmt: skip


def table(results: list[Timing]) -> bool:
    print(f"{'figure':<34} {'rows':>6} {'p50 ms':>7} {'p95 ms':>7} {'raw p50':>8} "
          f"{'raw p95':>8} {'p95 ×raw':>8} {'same':>5}  p95 ≤ {TARGET_MS:g} ms")  # fmt: skip
    failed = False
    for t in results:
        ok = t.p95 <= TARGET_MS
        failed |= not ok or not t.same
        print(f"{t.name:<34} {t.rows:>6,} {t.p50:>7.2f} {t.p95:>7.2f} {t.raw_p50:>8.2f} "
              f"{t.raw_p95:>8.2f} {t.p95 / t.raw_p95:>7.1f}× {'yes' if t.same else 'NO':>5}  "
              f"{'yes' if ok else 'NO'}")  # fmt: skip
    return failed


def report(database: str, args: argparse.Namespace, seconds: dict[str, float],
           facts: list[str], results: list[Timing], after: list[tuple[str, list[Timing]]],
           ingested: list[Ingest], elapsed: float) -> int:  # fmt: skip
    print(f"\n{database}: {args.interactions:,} interactions, {args.authors:,} authors, "
          f"{args.runs} runs per figure")  # fmt: skip
    print("fixture: " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    for line in facts:
        print(f"  {line}")
    print("Django = queries.items + queries.page(rows, 50): the page with select_related "
          "channel and assignee, and prefetch_related tags (2 queries); raw = the same two "
          "SELECTs by hand through connection.cursor()")  # fmt: skip
    failed = table(results)
    for sql, timings in after:
        print(f"\nafter: {sql}")
        table(timings)
    baseline = max(i.rate for i in ingested if i.name.startswith("raw") and "COPY" not in i.name)
    print(f"\n{'ingest':<42} {'items':>8} {'new':>8} {'s':>6} {'items/s':>8} "
          f"{'of raw':>7}  ≥ {100 * TARGET_INGEST:.0f}%")  # fmt: skip
    for i in ingested:
        share = i.rate / baseline
        measured = i.name.startswith("do_record")
        ok = share >= TARGET_INGEST
        failed |= i.name.startswith("do_record") and not ok
        print(f"{i.name:<42} {i.items:>8,} {i.new:>8,} {i.seconds:>6.2f} {i.rate:>8,.0f} "
              f"{100 * share:>6.0f}%  {('yes' if ok else 'NO') if measured else ''}")  # fmt: skip
    print(
        f"\n{'FAIL' if failed else 'PASS'} on {database} in {elapsed:.0f} s "
        f"(load average {_load()}, {os.cpu_count()} cores)",
        flush=True,
    )
    return 1 if failed and args.strict else 0


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
