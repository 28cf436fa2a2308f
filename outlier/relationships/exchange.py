"""Contacts out and in: CSV and vCard 4.0 exports of a workspace's contacts (all, or those a
list filter keeps), and the import of both formats, reported row by row.

## Exports

Both are generators: contacts are read CHUNK at a time (keyset by id, with their tags, lists,
identities and notes in one query each), so a workspace of 100,000 contacts streams without
sitting in memory.

**CSV** (RFC 4180, UTF-8, CRLF): `id, name, starred, strength, last_interaction_at, tags,
lists, identities, handles`, then one `field:<label>` column per custom field label any
exported contact has (the prefix keeps a field called "name" from clashing with the name).
Tags and lists are joined by ";" (a ";" or "\\" inside a name is escaped with a backslash).
`identities` holds each identity as `network:stable id` — `bluesky:did:plc:…`,
`fediverse:https://host/users/ana` — joined by spaces, and `handles` the same identities'
handles in the same order (`bluesky:ana.example fediverse:@ana@host`). The stable id is what
an import needs to recreate the identity; the handle alone cannot be turned into it without
asking the network, so it travels beside it for people to read. `strength` is the score now,
`last_interaction_at` ISO 8601 in UTC. A text cell that a spreadsheet would run as a formula
(starting with = + - @, a tab or a carriage return, and not a plain number) gets a leading
apostrophe, and so does a cell that already starts with apostrophes before such a character;
the import takes exactly one apostrophe off such cells, so values survive the round trip.

**vCard 4.0** (RFC 6350), one card per contact, written by `vcard.py` (escaping, folding at 75
octets, CRLF): FN, CATEGORIES (tags), one NOTE per note (newest first), a UID derived from the
contact so address books update a card instead of duplicating it, and per identity a property
group `idN` holding:

- `SOCIALPROFILE;SERVICE-TYPE=Bluesky;USERNAME=<handle>:<stable id>` — RFC 9554's property for
  a social network account. The value is the stable id, itself a URI (a DID is a `did:` URI,
  an ActivityPub actor id an https URI), and the handle goes in USERNAME. IMPP is for instant
  messaging (xmpp:, sip:) and would tell readers to open a chat; NICKNAME is what friends call
  a person, not an account; a bare URL says nothing of the network.
- `X-SOCIALPROFILE;TYPE=bluesky;X-USER=<handle>:<stable id>` — the same account in the form
  Apple Contacts and the readers that copied it understand (they predate RFC 9554).
- `URL:<profile page>` when the network gave one: clickable in every reader; being in the
  identity's group, the import knows whose page it is.

Lists, custom fields and the star have no standard property: `X-OUTLIER-LISTS` (a text list like
CATEGORIES), `X-OUTLIER-FIELD:<label>;<value>` (structured, one per field) and
`X-OUTLIER-STARRED:yes`. Strength and last interaction are derived from the interactions
and are not written to vCards.

## Imports (`do_import_contacts`, contributors and above)

The format is recognised from the content (a file starting with BEGIN:VCARD is a vCard, else
CSV; a .vcf name without cards is refused). Refused whole, with the reason, before anything is
stored: a file over 5 MB, more than 50,000 rows (cards), empty, binary or a spreadsheet
workbook, a CSV without a `name` column or with a column twice. Anything else is read row by
row: a bad row is reported with its number (the spreadsheet's: the header is row 1; a vCard's
card number and line) and reason — no name, a name, tag, list, label or value too long, a bad
network or identity, a cell that is not UTF-8, a row with more or fewer cells than the
header — and the good rows are stored. Rows are stored BATCH to a transaction, each row in a
savepoint of its own, so a row that fails half-way leaves nothing behind.

CSV columns are those of the export, in any order and case; `name` is required. `id`,
`strength` and `last_interaction_at` are read but not imported (ids are another workspace's;
the other two follow from interactions). A `field:<label>` column, or any other column not
named above (a "Company" or "E-mail" column of another tool), is a custom field; the report
says which columns were read as fields. vCards: FN (else N), CATEGORIES, NOTE, SOCIALPROFILE,
X-SOCIALPROFILE (TYPE or SERVICE-TYPE bluesky/fediverse/mastodon), URL, EMAIL, TEL, ORG and
TITLE (as fields), and the X-OUTLIER- properties above; vCard 3.0 and 2.1 cards are read too.
Other properties are skipped and named in the report.

**Identities.** `Identity.remote_id` is the stable id the sync matches on, so an identity is
created by an import only when the file gives that id: a DID (`did:plc:…`, `did:web:…`,
`at://did:…`, or `https://bsky.app/profile/did:…`) on Bluesky, an actor URI on the fediverse.
A handle alone (`bluesky:ana.example`, `fediverse:@ana@host`, a Mastodon profile page
`https://host/@ana`) cannot be resolved offline: it is matched to the workspace's existing
identity with that handle, and when there is none (or several) the row fails and says to give
the stable id. Made-up ids would never meet the person's real interactions and would leave a
duplicate contact behind when they show up. An identity created by import is stored as "not
seen on the network yet" (last seen at the epoch), so the first interaction the sync reads
refreshes its handle, name and picture.

**Matching — idempotent re-import.** A row whose identities already exist in the workspace
(same network and stable id) belongs to their contact; identities of two different contacts in
one row fail the row (merge them first: a merge is a person's decision). A row without
identities matches, for its k-th occurrence of a name in the file, the k-th contact of that
exact name that has no identities and existed before the import began; otherwise a contact is
created. A matched contact only gains: its missing tags, lists, identities, notes (a note of
the same text is not added twice) and custom fields of labels it lacks, and the star when the
file sets it (and a name, when it had none). Imported notes are signed by the member who
imports them. Nothing is overwritten: a different name, a different value for a label the
contact has, or "not starred" for a starred contact is kept and reported on the row.
Importing the same file twice changes nothing the second time ("unchanged" rows).
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from outlier.core.actions import check_role
from outlier.core.models import Membership
from outlier.inbox.actions import MAX_TAG
from outlier.relationships import actions, queries, vcard
from outlier.relationships.models import (
    Contact,
    ContactEvent,
    ContactList,
    ContactNote,
    ContactTag,
    Identity,
    IdentityNetwork,
)

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
BATCH = 500  # rows stored per transaction
CHUNK = 500  # contacts read at a time by the exports
FLUSH_CHARS = 64 * 1024  # what an export yields at a time

CSV_COLUMNS = ("id", "name", "starred", "strength", "last_interaction_at", "tags", "lists",
               "identities", "handles")  # fmt: skip
NOT_IMPORTED = ("id", "strength", "last_interaction_at")
FIELD_PREFIX = "field:"
NEVER_SEEN = datetime(1970, 1, 1, tzinfo=UTC)

NETWORKS = {
    "bluesky": IdentityNetwork.BLUESKY, "bsky": IdentityNetwork.BLUESKY,
    "atproto": IdentityNetwork.BLUESKY, "fediverse": IdentityNetwork.FEDIVERSE,
    "mastodon": IdentityNetwork.FEDIVERSE, "activitypub": IdentityNetwork.FEDIVERSE,
}  # fmt: skip
SERVICE_TYPES: dict[str, str] = {
    IdentityNetwork.BLUESKY: "Bluesky",
    IdentityNetwork.FEDIVERSE: "Fediverse",
}
TRUE = {"yes", "y", "true", "1", "x", "★", "*"}
FALSE = {"no", "n", "false", "0", ""}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_BAD_BYTES = re.compile("[\udc80-\udcff]")
_DID = re.compile(r"did:(plc:[a-z2-7]{24}|web:[A-Za-z0-9.%:-]+)")
_BSKY_HANDLE = re.compile(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?")
_FEDI_HANDLE = re.compile(r"@?([^@\s/:]+)@([A-Za-z0-9.-]+\.[A-Za-z]{2,}|localhost)(:[0-9]+)?")
_PROFILE_PAGE = re.compile(r"/@([^/@]+)/?")
_WORKBOOKS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")
# vCard properties that carry nothing an import keeps (or are the card's own frame).
_VCARD_QUIET = {"VERSION", "PRODID", "KIND", "UID", "REV", "N", "FN", "CATEGORIES", "NOTE",
                "SOCIALPROFILE", "X-SOCIALPROFILE", "URL", "EMAIL", "TEL", "ORG", "TITLE",
                "X-OUTLIER-FIELD", "X-OUTLIER-LISTS", "X-OUTLIER-STARRED"}  # fmt: skip
_VCARD_FIELDS = {"EMAIL": "Email", "TEL": "Phone", "ORG": "Organization", "TITLE": "Title"}


# Cells


def neutralize(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (see the module's docstring)."""
    if value.lstrip("'")[:1] in FORMULA_START and value[:1] and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The value `neutralize` was given."""
    if value[:1] == "'" and value.lstrip("'")[:1] in FORMULA_START:
        return value[1:]
    return value


def join_names(names: Iterable[str]) -> str:
    return ";".join(n.replace("\\", "\\\\").replace(";", "\\;") for n in names)


def split_names(cell: str) -> list[str]:
    """Names joined by `join_names`, each with its spaces tidied; empty ones dropped."""
    names: list[str] = []
    current: list[str] = []
    at = 0
    while at < len(cell):
        ch = cell[at]
        if ch == "\\" and at + 1 < len(cell):
            current.append(cell[at + 1])
            at += 2
            continue
        if ch == ";":
            names.append("".join(current))
            current = []
        else:
            current.append(ch)
        at += 1
    names.append("".join(current))
    return [" ".join(n.split()) for n in names if n.strip()]


def identity_token(identity: Identity) -> str:
    return f"{identity.network}:{identity.remote_id}"


def handle_token(identity: Identity) -> str:
    return f"{identity.network}:{''.join(identity.handle.split()) or identity.remote_id}"


# Exports


def _contacts(workspace_id: int, wanted: queries.Wanted | None,
              notes: bool = False) -> Iterator[Contact]:  # fmt: skip
    """The contacts `queries.contacts` keeps, by id, CHUNK at a time, each with
    `identity_list` and (with `notes`) `note_texts`, newest first."""
    rows = queries.contacts(workspace_id, wanted or queries.Wanted()).order_by("pk")
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last).prefetch_related("tags", "lists")[:CHUNK])
        if not chunk:
            return
        ids = [c.pk for c in chunk]
        found: dict[int, list[Identity]] = {}
        for identity in Identity.objects.filter(contact_id__in=ids).order_by("pk"):
            found.setdefault(identity.contact_id, []).append(identity)
        texts: dict[int, list[str]] = {}
        if notes:
            for contact_id, text in ContactNote.objects.filter(contact_id__in=ids).order_by(
                "-created_at", "-pk"
            ).values_list("contact_id", "text"):  # fmt: skip
                texts.setdefault(contact_id, []).append(text)
        for contact in chunk:
            contact.identity_list = found.get(contact.pk, [])  # type: ignore[attr-defined]
            contact.note_texts = texts.get(contact.pk, [])  # type: ignore[attr-defined]
            yield contact
        last = chunk[-1].pk


def _display_name(contact: Contact) -> str:
    identities: list[Identity] = contact.identity_list  # type: ignore[attr-defined]
    return contact.name or (identities[0].handle if identities else "")


def field_labels(workspace_id: int, wanted: queries.Wanted | None = None) -> list[str]:
    """Every custom field label of the contacts an export writes, without case order."""
    rows = queries.contacts(workspace_id, wanted or queries.Wanted()).order_by()
    labels: set[str] = set()
    for fields in rows.values_list("fields", flat=True).iterator(chunk_size=2000):
        if isinstance(fields, dict):
            labels.update(str(k) for k in fields)
    return sorted(labels, key=lambda k: (k.lower(), k))


class _Line:
    """A file for `csv.writer` that hands back what it is given."""

    def write(self, value: str) -> str:
        return value


def _buffered(lines: Iterable[str]) -> Iterator[str]:
    pending: list[str] = []
    size = 0
    for text in lines:
        pending.append(text)
        size += len(text)
        if size >= FLUSH_CHARS:
            yield "".join(pending)
            pending, size = [], 0
    if pending:
        yield "".join(pending)


def export_csv(workspace_id: int, wanted: queries.Wanted | None = None,
               now: datetime | None = None) -> Iterator[str]:  # fmt: skip
    """The contacts as CSV text, streamed (see the module's docstring for the columns)."""
    return _buffered(_csv_lines(workspace_id, wanted, now or timezone.now()))


def _csv_lines(workspace_id: int, wanted: queries.Wanted | None, now: datetime) -> Iterator[str]:
    labels = field_labels(workspace_id, wanted)
    writer = csv.writer(_Line())
    yield writer.writerow([*CSV_COLUMNS, *(FIELD_PREFIX + label for label in labels)])
    for contact in _contacts(workspace_id, wanted):
        identities: list[Identity] = contact.identity_list  # type: ignore[attr-defined]
        fields = contact.fields if isinstance(contact.fields, dict) else {}
        texts = [
            _display_name(contact), "yes" if contact.starred else "no",
            join_names(t.name for t in contact.tags.all()),
            join_names(lst.name for lst in contact.lists.all()),
            " ".join(identity_token(i) for i in identities),
            " ".join(handle_token(i) for i in identities),
            *(str(fields.get(label, "")) for label in labels),
        ]  # fmt: skip
        cells = [neutralize(t) for t in texts]
        last = contact.last_interaction_at
        yield writer.writerow([
            contact.pk, cells[0], cells[1], round(queries.current(contact, now).strength, 3),
            last.astimezone(UTC).isoformat() if last else "", *cells[2:],
        ])  # fmt: skip


def export_vcard(workspace_id: int, wanted: queries.Wanted | None = None) -> Iterator[str]:
    """The contacts as vCard 4.0 text, one card each, streamed."""
    return _buffered(_cards(workspace_id, wanted))


def _cards(workspace_id: int, wanted: queries.Wanted | None) -> Iterator[str]:
    for contact in _contacts(workspace_id, wanted, notes=True):
        yield card(contact)


def card(contact: Contact) -> str:
    """One contact's vCard; the contact comes from `_contacts` (identities and notes read)."""
    if not hasattr(contact, "identity_list"):
        contact.identity_list = list(contact.identities.order_by("pk"))  # type: ignore[attr-defined]
    identities: list[Identity] = contact.identity_list  # type: ignore[attr-defined]
    notes: list[str] = (contact.note_texts if hasattr(contact, "note_texts")  # type: ignore[attr-defined]
                        else list(contact.notes.values_list("text", flat=True)))  # fmt: skip
    uid = uuid.uuid5(uuid.NAMESPACE_URL, f"outlier:contact:{contact.workspace_id}:{contact.pk}:"
                                         f"{contact.created_at.isoformat()}")  # fmt: skip
    out = [vcard.line("BEGIN", "VCARD"), vcard.line("VERSION", "4.0"),
           vcard.line("PRODID", vcard.escape_text("-//Outlier//Contacts export//EN")),
           vcard.line("KIND", "individual"), vcard.line("UID", f"urn:uuid:{uid}"),
           vcard.line("FN", vcard.escape_text(_display_name(contact) or f"Contact {contact.pk}"))]  # fmt: skip
    tags = [t.name for t in contact.tags.all()]
    if tags:
        out.append(vcard.line("CATEGORIES", vcard.text_list(tags)))
    lists = [lst.name for lst in contact.lists.all()]
    if lists:
        out.append(vcard.line("X-OUTLIER-LISTS", vcard.text_list(lists)))
    if contact.starred:
        out.append(vcard.line("X-OUTLIER-STARRED", "yes"))
    fields = contact.fields if isinstance(contact.fields, dict) else {}
    for label in sorted(fields, key=lambda k: (str(k).lower(), str(k))):
        out.append(vcard.line("X-OUTLIER-FIELD", vcard.structured([str(label),
                                                                   str(fields[label])])))  # fmt: skip
    for text in notes:
        out.append(vcard.line("NOTE", vcard.escape_text(text)))
    for number, identity in enumerate(identities, start=1):
        group = f"id{number}"
        handle = "".join(identity.handle.split())
        named = [("USERNAME", handle)] if handle else []
        out.append(vcard.line("SOCIALPROFILE", identity.remote_id,
                              [("SERVICE-TYPE", SERVICE_TYPES.get(identity.network,
                                                                  identity.network)), *named],
                              group))  # fmt: skip
        out.append(vcard.line("X-SOCIALPROFILE", identity.remote_id,
                              [("TYPE", identity.network)]
                              + ([("X-USER", handle)] if handle else []), group))  # fmt: skip
        if identity.profile_url:
            out.append(vcard.line("URL", identity.profile_url, group=group))
    out.append(vcard.line("END", "VCARD"))
    return "".join(out)


# Import: what a file says


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the CSV column or vCard property; "" for the row as a whole
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}, {self.column}" if self.column else f"Row {self.row}"
        return f"{where}: {self.message}"


