"""Bulk import of scheduled posts from a CSV file (Hootsuite's bulk composer format, and ours).

Two layouts are read:

- **With a header row** (recognised when column A, or at least two cells, of the first row
  name known columns): any order of `date`, `time`, `text` (or `message`), `link` (or `url`),
  `image_url`, `image_alt` and `channel`; case and spaces do not matter, and a note in
  parentheses ("Date (required)") is ignored. `date` and `text` are required; without a `time`
  column the `date` cell holds the date and the time. An empty `channel` cell, or no `channel`
  column, means the channels chosen in the form. A cell may name several channels separated
  by "|", each by its name or its id. A header cell left empty ignores its column; an unknown
  name is refused (a misspelt `imag_url` must not silently drop every image).
- **Hootsuite's headerless layout**: column A the date and time, column B the message,
  column C an optional link; every row goes to the channels chosen in the form.

Dates are `MM/DD/YYYY` or `DD/MM/YYYY` as the person chooses (ISO `YYYY-MM-DD` is always
accepted: it cannot be misread); times are 24-hour `HH:MM` (seconds, if a spreadsheet adds
them, are dropped). Any minute is accepted: Hootsuite's "multiple of 5 minutes" is a limit of
Hootsuite's scheduler, not of Outlier's, so it is neither enforced nor reported. Wall times
are resolved in the chosen time zone, or each row's first channel's zone when none is chosen,
with the scheduler's DST rule (a time in a spring-forward gap moves forward, a repeated
autumn time takes the first occurrence) and the note it gives.

Row numbers are the spreadsheet's: the header, when there is one, is row 1.

Every row is checked in full before anything is created for it: date and time (not in the
past), channels of this workspace, the text, link and image against every channel's rules
(the same check as `actions.check_post`), the link is http(s), and the image is fetched
through the safe HTTP client and must be a picture. The image is fetched even when something
else in its row is wrong, so one pass reports every problem. A row that is the same post
(text, link, image, time and channels) as an earlier row, or as a post already scheduled or
awaiting approval, is refused: importing the same file twice creates nothing the second time.

A good row becomes a post through `actions.do_save_post`, `images.do_add_image` and
`actions.do_schedule_post` inside one transaction, so a row that fails half-way leaves
nothing behind; a contributor's rows wait for approval as usual. Bad rows are reported
("Row 7, time: 25:61 is not a time (HH:MM)") and never stop the good ones.

A whole file is refused (`ValidationError` on "file") when it is empty, larger than 1 MB,
not text (binary, a spreadsheet workbook, an unreadable encoding: UTF-8, else Windows-1252,
or UTF-16 with its byte-order mark) or holds more than 350 posts (Hootsuite's limit).
Fields may be separated by commas, or by semicolons or tabs when the first row has no comma.

Images are fetched one row at a time (at most 20 MB and 15 seconds each; each distinct URL
once per file) and held only until their row is created, so memory stays bounded.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from outlier.core import safe_http
from outlier.core.models import Membership, Role
from outlier.curation.urlkeys import check_http_url
from outlier.networks import counting
from outlier.networks.base import Image, Problem
from outlier.publishing import actions, content, images, timing
from outlier.publishing.models import Channel, ChannelStatus, Post, PostImage, PostStatus

__all__ = [
    "DATE_FORMATS",
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "ImportReport",
    "Outcome",
    "RowError",
    "RowResult",
    "check_rows",
    "do_import",
]

MAX_FILE_BYTES = 1024 * 1024
MAX_ROWS = 350
IMAGE_MAX_BYTES = images.MAX_UPLOAD_BYTES
IMAGE_DEADLINE_SECONDS = 15.0
CACHED_IMAGE_BYTES = 32 * 1024 * 1024  # fetched images kept for later rows of the same file
PAST_GRACE = timedelta(minutes=1)  # as `actions.check_when`
CHANNEL_SEPARATOR = "|"

DATE_FORMATS = {"MM/DD/YYYY": ("month", "day"), "DD/MM/YYYY": ("day", "month")}

COLUMNS = ("date", "time", "text", "link", "image_url", "image_alt", "channel")
ALIASES = {
    "date": "date", "datetime": "date", "date_time": "date", "date_and_time": "date",
    "time": "time",
    "text": "text", "message": "text", "post": "text", "post_text": "text",
    "link": "link", "url": "link", "link_url": "link",
    "image_url": "image_url", "image": "image_url", "imageurl": "image_url",
    "image_alt": "image_alt", "alt": "image_alt", "alt_text": "image_alt",
    "channel": "channel", "channels": "channel",
}  # fmt: skip
HOOTSUITE_COLUMNS = ("date", "text", "link")
# Where a channel rule's problem is reported: the CSV column it comes from.
PROBLEM_COLUMNS = {"text": "text", "title": "text", "link": "link", "images": "image_url",
                   "channels": "channel", "scheduled_at": "date", "timezone": "date"}  # fmt: skip

_DATE_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_AM_PM = re.compile(r"\s*[ap]\.?m\.?\s*$", re.IGNORECASE)
_WORKBOOKS = {
    b"PK\x03\x04": "a spreadsheet workbook (.xlsx or .ods)",
    b"\xd0\xcf\x11\xe0": "an Excel workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}


class Outcome:
    SCHEDULED = "scheduled"
    AWAITING_APPROVAL = "awaiting_approval"
    VALID = "valid"  # "check only": it would be created
    FAILED = "failed"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # one of COLUMNS, or "" for the row as a whole
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}, {self.column}" if self.column else f"Row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class _Plan:
    """What a good row creates (kept only until it is created)."""

    text: str
    link: str
    channels: list[Channel]
    day: date
    at: time
    tz_name: str
    image: bytes | None = None
    image_name: str = ""
    image_alt: str = ""


@dataclass
class RowResult:
    row: int
    text: str = ""
    link: str = ""
    image_url: str = ""
    channels: list[str] = field(default_factory=list)
    timezone: str = ""
    scheduled_at: datetime | None = None  # UTC
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outcome: str = Outcome.VALID
    post_id: int | None = None
    plan: _Plan | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors and self.outcome != Outcome.FAILED

    @property
    def local_time(self) -> datetime | None:
        if self.scheduled_at is None or not self.timezone:
            return None
        return timing.local(self.scheduled_at, self.timezone)

    @property
    def messages(self) -> list[str]:
        return [str(error) for error in self.errors]

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))
        self.outcome = Outcome.FAILED

    def as_dict(self) -> dict[str, Any]:
        local = self.local_time
        return {
            "row": self.row, "ok": self.ok, "outcome": self.outcome, "post": self.post_id,
            "when": local.strftime("%Y-%m-%d %H:%M") if local else "",
            "scheduled_at": self.scheduled_at, "timezone": self.timezone,
            "channels": self.channels, "text": _excerpt(self.text), "link": self.link,
            "image_url": self.image_url,
            "errors": [{"column": e.column, "message": e.message, "text": str(e)}
                       for e in self.errors],
            "notes": self.notes,
        }  # fmt: skip


@dataclass
class ImportReport:
    check_only: bool = False
    layout: str = ""  # "header" or "hootsuite"
    columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the whole file
    rows: list[RowResult] = field(default_factory=list)

    def _count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def scheduled(self) -> int:
        return self._count(Outcome.SCHEDULED)

    @property
    def awaiting_approval(self) -> int:
        return self._count(Outcome.AWAITING_APPROVAL)

    @property
    def valid(self) -> int:
        return self._count(Outcome.VALID)

    @property
    def failed(self) -> int:
        return self._count(Outcome.FAILED)

    def as_dict(self) -> dict[str, Any]:
        return {
            "check_only": self.check_only, "layout": self.layout, "columns": self.columns,
            "notes": self.notes, "total": self.total, "scheduled": self.scheduled,
            "awaiting_approval": self.awaiting_approval, "valid": self.valid,
            "failed": self.failed, "rows": [r.as_dict() for r in self.rows],
        }  # fmt: skip


def _excerpt(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


# --- reading the file ---------------------------------------------------------------------------


def _read_bytes(file: bytes | IO[bytes] | Any) -> bytes:
    if isinstance(file, bytes | bytearray):
        data = bytes(file)
    else:
        size = getattr(file, "size", None)
        if isinstance(size, int) and size > MAX_FILE_BYTES:
            raise _file_error(_too_large(size))
        if hasattr(file, "seek"):
            file.seek(0)
        data = file.read(MAX_FILE_BYTES + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(_too_large(len(data)))
    if not data.strip():
        raise _file_error("The file is empty.")
    return data


def _too_large(size: int) -> str:
    return f"The file is {size / 1024 / 1024:.1f} MB; a CSV file of at most 1 MB can be imported."


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with; refuses what is not text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _file_error("The file says it is UTF-16 but cannot be read as such.") from exc
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n")
        if "\x00" in text or controls > max(2, len(text) // 200):
            raise _file_error("This is not a CSV file: it contains binary data.")
        return text, "UTF-16"
    for magic, what in _WORKBOOKS.items():
        if data.startswith(magic):
            raise _file_error(
                f"This is {what}, not a CSV file. Save it as CSV (comma-separated values) first."
            )
    controls = sum(1 for byte in data if byte < 32 and byte not in b"\t\r\n")
    if b"\x00" in data or controls > max(2, len(data) // 200):
        raise _file_error("This is not a CSV file: it contains binary data.")
    try:
        text, encoding = data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError as exc:
            raise _file_error("The file's encoding cannot be read: save the CSV as UTF-8.") from exc
    return text, encoding


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    for candidate in (",", ";", "\t"):
        try:
            cells = next(csv.reader([first], delimiter=candidate))
        except (csv.Error, StopIteration):
            continue
        if len(cells) > 1:
            return candidate
    return ","


def _records(text: str) -> tuple[list[tuple[int, list[str]]], str]:
    """(row number, cells) for every non-blank record, and the delimiter."""
    delimiter = _delimiter(text)
    found = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                found.append((number, cells))
    except csv.Error as exc:
        message = f"This is not a readable CSV file (line {reader.line_num}: {exc})."
        raise _file_error(message) from exc
    return found, delimiter


def _column_name(cell: str) -> str:
    name = re.sub(r"\(.*?\)", "", cell).strip().lower()
    return re.sub(r"[\s\-]+", "_", name)


def _is_header(cells: list[str]) -> bool:
    names = [_column_name(c) for c in cells if c.strip()]
    known = [n for n in names if n in ALIASES]
    return bool(cells) and (_column_name(cells[0]) in ALIASES or len(known) >= 2)


def _header_columns(cells: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if not cell.strip():
            continue
        name = ALIASES.get(_column_name(cell))
        letter = _letter(index)
        if name is None:
            raise _file_error(
                f"Column {letter}'s header “{cell.strip()}” is not a column Outlier reads; use "
                f"{', '.join(COLUMNS)} (or leave the header cell empty to skip the column)."
            )
        if name in columns:
            raise _file_error(
                f"Columns {_letter(columns[name])} and {letter} are both “{name}”; keep one."
            )
        columns[name] = index
    missing = [name for name in ("date", "text") if name not in columns]
    if missing:
        raise _file_error(
            f"The header row has no {' and no '.join(missing)} column; name the columns "
            f"{', '.join(COLUMNS)}."
        )
    return columns


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- checking one row ---------------------------------------------------------------------------


def _ymd(found: re.Match[str], date_format: str) -> date | None:
    first, second = DATE_FORMATS[date_format]
    parts = {first: found[1], second: found[2], "year": found[3]}
    try:
        return date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return None


def _date(value: str, date_format: str) -> date | str:
    """The date, or the reason it is not one."""
    reason = f"{value} is not a date ({date_format})."
    iso = _DATE_ISO.fullmatch(value)
    if iso:
        try:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError:
            return f"{value} is not a date (YYYY-MM-DD)."
    slashed = _DATE_SLASHED.fullmatch(value)
    if not slashed:
        return reason
    found = _ymd(slashed, date_format)
    if found is not None:
        return found
    other = next(f for f in DATE_FORMATS if f != date_format)
    if _ymd(slashed, other) is not None:
        reason += f" Is the file written {other}? Choose that date format."
    return reason


def _time(value: str) -> time | str:
    if _AM_PM.search(value):
        return f"{value} is not a 24-hour time (HH:MM): write 21:00, not 9:00 PM."
    found = _TIME.fullmatch(value)
    if found and int(found[1]) < 24 and int(found[2]) < 60 and int(found[3] or 0) < 60:
        return time(int(found[1]), int(found[2]))
    return f"{value} is not a time (HH:MM)."


def _split_datetime(value: str) -> tuple[str, str]:
    """("date", "time") from a cell holding a date, maybe followed by a time."""
    value = " ".join(value.split())
    if _DATE_ISO.match(value) and "T" in value:
        value = value.replace("T", " ", 1)
    day, _, at = value.partition(" ")
    return day, at


def _check_link(value: str) -> str | None:
    """None when `value` is a usable http(s) link, else the reason."""
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme not in ("http", "https"):
        return f"{_excerpt(value, 60)} is not a web address: links must start with http:// or https://."
    try:
        check_http_url(value, field="link")
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


@dataclass
class _Context:
    membership: Membership
    date_format: str
    tz_name: str
    default_channels: list[Channel]
    now: datetime
    by_id: dict[int, Channel]
    by_name: dict[str, list[Channel]]
    images: dict[str, tuple[bytes, str] | str] = field(default_factory=dict)
    images_held: int = 0
    seen: dict[tuple[Any, ...], int] = field(default_factory=dict)


def _channels(cell: str, context: _Context, result: RowResult) -> list[Channel] | None:
    if not cell.strip():
        if not context.default_channels:
            result.fail("channel", "no channel named, and none chosen for the import.")
            return None
        return list(context.default_channels)
    chosen: list[Channel] = []
    ok = True
    for raw in cell.split(CHANNEL_SEPARATOR):
        name = raw.strip()
        if not name:
            continue
        found = context.by_name.get(name.casefold(), [])
        if not found and name.isdigit() and int(name) in context.by_id:
            found = [context.by_id[int(name)]]
        if len(found) > 1:
            ids = ", ".join(str(c.pk) for c in found)
            result.fail("channel", f"{len(found)} channels are named “{name}”; use its id ({ids}).")
            ok = False
        elif not found:
            result.fail("channel", f"there is no channel “{name}” in this workspace.")
            ok = False
        elif found[0] not in chosen:
            chosen.append(found[0])
    return chosen if ok and chosen else None


def _image_name(url: str) -> str:
    last = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return re.sub(r"[^\w.\-]+", "_", last).strip("._")[:80] or "image"


def _fetch_image(url: str, context: _Context) -> tuple[bytes, str] | str:
    """(bytes, file name) of a picture at `url`, or the reason it cannot be used."""
    if url in context.images:
        return context.images[url]
    answer = _download(url)
    if isinstance(answer, str) or (context.images_held + len(answer[0]) <= CACHED_IMAGE_BYTES):
        context.images[url] = answer
        context.images_held += 0 if isinstance(answer, str) else len(answer[0])
    return answer


def _download(url: str) -> tuple[bytes, str] | str:
    shown = _excerpt(url, 80)
    problem = _check_link(url)
    if problem is not None:
        return problem.replace("links", "image addresses")
    try:
        response = safe_http.fetch(
            url, max_bytes=IMAGE_MAX_BYTES, deadline=IMAGE_DEADLINE_SECONDS,
            accept="image/avif,image/webp,image/png,image/jpeg,image/gif,image/*;q=0.8",
        )  # fmt: skip
    except safe_http.FetchError as exc:
        return f"{shown} could not be fetched: {str(exc).rstrip('.')}."
    if not response.ok:
        return f"{shown} could not be fetched: the server answered {response.status}."
    name = _image_name(response.url)
    upload = SimpleUploadedFile(name, response.body, response.content_type)
    try:
        images.check_image(upload)
    except ValidationError:
        sent = f" (the server sent {response.content_type})" if response.content_type else ""
        return f"{shown} is not a JPEG, PNG, GIF or WebP image{sent}."
    return response.body, name


def _rules_problems(
    text: str, link: str, image: tuple[bytes, str] | None, channels: list[Channel]
) -> list[tuple[str, str]]:
    """`actions.check_post`'s check, before the post exists: (column, message) per problem."""
    found: list[tuple[str, str]] = []
    for channel in channels:
        rules = content.rules_for(channel)
        if rules is None:
            found.append(("channel", f"{channel.name}: unknown network {channel.network!r}."))
            continue
        problems: list[Problem] = []
        fitted: tuple[Image, ...] = ()
        if image is not None:
            try:
                data, content_type = counting.fit_image(image[0], rules)
            except ValueError as exc:
                problems.append(Problem("images", str(exc)))
            else:
                fitted = (Image(data=data, content_type=content_type, filename=image[1]),)
        problems += content.draft_problems(rules, text, link, images=fitted)
        for problem in problems:
            column = PROBLEM_COLUMNS.get(problem.field, "text")
            found.append((column, f"{channel.name}: {problem.message}"))
    return found


