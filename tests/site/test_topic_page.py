"""A topic's page lists its published scoops, newest first, 20 to a page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outlier.curation.models import ScoopState
from tests.site.factories import NOV_25, make_scoop, make_topic

pytestmark = pytest.mark.django_db


def test_each_scoop_shows_date_title_excerpt_insight_and_the_way_out(client, topic):
    scoop = make_scoop(
        topic,
        title="Rivers are rising",
        excerpt="Scientists measured the fastest rise in a century.",
        insight_html="<p>Read this <em>before</em> the meeting.</p>",
        url="https://planet.example/rivers?utm=x",
        canonical_url="https://planet.example/rivers",
        site_name="The Daily Planet",
        image_url="https://planet.example/river.jpg",
        published_at=NOV_25,
        tags=["Rivers"],
    )

    response = client.get("/t/climate/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "25 Nov 2026" in html
    assert f'<a href="{scoop.get_absolute_url()}">Rivers are rising</a>' in html
    assert "Scientists measured the fastest rise in a century." in html
    assert "<p>Read this <em>before</em> the meeting.</p>" in html
    # The way out goes through the scoop's tracked link, which leads to the article.
    scoop.refresh_from_db()
    assert (
        scoop.site_link is not None and scoop.site_link.original == "https://planet.example/rivers"
    )
    assert (
        f'<a class="read" href="http://testserver/l/{scoop.site_link.code}" rel="noopener">'
        "Read the full article →</a>" in html
    )
    assert "Sourced from The Daily Planet" in html
    assert 'src="https://planet.example/river.jpg" alt="Rivers are rising" loading="lazy"' in html
    assert 'href="/t/climate/tag/rivers/">Rivers</a>' in html


def test_header_names_the_topic_and_links_archive_and_feeds(client, topic):
    html = client.get("/t/climate/").content.decode()

    assert "<h1>Climate</h1>" in html
    assert "Rivers, forests and the people who count them." in html
    assert 'href="/t/climate/archive/">Archive</a>' in html
    for kind in ("rss", "atom", "json"):
        assert f'href="http://testserver/t/climate/feed.{kind}"' in html


def test_sourced_from_falls_back_to_the_host_name(client, topic):
    make_scoop(topic, site_name="", url="https://www.planet.example/a", url_key="//planet/a")

    assert "Sourced from planet.example" in client.get("/t/climate/").content.decode()


def test_newest_first(client, topic):
    make_scoop(topic, title="Older", published_at=NOV_25 - timedelta(days=3))
    make_scoop(topic, title="Newest", published_at=NOV_25)
    make_scoop(topic, title="Middle", published_at=NOV_25 - timedelta(days=1))

    html = client.get("/t/climate/").content.decode()

    assert html.index("Newest") < html.index("Middle") < html.index("Older")


def test_only_published_scoops_are_shown(client, topic):
    make_scoop(topic, title="Shown to all")
    for state in (ScoopState.DRAFT, ScoopState.FAILED, ScoopState.FETCHING):
        make_scoop(topic, title=f"Hidden {state}", state=state)

    html = client.get("/t/climate/").content.decode()

    assert "Shown to all" in html
    assert "Hidden" not in html


def test_a_private_topic_is_not_found(client, workspace):
    private = make_topic(workspace, slug="secret", name="Secret", is_public=False)
    make_scoop(private)

    assert client.get("/t/secret/").status_code == 404
    assert client.get("/t/secret/feed.rss").status_code == 404
    assert client.get("/t/secret/archive/").status_code == 404
    assert client.get("/t/nowhere/").status_code == 404


def test_an_empty_topic_says_so(client, topic):
    html = client.get("/t/climate/").content.decode()

    assert "No scoops yet" in html


def test_pagination_twenty_to_a_page(client, topic):
    for n in range(25):
        make_scoop(topic, title=f"Scoop number {n:02d}", published_at=NOV_25 - timedelta(hours=n))

    first = client.get("/t/climate/").content.decode()
    second = client.get("/t/climate/?page=2")

    assert first.count('<article class="scoop') == 20
    assert 'rel="next" href="?page=2"' in first
    assert second.status_code == 200
    html = second.content.decode()
    assert html.count('<article class="scoop') == 5
    assert "Scoop number 24" in html and "Scoop number 19" not in html
    assert 'rel="prev" href="?page=1"' in html


@pytest.mark.parametrize("page", ["99", "abc", "0", "-1", "2.5", ""])
def test_a_page_that_does_not_exist_is_not_found(client, topic, page):
    for _ in range(25):
        make_scoop(topic)

    assert client.get(f"/t/climate/?page={page}").status_code == 404


def test_only_get_and_head_are_allowed(client, topic):
    assert client.post("/t/climate/").status_code == 405
    assert client.head("/t/climate/").status_code == 200