@dataclass
class IdentityRef:
    network: str
    remote_id: str  # "" when only the handle is known
    handle: str
    given: str  # as the file wrote it, for messages
    profile_url: str = ""


@dataclass
class Incoming:
    """One row (or card) as read, before anything is stored."""

    row: int
    name: str = ""
    starred: bool | None = None  # None: the file does not say
    tags: list[str] = field(default_factory=list)
    lists: list[str] = field(default_factory=list)
    fields: dict[str, str] = field(default_factory=dict)
    identities: list[IdentityRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # oldest first
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))


class Outcome:
    CREATED = "created"
    UPDATED = "updated"  # matched an existing contact and added to it
    UNCHANGED = "unchanged"  # matched, and it had everything already
    FAILED = "failed"


@dataclass
class RowResult:
    row: int
    name: str
    outcome: str = Outcome.FAILED
    contact_id: int | None = None
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome != Outcome.FAILED

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "ok": self.ok, "outcome": self.outcome, "name": self.name,
                "contact": self.contact_id,
                "errors": [{"column": e.column, "message": e.message, "text": str(e)}
                           for e in self.errors],
                "notes": self.notes}  # fmt: skip


@dataclass
class ImportReport:
    format: str  # "csv" or "vcard"
    rows: list[RowResult] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # CSV: the header as read
    notes: list[str] = field(default_factory=list)  # about the file as a whole

    def _count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def created(self) -> int:
        return self._count(Outcome.CREATED)

    @property
    def updated(self) -> int:
        return self._count(Outcome.UPDATED)

    @property
    def unchanged(self) -> int:
        return self._count(Outcome.UNCHANGED)

    @property
    def failed(self) -> int:
        return self._count(Outcome.FAILED)

    @property
    def unit(self) -> str:
        return "card" if self.format == "vcard" else "row"

    def shown(self, limit: int = 500) -> list[RowResult]:
        """The rows a page lists: every failed row and every row with a note, then the others
        up to `limit`, in file order."""
        keep = [r for r in self.rows if not r.ok or r.notes]
        rest = [r for r in self.rows if r.ok and not r.notes][: max(0, limit - len(keep))]
        return sorted(keep + rest, key=lambda r: r.row)

    def as_dict(self) -> dict[str, Any]:
        return {"format": self.format, "total": self.total, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "failed": self.failed,
                "columns": self.columns, "notes": self.notes,
                "rows": [r.as_dict() for r in self.rows]}  # fmt: skip


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


