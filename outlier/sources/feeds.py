"""Read a fetched feed body into a `ParsedFeed` (pure functions: bytes in, dataclasses out).

Accepted: RSS 0.91/0.92/2.0, RSS 1.0 and 0.90 (RDF), Atom 1.0 (and the older Atom 0.3),
JSON Feed 1.0 and 1.1. XML goes through `safe_xml` (no entities, no DTD, no network) in any
encoding its BOM or declaration names; a feed with a stray "&" or an HTML entity is still read,
as far as it can be; the HTTP charset counts only for XML that names no encoding itself.
JSON must be UTF-8 (RFC 8259; a BOM is tolerated).

What comes out is ready to store and show:
- each entry's HTML is the richest body the feed gives (full content, else summary), with
  relative links made absolute against the feed's base (`xml:base`, else the feed's address)
  and then sanitized by the project's one policy (`outlier.core.markup.sanitize_html`), so
  scripts, styles, event handlers and `javascript:` links are gone; `text` is its plain text;
- titles and authors are plain text; URLs are absolute http(s) or "";
- dates are aware datetimes (RFC 822 and ISO 8601 / W3C-DTF; naive means UTC), None when
  missing or unreadable;
- every entry has a `guid`: the feed's id, else its link, else a hash of title and summary.

Refused with `FeedError`, whose str() is a sentence for the curator: an empty body; a web page
(with the hint to add it as a site, so its feeds are discovered instead); a body that is
neither XML nor JSON; XML whose root is not a feed; JSON that is not a JSON Feed or not UTF-8;
a DOCTYPE declaring entities (billion laughs, external entities); a body over
`MAX_FEED_BYTES`. A feed with more than `MAX_ENTRIES` entries is not refused: the first ones
are kept and `ParsedFeed.notes` says so.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import nh3
from lxml import etree
from lxml import html as lxml_html

from outlier.core.markup import sanitize_html

from .safe_xml import XmlError, parse_xml

__all__ = [
    "MAX_ENTRIES",
    "MAX_FEED_BYTES",
    "Entry",
    "FeedError",
    "FeedKind",
    "ParsedFeed",
    "looks_like_feed",
    "parse",
    "parse_date",
    "sniff_body",
]

MAX_ENTRIES = 1000
MAX_FEED_BYTES = 16 * 1024 * 1024
MAX_HTML_CHARS = 200_000  # an entry's body beyond this is cut before cleaning
MAX_TITLE_CHARS = 500
MAX_URL_CHARS = 2000
SNIFF_BYTES = 4096

FeedKind = Literal["rss", "atom", "rdf", "json"]

ATOM = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
MEDIA = "http://search.yahoo.com/mrss/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"

FEED_CONTENT_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/x-rss+xml",
        "application/atom+xml",
        "application/x-atom+xml",
        "application/rdf+xml",
        "application/feed+json",
    }
)
FEED_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "rdf"})
HTML_ROOTS = frozenset({"html", "head", "body", "!doctype html"})
JSON_FEED_VERSION = re.compile(r"^https?://jsonfeed\.org/version/")

WEB_PAGE = (
    "This is a web page, not a feed. Add it as a site instead: Outlier will look for the "
    "feeds the page links to."
)

_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_FIRST_TAG = re.compile(r"<(!doctype\s+html|[a-z_][\w.:-]*)", re.I)
_TAG_LIKE = re.compile(r"<[a-zA-Z/!?]")
_BLOCK_TAG = re.compile(r"<(?:/?(?:p|div|li|h[1-6]|blockquote|pre|tr|td|th|ul|ol|table)|br|hr)\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ZONE_SUFFIX = re.compile(r"\s+(?=[+-]\d{2}:?\d{2}$|Z$)")
_DECLARED_ENCODING = re.compile(rb"\s*<\?xml[^>]*\bencoding\s*=", re.I)
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")
_EMAIL_NAME = re.compile(r"^\S+@\S+\s*\((?P<name>[^)]+)\)$")


class FeedError(Exception):
    """The body cannot be read as a feed; str() is a sentence meant for the curator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    guid: str
    url: str
    title: str
    summary_html: str
    text: str
    image: str
    author: str
    published: datetime | None
    updated: datetime | None


