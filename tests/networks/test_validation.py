"""Whether a post fits a network: each problem names its field, the limit and the count."""

from __future__ import annotations

import dataclasses

from outlier.networks.base import Content, Image, Problem
from outlier.networks.counting import validate
from outlier.networks.registry import RULES

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
# Bluesky's limits on one post: Bluesky itself takes longer texts as threads (tests/bluesky/test_thread_split.py).
ONE_BLUESKY_POST = dataclasses.replace(RULES["bluesky"], max_thread_parts=1)


def jpeg(size: int = 1000, **overrides: str) -> Image:
    fields = {"content_type": "image/jpeg", "alt": "a photo", "filename": "photo.jpg"}
    return Image(data=b"\xff" * size, **(fields | overrides))


def test_a_fitting_post_has_no_problem() -> None:
    content = Content(text="Hello 👋", link="https://example.com", images=(jpeg(),))
    for network in RULES:
        assert validate(content, RULES[network]) == [], network


def test_too_long_names_the_network_limit_and_count() -> None:
    assert validate(Content(text="x" * 312), ONE_BLUESKY_POST) == [
        Problem("text", "Bluesky allows 300 characters; this text has 312.")
    ]


def test_graphemes_under_the_limit_can_still_be_too_many_bytes() -> None:
    problems = validate(Content(text=FAMILY * 200), ONE_BLUESKY_POST)  # 200 graphemes
    assert problems == [Problem("text", "Bluesky allows 3,000 bytes of text; this text has 3,600.")]


def test_x_explains_its_weights_and_counts_the_appended_link() -> None:
    problems = validate(Content(text="a" * 260, link="https://example.com/x"), RULES["x"])
    assert problems == [
        Problem(
            "text",
            "X allows 280 characters (CJK characters and emoji count as 2, links as 23); "
            "this text has 285 with the link.",
        )
    ]


def test_a_link_already_in_the_text_is_not_counted_twice() -> None:
    text = "a" * 250 + " https://example.com/x"
    assert validate(Content(text=text, link="https://example.com/x"), RULES["x"]) == []


def test_email_subject_limit() -> None:
    problems = validate(Content(text="Body", title="t" * 230), RULES["email"])
    assert problems == [
        Problem("title", "E-mail allows 200 characters in the title; this title has 230.")
    ]


def test_empty_text() -> None:
    assert validate(Content(text="  \n"), RULES["email"]) == [
        Problem("text", "E-mail needs some text to post.")
    ]
    assert validate(Content(text=""), RULES["bluesky"]) == [
        Problem("text", "There is nothing to post: write some text, or add a link or an image.")
    ]
    assert validate(Content(text="", images=(jpeg(),)), RULES["bluesky"]) == []


def test_too_many_images() -> None:
    problems = validate(Content(text="hi", images=(jpeg(),) * 5), RULES["mastodon"])
    assert problems == [Problem("images", "Mastodon allows 4 images; this post has 5.")]


def test_an_image_still_too_large() -> None:
    problems = validate(Content(text="hi", images=(jpeg(), jpeg(1_000_001))), RULES["bluesky"])
    assert problems == [
        Problem(
            "images",
            "Image 2 (photo.jpg) has 1,000,001 bytes; Bluesky allows 1,000,000 bytes per image.",
        )
    ]


def test_a_wrong_image_type() -> None:
    image = jpeg(content_type="image/webp", filename="image")
    problems = validate(Content(text="hi", images=(image,)), RULES["threads"])
    assert problems == [Problem("images", "Image 1 is WebP; Threads accepts JPEG and PNG.")]


def test_missing_alt_text_is_not_a_problem() -> None:
    assert validate(Content(text="hi", images=(jpeg(alt=""),)), RULES["mastodon"]) == []


def test_an_empty_image() -> None:
    problems = validate(Content(text="hi", images=(jpeg(0),)), RULES["x"])
    assert problems == [Problem("images", "Image 1 (photo.jpg) is empty.")]


def test_a_link_must_be_a_web_address() -> None:
    problems = validate(Content(text="hi", link="javascript:alert(1)"), RULES["webhook"])
    assert problems == [
        Problem("link", "The link must be a web address starting with http:// or https://.")
    ]


def test_every_problem_at_once() -> None:
    content = Content(
        text="x" * 600, link="nope", images=(jpeg(20 * 1024 * 1024, content_type="image/tiff"),) * 5
    )
    fields = [problem.field for problem in validate(content, RULES["mastodon"])]
    assert fields == ["text", "link", "images"] + ["images", "images"] * 5