def read_upload(file: bytes | IO[bytes] | Any) -> bytes:
    """The file's bytes; refused when over MAX_FILE_BYTES or empty."""
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
    return (f"The file is {size / 1024 / 1024:.1f} MB; at most {MAX_FILE_BYTES // 1024 // 1024} "
            "MB can be imported at once. Split it into smaller files.")  # fmt: skip


def decode(data: bytes) -> str:
    """The text of the file: UTF-8 (a byte-order mark is dropped; bytes that are not UTF-8
    are kept as markers, so the rows holding them are refused one by one) or UTF-16 with its
    byte-order mark."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _file_error("The file says it is UTF-16 but cannot be read as such.") from exc
    if data.startswith(_WORKBOOKS):
        raise _file_error("This is a spreadsheet workbook, not a CSV file: save it as CSV "
                          "(comma-separated values) first.")  # fmt: skip
    if b"\x00" in data:
        raise _file_error("This is not a text file: it contains binary data.")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return data.decode("utf-8", "surrogateescape")


def _is_vcard(text: str, filename: str) -> bool:
    if text.lstrip()[:11].upper() == "BEGIN:VCARD":
        return True
    return os.path.splitext(filename.lower())[1] in (".vcf", ".vcard")


def parse_identity(network_name: str, value: str, handle: str = "") -> IdentityRef | str:
    """What the file says of one identity: its stable id when given (else only its handle),
    or why it cannot be read."""
    network = NETWORKS.get(network_name.strip().lower())
    given = f"{network_name}:{value}"
    if network is None:
        return f"“{network_name}” is not a network: bluesky or fediverse."
    value, handle = value.strip(), "".join(handle.split()).lstrip("@")
    if not value:
        return f"{given} names no account."
    if len(value) > 500:
        return f"{given[:60]}… is too long for an account's id (500 characters)."
    if network == IdentityNetwork.BLUESKY:
        return _bluesky(value, handle.lower(), given)
    return _fediverse(value, handle, given)


def _bluesky(value: str, handle: str, given: str) -> IdentityRef | str:
    if value.startswith("at://"):
        value = value[5:].split("/", 1)[0]
    elif value.startswith("https://bsky.app/profile/"):
        value = value[len("https://bsky.app/profile/") :].split("/", 1)[0]
    if value.startswith("did:"):
        if not _DID.fullmatch(value):
            return f"{given} is not a Bluesky DID (did:plc:… or did:web:…)."
        return IdentityRef(IdentityNetwork.BLUESKY, value, handle, given)
    name = value.lstrip("@").lower()
    if not _BSKY_HANDLE.fullmatch(name) or len(name) > 253:
        return f"{given} is neither a DID nor a Bluesky handle (like ana.bsky.social)."
    return IdentityRef(IdentityNetwork.BLUESKY, "", name, given)


def _fediverse(value: str, handle: str, given: str) -> IdentityRef | str:
    if value.lower().startswith(("https://", "http://")):
        parts = urlsplit(value)
        try:
            port = parts.port
        except ValueError:
            port, parts = None, urlsplit("")
        if not parts.hostname or any(ch.isspace() for ch in value):
            return f"{given} is not an actor's address."
        host = parts.hostname.lower() + (f":{port}" if port else "")
        page = _PROFILE_PAGE.fullmatch(parts.path)
        if page and not parts.query:  # a Mastodon profile page: it gives the handle, not the id
            return IdentityRef(IdentityNetwork.FEDIVERSE, "", f"@{page.group(1)}@{host}", given,
                               profile_url=value)  # fmt: skip
        named = ("@" + (handle if "@" in handle else f"{handle}@{host}")) if handle else ""
        return IdentityRef(IdentityNetwork.FEDIVERSE, value, named, given)
    if value.lower().startswith("acct:"):
        value = value[5:]
    found = _FEDI_HANDLE.fullmatch(value)
    if found is None:
        return (f"{given} is neither an actor URI (https://…) nor a handle "
                "(@user@host).")  # fmt: skip
    return IdentityRef(IdentityNetwork.FEDIVERSE, "", f"@{found.group(1)}@{found.group(2).lower()}"
                       f"{found.group(3) or ''}", given)  # fmt: skip


def _check_common(item: Incoming, column: dict[str, str], name: str, tags: list[str],
                  lists: list[str], fields: dict[str, str]) -> None:  # fmt: skip
    """Name, tags, lists and fields checked as the actions check them; problems go on the row
    under `column`'s names (name, tags, lists, or the field's label key)."""
    try:
        item.name = actions.check_name(name)
    except ValidationError as exc:
        item.name = " ".join(name.split())[:100]
        item.fail(column["name"], " ".join(exc.messages))
    for tag in tags:
        if len(tag) > MAX_TAG:
            item.fail(column["tags"], f"“{tag[:40]}…”: a tag has at most {MAX_TAG} characters.")
        elif tag.lower() not in {t.lower() for t in item.tags}:
            item.tags.append(tag)
    for listed in lists:
        try:
            cleaned = actions.check_list_name(listed)
        except ValidationError as exc:
            item.fail(column["lists"], f"“{listed[:40]}…”: " + " ".join(exc.messages))
            continue
        if cleaned.lower() not in {n.lower() for n in item.lists}:
            item.lists.append(cleaned)
    for raw_label, raw_value in fields.items():
        label, value = " ".join(raw_label.split()), raw_value.strip()
        where = column.get(raw_label, raw_label)
        if not value:
            continue
        if len(label) > actions.MAX_FIELD_LABEL:
            item.fail(where, f"a field's label has at most {actions.MAX_FIELD_LABEL} characters.")
        elif len(value) > actions.MAX_FIELD_VALUE:
            item.fail(where, f"the value has {len(value)} characters; a field holds at most "
                             f"{actions.MAX_FIELD_VALUE}.")  # fmt: skip
        else:
            item.fields[label] = value
    if len(item.fields) > actions.MAX_FIELDS:
        item.fail("", f"{len(item.fields)} custom fields; a contact has at most "
                      f"{actions.MAX_FIELDS}.")  # fmt: skip


def _starred(item: Incoming, column: str, raw: str) -> None:
    value = raw.strip().lower()
    if value in TRUE:
        item.starred = True
    elif value in FALSE:
        item.starred = False if value else None
    else:
        item.fail(column, f"“{raw[:20]}” is not yes or no.")


def _delimiter(text: str) -> str:
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "," not in first:
        for candidate in (";", "\t"):
            if candidate in first:
                return candidate
    return ","


def parse_csv(text: str, report: ImportReport) -> list[Incoming]:
    """The rows of a CSV file; the file is refused (`ValidationError` on "file") when its
    header is unusable or it has too many rows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header: list[str] | None = None
    records: list[tuple[int, list[str] | str]] = []
    number = 0
    while True:
        number += 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            records.append((number, f"cannot be read as CSV ({exc})."))
            continue
        if header is None:
            if any(cell.strip() for cell in record):
                header = record
            continue
        if any(cell.strip() for cell in record):
            records.append((number, record))
            if len(records) > MAX_ROWS:
                raise _file_error(f"The file has more than {MAX_ROWS:,} rows; import at most "
                                  f"{MAX_ROWS:,} at once.")  # fmt: skip
    if header is None:
        raise _file_error("The file has no rows.")
    if _BAD_BYTES.search("".join(header)):
        raise _file_error("The header row is not UTF-8 text: save the file as UTF-8.")
    roles = _header(header, report)
    return [_csv_row(number, record, roles) for number, record in records]


