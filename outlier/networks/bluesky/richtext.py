"""Bluesky rich text: where the links, mentions and hashtags are.

A post's text is plain; what makes part of it a link, a mention or a hashtag is a facet that
names a range of the text in UTF-8 bytes (byteStart inclusive, byteEnd exclusive). A post
holds at most 300 graphemes and 3,000 bytes of text (lexicon app.bsky.feed.post).

- links: http(s) URLs, and bare domains ("example.com/page") whose top-level domain is a
  common one or that start with "www." (they get "https://"), as the composer's counter finds
  them (`counting.find_links`), without the sentence's punctuation around them;
- mentions: "@" and a handle (a domain name: alice.bsky.social), at the start, after a space
  or an opening parenthesis; the caller resolves each handle to a DID, and a handle that does
  not resolve stays plain text;
- hashtags: "#" (or the full-width "＃") and at least one character that is not a digit, at
  the start or after a space; the sentence's punctuation after it is not part of it, and a tag
  longer than 64 graphemes is not one.

A text longer than a post is cut into a thread by `outlier.networks.threads` (the composer's
preview and the check before scheduling cut it there too), never inside any of these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import regex

from outlier.networks.counting import find_links

__all__ = [
    "MAX_BYTES",
    "MAX_GRAPHEMES",
    "Span",
    "byte_range",
    "fits",
    "grapheme_count",
    "spans",
]

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
MAX_TAG_GRAPHEMES = 64

_GRAPHEME = regex.compile(r"\X")
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
_MENTION = re.compile(rf"(?:(?<=[\s(])|^)@(?P<handle>{_LABEL}(?:\.{_LABEL})+)(?![\w@-]|\.\w)")
_TAG = re.compile(r"(?:(?<=\s)|^)[#＃](?P<tag>[^\s#＃]+)")
_TAG_TRAILING = ".,;:!?'\"…»›)]}"


@dataclass(frozen=True)
class Span:
    """A facet-to-be: code point range of the text, its kind and its value."""

    start: int
    end: int
    kind: str  # "link", "mention" (value: the handle) or "tag" (value: without "#")
    value: str


def grapheme_count(text: str) -> int:
    return sum(1 for _ in _GRAPHEME.finditer(text))


def fits(text: str) -> bool:
    return len(text.encode("utf-8")) <= MAX_BYTES and grapheme_count(text) <= MAX_GRAPHEMES


def byte_range(text: str, start: int, end: int) -> tuple[int, int]:
    """The UTF-8 byte range of text[start:end]."""
    before = len(text[:start].encode("utf-8"))
    return before, before + len(text[start:end].encode("utf-8"))


def _links(text: str) -> list[Span]:
    found = []
    for start, end, certain in find_links(text, without_scheme=True):
        link = text[start:end]
        has_scheme = link.lower().startswith(("http://", "https://"))
        if not has_scheme and not certain:
            continue
        found.append(Span(start, end, "link", link if has_scheme else f"https://{link}"))
    return found


def _mentions(text: str) -> list[Span]:
    return [
        Span(match.start(), match.end(), "mention", match.group("handle").lower())
        for match in _MENTION.finditer(text)
    ]


def _tags(text: str) -> list[Span]:
    found = []
    for match in _TAG.finditer(text):
        tag = match.group("tag").rstrip(_TAG_TRAILING)
        if not tag or tag.isdigit() or tag.startswith("\ufe0f"):
            continue
        if grapheme_count(tag) > MAX_TAG_GRAPHEMES:
            continue
        start = match.start()
        found.append(Span(start, match.start("tag") + len(tag), "tag", tag))
    return found


def spans(text: str) -> list[Span]:
    """Links, mentions and hashtags in `text`, in order and not overlapping (links win)."""
    taken: list[Span] = []
    for candidate in [*_links(text), *_mentions(text), *_tags(text)]:
        if all(candidate.end <= span.start or candidate.start >= span.end for span in taken):
            taken.append(candidate)
    return sorted(taken, key=lambda span: span.start)
