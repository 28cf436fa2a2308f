"""Autodiscovery: the feeds a site's page names, and where to look when it names none."""

from __future__ import annotations

from pathlib import Path

import pytest

from outlier.sources.discover import (
    COMMON_PATHS,
    candidates,
    common_urls,
    looks_like_html,
)

FIXTURES = Path(__file__).with_name("fixtures")


def test_the_feeds_a_page_names_in_page_order_with_their_titles() -> None:
    page = (FIXTURES / "web_page.html").read_bytes()

    assert candidates(page, "https://riverwatch.example/") == [
        ("https://riverwatch.example/feed.xml", "River Watch (RSS)"),
        ("https://riverwatch.example/atom.xml", "River Watch (Atom)"),
        ("https://riverwatch.example/feed.json", "JSON"),
    ]
    # Left out: the duplicate of /feed.xml, the WordPress API document, the French version and
    # the print page (no feed type), the javascript: link.


def test_a_link_without_a_title_has_an_empty_one() -> None:
    [(url, title)] = candidates(
        '<link rel="alternate" type="application/atom+xml" href="/a.xml">', "https://s.example/x"
    )
    assert (url, title) == ("https://s.example/a.xml", "")


def test_relative_addresses_follow_the_base_element() -> None:
    page = """<html><head><base href="https://cdn.example/site/">
    <link rel="Alternate" type="application/RSS+XML; charset=utf-8" href="feeds/main.rss">
    </head></html>"""
    assert candidates(page, "https://www.example/") == [
        ("https://cdn.example/site/feeds/main.rss", "")
    ]


def test_feed_scheme_addresses_are_unwrapped() -> None:
    page = """<link rel="alternate" type="application/rss+xml" href="feed://old.example/rss">
    <link rel="alternate" type="application/rss+xml" href="feed:https://new.example/rss">"""
    assert [url for url, _ in candidates(page, "https://x.example/")] == [
        "http://old.example/rss",
        "https://new.example/rss",
    ]


@pytest.mark.parametrize(
    "page",
    ["", "   ", "\x00\x00garbage<<<>>>", "<html><head><link rel=alternate", b"\xff\xfe\x00"],
)
def test_junk_gives_no_candidates_and_no_error(page: str | bytes) -> None:
    assert candidates(page, "https://x.example/") == []


def test_common_paths_hold_the_usual_feed_addresses() -> None:
    for path in ("/feed", "/rss", "/atom.xml", "/feed.xml", "/index.xml", "/rss.xml", "/feed.json"):
        assert path in COMMON_PATHS


def test_common_urls_look_under_the_page_folder_first_then_at_the_root() -> None:
    urls = common_urls("https://example.org/blog/post-1?utm=x#top")

    assert urls[0] == "https://example.org/blog/feed"
    assert urls[len(COMMON_PATHS)] == "https://example.org/feed"
    assert "https://example.org/blog/?feed=rss2" in urls
    assert len(urls) == len(set(urls)) == 2 * len(COMMON_PATHS)


def test_common_urls_for_a_site_root() -> None:
    urls = common_urls("https://example.org/")
    assert urls[:3] == [
        "https://example.org/feed",
        "https://example.org/rss",
        "https://example.org/feed.xml",
    ]
    assert len(urls) == len(COMMON_PATHS)


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/html; charset=utf-8", b"<!DOCTYPE html>\n<html>", True),
        ("text/html", b"<html lang='en'><head>", True),
        ("application/octet-stream", b"\n\n<!-- cms --><HTML>", True),
        ("text/html", b"", True),  # says nothing: the label decides
        ("text/html", b'<?xml version="1.0"?><rss version="2.0">', False),  # a mislabelled feed
        ("text/html", b'{"version": "https://jsonfeed.org/version/1.1"}', False),
        ("application/rss+xml", b"", False),
    ],
)
def test_looks_like_html(content_type: str, body: bytes, expected: bool) -> None:
    assert looks_like_html(content_type, body) is expected
