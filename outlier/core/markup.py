"""Markdown from users, rendered to sanitized HTML; the one HTML sanitizer policy."""

from __future__ import annotations

from collections.abc import Iterable

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["strikethrough", "table"]
)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitize_html(
    html: str, *, tags: Iterable[str] = ALLOWED_TAGS, url_schemes: Iterable[str] = LINK_SCHEMES
) -> str:
    """HTML safe to place on a public page: only `tags` (links keep href and title, with a
    scheme from `url_schemes`, and are marked nofollow ugc); everything else is stripped."""
    return nh3.clean(
        html,
        tags=set(tags),
        attributes={"a": {"href", "title"}},
        url_schemes=set(url_schemes),
        link_rel="nofollow noopener ugc",
    )


def render_markdown(text: str) -> str:
    """Markdown to HTML safe to place on a public page: no script, no raw HTML, safe links."""
    return sanitize_html(_md.render(text or ""))