@dataclass(frozen=True)
class ParsedFeed:
    kind: FeedKind
    title: str
    site_url: str
    self_url: str
    hub_url: str
    entries: list[Entry]
    notes: tuple[str, ...] = ()  # remarks for the source's health, e.g. entries left out


# --- Entry point and sniffing ------------------------------------------------------------------


def parse(body: bytes | str, url: str = "", content_type: str = "") -> ParsedFeed:
    """The feed in `body`, fetched from `url` (the base for relative links) with the
    Content-Type `content_type` (its charset counts only for XML that declares no encoding of
    its own, by BOM or declaration). Raises FeedError."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    if len(data) > MAX_FEED_BYTES:
        raise FeedError(f"The feed is larger than {MAX_FEED_BYTES // (1024 * 1024)} MB.")
    kind, _ = _sniff(data[:SNIFF_BYTES])
    if kind == "empty":
        raise FeedError("The feed is empty: the server sent no content.")
    if kind == "html":
        raise FeedError(WEB_PAGE)
    if kind == "json":
        return _read_json_feed(data, url)
    if kind == "xml":
        return _read_xml_feed(_with_charset(body, content_type), url)
    raise FeedError("This is neither XML nor JSON, so it cannot be a feed.")


def _with_charset(body: bytes | str, content_type: str) -> bytes | str:
    """`body` decoded with the Content-Type's charset when the document itself names no
    encoding (no BOM, no encoding in its XML declaration) and that charset is not UTF-8."""
    charset = _charset(content_type)
    if isinstance(body, str) or not charset or charset in ("utf-8", "utf8"):
        return body
    if body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        return body
    if _DECLARED_ENCODING.match(body):
        return body
    try:
        return body.decode(charset, "replace")
    except LookupError:  # a charset Python does not know: let the parser try UTF-8
        return body


def _charset(content_type: str) -> str:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip("\"'").lower()
    return ""


def looks_like_feed(content_type: str, body_start: bytes | str) -> bool:
    """Whether a response is worth parsing as a feed, from its Content-Type and first bytes.

    The body decides when it can (servers often label feeds text/html or text/plain, and
    pages application/xml); the Content-Type decides when the start of the body says nothing."""
    data = body_start.encode("utf-8") if isinstance(body_start, str) else body_start
    kind, first_tag = _sniff(data[:SNIFF_BYTES])
    media_type = content_type.split(";", 1)[0].strip().lower()
    if kind == "html":
        return False
    if kind == "xml" and first_tag:
        return first_tag in FEED_ROOTS or first_tag.endswith(":rss")
    if kind == "json":
        head = data[:SNIFF_BYTES].decode("utf-8", "replace")
        return "jsonfeed.org/version" in head or media_type == "application/feed+json"
    return media_type in FEED_CONTENT_TYPES


def sniff_body(body: bytes | str) -> str:
    """What the start of `body` is: "empty", "html", "xml", "json" or "other"."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return _sniff(data[:SNIFF_BYTES])[0]


def _sniff(head: bytes) -> tuple[str, str]:
    """("empty"|"html"|"xml"|"json"|"other", first tag name lowercased or "")."""
    text = _decode_head(head).lstrip("\ufeff")
    position = 0
    while match := _PROLOG_ITEM.match(text, position):
        position = match.end()
    rest = text[position:]
    if not rest:
        return ("empty", "") if not text.strip() else ("xml", "")
    if rest[0] in "{[":
        return "json", ""
    if rest[0] != "<":
        return ("html", "") if re.search(r"<html[\s>]", rest[:1000], re.I) else ("other", "")
    tag = _first_tag(rest)
    if tag in HTML_ROOTS:
        return "html", tag
    return "xml", tag