def _already_scheduled(context: _Context, plan: _Plan, instant: datetime) -> Post | None:
    return (
        Post.objects.filter(
            workspace=context.membership.workspace,
            text=plan.text,
            link=plan.link,
            scheduled_at=instant,
            channels__in=plan.channels,
            status__in=[PostStatus.SCHEDULED, PostStatus.AWAITING_APPROVAL],
        )
        .order_by("pk")
        .first()
    )


@dataclass(frozen=True)
class _Row:
    number: int
    values: dict[str, str]
    extra: bool  # a headerless row with cells beyond Hootsuite's three columns


def _check_row(row: _Row, context: _Context) -> RowResult:
    number, values = row.number, row.values
    text = values.get("text", "").strip()
    link = values.get("link", "").strip()
    image_url = values.get("image_url", "").strip()
    result = RowResult(number, text=text, link=link, image_url=image_url)

    # When: a date (with the time, unless a time column exists) in the chosen format.
    raw_date, time_in_date = _split_datetime(values.get("date", ""))
    raw_time = values.get("time", "").strip()
    day: date | None = None
    at: time | None = None
    if time_in_date and raw_time:
        result.fail("date", f"holds a time too ({time_in_date}); keep the time in the time column.")
    raw_time = raw_time or time_in_date
    if not raw_date:
        result.fail("date", "missing; every post needs a date and a time.")
    else:
        parsed_date = _date(raw_date, context.date_format)
        if isinstance(parsed_date, str):
            result.fail("date", parsed_date)
        else:
            day = parsed_date
    if not raw_time:
        example = f"{raw_date} 09:30" if "time" not in values else "09:30"
        result.fail("time", f"missing; give the time as HH:MM ({example}).")
    else:
        parsed_time = _time(raw_time)
        if isinstance(parsed_time, str):
            result.fail("time", parsed_time)
        else:
            at = parsed_time

    channels = _channels(values.get("channel", ""), context, result)
    if channels:
        result.channels = [c.name for c in channels]
        for channel in channels:
            if channel.status == ChannelStatus.NEEDS_RECONNECT:
                result.notes.append(
                    f"{channel.name} needs reconnecting: the post waits until it is reconnected."
                )
    tz_name = context.tz_name or (channels[0].timezone if channels else "")
    result.timezone = tz_name

    if link:
        problem = _check_link(link)
        if problem is not None:
            result.fail("link", problem)
            link = ""  # reported once: the rules below check the rest of the post
    if not text and not link and not image_url:
        result.fail("text", "the message is empty.")
        channels_to_check: list[Channel] = []
    else:
        channels_to_check = channels or []

    image: tuple[bytes, str] | None = None
    if image_url:
        fetched = _fetch_image(image_url, context)
        if isinstance(fetched, str):
            result.fail("image_url", fetched)
        else:
            image = fetched
    elif values.get("image_alt", "").strip():
        result.notes.append("image_alt is ignored: the row has no image_url.")

    if day is not None and at is not None and tz_name:
        resolved = timing.resolve(day, at, tz_name)
        result.scheduled_at = resolved.instant
        if resolved.note:
            result.notes.append(resolved.note)
        if resolved.instant < context.now - PAST_GRACE:
            local = timing.local(resolved.instant, tz_name)
            result.fail(
                "date",
                f"{local:%Y-%m-%d %H:%M} in {tz_name} has passed; choose a later time.",
            )

    for column, message in _rules_problems(text, link, image, channels_to_check):
        result.fail(column, message)
    if row.extra:
        result.fail(
            "", "has more than 3 columns; a file without a header row holds the date and "
                "time, the message and the link. Add a header row to use more columns.",
        )  # fmt: skip

    if result.errors or day is None or at is None or not channels or result.scheduled_at is None:
        result.outcome = Outcome.FAILED
        return result
    plan = _Plan(text=text, link=link, channels=channels, day=day, at=at, tz_name=tz_name,
                 image=image[0] if image else None, image_name=image[1] if image else "",
                 image_alt=values.get("image_alt", "").strip())  # fmt: skip
    key = (text, link, image_url, result.scheduled_at, tuple(sorted(c.pk for c in channels)))
    if key in context.seen:
        result.fail("", f"the same post as row {context.seen[key]} (text, time and channels).")
        return result
    context.seen[key] = number
    existing = _already_scheduled(context, plan, result.scheduled_at)
    if existing is not None:
        result.fail(
            "", f"the same post is already {existing.get_status_display().lower()} "
                f"(post {existing.pk}) at this time on {', '.join(result.channels)}.",
        )  # fmt: skip
        return result
    result.plan = plan
    return result


