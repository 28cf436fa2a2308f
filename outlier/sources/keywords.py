"""Keywords: the words and "quoted phrases" a keyword source listens for, and matching them.

A keyword matches a whole word (or a whole phrase, its words in order with any spacing) in
an item's title or text, whatever the case: "AI" matches "the AI act" but not "said"; a
"#tag" matches the tag and the bare word. Checking is done once per source (`check`), matching
with one compiled pattern per source (`Matcher`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from django.core.exceptions import ValidationError

__all__ = ["MAX_KEYWORDS", "MAX_LENGTH", "Matcher", "check", "split"]

MAX_KEYWORDS = 20
MAX_LENGTH = 100


def split(raw: str) -> list[str]:
    """Keywords written on one line: words apart, "quoted phrases" kept together, commas as
    separators too."""
    try:
        parts = shlex.split(raw.replace(",", " "))
    except ValueError as exc:  # an unclosed quote
        raise ValidationError({"keywords": "A quote is not closed."}) from exc
    return parts


def check(keywords: Iterable[str]) -> list[str]:
    """The keywords cleaned (spacing, duplicates whatever the case), or a ValidationError."""
    cleaned: dict[str, str] = {}
    for keyword in keywords:
        text = " ".join(str(keyword).split()).lstrip("#") if str(keyword).strip() != "#" else ""
        if not text:
            continue
        if len(text) > MAX_LENGTH:
            raise ValidationError({"keywords": f"“{text[:40]}…” is longer than {MAX_LENGTH} "
                                               "characters."})  # fmt: skip
        cleaned.setdefault(text.casefold(), text)
    if not cleaned:
        raise ValidationError({"keywords": 'Give at least one word or "phrase" to look for.'})
    if len(cleaned) > MAX_KEYWORDS:
        raise ValidationError({"keywords": f"At most {MAX_KEYWORDS} keywords a source."})
    return list(cleaned.values())


class Matcher:
    """Which of a source's keywords an item's text holds."""

    def __init__(self, keywords: Iterable[str]) -> None:
        self.keywords = [k for k in keywords if k]
        alternatives = [r"\s+".join(re.escape(w) for w in k.split()) for k in self.keywords]
        self._pattern = (
            re.compile(r"(?<!\w)(" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
            if alternatives else None
        )  # fmt: skip
        self._by_fold = {" ".join(k.split()).casefold(): k for k in self.keywords}

    def found(self, *texts: str) -> list[str]:
        """The keywords present in any of `texts`, in the source's order."""
        if self._pattern is None:
            return []
        seen = {" ".join(m.group(1).split()).casefold() for t in texts
                for m in self._pattern.finditer(t or "")}  # fmt: skip
        return [k for fold, k in self._by_fold.items() if fold in seen]