def _first_tag(text: str) -> str:
    """The first element's name after any DOCTYPE, or "!doctype html" for an HTML DOCTYPE."""
    if text[:9].lower() == "<!doctype":
        if re.match(r"<!doctype\s+html", text, re.I):
            return "!doctype html"
        end = text.find(">")
        if end < 0:
            return ""
        text = text[end + 1 :].lstrip()
        while match := _PROLOG_ITEM.match(text):
            text = text[match.end() :]
    match = _FIRST_TAG.match(text)
    return match.group(1).lower() if match else ""


def _decode_head(head: bytes) -> str:
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[2:].decode(codec, "replace")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", "replace")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", "replace")
    return head.decode("utf-8", "replace")


# --- XML feeds ----------------------------------------------------------------------------------


def _read_xml_feed(body: bytes | str, url: str) -> ParsedFeed:
    try:
        root = parse_xml(body, base_url=url or None, recover=True)
    except XmlError as error:
        raise FeedError(str(error).replace("The document", "The feed", 1)) from error
    name = etree.QName(root).localname
    namespace = etree.QName(root).namespace
    if name == "rss":
        return _read_rss(root, url)
    if name == "RDF" and namespace == RDF:
        return _read_rdf(root, url)
    if name == "feed" and namespace in (ATOM, ATOM03):
        return _read_atom(root, url, namespace)
    if name.lower() == "html":
        raise FeedError(WEB_PAGE)
    if name.lower() == "opml":
        raise FeedError("This is an OPML list of feeds, not a feed: import it as OPML instead.")
    raise FeedError(
        f"This XML document is not a feed: its root element is <{name}>, where a feed starts "
        "with <rss>, <feed> or <rdf:RDF>."
    )


def _read_rss(root: etree._Element, url: str) -> ParsedFeed:
    channel = root.find("channel")
    if channel is None:
        raise FeedError("This RSS document has no <channel>, so it holds no feed.")
    items = channel.findall("item") or root.findall("item")
    entries, notes = _capped(items, lambda item: _rss_entry(item, url))
    self_url, hub_url = _self_and_hub(channel, url)
    return ParsedFeed(
        kind="rss",
        title=_loose_text(_text(channel.find("title"))),
        site_url=_absolute(_text(channel.find("link")), _base(channel, url)),
        self_url=self_url,
        hub_url=hub_url,
        entries=entries,
        notes=notes,
    )


def _rss_entry(item: etree._Element, url: str) -> Entry | None:
    base = _base(item, url)
    guid_el = item.find("guid")
    guid = _text(guid_el)
    link = _absolute(_text(item.find("link")), base)
    if not link and guid and guid_el is not None and guid_el.get("isPermaLink") != "false":
        link = _absolute(guid, base)
    body = _inner_html(item.find(f"{{{CONTENT}}}encoded")) or _inner_html(item.find("description"))
    return _make_entry(
        guid=guid,
        url=link,
        title=_loose_text(_text(item.find("title"))),
        body_html=body,
        image=_media_image(item, base),
        author=_rss_author(item),
        published=_first_text(item, "pubDate", f"{{{DC}}}date"),
        updated=_first_text(item, f"{{{ATOM}}}updated", f"{{{DCTERMS}}}modified"),
        base=base,
    )


def _read_rdf(root: etree._Element, url: str) -> ParsedFeed:
    namespace = RSS10 if root.find(f"{{{RSS10}}}channel") is not None else RSS090
    channel = root.find(f"{{{namespace}}}channel")
    if channel is None:
        raise FeedError("This RDF document has no RSS <channel>, so it holds no feed.")
    items = root.findall(f"{{{namespace}}}item")
    entries, notes = _capped(items, lambda item: _rdf_entry(item, url, namespace))
    self_url, hub_url = _self_and_hub(channel, url)
    return ParsedFeed(
        kind="rdf",
        title=_loose_text(_text(channel.find(f"{{{namespace}}}title"))),
        site_url=_absolute(_text(channel.find(f"{{{namespace}}}link")), _base(channel, url)),
        self_url=self_url,
        hub_url=hub_url,
        entries=entries,
        notes=notes,
    )