# --- the file as a whole --------------------------------------------------------------------


def _prepare(
    membership: Membership,
    file: Any,
    tz_name: str | None,
    date_format: str,
    default_channels: Sequence[Channel],
    check_only: bool,
    now: datetime | None,
) -> tuple[ImportReport, list[_Row], _Context]:
    if not membership.allows(Role.CONTRIBUTOR):
        raise PermissionDenied("Importing posts needs the contributor role or higher.")
    if date_format not in DATE_FORMATS:
        raise ValidationError({"date_format": f"Choose {' or '.join(DATE_FORMATS)}."})
    tz_name = (tz_name or "").strip()
    if tz_name:
        timing.zone(tz_name)
    defaults = list(default_channels)
    if any(c.workspace_id != membership.workspace_id for c in defaults):
        raise PermissionDenied("A channel belongs to another workspace.")

    text, encoding = _decode(_read_bytes(file))
    records, delimiter = _records(text)
    if not records:
        raise _file_error("The file is empty.")
    report = ImportReport(check_only=check_only)
    if encoding != "UTF-8":
        report.notes.append(f"The file is not UTF-8: it was read as {encoding}.")
    if delimiter != ",":
        report.notes.append(
            "Fields are separated by " + ("semicolons." if delimiter == ";" else "tabs.")
        )
    if _is_header(records[0][1]):
        columns = _header_columns(records[0][1])
        report.layout, report.columns = "header", sorted(columns, key=columns.__getitem__)
        records = records[1:]
        if not records:
            raise _file_error("The file has a header row but no posts.")
    else:
        columns = {name: index for index, name in enumerate(HOOTSUITE_COLUMNS)}
        report.layout, report.columns = "hootsuite", list(HOOTSUITE_COLUMNS)
    if "channel" not in columns and not defaults:
        raise ValidationError(
            {"channels": "Choose the channels to post to: the file does not name them."}
        )
    if len(records) > MAX_ROWS:
        raise _file_error(
            f"The file holds {len(records)} posts; at most {MAX_ROWS} can be imported at once "
            "(Hootsuite's limit too). Split it into several files."
        )
    rows = []
    for number, cells in records:
        values = {name: cells[index] if index < len(cells) else ""
                  for name, index in columns.items()}  # fmt: skip
        extra = report.layout == "hootsuite" and any(c.strip() for c in cells[len(columns) :])
        rows.append(_Row(number, values, extra))

    channels = list(membership.workspace.channels.all())
    by_name: dict[str, list[Channel]] = {}
    for channel in channels:
        by_name.setdefault(channel.name.casefold(), []).append(channel)
    context = _Context(
        membership=membership, date_format=date_format, tz_name=tz_name,
        default_channels=defaults, now=now or timezone.now(),
        by_id={c.pk: c for c in channels}, by_name=by_name,
    )  # fmt: skip
    return report, rows, context


