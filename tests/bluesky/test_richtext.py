"""Facet spans (links, mentions, hashtags); cutting long texts into a thread is in
test_thread_split.py."""

from __future__ import annotations

from outlier.networks.bluesky.richtext import byte_range, fits, grapheme_count, spans


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


def test_graphemes_and_bytes_measure_a_post() -> None:
    assert fits("é" * 300) and not fits("é" * 301)
    assert grapheme_count("👨‍👩‍👧e\u0301") == 2