def _rdf_entry(item: etree._Element, url: str, namespace: str) -> Entry | None:
    base = _base(item, url)
    body = _inner_html(item.find(f"{{{CONTENT}}}encoded")) or _inner_html(
        item.find(f"{{{namespace}}}description")
    )
    return _make_entry(
        guid=(item.get(f"{{{RDF}}}about") or "").strip(),
        url=_absolute(_text(item.find(f"{{{namespace}}}link")), base),
        title=_loose_text(_text(item.find(f"{{{namespace}}}title"))),
        body_html=body,
        image=_media_image(item, base),
        author=_text(item.find(f"{{{DC}}}creator")),
        published=_first_text(item, f"{{{DC}}}date"),
        updated=_first_text(item, f"{{{DCTERMS}}}modified"),
        base=base,
    )


def _read_atom(root: etree._Element, url: str, ns: str) -> ParsedFeed:
    entries, notes = _capped(
        root.findall(f"{{{ns}}}entry"), lambda entry: _atom_entry(entry, url, ns, root)
    )
    self_url, hub_url = _self_and_hub(root, url)
    return ParsedFeed(
        kind="atom",
        title=_atom_text(root.find(f"{{{ns}}}title")),
        site_url=_atom_alternate(root, url, ns),
        self_url=self_url,
        hub_url=hub_url,
        entries=entries,
        notes=notes,
    )


def _atom_entry(entry: etree._Element, url: str, ns: str, feed: etree._Element) -> Entry | None:
    body_element = _atom_body(entry, ns)
    base = _base(entry, url)
    enclosure = _atom_link(entry, url, ns, rel="enclosure", type_prefix="image/")
    return _make_entry(
        guid=_text(entry.find(f"{{{ns}}}id")),
        url=_atom_alternate(entry, url, ns),
        title=_atom_text(entry.find(f"{{{ns}}}title")),
        body_html=_atom_html(body_element),
        image=enclosure or _media_image(entry, base),
        author=_atom_author(entry, ns) or _atom_author(feed, ns),
        published=_first_text(entry, f"{{{ns}}}published", f"{{{ns}}}issued"),
        updated=_first_text(entry, f"{{{ns}}}updated", f"{{{ns}}}modified"),
        base=base if body_element is None else _base(body_element, url),
    )


def _atom_body(entry: etree._Element, ns: str) -> etree._Element | None:
    """The entry's <content>, unless it is out of line (src=) or of a kind not shown; else its
    <summary>."""
    content = entry.find(f"{{{ns}}}content")
    if content is not None and not content.get("src") and _atom_html(content):
        return content
    return entry.find(f"{{{ns}}}summary")


def _atom_alternate(element: etree._Element, url: str, ns: str) -> str:
    """The entry's or feed's web page: rel="alternate" (or no rel), an HTML one first."""
    return _atom_link(element, url, ns, rel="alternate", type_prefix="text/html") or _atom_link(
        element, url, ns, rel="alternate"
    )


def _atom_link(
    element: etree._Element, url: str, ns: str, *, rel: str, type_prefix: str = ""
) -> str:
    for link in element.findall(f"{{{ns}}}link"):
        if (link.get("rel") or "alternate").strip().lower() != rel:
            continue
        if type_prefix and not (link.get("type") or type_prefix).lower().startswith(type_prefix):
            continue
        if href := _absolute(link.get("href") or "", _base(link, url)):
            return href
    return ""


def _atom_author(element: etree._Element, ns: str) -> str:
    author = element.find(f"{{{ns}}}author")
    if author is None:
        return ""
    return _text(author.find(f"{{{ns}}}name")) or _text(author.find(f"{{{ns}}}email"))


