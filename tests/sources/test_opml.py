"""OPML import and export: feeds keep their categories, bad files say what is wrong."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from outlier.sources.opml import MAX_FEEDS, OpmlError, OutlineFeed, read_opml, write_opml

FIXTURES = Path(__file__).with_name("fixtures")


def refusal(body: bytes | str) -> str:
    with pytest.raises(OpmlError) as caught:
        read_opml(body)
    return str(caught.value)


def opml_of(outlines: str) -> str:
    return f'<opml version="2.0"><head><title>T</title></head><body>{outlines}</body></opml>'


def test_nested_folders_and_category_attributes_become_categories() -> None:
    document = read_opml((FIXTURES / "nested.opml").read_bytes())
    by_url = {feed.xml_url: feed for feed in document.feeds}

    assert document.title == "Lois's subscriptions"
    assert by_url["https://lwn.example/headlines/rss"].categories == (
        "News/Tech",
        "Linux",
        "kernel",
    )
    assert by_url["https://planet.example/rss"].categories == ("News",)
    assert by_url["https://loose.example/feed"].categories == ("Science/Climate", "Science/Oceans")
    assert by_url["https://slash.example/atom.xml"].categories == ("Weird/Folder",)


def test_a_feed_listed_twice_is_one_feed_with_both_places() -> None:
    document = read_opml((FIXTURES / "nested.opml").read_bytes())
    ars = [f for f in document.feeds if "arstechnica" in f.xml_url]

    assert ars == [
        OutlineFeed(
            xml_url="https://feeds.arstechnica.example/arstechnica/index",
            title="Ars Technica",
            html_url="https://arstechnica.example/",
            categories=("News/Tech", "Duplicates"),
        )
    ]


def test_non_http_addresses_are_skipped_with_a_reason_each() -> None:
    document = read_opml((FIXTURES / "nested.opml").read_bytes())

    assert document.problems == [
        '"Old gopher" was skipped: its feed address "gopher://gopher.example/1/feed" is not an '
        "http or https address.",
        '"Local file" was skipped: its feed address "file:///etc/passwd" is not an http or '
        "https address.",
    ]
    assert "http://wrapped.example/rss" in [f.xml_url for f in document.feeds]  # feed:// unwrapped
    assert len(document.feeds) == 6


def test_opml_1_0_in_latin_1() -> None:
    document = read_opml((FIXTURES / "opml1.opml").read_bytes())

    assert document.title == "mySubscriptions"
    assert [(f.title, f.categories) for f in document.feeds] == [
        ("Café feeds", ()),
        ("Scripting News", ("Blogs",)),
    ]
    assert document.feeds[0].html_url == "http://cafe.example/"


def test_malformed_opml_says_where() -> None:
    assert refusal((FIXTURES / "malformed.opml").read_bytes()) == (
        "The OPML file is not well-formed XML (Opening and ending tag mismatch: outline line 5 "
        "and body, line 7, column 10)."
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "The OPML file is empty."),
        (
            b"<!doctype html><html><body>Export</body></html>",
            "This is a web page, not an OPML file.",
        ),
        (
            b'<rss version="2.0"><channel/></rss>',
            "This is a feed, not an OPML file: add it as a source instead.",
        ),
        (b"<outlines/>", "This is not an OPML file: its root element is <outlines>, not <opml>."),
        (
            b'<opml version="1.0"><head/></opml>',
            "The OPML file has no <body>, so it lists no feeds.",
        ),
        (
            opml_of('<outline text="Empty folder"/>'),
            "The OPML file lists no feed Outlier can read.",
        ),
        (
            opml_of('<outline text="Mail" xmlUrl="mailto:me@example.org"/>'),
            'The OPML file lists no feed Outlier can read: "Mail" was skipped: its feed address '
            '"mailto:me@example.org" is not an http or https address.',
        ),
    ],
)
def test_what_cannot_be_imported_says_why(body: bytes | str, reason: str) -> None:
    assert refusal(body) == reason


def test_entity_declarations_are_refused() -> None:
    body = (
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + opml_of('<outline text="&x;" xmlUrl="https://a.example/feed"/>')
    )
    assert "declares XML entities" in refusal(body)


def test_more_than_the_cap_is_refused() -> None:
    outlines = '<outline xmlUrl="https://a.example/f"/>' * (MAX_FEEDS + 1)
    assert refusal(opml_of(outlines)).startswith("The OPML file lists more than 10,000 feeds")


def test_a_thousand_feeds_read_well_under_a_second() -> None:
    folders = "".join(
        f'<outline text="Folder {f}">'
        + "".join(
            f'<outline type="rss" text="Feed {f}-{n}" xmlUrl="https://f{f}.example/{n}.xml" '
            f'category="/Tag {n % 7}"/>'
            for n in range(100)
        )
        + "</outline>"
        for f in range(10)
    )
    body = opml_of(folders).encode()

    started = time.perf_counter()
    document = read_opml(body)
    elapsed = time.perf_counter() - started

    assert len(document.feeds) == 1000
    assert document.feeds[-1].categories == ("Folder 9", "Tag 1")
    assert elapsed < 0.25


# --- Writing ------------------------------------------------------------------------------------

FEEDS = [
    OutlineFeed("https://a.example/feed", "A & B <news>", "https://a.example/", ("News/Tech",)),
    OutlineFeed("https://b.example/rss", "B", "", ("News/Tech", "Linux", "Science/Oceans")),
    OutlineFeed("https://c.example/atom.xml", "C", "", ("News",)),
    OutlineFeed("https://d.example/feed.json", "Uncategorised\x01", "", ()),
    OutlineFeed("https://e.example/rss", "", "", ("Science/Oceans",)),
]


def test_written_opml_reads_back_the_same() -> None:
    document = read_opml(write_opml("Acme's sources", FEEDS))

    assert document.title == "Acme's sources"
    assert document.problems == []
    assert [(f.xml_url, f.html_url, f.categories) for f in document.feeds] == [
        (f.xml_url, f.html_url, f.categories) for f in FEEDS
    ]
    assert [f.title for f in document.feeds] == [
        "A & B <news>",
        "B",
        "C",
        "Uncategorised",
        "https://e.example/rss",  # a feed without a title is named by its address
    ]


def test_written_opml_uses_nested_folders_for_the_first_category() -> None:
    created = datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    root = etree.fromstring(write_opml("Export", FEEDS, created=created))

    assert root.get("version") == "2.0"
    assert root.findtext("head/dateCreated") == "Mon, 02 Nov 2026 08:30:00 +0000"
    assert [o.get("text") for o in root.findall("body/outline")] == [
        "News",
        "Uncategorised",
        "Science",
    ]
    tech = root.find("body/outline[@text='News']/outline[@text='Tech']")
    assert tech is not None
    assert [o.get("xmlUrl") for o in tech] == ["https://a.example/feed", "https://b.example/rss"]
    assert tech[1].get("category") == "/Linux,/Science/Oceans"


def test_a_round_trip_of_a_real_export_keeps_every_category() -> None:
    original = read_opml((FIXTURES / "nested.opml").read_bytes())
    again = read_opml(write_opml(original.title, original.feeds))

    assert again.feeds == original.feeds