def _header(header: list[str], report: ImportReport) -> list[tuple[str, str]]:
    """Each column's role: (known column, "") or ("field", label) or ("", "") to skip."""
    roles: list[tuple[str, str]] = []
    seen: set[str] = set()
    as_fields: list[str] = []
    for raw in header:
        cell = raw.strip().lstrip("\ufeff")
        low = cell.lower()
        if not cell:
            roles.append(("", ""))
            continue
        if low in CSV_COLUMNS:
            key, role = low, (low, "")
        else:
            label = cell[len(FIELD_PREFIX) :].strip() if low.startswith(FIELD_PREFIX) else cell
            label = " ".join(label.split())
            if not label:
                roles.append(("", ""))
                continue
            if not low.startswith(FIELD_PREFIX):
                as_fields.append(label)
            key, role = FIELD_PREFIX + label.lower(), ("field", label)
        if key in seen:
            raise _file_error(f"The column “{cell[:60]}” is there twice.")
        seen.add(key)
        roles.append(role)
    if "name" not in seen:
        raise _file_error("The first row must name the columns, and a “name” column is "
                          "required (id, name, starred, tags, lists, identities, handles, "
                          "field:<label>).")  # fmt: skip
    report.columns = [cell.strip() for cell in header]
    if as_fields:
        report.notes.append("Read as custom fields: " + ", ".join(as_fields) + ".")
    ignored = [c for c in NOT_IMPORTED if c in seen]
    if ignored:
        report.notes.append(", ".join(ignored) + " are not imported: ids belong to the "
                            "workspace they came from, strength and last interaction follow "
                            "from the interactions.")  # fmt: skip
    return roles


