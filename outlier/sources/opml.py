"""OPML subscription lists, read and written (pure functions: bytes in, dataclasses out).

Reading (`read_opml`) accepts OPML 1.0 and 2.0 as the feed readers in use write them: an
outline with an `xmlUrl` (any letter case, any or no `type`) is a feed; an outline without
one that holds others is a folder. A feed's categories are "/"-paths ("News/Tech") from two
places, in this order: the folders it sits in, then its `category` attribute (OPML 2.0:
comma-separated, slash-delimited, "/News/Tech,/Local"; a value without a slash is a tag and
becomes a one-level category). A folder whose name holds "/" counts as nested folders. A feed
listed twice is one feed, with the categories of both places.

The XML goes through `safe_xml` (no entities, no DTD, no network) and must be well-formed:
an OPML file is written by a program, and guessing at a broken one would import the wrong
feeds.

Refused with `OpmlError` (str() is a sentence for the curator): an empty file, a web page, a
feed (it is added as a source, not imported), malformed XML, a DOCTYPE declaring entities, a
root that is not <opml>, no <body>, no usable feed at all, more than `MAX_FEEDS` feeds.

Skipped, one sentence each in `OpmlDocument.problems`: an outline whose `xmlUrl` is not an
absolute http(s) URL (`feed:` addresses are read as the http address they wrap).

Writing (`write_opml`) produces OPML 2.0: a feed sits in the nested folders of its first
category, and any further categories go in its `category` attribute, so that reading the
file back gives the same feeds with the same categories, and other readers see one folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from lxml import etree

from .feeds import sniff_body
from .safe_xml import XmlError, parse_xml

__all__ = ["MAX_FEEDS", "OpmlDocument", "OpmlError", "OutlineFeed", "read_opml", "write_opml"]

MAX_FEEDS = 10_000
MAX_OUTLINES = 50_000  # folders and everything else included
MAX_TITLE_CHARS = 300
MAX_URL_CHARS = 2000
MAX_PROBLEMS = 100  # the rest are counted in one last sentence

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class OpmlError(Exception):
    """The file cannot be imported; str() is a sentence meant for the curator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class OutlineFeed:
    xml_url: str
    title: str = ""
    html_url: str = ""
    categories: tuple[str, ...] = ()  # "/"-paths: ("News/Tech", "Local")


@dataclass(frozen=True)
class OpmlDocument:
    title: str
    feeds: list[OutlineFeed]
    problems: list[str] = field(default_factory=list)  # outlines skipped, one sentence each


# --- Reading ------------------------------------------------------------------------------------


def read_opml(body: bytes | str) -> OpmlDocument:
    """The feeds `body` lists, with their categories, and the outlines that were skipped."""
    body_element, title = _opml_body(body)
    _check_size(body_element)
    feeds: dict[str, OutlineFeed] = {}
    problems: list[str] = []
    for outline, folders in _feed_outlines(body_element):
        feed = _outline_feed(outline, folders, problems)
        if feed is not None:
            feeds[feed.xml_url] = _merged(feeds.get(feed.xml_url), feed)
    if not feeds:
        reason = f": {problems[0]}" if problems else "."
        raise OpmlError(f"The OPML file lists no feed Outlier can read{reason}")
    return OpmlDocument(title=title, feeds=list(feeds.values()), problems=_capped(problems))


def _opml_body(body: bytes | str) -> tuple[etree._Element, str]:
    """The <body> element and the <head>'s title, or OpmlError for anything but OPML."""
    kind = sniff_body(body)
    if kind == "empty":
        raise OpmlError("The OPML file is empty.")
    if kind == "html":
        raise OpmlError("This is a web page, not an OPML file.")
    try:
        root = parse_xml(body)
    except XmlError as error:
        raise OpmlError(str(error).replace("The document", "The OPML file", 1)) from error
    name = etree.QName(root).localname
    if name in ("rss", "feed", "RDF"):
        raise OpmlError("This is a feed, not an OPML file: add it as a source instead.")
    if name.lower() != "opml":
        raise OpmlError(f"This is not an OPML file: its root element is <{name}>, not <opml>.")
    body_element = _child(root, "body")
    if body_element is None:
        raise OpmlError("The OPML file has no <body>, so it lists no feeds.")
    head = _child(root, "head")
    title_element = _child(head, "title") if head is not None else None
    title = _clean(title_element.text or "") if title_element is not None else ""
    return body_element, title


def _check_size(body_element: etree._Element) -> None:
    feeds = 0
    for outlines, outline in enumerate(body_element.iter("outline"), 1):
        feeds += _attribute(outline, "xmlurl") != ""
        if feeds > MAX_FEEDS or outlines > MAX_OUTLINES:
            raise OpmlError(
                f"The OPML file lists more than {MAX_FEEDS:,} feeds (or {MAX_OUTLINES:,} "
                "outlines); split it into smaller files."
            )


