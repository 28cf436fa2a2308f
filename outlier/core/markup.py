"""Markdown from users, rendered to sanitized HTML (the one HTML sanitizer policy) or to plain
text for the networks."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

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


# --- Markdown to plain text, for the networks -------------------------------------------------

BULLET = "•"
RULE = "———"


def _same_address(label: str, href: str) -> bool:
    """True when a link's text is its address already (an autolink, a pasted URL)."""

    def bare(value: str) -> str:
        value = value.strip().removeprefix("mailto:").rstrip("/")
        return value.lower()

    return bare(label) == bare(href) or bare(label) == bare(unquote(href))


def _inline_text(node: SyntaxTreeNode) -> str:
    out: list[str] = []
    for child in node.children:
        kind = child.type
        if kind in ("text", "text_special", "code_inline", "html_inline"):
            out.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")
        elif kind in ("link", "image"):
            label = " ".join(_inline_text(child).split())
            href = str(child.attrs.get("href" if kind == "link" else "src", ""))
            shown = href.removeprefix("mailto:")
            if child.markup in ("autolink", "linkify") and label:
                out.append(label)  # the address as its author wrote it
            elif not label or _same_address(label, href):
                out.append(shown)
            else:
                out.append(f"{label} ({shown})")
        else:  # strong, em, s: their text without the markers
            out.append(_inline_text(child))
    return "".join(out)


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    return "\n".join([first + lines[0], *((rest + line).rstrip() for line in lines[1:])])


def _list_text(node: SyntaxTreeNode) -> str:
    start = int(str(node.attrs.get("start", 1))) if node.type == "ordered_list" else 1
    # A tight list (no blank line between items) hides its paragraphs: one line per item.
    tight = all(c.hidden for item in node.children for c in item.children if c.type == "paragraph")
    items = []
    for number, item in enumerate(node.children, start):
        marker = f"{number}. " if node.type == "ordered_list" else f"{BULLET} "
        body = _blocks_text(item.children, "\n" if tight else "\n\n")
        items.append(_indent(body, marker, " " * len(marker)))
    return ("\n" if tight else "\n\n").join(items)


def _block_text(node: SyntaxTreeNode) -> str:
    kind = node.type
    if kind in ("paragraph", "heading"):
        return _inline_text(node.children[0]) if node.children else ""
    if kind in ("bullet_list", "ordered_list"):
        return _list_text(node)
    if kind == "blockquote":
        return _indent(_blocks_text(node.children), "> ", "> ")
    if kind in ("fence", "code_block", "html_block"):
        return node.content.rstrip("\n")
    if kind == "hr":
        return RULE
    if kind == "table":
        rows = [row for part in node.children for row in part.children]
        return "\n".join(
            " | ".join(
                _inline_text(cell.children[0]).strip() if cell.children else ""
                for cell in row.children
            )
            for row in rows
        )
    return _blocks_text(node.children)


def _blocks_text(nodes: Iterable[SyntaxTreeNode], separator: str = "\n\n") -> str:
    parts = [_block_text(node) for node in nodes]
    return separator.join(part for part in parts if part.strip())


def render_plain_text(text: str) -> str:
    """Markdown as plain text a network shows as it is: emphasis without its markers, a link
    as "text (address)" (the address alone when it is its own text), lists with "•" or their
    numbers, quotes behind "> ". Markdown that is not valid stays as it was typed, as on the
    public page (which renders the same parser's output)."""
    plain = _blocks_text(SyntaxTreeNode(_md.parse(text or "")).children)
    lines = [line.rstrip() for line in plain.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
