"""Readers for a fetched page: bytes to text to tree, and what the page says about itself
(<meta>, <link>, <html lang>, JSON-LD).

Everything here is defensive: pages are written by strangers, so junk is skipped, never raised.
Values are returned raw (not yet cleaned to plain text); `extract.py` decides priorities.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "blogposting",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "techarticle",
        "scholarlyarticle",
        "report",
        "socialmediaposting",
        "liveblogposting",
        "posting",
    }
)
PAGE_TYPES = frozenset({"webpage", "itempage", "aboutpage", "collectionpage", "faqpage"})
SITE_TYPES = frozenset({"website", "organization", "newsmediaorganization", "corporation"})

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(
    rb"<meta[^>]{0,300}?charset\s*=\s*[\"']?\s*([\w.:-]+)|<\?xml[^>]*encoding=[\"']([\w.:-]+)", re.I
)
_HTML_TAG = re.compile(
    r"<(?:!doctype\s+html|html|head|body|title|meta|p|div|article|main|section|h[1-6]|a|span)\b",
    re.IGNORECASE,
)
_FEED_START = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:rdf)\b", re.I)
_BAD_URL = re.compile(r'[\x00-\x1f\x7f<>"]|\{\{|\}\}')  # controls, markup, {{templates}}
_MARKED_DATE = etree.XPath(
    "(//*[@itemprop='datePublished']/@datetime | //time[@pubdate]/@datetime"
    " | //*[contains(concat(' ', @class, ' '), ' published ')]/@title"
    " | //time[contains(concat(' ', @class, ' '), ' published ')]/@datetime)[1]"
)
_LANG = re.compile(r"\s*([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{1,8})*\s*(?:[,;]|$)")
_ZONES = {"CET": 1, "MEZ": 1, "CEST": 2, "MESZ": 2, "BST": 1, "EET": 2, "EEST": 3}
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MAX_SCRIPT_CHARS = 20_000
_MAX_LD_DEPTH = 6
_MAX_LD_NODES = 500
_DATE_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


@dataclass
class PageMeta:
    """What the HTML document says about itself, as found (first value wins per key)."""

    meta: dict[str, str] = field(default_factory=dict)  # lower-cased property/name/itemprop
    canonical: str = ""
    base_href: str = ""
    image_src: str = ""
    lang: str = ""
    title_tag: str = ""
    article: dict[str, Any] = field(default_factory=dict)  # best JSON-LD article-ish node
    ld_site_name: str = ""  # name of a WebSite/Organization node
    marked_date: str = ""  # <time itemprop=datePublished>, <abbr class=published> (hAtom) …

    def first(self, *keys: str) -> str:
        """The first non-empty meta value among `keys`."""
        for key in keys:
            value = self.meta.get(key, "").strip()
            if value:
                return value
        return ""

    def headline(self) -> str:
        headline, name = ld_text(self.article.get("headline")), ld_text(self.article.get("name"))
        tag = self.title_tag.casefold()
        if name and name.casefold() in tag and headline.casefold() not in tag:
            return name  # Wikipedia puts a summary in "headline" and the title in "name"
        return headline

    def descriptions(self) -> list[str]:
        return [
            self.first("og:description"),
            self.first("description"),
            self.first("twitter:description"),
            ld_text(self.article.get("description")),
        ]

    def image_url(self, base: str) -> str:
        for raw in (
            self.first("og:image", "og:image:url", "og:image:secure_url"),
            self.first("twitter:image", "twitter:image:src"),
            ld_image(self.article.get("image")),
            ld_image(self.article.get("thumbnailUrl")),
            self.image_src,
        ):
            if url := absolute_url(raw, base):
                return url
        return ""

    def authors(self) -> list[str]:
        meta = self.first("author", "article:author", "dc.creator", "parsely-author")
        return [", ".join(ld_authors(self.article.get("author"))), meta]

    def published_at(self) -> datetime | None:
        for raw in (
            self.first("article:published_time", "og:article:published_time", "datepublished"),
            ld_text(self.article.get("datePublished")),
            self.first("date", "pubdate", "publishdate", "dc.date", "dc.date.issued"),
            self.marked_date,
        ):
            if published := parse_date(raw):
                return published
        return None

    def language(self) -> str:
        for raw in (
            self.lang,
            self.first("og:locale", "content-language", "dc.language", "language"),
            ld_text(self.article.get("inLanguage")),
        ):
            if code := language_code(raw):
                return code
        return ""


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Bytes to text: BOM, then `charset` (from HTTP), then <meta charset>, else UTF-8."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    match = _META_CHARSET.search(data[:4096])
    sniffed = _codec((match[1] or match[2]).decode("ascii", "ignore")) if match else None
    if sniffed and sniffed.startswith(("utf-16", "utf-32")):
        sniffed = "utf-8"  # the meta tag was readable as ASCII, so the page is not UTF-16
    encoding = _codec(charset) or sniffed or "utf-8"
    return data.decode(encoding, errors="replace")


def _codec(label: str | None) -> str | None:
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name if label else None
    except LookupError:
        return None
    # browsers read these labels as windows-1252, and so do the pages labelled with them
    return "cp1252" if name in ("iso8859-1", "ascii") else name


def looks_like_html(text: str) -> bool:
    """False for binary files, JSON, feeds and text without a single HTML tag."""
    head = text[:2048].lstrip("\ufeff \t\r\n")
    binary = head.count("\x00") > 2 or head.count("\ufffd") > len(head) // 4
    if binary or head.startswith(("%PDF", "GIF8")) or _FEED_START.match(head):
        return False
    if head[:1] in ("{", "["):
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            pass
        else:
            return False
    return _HTML_TAG.search(text) is not None


def parse_html(text: str) -> lxml_html.HtmlElement | None:
    parser = lxml_html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    data = text.replace("\x00", "").encode("utf-8", "replace")
    try:
        tree = lxml_html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError):
        return None
    return tree if isinstance(tree, lxml_html.HtmlElement) else None


def truncate_tree(tree: lxml_html.HtmlElement, max_elements: int, max_chars: int) -> None:
    """Keep the first `max_elements` elements and `max_chars` of text, and short scripts.

    Main-text and date extraction take time in proportion to the document, and no article
    needs more than that. Changes `tree` in place.
    """
    chars = 0
    for count, el in enumerate(tree.iter()):
        if el.tag in ("script", "style"):
            _shorten(el, "text", _MAX_SCRIPT_CHARS)
        else:
            chars += _shorten(el, "text", max_chars - chars)
        chars += _shorten(el, "tail", max_chars - chars)
        if count >= max_elements or chars >= max_chars:
            break
    else:
        return
    for child in list(el):
        el.remove(child)
    node: lxml_html.HtmlElement | None = el
    while node is not None and (parent := node.getparent()) is not None:
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent


def _shorten(el: lxml_html.HtmlElement, attr: str, limit: int) -> int:
    """Cut el.text or el.tail to `limit` chars; return the length kept."""
    value: str = getattr(el, attr) or ""
    if len(value) > limit:
        value = _CONTROL_CHARS.sub("", value[: max(limit, 0)])
        setattr(el, attr, value or None)
    return len(value)


def read_page_meta(tree: lxml_html.HtmlElement) -> PageMeta:
    page = PageMeta()
    for el in tree.iter("meta"):
        value = el.get("content") or ""
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = (el.get(attr) or "").strip().lower()
            if key and value.strip() and key not in page.meta:
                page.meta[key] = value
    for el in tree.iter("link"):
        rels = (el.get("rel") or "").lower().split()
        href = (el.get("href") or "").strip()
        if href and "canonical" in rels and not page.canonical:
            page.canonical = href
        elif href and "image_src" in rels and not page.image_src:
            page.image_src = href
    for el in tree.iter("base"):
        page.base_href = (el.get("href") or "").strip()
        break
    for el in tree.xpath("//title[not(ancestor::svg)]"):
        page.title_tag = el.text_content()
        break
    for value in _MARKED_DATE(tree):
        page.marked_date = str(value).strip()
        break
    root = tree.getroottree().getroot()
    page.lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    _read_json_ld(tree, page)
    return page


# --- JSON-LD -----------------------------------------------------------------------------


def _read_json_ld(tree: lxml_html.HtmlElement, page: PageMeta) -> None:
    nodes: list[dict[str, Any]] = []
    for script in tree.iter("script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        data = _load_json((script.text or "").strip())
        if data is not None:
            nodes.extend(_walk(data, 0))
        if len(nodes) > _MAX_LD_NODES:
            break
    by_id = {n["@id"]: n for n in nodes if isinstance(n.get("@id"), str)}
    article = next((n for n in nodes if _types(n) & ARTICLE_TYPES), None)
    article = article or next((n for n in nodes if _types(n) & PAGE_TYPES), None)
    article = article or next((n for n in nodes if "headline" in n), None)
    if article is not None:
        publisher = article.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("@id"), str):
            publisher = {**by_id.get(publisher["@id"], {}), **publisher}
        page.article = {**article, "publisher": publisher}
        author = article.get("author")
        if isinstance(author, dict) and isinstance(author.get("@id"), str):
            page.article["author"] = {**by_id.get(author["@id"], {}), **author}
    site = next((n for n in nodes if _types(n) & SITE_TYPES and ld_text(n.get("name"))), None)
    page.ld_site_name = ld_text(site.get("name")) if site else ""


def _load_json(text: str) -> Any:
    text = re.sub(r"^\s*(//\s*)?(<!--|<!\[CDATA\[)|(//\s*)?(-->|\]\]>)\s*$", "", text).strip()
    if not text:
        return None
    try:
        return json.loads(text, strict=False)
    except (ValueError, RecursionError):
        pass
    try:  # the most common breakage: trailing commas
        return json.loads(re.sub(r",\s*([}\]])", r"\1", text), strict=False)
    except (ValueError, RecursionError):
        return None


def _walk(data: Any, depth: int) -> Iterator[dict[str, Any]]:
    """Yield every typed node of a JSON-LD document (top level, lists and @graph)."""
    if depth > _MAX_LD_DEPTH:
        return
    if isinstance(data, list):
        for item in data[:_MAX_LD_NODES]:
            yield from _walk(item, depth + 1)
    elif isinstance(data, dict):
        if "@type" in data:
            yield data
        for key in ("@graph", "mainEntity"):
            if key in data:
                yield from _walk(data[key], depth + 1)


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].lower() for v in values if isinstance(v, str)}


def ld_text(value: Any, depth: int = 0) -> str:
    """A JSON-LD value as text: strings as is, the first of a list, `name`/`@value` of objects."""
    if isinstance(value, str):
        return value
    if depth > _MAX_LD_DEPTH:
        return ""
    if isinstance(value, list) and value:
        return ld_text(value[0], depth + 1)
    if isinstance(value, dict):
        return ld_text(value.get("name") or value.get("@value") or "", depth + 1)
    return ""


def ld_image(value: Any, depth: int = 0) -> str:
    """The URL of a JSON-LD image: a string, a list of them, or an ImageObject."""
    if isinstance(value, str):
        return value
    if depth > _MAX_LD_DEPTH:
        return ""
    if isinstance(value, list) and value:
        return ld_image(value[0], depth + 1)
    if isinstance(value, dict):
        url = value.get("url") or value.get("contentUrl") or value.get("@id") or ""
        return ld_image(url, depth + 1)
    return ""


def ld_authors(value: Any, depth: int = 0) -> list[str]:
    """Names of JSON-LD authors: a string, a Person/Organization, or a list of those."""
    if depth > _MAX_LD_DEPTH:
        return []
    if isinstance(value, list):
        return [name for item in value[:10] for name in ld_authors(item, depth + 1)]
    name = value.get("name") if isinstance(value, dict) else value
    if isinstance(name, list):
        return ld_authors(name, depth + 1)
    return [name] if isinstance(name, str) and name.strip() else []


# --- value parsers -----------------------------------------------------------------------


def absolute_url(value: str, base: str) -> str:
    """`value` resolved against `base`; "" unless it is a plausible http(s) URL."""
    value = value.strip().replace(" ", "%20")
    if not value or len(value) > 2000 or _BAD_URL.search(value):
        return ""
    try:
        resolved = urljoin(base, value)
        parts = urlsplit(resolved)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return resolved


def language_code(value: str) -> str:
    """ "en-US" -> "en", "de_DE" -> "de", "fr, en" -> "fr"; "" for anything else."""
    match = _LANG.match(value)
    code = match.group(1).lower() if match else ""
    return "" if code in ("und", "mul", "zxx") else code


def parse_date(value: str, now: datetime | None = None) -> datetime | None:
    """An aware datetime from an ISO 8601-ish string; None when junk, prehistoric or future."""
    value = value.strip()[:64]
    if not value:
        return None
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = _parse_loose_date(value)
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    if parsed.year < 1991 or parsed > now + timedelta(days=1):
        return None
    return parsed


def _parse_loose_date(value: str) -> datetime | None:
    """A date within a longer string ("2019-05-03 10:00 +0200 CET"), or in RFC 2822 form."""
    try:
        if match := _DATE_RE.search(value):
            return datetime.fromisoformat(_iso_from_match(match))
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    zone = next((z for z in value.upper().split() if z in _ZONES), None)
    if parsed.tzinfo is None and zone:  # zones the email module does not know
        parsed = parsed.replace(tzinfo=timezone(timedelta(hours=_ZONES[zone])))
    return parsed


def _iso_from_match(match: re.Match[str]) -> str:
    year, month, day, hour, minute, second, zone = match.groups()
    iso = f"{year}-{int(month):02d}-{int(day):02d}"
    if hour is not None:
        iso += f"T{int(hour):02d}:{minute}:{second or '00'}"
        if zone:
            iso += "+00:00" if zone.upper() == "Z" else zone
    return iso
