"""Plain-text helpers for the public pages."""

from __future__ import annotations


def cut_at_word(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters at a word boundary, with "…"."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–—") + "…"
