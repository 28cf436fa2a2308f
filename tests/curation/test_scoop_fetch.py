"""Saving a URL fills the scoop from the page; a page that cannot be read leaves a reason."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from outlier.curation import actions
from outlier.curation.models import Scoop, ScoopState
from tests.conftest import ARTICLE_HTML, PageServer, Team


def scoop_url(team: Team, topic, url: str, **kw) -> Scoop:
    scoop, created = actions.do_create_scoop(team.member(team.owner), topic, url, **kw)
    assert created
    scoop.refresh_from_db()
    return scoop


def test_a_saved_url_is_fetched_filled_and_published(team, topic, article_url):
    scoop = scoop_url(team, topic, article_url, insight="Read *this*.", tags="water, Towns")
    assert scoop.state == ScoopState.PUBLISHED
    assert scoop.title == "Rivers are rising"
    assert scoop.excerpt.startswith("Scientists measured the fastest rise in a century")
    assert len(scoop.excerpt) <= 300
    assert scoop.image_url == article_url.rsplit("/", 1)[0] + "/img/river.jpg"
    assert scoop.site_name == "The Daily Planet"
    assert scoop.author == "Lois Lane"
    assert scoop.article_published_at == datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    assert scoop.canonical_url == "https://planet.example/rivers-rising"
    assert scoop.language == "en"
    assert scoop.insight_html == "<p>Read <em>this</em>.</p>\n"
    assert sorted(t.name for t in scoop.tags.all()) == ["Towns", "water"]
    assert scoop.published_at is not None


def test_a_draft_stays_a_draft_once_filled(team, topic, article_url):
    scoop = scoop_url(team, topic, article_url, publish=False)
    assert scoop.state == ScoopState.DRAFT
    assert scoop.title == "Rivers are rising"


def test_a_real_world_page_is_filled(team, topic, page_server: PageServer):
    url = page_server.add_corpus_page("blog.python.org.html")
    scoop = scoop_url(team, topic, url)
    assert scoop.state == ScoopState.PUBLISHED, scoop.fetch_error
    assert scoop.title
    assert 0 < len(scoop.excerpt) <= 300


@pytest.mark.parametrize(
    ("path", "status", "content_type", "body", "reason"),
    [
        ("/missing", 404, "text/html", b"<p>gone</p>", "HTTP 404"),
        (
            "/image",
            200,
            "image/png",
            b"\x89PNG\r\n\x1a\n" + b"0" * 100,
            "not a web page (image/png)",
        ),
        ("/json", 200, "application/json", b'{"a": 1}', "not a web page"),
        ("/empty", 200, "text/html", b"", "not an HTML document"),
    ],
)
def test_a_page_that_cannot_be_read_leaves_a_draft_with_the_reason(
    team, topic, page_server, path, status, content_type, body, reason
):
    url = page_server.add(path, body, content_type=content_type, status=status)
    scoop = scoop_url(team, topic, url, insight="kept")
    assert scoop.state == ScoopState.FAILED
    assert reason in scoop.fetch_error
    assert scoop.title == ""
    assert scoop.insight == "kept"


def test_an_oversized_page_and_a_gzip_bomb_are_refused(team, topic, page_server, settings):
    settings.FETCH_MAX_BYTES = 64 * 1024
    big = page_server.add("/big", "<p>" + "x" * 200_000 + "</p>")
    bomb = gzip.compress(b"<html>" + b" " * (20 * 1024 * 1024))
    page_server.pages["/bomb"] = (200, "text/html", bomb, {"Content-Encoding": "gzip"})
    for url in (big, page_server.base + "/bomb"):
        scoop = scoop_url(team, topic, url)
        assert scoop.state == ScoopState.FAILED
        assert "larger than" in scoop.fetch_error


def test_a_forbidden_address_is_refused_without_a_request(team, topic, settings):
    settings.ALLOWED_PRIVATE_NETWORKS = []
    for url in ("http://127.0.0.1:9/", "http://[::ffff:127.0.0.1]/", "http://2130706433/",
                "http://169.254.169.254/latest/meta-data/"):  # fmt: skip
        scoop = scoop_url(team, topic, url)
        assert scoop.state == ScoopState.FAILED
        assert "Refused" in scoop.fetch_error or "refused" in scoop.fetch_error


def test_a_redirect_to_a_forbidden_address_is_refused(team, topic, page_server, settings):
    url = page_server.redirect("/hop", "http://169.254.169.254/latest/meta-data/")
    scoop = scoop_url(team, topic, url)
    assert scoop.state == ScoopState.FAILED
    assert "169.254.169.254" in scoop.fetch_error


def test_an_unreachable_host_gives_a_reason(team, topic, page_server):
    scoop = scoop_url(team, topic, "http://127.0.0.1:1/closed")
    assert scoop.state == ScoopState.FAILED
    assert scoop.fetch_error
    unresolvable = scoop_url(team, topic, "http://no-such-host.invalid/page")
    assert unresolvable.state == ScoopState.FAILED
    assert "resolve" in unresolvable.fetch_error.lower()


def test_malformed_html_and_html_in_the_title_are_kept_inert(team, topic, page_server):
    url = page_server.add(
        "/bad",
        "<html><head><title><script>alert(1)</script>Breaking &amp; <b>bold</b></title>"
        '<meta name="description" content="<img src=x onerror=alert(2)>Plain words about the news here">'
        "</head><body><div><p>Unclosed <i>tags everywhere <p>and more text in a paragraph that is long",
    )
    scoop = scoop_url(team, topic, url)
    assert scoop.state == ScoopState.PUBLISHED, scoop.fetch_error
    assert "<" not in scoop.title and "alert" not in scoop.title
    assert "<" not in scoop.excerpt
    page = team.client(team.owner).get(f"/app/acme/scoops/{scoop.pk}/")
    assert b"<script>alert(1)" not in page.content
    assert b"onerror=alert" not in page.content


def test_retry_fetches_again_after_a_failure(team, topic, page_server):
    url = page_server.add("/later", b"", status=503)
    scoop = scoop_url(team, topic, url)
    assert scoop.state == ScoopState.FAILED
    page_server.add("/later", ARTICLE_HTML)
    scoop = actions.do_retry_fetch(team.member(team.owner), scoop)
    assert scoop.state == ScoopState.PUBLISHED
    assert scoop.fetch_error == ""


@pytest.mark.parametrize(
    "bad",
    [
        "ftp://example.org/file",
        "javascript:alert(1)",
        "example.org",
        "",
        "http://",
        "https://user:pw@example.org/",
    ],
)
def test_a_bad_url_is_refused_before_anything_is_stored(team, topic, bad):
    with pytest.raises(ValidationError):
        actions.do_create_scoop(team.member(team.owner), topic, bad)
    assert Scoop.objects.count() == 0


def test_the_same_article_twice_returns_the_existing_scoop(team, topic, article_url):
    first = scoop_url(team, topic, article_url)
    host = article_url.split("/")[2]
    for variant in (article_url + "#comments", article_url + "?utm_source=x&fbclid=1",
                    article_url.replace("http://", "HTTP://"), "https://planet.example/rivers-rising",
                    f"http://{host}/rivers/"):  # fmt: skip
        again, created = actions.do_create_scoop(team.member(team.owner), topic, variant)
        assert not created, variant
        assert again.pk == first.pk
    assert Scoop.objects.count() == 1


def test_a_second_url_with_the_same_canonical_page_is_kept_as_a_draft(team, topic, page_server):
    first = scoop_url(team, topic, page_server.add("/a", ARTICLE_HTML))
    second = scoop_url(team, topic, page_server.add("/b", ARTICLE_HTML))
    assert first.state == ScoopState.PUBLISHED
    assert second.state == ScoopState.DRAFT
    assert "already in the topic" in second.fetch_error
