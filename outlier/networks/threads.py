"""Threads: a text longer than one post, cut into posts that each fit.

A network whose rules allow threads (`Rules.max_thread_parts` above 1: Bluesky) takes a text
longer than a post and publishes it as a thread. The composer's preview, the check before a
post is scheduled (composer, CSV import and API alike, through `counting.validate`) and the
adapter that publishes all cut it here, with the same rules, so what the preview shows is what
goes out.

- The author's own cuts come first: a line holding only `---` (`MARKER`) ends one post and
  starts the next, whatever their length, as in Typefully, Buffer and Postiz.
- A part still too long is cut where it reads best, each post as long as it can be: at the
  last paragraph break in the second half of what fits, else the last sentence end there,
  else the last space, and only as a last resort inside a word (at a grapheme boundary: CJK
  text has no spaces).
- Never inside a link, a mention or a hashtag: whatever the network turns into a facet, or
  could (links with or without "https://", "@" and "#" words, see `_kept_whole`), is kept in
  one post.

`split` raises `ThreadError` with a message for the user when the text cannot be a thread:
an empty part between markers (or before the first, after the last), more posts than the
network takes in a thread, or a link, mention or hashtag longer than a whole post.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import regex

from outlier.networks.base import Rules
from outlier.networks.counting import count, find_links

__all__ = ["MARKER", "ThreadError", "split"]

MARKER = "---"  # alone on its line: the post ends here, the next one starts

_MARKER_LINE = re.compile(r"^[^\S\n]*---[^\S\n]*$", re.MULTILINE)
_GRAPHEME = regex.compile(r"\X")
_PARAGRAPH = re.compile(r"\n[^\S\n]*\n")
# A sentence ends at . ! ? … (and closing quotes or brackets) before a space, or at CJK
# full stops, which need no space after them.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*(?=\s)|[。！？][」』”’）)]*")
_SPACE = re.compile(r"\s+")
# "@name", "@name.domain", "@user@server" and "#tag" words: at the start, or after a space or
# an opening bracket, up to the next space, without the sentence's punctuation after them.
_SIGNED_WORD = re.compile(r"(?:(?<=[\s(\[])|^)(?P<sign>[@#＃])[^\s]+")
_TRAILING = ".,;:!?'\"…»›)]}"
_KINDS = {"@": "mention", "#": "hashtag", "＃": "hashtag"}
# Without a byte limit, how many code points of the text a post is looked for in: far more
# than any network's post holds (links counted at a fixed length included).
_WINDOW_PER_UNIT = 8
_WINDOW_EXTRA = 4096
_TOO_MANY_FACTOR = 4  # past this many times the limit, the count is "more than"


class ThreadError(ValueError):
    """The text cannot become a thread on this network; the message says why, for the user."""


@dataclass(frozen=True)
class _Whole:
    """A stretch of the text a cut must not fall inside: a link, a mention or a hashtag."""

    start: int
    end: int
    kind: str


def _kept_whole(text: str) -> list[_Whole]:
    """Links (with or without a scheme, as any network may take them), mentions and hashtags,
    in order, overlapping ones merged. A superset of what Bluesky makes facets of."""
    found = [_Whole(start, end, "link") for start, end, _ in find_links(text, without_scheme=True)]
    for match in _SIGNED_WORD.finditer(text):
        word = match.group().rstrip(_TRAILING)
        if len(word) > 1:
            found.append(_Whole(match.start(), match.start() + len(word), _KINDS[match["sign"]]))
    found.sort(key=lambda whole: (whole.start, -whole.end))
    merged: list[_Whole] = []
    for whole in found:
        if merged and whole.start < merged[-1].end:
            last = merged[-1]
            if whole.end > last.end:
                merged[-1] = _Whole(last.start, whole.end, last.kind)
            continue
        merged.append(whole)
    return merged


class _Cutter:
    """Cuts one part of the text (between markers) into posts that fit."""

    def __init__(self, text: str, rules: Rules) -> None:
        self.text = text
        self.rules = rules
        self.wholes = _kept_whole(text)
        self.starts = [whole.start for whole in self.wholes]
        self.window = rules.max_text_bytes or (rules.max_length * _WINDOW_PER_UNIT + _WINDOW_EXTRA)
        # Where every grapheme counts 1 (Bluesky), the length of a post is a plain sum.
        self.by_grapheme = (
            rules.counter == "graphemes"
            and rules.link_length is None
            and not rules.mentions_without_domain
        )

    def fits(self, part: str) -> bool:
        rules = self.rules
        if rules.max_text_bytes is not None and len(part.encode("utf-8")) > rules.max_text_bytes:
            return False
        return count(part, rules) <= rules.max_length

    def _fitting_graphemes(self, window: str) -> int:
        """`fitting_end` where each grapheme counts 1: one walk, no counting of prefixes."""
        rules = self.rules
        most_bytes = rules.max_text_bytes
        size = 0
        for number, match in enumerate(_GRAPHEME.finditer(window), start=1):
            size += len(match.group().encode("utf-8"))
            if number > rules.max_length or (most_bytes is not None and size > most_bytes):
                return match.start()
        return len(window)

    def inside(self, position: int) -> _Whole | None:
        """The link, mention or hashtag `position` falls strictly inside, if any."""
        index = bisect.bisect_left(self.starts, position) - 1
        if index >= 0 and self.wholes[index].end > position:
            return self.wholes[index]
        return None

    def fitting_end(self, start: int) -> int:
        """The furthest grapheme boundary after `start` up to which the text fits one post."""
        window = self.text[start : start + self.window]
        if self.by_grapheme:
            return start + self._fitting_graphemes(window)
        bounds = [match.end() for match in _GRAPHEME.finditer(window)]
        low, high = 0, len(bounds)  # bounds[:low] fit; bounds[high:] do not
        while low < high:
            middle = (low + high) // 2
            if self.fits(window[: bounds[middle]]):
                low = middle + 1
            else:
                high = middle
        return start + (bounds[low - 1] if low else 0)

    def cut(self, start: int, end: int) -> int:
        """Where the post from `start` (which fits up to `end`) ends; `start` when nowhere."""
        text = self.text
        half = start + (end - start) // 2
        paragraph = [m.start() for m in _PARAGRAPH.finditer(text, start, end) if m.start() >= half]
        sentence = [m.end() for m in _SENTENCE_END.finditer(text, start, min(end + 1, len(text)))
                    if half <= m.end() <= end]  # fmt: skip
        space = [m.start() for m in _SPACE.finditer(text, start, min(end + 1, len(text)))
                 if start < m.start() <= end]  # fmt: skip
        for candidates in (paragraph, sentence, space):
            for position in reversed(candidates):
                if self.inside(position) is None:
                    return position
        # Inside a word: at the last grapheme boundary that is not inside a facet.
        position = end
        while position > start:
            whole = self.inside(position)
            if whole is None:
                return position
            position = whole.start
        return start

    def posts(self, label: str, limit: int) -> list[str]:
        """The posts this part makes; with more than `limit`, the first `limit` and the rest
        as one more (too long) item, not cut further."""
        text = self.text
        found: list[str] = []
        start = 0
        while start < len(text):
            if len(found) >= limit:  # one more post needed than allowed: stop counting
                found.append(text[start:])
                return found
            end = self.fitting_end(start)
            if end >= len(text):
                found.append(text[start:].rstrip())
                break
            cut = self.cut(start, end)
            if cut <= start:
                raise self._too_long(start, label)
            found.append(text[start:cut].rstrip())
            start = cut
            while start < len(text) and text[start].isspace():
                start += 1
        return found

    def _too_long(self, start: int, label: str) -> ThreadError:
        whole = self.inside(start + 1)
        if whole is not None:
            piece, kind = self.text[whole.start : whole.end], whole.kind
        else:
            word = _SPACE.split(self.text[start:], maxsplit=1)[0]
            piece, kind = word, "word"
        shown = piece if len(piece) <= 60 else piece[:57] + "…"
        return ThreadError(
            f"A {kind} is too long for one {label} post, and a thread cannot cut it: "
            f"“{shown}” has {count(piece, self.rules):,} characters; a post holds "
            f"{self.rules.max_length:,}."
        )


def _explicit_parts(text: str) -> list[str]:
    """The text cut at its marker lines; ThreadError when a part between them is empty."""
    parts = [part.strip() for part in _MARKER_LINE.split(text)]
    if len(parts) == 1:
        return parts
    for index, part in enumerate(parts):
        if part:
            continue
        if index == 0:
            where = f"The text starts with a “{MARKER}” line: there is nothing before it."
        elif index == len(parts) - 1:
            where = f"The text ends with a “{MARKER}” line: there is nothing after it."
        else:
            before = parts[index - 1]
            shown = before if len(before) <= 40 else "…" + before[-39:]
            where = f"Two “{MARKER}” lines have nothing between them (after “{shown}”)."

        raise ThreadError(f"{where} Remove that “{MARKER}” line or write the post it starts.")
    return parts


def split(text: str, rules: Rules) -> list[str]:
    """The posts `text` becomes on a network with `rules`, in order: none for an empty text,
    one when it fits and has no marker line. ThreadError when it cannot be a thread there.

    On a network without threads (`max_thread_parts` 1) the text is one post as it is,
    markers and all; whether it fits is `counting.validate`'s question.
    """
    stripped = text.strip()
    if not stripped:
        return []
    limit = rules.max_thread_parts
    if limit <= 1:
        return [stripped]
    if _fewest_posts(stripped, rules) > limit * _TOO_MANY_FACTOR:  # far too long: say so now
        raise _too_many(stripped, rules)
    posts: list[str] = []
    for part in _explicit_parts(stripped):
        posts.extend(_Cutter(part, rules).posts(rules.label, limit - len(posts)))
        if len(posts) > limit:
            break
    if len(posts) > limit:
        raise _too_many(stripped, rules)
    return posts


def _too_many(text: str, rules: Rules) -> ThreadError:
    limit = rules.max_thread_parts
    cap = limit * _TOO_MANY_FACTOR
    needed = _count_posts(text, rules, cap)
    said = f"{needed:,}" if needed <= cap else f"more than {cap:,}"
    return ThreadError(
        f"{rules.label} threads from Outlier hold at most {limit} posts of "
        f"{rules.max_length:,} characters; this text makes {said}. Shorten it, or make "
        "several posts of it."
    )


def _fewest_posts(text: str, rules: Rules) -> int:
    """At least how many posts the text needs: its length without spaces (and markers), which
    no cut drops, over a post's."""
    solid = _SPACE.sub("", _MARKER_LINE.sub("", text))
    if rules.max_text_bytes is not None:  # the cheap bound first
        by_size = -(-len(solid.encode("utf-8")) // rules.max_text_bytes)
        if by_size > rules.max_thread_parts * _TOO_MANY_FACTOR:
            return by_size
    return -(-count(solid, rules) // max(1, rules.max_length))


def _count_posts(text: str, rules: Rules, cap: int) -> int:
    """How many posts the text makes, counting up to `cap` + 1."""
    if _fewest_posts(text, rules) > cap:
        return cap + 1
    total = 0
    for part in _explicit_parts(text):
        total += len(_Cutter(part, rules).posts(rules.label, cap - total))
        if total > cap:
            break
    return total
