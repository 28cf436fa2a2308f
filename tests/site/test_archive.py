"""Archives by month, and a topic's scoops by tag."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outlier.curation.models import ScoopState
from tests.site.factories import make_scoop

pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int = 10) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def test_archive_lists_months_with_counts_newest_first(client, topic):
    make_scoop(topic, published_at=at(2026, 11))
    make_scoop(topic, published_at=at(2026, 11, 20))
    make_scoop(topic, published_at=at(2026, 9))
    make_scoop(topic, published_at=at(2025, 12, 31))
    make_scoop(topic, published_at=at(2026, 10), state=ScoopState.DRAFT)

    html = client.get("/t/climate/archive/").content.decode()

    assert 'href="/t/climate/archive/2026/11/">November</a> <span class="n">2 scoops' in html
    assert 'href="/t/climate/archive/2026/9/">September</a> <span class="n">1 scoop<' in html
    assert 'href="/t/climate/archive/2025/12/">December</a>' in html
    assert "/archive/2026/10/" not in html
    assert html.index("2026/11") < html.index("2026/9") < html.index("2025/12")


def test_archive_month_shows_that_month_only(client, topic):
    make_scoop(topic, title="Start of November", published_at=datetime(2026, 11, 1, tzinfo=UTC))
    make_scoop(topic, title="End of October", published_at=at(2026, 10, 31))
    make_scoop(topic, title="December already", published_at=datetime(2026, 12, 1, tzinfo=UTC))

    response = client.get("/t/climate/archive/2026/11/")

    html = response.content.decode()
    assert "<h1>November 2026</h1>" in html
    assert "Start of November" in html
    assert "End of October" not in html and "December already" not in html


def test_archive_month_pages_like_the_topic(client, topic):
    for day in range(1, 26):
        make_scoop(topic, published_at=at(2026, 11, day))

    assert (
        client.get("/t/climate/archive/2026/11/?page=2")
        .content.decode()
        .count('<article class="scoop')
        == 5
    )
    assert client.get("/t/climate/archive/2026/11/?page=3").status_code == 404


@pytest.mark.parametrize("path", ["2026/10/", "2026/13/", "2026/0/", "0/1/"])
def test_empty_or_impossible_months_are_not_found(client, topic, path):
    make_scoop(topic, published_at=at(2026, 11))

    assert client.get(f"/t/climate/archive/{path}").status_code == 404


def test_an_empty_archive_says_so(client, topic):
    assert "No scoops yet" in client.get("/t/climate/archive/").content.decode()


def test_tag_page_lists_the_topics_scoops_with_that_tag(client, topic):
    make_scoop(topic, title="About rivers", tags=["Rivers", "Data"])
    make_scoop(topic, title="About forests", tags=["Forests"])
    make_scoop(topic, title="Draft on rivers", tags=["Rivers"], state=ScoopState.DRAFT)

    html = client.get("/t/climate/tag/rivers/").content.decode()

    assert "<h1>#Rivers</h1>" in html
    assert "About rivers" in html
    assert "About forests" not in html and "Draft on rivers" not in html
    assert client.get("/t/climate/tag/unknown/").status_code == 404
