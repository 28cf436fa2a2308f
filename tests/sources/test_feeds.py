"""Reading feeds: what a curator sees from RSS, Atom, RDF and JSON Feed, and what is refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from outlier.sources.feeds import (
    MAX_ENTRIES,
    FeedError,
    ParsedFeed,
    looks_like_feed,
    parse,
    parse_date,
)

FIXTURES = Path(__file__).with_name("fixtures")


def read(name: str, url: str = "") -> ParsedFeed:
    return parse((FIXTURES / name).read_bytes(), url)


def refusal(body: bytes | str, url: str = "https://feeds.example/feed") -> str:
    with pytest.raises(FeedError) as caught:
        parse(body, url)
    return str(caught.value)


# --- RSS 2.0 ------------------------------------------------------------------------------------


def test_rss_feed_names_its_site_its_own_address_and_its_hub() -> None:
    feed = read("rss2_cdata.xml", "https://riverwatch.example/feed.xml")

    assert feed.kind == "rss"
    assert feed.title == "River Watch"
    assert feed.site_url == "https://riverwatch.example/"
    assert feed.self_url == "https://riverwatch.example/feed.xml"
    assert feed.hub_url == "https://hub.example/"
    assert [e.title for e in feed.entries] == [
        "Rivers are rising & towns adapt",
        "Second story, no guid",
        "Third story, only text",
    ]


def test_rss_content_in_cdata_comes_out_inert_with_absolute_links() -> None:
    entry = read("rss2_cdata.xml", "https://riverwatch.example/feed.xml").entries[0]

    html = entry.summary_html
    assert "<script" not in html and "stolen cookies" not in html
    assert "<style" not in html and "display: none" not in html
    assert "onclick" not in html and "javascript:" not in html
    assert '<a href="https://riverwatch.example/reports/2026.pdf"' in html
    assert entry.text == (
        "Scientists measured the fastest rise in a century. "
        "Towns along the banks change how they build."
    )
    assert entry.url == "https://riverwatch.example/2026/11/rivers-rising"
    assert entry.image == "https://riverwatch.example/images/gauge.jpg"
    assert entry.author == "Lois Lane"
    assert entry.guid == "riverwatch-1042"
    assert entry.published == datetime(2026, 11, 2, 8, 30, tzinfo=UTC)


def test_rss_escaped_description_and_image_enclosure() -> None:
    entry = read("rss2_cdata.xml", "https://riverwatch.example/feed.xml").entries[1]

    assert entry.summary_html == "<p>Escaped HTML description.</p>"
    assert entry.image == "https://cdn.riverwatch.example/second.jpg"
    assert entry.guid == entry.url == "https://riverwatch.example/2026/11/second"


def test_an_item_without_guid_or_link_gets_a_stable_hash() -> None:
    first = read("rss2_cdata.xml").entries[2]
    again = read("rss2_cdata.xml").entries[2]

    assert first.url == ""
    assert first.guid.startswith("sha256:") and first.guid == again.guid


def test_title_with_markup_and_double_escaping_is_plain_text() -> None:
    body = (
        "<rss><channel><title>T</title><item><title>&lt;b&gt;Bold&lt;/b&gt; AT&amp;amp;T</title>"
        "<link>https://x.example/1</link></item></channel></rss>"
    )
    assert parse(body).entries[0].title == "Bold AT&T"


def test_a_bare_ampersand_does_not_lose_the_feed() -> None:
    body = b"<rss><channel><title>Fish & Chips</title><item><title>Cod & more</title></item></channel></rss>"
    feed = parse(body)

    assert feed.title == "Fish & Chips"
    assert feed.entries[0].title == "Cod & more"


def test_more_than_the_cap_keeps_the_first_entries_and_says_so() -> None:
    items = "".join(f"<item><link>https://x.example/{n}</link></item>" for n in range(1500))
    feed = parse(f"<rss><channel><title>Busy</title>{items}</channel></rss>")

    assert len(feed.entries) == MAX_ENTRIES
    assert feed.entries[-1].url == f"https://x.example/{MAX_ENTRIES - 1}"
    assert feed.notes == ("The feed has 1,500 entries; only the first 1,000 were read.",)


def test_rss_091_with_a_netscape_doctype_is_read_without_loading_it() -> None:
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n<rss version="0.91"><channel>'
        b"<title>Old school</title><link>http://old.example/</link><item><title>Hi</title>"
        b"<link>http://old.example/hi</link></item></channel></rss>"
    )
    feed = parse(body)

    assert feed.title == "Old school"
    assert feed.entries[0].url == "http://old.example/hi"


def test_an_article_quoting_an_entity_declaration_is_not_refused() -> None:
    body = (
        "<rss><channel><title>Security notes</title><item><title>XXE explained</title>"
        '<description><![CDATA[<pre>&lt;!DOCTYPE x [&lt;!ENTITY e SYSTEM "file:///etc/passwd"&gt;]&gt;'
        "</pre><p><!ENTITY is the culprit></p>]]></description></item></channel></rss>"
    )
    assert parse(body).entries[0].title == "XXE explained"


# --- Atom, RDF, JSON Feed -----------------------------------------------------------------------


def test_atom_resolves_links_against_xml_base() -> None:
    feed = read("atom_xml_base.xml", "https://blog.example/atom.xml")
    entry = feed.entries[0]

    assert feed.kind == "atom"
    assert feed.title == "Ada’s Notes"
    assert feed.site_url == "https://blog.example/"
    assert feed.hub_url == "https://pubsubhubbub.example/"
    assert entry.url == "https://blog.example/posts/engines.html"
    assert entry.image == "https://blog.example/posts/engines.png"
    assert 'href="https://blog.example/posts/diagrams/note-g.html"' in entry.summary_html
    assert entry.text == "See the diagram of Note G."
    assert entry.published == datetime(2026, 9, 30, 8, 0, tzinfo=UTC)
    assert entry.updated == datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def test_atom_text_constructs_stay_text_and_the_feed_author_is_inherited() -> None:
    entry = read("atom_xml_base.xml", "https://blog.example/atom.xml").entries[1]

    assert entry.title == "Plain <text> title"
    assert entry.summary_html == "<p>A summary\nthat is plain text.</p>"
    assert entry.author == "Ada Lovelace"
    assert entry.published is None
    assert entry.updated == datetime(2026, 10, 2, tzinfo=UTC)


def test_rss_1_0_rdf() -> None:
    feed = read("rdf.xml", "https://slashdot.example/index.rdf")
    entry = feed.entries[0]

    assert (feed.kind, feed.title, feed.site_url) == (
        "rdf",
        "Slash News",
        "https://slashdot.example/",
    )
    assert entry.guid == entry.url == "https://slashdot.example/story/1"
    assert entry.text == "A new compiler release."
    assert entry.author == "timothy"
    assert entry.published == datetime(2026, 8, 15, 14, 22, tzinfo=timezone(timedelta(hours=-4)))


def test_json_feed_1_1() -> None:
    feed = read("json_feed_11.json", "https://tiny.example/feed.json")
    first, second = feed.entries

    assert feed.kind == "json"
    assert feed.title == "Tiny Podcast Notes"
    assert feed.site_url == "https://tiny.example/"
    assert feed.hub_url == "https://websub.example/hub"  # the WebSub hub, not rssCloud
    assert first.url == "https://tiny.example/episodes/2"
    assert first.image == "https://tiny.example/img/wire.jpg"
    assert "iframe" not in first.summary_html and "evil" not in first.summary_html
    assert 'href="https://tiny.example/wire.html"' in first.summary_html
    assert first.author == "Grace Hopper"
    assert second.guid == "1"  # JSON Feed 1.0 allowed numbers
    assert second.summary_html == "<p>First line.</p><p>Second &lt;paragraph&gt;.</p>"
    assert second.text == "First line. Second <paragraph>."
    assert second.author == "Guest Writer"


# --- Encodings and dates ------------------------------------------------------------------------


def test_windows_1252_declared_in_the_xml_declaration() -> None:
    feed = read("win1252.xml")

    assert feed.title == "Café Crème – Notes"
    assert feed.entries[0].title == "“Smart quotes” cost € 5"
    assert feed.entries[0].text == "Crème brûlée"


def test_http_charset_counts_when_the_document_names_none() -> None:
    body = "<rss><channel><title>Grüße</title></channel></rss>".encode("iso-8859-1")
    assert parse(body, "", "text/xml; charset=ISO-8859-1").title == "Grüße"


def test_utf16_with_bom() -> None:
    body = (
        '<?xml version="1.0" encoding="UTF-16"?><rss><channel><title>Ωmega</title></channel></rss>'
    )
    assert parse(body.encode("utf-16")).title == "Ωmega"


def test_broken_dates_are_none_and_zone_names_are_understood() -> None:
    entries = read("broken_date.xml").entries

    assert [e.published for e in entries[:3]] == [None, None, None]
    assert entries[3].published == datetime(2026, 11, 4, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 10 Jun 2003 04:00:00 GMT", datetime(2003, 6, 10, 4, tzinfo=UTC)),
        ("10 Jun 2003 04:00 +0200", datetime(2003, 6, 10, 2, tzinfo=UTC)),
        ("2003-06-10T04:00:00Z", datetime(2003, 6, 10, 4, tzinfo=UTC)),
        ("2003-06-10T04:00:00.123+01:00", datetime(2003, 6, 10, 3, 0, 0, 123000, tzinfo=UTC)),
        ("2003-06-10 04:00:00 +0000", datetime(2003, 6, 10, 4, tzinfo=UTC)),
        ("2003-06-10", datetime(2003, 6, 10, tzinfo=UTC)),
        ("2003-06", datetime(2003, 6, 1, tzinfo=UTC)),
        ("2003-13", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_parse_date(value: str, expected: datetime | None) -> None:
    assert parse_date(value) == expected


# --- Refused ------------------------------------------------------------------------------------


def test_billion_laughs_is_refused_at_once() -> None:
    started = time.perf_counter()
    reason = refusal((FIXTURES / "billion_laughs.xml").read_bytes())

    assert reason.startswith("The feed was refused: it declares XML entities in its DOCTYPE")
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("name", ["xxe_file.xml", "xxe_http.xml"])
def test_external_entities_are_refused(name: str) -> None:
    reason = refusal((FIXTURES / name).read_bytes())

    assert "declares XML entities" in reason
    assert "root:" not in reason


def test_external_entity_in_utf16_is_refused_too() -> None:
    body = (FIXTURES / "xxe_file.xml").read_text().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert "declares XML entities" in refusal(body.encode("utf-16"))


def test_an_entity_hidden_from_the_first_look_is_caught_after_parsing() -> None:
    # "]>" inside a quoted default value ends the pre-parse look at the DOCTYPE too early.
    body = b'<!DOCTYPE rss [<!ATTLIST rss b CDATA "]>"><!ENTITY e "x">]><rss><channel/></rss>'
    assert "declares XML entities" in refusal(body)


def test_a_web_page_is_not_a_feed_and_the_reason_says_what_to_do() -> None:
    reason = refusal((FIXTURES / "web_page.html").read_bytes())

    assert reason.startswith("This is a web page, not a feed.")
    assert "Add it as a site" in reason


def test_a_well_formed_xhtml_page_is_a_web_page_too() -> None:
    body = '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head/><body/></html>'
    assert refusal(body).startswith("This is a web page, not a feed.")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "The feed is empty: the server sent no content."),
        (b"  \n\t ", "The feed is empty: the server sent no content."),
        (b"Hello, world", "This is neither XML nor JSON, so it cannot be a feed."),
        (
            b"<note><to>Tove</to></note>",
            "This XML document is not a feed: its root element is <note>, where a feed starts "
            "with <rss>, <feed> or <rdf:RDF>.",
        ),
        (
            b'<opml version="2.0"><body/></opml>',
            "This is an OPML list of feeds, not a feed: import it as OPML instead.",
        ),
        (
            b"<rss><title>x</title></rss>",
            "This RSS document has no <channel>, so it holds no feed.",
        ),
        (
            b'{"items": []}',
            'This JSON document is not a JSON Feed: it has no "version": '
            '"https://jsonfeed.org/version/1.1".',
        ),
        (
            '{"version": "https://jsonfeed.org/version/1", "title": "Café"}'.encode("latin-1"),
            "A JSON feed must be encoded in UTF-8, and this one is not.",
        ),
        (
            b'{"version": "https://jsonfeed.org/version/1", }',
            "The JSON feed is not valid JSON (line 1, column 47: Expecting property name "
            "enclosed in double quotes).",
        ),
    ],
)
def test_what_is_not_a_feed_says_why(body: bytes, reason: str) -> None:
    assert refusal(body) == reason


# --- Sniffing -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("application/rss+xml", b'<?xml version="1.0"?>\n<rss version="2.0">', True),
        ("text/html; charset=utf-8", b"<?xml-stylesheet href='s.xsl'?><rss>", True),  # mislabelled
        ("text/xml", b"<!-- generated --><feed xmlns='http://www.w3.org/2005/Atom'>", True),
        ("application/xml", b"<rdf:RDF xmlns:rdf='...'>", True),
        ("application/json", b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', True),
        ("application/feed+json", b'{"items": [], "version":', True),
        ("application/json", b'{"data": []}', False),
        ("application/rss+xml", b"<!DOCTYPE html><html><head>", False),  # a page, whatever it says
        ("text/html", b"<html><head><title>Home</title>", False),
        ("application/xml", b"<sitemapindex>", False),
        ("application/atom+xml", b"", True),
        ("text/plain", b"", False),
    ],
)
def test_looks_like_feed(content_type: str, body: bytes, expected: bool) -> None:
    assert looks_like_feed(content_type, body) is expected