def _feed_outlines(
    body_element: etree._Element,
) -> Iterator[tuple[etree._Element, tuple[str, ...]]]:
    """Each outline with a feed address, in document order, with the folder path above it."""
    stack: list[tuple[etree._Element, tuple[str, ...]]] = [
        (child, ()) for child in reversed(_outlines(body_element))
    ]
    while stack:
        outline, folders = stack.pop()
        children = _outlines(outline)
        if _attribute(outline, "xmlurl"):
            yield outline, folders
        elif children:
            folders = folders + _path(_outline_label(outline))
        stack.extend((child, folders) for child in reversed(children))


def _outline_feed(
    outline: etree._Element, folders: tuple[str, ...], problems: list[str]
) -> OutlineFeed | None:
    raw_url = _attribute(outline, "xmlurl")
    title = _outline_label(outline)
    xml_url = _http_url(raw_url)
    if not xml_url:
        problems.append(
            f'"{title or raw_url[:100]}" was skipped: its feed address "{raw_url[:200]}" '
            "is not an http or https address."
        )
        return None
    categories = ["/".join(folders)] if folders else []
    categories += [_category(value) for value in _attribute(outline, "category").split(",")]
    return OutlineFeed(
        xml_url=xml_url,
        title=title,
        html_url=_http_url(_attribute(outline, "htmlurl")),
        categories=tuple(dict.fromkeys(c for c in categories if c)),
    )


def _merged(known: OutlineFeed | None, feed: OutlineFeed) -> OutlineFeed:
    """One feed listed twice: the first listing's title, every listing's categories."""
    if known is None:
        return feed
    return OutlineFeed(
        xml_url=known.xml_url,
        title=known.title or feed.title,
        html_url=known.html_url or feed.html_url,
        categories=tuple(dict.fromkeys(known.categories + feed.categories)),
    )


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    rest = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], f"{rest:,} more outlines were skipped for the same reasons."]


def _outlines(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if child.tag == "outline"]


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next((c for c in element if isinstance(c.tag, str) and c.tag.lower() == name), None)


def _attribute(outline: etree._Element, name: str) -> str:
    """An outline attribute by name in any letter case (xmlUrl, xmlurl, XMLURL)."""
    for key, value in outline.attrib.items():
        if key.lower() == name:
            return str(value).strip()
    return ""


def _outline_label(outline: etree._Element) -> str:
    return _clean(_attribute(outline, "title") or _attribute(outline, "text"))


def _path(value: str) -> tuple[str, ...]:
    """A folder name or category as its parts: "/News/ Tech /" -> ("News", "Tech")."""
    return tuple(part for part in (" ".join(p.split()) for p in value.split("/")) if part)


def _category(value: str) -> str:
    return "/".join(_path(value))


def _clean(value: str) -> str:
    return " ".join(_XML_INVALID.sub("", value).split())[:MAX_TITLE_CHARS]


def _http_url(value: str) -> str:
    """`value` if it is an absolute http(s) URL of sane length (a `feed:` one unwrapped)."""
    value = value.strip()
    if value.lower().startswith("feed:"):
        wrapped = value[5:].lstrip("/")
        value = wrapped if wrapped.lower().startswith(("http:", "https:")) else "http://" + wrapped
    if not value or len(value) > MAX_URL_CHARS or _XML_INVALID.search(value):
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    return value if parts.scheme in ("http", "https") and parts.hostname else ""


# --- Writing ------------------------------------------------------------------------------------


def write_opml(title: str, feeds: Iterable[OutlineFeed], created: datetime | None = None) -> bytes:
    """An OPML 2.0 document (UTF-8) listing `feeds`, each in the folders of its first category;
    `created`, when given, becomes the head's dateCreated."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml_text(title)
    if created is not None:
        etree.SubElement(head, "dateCreated").text = format_datetime(created)
    body = etree.SubElement(root, "body")
    folders: dict[tuple[str, ...], etree._Element] = {(): body}
    for feed in feeds:
        categories = [c for c in (_category(c) for c in feed.categories) if c]
        parent = _folder(folders, _path(categories[0]) if categories else ())
        etree.SubElement(parent, "outline", _feed_attributes(feed, categories[1:]))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _folder(
    folders: dict[tuple[str, ...], etree._Element], path: tuple[str, ...]
) -> etree._Element:
    """The folder outline for `path`, made (with its parents) when first needed."""
    if path not in folders:
        parent = _folder(folders, path[:-1])
        name = _xml_text(path[-1])
        folders[path] = etree.SubElement(parent, "outline", {"text": name, "title": name})
    return folders[path]


def _feed_attributes(feed: OutlineFeed, more_categories: list[str]) -> dict[str, str]:
    title = _xml_text(feed.title) or _xml_text(feed.xml_url)
    attributes = {"type": "rss", "text": title, "title": title, "xmlUrl": _xml_text(feed.xml_url)}
    if feed.html_url:
        attributes["htmlUrl"] = _xml_text(feed.html_url)
    if more_categories:
        attributes["category"] = ",".join("/" + _xml_text(c) for c in more_categories)
    return attributes


def _xml_text(value: str) -> str:
    """`value` without the characters XML 1.0 cannot hold."""
    return _XML_INVALID.sub("", value)
