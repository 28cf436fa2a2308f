"""`/l/<code>`: the redirect, Outlier's hottest path, answered before Django's stack.

`outlier/wsgi.py` wraps Django's application in `LinkRedirects`, which answers every path
under `/l/` itself: no request object, no middleware (sessions, CSRF, auth, messages),
no URL resolver, no template. Per request it does one dictionary lookup, draws a click
id, appends the click to the in-memory buffer (`outlier.links.clicks`) and answers.

What a code leads to is remembered per process for `OUTLIER_LINK_CACHE_SECONDS` (5 s):
a link disabled, enabled or changed is followed accordingly by every process within that
time (at once by the process that made the change). A code still being visited in the
second half of that time is read again ahead of its expiry, together with the other codes
due, in one query at most every `REFRESH_EVERY` (0.5 s, less under a shorter cache time):
with many links in use that is one query every half second instead of one per code and
cache period, each of which cost about 0.25 ms of a web process's CPU (bench/redirect.py).
The request that finds the refresh due does it; a failure there is logged and the entries
simply expire. Only a code not remembered (or expired) is read on its own: one lookup on
the unique index of `code`, in hand-written SQL. The stored target is checked again on
every read that finds it changed (`targets.redirect_target`): a row that is not an
absolute, clean http(s) address is never redirected to, whatever put it there.

Answers: 302 to the target with `?<OUTLIER_CLICK_ID_PARAM>=<click id>` added (before any
fragment); 404 for an unknown code (or a stored target that fails the check); 410 for a
disabled link; 405 for methods other than GET and HEAD; 503 when the database cannot be
read. The same answers come from the Django view (`views.follow`) when a request reaches
Django anyway (the test client, `runserver`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from outlier.links import clicks, codes, targets
from outlier.links.models import TrackedLink
from outlier.links.visitors import client_address

logger = logging.getLogger(__name__)

PREFIX = "/l/"
MAX_ENTRIES = 50_000
REFRESH_EVERY = 0.5  # seconds between two reads of the codes due
REFRESH_CHUNK = 500  # codes per query
MAX_REFRESH = 2_000  # codes per refresh, so the request that does it is not held long

StartResponse = Callable[..., Any]
Headers = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Entry:
    """What a code answers, as remembered: 302 with where to, 404 or 410."""

    status: int
    link_id: int = 0
    before: str = ""  # the target up to and including "<param>="
    after: str = ""  # "#fragment" or ""
    expires: float = 0.0
    refresh_at: float = 0.0  # from then on, a visit asks for the code to be read again
    stored: str = ""  # the target as read, so an unchanged one is not checked again


Row = tuple[int, str, bool]  # id, target, enabled


def _split(target: str, param: str) -> tuple[str, str]:
    base, hash_mark, fragment = target.partition("#")
    joiner = "" if base.endswith(("?", "&")) else ("&" if "?" in base else "?")
    return f"{base}{joiner}{param}=", hash_mark + fragment


class Resolver:
    """code → Entry, remembered for a few seconds; see the module's docstring."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._due: set[str] = set()
        self._next_refresh = 0.0
        self._refreshing = threading.Lock()
        self._forgotten = 0  # bumped by forget(): a refresh that read before is not kept
        self._sql: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()

    def get(self, code: str) -> Entry:
        entry = self._entries.get(code)
        now = time.monotonic()
        if entry is not None and entry.expires > now:
            if entry.refresh_at <= now:
                self._due.add(code)
                if now >= self._next_refresh:
                    self.refresh()
            return entry
        rows = self._fetch([code])
        entry = self._entry(rows.get(code), now, settings.LINK_CACHE_SECONDS, None)
        entries = self._entries
        if len(entries) >= MAX_ENTRIES:
            with self._lock:
                for key in [k for k, e in list(entries.items()) if e.expires <= now]:
                    entries.pop(key, None)
                if len(entries) >= MAX_ENTRIES:
                    entries.clear()
        entries[code] = entry
        return entry

    def refresh(self) -> int:
        """Read again, in one query per `REFRESH_CHUNK`, the codes visited late in their
        cache time (at most `MAX_REFRESH` of them; the rest wait for the next refresh or
        expire); how many. One thread at a time: another one finding it busy goes on."""
        if not self._refreshing.acquire(blocking=False):
            return 0
        try:
            ttl = settings.LINK_CACHE_SECONDS
            self._next_refresh = time.monotonic() + min(REFRESH_EVERY, ttl / 10)
            due, self._due = self._due, set()
            codes = sorted(due)[:MAX_REFRESH]
            if len(due) > len(codes):
                self._due.update(due.difference(codes))
            forgotten = self._forgotten
            try:
                rows = self._fetch(codes)
            except DatabaseError as exc:  # the entries expire as they would have
                logger.warning("Reading %d links again failed: %s", len(codes), exc)
                return 0
            now = time.monotonic()
            entries = self._entries
            for code in codes:
                if self._forgotten != forgotten:  # changed here meanwhile: read it when asked
                    break
                entries[code] = self._entry(rows.get(code), now, ttl, entries.get(code))
            return len(codes)
        finally:
            self._refreshing.release()

    def forget(self, code: str | None = None) -> None:
        """Drop what this process remembers (about one code, or all)."""
        self._forgotten += 1
        if code is None:
            self._entries.clear()
            self._due.clear()
            self._next_refresh = 0.0
        else:
            self._entries.pop(code, None)

    def _query(self, count: int) -> str:
        key = (connection.vendor, count)
        sql = self._sql.get(key)
        if sql is None:
            table = connection.ops.quote_name(TrackedLink._meta.db_table)
            marks = ", ".join(["%s"] * count)
            sql = f"SELECT code, id, target, enabled FROM {table} WHERE code IN ({marks})"  # noqa: S608
            self._sql[key] = sql
        return sql

    def _fetch(self, codes: list[str]) -> dict[str, Row]:
        """The rows of these codes (one query per `REFRESH_CHUNK`); a connection gone bad (a
        restarted server) is reopened once."""
        found: dict[str, Row] = {}
        for start in range(0, len(codes), REFRESH_CHUNK):
            chunk = codes[start : start + REFRESH_CHUNK]
            for attempt in (1, 2):
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(self._query(len(chunk)), chunk)
                        for code, link_id, target, enabled in cursor.fetchall():
                            found[str(code)] = (int(link_id), str(target), bool(enabled))
                    break
                except DatabaseError:
                    if attempt == 2 or connection.in_atomic_block:
                        raise
                    connection.close()
        return found

    @staticmethod
    def _entry(row: Row | None, now: float, ttl: float, known: Entry | None) -> Entry:
        expires, refresh_at = now + ttl, now + ttl / 2
        if row is None:
            return Entry(404, expires=expires, refresh_at=refresh_at)
        link_id, stored, enabled = row
        if not enabled:
            return Entry(410, link_id, expires=expires, refresh_at=refresh_at)
        if known is not None and known.status == 302 and known.stored == stored:
            before, after = known.before, known.after  # checked when it was first read
        else:
            target = targets.redirect_target(stored)
            if target is None:
                logger.warning("Tracked link %s has a target that cannot be followed", link_id)
                return Entry(404, link_id, expires=expires, refresh_at=refresh_at)
            before, after = _split(target, settings.CLICK_ID_PARAM)
        return Entry(302, link_id, before, after, expires, refresh_at, stored)


