"""Turn a fetched article page into the metadata of a scoop (pure functions, no I/O).

The page's own statements (OpenGraph, Twitter card, JSON-LD, <link>, <html lang>) come first;
trafilatura fills the gaps (title, site name, author, date via htmldate) and supplies the main
text when the page has no usable description. Every text field comes out as plain text.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import nh3
from lxml import html as lxml_html
from trafilatura import bare_extraction
from trafilatura.settings import Document

from .metadata import (
    PageMeta,
    absolute_url,
    decode_html,
    language_code,
    ld_text,
    looks_like_html,
    parse_date,
    parse_html,
    read_page_meta,
    truncate_tree,
)

__all__ = ["Article", "ExtractionError", "cut_excerpt", "extract_article", "plain_text"]

logger = logging.getLogger(__name__)

MAX_CHARS = 300
MIN_DESCRIPTION = 40
MIN_PARAGRAPH = 60
MAX_HTML_CHARS = 4_000_000  # beyond this, only the start of the document is read
MAX_ELEMENTS = 5_000  # the main text is looked for in the first elements only (~1 s at most)
MAX_TEXT_CHARS = 200_000

_TAG_START = re.compile(r"<(?=[a-zA-Z/!?])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(
    r"[\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff\ud800-\udfff]"
)
_SEPARATORS = (" | ", " - ", " – ", " — ", " · ", " • ", " :: ", " » ", " › ", " / ", ": ")
_SLUG = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+){2,}$")
_BOILERPLATE = re.compile(
    r"\bcookies?\b|consent|javascript|newsletter|subscribe|all rights reserved|©", re.IGNORECASE
)
_READ_MORE = re.compile(
    r"(…|\.\.\.|[.!?])\]?\s*(?:continue reading|read more|weiterlesen|lire la suite)\b.*$",
    re.IGNORECASE,
)
_TRUNCATED = re.compile(r"(\s*)[\[(]?(?:\.\.\.|…)[\])]?$")
_BYLINE = re.compile(r"^(?:view all posts by|posted by|written by|by|von|par|por)\s+", re.I)


@dataclass(frozen=True)
class Article:
    title: str
    excerpt: str
    image_url: str
    site_name: str
    author: str
    published_at: datetime | None
    canonical_url: str
    language: str


class ExtractionError(Exception):
    """The page cannot become a scoop; str() is a sentence meant for the curator."""


def extract_article(html: bytes | str, url: str, charset: str | None = None) -> Article:
    """Read the metadata of the article page `html`, fetched from `url`."""
    if isinstance(html, bytes):
        html = decode_html(html[:MAX_HTML_CHARS], charset)
    text = html[:MAX_HTML_CHARS]
    if not looks_like_html(text):
        raise ExtractionError("The page is not an HTML document.")
    tree = parse_html(text)
    if tree is None:
        raise ExtractionError("The page has no title or readable text.")
    page = read_page_meta(tree)
    truncate_tree(tree, MAX_ELEMENTS, MAX_TEXT_CHARS)
    doc = _trafilatura(tree, url) or Document()
    base = absolute_url(page.base_href, url) or url

    title, site_name = _title_and_site_name(page, doc, url)
    excerpt = _excerpt(page, doc, title)
    if not title and not excerpt:
        raise ExtractionError("The page has no title or readable text.")
    return Article(
        title=title,
        excerpt=excerpt,
        image_url=page.image_url(base) or absolute_url(doc.image or "", base),
        site_name=site_name,
        author=_author(page, doc),
        published_at=_published_at(page, doc),
        canonical_url=absolute_url(page.canonical, base)
        or absolute_url(page.first("og:url"), base),
        language=page.language() or language_code(doc.language or ""),
    )


def cut_excerpt(text: str, limit: int = MAX_CHARS) -> str:
    """`text` with whitespace collapsed, cut at a word boundary to `limit` chars including "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit < 2:
        return "…"[:limit]
    head = text[: limit - 1]  # leave room for the ellipsis
    if text[limit - 1] != " ":
        space = head.rfind(" ")
        if space >= limit // 2:
            head = head[:space]
        else:  # one long word, or a script written without spaces: cut between characters
            end = len(head)
            while end > 1 and (_is_mark(text[end]) or text[end - 1] == "\u200d"):
                end -= 1
            head = head[:end]
    return (head.rstrip(" ,;:.-–—(/[") or head) + "…"


def plain_text(value: str, limit: int | None = None) -> str:
    """`value` without tags, entities, control characters or runs of whitespace."""
    text = value
    for _ in range(3):  # undo double escaping too, which can hide tags behind &lt;
        if "<" not in text and "&" not in text:
            break
        cleaned = nh3.clean(
            _TAG_START.sub(" <", text), tags=set(), clean_content_tags={"script", "style"}
        )
        cleaned = html_lib.unescape(cleaned)
        if cleaned == text:
            break
        text = cleaned
    text = _TAG_START.sub("", text)  # whatever still looks like a tag is made inert
    text = " ".join(_INVISIBLE.sub("", _CONTROL.sub("", text)).split())
    return cut_excerpt(text, limit) if limit else text


def _trafilatura(tree: lxml_html.HtmlElement, url: str) -> Document | None:
    try:
        result: Any = bare_extraction(
            tree,  # trafilatura works on a copy
            url=url or None,
            fast=True,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
        )
    except Exception:  # a third-party bug on odd markup must not cost us the page's own metadata
        logger.warning("trafilatura failed on %s", url, exc_info=True)
        return None
    return result if isinstance(result, Document) else None