def _csv_row(number: int, record: list[str] | str, roles: list[tuple[str, str]]) -> Incoming:
    item = Incoming(number)
    if isinstance(record, str):
        item.fail("", record)
        return item
    if len(record) != len(roles):
        item.fail("", f"has {len(record)} cell{'s' * (len(record) != 1)}; the header has "
                      f"{len(roles)}.")  # fmt: skip
        return item
    bad = [role[1] or role[0] or f"column {i + 1}" for i, (cell, role)
           in enumerate(zip(record, roles, strict=True)) if _BAD_BYTES.search(cell)]  # fmt: skip
    if bad:
        item.fail(bad[0], "this cell is not UTF-8 text; save the file as UTF-8.")
        return item
    cells: dict[str, str] = {}
    fields: dict[str, str] = {}
    column = {"name": "name", "tags": "tags", "lists": "lists"}
    for cell, (role, label) in zip(record, roles, strict=True):
        value = restore(cell)
        if role == "field":
            fields[label] = value
            column[label] = FIELD_PREFIX + label
        elif role:
            cells[role] = value
    _check_common(item, column, cells.get("name", ""), split_names(cells.get("tags", "")),
                  split_names(cells.get("lists", "")), fields)  # fmt: skip
    if "starred" in cells:
        _starred(item, "starred", cells["starred"])
    tokens = cells.get("identities", "").split()
    handles = cells.get("handles", "").split()
    if handles and len(handles) != len(tokens):
        item.fail("handles", f"{len(handles)} handles for {len(tokens)} identities: give one "
                             "handle per identity, in the same order.")  # fmt: skip
        handles = []
    for at, token in enumerate(tokens):
        network, sep, value = token.partition(":")
        if not sep:
            item.fail("identities", f"“{token[:60]}” is not network:account "
                                    "(like bluesky:did:plc:… or fediverse:https://…).")  # fmt: skip
            continue
        handle = ""
        if handles:
            h_network, _, handle = handles[at].partition(":")
            if NETWORKS.get(h_network.lower()) != NETWORKS.get(network.lower()):
                item.fail("handles", f"“{handles[at][:60]}” is not on the network of "
                                     f"“{token[:60]}”.")  # fmt: skip
                continue
        _add_identity(item, "identities", parse_identity(network, value, handle))
    return item


