"""The writes of sources: adding a feed (given, or found on a site), keywords and network
accounts to a topic, removing them, and importing an OPML file.

Contributors and above manage a topic's sources; every member sees them. Adding a feed reads
it at once through the safe client: a feed that parses becomes a source (its items are stored
and offered right away); a web page is searched for its feeds (`find_feeds`), and only feeds
that parse are offered; anything else is refused with the reason and nothing is stored. An
OPML import cannot read a thousand feeds while the curator waits: its feeds become sources
due at once, and what their first read finds (or why it failed) shows on each source.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from outlier.core import safe_http
from outlier.core.models import Membership, Role
from outlier.curation.models import Topic
from outlier.curation.urlkeys import check_http_url
from outlier.sources import discover, feeds, keywords, opml, polling, websub
from outlier.sources.models import Feed, Source, SourceKind, url_hash

__all__ = [
    "MANAGE_ROLE",
    "Found",
    "OpmlImport",
    "access_source",
    "check_keywords",
    "do_add_feed",
    "do_add_keywords",
    "do_import_opml",
    "do_remove_source",
    "find_feeds",
]

MANAGE_ROLE = Role.CONTRIBUTOR
MAX_SOURCES = 2000  # a workspace's sources
MAX_CANDIDATES = 6  # feeds of a site tried at most
CANDIDATE_DEADLINE = 10.0
MAX_OPML_BYTES = 2 * 1024 * 1024
OPML_BATCH = 500  # feeds looked up or stored per query


def check_manage(member: Membership, topic: Topic) -> None:
    if topic.workspace_id != member.workspace_id:
        raise Http404("No such topic in this workspace.")
    if not member.allows(MANAGE_ROLE):
        raise PermissionDenied("Viewers cannot change a topic's sources.")


def access_source(member: Membership, source_id: int, role: str = Role.VIEWER) -> Source:
    if not member.allows(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role or higher.")
    found = Source.objects.select_related("feed", "topic", "channel").filter(
        pk=source_id, workspace=member.workspace).first()  # fmt: skip
    if found is None:
        raise Http404("No such source in this workspace.")
    return found


@dataclass(frozen=True)
class Found:
    """What an address turned out to be: a feed (read and parsed), or the feeds a site names."""

    url: str  # the feed's address, after redirects
    parsed: feeds.ParsedFeed | None
    etag: str = ""
    last_modified: str = ""
    offered: tuple[tuple[str, str], ...] = ()  # a site's feeds that parse: (address, title)


def _get(url: str, deadline: float | None = None) -> safe_http.Response:
    try:
        response = safe_http.fetch(url, accept=polling.ACCEPT,
                                   deadline=deadline or polling.FEED_DEADLINE,
                                   max_bytes=settings.FEED_MAX_BYTES)  # fmt: skip
    except safe_http.FetchError as exc:
        raise ValidationError({"url": f"{exc}."}) from exc
    if not response.ok:
        raise ValidationError({"url": f"The server answered HTTP {response.status}."})
    return response


def find_feeds(url: str) -> Found:
    """Read `url`: a feed is parsed; a web page is searched for the feeds it names (or that sit
    at the usual addresses), keeping those that parse. ValidationError on `url` otherwise."""
    url = check_http_url(url)
    response = _get(url)
    if not discover.looks_like_html(response.content_type, response.body):
        try:
            parsed = feeds.parse(response.body, response.url, response.content_type)
        except feeds.FeedError as exc:
            raise ValidationError({"url": str(exc)}) from exc
        parsed = websub.with_header_links(parsed, response.headers.get("Link", ""), response.url)
        return Found(url=response.url, parsed=parsed,
                     etag=response.headers.get("ETag", "")[:500],
                     last_modified=response.headers.get("Last-Modified", "")[:100])  # fmt: skip
    named = discover.candidates(response.text(), response.url)
    tries = named or [(urljoin(response.url, path), "") for path in discover.COMMON_PATHS]
    offered: list[tuple[str, str]] = []
    for candidate, title in tries[:MAX_CANDIDATES]:
        try:
            body = _get(candidate, CANDIDATE_DEADLINE)
            parsed = feeds.parse(body.body, body.url, body.content_type)
        except (ValidationError, feeds.FeedError):
            continue
        offered.append((body.url, title or parsed.title or body.url))
    if not offered:
        where = "the feeds it names" if named else "its usual feed addresses"
        raise ValidationError({"url": f"This is a web page, and none of {where} gave a feed "
                                      "Outlier could read. Give the feed's own address."})  # fmt: skip
    return Found(url=response.url, parsed=None, offered=tuple(dict.fromkeys(offered)))


def _feed_for(url: str, now: datetime) -> Feed:
    feed, _ = Feed.objects.get_or_create(key=url_hash(url), defaults={"url": url, "next_at": now})
    return feed


def do_add_feed(member: Membership, topic: Topic, url: str, name: str = "",
                category: str = "") -> tuple[Source | None, Found]:  # fmt: skip
    """Add the feed at `url` to the topic, read now; or, for a site, answer the feeds it
    offers (no source yet: the curator picks one, and adding it comes back here)."""
    check_manage(member, topic)
    if Source.objects.filter(workspace=member.workspace).count() >= MAX_SOURCES:
        raise ValidationError({"url": f"A workspace has at most {MAX_SOURCES:,} sources."})
    found = find_feeds(url)
    if found.parsed is None:
        if len(found.offered) != 1:
            return None, found
        found = find_feeds(found.offered[0][0])
        if found.parsed is None:
            return None, found
    now = timezone.now()
    try:
        with transaction.atomic():
            feed = _feed_for(found.url, now)
            source = Source.objects.create(
                workspace=member.workspace, topic=topic, kind=SourceKind.FEED, feed=feed,
                name=" ".join(name.split())[:300], category=_category(category),
                added_by=member.user)  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError({"url": "The topic already follows this feed."}) from exc
    read = polling.Read(parsed=found.parsed, etag=found.etag, last_modified=found.last_modified,
                        url=found.url)  # fmt: skip
    # Stores the items and offers them, as a poll does; a hub it names is asked by the
    # worker's next sweep, not in this request.
    polling.record(feed, read, now, subscribe=False)
    return source, found


def _category(raw: str) -> str:
    """An OPML folder path, "News/Tech": parts trimmed, empty ones dropped."""
    parts = [" ".join(part.split()) for part in (raw or "").split("/")]
    return "/".join(part for part in parts if part)[:300]


def do_remove_source(member: Membership, source: Source) -> None:
    """The source goes; its feed stays polled while another topic follows it."""
    check_manage(member, source.topic)
    source.delete()


def _check_room(member: Membership, more: int, field_name: str) -> None:
    """Refuse `more` sources when they would take the workspace over MAX_SOURCES."""
    have = Source.objects.filter(workspace=member.workspace).count()
    if have + more > MAX_SOURCES:
        left = max(0, MAX_SOURCES - have)
        raise ValidationError({field_name: f"A workspace has at most {MAX_SOURCES:,} sources; "
                                           f"this one has room for {left:,} more."})  # fmt: skip


# --- Keywords -----------------------------------------------------------------------------------


def check_keywords(raw: str | Iterable[str]) -> list[str]:
    """Keywords from one line (words apart, "quoted phrases" kept) or a list: none empty, each
    at most `keywords.MAX_LENGTH` characters, at most `keywords.MAX_KEYWORDS` of them
    (duplicates whatever the case counted once). A ValidationError on "keywords" otherwise."""
    given = keywords.split(raw) if isinstance(raw, str) else [str(word) for word in raw]
    if any(not " ".join(word.split()).lstrip("#") for word in given):
        raise ValidationError({"keywords": 'A keyword is empty: give words or "phrases".'})
    return keywords.check(given)


def do_add_keywords(member: Membership, topic: Topic, raw: str | Iterable[str],
                    name: str = "") -> Source:  # fmt: skip
    """A keyword source for the topic: its words and phrases are matched over every item of
    every source of the workspace (`suggest`)."""
    check_manage(member, topic)
    words = check_keywords(raw)
    _check_room(member, 1, "keywords")
    name = " ".join(name.split())[:300] or ", ".join(
        f"“{w}”" if " " in w else w for w in words)[:300]  # fmt: skip
    return Source.objects.create(workspace=member.workspace, topic=topic,
                                 kind=SourceKind.KEYWORDS, keywords=words, name=name,
                                 added_by=member.user)  # fmt: skip


# --- OPML import --------------------------------------------------------------------------------


@dataclass
class OpmlImport:
    """What an OPML import did: how many feeds the file listed, how many became sources, how
    many the topic already followed, and the outlines skipped (one sentence each)."""

    title: str
    listed: int
    added: int
    already: int
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "listed": self.listed, "added": self.added,
                "already": self.already, "problems": list(self.problems)}  # fmt: skip


def _opml_bytes(file: bytes | IO[bytes] | Any) -> bytes:
    """The upload's bytes, refused over MAX_OPML_BYTES (read no further than that)."""
    size = len(file) if isinstance(file, bytes | bytearray) else getattr(file, "size", None)
    data = b""
    if not isinstance(size, int) or size <= MAX_OPML_BYTES:
        if isinstance(file, bytes | bytearray):
            data = bytes(file)
        else:
            if hasattr(file, "seek"):
                file.seek(0)
            read = file.read(MAX_OPML_BYTES + 1)
            data = read.encode("utf-8") if isinstance(read, str) else bytes(read)
        size = len(data)
    if size > MAX_OPML_BYTES:
        raise ValidationError({"file": f"The file is larger than {MAX_OPML_BYTES // 1024 // 1024} "
                                       "MB; split it into smaller OPML files."})  # fmt: skip
    return data


