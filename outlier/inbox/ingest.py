"""Storing what the networks report: once per network id, in bulk, with the rules run on
what is new.

`do_record_interactions` is what the inbox pulls (`outlier.inbox.pulls`) call with each page
an adapter returns. It reads which of the page's ids are already stored in one query, inserts
the rest in one statement (a concurrent pull inserting the same id is ignored by the unique
constraint), then runs the workspace's rules, when it has any, over the new work items.

The statement is written here rather than left to `bulk_create`: building model instances
and preparing every field of every row (`get_db_prep_save`) were most of the time an ingest
took, a third of the rows a second of a raw INSERT on SQLite (bench/inbox.py). The rows are
dicts of the values a network gives (`row_for`); the column list and the other columns'
defaults come from the model; only the datetimes need adapting for the database. On SQLite one
multi-row `INSERT … ON CONFLICT DO NOTHING` per batch (as many rows as the library's parameter
limit allows); on PostgreSQL one `INSERT … SELECT * FROM unnest(<an array a column>)`, as
`bulk_create` sends there.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import DateTimeField
from django.utils import timezone

from outlier.inbox import rules
from outlier.inbox.models import WORK_KINDS, Interaction, conversation_of
from outlier.networks.base import Interaction as Seen
from outlier.publishing.models import Channel, Delivery, DeliveryState

BATCH = 1000


def row_for(
    channel: Channel, item: Seen, deliveries: dict[str, int], now: datetime | None = None
) -> dict[str, Any]:
    """The values an interaction read from the network is stored with (cut to their columns);
    every other column takes the model's default."""
    kind = item.kind.value
    return {
        "workspace_id": channel.workspace_id, "channel_id": channel.pk, "kind": kind,
        "remote_id": item.remote_id[:500], "author_id": item.author_id[:500],
        "author_handle": item.author_handle[:300], "author_name": item.author_name[:300],
        "author_url": item.author_url[:2000], "author_avatar": item.author_avatar[:2000],
        "author_followers": item.author_followers if (item.author_followers or 0) >= 0 else None,
        "text": item.text, "language": item.language[:35], "url": item.url[:2000],
        "subject_id": item.subject_id[:500], "reply_ref": item.reply_ref[:500],
        "thread_root": item.thread_root[:500],
        "conversation": conversation_of(kind, item.author_id, item.subject_id, item.thread_root),
        "delivery_id": deliveries.get(item.subject_id), "created_at": item.created_at,
        "received_at": now or timezone.now(), "is_work": kind in WORK_KINDS,
    }  # fmt: skip


def do_record_interactions(
    channel: Channel, items: Iterable[Seen], *, run_rules: bool = True
) -> int:
    """Store what the network reported, once per network id; returns how many were new.

    Each is tied to the delivery it concerns when its subject is a post this channel sent.
    """
    new = 0
    batch: list[Seen] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            new += _record(channel, batch, run_rules)
            batch = []
    if batch:
        new += _record(channel, batch, run_rules)
    return new


def _record(channel: Channel, items: list[Seen], run_rules: bool) -> int:
    subjects = {item.subject_id for item in items if item.subject_id}
    deliveries = dict(
        Delivery.objects.filter(
            channel=channel, state=DeliveryState.SENT, remote_id__in=subjects
        ).values_list("remote_id", "pk")
    ) if subjects else {}  # fmt: skip
    ids = [item.remote_id[:500] for item in items]
    known = set(
        Interaction.objects.filter(channel=channel, remote_id__in=ids).values_list(
            "remote_id", flat=True
        )
    )
    now = timezone.now()
    rows = []
    for item in items:
        remote_id = item.remote_id[:500]
        if remote_id in known or not remote_id:
            continue
        known.add(remote_id)
        rows.append(row_for(channel, item, deliveries, now))
    if not rows:
        return 0
    insert_ignoring_known(rows)
    work = [row["remote_id"] for row in rows if row["is_work"]]
    if run_rules and work and rules.workspace_rules(channel.workspace_id):
        stored = Interaction.objects.filter(channel=channel, remote_id__in=work)
        rules.apply_on_arrival(channel.workspace_id, list(stored))
    return len(rows)


FIELDS = [f for f in Interaction._meta.concrete_fields if not f.primary_key]
DEFAULTS = {f.attname: f.get_default() for f in FIELDS}  # all constants (no callable default)
DATETIMES = {f.attname for f in FIELDS if isinstance(f, DateTimeField)}
COLUMNS = ", ".join(connection.ops.quote_name(f.column) for f in FIELDS)
CONFLICT = " ON CONFLICT (channel_id, remote_id) DO NOTHING"


def _values(row: dict[str, Any]) -> list[Any]:
    """The row's parameters in the order of COLUMNS, datetimes as the database takes them."""
    values = []
    for name, default in DEFAULTS.items():
        value = row.get(name, default)
        if name in DATETIMES and value is not None:
            value = connection.ops.adapt_datetimefield_value(value)
        values.append(value)
    return values


def _sqlite_parameters() -> int:
    """How many parameters one SQLite statement may carry: what the library was built with
    (250,000 in Debian's, so a batch is one statement), not the 999 Django assumes."""
    raw = connection.connection
    if isinstance(raw, sqlite3.Connection):
        return raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 999


def insert_ignoring_known(rows: Sequence[dict[str, Any]]) -> None:
    """INSERT the rows in one transaction; one already stored (a concurrent pull) is skipped."""
    table = connection.ops.quote_name(Interaction._meta.db_table)
    values = [_values(row) for row in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays = ", ".join(f"%s::{str(f.db_type(connection)).split('(')[0]}[]" for f in FIELDS)
            sql = f"INSERT INTO {table} ({COLUMNS}) SELECT * FROM unnest({arrays})"  # noqa: S608
            cursor.execute(sql + CONFLICT, [list(column) for column in zip(*values, strict=True)])
            return
        chunk = max(1, _sqlite_parameters() // len(FIELDS))
        marks = "(" + ", ".join(["%s"] * len(FIELDS)) + ")"
        for at in range(0, len(values), chunk):
            part = values[at : at + chunk]
            sql = f"INSERT INTO {table} ({COLUMNS}) VALUES " + ", ".join([marks] * len(part))  # noqa: S608
            cursor.execute(sql + CONFLICT, [value for row in part for value in row])