def _add_identity(item: Incoming, column: str, ref: IdentityRef | str) -> IdentityRef | None:
    """Add the identity to the row once; the row's identity that holds it now."""
    if isinstance(ref, str):
        item.fail(column, ref)
        return None
    for known in item.identities:
        same_id = ref.remote_id and (known.network, known.remote_id) == (ref.network,
                                                                          ref.remote_id)  # fmt: skip
        same_handle = not ref.remote_id and ref.handle and known.network == ref.network and (
            known.handle.lower() == ref.handle.lower())  # fmt: skip
        if same_id or same_handle:
            known.profile_url = known.profile_url or ref.profile_url
            known.handle = known.handle or ref.handle
            return known
    if ref.remote_id:  # a stable id replaces what only its handle said
        item.identities = [k for k in item.identities if k.remote_id or k.network != ref.network
                           or not ref.handle or k.handle.lower() != ref.handle.lower()]  # fmt: skip
    item.identities.append(ref)
    return ref


def parse_vcards(text: str, report: ImportReport) -> list[Incoming]:
    found: list[Incoming] = []
    outside = 0
    skipped: dict[str, int] = {}
    for entry in vcard.cards(text):
        if isinstance(entry, tuple):
            outside += 1
            continue
        if len(found) >= MAX_ROWS:
            raise _file_error(f"The file has more than {MAX_ROWS:,} cards; import at most "
                              f"{MAX_ROWS:,} at once.")  # fmt: skip
        found.append(_card(entry, skipped))
    if not found:
        raise _file_error("The file has no vCard in it (BEGIN:VCARD … END:VCARD).")
    if outside:
        report.notes.append(f"{outside} line{'s' * (outside != 1)} outside any card "
                            "skipped.")  # fmt: skip
    if skipped:
        report.notes.append("Not imported (no place for them in a contact): " + ", ".join(
            f"{name} ×{n}" for name, n in sorted(skipped.items())) + ".")  # fmt: skip
    return found


def _card(card_: vcard.Card, skipped: dict[str, int]) -> Incoming:
    item = Incoming(card_.number)
    for line_number, message in card_.errors:
        item.fail("", f"line {line_number}: {message}")
    if item.errors:
        return item
    for prop in card_.properties:
        if prop.name not in _VCARD_QUIET:
            skipped[prop.name] = skipped.get(prop.name, 0) + 1
    name = _card_name(card_)
    tags = [t for p in card_.all("CATEGORIES") for t in vcard.split(p.decoded(), ",")]
    lists = [n for p in card_.all("X-OUTLIER-LISTS") for n in vcard.split(p.decoded(), ",")]
    fields: dict[str, str] = {}
    column = {"name": "FN", "tags": "CATEGORIES", "lists": "X-OUTLIER-LISTS"}

    def put(label: str, value: str, where: str) -> None:
        label = " ".join(label.split())
        key, n = label, 1
        while key in fields:
            n += 1
            key = f"{label} {n}"
        fields[key] = value
        column[key] = where

    for prop in card_.all("X-OUTLIER-FIELD"):
        parts = vcard.split(prop.decoded(), ";")
        put(parts[0], ";".join(parts[1:]), "X-OUTLIER-FIELD")
    for prop in card_.properties:
        if prop.name in _VCARD_FIELDS:
            value = (", ".join(p for p in vcard.split(prop.decoded(), ";") if p.strip())
                     if prop.name == "ORG" else prop.text())  # fmt: skip
            put(_VCARD_FIELDS[prop.name], value, prop.name)
    groups: dict[str, IdentityRef] = {}
    for prop in card_.properties:
        if prop.name not in ("SOCIALPROFILE", "X-SOCIALPROFILE"):
            continue
        ref = _social(prop)
        if ref is None:  # a network without identities here (a Twitter profile): a field
            service = prop.params.get("SERVICE-TYPE", []) or prop.params.get("TYPE", [])
            put(f"{(service[0] if service else 'Social').strip()[:40]} profile",
                vcard.unescape(prop.decoded()), prop.name)  # fmt: skip
            continue
        held = _add_identity(item, prop.name, ref)
        if prop.group and held is not None:
            groups.setdefault(prop.group, held)
    for prop in card_.all("URL"):
        url = vcard.unescape(prop.decoded()).strip()
        owner = groups.get(prop.group) if prop.group else None
        if owner is None:
            put("URL", url, "URL")
            continue
        owner.profile_url = owner.profile_url or url[:2000]
    _check_common(item, column, name, [" ".join(t.split()) for t in tags if t.strip()],
                  [n for n in lists if n.strip()], fields)  # fmt: skip
    starred = card_.first("X-OUTLIER-STARRED")
    if starred is not None:
        _starred(item, "X-OUTLIER-STARRED", starred.text())
    for prop in card_.all("NOTE"):
        text = prop.text().strip()
        if len(text) > actions.MAX_NOTE:
            item.fail("NOTE", f"a note has at most {actions.MAX_NOTE:,} characters.")
        elif text and text not in item.notes:
            item.notes.append(text)
    item.notes.reverse()  # exports write the newest first; stored oldest first
    return item