def _title_and_site_name(page: PageMeta, doc: Document, url: str) -> tuple[str, str]:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    guessed = doc.sitename if doc.sitename and doc.sitename.casefold() != host else ""
    stated = [page.first("og:site_name"), ld_text(page.article.get("publisher")), guessed]
    names = [n for n in (plain_text(n, 100) for n in [*stated, page.ld_site_name]) if n]
    names = [n for n in names if "©" not in n and "copyright" not in n.casefold()]
    known = [n for n in [*names, host, host.rsplit(".", 1)[0]] if n]

    def usable(title: str) -> bool:  # not empty, not just the site's name, not a URL slug
        folded = {n.casefold() for n in known}
        return bool(title) and title.casefold() not in folded and not _SLUG.match(title)

    candidates = (page.first("og:title"), page.headline(), page.first("twitter:title"))
    stated_title = next((t for t in map(plain_text, candidates) if usable(t)), "")
    title_tag, guessed_title = plain_text(page.title_tag), plain_text(doc.title or "")
    if _title_tag_part(title_tag, guessed_title):
        guessed_title = ""  # trafilatura split <title> at " - " or " | ": not our rule
    title = stated_title or (guessed_title if usable(guessed_title) else title_tag)
    title, site_part = _split_site_name(title, names, host)
    site_part = site_part or (_title_tag_part(title_tag, title) if stated_title else "")
    return cut_excerpt(title, MAX_CHARS), (names[0] if names else site_part or host)


def _split_site_name(title: str, names: list[str], host: str) -> tuple[str, str]:
    """ "Title | Site" or "Site: Title" -> ("Title", "Site") when "Site" is the site's name
    or spells its domain ("Women Can Talk Sports" on womencantalksports.com); else (title, "").
    """
    for name in names:
        for separator in _SEPARATORS:
            size = len(separator) + len(name)
            if len(title) > size and title[-size:].casefold() == (separator + name).casefold():
                return title[:-size].strip(), title[-len(name) :]
            if len(title) > size and title[:size].casefold() == (name + separator).casefold():
                return title[size:].strip(), title[: len(name)]
    labels = {_letters(label) for label in host.split(".")[:-1] if label != "www"}
    labels = {label for label in labels if len(label) >= 3}
    for separator in _SEPARATORS[:-1]:  # not ": ", as in "Stuttgart: new bridge opens"
        head, _, tail = title.rpartition(separator)
        if head.strip() and _spells(tail, labels):
            return head.strip(), tail.strip()
        head, _, tail = title.partition(separator)
        if tail.strip() and _spells(head, labels):
            return tail.strip(), head.strip()
    return title, ""


def _spells(part: str, labels: set[str]) -> bool:
    key = _letters(part)
    return len(key) >= 3 and any(
        key in label or (label in key and len(key) <= 2 * len(label)) for label in labels
    )


def _letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def _title_tag_part(title_tag: str, title: str) -> str:
    """The rest of "<title> | Rest" or "Rest: <title>" (often the site's name), else ""."""
    if not title or title == title_tag:
        return ""
    for separator in _SEPARATORS:
        if title_tag.startswith(title + separator):
            rest = title_tag[len(title + separator) :].strip()
        elif title_tag.endswith(separator + title):
            rest = title_tag[: -len(separator + title)].strip()
        else:
            continue
        return rest if len(rest) <= 60 else ""
    return ""


def _excerpt(page: PageMeta, doc: Document, title: str) -> str:
    raw = [*page.descriptions(), doc.description or ""]
    descriptions = [_tidy_description(plain_text(text), title) for text in raw]
    for text in descriptions:
        if len(text) >= MIN_DESCRIPTION and text.casefold() != title.casefold():
            return cut_excerpt(text)
    lines = [plain_text(line) for line in (doc.text or "").splitlines()[:200]]
    prose = (  # paragraphs that read like prose, not list items or a cookie banner
        line
        for line in lines
        if len(line) >= MIN_PARAGRAPH
        and not line.startswith(("- ", "|", "#"))
        and not _BOILERPLATE.search(line)
    )
    if lede := next(prose, ""):
        return cut_excerpt(lede)
    return cut_excerpt(max(descriptions, key=len) or next((line for line in lines if line), ""))


def _tidy_description(text: str, title: str) -> str:
    """Drop a repeated title, "Continue reading …" tails and words cut by the publisher."""
    text = _READ_MORE.sub(lambda m: m[1] if m[1] in ".!?" else " …", text)
    if title and text.startswith(title) and len(text) > len(title) + MIN_DESCRIPTION:
        text = text[len(title) :].lstrip(" :-–—|")
    cut = _TRUNCATED.search(text)
    if cut and " " in text:
        text = text[: cut.start()]
        if not cut.group(1) and re.search(r"\w$", text):  # "and opti..." -> "and"
            text = text.rsplit(" ", 1)[0]
        text = text.rstrip(" ,;:.-–—") + "…"
    return text


def _author(page: PageMeta, doc: Document) -> str:
    for raw in (*page.authors(), doc.author or ""):
        author = _BYLINE.sub("", plain_text(raw))
        if author and "://" not in author and not author.startswith("@"):
            return plain_text(author, 200)
    return ""


def _published_at(page: PageMeta, doc: Document) -> datetime | None:
    if published := page.published_at():
        return published
    published = parse_date(doc.date or "")
    # htmldate pads a bare year (often the copyright line) to January 1st: not a real date
    if published and (published.month, published.day) != (1, 1):
        return published
    return None


def _is_mark(char: str) -> bool:
    return bool(unicodedata.combining(char)) or char in "\u200d\ufe0e\ufe0f"