def _atom_text(element: etree._Element | None) -> str:
    """An Atom text construct (text, html or xhtml) as plain text."""
    if element is None:
        return ""
    kind = (element.get("type") or "text").lower()
    if kind in ("xhtml", "application/xhtml+xml"):
        return _one_line(_html_text(_inner_html(_xhtml_div(element))))
    if kind in ("html", "text/html"):
        return _one_line(_html_text(_text(element)))
    return _one_line(_text(element))


def _atom_html(element: etree._Element | None) -> str:
    """An Atom content or summary as (unsanitized) HTML; "" for media types not shown."""
    if element is None:
        return ""
    kind = (element.get("type") or "text").lower()
    mode = (element.get("mode") or "").lower()  # Atom 0.3
    if kind in ("xhtml", "application/xhtml+xml") or mode == "xml":
        return _inner_html(_xhtml_div(element))
    if kind in ("html", "text/html") or mode == "escaped":
        return _text(element)
    if kind in ("text", "text/plain"):
        return _text_as_html(_text(element))
    return ""


def _xhtml_div(element: etree._Element) -> etree._Element:
    """The xhtml <div> an Atom xhtml construct wraps its markup in (or the element itself)."""
    children = [child for child in element if isinstance(child.tag, str)]
    if len(children) == 1 and etree.QName(children[0]).localname == "div":
        return children[0]
    return element


def _self_and_hub(container: etree._Element, url: str) -> tuple[str, str]:
    """The feed's own address and its WebSub hub, from <link rel="self|hub"> in any namespace
    (atom:link in RSS, link in Atom)."""
    found: dict[str, str] = {}
    for link in container:
        if not isinstance(link.tag, str) or etree.QName(link).localname != "link":
            continue
        rels = (link.get("rel") or "").lower().split()
        href = _absolute(link.get("href") or "", _base(link, url))
        for rel in rels:
            if rel in ("self", "hub") and href:
                found.setdefault(rel, href)
    return found.get("self", ""), found.get("hub", "")


def _media_image(item: etree._Element, base: str) -> str:
    """An image the item names: media:thumbnail, media:content, an image enclosure,
    itunes:image."""
    candidates: list[str] = []
    for thumb in item.iter(f"{{{MEDIA}}}thumbnail"):
        candidates.append(thumb.get("url") or "")
    for media in item.iter(f"{{{MEDIA}}}content"):
        kind = (media.get("medium") or media.get("type") or "").lower()
        if kind == "image" or kind.startswith("image/"):
            candidates.append(media.get("url") or "")
    for enclosure in item.findall("enclosure"):
        if (enclosure.get("type") or "").lower().startswith("image/"):
            candidates.append(enclosure.get("url") or "")
    itunes = item.find(f"{{{ITUNES}}}image")
    if itunes is not None:
        candidates.append(itunes.get("href") or "")
    return next((url for url in (_absolute(c, base) for c in candidates) if url), "")


def _rss_author(item: etree._Element) -> str:
    value = _first_text(item, f"{{{DC}}}creator", "author", f"{{{ITUNES}}}author")
    match = _EMAIL_NAME.match(value)
    return _loose_text(match.group("name") if match else value)


# --- JSON Feed ----------------------------------------------------------------------------------


def _read_json_feed(data: bytes, url: str) -> ParsedFeed:
    document = _load_json(data)
    if not isinstance(document, dict) or not JSON_FEED_VERSION.match(
        _string(document.get("version"))
    ):
        raise FeedError(
            "This JSON document is not a JSON Feed: it has no "
            '"version": "https://jsonfeed.org/version/1.1".'
        )
    base = _absolute(_string(document.get("feed_url")), url) or url
    items = document.get("items")
    items = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    feed_author = _json_author(document)
    entries, notes = _capped(items, lambda item: _json_entry(item, base, feed_author))
    return ParsedFeed(
        kind="json",
        title=_loose_text(_string(document.get("title"))),
        site_url=_absolute(_string(document.get("home_page_url")), base),
        self_url=_absolute(_string(document.get("feed_url")), url),
        hub_url=_json_hub(document.get("hubs"), base),
        entries=entries,
        notes=notes,
    )


