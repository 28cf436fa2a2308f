"""Contacts at scale: a contact page, the strength-sorted list and the growth report, beside raw SQL.

    .venv/bin/python bench/contacts.py [--db sqlite|postgres|both] [--contacts 100000]
                                       [--interactions 1000000] [--touches 4000] [--runs 200]
                                       [--explain] [--strict]

For each database (both by default, one after the other, each in a process of its own), builds a
throwaway instance (bench/instance.py: data dir, migrated database: SQLite in WAL mode as shipped,
or a private PostgreSQL 15 started by scripts/postgres.sh), fills one workspace and measures:

  fixture   bench/inbox.py's workspace (5 channels: 2 mastodon, 2 bluesky, 1 fediverse topic;
            5 members, 1,500 sent posts, 8 inbox tags); `--contacts` contacts (100,000), most
            with one identity, 12% with two and 3% with three (the same person's name), each
            identity a DID or an ActivityPub actor as bench/inbox.py makes its authors;
            `--interactions` inbox interactions (1,000,000) authored by those identities, made by
            bench/inbox.py's generator (its kinds, channels, texts, states; a few people very
            active): author_id is the identity's remote_id and the channel's network is one of
            the identity's (relationships.models.CHANNEL_NETWORKS); `--touches` touches (4,000:
            our replies, likes and reposts, to active people mostly). Every contact's counts,
            `first_seen_at`, `last_interaction_at`, `inbound`, `outbound`, `scored_at` and `rank`
            are what the sync would have stored (strength.py: each interaction's weight decayed
            to `scored_at`, a few seconds after the contact's last interaction); `follows_you`
            on every identity that followed and on 20% more (follower lists), 3% starred, 2%
            with a stay-in-touch reminder, contact tags and five lists on some, notes on 5%, a
            "merged" event on each contact of several identities, 300 merge suggestions (200
            open). The follower lists as `followers.record` leaves them: a people pull per
            channel, a follow (of one channel of their network) and a "gained" event for everyone
            who ever followed, read hourly: 60% at the first read 90 days ago, the rest when they
            followed; 8% of them "lost" since (and not "follows you"). Loaded raw (executemany on
            SQLite, COPY on PostgreSQL) with the secondary indexes dropped, then rebuilt, then
            ANALYZE. Not a measured figure. (SQLite's FTS5 index of the inbox's texts is not
            rebuilt: nothing here searches the texts. The contacts' and identities' search
            indexes of migration 0006 are filled by their triggers as the rows go in.)
  queries   `--runs` times each (200), beside the leanest hand-written SQL returning the same
            rows through `connection.cursor()`, in the same loop (alternating which goes first),
            and whether both return the same ids; after `gc.collect()` and `gc.freeze()`, as
            outlier/wsgi.py does in every web process:
            contact page  what `views._page` reads: the contact (`actions.access_contact`), its
                          identities, `queries.timeline(contact)`, `queries.conversations(
                          contact)`, notes (with their authors, as the template shows them),
                          events (with their users), tags, lists, the workspace's lists; for
                          the most active contact, the most active one with three identities,
                          and a median one;
            list          what `views.contact_list` reads: `Paginator(queries.contacts(ws,
                          Wanted(...)), 50).get_page(n)` (the count, then the page),
                          `queries.with_identities(page)`, the count of reminders due, the
                          workspace's lists and tags, `suggestions.open_suggestions(ws, limit=20)`;
                          sorted by strength, page 1 and page 101 (offset 5,000), and filtered
                          by a list, "follows you", going cold and two searches;
            growth        what the dashboard and the API read: `growth.by_channel(ws, start,
                          end)` then `growth.rises(rows, days)`, for the last 30 and 365 days.

Target: every figure p95 ≤ 100 ms. `--explain` prints the plans of each figure's three slowest
queries (printed anyway for a figure over target). Exit status 1 on a missed target (or Django
and the raw SQL disagreeing) only with --strict.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import inbox as inbox_bench  # noqa: E402 (its workspace, authors and interactions)
from instance import migrated, throwaway  # noqa: E402 (the same throwaway instance)

TARGET_MS = 100.0
DEEP_PAGE = 101  # offset 5,000 with views.PAGE_SIZE 50
IDENTITIES = {1: 0.85, 2: 0.12, 3: 0.03}  # identities per contact: share of contacts
CONTACT_TAGS = {"vip": 0.01, "press": 0.02, "customer": 0.04, "partner": 0.01, "lead": 0.03,
                "speaker": 0.005, "friend": 0.02, "investor": 0.002}  # fmt: skip
LISTS = {"journalists": 0.02, "partners": 0.005, "customers": 0.05, "investors": 0.002,
         "newsletter": 0.03}  # fmt: skip
FILTER_LIST = "journalists"
FOLLOWER_SHARE = 0.20  # identities that follow us without ever having interacted as a follow
LEFT = 0.08  # of those who ever followed, unfollowed since
ALREADY = 0.6  # of the other followers, there at the first read of the lists
SUGGESTIONS = 200  # open merge suggestions
GROWTH_DAYS = (30, 365)  # the dashboard's default period, and a year
YOU_FOLLOW = 0.10
STARRED = 0.03
REMINDED = 0.02
NOTED = 0.05
FIELDS = 0.03
TOUCH_KINDS = {"reply": 0.6, "like": 0.3, "repost": 0.1}
SEARCHES = ("maria",)  # a first name: about 1 in 30 contacts; plus one person's handle
TIMELINE_NOTES = 12  # notes on the most active contact


@dataclass
class Fixture:
    world: Any  # inbox_bench.World
    contacts: int
    identities: int
    touches: int
    people: dict[str, int]  # figure name: contact id
    list_id: int
    handle_q: str  # a search for one person's handle
    facts: list[str] = field(default_factory=list)


@dataclass
class Timing(inbox_bench.Timing):
    queries: int = 0  # what Django sent for one answer


# --- the data -------------------------------------------------------------------------------


def stamper(pg: bool) -> Callable[[float], str]:
    suffix = "+00" if pg else ""

    def stamp(at: float) -> str:
        return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M:%S.%f") + suffix

    return stamp


def table_rows(model: Any, dicts: Iterable[dict[str, Any]]) -> tuple[list[str], list[tuple]]:
    """Rows of `model`'s table from dicts by column; a column left out takes the field's
    default (JSON encoded for a JSONField), so the fixture follows the model."""
    from django.db import models

    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.column == "id")]
    columns = [f.column for f in fields]
    has_id = None
    rows = []
    for d in dicts:
        if has_id is None:
            has_id = "id" in d
        values = [d["id"]] if has_id else []
        for f in fields:
            value = d[f.column] if f.column in d else f.get_default()
            if isinstance(f, models.JSONField):
                value = json.dumps(value)
            values.append(value)
        rows.append(tuple(values))
    return (["id"] if has_id else []) + columns, rows


def insert(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Raw: COPY on PostgreSQL, one executemany in one transaction on SQLite."""
    from django.db import connection

    if not rows:
        return
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    connection.ensure_connection()
    raw = connection.connection
    raw.execute("BEGIN")
    raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({','.join('?' * len(columns))})",  # noqa: S608
                    rows)  # fmt: skip
    raw.execute("COMMIT")


