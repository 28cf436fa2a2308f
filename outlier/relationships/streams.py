"""Listening streams: per community, a keyword or hashtag search (Bluesky's searchPosts, a
Mastodon hashtag timeline or status search) or a Bluesky list or feed, read by one of the
workspace's channels on a schedule.

Each stream is a row with a state (DESIGN.md): a worker leases the due ones (SKIP LOCKED),
reads the newest pages until one brings nothing new (at most MAX_PAGES), and stores the posts
in the inbox's table as kind "post" through `inbox.ingest` (once per channel and network id:
a post two streams find, or that is also a reply to us, is one row), each linked to the stream
that found it (`StreamHit`). From there a post is answered, liked and reposted like any inbox
item, its author saved as a contact, its link scooped into a topic.

`run_due` is a worker job (settings.WORKER_DUE_JOBS).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from outlier.core import leases
from outlier.core.actions import check_role
from outlier.core.models import Membership, Role
from outlier.inbox.ingest import do_record_interactions
from outlier.inbox.models import Interaction
from outlier.networks import base
from outlier.publishing import content
from outlier.publishing.models import Channel
from outlier.publishing.reads import read_channel
from outlier.relationships.models import Stream, StreamHit, StreamKind

logger = logging.getLogger(__name__)

LEASE_SECONDS = 600
MAX_PAGES = 5
RETRY_SECONDS = 600
MAX_STREAMS = 50
FEED_KINDS = ("app.bsky.graph.list", "app.bsky.feed.generator")


def capability(kind: str) -> str:
    return "search" if kind == StreamKind.SEARCH else "feed"


def check_stream(member: Membership, channel_id: object, kind: str, query: str,
                 name: str) -> tuple[Channel, str, str, str]:  # fmt: skip
    """The stream's channel, kind, query and name, cleaned, or a ValidationError saying why."""
    if kind not in StreamKind.values:
        raise ValidationError({"kind": "Choose a search or a Bluesky list or feed."})
    query = " ".join(query.split())
    if not query:
        raise ValidationError({"query": "Say what to listen for."})
    if len(query) > 500:
        raise ValidationError({"query": "At most 500 characters."})
    try:
        channel = Channel.objects.get(pk=int(str(channel_id)), workspace=member.workspace)
    except (ValueError, Channel.DoesNotExist) as exc:
        raise ValidationError({"channel": "Choose one of this workspace's channels."}) from exc
    adapter = content.adapter_for(channel)
    if capability(kind) not in adapter.capabilities:
        what = "search" if kind == StreamKind.SEARCH else "read lists and feeds"
        raise ValidationError({"channel": f"{channel.name} ({adapter.label}) cannot {what}."})
    if kind == StreamKind.FEED and not (
        query.startswith("at://") and any(f"/{k}/" in query for k in FEED_KINDS)
    ):
        raise ValidationError({"query": "A list or feed is given by its at:// address "
                                        "(…/app.bsky.graph.list/… or …/app.bsky.feed.generator/…)."})  # fmt: skip
    name = " ".join(name.split())[:80] or query[:80]
    return channel, kind, query, name


def do_create_stream(member: Membership, channel_id: object, kind: str, query: str,
                     name: str = "") -> Stream:  # fmt: skip
    check_role(member, Role.EDITOR)
    channel, kind, query, name = check_stream(member, channel_id, kind, query, name)
    if Stream.objects.filter(workspace=member.workspace).count() >= MAX_STREAMS:
        raise ValidationError({"query": f"At most {MAX_STREAMS} streams a workspace."})
    return Stream.objects.create(workspace=member.workspace, channel=channel, kind=kind,
                                 query=query, name=name, next_at=timezone.now())  # fmt: skip


def access_stream(member: Membership, stream_id: int) -> Stream:
    found = Stream.objects.select_related("channel").filter(
        pk=stream_id, workspace=member.workspace
    ).first()  # fmt: skip
    if found is None:
        raise Http404("No such stream.")
    return found


def do_delete_stream(member: Membership, stream: Stream) -> None:
    """The stream and its links go; the posts it found stay in the inbox's table."""
    check_role(member, Role.EDITOR)
    stream.delete()


def hits(stream: Stream, limit: int = 50) -> list[StreamHit]:
    """What the stream found, newest post first, with the posts."""
    return list(StreamHit.objects.filter(stream=stream).select_related(
        "interaction__channel").order_by("-interaction__created_at", "-pk")[:limit])  # fmt: skip


# -- the pull ---------------------------------------------------------------------------------


def claim(worker_id: str, limit: int, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    due = Stream.objects.filter(active=True, next_at__lte=now)
    return leases.claim(due, worker_id, limit, LEASE_SECONDS, now)


def run_due(worker_id: str, limit: int = 10) -> int:
    ids = claim(worker_id, 1)
    for stream in Stream.objects.filter(pk__in=ids, claimed_by=worker_id).select_related(
        "channel"
    ):  # fmt: skip
        pull_stream(stream)
    return len(ids)


def as_seen(post: Any) -> base.Interaction:
    """A post a stream found, as the inbox stores what networks report."""
    author = post.author
    return base.Interaction(
        kind=base.InteractionKind.POST, remote_id=post.remote_id, author_id=author.remote_id,
        author_handle=author.handle, created_at=post.created_at, author_name=author.name,
        author_url=author.url, text=post.text, url=post.url, author_avatar=author.avatar,
        author_followers=author.followers, language=post.language, reply_ref=post.reply_ref,
    )  # fmt: skip


def pull_stream(stream: Stream, now: datetime | None = None) -> int:
    """Read the stream's newest posts; reschedule. Returns how many posts were new to it."""

    def read(adapter: Any) -> int:
        next_page = adapter.search_posts if stream.kind == StreamKind.SEARCH else adapter.feed_posts
        new, cursor = 0, ""
        for _ in range(MAX_PAGES):
            page = next_page(stream.query, cursor)
            found = _store(stream, [(as_seen(p), _link(p)) for p in page.posts])
            new += found
            if not found or not page.cursor or page.cursor == cursor:
                break
            cursor = page.cursor
        return new

    fields, new = read_channel(stream.channel, "the stream", read, now or timezone.now(),
                               settings.STREAM_PULL_SECONDS, RETRY_SECONDS)  # fmt: skip
    Stream.objects.filter(pk=stream.pk).update(found=stream.found + (new or 0), **fields)
    return new or 0


def _link(post: Any) -> str:
    """The post's first outside link that a curator could scoop ("" for none)."""
    for url in post.links:
        if url.startswith(("https://", "http://")) and len(url) <= 2000:
            return str(url)
    return ""


def _store(stream: Stream, found: list[tuple[base.Interaction, str]]) -> int:
    """Store the posts (once per channel and id) and link them to the stream with their
    outside link; how many were new to the stream."""
    if not found:
        return 0
    do_record_interactions(stream.channel, [seen for seen, _ in found], run_rules=False)
    links = {seen.remote_id[:500]: link for seen, link in found}
    ids = dict(Interaction.objects.filter(
        channel=stream.channel, remote_id__in=list(links)
    ).values_list("pk", "remote_id"))  # fmt: skip
    known = set(StreamHit.objects.filter(stream=stream, interaction_id__in=list(ids)).values_list(
        "interaction_id", flat=True))  # fmt: skip
    StreamHit.objects.bulk_create([StreamHit(stream=stream, interaction_id=pk, link=links[rid])
                                   for pk, rid in ids.items() if pk not in known],
                                  ignore_conflicts=True)  # fmt: skip
    return len(set(ids) - known)
