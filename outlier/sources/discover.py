"""Feed autodiscovery: which feeds a web page names, and where to look when it names none.

`candidates` reads a page's `<link rel="alternate">` elements whose type is a feed type
(RSS, Atom, JSON Feed: `FEED_TYPES`), wherever they sit in the page (some sites put them in
the body), and answers their addresses made absolute (against `<base href>` if any, else the
page's URL), http(s) only, without fragments, deduplicated, in page order, with the titles
the page gives them. `feed:` addresses are read as the http(s) address they wrap. Links of
type application/json into WordPress's REST API (`/wp-json/`) are API documents, not feeds,
and are left out.

`COMMON_PATHS` are the addresses feeds usually have, for a page that names none; `common_urls`
makes them absolute, below the page's own folder first, then at the site's root.

`looks_like_html` tells a web page from a feed by the start of the body first (servers label
feeds text/html often enough), by the Content-Type only when the body says nothing.

Nothing here fetches anything: the caller fetches the candidates and offers the ones that parse.
Junk HTML gives fewer candidates, never an exception.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from lxml import html as lxml_html

from .feeds import looks_like_feed, sniff_body

__all__ = ["COMMON_PATHS", "FEED_TYPES", "candidates", "common_urls", "looks_like_html"]

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/feed+json",
        "application/json",
        "application/x-rss+xml",
        "application/x-atom+xml",
    }
)
COMMON_PATHS: tuple[str, ...] = (
    "/feed",
    "/rss",
    "/feed.xml",
    "/atom.xml",
    "/rss.xml",
    "/index.xml",
    "/feed.json",
    "/atom",
    "/index.rss",
    "/feed/atom",
    "/rss/index.xml",
    "/?feed=rss2",
)
MAX_CANDIDATES = 50
MAX_URL_CHARS = 2000
MAX_TITLE_CHARS = 300


def candidates(html: str | bytes, page_url: str) -> list[tuple[str, str]]:
    """The feeds the page at `page_url` names in `<link rel="alternate" type="...">`, as
    (address, title) pairs; the title is "" when the link gives none."""
    root = _parse(html)
    if root is None:
        return []
    base = _page_base(root, page_url)
    found: dict[str, str] = {}
    for link in root.iter("link"):
        if not _is_feed_link(link):
            continue
        url = _feed_url(link.get("href") or "", base)
        if url and url not in found:
            found[url] = " ".join((link.get("title") or "").split())[:MAX_TITLE_CHARS]
        if len(found) >= MAX_CANDIDATES:
            break
    return list(found.items())


def common_urls(page_url: str) -> list[str]:
    """COMMON_PATHS made absolute: under the page's folder ("/blog/feed" for "/blog/" or
    "/blog/post"), then at the site's root; deduplicated."""
    parts = urlsplit(page_url)
    folder = parts.path.rsplit("/", 1)[0] if parts.path else ""
    prefixes = [folder, ""] if folder else [""]
    urls = [
        urlunsplit((parts.scheme, parts.netloc, prefix + path.split("?")[0], _query(path), ""))
        for prefix in prefixes
        for path in COMMON_PATHS
    ]
    return list(dict.fromkeys(urls))


def looks_like_html(content_type: str, body: bytes | str) -> bool:
    """True for a web page: the body starts like HTML, or it says nothing either way and is
    labelled text/html or application/xhtml+xml."""
    kind = sniff_body(body)
    if kind == "html":
        return True
    if kind in ("xml", "json") or looks_like_feed(content_type, body):
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in ("text/html", "application/xhtml+xml")


def _parse(html: str | bytes) -> etree._Element | None:
    if not html or not html.strip():
        return None
    try:
        return lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None


def _page_base(root: etree._Element, page_url: str) -> str:
    for base in root.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            return _http_url(urljoin(page_url, href)) or page_url
    return page_url


def _is_feed_link(link: etree._Element) -> bool:
    rels = (link.get("rel") or "").lower().split()
    if "alternate" not in rels or "stylesheet" in rels:
        return False
    media_type = (link.get("type") or "").split(";", 1)[0].strip().lower()
    if media_type not in FEED_TYPES:
        return False
    return not (media_type == "application/json" and "/wp-json/" in (link.get("href") or ""))


def _feed_url(href: str, base: str) -> str:
    href = href.strip()
    if href.lower().startswith("feed:"):
        wrapped = href[5:].lstrip("/")
        href = wrapped if wrapped.lower().startswith(("http:", "https:")) else "http://" + wrapped
    try:
        return _http_url(urljoin(base, href))
    except ValueError:
        return ""


def _http_url(url: str) -> str:
    """`url` without its fragment when it is an http(s) URL of sane length, else ""."""
    if len(url) > MAX_URL_CHARS:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    return urlunsplit(parts._replace(fragment=""))


def _query(path: str) -> str:
    return path.split("?", 1)[1] if "?" in path else ""