def secondary_indexes(cursor: Any, tables: list[str], pg: bool) -> list[tuple[str, str]]:
    """(name, CREATE statement) of these tables' indexes that no constraint owns."""
    if pg:
        cursor.execute("""
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = ANY(%s) AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexname::regclass)""",
                       [tables])  # fmt: skip
    else:
        marks = ",".join(["%s"] * len(tables))
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' "  # noqa: S608
                       f"AND tbl_name IN ({marks}) AND sql IS NOT NULL", tables)  # fmt: skip
    return list(cursor.fetchall())


def people(count: int, rng: random.Random) -> tuple[list[tuple], list[int], list[list[int]]]:
    """The identities (bench/inbox.py's author tuples, most active first), the contact (index)
    of each, and the identities (indexes) of each contact."""
    sizes = rng.choices(list(IDENTITIES), list(IDENTITIES.values()), k=count)
    authors = inbox_bench.make_authors(sum(sizes), rng)
    order = list(range(len(authors)))
    rng.shuffle(order)  # who is active has nothing to do with how many accounts they have
    contact_of = [0] * len(authors)
    members: list[list[int]] = []
    at = 0
    for k, size in enumerate(sizes):
        group = order[at : at + size]
        at += size
        members.append(group)
        name = authors[group[0]][3]
        for idx in group:
            contact_of[idx] = k
            if authors[idx][3] != name:  # one person: one name on every account
                authors[idx] = (*authors[idx][:3], name, *authors[idx][4:])
    return authors, contact_of, members


