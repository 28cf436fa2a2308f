"""The reports at scale: every dashboard query on rollups, beside the raw scan of the clicks.

    .venv/bin/python bench/reports.py [--pg] [--clicks 10000000] [--snapshots 1000000]
                                      [--runs 30] [--raw-runs 3] [--strict]

Builds a throwaway instance (data dir, migrated database: SQLite by default, with --pg a
private PostgreSQL 15 started by scripts/postgres.sh on a port and directory of its own), fills
one workspace with a year of activity, then:

  load      `--clicks` clicks (10 million) over 365 days on 5,500 tracked links (5,000 published
            by deliveries on 10 channels, 500 on curated items), each link busy for about a
            month after it was made, 8% bots, 12 referring sites; `--snapshots` metric
            snapshots (1 million: 90% engagement of the 5,000 deliveries, 10% hourly follower
            counts of the channels); 20,000 conversions. Bulk: executemany on SQLite, COPY on
            PostgreSQL, the clicks' two secondary indexes built after the load.
  rollups   the worker's rollup job from nothing (the first run reads every click), then an
            incremental run after 10,000 new clicks, then a run with nothing new.
  queries   each dashboard query (outlier/analytics/queries.py, what the page, the CSV and
            the API call) `--runs` times on the default view (the last 30 days), on the last
            30 days filtered by a campaign, and on the last 365 days; p50 and p95. Beside each,
            where the question can be asked of the raw tables, the same question answered by
            scanning the clicks (or the snapshots) `--raw-runs` times, and whether both answers
            agree. Then the whole dashboard page, rendered.

Target: every dashboard query p95 ≤ 100 ms. Exit status 1 on a missed target only with --strict.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from instance import migrated, throwaway  # noqa: E402 (the same throwaway instance)

TARGET_MS = 100.0
DAYS = 365
CHANNELS = 10
CAMPAIGNS = 20
POSTS = 2500
DELIVERIES = 5000  # two channels per post
SCOOP_LINKS = 500
CONVERSIONS = 20_000
BOT_SHARE = 0.08
REFERRERS = ["", "", "", "t.co", "bsky.app", "mastodon.social", "www.google.com",
             "news.ycombinator.com", "www.reddit.com", "lobste.rs", "duckduckgo.com",
             "www.linkedin.com"]  # fmt: skip
NETWORKS = ["mastodon", "bluesky", "webhook", "email", "activitypub"]
CHUNK = 200_000


@dataclass
class World:
    workspace_id: int
    today: date
    links: list[tuple[int, date]] = field(default_factory=list)  # (id, day made)
    campaign_of: dict[int, int | None] = field(default_factory=dict)
    deliveries: list[int] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)
    campaign_with_most_links: int = 0
    user_id: int = 0


@dataclass
class Timing:
    name: str
    view: str
    runs: list[float]
    raw: list[float] = field(default_factory=list)
    agree: bool | None = None
    target: bool = True  # the whole page is shown for information: the target is per query

    @staticmethod
    def quantile(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def p95(self) -> float:
        return self.quantile(self.runs, 0.95)


# --- the data -------------------------------------------------------------------------------


def make_world(rng: random.Random) -> World:
    """Workspace, owner, channels, campaigns with costs, topics and scoops, posts, deliveries
    and their tracked links (bulk_create: a few thousand rows each)."""
    from outlier.core.models import Membership, Role, User, Workspace
    from outlier.curation.models import Scoop, ScoopState, Topic
    from outlier.links.models import Campaign, CampaignCost, LinkMedium, TrackedLink
    from outlier.publishing.models import Channel, Delivery, DeliveryState, Post

    today = datetime.now(UTC).date()
    start = today - timedelta(days=DAYS - 1)
    workspace = Workspace.objects.create(name="Bench", slug="bench")
    user = User.objects.create_user(email="owner@bench.test", password=None)
    Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
    world = World(workspace.pk, today, user_id=user.pk)
    channels = Channel.objects.bulk_create(
        Channel(workspace=workspace, network=NETWORKS[n % len(NETWORKS)], name=f"Channel {n}")
        for n in range(CHANNELS)
    )
    world.channels = [c.pk for c in channels]
    campaigns = Campaign.objects.bulk_create(
        Campaign(workspace=workspace, name=f"Campaign {n}", slug=f"campaign-{n}",
                 budget=Decimal(5000), currency="EUR")
        for n in range(CAMPAIGNS)
    )  # fmt: skip
    CampaignCost.objects.bulk_create(
        CampaignCost(campaign=c, amount=Decimal(rng.randrange(50, 2000)),
                     incurred_on=start + timedelta(days=rng.randrange(DAYS)))
        for c in campaigns for _ in range(12)
    )  # fmt: skip
    topics = Topic.objects.bulk_create(
        Topic(workspace=workspace, name=f"Topic {n}", slug=f"bench-topic-{n}") for n in range(5)
    )
    scoops = Scoop.objects.bulk_create(
        Scoop(topic=topics[n % 5], url=f"https://news.example/{n}",
              url_key=f"//news.example/{n}", state=ScoopState.PUBLISHED, title=f"Story {n}",
              published_at=datetime.combine(start, datetime.min.time(), tzinfo=UTC))
        for n in range(SCOOP_LINKS)
    )  # fmt: skip

    def made_on(n: int, total: int) -> date:
        return start + timedelta(days=n * (DAYS - 1) // total)

    link_rows = []
    for n in range(DELIVERIES + SCOOP_LINKS):
        campaign = campaigns[n % CAMPAIGNS] if n % 4 else None  # a quarter without campaign
        link_rows.append(TrackedLink(
            workspace=workspace, code=f"b{n:07d}", target=f"https://shop.example/p/{n}?utm_source=x",
            original=f"https://shop.example/p/{n}", campaign=campaign,
            medium=LinkMedium.SOCIAL if n < DELIVERIES else LinkMedium.SITE,
        ))  # fmt: skip
    links = TrackedLink.objects.bulk_create(link_rows, batch_size=1000)
    for n, link in enumerate(links):
        total = DELIVERIES if n < DELIVERIES else SCOOP_LINKS
        index = n if n < DELIVERIES else n - DELIVERIES
        world.links.append((link.pk, made_on(index, total)))
        world.campaign_of[link.pk] = link.campaign_id
    posts = Post.objects.bulk_create(
        (Post(workspace=workspace, text=f"Post {n}", link=f"https://shop.example/p/{n}",
              scoop=scoops[n % SCOOP_LINKS] if n % 3 == 0 else None) for n in range(POSTS)),
        batch_size=1000,
    )  # fmt: skip
    deliveries = []
    for n in range(DELIVERIES):
        sent = datetime.combine(made_on(n, DELIVERIES), datetime.min.time(), tzinfo=UTC)
        row = Delivery(post=posts[n // 2], channel=channels[n % CHANNELS], due_at=sent,
                       next_attempt_at=sent, sent_at=sent, state=DeliveryState.SENT,
                       remote_id=f"r{n}")  # fmt: skip
        row.tracked_link = links[n]
        deliveries.append(row)
    world.deliveries = [d.pk for d in Delivery.objects.bulk_create(deliveries, batch_size=1000)]
    for n, scoop in enumerate(scoops):
        scoop.site_link = links[DELIVERIES + n]
    Scoop.objects.bulk_update(scoops, ["site_link"], batch_size=1000)
    counts: dict[int, int] = defaultdict(int)
    for campaign in world.campaign_of.values():
        if campaign:
            counts[campaign] += 1
    world.campaign_with_most_links = max(counts, key=lambda c: counts[c])
    return world


def click_days(world: World, total: int, rng: random.Random) -> Iterator[tuple[date, list[int]]]:
    """For each day, the link of each click that day: a link draws clicks for ~30 days after
    it was made, most in its first days; the days are weighted so that `total` come out."""
    weights = [1.0 / (1 + age / 4) for age in range(30)]
    active: dict[date, list[tuple[int, float]]] = defaultdict(list)
    for link_id, made in world.links:
        for age, weight in enumerate(weights):
            day = made + timedelta(days=age)
            if day <= world.today:
                active[day].append((link_id, weight))
    mass = sum(w for rows in active.values() for _, w in rows)
    scale = total / mass
    produced = 0
    days = sorted(active)
    for i, day in enumerate(days):
        rows = active[day]
        last = i == len(days) - 1
        count = total - produced if last else round(sum(w for _, w in rows) * scale)
        count = max(0, min(count, total - produced))
        produced += count
        ids = [link for link, _ in rows]
        yield day, rng.choices(ids, weights=[w for _, w in rows], k=count)


def click_rows(world: World, total: int, rng: random.Random, pg: bool) -> Iterator[list[tuple]]:
    """Chunks of click rows in time order: (link_id, at, click_id, referrer_host, agent, device,
    country, visitor). Click ids run in sequence (as the redirect's time-first ids do)."""
    number = 0
    chunk: list[tuple] = []
    suffix = "+00" if pg else ""
    for day, links in click_days(world, total, rng):
        prefix = day.isoformat()
        seconds = sorted(rng.randrange(86_400_000_000) for _ in links)
        pool = max(50, len(links) // 3)  # returning visitors within the day
        for link_id, micro in zip(links, seconds, strict=True):
            sec, us = divmod(micro, 1_000_000)
            h, rest = divmod(sec, 3600)
            m, s = divmod(rest, 60)
            bot = rng.random() < BOT_SHARE
            number += 1
            chunk.append((
                link_id, f"{prefix} {h:02d}:{m:02d}:{s:02d}.{us:06d}{suffix}", f"c{number:015x}",
                rng.choice(REFERRERS), "bot" if bot else "browser",
                "other" if bot else ("mobile" if rng.random() < 0.6 else "desktop"), "",
                f"{prefix}-{rng.randrange(pool):x}",
            ))  # fmt: skip
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk


COLUMNS = "link_id, at, click_id, referrer_host, agent, device, country, visitor"


def load_clicks(world: World, total: int, rng: random.Random) -> float:
    from django.db import connection

    started = time.perf_counter()
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for name in ("click_link_time", "click_time"):
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
    done = 0
    connection.ensure_connection()
    for chunk in click_rows(world, total, rng, pg):
        if pg:
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY links_click ({COLUMNS}) FROM STDIN") as copy,
            ):
                for row in chunk:
                    copy.write_row(row)
        else:
            raw = connection.connection
            raw.execute("PRAGMA synchronous=OFF")
            raw.executemany(
                f"INSERT INTO links_click ({COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",  # noqa: S608
                chunk,
            )
            raw.commit()
        done += len(chunk)
        rate = done / (time.perf_counter() - started)
        print(f"\r  {done:,} clicks ({rate:,.0f}/s)", end="", flush=True)
    print(flush=True)
    with connection.cursor() as cursor:
        cursor.execute('CREATE INDEX click_link_time ON links_click (link_id, "at")')
        cursor.execute('CREATE INDEX click_time ON links_click ("at")')
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def load_snapshots(world: World, total: int, rng: random.Random) -> float:
    """90% engagement snapshots (every delivery, every few hours after it went out) and 10%
    hourly follower counts of the channels, written the same way as the clicks."""
    from django.db import connection

    started = time.perf_counter()
    pg = connection.vendor == "postgresql"
    suffix = "+00" if pg else ""
    followers_total = total // 10
    engagement_total = total - followers_total
    per_delivery = max(1, engagement_total // len(world.deliveries))
    made = dict(world.links)
    link_of = [pk for pk, _ in world.links[:DELIVERIES]]

    def stamp(at: datetime) -> str:
        return at.strftime("%Y-%m-%d %H:%M:%S") + suffix

    engagement: list[tuple] = []
    now = datetime.now(UTC) - timedelta(minutes=1)
    for n, delivery in enumerate(world.deliveries):
        sent = datetime.combine(made[link_of[n]], datetime.min.time(), tzinfo=UTC)
        # every 4 hours for a month, or closer together for a post sent lately
        step = min(timedelta(hours=4), (now - sent) / (per_delivery + 1))
        likes = reposts = replies = 0
        for k in range(per_delivery):
            at = sent + step * (k + 1)
            likes += rng.randrange(4)
            reposts += rng.randrange(2)
            replies += rng.random() < 0.3
            engagement.append((delivery, stamp(at), likes, reposts, replies, 0, likes * 40))
    follower_rows: list[tuple] = []
    hours = max(1, followers_total // len(world.channels))
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours)
    for channel in world.channels:
        count = rng.randrange(100, 5000)
        for h in range(hours):
            count += rng.randrange(-2, 6)
            follower_rows.append((channel, stamp(first + timedelta(hours=h)), max(count, 0)))
    tables = [
        ("analytics_engagementsnapshot",
         "delivery_id, taken_at, likes, reposts, replies, quotes, impressions", engagement),
        ("analytics_followersnapshot", "channel_id, taken_at, followers", follower_rows),
    ]  # fmt: skip
    for table, columns, rows in tables:
        if pg:
            with (
                connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ",".join("?" * len(rows[0]))
            connection.connection.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
                rows,
            )
            connection.connection.commit()
    print(f"  {len(engagement):,} engagement + {len(follower_rows):,} follower snapshots",
          flush=True)  # fmt: skip
    return time.perf_counter() - started


def load_conversions(world: World, rng: random.Random) -> float:
    """Conversions attributed as recording would (the click's link, its owner), bulk-made."""
    from django.db.models import F

    from outlier.analytics.attribution import link_owners
    from outlier.analytics.models import Conversion
    from outlier.links.models import Click

    started = time.perf_counter()
    owners = link_owners(workspace_id=world.workspace_id)
    top = Click.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picks = sorted(rng.sample(range(1, top + 1), min(CONVERSIONS, top)))
    clicks = Click.objects.filter(pk__in=picks, agent="browser").values_list("pk", "link_id", "at")
    rows = []
    for n, (click_id, link_id, at) in enumerate(clicks.iterator(chunk_size=5000)):
        owner = owners[link_id]
        sale = n % 3 != 0
        rows.append(Conversion(
            workspace_id=world.workspace_id, kind="sale" if sale else "lead",
            amount=Decimal(rng.randrange(1000, 20000)) / 100 if sale else Decimal(0),
            currency="EUR", external_id=f"order-{n}", source="api",
            occurred_at=at + timedelta(minutes=rng.randrange(1, 600)), click_id=click_id,
            attributed_click_id=click_id, link_id=link_id, campaign_id=owner.campaign_id,
            channel_id=owner.channel_id, delivery_id=owner.delivery_id, post_id=owner.post_id,
            scoop_id=owner.scoop_id, topic_id=owner.topic_id,
        ))  # fmt: skip
    Conversion.objects.bulk_create(rows, batch_size=2000)
    Conversion.objects.update(recorded_at=F("occurred_at"))  # recorded over the year
    print(f"  {len(rows):,} conversions", flush=True)
    return time.perf_counter() - started


# --- the raw scans: the same questions asked of the raw tables -------------------------------


def raw_questions(ws: int, period: Any, filters: Any) -> dict[str, Callable[[], Any]]:
    from django.db.models import Count, OuterRef, Q, Subquery
    from django.db.models.functions import TruncDate

    from outlier.analytics.models import EngagementSnapshot, FollowerSnapshot
    from outlier.links.models import Click

    start = datetime.combine(period.start, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(period.end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    clicks = Click.objects.filter(link__workspace_id=ws, at__gte=start, at__lt=end)
    if filters.campaign:
        clicks = clicks.filter(link__campaign_id=filters.campaign)
    browser = Q(agent="browser")

    def over_time() -> Any:
        rows = (clicks.annotate(day=TruncDate("at")).values("day")
                .annotate(c=Count("pk", filter=browser), b=Count("pk", filter=~browser),
                          v=Count("visitor", filter=browser, distinct=True)).order_by("day"))  # fmt: skip
        found = {r["day"]: (r["c"], r["b"]) for r in rows}
        return [found.get(d, (0, 0)) for d in period.each_day()]

    def top_links() -> Any:
        rows = (clicks.filter(browser).values("link_id").annotate(c=Count("pk"))
                .order_by("-c", "link_id")[:10])  # fmt: skip
        return [(r["link_id"], r["c"]) for r in rows]

    def referrers() -> Any:
        rows = (clicks.filter(browser).values("referrer_host").annotate(c=Count("pk"))
                .order_by("-c", "referrer_host")[:10])  # fmt: skip
        return [(r["referrer_host"], r["c"]) for r in rows]

    def funnel() -> Any:
        return clicks.filter(browser).count()

    def networks() -> Any:
        from outlier.publishing.models import Delivery

        latest = EngagementSnapshot.objects.filter(delivery_id=OuterRef("pk")).order_by(
            "-taken_at", "-pk"
        )
        rows = Delivery.objects.filter(
            post__workspace_id=ws, sent_at__gte=start, sent_at__lt=end
        ).annotate(likes=Subquery(latest.values("likes")[:1]))
        if filters.campaign:
            rows = rows.filter(tracked_link__campaign_id=filters.campaign)
        totals: dict[str, int] = defaultdict(int)
        for network, likes in rows.values_list("channel__network", "likes"):
            if likes is not None:
                totals[network] += likes
        return sorted(totals.items())

    def followers() -> Any:
        last: dict[tuple[int, date], int] = {}
        for channel, at, count in (
            FollowerSnapshot.objects.filter(channel__workspace_id=ws, taken_at__gte=start,
                                            taken_at__lt=end)
            .order_by("channel_id", "taken_at", "pk").values_list("channel_id", "taken_at",
                                                                  "followers")
        ):  # fmt: skip
            last[channel, at.date()] = count
        series: dict[int, list[int]] = defaultdict(list)
        for (channel, _), count in sorted(last.items()):
            series[channel].append(count)
        return sorted((c, s[0], s[-1]) for c, s in series.items())

    return {"clicks over time": over_time, "top links": top_links, "referrers": referrers,
            "funnel": funnel, "engagement per network": networks,
            "follower growth": followers}  # fmt: skip


def rollup_answers(ws: int, period: Any, filters: Any) -> dict[str, Callable[[Any], Any]]:
    """How to read the rollup queries' results as the raw scans give them, to compare."""
    return {
        "clicks over time": lambda rows: [(d.clicks, d.bot_clicks) for d in rows],
        "top links": lambda rows: [(r.link_id, r.clicks) for r in rows],
        "referrers": lambda rows: [(r.host, r.clicks) for r in rows],
        "funnel": lambda f: f.clicks,
        "engagement per network": lambda rows: sorted((r.key, r.likes) for r in rows),
        "follower growth": lambda rows: sorted(
            (r.channel_id, r.first, r.last) for r in rows if r.series
        ),  # fmt: skip
    }


# --- measuring ------------------------------------------------------------------------------


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(1000 * (time.perf_counter() - started))
    return times, result


def measure(world: World, args: argparse.Namespace) -> list[Timing]:
    from outlier.analytics import queries
    from outlier.analytics.queries import Filters

    ws = world.workspace_id
    views = [
        ("30 days", queries.period_of(days=30), Filters()),
        ("30 d, 1 campaign", queries.period_of(days=30),
         Filters(campaign=world.campaign_with_most_links)),
        ("365 days", queries.period_of(days=365), Filters()),
    ]  # fmt: skip
    dashboard: list[tuple[str, Callable[..., Any]]] = [
        ("clicks over time", queries.clicks_over_time),
        ("top links", queries.top_links),
        ("referrers", queries.top_referrers),
        ("engagement per network", queries.engagement_by_network),
        ("engagement per post", queries.engagement_by_post),
        ("follower growth", queries.follower_growth),
        ("funnel", queries.funnel),
        ("summary (2 periods)", queries.summary),
        ("ROI per campaign", queries.roi_by_campaign),
        ("ROI per channel", queries.roi_by_channel),
        ("ROI per post", queries.roi_by_post),
        ("ROI per curated item", queries.roi_by_scoop),
    ]
    results = []
    for view, period, filters in views:
        raws = raw_questions(ws, period, filters)
        readers = rollup_answers(ws, period, filters)
        for name, fn in dashboard:
            fn(ws, period, filters)  # warm
            runs, answer = timed(lambda fn=fn, p=period, f=filters: fn(ws, p, f), args.runs)
            timing = Timing(name, view, runs)
            if name in raws and args.raw_runs:
                timing.raw, raw_answer = timed(raws[name], args.raw_runs)
                timing.agree = readers[name](answer) == raw_answer
            results.append(timing)
            raw = f"raw p50 {statistics.median(timing.raw):8.1f} ms" if timing.raw else ""
            print(f"  {view:<17} {name:<24} p95 {timing.p95:7.1f} ms  {raw}", flush=True)
    results.append(page_timing(world, args.runs))
    return results


def page_timing(world: World, runs: int) -> Timing:
    """The whole dashboard page (every query, the charts, the template), through Django."""
    from django.test import Client

    from outlier.core.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=world.user_id))
    response = client.get("/app/bench/reports/")
    assert response.status_code == 200, response.status_code
    times, _ = timed(lambda: client.get("/app/bench/reports/"), max(5, runs // 3))
    print(f"  whole dashboard page: p95 {Timing.quantile(times, 0.95):.0f} ms", flush=True)
    return Timing("dashboard page, rendered", "30 days", times, target=False)


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--clicks", type=int, default=10_000_000)
    parser.add_argument("--snapshots", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30, help="runs of each dashboard query")
    parser.add_argument("--raw-runs", type=int, default=3, help="runs of each raw scan")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    return throwaway("reports", args.pg, lambda data_dir, url: run(data_dir, url, args))


def run(data_dir: str, database_url: str, args: argparse.Namespace) -> int:
    started = time.monotonic()
    database = migrated(data_dir, database_url)
    from django.db import connection

    from outlier.analytics import rollups
    from outlier.links.models import Click

    rng = random.Random(args.seed)
    print("the workspace: channels, campaigns, posts, deliveries, links…", flush=True)
    world = make_world(rng)
    print(f"{args.clicks:,} clicks…", flush=True)
    load = {"clicks": load_clicks(world, args.clicks, rng)}
    print(f"{args.snapshots:,} snapshots…", flush=True)
    load["snapshots"] = load_snapshots(world, args.snapshots, rng)
    load["conversions"] = load_conversions(world, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    print("rollups from nothing…", flush=True)
    build, _ = timed(lambda: rollups.run_rollups(every=0), 1)
    print(f"  {build[0] / 1000:.1f} s", flush=True)
    links = [pk for pk, _ in world.links[-200:]]
    now = datetime.now(UTC) - timedelta(seconds=5)
    Click.objects.bulk_create(
        (Click(link_id=rng.choice(links), at=now - timedelta(seconds=rng.randrange(3600)),
               click_id=f"n{n:015x}", visitor=f"new-{n % 3000}") for n in range(10_000)),
        batch_size=2000,
    )  # fmt: skip
    incremental, _ = timed(lambda: rollups.run_rollups(every=0), 1)
    idle, _ = timed(lambda: rollups.run_rollups(every=0), 3)
    print(f"  after 10,000 new clicks: {incremental[0]:.0f} ms; "
          f"with nothing new: {statistics.median(idle):.0f} ms", flush=True)  # fmt: skip

    print(f"queries ({args.runs} runs each; raw scans {args.raw_runs} runs)…", flush=True)
    results = measure(world, args)
    return report(results, database, args, load, build[0], incremental[0],
                  statistics.median(idle), time.monotonic() - started)  # fmt: skip


def report(results: list[Timing], database: str, args: argparse.Namespace,
           load: dict[str, float], build_ms: float, incremental_ms: float, idle_ms: float,
           elapsed: float) -> int:  # fmt: skip
    print(f"\n{database}: {args.clicks:,} clicks, {args.snapshots:,} snapshots, "
          f"{CONVERSIONS:,} conversions on 1 workspace")  # fmt: skip
    print(f"load: clicks {load['clicks']:.0f} s, snapshots {load['snapshots']:.0f} s, "
          f"conversions {load['conversions']:.0f} s; rollups from nothing {build_ms / 1000:.0f} s, "
          f"after 10,000 new clicks {incremental_ms:.0f} ms, idle {idle_ms:.0f} ms")  # fmt: skip
    print(f"{'view':<17} {'query':<26} {'p50 ms':>7} {'p95 ms':>7} {'raw p50 ms':>11} "
          f"{'×':>6} {'same':>5}  target")  # fmt: skip
    failed = False
    for t in results:
        ok = t.p95 <= TARGET_MS or not t.target
        failed |= not ok or t.agree is False
        raw = statistics.median(t.raw) if t.raw else None
        ratio = f"{raw / statistics.median(t.runs):>5.0f}×" if raw else f"{'':>6}"
        raw_text = f"{raw:>11.1f}" if raw else f"{'-':>11}"
        same = {None: "", True: "yes", False: "NO"}[t.agree]
        print(f"{t.view:<17} {t.name:<26} {statistics.median(t.runs):>7.1f} {t.p95:>7.1f} "
              f"{raw_text} {ratio} {same:>5}  "
              + (f"{'PASS' if ok else 'FAIL'} (p95 ≤ {TARGET_MS:g})" if t.target else "(all queries, the template, the charts)"))  # fmt: skip
    print(f"\n{'FAIL' if failed else 'PASS'} in {elapsed:.0f} s (load average {_load()})")
    return 1 if failed and args.strict else 0


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