def _load_json(data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FeedError("A JSON feed must be encoded in UTF-8, and this one is not.") from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FeedError(
            f"The JSON feed is not valid JSON (line {error.lineno}, column {error.colno}: "
            f"{error.msg})."
        ) from error
    except (ValueError, RecursionError) as error:  # huge numbers, absurd nesting
        raise FeedError("The JSON feed cannot be read: it is nested or sized absurdly.") from error


def _json_entry(item: dict[str, Any], base: str, feed_author: str) -> Entry | None:
    body = _string(item.get("content_html")) or _text_as_html(_string(item.get("content_text")))
    if not body:
        body = _text_as_html(_string(item.get("summary")))
    raw_id = item.get("id")
    return _make_entry(
        guid=str(raw_id).strip() if isinstance(raw_id, str | int) else "",
        url=_absolute(_string(item.get("url")), base)
        or _absolute(_string(item.get("external_url")), base),
        title=_loose_text(_string(item.get("title"))),
        body_html=body,
        image=_absolute(_string(item.get("image")), base)
        or _absolute(_string(item.get("banner_image")), base),
        author=_json_author(item) or feed_author,
        published=_string(item.get("date_published")),
        updated=_string(item.get("date_modified")),
        base=base,
    )


def _json_author(node: dict[str, Any]) -> str:
    """The first author's name: "authors" (1.1) or "author" (1.0)."""
    authors = node.get("authors")
    candidates = authors if isinstance(authors, list) else [node.get("author")]
    for author in candidates:
        if isinstance(author, dict) and (name := _loose_text(_string(author.get("name")))):
            return name
    return ""


def _json_hub(hubs: Any, base: str) -> str:
    if not isinstance(hubs, list):
        return ""
    usable = [hub for hub in hubs if isinstance(hub, dict)]
    usable.sort(key=lambda hub: _string(hub.get("type")).lower() != "websub")
    return next((u for u in (_absolute(_string(h.get("url")), base) for h in usable) if u), "")


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# --- Entries: HTML, text, dates, ids ------------------------------------------------------------


def _capped(
    items: list[Any], make: Callable[[Any], Entry | None]
) -> tuple[list[Entry], tuple[str, ...]]:
    """Entries made from the first MAX_ENTRIES items, and a note when some were left out."""
    entries = [entry for entry in map(make, items[:MAX_ENTRIES]) if entry is not None]
    if len(items) <= MAX_ENTRIES:
        return entries, ()
    return entries, (
        f"The feed has {len(items):,} entries; only the first {MAX_ENTRIES:,} were read.",
    )


def _make_entry(
    *,
    guid: str,
    url: str,
    title: str,
    body_html: str,
    image: str,
    author: str,
    published: str,
    updated: str,
    base: str,
) -> Entry | None:
    """One entry, cleaned; None when the item has nothing to show or to link to."""
    safe_html, first_image = _clean_html(body_html, base)
    if not (guid or url or title or safe_html):
        return None
    return Entry(
        guid=_entry_guid(guid, url, title, safe_html),
        url=url,
        title=title,
        summary_html=safe_html,
        text=_html_text(safe_html),
        image=image or first_image,
        author=_loose_text(author),
        published=parse_date(published),
        updated=parse_date(updated),
    )


def _entry_guid(guid: str, url: str, title: str, summary_html: str) -> str:
    if guid and len(guid) <= MAX_URL_CHARS:
        return guid
    if url:
        return url
    digest = hashlib.sha256(f"{guid}\n{title}\n{summary_html}".encode()).hexdigest()
    return f"sha256:{digest[:40]}"


def _clean_html(body: str, base: str) -> tuple[str, str]:
    """(sanitized HTML with absolute links, the first image's absolute address)."""
    body = body.strip()[:MAX_HTML_CHARS]
    if not body:
        return "", ""
    try:
        fragment = lxml_html.fragment_fromstring(body, create_parent="div")
    except (etree.ParserError, ValueError):
        return sanitize_html(body), ""
    if base:
        fragment.make_links_absolute(base, resolve_base_href=False, handle_failures="discard")
    images = (_absolute(img.get("src") or "", base) for img in fragment.iter("img"))
    first_image = next((src for src in images if src), "")
    return sanitize_html(lxml_html.tostring(fragment, encoding="unicode")).strip(), first_image


def _html_text(html: str) -> str:
    """The plain text of (sanitized) HTML, one space between blocks."""
    if not html:
        return ""
    stripped = nh3.clean(_BLOCK_TAG.sub(lambda m: " " + m.group(0), html), tags=set())
    return " ".join(_CONTROL.sub("", html_lib.unescape(stripped)).split())


def _text_as_html(text: str) -> str:
    """Plain text as HTML paragraphs (blank lines separate them)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs)


def _loose_text(value: str) -> str:
    """A title or name from a format that does not say whether it holds markup (RSS, JSON
    Feed): tags removed when it has some, entities decoded ("&amp;amp;" is common)."""
    if _TAG_LIKE.search(value):
        value = nh3.clean(value, tags=set())
    return _one_line(html_lib.unescape(value))


def _one_line(value: str) -> str:
    """Plain text on one line: control characters dropped, whitespace collapsed, cut."""
    return " ".join(_CONTROL.sub("", value).split())[:MAX_TITLE_CHARS]


def parse_date(value: str) -> datetime | None:
    """An aware datetime from RFC 822 ("Tue, 10 Jun 2003 04:00:00 GMT") or ISO 8601 /
    W3C-DTF ("2003-06-10T04:00:00Z", "2003-06"); naive times are UTC; None when unreadable."""
    value = value.strip()[:64]
    if not value:
        return None
    parsed = _iso_date(value) or _rfc822_date(value)
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso_date(value: str) -> datetime | None:
    if partial := _PARTIAL_DATE.match(value):
        year, month = int(partial.group(1)), int(partial.group(2) or 1)
        return datetime(year, month, 1, tzinfo=UTC) if 1 <= month <= 12 else None
    try:
        return datetime.fromisoformat(_ZONE_SUFFIX.sub("", value))
    except ValueError:
        return None


def _rfc822_date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# --- Small XML helpers --------------------------------------------------------------------------


def _text(element: etree._Element | None) -> str:
    """All the text inside `element` (CDATA included), stripped; "" when absent."""
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def _first_text(element: etree._Element, *paths: str) -> str:
    return next((text for text in (_text(element.find(p)) for p in paths) if text), "")


def _inner_html(element: etree._Element | None) -> str:
    """The markup inside `element`: its text (escaped HTML or CDATA) and any child elements
    (XHTML, or HTML a feed put in without escaping it)."""
    if element is None:
        return ""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        return _text(element)
    parts: Iterator[str] = (etree.tostring(child, encoding="unicode") for child in children)
    return (html_lib.escape(element.text or "") + "".join(parts)).strip()


def _base(element: etree._Element, url: str) -> str:
    """The base for relative URLs inside `element`: xml:base in scope, else the feed's URL."""
    base = element.base or ""
    return _absolute(base, url) if base else url


def _absolute(value: str, base: str) -> str:
    """`value` made absolute against `base`; "" unless it is an http(s) URL of sane length."""
    value = value.strip()
    if not value or len(value) > MAX_URL_CHARS:
        return ""
    try:
        joined = urljoin(base, value) if base else value
        parts = urlsplit(joined)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return joined
