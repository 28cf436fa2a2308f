"""Text from the web is inert everywhere: pages and feeds. Only the sanitized insight is HTML."""

from __future__ import annotations

import json

import feedparser
import pytest

from tests.site.factories import make_scoop

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def hostile(topic):
    topic.name = f"Topic {SCRIPT}"
    topic.description = f"About {SCRIPT}"
    topic.save()
    return make_scoop(
        topic,
        title=f"Title {SCRIPT}",
        excerpt=f"Excerpt {SCRIPT}",
        site_name=f"Site {SCRIPT}",
        author=f"Author {SCRIPT}",
        image_url='https://img.example/x.jpg"onerror="alert(1)',
        url="javascript:alert(1)",
        url_key="//evil",
        tags=[f"Tag {SCRIPT}"],
    )


@pytest.mark.parametrize(
    "path",
    ["/", "/w/acme/", "/t/climate/", "/t/climate/archive/", "/t/climate/archive/2026/11/"],
)
def test_pages_escape_remote_text(client, hostile, path):
    html = client.get(path).content.decode()

    assert "<script>" not in html
    assert "alert(1)</script>" not in html
    assert 'onerror="' not in html


def test_scoop_page_escapes_and_drops_javascript_links(client, hostile):
    html = client.get(hostile.get_absolute_url()).content.decode()

    assert "<script>" not in html
    assert "Title &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Excerpt &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html
    assert 'onerror="' not in html


@pytest.mark.parametrize("kind", ["rss", "atom"])
@pytest.mark.parametrize("owner", ["t/climate", "w/acme"])
def test_xml_feeds_escape_remote_text(client, hostile, kind, owner):
    body = client.get(f"/{owner}/feed.{kind}").content

    assert b"<script>" not in body
    entry = feedparser.parse(body).entries[0]
    # Titles are plain text: the reader shows the characters, it does not run them.
    assert entry.title_detail.type == "text/plain"
    assert entry.title == f"Title {SCRIPT}"
    assert "<script>" not in entry.summary
    assert "&lt;script&gt;" in entry.summary
    assert "javascript:" not in entry.summary


@pytest.mark.parametrize("owner", ["t/climate", "w/acme"])
def test_json_feed_keeps_text_plain_and_html_escaped(client, hostile, owner):
    body = client.get(f"/{owner}/feed.json").content

    assert b"<script>" not in body
    item = json.loads(body)["items"][0]
    assert item["title"] == f"Title {SCRIPT}"  # plain text, as JSON Feed defines it
    assert "<script>" not in item["content_html"]
    assert "Excerpt &lt;script&gt;alert(1)&lt;/script&gt;" in item["content_html"]
    assert "external_url" not in item  # javascript: is no way out
