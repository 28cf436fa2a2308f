"""Facet spans (links, mentions, hashtags) and cutting long texts into a thread."""

from __future__ import annotations

from outlier.networks.bluesky.richtext import (
    byte_range,
    fits,
    grapheme_count,
    spans,
    split_thread,
)


def _found(text: str) -> list[tuple[str, str, str]]:
    return [(s.kind, text[s.start : s.end], s.value) for s in spans(text)]


def test_links_mentions_and_tags_are_found_without_surrounding_punctuation() -> None:
    text = "(@ann.test) read https://x.org/a_(b). Also www.site.io, notes.txt #ok, #123 #é! a#b"
    assert _found(text) == [
        ("mention", "@ann.test", "ann.test"),
        ("link", "https://x.org/a_(b)", "https://x.org/a_(b)"),
        ("link", "www.site.io", "https://www.site.io"),
        ("tag", "#ok", "ok"),
        ("tag", "#é", "é"),
    ]


def test_an_address_or_a_link_with_a_fragment_is_not_a_mention_or_tag() -> None:
    assert _found("mail me@example.com") == []
    assert [kind for kind, *_ in _found("see https://x.org/#top")] == ["link"]


def test_byte_ranges_count_utf8_bytes() -> None:
    text = "🦋 #tag"
    (span,) = spans(text)
    assert byte_range(text, span.start, span.end) == (5, 9)


def test_a_text_that_fits_is_one_post() -> None:
    assert split_thread("  Short.  ") == ["Short."]
    assert split_thread("") == []
    assert fits("é" * 300) and not fits("é" * 301)
    assert grapheme_count("👨‍👩‍👧e\u0301") == 2


def test_a_long_text_is_cut_at_paragraphs_then_sentences_then_words() -> None:
    paragraph = "A first paragraph that runs on. " * 6
    text = paragraph.strip() + "\n\n" + "Then a second one. " * 12
    parts = split_thread(text)
    assert parts[0] == paragraph.strip()  # the paragraph break comes first
    assert all(fits(part) for part in parts)
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts).split() == text.split()

    words = " ".join(["word"] * 200)
    assert all(part.startswith("word") and part.endswith("word") for part in split_thread(words))


def test_graphemes_and_bytes_both_limit_a_post() -> None:
    emoji = "👨‍👩‍👧 " * 200  # 400 graphemes, 3,800 bytes
    parts = split_thread(emoji)
    assert all(grapheme_count(p) <= 300 and len(p.encode()) <= 3000 for p in parts)
    assert "".join(parts).replace(" ", "") == emoji.replace(" ", "")
    unbroken = "x" * 650
    assert [len(p) for p in split_thread(unbroken)] == [300, 300, 50]