def _card_name(card_: vcard.Card) -> str:
    names = card_.all("FN")
    if names:

        def pref(p: vcard.Property) -> int:
            raw = p.param("PREF")
            return int(raw) if raw.isdigit() else 101 - ("pref" in p.types())

        return min(names, key=pref).text()
    structured = card_.first("N")
    if structured is None:
        return ""
    parts = vcard.split(structured.decoded(), ";") + [""] * 5
    family, given, more, prefix, suffix = (p.replace(",", " ") for p in parts[:5])
    return " ".join(" ".join([prefix, given, more, family, suffix]).split())


def _social(prop: vcard.Property) -> IdentityRef | str | None:
    """A social profile as an identity; None when it is on a network we keep no identities of,
    an error when it cannot be read."""
    services = [s.lower() for s in prop.params.get("SERVICE-TYPE", []) + prop.params.get(
        "TYPE", [])]  # fmt: skip
    network = next((s for s in services if s in NETWORKS), None)
    if network is None:
        return None
    handle = (prop.params.get("USERNAME") or prop.params.get("X-USER") or [""])[0]
    value = vcard.unescape(prop.decoded()).strip()
    if prop.param("VALUE") == "text":  # RFC 9554: the value is the user name
        handle, value = value, value
    return parse_identity(network, value, handle)


# Import: storing


@dataclass
class _Run:
    """What one import keeps between rows."""

    member: Membership
    source: str  # the file's name, for the contacts' history
    unit: str  # "row" or "card"
    before: int  # the highest contact id before the import: name matches stop there
    tags: dict[str, ContactTag] = field(default_factory=dict)
    lists: dict[str, ContactList] = field(default_factory=dict)
    by_name: dict[str, list[int]] = field(default_factory=dict)
    seen_names: dict[str, int] = field(default_factory=dict)
    # The batch's identities given by stable id that exist, by (network, remote_id).
    identities: dict[tuple[str, str], Identity] = field(default_factory=dict)

    def load(self, items: list[Incoming]) -> None:
        """The existing identities a batch names by stable id, in a query per 500."""
        wanted = sorted({r.remote_id for item in items if not item.errors
                         for r in item.identities if r.remote_id})  # fmt: skip
        self.identities = {}
        for start in range(0, len(wanted), 500):
            for identity in Identity.objects.filter(workspace=self.member.workspace,
                                                    remote_id__in=wanted[start : start + 500]):  # fmt: skip
                self.identities[(identity.network, identity.remote_id)] = identity

    def forget(self) -> None:
        """After a rolled-back row: tags and lists it made are gone."""
        self.tags.clear()
        self.lists.clear()

    def tag(self, name: str) -> ContactTag:
        key = name.lower()
        if key not in self.tags:
            ws = self.member.workspace
            found = ContactTag.objects.filter(workspace=ws, name__iexact=name).first()
            self.tags[key] = found or ContactTag.objects.create(workspace=ws, name=name)
        return self.tags[key]

    def contact_list(self, name: str) -> ContactList:
        key = name.lower()
        if key not in self.lists:
            ws = self.member.workspace
            found = ContactList.objects.filter(workspace=ws, name__iexact=name).first()
            self.lists[key] = found or ContactList.objects.create(workspace=ws, name=name)
        return self.lists[key]

    def named(self, name: str) -> int | None:
        """The contact a row without identities matches (see the module's docstring)."""
        if name not in self.by_name:
            self.by_name[name] = list(Contact.objects.filter(
                workspace=self.member.workspace, name=name, pk__lte=self.before,
                identities__isnull=True,
            ).order_by("pk").values_list("pk", flat=True))  # fmt: skip
        nth = self.seen_names.get(name, 0)
        self.seen_names[name] = nth + 1
        ids = self.by_name[name]
        return ids[nth] if nth < len(ids) else None


def do_import_contacts(member: Membership, file: bytes | IO[bytes] | Any,
                       filename: str = "") -> ImportReport:  # fmt: skip
    """Import a CSV or vCard file into the member's workspace; the per-row report. A file that
    cannot be imported at all raises `ValidationError` on "file" and stores nothing."""
    check_role(member, actions.WORK_ROLE)
    filename = os.path.basename(filename or str(getattr(file, "name", "") or ""))[:100]
    text = decode(read_upload(file))
    is_vcard = _is_vcard(text, filename)
    report = ImportReport("vcard" if is_vcard else "csv")
    items = parse_vcards(text, report) if is_vcard else parse_csv(text, report)
    before = Contact.objects.filter(workspace=member.workspace).aggregate(m=Max("pk"))["m"] or 0
    run = _Run(
        member, filename or ("contacts.vcf" if is_vcard else "contacts.csv"), report.unit, before
    )
    for start in range(0, len(items), BATCH):
        batch = items[start : start + BATCH]
        with transaction.atomic():
            run.load(batch)
            report.rows += [_store(run, item) for item in batch]
    return report


def _store(run: _Run, item: Incoming) -> RowResult:
    result = RowResult(item.row, item.name, errors=list(item.errors))
    if result.errors:
        return result
    known: dict[tuple[str, str], Identity] = {}
    new: list[IdentityRef] = []
    for ref in item.identities:
        found = _existing(run, ref, result)
        if found is not None:
            known[(found.network, found.remote_id)] = found
        elif ref.remote_id:
            new.append(ref)
    owners = sorted({i.contact_id for i in known.values()})
    if len(owners) > 1:
        names = ", ".join(str(c) for c in Contact.objects.filter(pk__in=owners).order_by("pk"))
        result.errors.append(RowError(item.row, "identities", "these identities belong to "
                                      f"different contacts ({names}): merge them first, then "
                                      "import the row again."))  # fmt: skip
    if result.errors:
        return result
    try:
        with transaction.atomic():
            if owners:
                created = _update(run, item, result, owners[0], new)
            elif not item.identities and (match := run.named(item.name)) is not None:
                created = _update(run, item, result, match, new)
            else:
                created = _create(run, item, result, new)
        run.identities.update({(i.network, i.remote_id): i for i in created})
    except DatabaseError as exc:
        run.forget()
        result.outcome, result.contact_id, result.notes = Outcome.FAILED, None, []
        result.errors.append(RowError(item.row, "", "could not be stored (it changed while "
                                      f"importing: {exc.__class__.__name__}); import the row "
                                      "again."))  # fmt: skip
    return result