resolver = Resolver()


# --- the answers ----------------------------------------------------------------------------

_PAGE = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    '<meta name="robots" content="noindex"><title>{title}</title>'
    "<style>body{{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;"
    "padding:0 1rem;color:#222}}h1{{font-size:1.5rem}}</style></head>"
    "<body><h1>{title}</h1><p>{text}</p></body></html>"
)
_PAGES = {
    404: ("404 Not Found", "Link not found",
          "This link does not exist, or it cannot be followed. Check the address."),
    410: ("410 Gone", "Link turned off",
          "The owner of this link has turned it off. It no longer leads anywhere."),
    405: ("405 Method Not Allowed", "Method not allowed", "Links can only be visited."),
    503: ("503 Service Unavailable", "Try again in a moment",
          "This link cannot be looked up right now."),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Answer:
    status: str
    headers: Headers
    body: bytes


def _common_headers() -> Headers:
    headers = [("Cache-Control", "no-store"), ("X-Robots-Tag", "noindex")]
    if settings.SECURE_HSTS_SECONDS:
        value = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            value += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            value += "; preload"
        headers.append(("Strict-Transport-Security", value))
    return headers


def _pages() -> dict[int, Answer]:
    common = _common_headers()
    answers = {}
    for code, (status, title, text) in _PAGES.items():
        body = _PAGE.format(title=title, text=text).encode()
        headers = [*common, ("Content-Type", "text/html; charset=utf-8"),
                   ("Content-Length", str(len(body))), ("X-Content-Type-Options", "nosniff")]  # fmt: skip
        if code == 405:
            headers.append(("Allow", "GET, HEAD"))
        if code == 503:
            headers.append(("Retry-After", "5"))
        answers[code] = Answer(status, headers, body)
    return answers


class Answers:
    """The fixed parts of every answer, built once per process."""

    def __init__(self) -> None:
        self.pages = _pages()
        self.redirect_headers = [*_common_headers(), ("Content-Length", "0")]


_answers: Answers | None = None


def answer(environ: Mapping[str, Any], code: str) -> Answer:
    """The answer to a visit of `/l/<code>`; records the click of a redirect."""
    global _answers
    fixed = _answers
    if fixed is None:
        fixed = _answers = Answers()
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return fixed.pages[405]
    if not codes.looks_like_code(code):
        return fixed.pages[404]
    try:
        entry = resolver.get(code)
    except DatabaseError:
        logger.exception("Looking up link %s failed", code)
        return fixed.pages[503]
    if entry.status != 302:
        return fixed.pages[entry.status]
    now = time.time()
    click_id = codes.click_ids.new(now)
    buffer = clicks.buffer
    next(buffer.served)
    buffer.add(
        (entry.link_id, now, click_id, environ.get("HTTP_REFERER", ""),
         environ.get("HTTP_USER_AGENT", ""), client_address(environ))
    )  # fmt: skip
    return Answer(
        "302 Found", [("Location", entry.before + click_id + entry.after), *fixed.redirect_headers],
        b"",
    )  # fmt: skip


class LinkRedirects:
    """WSGI middleware: `/l/…` answered here, everything else passed to `app` (Django)."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path: str = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        code = path[len(PREFIX) :]
        if code.endswith("/"):
            code = code[:-1]
        result = answer(environ, code)
        start_response(result.status, result.headers)
        return [result.body] if environ.get("REQUEST_METHOD") != "HEAD" else [b""]