def load(world: Any, args: argparse.Namespace, rng: random.Random) -> tuple[Fixture, dict]:
    """The fixture, raw; the seconds each part took."""
    from django.db import connection

    from outlier.inbox.models import Interaction
    from outlier.relationships import strength
    from outlier.relationships.models import (
        CHANNEL_NETWORKS,
        Contact,
        ContactEvent,
        ContactList,
        ContactNote,
        ContactTag,
        Follow,
        FollowEvent,
        Identity,
        MergeSuggestion,
        PeoplePull,
        Touch,
    )

    pg = connection.vendor == "postgresql"
    stamp = stamper(pg)
    seconds: dict[str, float] = {}
    ws = world.workspace_id
    now = world.now.timestamp()
    start = now - inbox_bench.DAYS * 86400
    half_life = strength.HALF_LIFE_DAYS * 86400

    started = time.perf_counter()
    authors, contact_of, members = people(args.contacts, rng)
    index_of = {a[1]: n for n, a in enumerate(authors)}
    seconds["people"] = time.perf_counter() - started

    tables = [Interaction._meta.db_table, Contact._meta.db_table, Identity._meta.db_table,
              Touch._meta.db_table, FollowEvent._meta.db_table]  # fmt: skip
    with connection.cursor() as cursor:
        indexes = secondary_indexes(cursor, tables, pg)
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        triggers: list[str] = []
        if not pg:  # the inbox's FTS5 insert trigger: restored after, its index not rebuilt
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name = 'inbox_interaction' AND name LIKE '%insert%'")  # fmt: skip
            for name, sql in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')
                triggers.append(sql)
            cursor.execute("PRAGMA synchronous=OFF")

    # Interactions, as bench/inbox.py makes them; what each identity did, as the sync counts it.
    started = time.perf_counter()
    n_ids = len(authors)
    count_in = [0] * n_ids
    weight_in = [0.0] * n_ids  # Σ weight × 2^((at - start) / half-life): decayed later
    first_in = [0.0] * n_ids
    last_in = [0.0] * n_ids
    followed = [0.0] * n_ids  # when they first followed (a "follow" in the inbox), or 0
    weights_in = strength.WEIGHTS_IN
    columns = [c.strip() for c in inbox_bench.COLUMNS.split(",")]
    done = 0
    for rows, tag_rows in inbox_bench.interaction_rows(world, args.interactions, authors, rng, pg):
        insert("inbox_interaction", columns, rows)
        insert("inbox_interaction_tags", ["interaction_id", "inboxtag_id"], tag_rows)
        for row in rows:
            idx = index_of[row[5]]
            at = datetime.fromisoformat(row[19][:26]).replace(tzinfo=UTC).timestamp()
            kind = row[3]
            if not count_in[idx]:
                first_in[idx] = at
            count_in[idx] += 1
            weight_in[idx] += weights_in.get(kind, 0.0) * 2 ** ((at - start) / half_life)
            last_in[idx] = at  # rows come in time order
            if kind == "follow" and not followed[idx]:
                followed[idx] = at
        done += len(rows)
        rate = done / (time.perf_counter() - started)
        print(f"\r  {done:,} interactions ({rate:,.0f}/s)", end="", flush=True)
    print(flush=True)
    seconds["interactions"] = time.perf_counter() - started

    # Touches: what we did towards people, to those who talk to us mostly.
    started = time.perf_counter()
    n_contacts = len(members)
    c_count = [sum(count_in[i] for i in group) for group in members]
    c_first = [min((first_in[i] for i in group if count_in[i]), default=0.0) for group in members]
    talking = [k for k in range(n_contacts) if c_count[k]]
    chosen = rng.choices(talking, [c_count[k] ** 0.7 for k in talking], k=args.touches)
    count_out = [0] * n_contacts
    weight_out = [0.0] * n_contacts
    last_out = [0.0] * n_contacts
    kinds, kind_shares = list(TOUCH_KINDS), list(TOUCH_KINDS.values())
    touch_rows = []
    for n, k in enumerate(chosen):
        kind = rng.choices(kinds, kind_shares)[0]
        at = c_first[k] + rng.random() * (now - 60 - c_first[k])
        idx = rng.choice([i for i in members[k] if count_in[i]])
        text = url = ""
        if kind == "reply":
            text = " ".join(rng.choices(world.words, cum_weights=world.cum_weights,
                                        k=rng.randrange(4, 20)))  # fmt: skip
            url = f"https://mastodon.social/@brand/{10**12 + n}"
        touch_rows.append({"workspace_id": ws, "contact_id": k + 1, "identity_id": idx + 1,
                           "kind": kind, "source": f"{kind}:{n + 1}", "at": (at, stamp(at)),
                           "text": text, "url": url})  # fmt: skip
        count_out[k] += 1
        weight_out[k] += strength.WEIGHTS_OUT[kind] * 2 ** ((at - start) / half_life)
        last_out[k] = max(last_out[k], at)
    touch_rows.sort(key=lambda t: t["at"][0])
    for t in touch_rows:
        t["at"] = t["at"][1]

    # Contacts: the sync's figures (scored a few seconds after their last interaction).
    contact_rows = []
    for k, group in enumerate(members):
        last = max([last_in[i] for i in group if count_in[i]] + [last_out[k]])
        row: dict[str, Any] = {"id": k + 1, "workspace_id": ws, "name": authors[group[0]][3],
                               "interactions_in": c_count[k], "interactions_out": count_out[k]}  # fmt: skip
        if last:
            at = min(now, last + rng.uniform(10, 70))
            factor = 2 ** (-(at - start) / half_life)
            inbound = sum(weight_in[i] for i in group) * factor
            outbound = weight_out[k] * factor
            score = strength.Score(inbound, outbound)
            scored_at = datetime.fromtimestamp(at, UTC)
            first = c_first[k] if c_count[k] else last
            row.update(inbound=inbound, outbound=outbound, scored_at=stamp(at),
                       rank=strength.rank(score, scored_at), last_interaction_at=stamp(last),
                       first_seen_at=stamp(first), created_at=stamp(first + 15))  # fmt: skip
        else:  # a follower read from a channel's list: nothing between us yet
            first = start + rng.random() * (now - start)
            row.update(first_seen_at=stamp(first), created_at=stamp(first))
        row["starred"] = rng.random() < STARRED
        if rng.random() < REMINDED:
            weeks = rng.choice([2, 4, 6, 8, 12])
            row["remind_every_weeks"] = weeks
            row["remind_at"] = stamp((last or first) + weeks * 7 * 86400)
        if rng.random() < FIELDS:
            row["fields"] = {"Company": f"Company {rng.randrange(5000)}",
                             "Role": rng.choice(["Editor", "Founder", "Engineer", "Writer"])}  # fmt: skip
        contact_rows.append(row)
    insert(Contact._meta.db_table, *table_rows(Contact, contact_rows))

    follows_you, follow_rows, event_rows = follows(world, authors, followed, rng, stamp)
    identity_rows = []
    for idx, (network, remote_id, handle, name, url, avatar, followers, _) in enumerate(authors):
        k = contact_of[idx]
        first = first_in[idx] if count_in[idx] else c_first[k] or start
        last = last_in[idx] if count_in[idx] else first
        identity_rows.append({
            "id": idx + 1, "workspace_id": ws, "contact_id": k + 1,
            "network": CHANNEL_NETWORKS[network].value, "remote_id": remote_id, "handle": handle,
            "name": name, "avatar": avatar, "profile_url": url, "followers": followers,
            "follows_you": follows_you[idx],
            "you_follow": rng.random() < YOU_FOLLOW, "first_seen_at": stamp(first),
            "last_seen_at": stamp(last),
        })  # fmt: skip
    insert(Identity._meta.db_table, *table_rows(Identity, identity_rows))
    insert(Touch._meta.db_table, *table_rows(Touch, touch_rows))
    insert(Follow._meta.db_table, *table_rows(Follow, follow_rows))
    insert(FollowEvent._meta.db_table, *table_rows(FollowEvent, event_rows))
    PeoplePull.objects.bulk_create(
        PeoplePull(channel_id=channel[0], next_at=world.now, last_ok_at=world.now, complete=True,
                   followers=sum(1 for f in follow_rows if f["channel_id"] == channel[0]
                                 and f["until"] is None))
        for channel in world.channels
    )  # fmt: skip
    insert(MergeSuggestion._meta.db_table,
           *table_rows(MergeSuggestion, merge_suggestions(ws, members, rng, stamp, start, now)))  # fmt: skip

    # Tags, lists, notes, events.
    tag_ids = {t.name: t.pk for t in ContactTag.objects.bulk_create(
        ContactTag(workspace_id=ws, name=name) for name in CONTACT_TAGS)}  # fmt: skip
    list_ids = {c.name: c.pk for c in ContactList.objects.bulk_create(
        ContactList(workspace_id=ws, name=name) for name in LISTS)}  # fmt: skip
    tagged = [(k + 1, tag_ids[name]) for name, share in CONTACT_TAGS.items()
              for k in rng.sample(range(n_contacts), int(share * n_contacts))]  # fmt: skip
    listed = [(k + 1, list_ids[name]) for name, share in LISTS.items()
              for k in rng.sample(range(n_contacts), int(share * n_contacts))]  # fmt: skip
    tagged.sort()
    listed.sort()
    insert(Contact.tags.through._meta.db_table, ["contact_id", "contacttag_id"], tagged)
    insert(Contact.lists.through._meta.db_table, ["contact_id", "contactlist_id"], listed)
    most_active = max(range(n_contacts), key=lambda k: c_count[k])
    noted = rng.sample(range(n_contacts), int(NOTED * n_contacts))
    note_rows = []
    for k in [most_active, *noted]:
        for _ in range(TIMELINE_NOTES if k == most_active else rng.randrange(1, 4)):
            at = start + rng.random() * (now - start)
            note_rows.append({"contact_id": k + 1, "author_id": rng.choice(world.members),
                              "text": " ".join(rng.choices(world.words, cum_weights=world.cum_weights,
                                                           k=rng.randrange(5, 40))),
                              "created_at": (at, stamp(at))})  # fmt: skip
    note_rows.sort(key=lambda n: n["created_at"][0])
    for n in note_rows:
        n["created_at"] = n["created_at"][1]
    insert(ContactNote._meta.db_table, *table_rows(ContactNote, note_rows))
    merged = [{"contact_id": k + 1, "at": stamp(c_first[k] or start), "user_id": world.me,
               "action": "merge", "detail": f"merged {len(group) - 1} contacts"}
              for k, group in enumerate(members) if len(group) > 1]  # fmt: skip
    insert(ContactEvent._meta.db_table, *table_rows(ContactEvent, merged))
    seconds["contacts"] = time.perf_counter() - started

    started = time.perf_counter()
    with connection.cursor() as cursor:
        for _, sql in indexes:
            cursor.execute(sql)
        if pg:
            for table in [*tables, Contact.tags.through._meta.db_table,
                          Contact.lists.through._meta.db_table, "inbox_interaction_tags",
                          ContactNote._meta.db_table, ContactEvent._meta.db_table,
                          Follow._meta.db_table, FollowEvent._meta.db_table,
                          MergeSuggestion._meta.db_table]:  # fmt: skip
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                               f"(SELECT coalesce(max(id), 1) FROM {table}))")  # fmt: skip
        else:
            for sql in triggers:
                cursor.execute(sql)
            cursor.execute("PRAGMA synchronous=NORMAL")
    seconds["indexes"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        if pg:
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")  # the visibility map, as in use
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    seconds["analyze"] = time.perf_counter() - started

    # The people measured: the most active, the most active of three identities, a median one.
    three = [k for k in range(n_contacts) if len(members[k]) == 3]
    by_count = sorted(range(n_contacts), key=lambda k: (c_count[k], k))
    median = by_count[len(by_count) // 2]
    chosen_people = {
        "most active": most_active + 1,
        "three identities": max(three, key=lambda k: c_count[k]) + 1 if three else most_active + 1,
        "median": median + 1,
    }
    handle = authors[members[median][0]][2].lstrip("@").split("@")[0].split(".")[0]
    fixture = Fixture(world, n_contacts, n_ids, len(touch_rows), chosen_people,
                      list_ids[FILTER_LIST], handle)  # fmt: skip
    fixture.facts = describe(fixture)
    return fixture, seconds


def follows(world: Any, authors: list[tuple], followed: list[float], rng: random.Random,
            stamp: Callable[[float], str]) -> tuple[list[bool], list[dict], list[dict]]:  # fmt: skip
    """Who follows us now, the follows (one channel of their network each) and the follow
    events as `followers.record` stores them: read hourly from the follower lists, everyone
    already there "gained" at the first read 90 days ago, the rest when they followed (the
    inbox's "follow" or a moment in the 90 days), and LEFT of them "lost" later."""
    from outlier.relationships.models import Follow, FollowEvent

    now = world.now.timestamp()
    start = now - inbox_bench.DAYS * 86400
    by_network: dict[str, list[int]] = {}
    for channel_id, network, _, _ in world.channels:
        by_network.setdefault(network, []).append(channel_id)

    def pulled(at: float) -> float:  # the first hourly read after `at`
        return min(now - 60, start + 3600 * (1 + (at - start) // 3600))

    follows_you, rows, events = [], [], []
    for idx, author in enumerate(authors):
        ever = bool(followed[idx]) or rng.random() < FOLLOWER_SHARE
        left = ever and rng.random() < LEFT
        follows_you.append(ever and not left)
        if not ever:
            continue
        channel_id = rng.choice(by_network[author[0]])
        if followed[idx]:
            since = pulled(followed[idx])
        else:
            since = pulled(
                start if rng.random() < ALREADY else start + rng.random() * (now - start)
            )
        until = pulled(since + rng.random() * (now - since)) if left else None
        rows.append({"channel_id": channel_id, "identity_id": idx + 1, "direction": Follow.IN,
                     "since": stamp(since), "until": stamp(until) if until else None})  # fmt: skip
        events.append((since, channel_id, idx + 1, FollowEvent.GAINED))
        if until:
            events.append((until, channel_id, idx + 1, FollowEvent.LOST))
    events.sort()
    ws = world.workspace_id
    return follows_you, rows, [{"workspace_id": ws, "channel_id": c, "identity_id": i, "kind": k,
                                "at": stamp(at)} for at, c, i, k in events]  # fmt: skip


def merge_suggestions(
    ws: int,
    members: list[list[int]],
    rng: random.Random,
    stamp: Callable[[float], str],
    start: float,
    now: float,
) -> list[dict]:
    """SUGGESTIONS open merge suggestions of two contacts' identities, half as many dismissed,
    and a few open whose identities were merged by hand since (the list leaves those out)."""
    from outlier.relationships.models import SuggestionState

    rows = []
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < SUGGESTIONS * 3 // 2:
        a, b = rng.sample(range(len(members)), 2)
        pairs.add((members[a][0] + 1, members[b][0] + 1))
    pairs.update((g[0] + 1, g[1] + 1) for g in rng.sample([g for g in members if len(g) > 1], 10))
    for n, (first, second) in enumerate(sorted(pairs)):
        at = start + rng.random() * (now - start)
        state = SuggestionState.DISMISSED if n % 3 == 2 else SuggestionState.OPEN
        rows.append({"workspace_id": ws, "first_id": first, "second_id": second,
                     "reason": f"the same verified website https://site{n}.example",
                     "state": state.value, "created_at": stamp(at),
                     "decided_at": stamp(at + 3600) if state != SuggestionState.OPEN else None})  # fmt: skip
    return rows


def describe(fixture: Fixture) -> list[str]:
    """What the fixture holds, in numbers."""
    from django.db import connection

    from outlier.relationships.queries import COLD_DAYS

    lines = []
    with connection.cursor() as cursor:

        def one(sql: str, *params: Any) -> Any:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

        total = one("SELECT count(*) FROM inbox_interaction")
        authored = one("SELECT count(DISTINCT author_id) FROM inbox_interaction")
        contacts = one("SELECT count(*) FROM relationships_contact")
        talking = one("SELECT count(*) FROM relationships_contact WHERE interactions_in > 0")
        follows = one("SELECT count(*) FROM relationships_contact c WHERE EXISTS (SELECT 1 FROM "
                      "relationships_identity i WHERE i.contact_id = c.id AND i.follows_you)")  # fmt: skip
        since = connection.ops.adapt_datetimefield_value(
            datetime.now(UTC) - timedelta(days=COLD_DAYS)
        )
        cold = one("SELECT count(*) FROM relationships_contact WHERE starred AND "
                   "(last_interaction_at < %s OR last_interaction_at IS NULL)", since)  # fmt: skip
        listed = one("SELECT count(*) FROM relationships_contact_lists WHERE contactlist_id = %s",
                     fixture.list_id)  # fmt: skip
        gained = one("SELECT count(*) FROM relationships_followevent WHERE kind = 'gained'")
        lost = one("SELECT count(*) FROM relationships_followevent WHERE kind = 'lost'")
        lines.append(f"{contacts:,} contacts ({talking:,} with interactions, {follows:,} follow "
                     f"us, {cold:,} starred and going cold, {listed:,} on '{FILTER_LIST}'), "
                     f"{fixture.identities:,} identities, {total:,} interactions by {authored:,} "
                     f"of them, {fixture.touches:,} touches; follow events: {gained:,} gained, "
                     f"{lost:,} lost")  # fmt: skip
        for name, pk in fixture.people.items():
            cursor.execute("SELECT interactions_in, interactions_out, (SELECT count(*) FROM "
                           "relationships_identity WHERE contact_id = %s) FROM "
                           "relationships_contact WHERE id = %s", [pk, pk])  # fmt: skip
            n_in, n_out, n_ids = cursor.fetchone()
            lines.append(f"contact page '{name}': contact {pk}, {n_ids} identit"
                         f"{'y' if n_ids == 1 else 'ies'}, {n_in:,} interactions from them, "
                         f"{n_out} touches")  # fmt: skip
    return lines


# --- the figures: Django and the raw SQL of the same rows ------------------------------------


def django_contact(member: Any, contact_id: int) -> Callable[[], Any]:
    """What views._page reads, and touches in the template (notes' authors, events' users)."""
    from outlier.relationships import actions, queries, strength
    from outlier.relationships.models import ContactList

    def run() -> Any:
        contact = actions.access_contact(member, contact_id)
        score = queries.current(contact)
        strength.explain(score)
        identities = list(contact.identities.order_by("pk"))
        timeline = queries.timeline(contact)
        conversations = queries.conversations(contact)
        notes = list(contact.notes.all()[:50])
        for note in notes:
            _ = note.author  # {{ n.author|default:"Someone" }}
        events = list(contact.events.all()[:20])
        for event in events:
            _ = event.user
        tags = list(contact.tags.all())
        lists = list(contact.lists.all())
        all_lists = list(ContactList.objects.filter(workspace=member.workspace))
        return (contact.pk, [i.pk for i in identities],
                [(e.direction, e.kind, e.item.pk if e.item else e.touch.pk if e.touch else None)
                 for e in timeline],
                [c.pk for c in conversations], [n.pk for n in notes], [e.pk for e in events],
                [t.pk for t in tags], [li.pk for li in lists], [li.pk for li in all_lists])  # fmt: skip

    return run


def raw_contact(workspace_id: int, contact_id: int) -> Callable[[], Any]:
    """The same rows by hand: the contact, its identities, per identity its newest 100
    interactions (not listening streams' posts) with their channel and its newest 60 work
    items, the newest 100 follow events of its identities with their channel, its newest 100
    touches, notes and events with their users, tags, lists, the workspace's lists. Each SELECT
    puts first the columns read here, then every column, as the ORM reads them."""
    from django.db import connection

    from outlier.inbox.models import InteractionKind
    from outlier.relationships.models import FollowEvent, channel_networks
    from outlier.relationships.queries import TIMELINE

    def items(network: str, work: bool) -> str:
        marks = ",".join(["%s"] * len(channel_networks(network)))
        which = " AND i.is_work" if work else f" AND i.kind <> '{InteractionKind.POST.value}'"
        return ("SELECT i.id, i.created_at, i.kind, i.conversation, i.*, c.*"  # noqa: S608
                " FROM inbox_interaction i JOIN publishing_channel c ON c.id = i.channel_id"
                " WHERE i.workspace_id = %s AND i.author_id = %s"
                f" AND c.network IN ({marks}){which}"
                f" ORDER BY i.created_at DESC, i.id DESC LIMIT {60 if work else TIMELINE}")  # fmt: skip

    sql = {(n, w): items(n, w) for n in ("bluesky", "fediverse") for w in (False, True)}
    follow_sql = ("SELECT e.at, e.kind, e.*, c.* FROM relationships_followevent e"  # noqa: S608
                  " JOIN publishing_channel c ON c.id = e.channel_id WHERE e.identity_id IN ({})"
                  f" ORDER BY e.at DESC, e.id DESC LIMIT {TIMELINE}")  # fmt: skip

    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM relationships_contact WHERE id = %s AND workspace_id = %s",
                           [contact_id, workspace_id])  # fmt: skip
            contact = cursor.fetchone()
            cursor.execute("SELECT id, network, remote_id, * FROM relationships_identity"
                           " WHERE contact_id = %s ORDER BY id", [contact_id])  # fmt: skip
            identities = cursor.fetchall()
            entries: list[tuple[datetime, str, str, int | None]] = []
            seen: set[str] = set()
            found: list[tuple[datetime, int]] = []
            for _, network, remote_id, *_ in identities:
                params = [workspace_id, remote_id, *channel_networks(network)]
                cursor.execute(sql[(network, False)], params)
                entries += [(r[1], "in", r[2], r[0]) for r in cursor.fetchall()]
                cursor.execute(sql[(network, True)], params)
                for r in cursor.fetchall():
                    if r[3] not in seen:
                        seen.add(r[3])
                        found.append((r[1], r[0]))
            if identities:
                cursor.execute(follow_sql.format(",".join(["%s"] * len(identities))),
                               [i[0] for i in identities])  # fmt: skip
                entries += [(r[0], "in", "follow" if r[1] == FollowEvent.GAINED else "unfollow",
                             None) for r in cursor.fetchall()]  # fmt: skip
            cursor.execute("SELECT id, at, kind, * FROM relationships_touch WHERE contact_id = %s"  # noqa: S608
                           f" ORDER BY at DESC, id DESC LIMIT {TIMELINE}", [contact_id])  # fmt: skip
            entries += [(r[1], "out", r[2], r[0]) for r in cursor.fetchall()]
            entries.sort(key=lambda e: e[0], reverse=True)
            found.sort(key=lambda f: f[0], reverse=True)
            cursor.execute("SELECT n.id, n.*, u.* FROM relationships_contactnote n"
                           " LEFT JOIN core_user u ON u.id = n.author_id WHERE n.contact_id = %s"
                           " ORDER BY n.created_at DESC, n.id DESC LIMIT 50", [contact_id])  # fmt: skip
            notes = [r[0] for r in cursor.fetchall()]
            cursor.execute("SELECT e.id, e.*, u.* FROM relationships_contactevent e"
                           " LEFT JOIN core_user u ON u.id = e.user_id WHERE e.contact_id = %s"
                           " ORDER BY e.at DESC, e.id DESC LIMIT 20", [contact_id])  # fmt: skip
            events = [r[0] for r in cursor.fetchall()]
            cursor.execute("SELECT t.id, t.* FROM relationships_contacttag t JOIN"
                           " relationships_contact_tags ct ON ct.contacttag_id = t.id"
                           " WHERE ct.contact_id = %s ORDER BY t.name", [contact_id])  # fmt: skip
            tags = [r[0] for r in cursor.fetchall()]
            cursor.execute("SELECT l.id, l.* FROM relationships_contactlist l JOIN"
                           " relationships_contact_lists cl ON cl.contactlist_id = l.id"
                           " WHERE cl.contact_id = %s ORDER BY l.name", [contact_id])  # fmt: skip
            lists = [r[0] for r in cursor.fetchall()]
            cursor.execute("SELECT id, * FROM relationships_contactlist WHERE workspace_id = %s"
                           " ORDER BY name", [workspace_id])  # fmt: skip
            all_lists = [r[0] for r in cursor.fetchall()]
        return (contact[0], [i[0] for i in identities],
                [(d, k, pk) for _, d, k, pk in entries[:TIMELINE]], [pk for _, pk in found[:20]],
                notes, events, tags, lists, all_lists)  # fmt: skip

    return run


def django_list(workspace_id: int, wanted: Any, page: int) -> Callable[[], Any]:
    """What views.contact_list reads (the merge suggestions with their identities' contacts
    too, as the template shows them)."""
    from django.core.paginator import Paginator

    from outlier.relationships import queries, suggestions, views
    from outlier.relationships.models import ContactList, ContactTag

    def run() -> Any:
        pages = Paginator(queries.contacts(workspace_id, wanted), views.PAGE_SIZE)
        found = pages.get_page(page)
        rows = queries.with_identities(list(found.object_list))
        lists = list(ContactList.objects.filter(workspace_id=workspace_id))
        tags = list(ContactTag.objects.filter(workspace_id=workspace_id))
        due = queries.contacts(workspace_id, queries.Wanted(due=True)).count()
        proposed = suggestions.open_suggestions(workspace_id, limit=20)
        return (pages.count, [c.pk for c in rows],
                [[i.pk for i in c.identity_list] for c in rows],  # type: ignore[attr-defined]
                [li.pk for li in lists], [t.pk for t in tags], due,
                [(x.pk, x.first.contact_id, x.second.contact_id) for x in proposed])  # fmt: skip

    return run


def raw_list(workspace_id: int, wanted: Any, page: int) -> Callable[[], Any]:
    """The same rows by hand: the count, the page (ORDER BY rank DESC, id DESC LIMIT/OFFSET),
    the page's identities, the lists, the tags, the count of reminders due, the suggestions.
    A search asks the trigram indexes of migration 0006 (SQLite: FTS5, for a text of 3
    characters or more, as every search here is; PostgreSQL: pg_trgm on upper(...), the ids
    looked up by primary key with `= ANY(ARRAY(...))`)."""
    from django.db import connection

    from outlier.relationships import queries, views

    pg = connection.vendor == "postgresql"
    adapt = connection.ops.adapt_datetimefield_value
    cold = object()  # where the cold list's bound goes: it moves with the clock
    joins, where, params = "", ["c.workspace_id = %s"], [workspace_id]
    if wanted.q and pg:
        pattern = "%" + wanted.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append("c.id = ANY(ARRAY(SELECT id FROM relationships_contact WHERE workspace_id = %s"
                     " AND UPPER(name::text) LIKE UPPER(%s) UNION ALL SELECT contact_id FROM"
                     " relationships_identity WHERE workspace_id = %s AND (UPPER(handle::text)"
                     " LIKE UPPER(%s) OR UPPER(name::text) LIKE UPPER(%s))))")  # fmt: skip
        params += [workspace_id, pattern, workspace_id, pattern, pattern]
    elif wanted.q:
        phrase = '"' + wanted.q.replace('"', '""') + '"'
        where.append("c.id IN (SELECT rowid FROM relationships_contact_search"
                     " WHERE relationships_contact_search MATCH %s UNION SELECT contact_id"
                     " FROM relationships_identity WHERE workspace_id = %s AND id IN (SELECT rowid"
                     " FROM relationships_identity_search WHERE relationships_identity_search"
                     " MATCH %s))")  # fmt: skip
        params += [phrase, workspace_id, phrase]
    if wanted.list_id:
        joins = " JOIN relationships_contact_lists cl ON cl.contact_id = c.id"
        where.append("cl.contactlist_id = %s")
        params.append(wanted.list_id)
    if wanted.cold:
        where.append("c.starred AND (c.last_interaction_at < %s OR c.last_interaction_at IS NULL)")
        params.append(cold)
    if wanted.follows_you:
        where.append("EXISTS (SELECT 1 FROM relationships_identity i WHERE i.contact_id = c.id"
                     " AND i.follows_you)")  # fmt: skip
    body = f"FROM relationships_contact c{joins} WHERE {' AND '.join(where)}"
    size = views.PAGE_SIZE

    def run() -> Any:
        now = datetime.now(UTC)
        since = adapt(now - timedelta(days=queries.COLD_DAYS))
        bound = [since if p is cold else p for p in params]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) {body}", bound)  # noqa: S608
            count = cursor.fetchone()[0]
            pages = max(1, -(-count // size))
            number = min(page, pages)
            cursor.execute(f"SELECT c.* {body} ORDER BY c.rank DESC, c.id DESC"  # noqa: S608
                           f" LIMIT {size} OFFSET {(number - 1) * size}", bound)  # fmt: skip
            ids = [r[0] for r in cursor.fetchall()]
            by_contact: dict[int, list[int]] = {}
            if ids:
                cursor.execute("SELECT id, contact_id, * FROM relationships_identity WHERE"  # noqa: S608
                               f" contact_id IN ({','.join(['%s'] * len(ids))}) ORDER BY id", ids)  # fmt: skip
                for r in cursor.fetchall():
                    by_contact.setdefault(r[1], []).append(r[0])
            cursor.execute("SELECT * FROM relationships_contactlist WHERE workspace_id = %s"
                           " ORDER BY name", [workspace_id])  # fmt: skip
            lists = [r[0] for r in cursor.fetchall()]
            cursor.execute("SELECT * FROM relationships_contacttag WHERE workspace_id = %s"
                           " ORDER BY name", [workspace_id])  # fmt: skip
            tags = [r[0] for r in cursor.fetchall()]
            cursor.execute("SELECT count(*) FROM relationships_contact WHERE workspace_id = %s"
                           " AND remind_at <= %s", [workspace_id, adapt(now)])  # fmt: skip
            due = cursor.fetchone()[0]
            cursor.execute(
                "SELECT s.id, f.contact_id, t.contact_id, s.*, f.*, fc.*, t.*, tc.*"
                " FROM relationships_mergesuggestion s"
                " JOIN relationships_identity f ON f.id = s.first_id"
                " JOIN relationships_contact fc ON fc.id = f.contact_id"
                " JOIN relationships_identity t ON t.id = s.second_id"
                " JOIN relationships_contact tc ON tc.id = t.contact_id"
                " WHERE s.workspace_id = %s AND s.state = 'open'"
                " ORDER BY s.created_at DESC, s.id DESC LIMIT 200", [workspace_id])  # fmt: skip
            proposed = [r[:3] for r in cursor.fetchall() if r[1] != r[2]][:20]
        return (count, ids, [by_contact.get(pk, []) for pk in ids], lists, tags, due, proposed)

    return run


def compare(name: str, django: Callable[[], Any], raw: Callable[[], Any], runs: int,
            size: Callable[[Any], int]) -> Timing:  # fmt: skip
    """Both, `runs` times, alternating which goes first; whether they agree on the answer."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        django()  # warm, and count its queries
    raw()
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
    return Timing(name, times, raw_times, rows=size(answer), same=answer == raw_answer,
                  queries=len(captured))  # fmt: skip


def explain(django: Callable[[], Any], top: int = 3) -> str:
    """The plans of the `top` slowest queries of one run of `django`, as Django sent them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        django()
    pg = connection.vendor == "postgresql"
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:top]
    out = []
    with connection.cursor() as cursor:
        for query in slowest:
            sql = query["sql"]
            out.append(f"    {float(query['time']) * 1000:.1f} ms: {sql[:300]}"
                       f"{'…' if len(sql) > 300 else ''}")  # fmt: skip
            cursor.execute(("EXPLAIN (ANALYZE, BUFFERS) " if pg else "EXPLAIN QUERY PLAN ") + sql)
            out += [f"      {r[0] if pg else r[-1]}" for r in cursor.fetchall()]
    return "\n".join(out)


def figures(fixture: Fixture) -> list[tuple[str, Callable[[], Any], Callable[[], Any],
                                            Callable[[Any], int]]]:  # fmt: skip
    """(name, Django, raw, how many rows an answer holds) of every figure."""
    from outlier.core.models import Membership
    from outlier.relationships.queries import Wanted

    ws = fixture.world.workspace_id
    member = Membership.objects.select_related("workspace", "user").get(
        workspace_id=ws, user_id=fixture.world.me
    )
    found = []
    for label, pk in fixture.people.items():
        found.append((f"contact page: {label}", django_contact(member, pk), raw_contact(ws, pk),
                      lambda a: len(a[2]) + len(a[3])))  # fmt: skip
    lists: list[tuple[str, Any, int]] = [
        ("list: strength, page 1", Wanted(), 1),
        (f"list: strength, page {DEEP_PAGE} (offset 5,000)", Wanted(), DEEP_PAGE),
        (f"list: on '{FILTER_LIST}'", Wanted(list_id=fixture.list_id), 1),
        ("list: follows you", Wanted(follows_you=True), 1),
        ("list: going cold", Wanted(cold=True), 1),
        *[(f"list: search '{q}'", Wanted(q=q), 1) for q in SEARCHES],
        (f"list: search '{fixture.handle_q}' (a handle)", Wanted(q=fixture.handle_q), 1),
    ]
    for name, wanted, page in lists:
        found.append((name, django_list(ws, wanted, page), raw_list(ws, wanted, page),
                      lambda a: len(a[1])))  # fmt: skip
    for days in GROWTH_DAYS:
        found.append((f"growth report, last {days} days", django_growth(ws, days),
                      raw_growth(ws, days), lambda a: sum(len(d) for *_, d in a[0])))  # fmt: skip
    return found


def django_growth(workspace_id: int, days: int) -> Callable[[], Any]:
    """What the dashboard (analytics.views) and the API read: `growth.by_channel` over the
    last `days` days, then `growth.rises` (with each rise's posts and their text)."""
    from django.utils import timezone

    from outlier.relationships import growth

    def run() -> Any:
        end = timezone.now().date()
        rows = growth.by_channel(workspace_id, end - timedelta(days=days - 1), end)
        rises = growth.rises(rows, days)
        return ([(g.channel_id, g.gained, g.lost, sorted(g.by_day.items())) for g in rows],
                [(r.day, r.channel_id, r.gained, [(d.pk, d.post.pk) for d in r.posts])
                 for r in rises])  # fmt: skip

    return run


def raw_growth(workspace_id: int, days: int) -> Callable[[], Any]:
    """The same by hand: the channels with a people pull, the events counted per channel, UTC
    day and kind in SQL (`date(at)` on SQLite), the same rule for a rise, and each rise's
    posts (delivery and post joined, replies from the inbox left out)."""
    from django.db import connection

    from outlier.publishing.models import DeliveryState
    from outlier.relationships import growth

    pg = connection.vendor == "postgresql"
    adapt = connection.ops.adapt_datetimefield_value
    day_sql = "(at AT TIME ZONE 'UTC')::date" if pg else "date(at)"
    events = (f"SELECT channel_id, {day_sql} AS day, kind, count(*) FROM relationships_followevent"  # noqa: S608
              " WHERE workspace_id = %s AND at >= %s AND at < %s AND channel_id IN ({})"
              " GROUP BY channel_id, day, kind")  # fmt: skip
    posts = ("SELECT d.id, p.id, d.*, p.* FROM publishing_delivery d"
             " JOIN publishing_post p ON p.id = d.post_id"
             " WHERE d.channel_id = %s AND d.state = %s AND d.sent_at >= %s AND d.sent_at < %s"
             " AND NOT EXISTS (SELECT 1 FROM inbox_inboxreply r WHERE r.post_id = p.id)"
             " ORDER BY d.sent_at DESC LIMIT 5")  # fmt: skip
    lookback = growth.RISE_LOOKBACK

    def run() -> Any:
        end = datetime.now(UTC).date()
        first = end - timedelta(days=days - 1)
        since = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
        until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        with connection.cursor() as cursor:
            cursor.execute("SELECT c.id, c.name FROM publishing_channel c JOIN"
                           " relationships_peoplepull p ON p.channel_id = c.id"
                           " WHERE c.workspace_id = %s", [workspace_id])  # fmt: skip
            channels = {pk: [pk, name, 0, 0, {}] for pk, name in cursor.fetchall()}
            if channels:
                cursor.execute(events.format(",".join(["%s"] * len(channels))),
                               [workspace_id, adapt(since), adapt(until), *channels])  # fmt: skip
                for channel_id, day, kind, n in cursor.fetchall():
                    day = date.fromisoformat(day) if isinstance(day, str) else day
                    row = channels[channel_id]
                    gained, lost = row[4].get(day, (0, 0))
                    if kind == "gained":
                        row[2] += n
                        row[4][day] = (gained + n, lost)
                    else:
                        row[3] += n
                        row[4][day] = (gained, lost + n)
            rows = sorted(channels.values(), key=lambda r: r[1])
            found = []
            for row in rows:
                gains = [g for g, _ in row[4].values()] + [0] * max(0, days - len(row[4]))
                floor = max(3, 2 * statistics.median(gains)) if gains else 3
                found += [(g, day, row) for day, (g, _) in row[4].items() if g >= floor]
            found.sort(key=lambda t: (-t[0], t[1]))
            rises = []
            for gained, day, row in found[: growth.MAX_RISES]:
                stop = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
                cursor.execute(posts, [row[0], DeliveryState.SENT.value, adapt(stop - lookback),
                                       adapt(stop)])  # fmt: skip
                rises.append((day, row[0], gained, [(r[0], r[1]) for r in cursor.fetchall()]))
        return ([(r[0], r[2], r[3], sorted(r[4].items())) for r in rows], rises)

    return run


def measure(fixture: Fixture, args: argparse.Namespace) -> list[Timing]:
    results = []
    for name, django, raw, size in figures(fixture):
        timing = compare(name, django, raw, args.runs, size)
        results.append(timing)
        mark = "" if timing.same else "  (raw and Django differ!)"
        print(f"  {name:<46} {timing.rows:>4} rows {timing.queries:>3} queries  p95 "
              f"{timing.p95:7.2f} ms  raw p95 {timing.raw_p95:7.2f} ms{mark}", flush=True)  # fmt: skip
        if args.explain or timing.p95 > TARGET_MS:
            print(explain(django), flush=True)
    return results


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--touches", type=int, default=4_000)
    parser.add_argument("--runs", type=int, default=200, help="runs of each figure")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true",
                        help="print the plans of each figure's slowest queries")  # fmt: skip
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    if args.db == "both":  # one process per database (Django is set up once); the last --db wins
        return max(subprocess.run([sys.executable, __file__, *sys.argv[1:], "--db", db],
                                  check=False).returncode for db in ("sqlite", "postgres"))  # fmt: skip
    pg = args.db == "postgres"
    return throwaway("contacts", pg, lambda data_dir, url: run(data_dir, url, args))


def run(data_dir: str, database_url: str, args: argparse.Namespace) -> int:
    started = time.monotonic()
    database = migrated(data_dir, database_url)
    rng = random.Random(args.seed)
    world = inbox_bench.make_world(rng)
    print(f"{args.contacts:,} contacts, {args.interactions:,} interactions…", flush=True)
    fixture, seconds = load(world, args, rng)
    print("  " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()), flush=True)
    for line in fixture.facts:
        print(f"  {line}", flush=True)
    print(f"figures ({args.runs} runs each, Django and raw SQL alternating)…", flush=True)
    gc.collect()  # as outlier/wsgi.py in every web process: what was loaded at start is frozen,
    gc.freeze()  # so a full collection does not walk it again in the middle of a request
    results = measure(fixture, args)
    return report(database, args, fixture, seconds, results, time.monotonic() - started)


def report(database: str, args: argparse.Namespace, fixture: Fixture, seconds: dict[str, float],
           results: list[Timing], elapsed: float) -> int:  # fmt: skip
    print(f"\n{database}: {fixture.contacts:,} contacts, {args.interactions:,} interactions, "
          f"{args.runs} runs per figure")  # fmt: skip
    print("fixture: " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    for line in fixture.facts:
        print(f"  {line}")
    print("rows: timeline entries + conversations (contact page), contacts on the page (list), "
          "channel-days (growth); qs: the queries Django ran; raw = the same rows by hand "
          "through connection.cursor()")  # fmt: skip
    print(f"{'figure':<48} {'rows':>5} {'qs':>3} {'p50 ms':>7} {'p95 ms':>7} {'raw p50':>8} "
          f"{'raw p95':>8} {'p95 ×raw':>8} {'same':>5}  p95 ≤ {TARGET_MS:g} ms")  # fmt: skip
    failed = False
    for t in results:
        ok = t.p95 <= TARGET_MS
        failed |= not ok or not t.same
        print(f"{t.name:<48} {t.rows:>5,} {t.queries:>3} {t.p50:>7.2f} {t.p95:>7.2f} "
              f"{t.raw_p50:>8.2f} {t.raw_p95:>8.2f} {t.p95 / t.raw_p95:>7.1f}× "
              f"{'yes' if t.same else 'NO':>5}  {'PASS' if ok else 'FAIL'}")  # fmt: skip
    print(
        f"\n{'FAIL' if failed else 'PASS'} on {database} in {elapsed:.0f} s "
        f"(load average {inbox_bench._load()}, {os.cpu_count()} cores)",
        flush=True,
    )
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