def _existing(run: _Run, ref: IdentityRef, result: RowResult) -> Identity | None:
    if ref.remote_id:
        return run.identities.get((ref.network, ref.remote_id))
    rows = Identity.objects.filter(workspace=run.member.workspace, network=ref.network)
    if ref.profile_url:  # a profile page address: it may be the actor's id after all
        found = rows.filter(remote_id=ref.profile_url).first()
        if found is not None:
            return found
    wanted = Q(handle__iexact=ref.handle)
    if ref.network == IdentityNetwork.BLUESKY:
        wanted |= Q(handle__iexact="@" + ref.handle)
    matches = list(rows.filter(wanted)[:2])
    if len(matches) == 1:
        return matches[0]
    what = "a DID (did:plc:…)" if ref.network == IdentityNetwork.BLUESKY else "the actor URI"
    if matches:
        message = (f"{ref.given} is a handle that two identities of this workspace have had; "
                   f"give {what} instead.")  # fmt: skip
    else:
        message = (f"{ref.given} is only a handle, and no identity of this workspace has it: give "
                   f"{what}. A handle cannot be turned into the account's stable id without "
                   "asking the network.")  # fmt: skip
    result.errors.append(RowError(result.row, "identities", message))
    return None


def _identities(run: _Run, contact: Contact, refs: list[IdentityRef]) -> list[Identity]:
    if not refs:
        return []
    now = timezone.now()
    return Identity.objects.bulk_create([
        Identity(workspace=run.member.workspace, contact=contact, network=ref.network,
                 remote_id=ref.remote_id, handle=(ref.handle or ref.remote_id)[:300],
                 profile_url=ref.profile_url[:2000], first_seen_at=now, last_seen_at=NEVER_SEEN)
        for ref in refs
    ])  # fmt: skip


def _create(run: _Run, item: Incoming, result: RowResult,
            new: list[IdentityRef]) -> list[Identity]:  # fmt: skip
    contact = Contact.objects.create(workspace=run.member.workspace, name=item.name,
                                     starred=bool(item.starred), fields=item.fields)  # fmt: skip
    created = _identities(run, contact, new)
    if item.tags:  # a new contact has none: no need to ask which are there
        Contact.tags.through._default_manager.bulk_create([Contact.tags.through(
            contact=contact, contacttag=run.tag(t)) for t in item.tags])  # fmt: skip
    if item.lists:
        Contact.lists.through._default_manager.bulk_create([Contact.lists.through(
            contact=contact, contactlist=run.contact_list(n)) for n in item.lists])  # fmt: skip
    if item.notes:
        ContactNote.objects.bulk_create([ContactNote(contact=contact, author=run.member.user,
                                                     text=t) for t in item.notes])  # fmt: skip
    ContactEvent.objects.create(contact=contact, user=run.member.user, action="imported",
                                detail=f"from {run.source}, {run.unit} {item.row}"[:500])  # fmt: skip
    result.outcome, result.contact_id = Outcome.CREATED, contact.pk
    return created


def _update(run: _Run, item: Incoming, result: RowResult, contact_id: int,
            new: list[IdentityRef]) -> list[Identity]:  # fmt: skip
    contact = Contact.objects.select_for_update().get(pk=contact_id)
    result.contact_id = contact.pk
    added: list[str] = []
    if not contact.name:
        contact.name = item.name
        added.append("the name")
    elif item.name != contact.name:
        result.notes.append(f"Matched {contact.name or 'a contact'} by its identities; kept "
                            f"the name “{contact.name}”, the file says “{item.name}”.")  # fmt: skip
    if item.starred and not contact.starred:
        contact.starred = True
        added.append("the star")
    elif item.starred is False and contact.starred:
        result.notes.append("Kept it important; the file says it is not.")
    fields = dict(contact.fields) if isinstance(contact.fields, dict) else {}
    new_fields = 0
    for label, value in item.fields.items():
        if label in fields:
            if fields[label] != value:
                result.notes.append(f"Kept {label} = “{fields[label]}”; the file says "
                                    f"“{value}”.")  # fmt: skip
        elif len(fields) >= actions.MAX_FIELDS:
            result.notes.append(f"Not added: {label} (a contact has at most "
                                f"{actions.MAX_FIELDS} fields).")  # fmt: skip
        else:
            fields[label] = value
            new_fields += 1
    if new_fields:
        contact.fields = fields
        added.append(f"{new_fields} field{'s' * (new_fields != 1)}")
    have_tags = {t.lower() for t in contact.tags.values_list("name", flat=True)}
    tags = [run.tag(t) for t in item.tags if t.lower() not in have_tags]
    if tags:
        contact.tags.add(*tags)
        added.append("tags " + ", ".join(t.name for t in tags))
    have_lists = {n.lower() for n in contact.lists.values_list("name", flat=True)}
    lists = [run.contact_list(n) for n in item.lists if n.lower() not in have_lists]
    if lists:
        contact.lists.add(*lists)
        added.append("lists " + ", ".join(lst.name for lst in lists))
    created = _identities(run, contact, new)
    if created:
        count = len(created)
        added.append(f"{count} identit{'ies' if count != 1 else 'y'}")
    have_notes = set(contact.notes.values_list("text", flat=True))
    notes = [t for t in item.notes if t not in have_notes]
    if notes:
        ContactNote.objects.bulk_create([ContactNote(contact=contact, author=run.member.user,
                                                     text=t) for t in notes])  # fmt: skip
        added.append(f"{len(notes)} note{'s' * (len(notes) != 1)}")
    if not added:
        result.outcome = Outcome.UNCHANGED
        return created
    contact.save(update_fields=["name", "starred", "fields"])
    ContactEvent.objects.create(contact=contact, user=run.member.user, action="imported",
                                detail=f"from {run.source}, {run.unit} {item.row}: added "
                                       + "; ".join(added)[:400])  # fmt: skip
    result.outcome = Outcome.UPDATED
    result.notes.insert(0, "Added " + "; ".join(added) + ".")
    return created
