"""Counting text as each network does: code points, graphemes, X's weights, links, emoji."""

from __future__ import annotations

import time

import pytest

from outlier.networks.counting import count, find_links
from outlier.networks.registry import RULES

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 5 code points, 18 UTF-8 bytes
E_DECOMPOSED = "e\u0301"  # "é" as "e" + combining acute accent
THUMBS_UP_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽
FLAG = "\U0001f1eb\U0001f1f7"  # 🇫🇷
KEYCAP = "1\ufe0f\u20e3"  # 1️⃣
PHOENIX = "\U0001f426\u200d\U0001f525"  # 🐦‍🔥, an emoji newer than many emoji lists


@pytest.mark.parametrize(
    ("text", "network", "expected"),
    [
        ("hello", "bluesky", 5),
        (FAMILY, "bluesky", 1),
        (E_DECOMPOSED, "bluesky", 1),
        (FLAG + KEYCAP + THUMBS_UP_MEDIUM, "bluesky", 3),
        ("\r\n", "bluesky", 1),  # CRLF is one grapheme
        ("日本語", "bluesky", 3),
        (FAMILY, "webhook", 5),  # plain code points
        (E_DECOMPOSED, "webhook", 2),
        (FAMILY, "linkedin", 8),  # UTF-16 code units
        ("😀", "linkedin", 2),
        (FAMILY, "threads", 18),  # an emoji counts its UTF-8 bytes
        ("😀 ok", "threads", 7),
        ("é", "threads", 1),
    ],
)
def test_counters(text: str, network: str, expected: int) -> None:
    assert count(text, RULES[network]) == expected


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("hello", 5),
        ("日本語", 6),  # CJK weighs 2
        ("한국어", 6),
        (E_DECOMPOSED, 1),  # NFC first: one code point in the Latin range
        ("\u2014\u201c\u2019", 3),  # dash and quotes: general punctuation weighs 1
        ("\u2026", 2),  # … (U+2026) is outside the light ranges
        ("😀", 2),
        (FAMILY, 2),  # an emoji sequence weighs 2 as a whole
        (THUMBS_UP_MEDIUM, 2),
        (FLAG, 2),
        (KEYCAP, 2),
        (PHOENIX, 2),
        ("©", 2),  # twitter-text counts ©, ® and ™ as emoji
        ("a" * 280, 280),
    ],
)
def test_x_weights(text: str, weight: int) -> None:
    assert count(text, RULES["x"]) == weight


def test_x_counts_140_cjk_characters_as_full() -> None:
    assert count("あ" * 140, RULES["x"]) == 280
    assert count("あ" * 141, RULES["x"]) == 282


@pytest.mark.parametrize(
    ("text", "x", "mastodon"),
    [
        ("see https://example.com/a/very/long/path?with=query&and=more now", 31, 31),
        ("see example.com now", 31, 19),  # X links bare domains, Mastodon does not
        ("www.example.org/x.", 24, 18),  # the sentence's full stop is not part of the link
        ("(see https://en.wikipedia.org/wiki/Foo_(bar))", 29, 29),
        ("http://a.co http://b.co", 47, 47),
        ("write to me@example.com", 23, 23),  # an address is not a link
        ("xhttps://example.com", 20, 20),
        ("notes.txt", 23, 9),  # maybe a link on X: never counted below its length or 23
        ("https://planet.example/rivers", 29, 29),  # not a real TLD: maybe not a link
        ("http://192.0.2.1/status", 23, 23),
    ],
)
def test_links(text: str, x: int, mastodon: int) -> None:
    assert count(text, RULES["x"]) == x
    assert count(text, RULES["mastodon"]) == mastodon


def test_mastodon_counts_a_mention_without_its_server() -> None:
    assert count("@alice@mastodon.social hello", RULES["mastodon"]) == len("@alice hello")
    assert count("@alice hello", RULES["mastodon"]) == 12
    assert count("alice@mastodon.social", RULES["mastodon"]) == 21  # an address, not a mention
    assert count("@alice@mastodon.social", RULES["x"]) == 22


def test_find_links_gives_code_point_positions() -> None:
    text = "日本 https://例え.jp/パス and x.com."
    assert find_links(text, without_scheme=True) == [(3, 19, True), (24, 29, True)]
    assert find_links(text) == [(3, 19, True)]


@pytest.mark.parametrize(
    "text",
    [
        "a." * 50_000,
        "http://" + "a." * 50_000,
        "https://a.com" + ")" * 100_000,
        "(" * 100_000 + "https://a.com",
        "http://" * 15_000,
        "@a@b.c " * 15_000,
    ],
)
def test_counting_hostile_text_takes_linear_time(text: str) -> None:
    started = time.perf_counter()
    for network in ("x", "mastodon"):
        count(text, RULES[network])
    assert time.perf_counter() - started < 2