def _checked(rows: list[_Row], context: _Context) -> Iterator[RowResult]:
    for row in rows:
        yield _check_row(row, context)


def check_rows(
    membership: Membership,
    file: Any,
    tz_name: str | None,
    date_format: str,
    default_channels: Sequence[Channel] = (),
    *,
    now: datetime | None = None,
) -> list[RowResult]:
    """Read and check every row; nothing is created. File-level problems raise ValidationError."""
    _, rows, context = _prepare(membership, file, tz_name, date_format, default_channels, True, now)
    results = []
    for result in _checked(rows, context):
        result.plan = None  # the image bytes are not kept
        results.append(result)
    return results


def _create(membership: Membership, plan: _Plan) -> tuple[Post, str]:
    """One row's post, image and schedule, all or nothing."""
    stored: list[PostImage] = []
    try:
        with transaction.atomic():
            post = actions.do_save_post(
                membership, text=plan.text, link=plan.link, channels=plan.channels
            )
            if plan.image is not None:
                upload = SimpleUploadedFile(plan.image_name, plan.image)
                stored.append(images.do_add_image(membership, post, upload, plan.image_alt))
            return actions.do_schedule_post(
                membership, post, when="at", day=plan.day, at=plan.at, tz_name=plan.tz_name
            )
    except BaseException:
        for image in stored:  # the row's transaction is undone; its file must go too
            image.file.storage.delete(image.file.name)
        raise


