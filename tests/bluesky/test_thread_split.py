"""Cutting a text into a thread with Bluesky's rules (outlier.networks.threads): where the cuts
fall, the author's "---" lines, and the texts that cannot be a thread."""

from __future__ import annotations

import dataclasses

import pytest

from outlier.networks.bluesky.richtext import fits, grapheme_count, spans
from outlier.networks.registry import RULES
from outlier.networks.threads import MARKER, ThreadError, split

BLUESKY = RULES["bluesky"]


def test_a_text_that_fits_is_one_post() -> None:
    assert BLUESKY.max_thread_parts == 25
    assert split("  Short.  ", BLUESKY) == ["Short."]
    assert split(" \n ", BLUESKY) == []
    assert split("x" * 300, BLUESKY) == ["x" * 300]


def test_a_long_text_is_cut_at_paragraphs_then_sentences_then_words() -> None:
    paragraph = "A first paragraph that runs on. " * 6
    text = paragraph.strip() + "\n\n" + "Then a second one. " * 12
    parts = split(text, BLUESKY)
    assert parts[0] == paragraph.strip()  # the paragraph break comes first
    assert all(fits(part) for part in parts)
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts).split() == text.split()

    words = " ".join(["word"] * 200)
    parts = split(words, BLUESKY)
    assert len(parts) == 4
    assert all(part.startswith("word") and part.endswith("word") for part in parts)


def test_graphemes_and_bytes_both_limit_a_post() -> None:
    emoji = "👨‍👩‍👧 " * 200  # 400 graphemes, 3,800 bytes
    parts = split(emoji, BLUESKY)
    assert all(grapheme_count(p) <= 300 and len(p.encode()) <= 3000 for p in parts)
    assert "".join(parts).replace(" ", "") == emoji.replace(" ", "")
    unbroken = "x" * 650  # no space anywhere: cut between graphemes, as a last resort
    assert [len(p) for p in split(unbroken, BLUESKY)] == [300, 300, 50]


def test_cjk_text_is_cut_after_its_full_stops() -> None:
    sentence = "日本語の文章です。"  # 9 graphemes, no spaces
    parts = split(sentence * 80, BLUESKY)
    assert all(part.endswith("。") for part in parts)
    assert "".join(parts) == sentence * 80


def test_a_cut_never_falls_inside_a_link_mention_or_hashtag() -> None:
    link = "https://example.org/a/very/long/path/to/an/article?utm_source=x&id=12345"
    for facet in (link, "@ann.bsky.social", "#SomeVeryLongHashtagForTheThread"):
        for filler in range(250, 300, 7):  # the facet straddles the 300th grapheme
            text = "x" * filler + " " + facet + " and the end"
            parts = split(text, BLUESKY)
            assert any(facet in part for part in parts), (facet, filler)
        glued = "y" * 280 + "(" + link + ")"  # no space before it: cut before it, not in it
        parts = split(glued, BLUESKY)
        assert parts[1].startswith(link) or link in parts[0]
    # The facets Bluesky makes of each part are the ones of the whole text, none cut.
    text = " ".join(f"#tag{n} @user{n}.bsky.social https://example.org/{n}" for n in range(30))
    parts = split(text, BLUESKY)
    assert len(parts) > 1
    assert sum(len(spans(part)) for part in parts) == len(spans(text))


def test_a_line_with_only_the_marker_starts_the_next_post() -> None:
    text = f"First post.\n{MARKER}\nSecond post.\r\n  {MARKER} \r\nThird, " + "long " * 70
    parts = split(text, BLUESKY)
    assert parts[:2] == ["First post.", "Second post."]
    assert parts[2].startswith("Third,")
    assert len(parts) == 4  # the third part is still too long: cut again
    assert MARKER not in "".join(parts)
    assert split(f"One\n{MARKER}\nTwo", BLUESKY) == ["One", "Two"]  # short, cut all the same
    assert split("Not a marker: --- inside a line", BLUESKY) == ["Not a marker: --- inside a line"]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (f"{MARKER}\nHello", "starts with a “---” line: there is nothing before it"),
        (f"Hello\n{MARKER}\n \n{MARKER}\nagain", "Two “---” lines have nothing between them"),
        (f"Hello\n{MARKER}", "ends with a “---” line"),
    ],
)
def test_an_empty_part_between_markers_is_refused(text: str, says: str) -> None:
    with pytest.raises(ThreadError) as refused:
        split(text, BLUESKY)
    assert says in str(refused.value)
    assert "Remove that “---” line or write the post it starts." in str(refused.value)


def test_too_many_posts_are_refused_with_the_count() -> None:
    with pytest.raises(ThreadError) as refused:
        split("Sentence here. " * 530, BLUESKY)  # 7,950 characters: 27 posts
    assert str(refused.value) == (
        "Bluesky threads from Outlier hold at most 25 posts of 300 characters; this text makes "
        "27. Shorten it, or make several posts of it."
    )
    with pytest.raises(ThreadError) as refused:
        split("word " * 200_000, BLUESKY)  # a megabyte: refused without cutting it all
    assert "this text makes more than 100" in str(refused.value)
    markers = f"\n{MARKER}\n".join(["short"] * 26)
    with pytest.raises(ThreadError, match="makes 26"):
        split(markers, BLUESKY)


def test_a_link_longer_than_a_post_cannot_be_cut() -> None:
    long_link = "https://example.org/" + "a" * 400
    with pytest.raises(ThreadError) as refused:
        split("Read this: " + long_link + " now", BLUESKY)
    assert str(refused.value).startswith("A link is too long for one Bluesky post, and a thread ")
    assert "has 420 characters; a post holds 300." in str(refused.value)
    with pytest.raises(ThreadError, match="A hashtag is too long"):
        split("#" + "t" * 320, BLUESKY)


def test_without_threads_a_text_is_one_post_markers_and_all() -> None:
    single = dataclasses.replace(BLUESKY, max_thread_parts=1)
    text = f"One\n{MARKER}\nTwo " + "x" * 400
    assert split(text, single) == [text]