def _batches(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), OPML_BATCH):
        yield items[start : start + OPML_BATCH]


def do_import_opml(member: Membership, topic: Topic, file: bytes | IO[bytes] | Any) -> OpmlImport:
    """Each feed an OPML file lists becomes a source of the topic, in the category of its first
    folder (or `category` attribute). Nothing is fetched here: new feeds are due at once and
    the worker reads them (`polling.run_due`); each source shows what its first read found.
    Feeds the topic already follows are counted and left alone; outlines that are no feed
    address are listed in `problems`. A file that is no readable OPML (malformed, too large,
    more than `opml.MAX_FEEDS` feeds, more than the workspace has room for) is refused whole
    with a ValidationError on "file", and nothing is stored."""
    check_manage(member, topic)
    try:
        document = opml.read_opml(_opml_bytes(file))
    except opml.OpmlError as exc:
        raise ValidationError({"file": exc.reason}) from exc
    problems = list(document.problems)
    wanted: dict[str, tuple[str, opml.OutlineFeed]] = {}  # by url_hash: (address, outline)
    for outline in document.feeds:
        try:
            url = check_http_url(outline.xml_url)
        except ValidationError as exc:
            problems.append(f"“{outline.title or outline.xml_url[:100]}” was skipped: "
                            f"{' '.join(exc.messages)}")  # fmt: skip
            continue
        wanted.setdefault(url_hash(url), (url, outline))
    keys = list(wanted)
    followed: set[str] = set()
    for batch in _batches(keys):
        followed.update(Source.objects.filter(topic=topic, feed__key__in=batch)
                        .values_list("feed__key", flat=True))  # fmt: skip
    new_keys = [key for key in keys if key not in followed]
    _check_room(member, len(new_keys), "file")
    now = timezone.now()
    with transaction.atomic():
        Feed.objects.bulk_create(
            [Feed(url=url, key=key, next_at=now, title=outline.title[:300],
                  site_url=outline.html_url[:2000])
             for key, (url, outline) in ((key, wanted[key]) for key in new_keys)],
            batch_size=OPML_BATCH, ignore_conflicts=True)  # fmt: skip
        # ignore_conflicts leaves no ids (and a feed another topic follows keeps its row and
        # its schedule): read the rows back by their keys.
        ids: dict[str, int] = {}
        for batch in _batches(new_keys):
            ids.update(Feed.objects.filter(key__in=batch).values_list("key", "pk"))
        before = Source.objects.filter(topic=topic).count()
        Source.objects.bulk_create(
            [Source(workspace=member.workspace, topic=topic, kind=SourceKind.FEED,
                    feed_id=ids[key], name=outline.title[:300],
                    category=_category(next(iter(outline.categories), "")),
                    added_by=member.user)
             for key, (_, outline) in ((key, wanted[key]) for key in new_keys)],
            batch_size=OPML_BATCH, ignore_conflicts=True)  # fmt: skip
        added = Source.objects.filter(topic=topic).count() - before
    return OpmlImport(title=document.title, listed=len(document.feeds), added=added,
                      already=len(keys) - added, problems=problems)  # fmt: skip