def _record_failure(result: RowResult, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    result.fail(PROBLEM_COLUMNS.get(key, ""), message)
    elif isinstance(exc, ValidationError):
        for message in exc.messages:
            result.fail("", message)
    else:
        result.fail("", str(exc) or "Not allowed.")


def do_import(
    membership: Membership,
    file: Any,
    tz_name: str | None,
    date_format: str,
    default_channels: Sequence[Channel] = (),
    *,
    check_only: bool = False,
    now: datetime | None = None,
) -> ImportReport:
    """Check every row and create a scheduled post for each good one (none when `check_only`).

    Each row is checked in full, then created in its own transaction; a bad row is reported and
    the others go on. Contributors' posts wait for approval.
    """
    report, rows, context = _prepare(
        membership, file, tz_name, date_format, default_channels, check_only, now
    )
    for result in _checked(rows, context):
        plan, result.plan = result.plan, None
        report.rows.append(result)
        if plan is None or check_only:
            continue
        try:
            post, note = _create(membership, plan)
        except (ValidationError, PermissionDenied) as exc:
            _record_failure(result, exc)
            continue
        result.post_id = post.pk
        result.scheduled_at = post.scheduled_at or result.scheduled_at
        result.outcome = (
            Outcome.AWAITING_APPROVAL
            if post.status == PostStatus.AWAITING_APPROVAL
            else Outcome.SCHEDULED
        )
        if note and note not in result.notes:
            result.notes.append(note)
    return report
